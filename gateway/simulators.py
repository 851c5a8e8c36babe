"""Local bank simulators as separate processes, wired to an instance as a partner bank would be.

Used by the demo and by `silink bench province`: :class:`Sim` runs one `silink banksim serve` process and
reads its run file; :func:`point_bank` makes ``[banks.X]`` talk to it; :func:`exchange_keys` does what a
real bank onboarding does for the Chinese protocols (our SM2 public key out, the bank's SM2 public key and
SM4 working key in).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from gateway.errors import Unavailable


class Sim:
    """One `silink banksim …` process, its log beside the instance."""

    def __init__(self, home: Path, argv: list[str], folder: Path, wait_for_run_file: bool = True) -> None:
        self.folder = folder
        self._log = open(home / f"banksim-{folder.name}.log", "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli.main", "banksim", *argv],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.info: dict = {}
        deadline = time.time() + 60
        while wait_for_run_file and not (folder / "run.json").exists():
            if self.proc.poll() is not None or time.time() > deadline:
                raise Unavailable(f"bank simulator did not start; see {self._log.name}", "BANKSIM_START")
            time.sleep(0.05)
        if wait_for_run_file:
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
                "--totals-only",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        return json.loads(out.stdout)["totals"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._log.close()


def point_bank(home: Path, code: str, folder: Path) -> None:
    """``simulator_dir`` for ``[banks.<code>]`` in the instance's silink.toml."""
    path = home / "silink.toml"
    marker = f'[banks."{code}"]\n'
    path.write_text(
        path.read_text(encoding="utf-8").replace(marker, f'{marker}simulator_dir = "{folder}"\n', 1),
        encoding="utf-8",
    )


def start_keyed_bank(home: Path, store, code: str, protocol: str, extra: list[str]) -> Sim:
    """Start a Chinese-protocol simulator for ``code`` and exchange keys with it through ``store``."""
    folder = home / f"banksim/{code}"
    folder.mkdir(parents=True, exist_ok=True)
    ours = folder / f"gw-{code}.pub.pem"
    ours.write_bytes(store.export_public(f"gw-{code}"))  # silink keys export-public gw-<code>
    sim = Sim(
        home,
        [
            "serve",
            "--protocol",
            protocol,
            "--bank",
            code,
            "--dir",
            str(folder),
            "--client-key",
            str(ours),
            "--client-key-alg",
            "SM2-SM3",
            *extra,
        ],
        folder,
    )
    # silink keys import-public bank-<code> …/bank_sm2.pub.pem --alg sm2
    store.import_public(f"bank-{code}", Path(sim.info["bank_public_key"]).read_bytes(), "sm2")
    if sim.info.get("working_key"):
        # silink keys import-secret bank-<code>-sm4 …/sm4.key
        key = bytes.fromhex(Path(sim.info["working_key"]).read_text().strip())
        store.import_secret(f"bank-{code}-sm4", key, "sm4")
    return sim


def open_store(home: Path, principal: str):
    """The instance's key store and its database (dispose the database when done)."""
    from gateway.config import load_config
    from gateway.storage import Database
    from keys.datakey import load_master_key
    from keys.store import KeyStore

    cfg = load_config(home)
    db = Database(cfg.database_url)
    return KeyStore(home, load_master_key(cfg.master_key_path), audit_db=db, principal=principal), db
