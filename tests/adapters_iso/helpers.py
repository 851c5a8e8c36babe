"""Fixed inputs of the ISO 20022 adapter tests and the golden-file comparison.

Goldens live in ``golden/``; ``SILINK_UPDATE_GOLDEN=1 pytest tests/adapters_iso`` rewrites them (then read
the diff before committing: a golden that changes is a wire format that changed).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from adapters.contract import AdapterContext, Submission, SubmissionLine, SubmitResult
from adapters.simulator.ledger import BatchView, LineView

GOLDEN = Path(__file__).resolve().parent / "golden"
FORMATS_DIR = (Path(__file__).resolve().parents[3] / "shared" / "formats").resolve()

NOW = "2024-05-20T08:00:00Z"
NOW_TS = 1716192000.0  # the same instant as a POSIX time stamp
NONCE = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
REFERENCE = "SI2024052000000001"

# Fictional payees; the ID numbers are the textbook examples of DOMAIN.md §5.
_PE, _SR = "PENSION_EMPLOYEE", "STABILIZATION_REFUND"
_ID1, _ID2, _USCC = "11010519491231002X", "440524188001010014", "91350100M000100Y43"
_PAYEES = [
    ("6222020200112233445", "CARD", "张三丰", "RESIDENT_ID", _ID1, 345_678, _PE),
    ("6228480011223344556", "PASSBOOK", "李四", "RESIDENT_ID", _ID2, 1, _PE),
    ("370101200011112222", "CORPORATE", "济南A&B<科技>有限公司", "USCC", _USCC, 12_345_600, _SR),
    ("6217991234567890123", "CARD", "欧阳娜娜", "RESIDENT_ID", _ID1, 250_000, "UNEMPLOYMENT"),
    ("6222080000000000017", "CARD", "王五", "RESIDENT_ID", _ID2, 99_999_999, "WORK_INJURY"),
    ("6212345678901234567", "CARD", "赵六", "RESIDENT_ID", _ID1, 200_000, "PENSION_RESIDENT"),
    ("6222021234567890129", "CARD", "孙七", "RESIDENT_ID", _ID2, 310_050, "PENSION_PUBLIC"),
    ("6222029876543210981", "CARD", "周八", "RESIDENT_ID", _ID1, 420_000, _PE),
]


def lines(count: int = 3, prefix: str = "E2405200000") -> list[SubmissionLine]:
    return [
        SubmissionLine(
            seq=i,
            end_to_end_ref=f"{prefix}{i:02d}",
            account=account,
            account_type=kind,
            name=name,
            id_type=id_type,
            id_number=id_number,
            amount_fen=fen,
            benefit=benefit,
            period="2024-05",
        )
        for i, (account, kind, name, id_type, id_number, fen, benefit) in enumerate(_PAYEES[:count], start=1)
    ]


def submission(count: int = 3, reference: str = REFERENCE, **overrides) -> Submission:
    items = overrides.pop("lines", None) or lines(count)
    values = {
        "submission_id": "SUB-2024-05-PE-102-0001",
        "bank_reference": reference,
        "bank_code": "102",
        "fund": "PENSION_EMPLOYEE",
        "fund_account": "37001616808050001234",
        "fund_account_name": "山东省社会保险事业中心企业职工养老保险基金支出户",
        "lines": items,
        "control_sum_fen": sum(line.amount_fen for line in items),
        "requested_date": "2024-05-21",
    }
    values.update(overrides)
    return Submission(**values)


def ctx(signer=None, **settings) -> AdapterContext:
    return AdapterContext(now_iso=NOW, nonce=NONCE, settings=settings, signer=signer)


def view(sub: Submission, outcomes: dict[int, str | None], *, returned: dict[int, str] | None = None,
         group_code: str | None = None, received_at: float = NOW_TS) -> BatchView:  # fmt: skip
    """A ledger view of ``sub``: ``outcomes`` maps seq → None (credited) or a FailureReason name."""
    returned = returned or {}
    items = tuple(
        LineView(
            seq=line.seq,
            end_to_end_id=line.end_to_end_ref,
            amount_fen=line.amount_fen,
            credited=group_code is None and outcomes.get(line.seq) is None,
            reason=group_code or outcomes.get(line.seq),
            returned=returned.get(line.seq),
            returned_at=NOW_TS + 86_400 if line.seq in returned else None,
        )
        for line in sub.lines
    )
    return BatchView(
        reference=sub.bank_reference,
        received_at=received_at,
        settle_at=received_at,
        line_count=len(sub.lines),
        sum_fen=sub.control_sum_fen,
        declared_count=len(sub.lines),
        declared_sum_fen=sub.control_sum_fen,
        group_code=group_code,
        debtor_account=sub.fund_account,
        extra={"pmt_inf_id": sub.submission_id},
        resends=0,
        lines=items,
    )


def result_json(result: SubmitResult) -> bytes:
    """A parse result as stable JSON (the golden of what the adapter reads from a bank message)."""

    def plain(value):
        if hasattr(value, "value") and not isinstance(value, (str, int)):
            return value.value
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value

    data = {
        "status": result.status.value,
        "bank_batch_reference": result.bank_batch_reference,
        "error": plain(asdict(result.error)) if result.error else None,
        "lines": [plain(asdict(line)) for line in result.lines],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def assert_golden(name: str, data: bytes) -> None:
    """``data`` equals golden/``name`` byte for byte (or rewrites it when SILINK_UPDATE_GOLDEN=1)."""
    path = GOLDEN / name
    if os.environ.get("SILINK_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(data)
        return
    assert path.exists(), f"golden file {name} missing: run with SILINK_UPDATE_GOLDEN=1 once and review it"
    expected = path.read_bytes()
    if data != expected:
        pairs = zip(data, expected, strict=False)
        at = next((i for i, (x, y) in enumerate(pairs) if x != y), min(len(data), len(expected)))
        raise AssertionError(f"{name} differs from its golden file at byte {at} (of {len(expected)})")
