"""Scan captured log files for personal numbers in clear: 18-character resident IDs and 12+ digit runs.

Masked values (``622202*********0123``) do not match: the stars break the digit run.
"""

from __future__ import annotations

import re
from pathlib import Path

CLEAR_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{12,})(?![0-9])")


def scan_text(text: str) -> list[int]:
    """Offsets of clear personal numbers in ``text``."""
    return [m.start() for m in CLEAR_NUMBER.finditer(text)]


def scan_folder(folder: Path) -> list[str]:
    findings: list[str] = []
    for path in sorted(folder.glob("*.log")):
        with path.open(encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, 1):
                if scan_text(line):
                    findings.append(f"{path.name}:{lineno}")
    return findings


def count_lines(folder: Path) -> int:
    total = 0
    for path in folder.glob("*.log"):
        with path.open("rb") as fh:
            total += sum(1 for _ in fh)
    return total
