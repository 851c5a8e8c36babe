"""Opaque page tokens (AIP-158) for lists held in memory or keyed by an increasing id.

A token is base64 of a small JSON object; clients must treat it as opaque, and a token that does not
decode is an INVALID_ARGUMENT, not a silent restart from the first page.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any, TypeVar

from gateway.errors import InvalidInput

T = TypeVar("T")
DEFAULT_PAGE = 100
MAX_PAGE = 1000


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidInput("page_size must not be negative", "INVALID_PAGE_SIZE")
    return min(requested or DEFAULT_PAGE, MAX_PAGE)


def encode_token(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_token(token: str) -> dict[str, Any]:
    if not token:
        return {}
    try:
        padded = token + "=" * (-len(token) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(state, dict):
            raise ValueError
        return state
    except ValueError:
        raise InvalidInput("page_token is not valid", "INVALID_PAGE_TOKEN") from None


def page(items: Sequence[T], requested_size: int, token: str) -> tuple[list[T], str]:
    """Slice an in-memory sequence; the token carries the next offset."""
    size = page_size(requested_size)
    start = int(decode_token(token).get("o", 0))
    chunk = list(items[start : start + size])
    nxt = encode_token({"o": start + size}) if start + size < len(items) else ""
    return chunk, nxt
