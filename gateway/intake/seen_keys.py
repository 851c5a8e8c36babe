"""The duplicate keys of one file, in memory that stays flat however long the file is.

The in-file duplicate rule (one payment per person, benefit and period) must remember a key for every
line of the file: a 16-byte keyed digest, about 80 bytes in a Python set, so a 30-million-line province
payroll would hold 2.4 GB just for this. :class:`SeenKeys` keeps the most recent ``memory_keys`` keys in
a set and moves them, when it is full, to a private temporary SQLite database on disk. A Bloom filter of
the keys on disk (16 bits a key, two probes: about one key in 70 is a false "maybe") answers almost
every lookup without the disk; a "maybe" is settled by the database, so the answer is always exact.

Memory is the set (bounded) plus two bytes a key for the filter; the disk holds the rest and is deleted
when the validator is.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

MEMORY_KEYS = 1_000_000  # keys held in the set before they move to disk (about 80 MB)
_FIRST_CAPACITY = 16_000_000  # keys the first filter is sized for (32 MB); doubled and rebuilt past that
_BITS_PER_KEY = 16
# Two probes: marking and probing cost Python time per key, a false "maybe" only one indexed lookup on
# disk, so fewer probes (1.4% false "maybe"s at 16 bits a key) beat the textbook optimum of eleven.
_PROBES = 2  # _maybe_on_disk and _mark are unrolled for two
_LOW64 = (1 << 64) - 1


class SeenKeys:
    """A set of 16-byte digests with :meth:`add` (True when the key is new) and ``len``."""

    def __init__(self, memory_keys: int | None = None) -> None:
        memory_keys = MEMORY_KEYS if memory_keys is None else memory_keys
        if memory_keys < 1:
            raise ValueError("memory_keys must be at least 1")
        self._recent: set[bytes] = set()
        self._limit = memory_keys
        self._disk: sqlite3.Connection | None = None
        self._on_disk = 0
        self._capacity = 0
        self._bits = bytearray()
        self._mask = 0

    def __len__(self) -> int:
        return len(self._recent) + self._on_disk

    def __iter__(self) -> Iterator[bytes]:
        """Every key: those on disk, then those in memory (for inspection; not on the hot path)."""
        if self._disk is not None:
            yield from (k for (k,) in self._disk.execute("SELECT k FROM seen"))
        yield from list(self._recent)

    def add(self, key: bytes) -> bool:
        """Record ``key``; False when it was already recorded."""
        recent = self._recent
        if key in recent:
            return False
        if self._disk is not None and self._maybe_on_disk(key) and self._on_disk_exactly(key):
            return False
        recent.add(key)
        if len(recent) >= self._limit:
            self._spill()
        return True

    def close(self) -> None:
        if self._disk is not None:
            self._disk.close()
            self._disk = None

    # -- the filter ----------------------------------------------------------------------------------

    def _maybe_on_disk(self, key: bytes) -> bool:
        # The keys are keyed digests, so uniform: their own bits serve as the filter's hash functions
        # (double hashing, the odd upper half as the stride). Unrolled, and most keys that are not on
        # disk stop at the first probe: this runs for every line once keys are on disk.
        x = int.from_bytes(key, "little")
        low, step, mask, bits = x & _LOW64, (x >> 64) | 1, self._mask, self._bits
        p = low & mask
        if not bits[p >> 3] >> (p & 7) & 1:
            return False
        p = (low + step) & mask
        return bool(bits[p >> 3] >> (p & 7) & 1)

    def _mark(self, keys: Iterable[bytes]) -> None:
        bits, mask = self._bits, self._mask
        for key in keys:
            x = int.from_bytes(key, "little")
            low = x & _LOW64
            p = low & mask
            bits[p >> 3] |= 1 << (p & 7)
            p = (low + ((x >> 64) | 1)) & mask
            bits[p >> 3] |= 1 << (p & 7)

    def _size_filter(self, capacity: int) -> None:
        bits = 1 << max(6, (capacity * _BITS_PER_KEY - 1).bit_length())  # a power of two, ≥ 16 per key
        self._capacity = capacity
        self._bits = bytearray(bits // 8)
        self._mask = bits - 1

    # -- the disk ------------------------------------------------------------------------------------

    def _on_disk_exactly(self, key: bytes) -> bool:
        assert self._disk is not None
        return self._disk.execute("SELECT 1 FROM seen WHERE k = ?", (key,)).fetchone() is not None

    def _spill(self) -> None:
        if self._disk is None:
            # "": a private temporary database on disk, deleted when closed. Nothing here needs to
            # survive a crash: the keys are rebuilt by reading the file again.
            self._disk = sqlite3.connect("")
            self._disk.execute("PRAGMA cache_size = -16384")
            self._disk.execute("PRAGMA journal_mode = OFF")
            self._disk.execute("PRAGMA synchronous = OFF")
            self._disk.execute("CREATE TABLE seen (k BLOB PRIMARY KEY) WITHOUT ROWID")
            self._size_filter(max(_FIRST_CAPACITY, 2 * self._limit))
        keys = self._recent
        # In key order: each page of the on-disk index is then visited once per spill, not once per key.
        self._disk.executemany("INSERT INTO seen (k) VALUES (?)", ((k,) for k in sorted(keys)))
        self._on_disk += len(keys)
        if self._on_disk > self._capacity:
            # Past what the filter was sized for its false "maybe"s would climb: a filter twice as large,
            # rebuilt from every key on disk (rare: each rebuild covers as many keys as all before it).
            self._size_filter(2 * self._capacity)
            self._mark(k for (k,) in self._disk.execute("SELECT k FROM seen"))
        else:
            self._mark(keys)
        self._recent = set()
