"""Files received from folder banks (回执, 回盘, 退票): what each was, whether it was applied, what was wrong.

One row per file the gateway picked up from a bank's incoming folder. ``applied_hash`` is the file's
content hash once its content has been applied (or recognised as belonging to no submission of ours); it
is unique, so the same content can never be applied twice, whatever process reads it: a second copy is a
row with outcome DUPLICATE and no ``applied_hash``. A file whose signature does not verify is REFUSED:
kept as evidence, never applied, and a correctly signed copy may still come.

outcome     APPLIED    its lines (or the receipt) were applied
            DUPLICATE  the same content was applied before; nothing done
            REFUSED    signature missing or invalid, or a file for another batch; nothing done
            UNMATCHED  no submission of ours has this reference; nothing done
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text, UniqueConstraint

from gateway.storage.tables import metadata

_ID = BigInteger().with_variant(Integer, "sqlite")

bank_files = Table(
    "bank_files",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("bank_code", String(3), nullable=False),
    Column("kind", String(10), nullable=False),  # receipt | result | returns
    Column("file_name", String(200), nullable=False),
    Column("content_hash", String(80), nullable=False),  # sm3:<hex> of the exact bytes
    Column("applied_hash", String(80), nullable=True),
    Column("submission_id", BigInteger, nullable=True),
    Column("bank_reference", String(35), nullable=True),
    Column("part_no", Integer, nullable=True),
    Column("outcome", String(12), nullable=False),
    Column("detail_lines", Integer, nullable=False),
    Column("lines_moved", Integer, nullable=False),
    Column("line_errors", Integer, nullable=False),
    Column("file_errors", Integer, nullable=False),
    Column("errors", Text, nullable=True),  # JSON list: "line 12, column 138, amount: …" (values masked)
    Column("evidence_id", BigInteger, nullable=True),
    Column("received_at", String(32), nullable=False),
    UniqueConstraint("applied_hash", name="uq_bank_files_applied_hash"),
    Index("ix_bank_files_submission", "submission_id"),
    Index("ix_bank_files_hash", "content_hash"),
)
