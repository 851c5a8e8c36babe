"""Card-service fixtures: a data key, card settings, a payroll batch. The database is tests/conftest.py's
``db``, so every card test that touches one runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import secrets

import pytest

from gateway.domain import batches
from gateway.domain.batches import BatchHeaderIn, BatchIntake
from gateway.domain.cards.channels import CardSettings, ChannelLimits
from gateway.domain.cards.operations import Caller, Cards, register_card
from gateway.intake.accounts import luhn_check_digit
from gateway.intake.identity import resident_id_check_char
from gateway.intake.records import ValidatedLine
from keys.datakey import DataProtector

OFFICER = "officer:zhang"
APPROVER = "approver:li"
BRANCH = "channel:branch-102-jinan"


def ident(n: int) -> str:
    # unique for n below 40,000: the year carries n // 1000, the sequence n % 1000
    body = f"37010219{60 + n // 1000 % 40:02d}{n % 12 + 1:02d}{n % 28 + 1:02d}{n % 1000:03d}"
    return body + resident_id_check_char(body)


def account(n: int, bin6: str = "622202") -> str:
    body = f"{bin6}{n:012d}"
    return body + luhn_check_digit(body)  # Luhn-valid test numbers, not real accounts


def card_no(n: int) -> str:
    return f"B{41537000 + n:08d}"


@pytest.fixture
def protector() -> DataProtector:
    return DataProtector(secrets.token_bytes(32))


@pytest.fixture
def cards_ctx(protector) -> Cards:
    return Cards(protector, CardSettings.from_config({"temporary_loss_days": 7}), ChannelLimits())


def caller(ctx: Cards, principal: str = BRANCH, token: str = "") -> Caller:
    return Caller(ctx.settings.channel(principal), "370102001", "op-7", token)


def add_card(db, protector, n: int = 1, *, bank="102", state="NORMAL", bank_state="NORMAL", **kw) -> str:
    with db.write() as conn:
        register_card(
            conn,
            protector,
            id_number=ident(n),
            name="张三",
            card_number=card_no(n),
            bank_code=bank,
            account=account(n),
            principal="system:test",
            social_state=state,
            bank_state=bank_state,
            **kw,
        )
    return card_no(n)


def make_batch(
    db, protector, people: list[int], *, approve: bool = True, other_account: set[int] = frozenset()
) -> int:
    """One line per person, paid to the person's card account (or another account for ``other_account``)."""
    with db.write() as conn:
        intake = BatchIntake(
            conn,
            protector,
            creator=OFFICER,
            header=BatchHeaderIn("PENSION_EMPLOYEE", "2026-11", "November pensions", "nov.csv"),
            fund_account="1001",
        )
        for i, n in enumerate(people, start=1):
            acc = account(n, "621700") if n in other_account else account(n)
            intake.add(
                ValidatedLine(
                    i, "RESIDENT_ID", ident(n), "张三", acc, "CARD", "102", 100_000 + n,
                    "PENSION_EMPLOYEE", "PENSION_EMPLOYEE", "2026-11", "370102", f"r{n}",
                )
            )  # fmt: skip
        batch_id = intake.finish().batch_id
    if approve:
        approve_batch(db, protector, batch_id)
    return batch_id


def approve_batch(db, protector, batch_id: int) -> int:
    with db.write() as conn:
        b = batches.get(conn, batch_id)
        return batches.approve(conn, protector, batch_id, APPROVER, b["content_hash"])
