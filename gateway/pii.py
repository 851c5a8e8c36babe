"""Masking of personal data for display: first 6 and last 4 characters, never more.

Used for every value that names a person (ID number, account, card number) wherever it could reach a
screen, a log, an error or a gRPC detail. Names are masked to their first character.
"""

from __future__ import annotations


def mask_number(value: str | None) -> str:
    """``6222021234567890123`` → ``622202*********0123``; short values keep at most a third visible."""
    if not value:
        return ""
    n = len(value)
    if n >= 14:
        return value[:6] + "*" * (n - 10) + value[-4:]
    keep = n // 3
    if keep == 0:
        return "*" * n
    # Short values (bad input, truncated numbers) would be nearly clear under 6+4: show a third.
    head = (keep + 1) // 2
    tail = keep - head
    return value[:head] + "*" * (n - head - tail) + (value[-tail:] if tail else "")


def mask_name(value: str | None) -> str:
    """``张三丰`` → ``张**``."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)
