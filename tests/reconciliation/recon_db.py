"""Seed released batches, lines and submissions straight into a migrated database for matcher tests.

Personal data columns get opaque placeholders: the matcher never reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert

from gateway.storage import Database
from gateway.storage.tables import batch_lines, batches
from gateway.storage.tables_dispatch import submissions

FUND_A = "370100000000100001"
FUND_B = "370100000000200002"
STRANGER = "370100000000999999"
SENT = "2025-01-05T09:00:00+08:00"


@dataclass(frozen=True)
class Seeded:
    batch_id: int
    submission_id: int
    bank_reference: str
    line_ids: list[int]
    e2e: list[str]
    amounts: list[int]


_counter = {"e2e": 0}


def seed_batch(
    db: Database,
    bank_reference: str,
    amounts: Sequence[int],
    *,
    fund_account: str = FUND_A,
    bank_code: str = "308",
    sent_at: str = SENT,
    releaser: str = "release:ops",
) -> Seeded:
    with db.write() as conn:
        batch_id = conn.execute(
            insert(batches).values(
                state="RELEASED",
                fund="PENSION_EMPLOYEE",
                fund_account=fund_account,
                period="2025-01",
                title="t",
                source_name="t.csv",
                creator="maker:a",
                approver="checker:b",
                releaser=releaser,
                line_count=len(amounts),
                total_amount_fen=sum(amounts),
                rejected_count=0,
                created_at=sent_at,
                updated_at=sent_at,
            )
        ).inserted_primary_key[0]
        sub_id = conn.execute(
            insert(submissions).values(
                batch_id=batch_id,
                seq_in_batch=1,
                bank_code=bank_code,
                adapter="fixed_width_file",
                fund="PENSION_EMPLOYEE",
                fund_account=fund_account,
                bank_reference=bank_reference,
                state="ACCEPTED",
                line_count=len(amounts),
                control_sum_fen=sum(amounts),
                merkle_root="0" * 64,
                manifest="{}",
                attempts=1,
                created_at=sent_at,
                sent_at=sent_at,
                updated_at=sent_at,
            )
        ).inserted_primary_key[0]
        ids, refs = [], []
        for n, amount in enumerate(amounts, 1):
            _counter["e2e"] += 1
            ref = f"E{_counter['e2e']:015d}"
            ids.append(
                conn.execute(
                    insert(batch_lines).values(
                        batch_id=batch_id,
                        line_number=n,
                        e2e_ref=ref,
                        state="SUBMITTED",
                        benefit="PENSION_EMPLOYEE",
                        period="2025-01",
                        id_type="RESIDENT_ID",
                        account_type="CARD",
                        bank_code=bank_code,
                        amount_fen=amount,
                        region="370100",
                        client_ref=f"c{ref}",
                        id_hash=ref.encode()[:16].ljust(16, b"i"),
                        account_hash=ref.encode()[:16].ljust(16, b"a"),
                        pii=b"sealed",
                        id_masked="3701**********0011",
                        name_masked="张*",
                        account_masked="622202*********0001",
                        claim=False,
                        updated_at=sent_at,
                        submission_id=sub_id,
                    )
                ).inserted_primary_key[0]
            )
            refs.append(ref)
    return Seeded(batch_id, sub_id, bank_reference, ids, refs, list(amounts))
