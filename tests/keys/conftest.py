"""Fixtures for the keys tests: the ``openssl`` command line and small helpers around it."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

SM2_ID = "1234567812345678"


@pytest.fixture
def openssl(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[bytes]]:
    """Run ``openssl`` with arguments in ``tmp_path``; the result carries returncode, stdout, stderr."""
    exe = shutil.which("openssl")
    if exe is None:
        pytest.skip("the openssl command line is not installed")

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        proc = subprocess.run([exe, *args], cwd=tmp_path, capture_output=True, timeout=60, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(f"openssl {' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
        return proc

    return run
