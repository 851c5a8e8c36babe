"""SLA supervision (超期督办): submissions past their deadline with open lines are listed, summed per bank and
batch, counted in `silink dispatch status` and in the Prometheus gauges."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from prometheus_client import CollectorRegistry

from gateway.cli.main import main
from gateway.dispatch import metrics
from gateway.dispatch.supervision import bank_status, group_overdue, overdue_submissions
from gateway.storage import Database, migrate
from gateway.storage.tables_dispatch_controls import bank_dispatch_state
from tests.dispatch_controls.helpers import add_lines, add_submission, set_submission

# Relative to the real clock: the CLI and the gauges measure against "now".
_T0 = dt.datetime.now(dt.UTC).replace(microsecond=0)
NOW = _T0.isoformat(timespec="microseconds")


def _at(hours: float) -> str:
    return (_T0 + dt.timedelta(hours=hours)).isoformat(timespec="microseconds")


def _seed(db: Database) -> dict[str, int]:
    """Five submissions: two overdue at 102 (one in the manual queue), one overdue at 301, one past its
    deadline but all lines final, one not yet due."""
    subs = {}
    subs["late_102"] = add_submission(db, bank="102", ref="S102A")
    add_lines(db, subs["late_102"], ["ACCEPTED", "ACCEPTED", "PAID"], amount_fen=1_000)
    set_submission(
        db,
        subs["late_102"],
        state="ACCEPTED",
        sent_at=_at(-27),
        sla_deadline=_at(-3),  # 3 h overdue
    )
    subs["manual_102"] = add_submission(db, bank="102", ref="S102B")
    add_lines(db, subs["manual_102"], ["MANUAL"], amount_fen=250)
    set_submission(
        db,
        subs["manual_102"],
        state="MANUAL",
        sent_at=_at(-24.5),
        sla_deadline=_at(-0.5),  # 30 min overdue
    )
    subs["late_301"] = add_submission(db, bank="301", ref="S301A")
    add_lines(db, subs["late_301"], ["UNKNOWN", "UNKNOWN"], amount_fen=500)
    set_submission(
        db,
        subs["late_301"],
        state="UNKNOWN",
        sent_at=_at(-48),
        sla_deadline=_at(-24),  # 1 day overdue
    )
    subs["done_102"] = add_submission(db, bank="102", ref="S102C")
    add_lines(db, subs["done_102"], ["PAID", "FAILED", "RETURNED"])
    set_submission(
        db,
        subs["done_102"],
        state="COMPLETED",
        sent_at=_at(-72),
        sla_deadline=_at(-48),
    )
    subs["fresh_102"] = add_submission(db, bank="102", ref="S102D")
    add_lines(db, subs["fresh_102"], ["ACCEPTED"])
    set_submission(
        db,
        subs["fresh_102"],
        state="ACCEPTED",
        sent_at=_at(-1),
        sla_deadline=_at(23),
    )
    subs["queued_102"] = add_submission(db, bank="102", ref="S102E")  # READY, never sent: no deadline
    add_lines(db, subs["queued_102"], ["PENDING"])
    return subs


@pytest.fixture
def seeded(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'silink.db'}")
    migrate(db)
    _seed(db)
    yield db
    db.dispose()


def test_overdue_lists_only_late_submissions_with_open_lines_most_overdue_first(seeded) -> None:
    with seeded.read() as conn:
        items = overdue_submissions(conn, now=NOW)
    assert [(i.submission, i.state, i.open_lines, i.open_amount_fen) for i in items] == [
        ("S301A", "UNKNOWN", 2, 1_000),
        ("S102A", "ACCEPTED", 2, 2_000),  # the PAID line is not open
        ("S102B", "MANUAL", 1, 250),
    ]
    assert [i.overdue_seconds for i in items] == [86_400.0, 3 * 3600.0, 1800.0]
    assert {i.batch for i in items} == {"B00000001"}


def test_overdue_per_bank_and_per_batch(seeded) -> None:
    with seeded.read() as conn:
        only_102 = overdue_submissions(conn, now=NOW, bank="102")
        everything = overdue_submissions(conn, now=NOW)
    assert {i.bank_code for i in only_102} == {"102"} and len(only_102) == 2
    banks = {g.key: g for g in group_overdue(everything, "bank")}
    assert (banks["102"].submissions, banks["102"].open_lines, banks["102"].open_amount_fen) == (2, 3, 2_250)
    assert banks["102"].oldest_overdue_seconds == 3 * 3600.0
    assert [g.key for g in group_overdue(everything, "bank")] == ["301", "102"]  # most overdue first
    (batch,) = group_overdue(everything, "batch")
    assert (batch.key, batch.submissions, batch.open_lines) == ("B00000001", 3, 5)


def test_nothing_is_overdue_before_the_deadline(seeded) -> None:
    with seeded.read() as conn:
        assert overdue_submissions(conn, now=_at(-100)) == []


def test_bank_status_counts_and_breaker(seeded) -> None:
    with seeded.write() as conn:
        conn.execute(
            bank_dispatch_state.insert().values(
                bank_code="301",
                breaker_state="OPEN",
                consecutive_failures=5,
                changed_at=NOW,
                owner="test:w0",
            )
        )
    with seeded.read() as conn:
        rates = {"102": (20.0, "submissions"), "104": (0.0, "lines")}
        rows = {r.bank_code: r for r in bank_status(conn, rates, now=NOW)}
    assert set(rows) == {"102", "104", "301"}  # configured banks and banks with submissions
    b102 = rows["102"]
    assert (b102.queued, b102.in_flight, b102.unknown, b102.manual) == (1, 2, 0, 1)
    assert (b102.overdue, b102.overdue_lines, b102.breaker_state, b102.rate_limit) == (2, 3, "CLOSED", 20.0)
    b301 = rows["301"]
    assert (b301.unknown, b301.overdue, b301.breaker_state) == (1, 1, "OPEN")
    assert (rows["104"].queued, rows["104"].overdue) == (0, 0)


def test_overdue_gauges(seeded) -> None:
    registry = CollectorRegistry()
    metrics.watch(seeded, registry=registry)
    assert registry.get_sample_value("silink_dispatch_overdue_submissions", {"bank": "102"}) == 2
    assert registry.get_sample_value("silink_dispatch_overdue_lines", {"bank": "301"}) == 2
    oldest = registry.get_sample_value("silink_dispatch_overdue_oldest_seconds", {"bank": "301"})
    assert oldest is not None and oldest > 86_400  # measured against the real clock: at least a day


def _instance(tmp_path) -> str:
    (tmp_path / "silink.toml").write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "silink.db"}"\n'
        '[banks."102"]\nadapter = "iso20022"\nrate_limit = 5\n'
        '[banks."301"]\nadapter = "direct_link_json"\n',
        encoding="utf-8",
    )
    return str(tmp_path)


def test_cli_overdue_and_status_json(seeded, tmp_path, capsys) -> None:
    home = _instance(tmp_path)
    assert main(["dispatch", "overdue", "--dir", home, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [s["submission"] for s in out["submissions"]] == ["S301A", "S102A", "S102B"]
    assert {b["key"]: b["open_lines"] for b in out["banks"]} == {"301": 2, "102": 3}
    assert main(["dispatch", "overdue", "--dir", home, "--json", "--bank", "301"]) == 0
    assert [s["submission"] for s in json.loads(capsys.readouterr().out)["submissions"]] == ["S301A"]
    assert main(["dispatch", "status", "--dir", home, "--json"]) == 0
    banks = {b["bank_code"]: b for b in json.loads(capsys.readouterr().out)["banks"]}
    assert banks["102"]["rate_limit"] == 5.0 and banks["102"]["overdue"] == 2
    assert banks["301"]["rate_limit"] == 20.0  # the default


def test_cli_tables(seeded, tmp_path, capsys) -> None:
    home = _instance(tmp_path)
    assert main(["dispatch", "overdue", "--dir", home]) == 0
    text = capsys.readouterr().out
    # A day overdue when seeded; the clock was read at import, so minutes may have passed under xdist.
    assert "S301A" in text and re.search(r"1d00h\d\dm", text)
    assert "per bank" in text and "per batch" in text
    assert main(["dispatch", "status", "--dir", home]) == 0
    assert "CLOSED" in capsys.readouterr().out
