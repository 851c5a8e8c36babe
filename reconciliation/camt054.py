"""camt.054 debit/credit notification (001.02, 001.04, 001.08): single bookings as they happen.

Notifications usually carry no balances; entries are NOTIFICATION kind. Returns of our payments arrive
here (``RtrInf`` with the original end-to-end id), as do itemised batch bookings.
"""

from __future__ import annotations

from pathlib import Path

from reconciliation._base import EvidenceFormat, ParseContext
from reconciliation._camt import detector, read_camt
from reconciliation.entry import BankEntry, Statement

FORMAT = "camt.054"


def parse(path: Path, ctx: ParseContext) -> tuple[list[Statement], list[BankEntry]]:
    return read_camt(path, ctx, FORMAT)


CAMT054 = EvidenceFormat(
    name=FORMAT,
    description="ISO 20022 camt.054 debit/credit notification (001.02, 001.04, 001.08)",
    detect=detector(FORMAT),
    parse=parse,
)
