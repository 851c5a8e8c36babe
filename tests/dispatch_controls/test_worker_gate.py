"""The dispatcher asks the bank's controls before each send: closed banks and open breakers defer the
outbox item without counting an attempt; breaker changes are visible in bank_dispatch_state."""

from __future__ import annotations

from sqlalchemy import select, update

from adapters.contract import AdapterContext, WireResponse
from gateway.dispatch.controls import BankControls, control_settings
from gateway.dispatch.transport import NotSent
from gateway.dispatch.worker import Dispatcher, Policy
from gateway.storage.tables_dispatch import outbox, submissions
from gateway.storage.tables_dispatch_controls import bank_dispatch_state
from tests.dispatch_controls.helpers import FakeAdapter, FakeClock, add_submission, shanghai, sqlite_db


class FlakyTransport:
    def __init__(self) -> None:
        self.down = True
        self.sent = 0

    def send(self, message):
        if self.down:
            raise NotSent("cannot connect: ConnectionRefusedError")
        self.sent += 1
        return WireResponse(200, b"<ok/>")


def _dispatcher(db, controls, transport) -> Dispatcher:
    return Dispatcher(
        db,
        None,  # type: ignore[arg-type] - the fake submissions have no lines to decrypt
        owner="test:w0",
        adapter_for=lambda name: FakeAdapter(),
        transport_for=lambda code: transport,
        context_for=lambda code: AdapterContext(now_iso="2026-12-04T02:00:00Z", nonce="n" * 32),
        policy=Policy(backoff_base_seconds=0, max_send_attempts=50),
        controls=controls,
    )


def _due_now(db) -> None:
    with db.write() as conn:
        conn.execute(update(outbox).values(next_attempt_at="2000-01-01T00:00:00+00:00"))


def _item(db):
    with db.read() as conn:
        return conn.execute(select(outbox).where(outbox.c.kind == "SEND")).mappings().one()


def test_outside_banking_hours_nothing_is_sent_and_no_attempt_is_counted(tmp_path) -> None:
    db = sqlite_db(tmp_path)
    try:
        sub_id = add_submission(db)
        transport = FlakyTransport()
        transport.down = False
        wall = {"now": shanghai(2026, 12, 5, 10, 0)}  # a Saturday
        controls = BankControls(lambda code: control_settings(code, {}), wall=lambda: wall["now"])
        d = _dispatcher(db, controls, transport)
        for _ in range(3):
            _due_now(db)
            assert d.run_once() == 1
        item = _item(db)
        assert transport.sent == 0
        assert item["state"] == "READY" and item["attempts"] == 0
        assert item["last_error"].startswith("BANK_CLOSED")
        wall["now"] = shanghai(2026, 12, 7, 9, 0)  # Monday morning
        _due_now(db)
        d.run_once()
        assert transport.sent == 1
        with db.read() as conn:
            assert conn.execute(select(submissions.c.state).where(submissions.c.id == sub_id)).scalar() in (
                "ACCEPTED",
                "COMPLETED",
            )
    finally:
        db.dispose()


def test_breaker_opens_defers_sends_then_a_probe_closes_it(tmp_path) -> None:
    db = sqlite_db(tmp_path)
    try:
        add_submission(db)
        clock = FakeClock()
        transport = FlakyTransport()
        raw = {"calendar": "always", "breaker_failures": 2, "breaker_cooldown_seconds": 60}
        controls = BankControls(lambda code: control_settings(code, raw), clock=clock)
        d = _dispatcher(db, controls, transport)
        for _ in range(2):
            _due_now(db)
            d.run_once()
        with db.read() as conn:
            row = conn.execute(select(bank_dispatch_state)).mappings().one()
        assert (row["bank_code"], row["breaker_state"], row["consecutive_failures"]) == ("102", "OPEN", 2)
        attempts = _item(db)["attempts"]
        _due_now(db)
        d.run_once()  # open: deferred, not tried
        item = _item(db)
        assert item["last_error"].startswith("BREAKER_OPEN") and item["attempts"] == attempts
        clock.advance(60)
        transport.down = False
        _due_now(db)
        d.run_once()  # the probe
        assert transport.sent == 1
        with db.read() as conn:
            assert conn.execute(select(bank_dispatch_state.c.breaker_state)).scalar() == "CLOSED"
    finally:
        db.dispose()


def test_rate_limit_spaces_the_sends(tmp_path) -> None:
    db = sqlite_db(tmp_path)
    try:
        for n in range(3):
            add_submission(db, ref=f"S{n}")
        clock = FakeClock()
        transport = FlakyTransport()
        transport.down = False
        raw = {"calendar": "always", "rate_limit": 1, "rate_limit_burst": 2}
        d = _dispatcher(db, BankControls(lambda code: control_settings(code, raw), clock=clock), transport)
        d.run_once(limit=3)
        assert transport.sent == 2
        with db.read() as conn:
            limited = conn.execute(
                select(outbox.c.last_error).where(outbox.c.kind == "SEND", outbox.c.state == "READY")
            ).scalar()
        assert limited.startswith("RATE_LIMITED")
        clock.advance(1)
        _due_now(db)
        d.run_once(limit=3)
        assert transport.sent == 3
    finally:
        db.dispose()


def test_a_submission_waiting_past_the_agreements_last_day_is_held_until_it_is_renewed(tmp_path) -> None:
    """Release checked the agreement; a send after its last day (bank-local date) would have no mandate."""
    db = sqlite_db(tmp_path)
    try:
        add_submission(db)
        transport = FlakyTransport()
        transport.down = False
        raw = {"calendar": "always", "agreement_end": "2026-12-04"}
        # 00:30 on the 5th in Shanghai is still the 4th in UTC: the bank's date is what counts.
        wall = {"now": shanghai(2026, 12, 5, 0, 30)}
        controls = BankControls(lambda code: control_settings(code, raw), wall=lambda: wall["now"])
        d = _dispatcher(db, controls, transport)
        for _ in range(2):
            _due_now(db)
            assert d.run_once() == 1
        item = _item(db)
        assert transport.sent == 0
        assert item["state"] == "READY" and item["attempts"] == 0
        assert item["last_error"].startswith("AGREEMENT_NOT_IN_FORCE")
        assert "to 2026-12-04; today is 2026-12-05" in item["last_error"]
        renewed = {"calendar": "always", "agreement_end": "2027-12-31"}
        d.controls = BankControls(lambda code: control_settings(code, renewed), wall=lambda: wall["now"])
        _due_now(db)
        d.run_once()
        assert transport.sent == 1
    finally:
        db.dispose()


def test_the_agreements_last_day_still_sends(tmp_path) -> None:
    db = sqlite_db(tmp_path)
    try:
        add_submission(db)
        transport = FlakyTransport()
        transport.down = False
        raw = {"calendar": "always", "agreement_start": "2026-12-04", "agreement_end": "2026-12-04"}
        wall = {"now": shanghai(2026, 12, 4, 23, 50)}
        controls = BankControls(lambda code: control_settings(code, raw), wall=lambda: wall["now"])
        d = _dispatcher(db, controls, transport)
        _due_now(db)
        d.run_once()
        assert transport.sent == 1
    finally:
        db.dispose()
