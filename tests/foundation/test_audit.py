"""The hash-chained audit log, on both backends."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gateway import audit


def _fill(db, n: int) -> None:
    for i in range(n):
        with db.write() as conn:
            audit.append(
                conn,
                principal="approver:li",
                action="batch.approve",
                object_type="batch",
                object_id=f"B{i}",
                before="VALIDATED",
                after="APPROVED",
                detail={"lines": i},
            )


def _drop_guards(db) -> None:
    """What an attacker with database rights would do before editing the log."""
    with db.write() as conn:
        if db.is_sqlite:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_update ON audit_log"))


def test_intact_chain_verifies(db):
    """A chain written by append() verifies, counting every entry."""
    _fill(db, 25)
    result = audit.verify(db)
    assert result.ok and result.checked == 25


def test_database_refuses_update_and_delete(db):
    """The append-only triggers stop a plain UPDATE or DELETE."""
    _fill(db, 2)
    for stmt in ("UPDATE audit_log SET action = 'x' WHERE seq = 1", "DELETE FROM audit_log WHERE seq = 1"):
        with pytest.raises(DBAPIError), db.write() as conn:
            conn.execute(text(stmt))


@pytest.mark.parametrize(
    "column,value",
    [
        ("action", "batch.reject"),
        ("after_state", "REJECTED"),
        ("detail", '{"lines":999}'),
        ("principal", "officer:wang"),
    ],
)
def test_tampering_one_row_is_found_at_that_row(db, column, value):
    """Changing any field of entry 7 makes verify fail exactly at entry 7."""
    _fill(db, 12)
    _drop_guards(db)
    with db.write() as conn:
        conn.execute(text(f"UPDATE audit_log SET {column} = :v WHERE seq = 7"), {"v": value})  # noqa: S608 - column from the test's own parameter list
    result = audit.verify(db)
    assert not result.ok
    assert result.first_bad_seq == 7
    assert result.checked == 6


def test_deleting_a_middle_row_and_truncating_the_tail_are_found(db):
    """A missing middle entry and removed trailing entries are both reported."""
    _fill(db, 10)
    _drop_guards(db)
    with db.write() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 4"))
    assert audit.verify(db).first_bad_seq == 4
    with db.write() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq >= 4"))
    result = audit.verify(db)
    assert not result.ok and result.first_bad_seq == 4 and "removed" in result.reason


def test_detail_is_redacted_before_it_is_chained(db):
    """Personal numbers handed to the audit log are stored masked."""
    with db.write() as conn:
        audit.append(
            conn,
            principal="officer:wang",
            action="line.pull",
            object_type="line",
            object_id="L1",
            detail={"account": "6222020200112233445", "note": "id 11010519491231002X"},
        )
    with db.read() as conn:
        detail = conn.execute(text("SELECT detail FROM audit_log WHERE seq = 1")).scalar()
    assert "6222020200112233445" not in detail and "11010519491231002X" not in detail
    assert "622202" in detail


def test_cli_audit_verify_exit_codes(instance):
    """`silink audit verify` exits 0 on an intact chain and 1 naming the entry after tampering."""
    from gateway.config import load_config
    from gateway.storage import Database

    db = Database(load_config(instance).database_url)
    with db.read() as conn:
        before = conn.execute(text("SELECT count(*) FROM audit_log")).scalar()  # init audits its keys
    _fill(db, 5)
    run = [sys.executable, "-m", "gateway.cli.main", "audit", "verify", "--dir", str(instance)]
    ok = subprocess.run(run, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert f"{before + 5} entries" in ok.stdout
    _drop_guards(db)
    with db.write() as conn:
        conn.execute(text("UPDATE audit_log SET object_id = 'B99' WHERE seq = :s"), {"s": before + 3})
    db.dispose()
    bad = subprocess.run([*run, "--json"], capture_output=True, text=True)
    assert bad.returncode == 1
    assert f'"first_bad_seq": {before + 3}' in bad.stdout
