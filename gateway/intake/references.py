"""The optional client line reference (``ref``, 业务流水号): up to 32 of ``A-Z a-z 0-9 - _ . /``.

It is echoed in reports and joins our lines to the officer's system; it is not the end-to-end reference
sent to banks (the gateway assigns that).
"""

from __future__ import annotations

import re

from gateway.errors import LineRejected
from gateway.intake import reasons as R

MAX_REF_LENGTH = 32
_REF = re.compile(r"[A-Za-z0-9._/-]+")


def normalise_ref(text: str) -> str:
    """The stripped reference (``""`` when absent), or LineRejected(REF_FORMAT)."""
    value = text.strip()
    if len(value) > MAX_REF_LENGTH:
        raise LineRejected(f"ref is longer than {MAX_REF_LENGTH} characters", reason=R.REF_FORMAT)
    if value and not _REF.fullmatch(value):
        raise LineRejected("ref may only hold letters, digits and - _ . /", reason=R.REF_FORMAT)
    return value
