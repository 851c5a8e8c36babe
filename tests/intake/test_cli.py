"""`silink gen payroll` and `silink validate`: arguments, output, exit codes, and no personal data shown."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from gateway.cli.main import main
from gateway.intake.generator import read_expected_bad
from tests.support.logscan import scan_text

REPO = Path(__file__).resolve().parents[2]


def gen(tmp_path: Path, *extra: str, payees: int = 2_000) -> Path:
    out = tmp_path / "p.csv"
    code = main(["gen", "payroll", "--payees", str(payees), "--seed", "1", *extra, "-o", str(out)])
    assert code == 0
    return out


def test_gen_writes_file_and_one_line_summary(tmp_path, capsys):
    """gen payroll writes the CSV and its sidecar and prints one summary line on stderr."""
    out = gen(tmp_path, "--bad-rate", "0.01", "--banks", "3")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and "2,000 lines" in captured.err
    assert out.exists() and out.with_suffix(".bad.json").exists()


def test_validate_clean_file_exits_0(tmp_path, capsys):
    """A clean payroll validates with exit 0 and a summary table per fund and bank."""
    out = gen(tmp_path)
    capsys.readouterr()
    assert main(["validate", str(out), "--as-of", "2025-01-15"]) == 0
    text = capsys.readouterr().out
    assert (
        "valid 2,000" in text and "rejected 0" in text and "PENSION_EMPLOYEE" in text and "102 ICBC" in text
    )


def test_validate_rejected_lines_exit_1_and_are_masked(tmp_path, capsys):
    """Rejected lines give exit 1; the listing names each line and reason and shows no clear number."""
    out = gen(tmp_path, "--bad-rate", "0.05")
    capsys.readouterr()
    assert main(["validate", str(out), "--max-errors", "1000"]) == 1
    text = capsys.readouterr().out
    expected = read_expected_bad(out)
    listed = sum(1 for line, reason in expected.items() if f"{line}" in text and reason in text)
    assert listed == len(expected)
    assert scan_text(text) == []


def test_validate_json(tmp_path, capsys):
    """--json prints one JSON object with counts, totals in fen and yuan, and masked errors."""
    out = gen(tmp_path, "--bad-rate", "0.05")
    capsys.readouterr()
    assert main(["validate", str(out), "--json", "--max-errors", "5"]) == 1
    raw = capsys.readouterr().out
    data = json.loads(raw)
    expected = read_expected_bad(out)
    assert data["readable"] is True and data["rejected"] == len(expected)
    assert data["valid"] + data["rejected"] == data["lines"] == 2_000
    assert len(data["errors"]) == 5 and data["errors_truncated"] is True
    assert sum(data["errors_by_reason"].values()) == data["error_count"]
    assert sum(b["amount_fen"] for b in data["by_bank"]) == data["total_fen"]
    assert set(data["errors"][0]) == {"line", "field", "reason", "value", "message"}
    assert scan_text(raw) == []


def test_validate_unreadable_exits_2(tmp_path, capsys):
    """An unreadable file exits 2 with one line on stderr, or a JSON object with its reason."""
    path = tmp_path / "junk.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert main(["validate", str(path)]) == 2
    assert "FILE_BINARY" in capsys.readouterr().err
    assert main(["validate", str(path), "--json"]) == 2
    data = json.loads(capsys.readouterr().out)
    assert (data["readable"], data["reason"]) == (False, "FILE_BINARY")


def test_validate_fund_option(tmp_path, capsys):
    """--fund binds validation to one fund: a pension payroll checked against UNEMPLOYMENT is rejected."""
    out = gen(tmp_path, payees=50)
    capsys.readouterr()
    assert main(["validate", str(out), "--fund", "UNEMPLOYMENT", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["errors_by_reason"] == {"FUND_MISMATCH": 50}


def test_as_user_would_run_them(tmp_path):
    """The commands work as separate processes: gen then validate, exit code 1 with bad lines."""
    out = tmp_path / "p.csv"
    cmd = [sys.executable, "-m", "gateway.cli.main"]
    gen_run = subprocess.run(
        [*cmd, "gen", "payroll", "--payees", "3000", "--seed", "1", "--bad-rate", "0.001", "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert gen_run.returncode == 0, gen_run.stderr
    val = subprocess.run([*cmd, "validate", str(out)], capture_output=True, text=True, cwd=REPO, check=False)
    assert val.returncode == (1 if read_expected_bad(out) else 0)
    assert scan_text(val.stdout + val.stderr) == []
