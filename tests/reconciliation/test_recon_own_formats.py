"""Our own evidence formats (回盘, direct-link JSON, BankLink push) parse into the normalised entry model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.errors import FileUnreadable, LineRejected
from reconciliation.entry import Direction, EntryStatus, ReasonList
from reconciliation.registry import detect_format, parse_file

from .own_files import direct_link_body, fixed_width_result

REF = "SLK000000000042"


def test_fixed_width_result_entries(tmp_path: Path) -> None:
    path = fixed_width_result(
        tmp_path / "RET_308_20250105_SLK000000000042_001.txt",
        REF,
        [
            (1, "S00000A000000001", 150_037, "S", "", ""),
            (2, "S00000A000000002", 150_074, "E", "ACC01", "户名与账号不符"),
            (3, "S00000A000000003", 99, "R", "R01", "账户已销户"),
        ],
    )
    assert detect_format(path) == "fixed_width"
    result = parse_file(path)
    assert [e.status for e in result.entries] == [
        EntryStatus.SETTLED,
        EntryStatus.REJECTED,
        EntryStatus.RETURNED,
    ]
    first, second, third = result.entries
    assert first.refs.client_batch_ref == REF and first.refs.line_seq == 1
    assert first.refs.end_to_end_id == "S00000A000000001"
    assert first.amount_minor == 150_037 and first.direction is Direction.DEBIT
    assert first.value_date is not None and first.value_date.isoformat() == "2025-01-06"
    assert second.reason is not None and second.reason.code_list is ReasonList.STATUS
    assert second.reason.raw_code == "ACC01" and second.reason.code == "BE01"
    assert third.direction is Direction.CREDIT and third.reason.code_list is ReasonList.RETURN
    assert result.statements[0].debit_sum_minor == 150_037 + 150_074 + 99
    assert [e.position for e in result.entries] == ["line 2", "line 3", "line 4"]


def test_fixed_width_bad_control_sum_refused(tmp_path: Path) -> None:
    path = fixed_width_result(
        tmp_path / "RET_x.txt", REF, [(1, "S00000A000000001", 100, "S", "", "")], trailer_total=101
    )
    with pytest.raises(LineRejected) as err:
        parse_file(path)
    assert "CONTROL_SUM_MISMATCH" in str(err.value)


def test_direct_link_result_and_bounce(tmp_path: Path) -> None:
    query = direct_link_body(
        tmp_path / "q.json",
        {
            "batchref": REF,
            "batchstatus": "F",
            "lines": [
                {"seq": 1, "ref": "S1", "status": "S", "amt": "1500.37", "valdate": "20250105"},
                {
                    "seq": 2,
                    "ref": "S2",
                    "status": "E",
                    "amt": "10.00",
                    "errcode": "X9",
                    "errmsg": "持卡人已死亡",
                },
            ],
        },
    )
    assert detect_format(query) == "direct_link"
    a, b = parse_file(query).entries
    assert (a.status, a.amount_minor, a.refs.line_seq) == (EntryStatus.SETTLED, 150_037, 1)
    assert b.status is EntryStatus.REJECTED and b.reason.code == "MD07"
    bounce = direct_link_body(
        tmp_path / "b.json",
        {"batchref": REF, "lines": [{"seq": 1, "ref": "S1", "amt": "1500.37", "retdate": "20250110"}]},
    )
    (r,) = parse_file(bounce).entries
    assert r.status is EntryStatus.RETURNED and r.direction is Direction.CREDIT
    assert r.value_date.isoformat() == "2025-01-10"


def test_direct_link_bad_row_names_row_and_field(tmp_path: Path) -> None:
    path = direct_link_body(
        tmp_path / "q.json",
        {"batchref": REF, "batchstatus": "F", "lines": [{"seq": 1, "status": "S", "amt": "12.3"}]},
    )
    with pytest.raises(LineRejected) as err:
        parse_file(path)
    assert "$.lines[0]: amt" in str(err.value)


def test_banklink_push(tmp_path: Path) -> None:
    path = tmp_path / "push.json"
    path.write_text(
        json.dumps(
            {
                "requestId": "r1",
                "submissionId": "77",
                "results": [
                    {
                        "seq": "3",
                        "outcome": "LINE_OUTCOME_PAID",
                        "bankStatusCode": "00",
                        "valueDate": "2025-01-05",
                    },
                    {
                        "endToEndRef": "S9",
                        "outcome": "LINE_OUTCOME_FAILED",
                        "reasonCode": "AC04",
                        "failureReason": "FAILURE_REASON_ACCOUNT_CLOSED",
                    },
                ],
            }
        )
    )
    assert detect_format(path) == "banklink_push"
    a, b = parse_file(path).entries
    assert a.refs.line_seq == 3 and a.status is EntryStatus.SETTLED and a.statement_id == "77"
    assert b.refs.end_to_end_id == "S9" and b.reason.code == "AC04"


def test_banklink_push_unknown_field_refused(tmp_path: Path) -> None:
    path = tmp_path / "push.json"
    path.write_text(json.dumps({"submissionId": "1", "results": [{"seq": "1", "outcome": "NOPE"}]}))
    with pytest.raises(FileUnreadable):
        parse_file(path)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli.main", *args], capture_output=True, text=True, check=False
    )


def test_cli_statement_parse_json_lines_and_error(tmp_path: Path) -> None:
    path = fixed_width_result(
        tmp_path / "RET_y.txt", REF, [(1, "S00000A000000001", 100, "S", "", ""), (2, "S2", 5, "E", "", "")]
    )
    done = _cli("statement", "parse", str(path), "--json")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(x) for x in done.stdout.splitlines()]
    assert [r["amount_minor"] for r in rows] == [100, 5]
    assert "6222" not in done.stdout  # accounts never printed (the 回盘 account is not even kept)
    bad = tmp_path / "bad.json"
    bad.write_text('{"batchref": "X", "batchstatus": "F", "lines": [{"seq": 0}]}')
    done = _cli("statement", "parse", str(bad))
    assert done.returncode == 2
    assert "$.lines[0]: seq" in done.stderr
