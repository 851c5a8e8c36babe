"""Client-streamed uploads spooled to disk before they are stored.

An upload is written to a private file (0600, in the instance's ``spool/`` folder, removed when the call
ends) while its payload hash is computed; only then does one short database transaction store it. The
database is never locked for the duration of a slow network stream, memory stays flat whatever the
upload's size, and the request id's payload hash is known before any effect.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TypeVar

LEN = struct.Struct(">I")
M = TypeVar("M")


class Spool:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(mode=0o700, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="upload-", dir=folder)
        self.path = Path(name)
        self._fh = os.fdopen(fd, "wb", buffering=1 << 20)
        self.count = 0

    def write(self, data: bytes) -> None:
        self._fh.write(LEN.pack(len(data)))
        self._fh.write(data)
        self.count += 1

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def messages(self, cls: type[M]) -> Iterator[M]:
        """Read back what was written, parsed as ``cls`` messages, in order."""
        with self.path.open("rb", buffering=1 << 20) as fh:
            read = fh.read
            while head := read(4):
                yield cls.FromString(read(LEN.unpack(head)[0]))  # type: ignore[attr-defined]

    def remove(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


def payload(message) -> bytes:
    """Deterministic bytes of a message: what idempotency hashes."""
    return message.SerializeToString(deterministic=True)


async def receive(
    first, rest: AsyncIterator, folder: Path, check: Callable[[object], None]
) -> tuple[Spool, bytes]:
    """Spool every message after ``first`` (each passed to ``check`` first); returns the spool and the
    payload hash of the whole stream. The caller removes the spool when done."""
    digest = hashlib.sha256(payload(first))
    spool = Spool(folder)
    try:
        async for msg in rest:
            check(msg)
            data = payload(msg)
            digest.update(LEN.pack(len(data)))
            digest.update(data)
            spool.write(data)
        spool.close()
    except BaseException:
        spool.remove()
        raise
    return spool, digest.digest()
