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
