"""camt.053 bank-to-customer statement (001.02, 001.04, 001.08): booked entries with balances.

The reading itself is shared with camt.054 (see :mod:`reconciliation._camt`); entries are BOOKED kind, and
each statement's opening + booked entries must equal its closing balance.
"""

from __future__ import annotations

from pathlib import Path

from reconciliation._base import EvidenceFormat, ParseContext
from reconciliation._camt import detector, read_camt
from reconciliation.entry import BankEntry, Statement

FORMAT = "camt.053"


def parse(path: Path, ctx: ParseContext) -> tuple[list[Statement], list[BankEntry]]:
    return read_camt(path, ctx, FORMAT)


CAMT053 = EvidenceFormat(
    name=FORMAT,
    description="ISO 20022 camt.053 bank-to-customer statement (001.02, 001.04, 001.08)",
    detect=detector(FORMAT),
    parse=parse,
)
