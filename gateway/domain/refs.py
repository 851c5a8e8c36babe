"""Public identifiers: batch ids, line ids and the permanent end-to-end reference of a payment line.

The end-to-end reference is at most 16 characters so that MT940 banks can echo it in ``:61:``/``:86:``;
it is derived from the batch and line numbers, so it is unique by construction and never reused.
"""

from __future__ import annotations

from gateway.errors import Internal, NotFound

_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _base36(n: int, width: int) -> str:
    out = []
    while n:
        n, r = divmod(n, 36)
        out.append(_B36[r])
    text = "".join(reversed(out)) or "0"
    if len(text) > width:
        raise Internal("reference space exhausted", "REFERENCE_OVERFLOW")
    return text.rjust(width, "0")


def e2e_prefix(batch_id: int) -> str:
    """``S`` + 6 base-36 digits of the batch: room for 2·10⁹ batches."""
    return "S" + _base36(batch_id, 6)


def e2e_ref(batch_id: int, line_number: int, prefix: str | None = None) -> str:
    """Prefix + 9 decimal digits of the line number: 16 characters, up to 10⁹ lines per batch."""
    if not 0 < line_number < 1_000_000_000:
        raise Internal("line number outside the reference space", "REFERENCE_OVERFLOW")
    return f"{prefix or e2e_prefix(batch_id)}{line_number:09d}"


def batch_ref(batch_id: int) -> str:
    return f"B{batch_id:08d}"


def parse_batch_ref(text: str) -> int:
    if len(text) >= 2 and text[0] == "B" and text[1:].isdigit():
        return int(text[1:])
    raise NotFound("no such batch", metadata={"batch_id": text[:20]})


def line_ref(line_id: int) -> str:
    return f"L{line_id:010d}"


def parse_line_ref(text: str) -> int:
    if len(text) >= 2 and text[0] == "L" and text[1:].isdigit():
        return int(text[1:])
    raise NotFound("no such line", metadata={"line_id": text[:20]})
