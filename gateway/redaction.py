"""Redaction of personal data before anything is written to a log or an audit entry.

Two nets, both always on:

1. by key: values under a personal key (``id_number``, ``name``, ``account``…) are masked whatever they
   look like;
2. by shape: inside any string, a run of 12 or more digits (card and passbook accounts, 15-digit legacy
   IDs) and an 18-character resident ID (17 digits and a digit or X) are masked to first 6 / last 4.

Containers are rebuilt, never changed in place, so the caller's objects stay intact.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gateway.pii import mask_name, mask_number

PERSONAL_NUMBER_KEYS = frozenset(
    {
        "id_number",
        "idno",
        "id_no",
        "account",
        "account_number",
        "acct",
        "card_number",
        "card_no",
        "iban",
        "new_account",
        "payee_account",
        "debtor_account",
        "creditor_account",
    }
)
PERSONAL_NAME_KEYS = frozenset({"name", "payee_name", "holder_name", "account_name"})

# 17 digits + check character, or any 12+ digit run; word boundaries keep us from eating part of a
# longer alphanumeric token only when it is clearly not a number.
_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{12,})(?![0-9])")


def redact_text(text: str) -> str:
    if len(text) < 12:
        return text
    return _NUMBER_RE.sub(lambda m: mask_number(m.group(0)), text)


def redact_value(value: Any, key: str | None = None) -> Any:
    if key is not None:
        k = key.lower()
        if k in PERSONAL_NUMBER_KEYS and isinstance(value, str | int):
            return mask_number(str(value))
        if k in PERSONAL_NAME_KEYS and isinstance(value, str):
            return mask_name(value)
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v) for v in value)
    if isinstance(value, set | frozenset):
        return [redact_value(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    return value


def redact_processor(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor; placed just before the renderer."""
    return {k: redact_value(v, k) for k, v in event_dict.items()}
