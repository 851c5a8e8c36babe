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
    """Set ``key = value`` in the bank's section of silink.toml (replacing a key that is there; a value
    of None removes the key)."""
    path = home / "silink.toml"
    lines = path.read_text(encoding="utf-8").split("\n")
    start = lines.index(f'[banks."{bank}"]') + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("[")), len(lines))
    for key, value in options.items():
        shown = str(value).lower() if isinstance(value, bool) else json.dumps(value, ensure_ascii=False)
        at = next((i for i in range(start, end) if lines[i].startswith(f"{key} = ")), None)
        if value is None:
            if at is not None:
                del lines[at]
                end -= 1
        elif at is None:
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


class PullBank:
    """`silink banksim pull`: a BankLink bank that connects to the gateway (and reconnects after it
    restarted, on whatever port it listens)."""

    def __init__(self, home: Path, folder: Path, bank: str = "105", *extra: str) -> None:
        self.folder = folder
        self.log = open(LOG_DIR / f"banksim-pull-{bank}-{uuid.uuid4().hex[:6]}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gateway.cli.main",
                "banksim",
                "pull",
                "--bank",
                bank,
                "--gateway",
                str(home),
                "--dir",
                str(folder),
                "--interval",
                "0.5",
                *extra,
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

    ledger = BankSim.ledger
    stop = BankSim.stop


class FourBanks:
    """One simulated bank per protocol, each its own process: ISO 20022 (102), BankLink (105),
    direct-link JSON (308) and fixed-width files (403)."""

    CODES = ("102", "105", "308", "403")

    def __init__(self, home: Path, folder: Path) -> None:
        self.home = home
        self.iso = BankSim(folder / "sim102", "102")
        point_bank_at(home, "102", self.iso.folder)
        self.direct = start_cn_bank(home, "308", "direct_link_json", folder / "sim308")
        self.files = start_cn_bank(home, "403", "fixed_width_file", folder / "sim403")
        self.pull = PullBank(home, folder / "sim105")
        self.by_code = {"102": self.iso, "105": self.pull, "308": self.direct, "403": self.files}

    def controls(self) -> dict:
        from adapters.simulator.client import ControlClient

        return {code: ControlClient(sim.folder) for code, sim in self.by_code.items() if code != "105"}

    def stop(self) -> None:
        for sim in self.by_code.values():
            sim.stop()


def check_banks_agree(home: Path, banks: FourBanks) -> dict[str, dict[str, int]]:
    """Invariants 1–3 per bank: no end-to-end id credited twice; every line the gateway calls PAID the
    bank credited, every FAILED one it refused (or never booked); what the bank credited is PAID or still
    in the manual queue; the gateway's paid count and sum equal the bank's credits less those queued.
    Returns the gateway's line count per bank and state."""
    from sqlalchemy import select

    from gateway.config import load_config
    from gateway.storage import Database
    from gateway.storage.tables import batch_lines
    from gateway.storage.tables_dispatch import submissions

    db = Database(load_config(home).database_url)
    try:
        with db.read() as conn:
            rows = conn.execute(
                select(
                    submissions.c.bank_code,
                    batch_lines.c.e2e_ref,
                    batch_lines.c.state,
                    batch_lines.c.amount_fen,
                ).join(submissions, submissions.c.id == batch_lines.c.submission_id)
            ).all()
    finally:
        db.dispose()
    states: dict[str, dict[str, int]] = {}
    for code, sim in banks.by_code.items():
        mine = {r.e2e_ref: (r.state, r.amount_fen) for r in rows if r.bank_code == code}
        states[code] = {}
        for state, _ in mine.values():
            states[code][state] = states[code].get(state, 0) + 1
        ledger = sim.ledger()
        credited = [e for e in ledger["entries"] if e["state"] == "credited"]
        refs = [e["end_to_end_id"] for e in credited]
        assert len(refs) == len(set(refs)), f"bank {code} credited a line twice"
        booked = {e["end_to_end_id"]: e["state"] for e in ledger["entries"]}
        for ref, (state, _amount) in mine.items():
            if state == "PAID":
                assert booked.get(ref) == "credited", (code, ref)
            elif state == "FAILED":
                assert booked.get(ref) in ("rejected", None), (code, ref, booked.get(ref))
        queued = sum(e["amount_fen"] for e in credited if mine.get(e["end_to_end_id"], ("",))[0] == "MANUAL")
        assert all(mine.get(ref, ("",))[0] in ("PAID", "MANUAL") for ref in refs), code
        paid = [amount for state, amount in mine.values() if state == "PAID"]
        totals = ledger["totals"]
        assert (len(paid), sum(paid)) == (
            totals["credited_count"] - sum(1 for e in credited if mine[e["end_to_end_id"]][0] == "MANUAL"),
            totals["credited_fen"] - queued,
        ), code
    return states
