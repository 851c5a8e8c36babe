"""Request-id idempotency (AIP-155), written in the same transaction as the effect.

* the same ``request_id`` with the same payload returns the stored response, without a second effect;
* the same ``request_id`` with a different payload fails with ``REQUEST_ID_REUSED``;
* two concurrent calls with one ``request_id``: the unique constraint lets one insert its record; the
  other's insert fails (PostgreSQL makes it wait for the first to commit), it rolls back whatever it did
  and reads the winner's stored response.

The record is inserted *before* the effect runs, so a losing call fails fast instead of doing all its
work and then rolling it back. Ids never expire.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.exc import IntegrityError

from gateway.clock import now_iso
from gateway.errors import Internal, RequestIdReused
from gateway.storage import Database
from gateway.storage.tables import idempotency

_PENDING = b""


def payload_hash(*parts: bytes) -> bytes:
    h = hashlib.sha256()
    for p in parts:
        h.update(len(p).to_bytes(8, "big"))
        h.update(p)
    return h.digest()


class _LostRace(Exception):
    """Our insert hit the unique key: another call with this request_id got there first."""


# Built once (every mutating call runs all three): building a statement costs more than running it.
_c = idempotency.c
_KEY = (_c.principal == bindparam("_p"), _c.method == bindparam("_m"), _c.request_id == bindparam("_r"))
_LOOKUP = select(_c.payload_hash, _c.response).where(*_KEY)
_RECORD = idempotency.insert()
_ANSWER = update(idempotency).where(*_KEY).values(response=bindparam("_response"))


def _stored(conn: Connection, principal: str, method: str, request_id: str, phash: bytes) -> bytes | None:
    row = conn.execute(_LOOKUP, {"_p": principal, "_m": method, "_r": request_id}).first()
    if row is None:
        return None
    if bytes(row.payload_hash) != phash:
        raise RequestIdReused(metadata={"request_id": request_id[:64], "method": method.rsplit("/", 1)[-1]})
    return bytes(row.response)


def run_once(
    db: Database,
    *,
    principal: str,
    method: str,
    request_id: str,
    payload: bytes,
    effect: Callable[[Connection], bytes],
) -> tuple[bytes, bool]:
    """Run ``effect`` at most once for this request id; returns (response, replayed)."""
    phash = payload_hash(payload)
    for _ in range(5):
        try:
            with db.write() as conn:
                return _once_in(conn, principal, method, request_id, phash, effect)
        except _LostRace:
            continue
    raise Internal("request id contention did not settle", "IDEMPOTENCY_CONTENTION")


def run_once_in(
    conn: Connection,
    *,
    principal: str,
    method: str,
    request_id: str,
    payload: bytes,
    effect: Callable[[Connection], bytes],
) -> tuple[bytes, bool]:
    """:func:`run_once` inside the caller's write transaction, for a single writer that runs one call
    after another in one transaction (SQLite group commit): no other writer can race it, so losing the
    insert race means the transaction must be abandoned, which the caller's savepoint does."""
    try:
        return _once_in(conn, principal, method, request_id, payload_hash(payload), effect, guarded=False)
    except _LostRace:
        raise Internal("request id contention did not settle", "IDEMPOTENCY_CONTENTION") from None


def _once_in(
    conn: Connection,
    principal: str,
    method: str,
    request_id: str,
    phash: bytes,
    effect: Callable[[Connection], bytes],
    guarded: bool = True,
) -> tuple[bytes, bool]:
    stored = _stored(conn, principal, method, request_id, phash)
    if stored is not None:
        return stored, True
    record = {
        "principal": principal,
        "method": method,
        "request_id": request_id,
        "payload_hash": phash,
        "response": _PENDING,
        "created_at": now_iso(),
    }
    if not guarded:
        # The only writer holds the lock since before the lookup: the key cannot appear in between (and
        # if it did, the IntegrityError would abandon this unit through the caller's savepoint). Nobody
        # can see a placeholder either, so the record is written once, with its answer, after the effect.
        response = effect(conn)
        conn.execute(_RECORD, {**record, "response": response})
        return response, False
    try:
        with conn.begin_nested():
            conn.execute(_RECORD, record)
    except IntegrityError:
        raise _LostRace() from None
    response = effect(conn)
    conn.execute(_ANSWER, {"_p": principal, "_m": method, "_r": request_id, "_response": response})
    return response, False
