"""The CLI contract: where the instance folder comes from, and clean errors without tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _silink(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        timeout=120,
    )


def test_instance_folder_from_dir_then_env_then_var(tmp_path):
    """--dir wins over $SILINK_HOME, which wins over ./var."""
    env_home = tmp_path / "from-env"
    r = _silink("init", "--json", cwd=tmp_path, env={"SILINK_HOME": str(env_home)})
    assert r.returncode == 0 and (env_home / "silink.toml").exists()
    r = _silink(
        "init", "--dir", str(tmp_path / "from-flag"), cwd=tmp_path, env={"SILINK_HOME": str(env_home)}
    )
    assert r.returncode == 0 and (tmp_path / "from-flag" / "silink.toml").exists()
    env = {k: v for k, v in os.environ.items() if k != "SILINK_HOME"}
    r = subprocess.run(
        [sys.executable, "-m", "gateway.cli.main", "init"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
        timeout=120,
    )
    assert r.returncode == 0 and (tmp_path / "var" / "silink.toml").exists()


def test_init_twice_keeps_keys(tmp_path):
    """A second init adds nothing and never replaces the master key or the CA."""
    home = tmp_path / "i"
    assert _silink("init", "--dir", str(home), cwd=tmp_path).returncode == 0
    key, ca = (home / "secrets/master.key").read_bytes(), (home / "pki/ca.pem").read_bytes()
    again = _silink("init", "--dir", str(home), cwd=tmp_path)
    assert "nothing changed" in again.stdout
    assert (home / "secrets/master.key").read_bytes() == key and (home / "pki/ca.pem").read_bytes() == ca
    assert oct((home / "secrets/master.key").stat().st_mode & 0o777) == "0o600"


def test_missing_instance_and_missing_file_are_one_line_errors(tmp_path):
    """A folder without an instance, or a missing file, exits 2 with one line and no traceback."""
    r = _silink("audit", "verify", "--dir", str(tmp_path / "nothing"), cwd=tmp_path)
    assert r.returncode == 2 and "silink init" in r.stderr and "Traceback" not in r.stderr
    home = tmp_path / "i"
    _silink("init", "--dir", str(home), cwd=tmp_path)
    r = _silink(
        "persons",
        "import",
        str(tmp_path / "absent.csv"),
        "--dir",
        str(home),
        "--as",
        "admin:zhou",
        cwd=tmp_path,
    )
    assert r.returncode == 2 and "absent.csv" in r.stderr and "Traceback" not in r.stderr
