"""Fakes for the dispatch-control tests: a settable clock, and a submission row in a real database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import insert, select, update

from adapters.contract import (
    AmountUnit,
    Capabilities,
    SubmitResult,
    SubmitStatus,
    WireMessage,
    WireResponse,
)
from gateway.clock import now_iso
from gateway.storage import Database, migrate
from gateway.storage.tables import batch_lines, batches
from gateway.storage.tables_dispatch import outbox, submissions


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def shanghai(y: int, m: int, d: int, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def sqlite_db(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'controls.db'}")
    migrate(db)
    return db


def add_submission(db: Database, bank: str = "102", lines: int = 10, ref: str = "S1") -> int:
    """A READY submission (no lines: the fake adapter needs none) with its SEND item in the outbox."""
    now = now_iso()
    with db.write() as conn:
        batch_id = conn.execute(select(batches.c.id).limit(1)).scalar()
        if batch_id is None:
            batch_id = conn.execute(
                insert(batches)
                .values(
                    state="RELEASED",
                    fund="PENSION_EMPLOYEE",
                    fund_account="370100000000100001",
                    period="2026-11",
                    title="t",
                    source_name="t.csv",
                    creator="officer:wang",
                    line_count=lines,
                    total_amount_fen=lines * 100,
                    rejected_count=0,
                    created_at=now,
                    updated_at=now,
                )
                .returning(batches.c.id)
            ).scalar_one()
        seq = conn.execute(select(submissions.c.id).where(submissions.c.batch_id == batch_id)).all()
        sub_id = conn.execute(
            insert(submissions)
            .values(
                batch_id=batch_id,
                seq_in_batch=len(seq) + 1,
                bank_code=bank,
                adapter="fake",
                fund="PENSION_EMPLOYEE",
                fund_account="370100000000100001",
                bank_reference=ref,
                state="READY",
                line_count=lines,
                control_sum_fen=lines * 100,
                merkle_root="00" * 32,
                manifest="{}",
                attempts=0,
                created_at=now,
                updated_at=now,
            )
            .returning(submissions.c.id)
        ).scalar_one()
        conn.execute(
            insert(outbox).values(
                submission_id=sub_id,
                kind="SEND",
                state="READY",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    return sub_id


class FakeAdapter:
    name = "fake"
    capabilities = Capabilities(
        protocol="fake",
        amount_unit=AmountUnit.FEN,
        max_lines_per_submission=5000,
        text_encoding="utf-8",
        bank_dedupes_on_reference=False,
        status_query=True,
        returns=False,
        card_services=False,
        signature_algorithm="ECDSA-P256-SHA256",
        hash_algorithm="SHA-256",
    )

    def render_submission(self, submission, ctx):
        return WireMessage(b"<submission/>", "application/xml", "/submit")

    def render_status_query(self, submission, ctx):
        return WireMessage(b"<query/>", "application/xml", "/status")

    def parse_submit_response(self, response: WireResponse, submission) -> SubmitResult:
        return SubmitResult(SubmitStatus.ACCEPTED, "B1")

    def parse_status_response(self, response: WireResponse, submission) -> SubmitResult:
        return SubmitResult(SubmitStatus.ACCEPTED, "B1")


def add_lines(db: Database, sub_id: int, states: list[str], amount_fen: int = 100) -> list[int]:
    """Lines of a submission in the given states (masked fake personal data: none is ever read)."""
    now = now_iso()
    ids = []
    with db.write() as conn:
        batch_id, bank = conn.execute(
            select(submissions.c.batch_id, submissions.c.bank_code).where(submissions.c.id == sub_id)
        ).one()
        start = conn.execute(select(batch_lines.c.id).where(batch_lines.c.batch_id == batch_id)).all()
        for n, state in enumerate(states, start=len(start) + 1):
            ids.append(
                conn.execute(
                    insert(batch_lines)
                    .values(
                        batch_id=batch_id,
                        line_number=n,
                        e2e_ref=f"E{sub_id:04d}{n:08d}",
                        state=state,
                        benefit="PENSION",
                        period="2026-11",
                        id_type="RESIDENT_ID",
                        account_type="DEBIT_CARD",
                        bank_code=bank,
                        amount_fen=amount_fen,
                        region="370100",
                        client_ref=f"c{sub_id}-{n}",
                        id_hash=f"{sub_id:08d}{n:08d}".encode()[:16],
                        account_hash=b"a" * 16,
                        pii=b"",
                        id_masked="3701**********0011",
                        name_masked="张*",
                        account_masked="6222********0001",
                        claim=False,
                        updated_at=now,
                        submission_id=sub_id,
                    )
                    .returning(batch_lines.c.id)
                ).scalar_one()
            )
    return ids


def set_submission(db: Database, sub_id: int, **values) -> None:
    with db.write() as conn:
        conn.execute(update(submissions).where(submissions.c.id == sub_id).values(**values))
