"""The banks' final answers for some batches, as files reconciliation can import.

The dispatcher keeps every message a bank sent (``bank_evidence``), byte for byte. Finance reconciles
from the banks' result files; where those are the very answers the dispatcher received, this writes them
out in the form the importer reads:

* ISO 20022 — the last pain.002 status report of each submission, as received (its detached signature
  was checked on arrival);
* direct-link JSON — the last status answer of each submission, opened: signature verified with the
  bank's SM2 key and the SM4 body decrypted (the importer reads the answer body);
* payroll files — every 回盘 result file the bank dropped, as received;
* BankLink — every results push, as the proto JSON of its ``PushLineResultsRequest`` (the message the
  bank sent, whose serialized bytes are what was kept).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlalchemy import func, select

from gateway.storage.tables_dispatch import bank_evidence, submissions

_PAGE = 50  # answers read at a time: a 5,000-line pain.002 is about 1.3 MB


def _wanted(conn, batch_ids: list[int]) -> list[int]:
    ev, sub = bank_evidence.c, submissions.c
    last_answers = (
        select(func.max(ev.id))
        .join(submissions, sub.id == ev.submission_id)
        .where(sub.batch_id.in_(batch_ids), ev.direction == "in", ev.kind == "status_response")
        .group_by(ev.submission_id)
    )
    result_files = (
        select(ev.id)
        .join(submissions, sub.id == ev.submission_id)
        .where(
            sub.batch_id.in_(batch_ids),
            ev.direction == "in",
            ev.kind.in_(("result_file", "banklink_results")),
        )
    )
    return sorted({r[0] for r in conn.execute(last_answers)} | {r[0] for r in conn.execute(result_files)})


def export_final_answers(ctx, batch_ids: Iterable[int], folder: Path) -> Iterator[Path]:
    """Write the banks' final answers for ``batch_ids`` into ``folder``, yielding each file as it is
    written (the caller may import and delete it before the next one is written)."""
    from adapters.direct_link import open_envelope
    from gateway.dispatch.service import context_for

    batch_ids = list(batch_ids)
    folder.mkdir(parents=True, exist_ok=True)
    with ctx.db.read() as conn:
        ids = _wanted(conn, batch_ids)
    ev, sub = bank_evidence.c, submissions.c
    for start in range(0, len(ids), _PAGE):
        with ctx.db.read() as conn:
            rows = conn.execute(
                select(ev.id, ev.bank_code, ev.kind, ev.body, sub.bank_reference)
                .join(submissions, sub.id == ev.submission_id)
                .where(ev.id.in_(ids[start : start + _PAGE]))
                .order_by(ev.id)
            ).all()
        for evidence_id, code, kind, body, reference in rows:
            adapter = (ctx.cfg.banks.get(code) or {}).get("adapter")
            if kind == "banklink_results":
                from google.protobuf import json_format
                from silink.banklink.v1 import banklink_pb2

                push = banklink_pb2.PushLineResultsRequest.FromString(bytes(body))
                path = folder / f"banklink-{code}-{reference}-{evidence_id}.json"
                path.write_text(json_format.MessageToJson(push), encoding="utf-8")
            elif kind == "result_file":
                path = folder / f"RET_{code}_{reference}_{evidence_id}.txt"
                path.write_bytes(bytes(body))
            elif adapter == "direct_link_json":
                bank = context_for(ctx, code)
                _head, opened = open_envelope(bytes(body), verifier=bank.bank_verifier, cipher=bank.cipher)
                path = folder / f"direct-link-{code}-{reference}-{evidence_id}.json"
                path.write_bytes(json.dumps(opened, ensure_ascii=False).encode())
            elif adapter == "iso20022":
                path = folder / f"pain002-{code}-{reference}-{evidence_id}.xml"
                path.write_bytes(bytes(body))
            else:
                continue
            yield path
