"""Fixtures for the evidence-parser tests: the shared sample corpus, read in place, never copied."""

from __future__ import annotations

from pathlib import Path

import pytest

# tests/reconciliation/conftest.py → parents[2] is the project root; shared/ sits beside it.
FORMATS_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "formats"


@pytest.fixture(scope="session")
def formats_dir() -> Path:
    """The shared sample corpus; tests that need it skip with one clear line when it is absent."""
    if not FORMATS_DIR.is_dir():
        pytest.skip(f"shared sample corpus not found at {FORMATS_DIR} (../shared/formats beside the project)")
    return FORMATS_DIR.resolve()
