"""A gateway instance wired to real bank simulator processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import LOG_DIR, REPO, ServerProcess


class BankSim:
    """`silink banksim serve` as its own process, on a free loopback port."""

    def __init__(self, folder: Path, bank: str, protocol: str = "iso20022", *extra: str) -> None:
        self.folder = folder
        self.log = open(LOG_DIR / f"banksim-{bank}-{uuid.uuid4().hex[:6]}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gateway.cli.main",
                "banksim",
                "serve",
                "--protocol",
                protocol,
                "--bank",
                bank,
                "--dir",
                str(folder),
                "--port",
                "0",
                *extra,
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.time() + 60
        while not (folder / "run.json").exists():
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("bank simulator did not start")
            time.sleep(0.05)
        self.info = json.loads((folder / "run.json").read_text())

    def ledger(self) -> dict:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "gateway.cli.main",
                "banksim",
                "ledger",
                "--dir",
                str(self.folder),
                "--json",
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def point_bank_at(home: Path, bank: str, sim_folder: Path) -> None:
    """Add ``simulator_dir`` to the bank's section of silink.toml."""
    path = home / "silink.toml"
    text = path.read_text(encoding="utf-8")
    marker = f'[banks."{bank}"]\n'
    assert marker in text
    path.write_text(text.replace(marker, f'{marker}simulator_dir = "{sim_folder}"\n', 1), encoding="utf-8")


@pytest.fixture
def iso_bank(tmp_path):
    sim = BankSim(tmp_path / "sim102", "102")
    yield sim
    sim.stop()


@pytest.fixture
def dispatching_server(instance, iso_bank):
    point_bank_at(instance, "102", iso_bank.folder)
    srv = ServerProcess(instance)
    yield srv
    srv.stop()


# -- the Chinese protocols: keys exchanged with the bank, then its simulator ---------------------------


def _store(home: Path):
    from gateway.config import load_config
    from gateway.storage import Database
    from keys.datakey import load_master_key
    from keys.store import KeyStore

    cfg = load_config(home)
    db = Database(cfg.database_url)
    return KeyStore(home, load_master_key(cfg.master_key_path), audit_db=db, principal="test:setup"), db


def set_bank_options(home: Path, bank: str, **options: object) -> None:
    """Set ``key = value`` in the bank's section of silink.toml (replacing a key that is there)."""
    path = home / "silink.toml"
    lines = path.read_text(encoding="utf-8").split("\n")
    start = lines.index(f'[banks."{bank}"]') + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("[")), len(lines))
    for key, value in options.items():
        shown = str(value).lower() if isinstance(value, bool) else json.dumps(value, ensure_ascii=False)
        at = next((i for i in range(start, end) if lines[i].startswith(f"{key} = ")), None)
        if at is None:
            lines.insert(start, f"{key} = {shown}")
            end += 1
        else:
            lines[at] = f"{key} = {shown}"
    path.write_text("\n".join(lines), encoding="utf-8")


def start_cn_bank(home: Path, bank: str, protocol: str, folder: Path, *extra: str) -> BankSim:
    """A direct-link or folder bank simulator wired to the instance the way a real bank is: the gateway's
    SM2 public key goes to the bank (it checks our signatures), the bank's SM2 public key and, for
    direct-link, its SM4 working key are imported into the gateway's key store."""
    store, db = _store(home)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        gateway_key = folder.parent / f"gw-{bank}.pub.pem"
        gateway_key.write_bytes(store.export_public(f"gw-{bank}"))
        args = ["--client-key", str(gateway_key), "--client-key-alg", "SM2-SM3", *extra]
        if protocol == "fixed_width_file":
            args += ["--payroll-dir", str(home / "exchange" / bank / "out")]
            args += ["--results-dir", str(home / "exchange" / bank / "in")]
        sim = BankSim(folder, bank, protocol, *args)
        store.import_public(f"bank-{bank}", Path(sim.info["bank_public_key"]).read_bytes(), "sm2")
        if sim.info.get("working_key"):
            material = bytes.fromhex(Path(sim.info["working_key"]).read_text().strip())
            store.import_secret(f"bank-{bank}-sm4", material, "sm4")
    finally:
        db.dispose()
    if protocol == "direct_link_json":
        point_bank_at(home, bank, folder)
    return sim
