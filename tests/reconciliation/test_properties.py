"""Property: whatever order results, statements and returns arrive in, and whenever reconciliation runs in
between, every line ends in the outcome its evidence says, the outcome sums are the sums sent, no line is
claimed twice in a role, and running (or importing) again changes nothing. SQLite only, to stay fast."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from gateway.storage import Database, migrate
from gateway.storage.tables_recon import (
    recon_daily_controls,
    recon_entries,
    recon_exceptions,
    recon_imports,
    recon_matches,
)
from reconciliation import exceptions as X
from reconciliation import settlement as S
from reconciliation.camt053_writer import Booking, render_statement
from reconciliation.daily_control import run_daily_control
from reconciliation.importer import import_file
from reconciliation.matcher import run

from .own_files import fixed_width_result
from .recon_db import FUND_A, seed_batch

TODAY = date(2025, 1, 31)
BOOKED = date(2025, 1, 6)
RETURN_DAY = date(2025, 1, 9)


@dataclass(frozen=True)
class Plan:
    """What the banks will say about one line."""

    result: str | None  # "S" paid, "E" rejected, None: no result
    booked: bool  # the statement shows the debit
    returns: int  # 0, 1, or 2 (the second one a duplicate credit)

    @property
    def outcome(self) -> str:
        if self.returns:
            return S.RETURNED
        if self.result == "E":
            return S.REJECTED
        if self.result == "S" or self.booked:
            return S.PAID
        return S.UNMATCHED


# A rejected payment is neither booked nor returned; anything else may come in any combination.
plans = st.one_of(
    st.just(Plan("E", False, 0)),
    st.builds(Plan, st.sampled_from(["S", None]), st.booleans(), st.integers(0, 2)),
)


@st.composite
def months(draw):
    amounts = draw(st.lists(st.integers(1, 10_000_000), min_size=1, max_size=6))
    line_plans = draw(st.lists(plans, min_size=len(amounts), max_size=len(amounts)))
    # Every piece of evidence, as (kind, line index); then any order, cut into files, with runs between.
    items = []
    for i, p in enumerate(line_plans):
        if p.result:
            items.append(("result", i))
        if p.booked:
            items.append(("booking", i))
        items += [("return", i)] * p.returns
    order = draw(st.permutations(items))
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(order) - 1)), max_size=3))) if order else []
    chunks = [list(order[a:b]) for a, b in itertools.pairwise([0, *cuts, len(order)]) if order[a:b]]
    runs_between = draw(st.lists(st.booleans(), min_size=len(chunks), max_size=len(chunks)))
    return amounts, line_plans, chunks, runs_between


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """One migrated SQLite file; every example starts from a copy (migrating each time is too slow)."""
    path = tmp_path_factory.mktemp("template") / "t.db"
    db = Database(f"sqlite:///{path}")
    migrate(db)
    db.dispose()  # the last connection closing folds the write-ahead log into the file
    assert not path.with_name("t.db-wal").exists() or path.with_name("t.db-wal").stat().st_size == 0
    return path


def _write_chunk(folder: Path, n: int, chunk, seeded, line_plans, statement_seq) -> list[Path]:
    files = []
    rows = [
        (i + 1, seeded.e2e[i], seeded.amounts[i], line_plans[i].result, "", "")
        for kind, i in chunk
        if kind == "result"
    ]
    if rows:
        rows = [(*r[:4], *(("ACC04", "账户已销户") if r[3] == "E" else ("", ""))) for r in rows]
        files.append(
            fixed_width_result(
                folder / f"RET_308_20250105_{seeded.bank_reference}_{n:03d}.txt", seeded.bank_reference, rows
            )
        )
    bookings = []
    for kind, i in chunk:
        if kind == "booking":
            bookings.append(Booking(seeded.amounts[i], False, BOOKED, end_to_end_id=seeded.e2e[i]))
        elif kind == "return":
            bookings.append(
                Booking(
                    seeded.amounts[i], True, RETURN_DAY, end_to_end_id=seeded.e2e[i], return_reason="AC04"
                )
            )
    if bookings:
        seq = next(statement_seq)
        path = folder / f"camt053_A_{seq:03d}.xml"
        path.write_bytes(
            render_statement(
                account=FUND_A,
                statement_id=f"A-{seq:03d}",
                sequence=seq,
                opening_fen=10**10,
                bookings=bookings,
                day=BOOKED,
            )
        )
        files.append(path)
    return files


def _snapshot(db) -> tuple:
    with db.read() as conn:
        counts = tuple(
            conn.execute(select(func.count()).select_from(t)).scalar()
            for t in (recon_imports, recon_entries, recon_matches, recon_exceptions, recon_daily_controls)
        )
        controls = conn.execute(select(recon_daily_controls).order_by(recon_daily_controls.c.id)).all()
    return counts, [tuple(r) for r in controls]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(month=months())
def test_any_interleaving_settles_to_what_was_sent(template: Path, month) -> None:
    amounts, line_plans, chunks, runs_between = month
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copy(template, folder / "db.sqlite")
        db = Database(f"sqlite:///{folder / 'db.sqlite'}")
        try:
            seeded = seed_batch(db, "SLK000000000077", amounts)
            seqs = itertools.count(1)
            imported = []
            for n, (chunk, run_now) in enumerate(zip(chunks, runs_between, strict=True), 1):
                for path in _write_chunk(folder, n, chunk, seeded, line_plans, seqs):
                    assert not import_file(db, path, principal="import:clerk").duplicate
                    imported.append(path)
                if run_now:
                    run(db, today=TODAY)
            run(db, today=TODAY)
            _check(db, seeded, line_plans, amounts)

            with db.write() as conn:
                run_daily_control(conn)
            before = _snapshot(db)
            again = run(db, today=TODAY)
            assert (again.new_matches, again.new_suggestions, again.new_exceptions) == (0, 0, 0)
            for path in imported:
                assert import_file(db, path, principal="import:clerk").duplicate
            with db.write() as conn:
                run_daily_control(conn)
            assert _snapshot(db) == before
        finally:
            db.dispose()


def _check(db, seeded, line_plans, amounts) -> None:
    with db.read() as conn:
        settled = S.build_settlement(conn, as_of=TODAY)
        claims = conn.execute(select(recon_matches.c.line_id, recon_matches.c.role)).all()
        kinds = [
            r.kind
            for r in conn.execute(select(recon_exceptions.c.kind).where(recon_exceptions.c.state == X.OPEN))
        ]
    # The outcome sums are the sums sent, per group and overall.
    for g in [settled.total, *settled.batches, *settled.banks, *settled.funds]:
        assert sum(t.minor for t in g.by_state.values()) == g.sent.minor
        assert sum(t.count for t in g.by_state.values()) == g.sent.count
    assert settled.total.sent == S.Totals(len(amounts), sum(amounts))
    # Each outcome holds exactly the lines whose evidence says so, in whatever order it came.
    for outcome in S.OUTCOMES:
        want = [a for a, p in zip(amounts, line_plans, strict=True) if p.outcome == outcome]
        assert settled.total.state(outcome) == S.Totals(len(want), sum(want)), outcome
    # No line claimed twice in a role; each role claimed by exactly the lines that have such evidence.
    assert len(claims) == len(set(claims))
    by_role = {role: {lid for lid, r in claims if r == role} for role in ("result", "booking", "return")}
    ids = seeded.line_ids
    assert by_role["result"] == {ids[i] for i, p in enumerate(line_plans) if p.result}
    assert by_role["booking"] == {ids[i] for i, p in enumerate(line_plans) if p.booked}
    assert by_role["return"] == {ids[i] for i, p in enumerate(line_plans) if p.returns}
    # Open exceptions depend on the evidence only: the second credit for a line is a duplicate, once;
    # the lines with no result and no booking are unmatched past the cut-off (and only those: a line
    # reported silent by an early run is cleared when its result comes).
    assert kinds.count(X.DUPLICATE_CREDIT) == sum(p.returns == 2 for p in line_plans)
    assert kinds.count(X.UNMATCHED_INTERNAL) == sum(not p.result and not p.booked for p in line_plans)
