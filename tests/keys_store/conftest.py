"""Fixtures for the key-store tests: an instance folder, the real `silink keys` CLI, SoftHSM2, openssl."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gateway.cli.main import main as silink_main

SM2_ID = "1234567812345678"
SOFTHSM_MODULES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
)
HSM_PIN = "246810"
HSM_SO_PIN = "13579111"
HSM_TOKEN = "silink-test"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An initialised instance folder on SQLite (the key commands do not depend on the backend)."""
    from gateway.instance import init_instance

    h = tmp_path / "inst"
    init_instance(h)
    return h


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> dict:
        return json.loads(self.out)


@pytest.fixture
def silink(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run `silink ARGS…` through the real entry point in this process; returns exit code and output."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = silink_main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def openssl(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[bytes]]:
    """Run ``openssl`` in ``tmp_path``; the result carries returncode, stdout, stderr."""
    exe = shutil.which("openssl")
    if exe is None:
        pytest.skip("the openssl command line is not installed")

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        proc = subprocess.run([exe, *args], cwd=tmp_path, capture_output=True, timeout=60, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(f"openssl {' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
        return proc

    return run


# -- SoftHSM2 ---------------------------------------------------------------------------------------


def _softhsm_module() -> str | None:
    return next((m for m in SOFTHSM_MODULES if Path(m).exists()), None)


def _ensure_softhsm() -> str:
    """softhsm2-util and the module, installing the Debian package as root when missing; else skip."""
    if shutil.which("softhsm2-util") is None or _softhsm_module() is None:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            pytest.skip("SoftHSM2 is not installed and cannot be installed here (not root or no apt-get)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        proc = subprocess.run(
            ["apt-get", "install", "-y", "softhsm2"], capture_output=True, timeout=300, check=False, env=env
        )
        if proc.returncode != 0:
            subprocess.run(["apt-get", "update"], capture_output=True, timeout=300, check=False, env=env)
            proc = subprocess.run(
                ["apt-get", "install", "-y", "softhsm2"],
                capture_output=True,
                timeout=300,
                check=False,
                env=env,
            )
        if proc.returncode != 0 or _softhsm_module() is None:
            pytest.skip("SoftHSM2 could not be installed with apt-get (package unavailable)")
    module = _softhsm_module()
    assert module is not None
    return module


@dataclass(frozen=True)
class SoftHsm:
    module: str
    token: str
    pin: str
    conf: Path


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsm]:
    """A fresh SoftHSM2 token in a temporary folder (SOFTHSM2_CONF points at its config)."""
    module = _ensure_softhsm()
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n",
        encoding="utf-8",
    )
    old = os.environ.get("SOFTHSM2_CONF")
    # python-pkcs11 loads SoftHSM once per process, which reads SOFTHSM2_CONF then: set it for the session.
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            HSM_TOKEN,
            "--pin",
            HSM_PIN,
            "--so-pin",
            HSM_SO_PIN,
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    yield SoftHsm(module=module, token=HSM_TOKEN, pin=HSM_PIN, conf=conf)
    if old is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = old
