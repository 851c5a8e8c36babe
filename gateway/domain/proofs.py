"""Inclusion proofs: that one payment line is part of a signed submission, shown without the others.

A bank or an auditor holding the signed manifest can check one line against its Merkle root with the
RFC 9162 audit path; the gateway recomputes the path on demand from the submission's stored lines
(keeping every proof would cost ~13 GB a month at province scale, see CRYPTO.md).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from gateway.domain.batches import open_pii
from gateway.errors import NotFound
from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import submissions
from keys.datakey import DataProtector
from keys.manifest import Manifest
from keys.merkle import inclusion_proof, row_leaf_hashes


def submission_rows(
    conn: Connection, protector: DataProtector, sub: dict[str, Any], *, personal_data: bool = True
) -> list[tuple]:
    """The submission's lines in canonical field order, as release signed them. ``personal_data=False``
    leaves ID number, name and account empty without decrypting them (reading a bank's status answer
    needs references and amounts only)."""
    cols = batch_lines.c
    rows = conn.execute(
        select(
            cols.e2e_ref,
            cols.pii,
            cols.account_type,
            cols.id_type,
            cols.amount_fen,
            cols.benefit,
            cols.period,
        )
        .where(cols.submission_id == sub["id"])
        .order_by(cols.line_number)
    ).all()
    bank_code, fund_account = sub["bank_code"], sub["fund_account"]
    out = []
    # Unpacked once per row: attribute access on a result row costs more than the rest of the loop.
    for seq, (ref, pii, account_type, id_type, amount_fen, benefit, period) in enumerate(rows, 1):
        if personal_data:
            id_number, name, account = open_pii(protector, ref, bytes(pii))
        else:
            id_number = name = account = ""
        out.append(
            (
                seq,
                ref,
                bank_code,
                account,
                account_type,
                name,
                id_type,
                id_number,
                amount_fen,
                benefit,
                period,
                fund_account,
            )
        )
    return out


def prove(conn: Connection, protector: DataProtector, submission: str, line: str) -> dict[str, Any]:
    """Proof for ``line`` (end-to-end reference or 1-based sequence) of ``submission`` (bank reference)."""
    sub = (
        conn.execute(select(submissions).where(submissions.c.bank_reference == submission)).mappings().first()
    )
    if sub is None:
        raise NotFound("no such submission", metadata={"submission": submission[:40]})
    sub = dict(sub)
    rows = submission_rows(conn, protector, sub)
    index = next((i for i, r in enumerate(rows) if r[1] == line), None)
    if index is None and line.isdigit() and 1 <= int(line) <= len(rows):
        index = int(line) - 1
    if index is None:
        raise NotFound("no such line in this submission", metadata={"line": line[:20]})
    manifest = Manifest.from_json(sub["manifest"])
    hashes = row_leaf_hashes(rows, manifest.hash_alg)
    return {
        "submission": submission,
        "end_to_end_ref": rows[index][1],
        "index": index,
        "tree_size": len(rows),
        "leaf_hash": hashes[index].hex(),
        "proof": [h.hex() for h in inclusion_proof(hashes, index, manifest.hash_alg)],
        "merkle_root": manifest.merkle_root,
        "manifest": sub["manifest"],
        "_row": rows[index],  # for local verification only; never printed
    }
