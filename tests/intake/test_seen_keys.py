"""The duplicate-key set stays exact when it moves keys to disk and rebuilds its filter."""

from __future__ import annotations

import hashlib

import pytest

from gateway.intake import seen_keys
from gateway.intake.seen_keys import SeenKeys


def _key(n: int) -> bytes:
    return hashlib.blake2b(n.to_bytes(8, "little"), digest_size=16).digest()


def test_in_memory_only_below_the_limit() -> None:
    s = SeenKeys(memory_keys=100)
    assert all(s.add(_key(n)) for n in range(99))
    assert not any(s.add(_key(n)) for n in range(99))
    assert len(s) == 99
    assert s._disk is None


def test_exact_across_spills_and_filter_rebuilds(monkeypatch: pytest.MonkeyPatch) -> None:
    # A tiny first filter so that the keys on disk outgrow it twice: 300 keys in memory at a time.
    monkeypatch.setattr(seen_keys, "_FIRST_CAPACITY", 500)
    s = SeenKeys(memory_keys=300)
    first = [s.add(_key(n)) for n in range(3_000)]
    assert all(first)
    assert s._on_disk >= 2_700 and s._capacity >= 2_000  # spilled, and the filter was rebuilt larger
    # Every key is still known exactly: old ones from disk, recent ones from memory.
    again = [s.add(_key(n)) for n in range(0, 3_000, 7)]
    assert not any(again)
    fresh = [s.add(_key(n)) for n in range(3_000, 3_500)]
    assert all(fresh)
    assert len(s) == 3_500
    s.close()


def test_false_maybe_is_settled_by_the_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    # A filter that says "maybe" to everything: the disk alone must decide, and decide right.
    s = SeenKeys(memory_keys=10)
    for n in range(20):
        assert s.add(_key(n))
    monkeypatch.setattr(SeenKeys, "_maybe_on_disk", lambda self, key: True)
    assert s.add(_key(1000))
    assert not s.add(_key(3))  # on disk since the first spill
    assert not s.add(_key(1000))  # in memory


def test_memory_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="memory_keys"):
        SeenKeys(memory_keys=0)


def test_validator_finds_a_duplicate_whose_first_line_went_to_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.intake import reasons as R
    from gateway.intake.validator import LineValidator
    from tests.intake.helpers import settings as intake_settings
    from tests.intake.test_validator import good, reasons

    monkeypatch.setattr(seen_keys, "MEMORY_KEYS", 2)
    v = LineValidator(intake_settings())
    periods = ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
    for n, period in enumerate(periods, 1):
        assert not isinstance(v.validate(n, good(period=period)), list), period
    assert v._seen._on_disk >= 4  # the first periods' keys are on disk now
    assert reasons(v.validate(9, good(period="2024-01"))) == [("id_number", R.DUPLICATE_IN_FILE)]
    assert v.distinct_keys == 5


def test_iterates_memory_and_disk() -> None:
    s = SeenKeys(memory_keys=3)
    keys = {_key(n) for n in range(7)}
    for k in keys:
        s.add(k)
    assert set(s) == keys and s._on_disk == 6
