"""Table of the BankLink status inquiries: the gateway's questions to a partner bank that pulls.

A BankLink bank connects to us, so the dispatcher cannot send it a status query the way it does an
ISO 20022 or direct-link bank. Instead it writes the question here (one row per line whose outcome it
does not know, or per submission); the bank lists its OPEN rows (``ListStatusInquiries``) and answers
each (``AnswerStatusInquiry``). An answer is applied like a pushed result and kept as evidence.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table

from gateway.storage.tables import metadata

_ID = BigInteger().with_variant(Integer, "sqlite")

banklink_inquiries = Table(
    "banklink_inquiries",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("submission_id", BigInteger, ForeignKey("submissions.id"), nullable=False),
    Column("line_id", BigInteger, nullable=True),  # None: the inquiry is about the whole submission
    Column("seq", Integer, nullable=False),  # the line's seq in the submission; 0 for the submission
    Column("bank_code", String(3), nullable=False),
    Column("our_reference", String(35), nullable=False),  # end-to-end reference, or the submission's
    Column("amount_fen", BigInteger, nullable=False),
    Column("state", String(10), nullable=False),  # OPEN | ANSWERED
    Column("finding", String(10), nullable=True),  # FOUND | NOT_FOUND, once answered
    Column("line_state", String(12), nullable=True),  # the line's state right after the answer
    Column("evidence_id", BigInteger, nullable=True),  # the answer as it came (bank_evidence)
    Column("answered_by", String(200), nullable=True),
    Column("created_at", String(32), nullable=False),
    Column("answered_at", String(32), nullable=True),
    Index("ix_banklink_inquiries_bank", "bank_code", "state", "id"),
    Index("ix_banklink_inquiries_submission", "submission_id", "state"),
)
