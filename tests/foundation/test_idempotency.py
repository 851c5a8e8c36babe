"""request_id idempotency on both backends, also under concurrent calls."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from gateway.errors import RequestIdReused
from gateway.idempotency import run_once

_md = MetaData()
effects = Table("test_effects", _md, Column("id", Integer, primary_key=True), Column("tag", String(50)))


@pytest.fixture
def effect_db(db):
    _md.create_all(db.engine)
    return db


def _effect(tag: str):
    def apply(conn) -> bytes:
        conn.execute(insert(effects).values(tag=tag))
        return f"done:{tag}".encode()

    return apply


def _count(db) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(effects)).scalar_one()


def test_replay_returns_stored_response_without_second_effect(effect_db):
    """The same id and payload twice: one effect, the same response, the second marked replayed."""
    kw = dict(principal="officer:wang", method="/m/Create", request_id="r-1", payload=b"p")
    first = run_once(effect_db, effect=_effect("a"), **kw)
    second = run_once(effect_db, effect=_effect("b"), **kw)
    assert first == (b"done:a", False)
    assert second == (b"done:a", True)
    assert _count(effect_db) == 1


def test_reuse_with_other_payload_is_refused(effect_db):
    """The same id with a different payload fails with REQUEST_ID_REUSED and has no effect."""
    run_once(effect_db, principal="p", method="/m/X", request_id="r-2", payload=b"one", effect=_effect("a"))
    with pytest.raises(RequestIdReused) as exc:
        run_once(
            effect_db, principal="p", method="/m/X", request_id="r-2", payload=b"two", effect=_effect("b")
        )
    assert exc.value.reason == "REQUEST_ID_REUSED"
    assert _count(effect_db) == 1


def test_ids_are_scoped_by_principal_and_method(effect_db):
    """One request id used by two principals, or for two methods, is two requests."""
    for principal, method in [("a", "/m/X"), ("b", "/m/X"), ("a", "/m/Y")]:
        run_once(
            effect_db,
            principal=principal,
            method=method,
            request_id="same",
            payload=b"p",
            effect=_effect(principal + method),
        )
    assert _count(effect_db) == 3


def test_failed_effect_leaves_no_record(effect_db):
    """If the effect raises, nothing is stored, so a retry with the same id runs the effect."""

    def boom(conn) -> bytes:
        conn.execute(insert(effects).values(tag="half"))
        raise ValueError("bank down")

    with pytest.raises(ValueError):
        run_once(effect_db, principal="p", method="/m/X", request_id="r-3", payload=b"p", effect=boom)
    assert _count(effect_db) == 0
    assert run_once(
        effect_db, principal="p", method="/m/X", request_id="r-3", payload=b"p", effect=_effect("ok")
    ) == (b"done:ok", False)


def test_concurrent_duplicates_take_effect_once(effect_db):
    """16 threads racing with one request id: exactly one effect, all get the same response."""
    results: list[tuple[bytes, bool]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(16)

    def call(i: int) -> None:
        try:
            barrier.wait()
            results.append(
                run_once(
                    effect_db,
                    principal="p",
                    method="/m/Pay",
                    request_id="race",
                    payload=b"same",
                    effect=_effect(f"t{i}"),
                )
            )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, [type(e).__name__ for e in errors]
    assert _count(effect_db) == 1
    assert len({r[0] for r in results}) == 1
    assert sum(1 for r in results if not r[1]) == 1


def test_unique_constraint_not_only_code_stops_duplicates(effect_db):
    """Inserting a second idempotency row with the same key directly fails in the database."""
    from sqlalchemy.exc import IntegrityError

    from gateway.storage.tables import idempotency

    row = dict(
        principal="p", method="/m", request_id="k", payload_hash=b"h" * 32, response=b"", created_at="t"
    )
    with effect_db.write() as conn:
        conn.execute(idempotency.insert().values(**row))
    with pytest.raises(IntegrityError), effect_db.write() as conn:
        conn.execute(idempotency.insert().values(**row))
