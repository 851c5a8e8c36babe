"""Revoked client certificates: the list in the instance (``pki/revoked.json``) and the server's view of it.

The list is written by ``DevCA.revoke`` (``silink keys revoke-cert``) atomically, so the server never
reads half of it. The server holds a :class:`RevocationList`: each call asks it about the peer's
certificate; it looks at the file's modification stamp at most once a second and reloads only when the
file changed, so a revocation takes effect within about a second without a restart and without costing
a file read per call. A certificate's serial is parsed once and cached.

File format::

    {"format": "silink-revoked-v1",
     "revoked": [{"serial": "<lowercase hex>", "principal": "officer:wang", "revoked_at": "…",
                  "reason": "…"}]}
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import structlog
from cryptography import x509

from ._files import atomic_write, folder_lock

REVOKED_FILE = "revoked.json"
FORMAT = "silink-revoked-v1"
CERTIFICATE_REVOKED = "CERTIFICATE_REVOKED"

log = structlog.get_logger("silink.keys.revocation")


@dataclass(frozen=True)
class RevokedCert:
    serial: str  # lowercase hex, as `openssl x509 -serial` and WhoAmI show it (without leading zeros)
    principal: str
    revoked_at: str
    reason: str = ""


def serial_hex(serial: int) -> str:
    return format(serial, "x")


def read_revocations(path: Path) -> list[RevokedCert]:
    """The entries of a revocation file; an absent file is an empty list. Raises ValueError if the file
    is not a revocation list."""
    try:
        obj = json.loads(Path(path).read_bytes())
    except FileNotFoundError:
        return []
    if not isinstance(obj, dict) or obj.get("format") != FORMAT or not isinstance(obj.get("revoked"), list):
        raise ValueError("not a silink revocation list")
    return [RevokedCert(**e) for e in obj["revoked"]]


def add_revocations(path: Path, entries: Iterable[RevokedCert]) -> list[RevokedCert]:
    """Append entries (a serial already listed is skipped); returns the ones added. Locked against other
    writers, replaced atomically for readers."""
    path = Path(path)
    with folder_lock(path.parent):
        current = read_revocations(path)
        known = {e.serial for e in current}
        added = []
        for e in entries:
            if e.serial not in known:
                known.add(e.serial)
                added.append(e)
        if added:
            body = {"format": FORMAT, "revoked": [asdict(e) for e in [*current, *added]]}
            atomic_write(path, json.dumps(body, indent=1, ensure_ascii=False).encode() + b"\n", mode=0o644)
    return added


@lru_cache(maxsize=4096)
def _serial_of_pem(pem: bytes) -> int | None:
    try:
        return x509.load_pem_x509_certificate(pem).serial_number
    except ValueError:
        return None


class RevocationList:
    """The server's cached view of the revocation file."""

    def __init__(
        self,
        path: Path,
        *,
        check_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self.check_interval = check_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._serials: frozenset[int] = frozenset()
        self._checked = float("-inf")
        self.reloads = 0

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def serials(self) -> frozenset[int]:
        """The revoked serials, reloaded if the file changed (looked at no more than once per interval)."""
        now = self._clock()
        if now - self._checked < self.check_interval:
            return self._serials
        with self._lock:
            if now - self._checked < self.check_interval:
                return self._serials
            self._checked = now
            stamp = self._file_stamp()
            if stamp == self._stamp:
                return self._serials
            try:
                entries = read_revocations(self.path)
                self._serials = frozenset(int(e.serial, 16) for e in entries)
            except (ValueError, TypeError, OSError) as exc:
                # Keep the last good list: an unreadable file must not un-revoke anyone.
                log.error("revocation.unreadable", path=str(self.path), error_type=type(exc).__name__)
            self._stamp = stamp
            self.reloads += 1
            return self._serials

    def is_revoked(self, serial: int) -> bool:
        return serial in self.serials()

    def is_revoked_pem(self, pem: bytes | str) -> bool:
        """Whether a PEM certificate (as gRPC's auth context gives it) is revoked."""
        if isinstance(pem, str):
            pem = pem.encode("ascii")
        serials = self.serials()
        if not serials:
            return False
        serial = _serial_of_pem(bytes(pem))
        return serial is not None and serial in serials
