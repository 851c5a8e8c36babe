"""Writers for our own evidence formats in tests: 回盘 files, direct-link answer bodies, BankLink pushes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from adapters.fixed_width import BUILTIN, encode_record

PROFILE = BUILTIN["default"]


def fixed_width_result(
    path: Path,
    batch_ref: str,
    rows: Sequence[tuple[int, str, int, str, str, str]],
    *,
    trailer_total: int | None = None,
) -> Path:
    """rows: (seq, end_to_end_ref, amount_fen, status, reason_code, reason_text)."""
    enc, form = PROFILE.encoding, PROFILE.amount_form
    total = sum(r[2] for r in rows)
    paid = [r for r in rows if r[3] == "S"]
    failed = [r for r in rows if r[3] == "E"]
    head = {
        "bank_code": "308",
        "batch_ref": batch_ref,
        "part_no": 1,
        "result_date": "20250106",
        "total_count": len(rows),
        "total_amount": total,
    }
    details = [
        encode_record(
            PROFILE.record("result_detail"),
            {
                "seq": seq,
                "end_to_end_ref": ref,
                "account": f"622202{seq:013d}",
                "name": "张三",
                "amount": amount,
                "status": status,
                "reason_code": code,
                "reason_text": text,
                "value_date": "20250106" if status in ("S", "R") else "",
            },
            enc,
            form,
        )
        for seq, ref, amount, status, code, text in rows
    ]
    tail = {
        "total_count": len(rows),
        "total_amount": total if trailer_total is None else trailer_total,
        "success_count": len(paid),
        "success_amount": sum(r[2] for r in paid),
        "fail_count": len(failed),
        "fail_amount": sum(r[2] for r in failed),
    }
    records = [
        encode_record(PROFILE.record("result_header"), head, enc, form),
        *details,
        encode_record(PROFILE.record("result_trailer"), tail, enc, form),
    ]
    path.write_bytes(b"".join(r + b"\r\n" for r in records))
    return path


def direct_link_body(path: Path, body: dict) -> Path:
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path
