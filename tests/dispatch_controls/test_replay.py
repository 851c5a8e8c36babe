"""Replay protection on bank answers: a replayed nonce or a stale time stamp is refused, treated like no
answer (inquired, never resent), kept in refused_answers, and nothing it says is applied."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import secrets

import pytest
from sqlalchemy import func, select, update

from adapters.contract import (
    AdapterContext,
    LineOutcome,
    LineResult,
    Submission,
    SubmitResult,
    SubmitStatus,
    WireResponse,
)
from adapters.direct_link import DirectLinkAdapter, seal
from adapters.iso20022._adapter import Iso20022Adapter
from gateway.dispatch.answers import AnswerCheck, AnswerSettings, answer_settings
from gateway.dispatch.worker import Dispatcher, Policy
from gateway.errors import InvalidInput
from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import line_events, outbox, submissions
from gateway.storage.tables_dispatch_controls import refused_answers
from tests.adapters_cn.helpers import BANK, OTHER, direct_ctx, gcm
from tests.dispatch_controls.helpers import FakeAdapter, add_lines, add_submission, sqlite_db


def _stamp(seconds_ago: float = 0.0) -> str:
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds_ago)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def answer(results: dict[str, str] | None = None, *, nonce: str | None = None, stamp: str | None = None):
    """A bank answer: line outcomes by end-to-end reference, stamped in its headers."""
    body = json.dumps({"lines": results or {}}).encode()
    headers = {"X-Nonce": nonce or secrets.token_hex(16), "X-Stamp": stamp or _stamp()}
    return WireResponse(200, body, headers)


class StampedAdapter(FakeAdapter):
    """Accepts every submission; status answers carry line outcomes; the stamp travels in headers."""

    def answer_stamp(self, response: WireResponse):
        return response.headers["X-Nonce"], response.headers["X-Stamp"]

    def parse_submit_response(self, response, submission) -> SubmitResult:
        return SubmitResult(SubmitStatus.ACCEPTED, "B1", lines=self._lines(response))

    def parse_status_response(self, response, submission) -> SubmitResult:
        return SubmitResult(SubmitStatus.ACCEPTED, "B1", lines=self._lines(response))

    @staticmethod
    def _lines(response) -> tuple[LineResult, ...]:
        found = json.loads(response.body)["lines"]
        return tuple(LineResult(LineOutcome[o], end_to_end_ref=ref) for ref, o in found.items())


class ScriptedBank:
    """Answers each request with the next scripted answer; counts what it was sent, by path."""

    def __init__(self) -> None:
        self.script: list[WireResponse] = []
        self.paths: list[str] = []

    def send(self, message):
        self.paths.append(message.path)
        return self.script.pop(0)


class NoClearLines(Dispatcher):
    # The fake lines carry no personal data to decrypt; the fake adapter needs none.
    def _submission(self, sub: dict, *, personal_data: bool = True) -> Submission:
        return Submission(
            submission_id=sub["bank_reference"],
            bank_reference=sub["bank_reference"],
            bank_code=sub["bank_code"],
            fund=sub["fund"],
            fund_account=sub["fund_account"],
            fund_account_name=sub["fund"],
            lines=[],
            control_sum_fen=sub["control_sum_fen"],
            requested_date=sub["created_at"][:10],
        )


def _dispatcher(db, bank: ScriptedBank, window: int = 300) -> Dispatcher:
    return NoClearLines(
        db,
        None,  # type: ignore[arg-type]
        owner="test:w0",
        adapter_for=lambda name: StampedAdapter(),
        transport_for=lambda code: bank,
        context_for=lambda code: AdapterContext(now_iso=_stamp(), nonce=secrets.token_hex(16)),
        policy=Policy(backoff_base_seconds=0, poll_interval_seconds=0),
        answers=AnswerCheck(db, lambda code: AnswerSettings(window_seconds=window)),
    )


def _run_due(db, d: Dispatcher) -> int:
    with db.write() as conn:
        conn.execute(update(outbox).where(outbox.c.state == "READY").values(next_attempt_at="2000-01-01"))
    return d.run_once(limit=1)


def _refs(db, sub_id: int) -> list[str]:
    with db.read() as conn:
        return [
            r[0]
            for r in conn.execute(
                select(batch_lines.c.e2e_ref)
                .where(batch_lines.c.submission_id == sub_id)
                .order_by(batch_lines.c.line_number)
            )
        ]


def _states(db, sub_id: int) -> list[str]:
    with db.read() as conn:
        return [
            r[0]
            for r in conn.execute(
                select(batch_lines.c.state)
                .where(batch_lines.c.submission_id == sub_id)
                .order_by(batch_lines.c.line_number)
            )
        ]


def _moves_to(db, state: str) -> int:
    with db.read() as conn:
        return conn.execute(
            select(func.count()).select_from(line_events).where(line_events.c.to_state == state)
        ).scalar_one()


def _refusals(db) -> list[dict]:
    with db.read() as conn:
        return [
            dict(r) for r in conn.execute(select(refused_answers).order_by(refused_answers.c.id)).mappings()
        ]


def _sub(db, sub_id: int) -> dict:
    with db.read() as conn:
        return dict(conn.execute(select(submissions).where(submissions.c.id == sub_id)).mappings().one())


def _pending_kinds(db, sub_id: int) -> list[str]:
    with db.read() as conn:
        return [
            r[0]
            for r in conn.execute(
                select(outbox.c.kind).where(outbox.c.submission_id == sub_id, outbox.c.state == "READY")
            )
        ]


def test_a_replayed_submit_answer_is_refused_inquired_not_resent(tmp_path) -> None:
    db = sqlite_db(tmp_path)
    try:
        first, second = add_submission(db, ref="S1", lines=2), add_submission(db, ref="S2", lines=2)
        add_lines(db, first, ["PENDING", "PENDING"])
        add_lines(db, second, ["PENDING", "PENDING"])
        r1, r2 = _refs(db, first), _refs(db, second)
        bank = ScriptedBank()
        d = _dispatcher(db, bank)
        paid_first = answer({r: "PAID" for r in r1})
        bank.script.append(paid_first)
        assert _run_due(db, d) == 1
        assert _states(db, first) == ["PAID", "PAID"]

        # The answer to the second submission replays the first one's nonce (a recorded answer).
        replay = answer({r: "FAILED" for r in r2}, nonce=paid_first.headers["X-Nonce"])
        bank.script.append(replay)
        assert _run_due(db, d) == 1
        assert _states(db, second) == ["UNKNOWN", "UNKNOWN"]  # nothing it said was applied
        sub = _sub(db, second)
        assert sub["state"] == "UNKNOWN" and sub["last_error"] == "answer refused: REPLAY_NONCE"
        assert _pending_kinds(db, second) == ["INQUIRE"]  # queried, never sent again
        (refusal,) = _refusals(db)
        assert (refusal["submission_id"], refusal["kind"], refusal["reason"], refusal["bank_code"]) == (
            second,
            "submit_response",
            "REPLAY_NONCE",
            "102",
        )
        assert refusal["nonce"] == paid_first.headers["X-Nonce"] and refusal["evidence_id"] is not None

        bank.script.append(answer({r: "PAID" for r in r2}))  # a fresh answer to the inquiry
        assert _run_due(db, d) == 1
        assert _states(db, second) == ["PAID", "PAID"]
        assert _sub(db, second)["state"] == "COMPLETED"
        assert bank.paths == ["/submit", "/submit", "/status"]  # the second submission went out once
        assert _moves_to(db, "PAID") == 4 and _moves_to(db, "FAILED") == 0
    finally:
        db.dispose()


def test_stale_and_replayed_status_answers_change_nothing(tmp_path) -> None:
    db = sqlite_db(tmp_path)
    try:
        sub_id = add_submission(db, ref="S1", lines=2)
        add_lines(db, sub_id, ["PENDING", "PENDING"])
        a, b = _refs(db, sub_id)
        bank = ScriptedBank()
        d = _dispatcher(db, bank, window=300)
        bank.script.append(answer())  # accepted, no line final yet: polled
        _run_due(db, d)
        assert _states(db, sub_id) == ["ACCEPTED", "ACCEPTED"] and _pending_kinds(db, sub_id) == ["POLL"]

        bank.script.append(answer({a: "PAID", b: "PAID"}, stamp=_stamp(seconds_ago=600)))  # stale
        _run_due(db, d)
        assert _states(db, sub_id) == ["ACCEPTED", "ACCEPTED"]
        assert [r["reason"] for r in _refusals(db)] == ["REPLAY_WINDOW"]
        assert _pending_kinds(db, sub_id) == ["POLL"]  # still followed

        fresh = answer({a: "PAID"})
        bank.script.append(fresh)
        _run_due(db, d)
        assert _states(db, sub_id) == ["PAID", "ACCEPTED"]

        # The same answer again, now claiming a return for a and payment for b: refused, applied never.
        bank.script.append(answer({a: "RETURNED", b: "PAID"}, nonce=fresh.headers["X-Nonce"]))
        _run_due(db, d)
        assert _states(db, sub_id) == ["PAID", "ACCEPTED"]
        assert [r["reason"] for r in _refusals(db)] == ["REPLAY_WINDOW", "REPLAY_NONCE"]
        assert all(r["kind"] == "status_response" for r in _refusals(db))

        bank.script.append(answer({b: "PAID"}))
        _run_due(db, d)
        assert _states(db, sub_id) == ["PAID", "PAID"] and _sub(db, sub_id)["state"] == "COMPLETED"
        assert _moves_to(db, "PAID") == 2 and _moves_to(db, "RETURNED") == 0
        assert bank.paths == ["/submit", "/status", "/status", "/status", "/status"]
    finally:
        db.dispose()


# -- the check itself, with the adapters' own stamp readers -------------------------------------------


def _iso_answer(nonce: str | None, stamp: str | None) -> WireResponse:
    headers = {}
    if nonce is not None:
        headers["x-silink-nonce"] = nonce  # header names are case-insensitive
    if stamp is not None:
        headers["X-Silink-Timestamp"] = stamp
    return WireResponse(200, b"<Document/>", headers)


def test_iso_answers_nonce_once_per_bank_across_restarts(tmp_path) -> None:
    db = sqlite_db(tmp_path)
    try:
        iso = Iso20022Adapter()
        nonce = secrets.token_hex(16)
        check = AnswerCheck(db, lambda code: answer_settings(code, {}))
        assert check.check("102", iso, _iso_answer(nonce, _stamp())) is None
        assert check.check("102", iso, _iso_answer(nonce, _stamp())).reason == "REPLAY_NONCE"
        restarted = AnswerCheck(db, lambda code: answer_settings(code, {}))
        assert restarted.check("102", iso, _iso_answer(nonce, _stamp())).reason == "REPLAY_NONCE"
        assert restarted.check("104", iso, _iso_answer(nonce, _stamp())) is None  # another bank's nonces
        stale = check.check("102", iso, _iso_answer(secrets.token_hex(16), _stamp(seconds_ago=301)))
        assert stale.reason == "REPLAY_WINDOW" and stale.stamped_at.endswith("Z")
        assert check.check("102", iso, _iso_answer(secrets.token_hex(16), None)).reason == "REPLAY_MALFORMED"
        assert check.check("102", iso, _iso_answer("short", _stamp())).reason == "REPLAY_MALFORMED"
        assert check.check("102", iso, _iso_answer(None, None)) is None  # unstamped (e.g. a 503)
    finally:
        db.dispose()


def test_required_stamps_window_setting_and_off(tmp_path) -> None:
    db = sqlite_db(tmp_path)
    try:
        iso = Iso20022Adapter()
        required = AnswerCheck(db, lambda code: answer_settings(code, {"answer_stamp": "required"}))
        assert required.check("102", iso, _iso_answer(None, None)).reason == "REPLAY_MISSING"
        wide = AnswerCheck(db, lambda code: answer_settings(code, {"replay_window_seconds": 900}))
        assert wide.check("102", iso, _iso_answer(secrets.token_hex(16), _stamp(seconds_ago=600))) is None
        off = AnswerCheck(db, lambda code: answer_settings(code, {"replay_window_seconds": 0}))
        nonce = secrets.token_hex(16)
        assert off.check("102", iso, _iso_answer(nonce, _stamp(seconds_ago=9999))) is None
        assert off.check("102", iso, _iso_answer(nonce, _stamp(seconds_ago=9999))) is None
        for raw in ({"replay_window_seconds": -1}, {"replay_window_seconds": 1.5}, {"answer_stamp": "never"}):
            with pytest.raises(InvalidInput) as err:
                answer_settings("102", raw)
            assert err.value.reason == "ANSWER_CHECK_INVALID"
            assert err.value.metadata["setting"].startswith("banks.102.")
    finally:
        db.dispose()


def _direct_answer(nonce: str, resptime: str, signer=BANK) -> WireResponse:
    head = {
        "funcode": "PAYROLL_QUERY",
        "nonce": nonce,
        "reqid": "Q1",
        "resptime": resptime,
        "retcode": "0000",
        "retmsg": "",
        "ver": "1",
    }
    return WireResponse(200, seal(head, {"batchref": "S1", "lines": []}, signer=signer, cipher=gcm()))


def _wire_now(seconds_ago: float = 0.0) -> str:
    cst = dt.timezone(dt.timedelta(hours=8))
    return (dt.datetime.now(cst) - dt.timedelta(seconds=seconds_ago)).strftime("%Y%m%d%H%M%S")


def test_direct_link_stamp_is_read_from_the_verified_envelope(tmp_path) -> None:
    adapter = DirectLinkAdapter.bind(direct_ctx())
    nonce = secrets.token_hex(8)
    read = adapter.answer_stamp(_direct_answer(nonce, "20250105160002"))
    assert read is not None and read[0] == nonce
    assert read[1] == dt.datetime(2025, 1, 5, 8, 0, 2, tzinfo=dt.UTC)
    assert adapter.answer_stamp(_direct_answer(nonce, "20250105160002", signer=OTHER)) is None  # forged
    assert adapter.answer_stamp(dataclasses.replace(_direct_answer(nonce, "x"), status=503)) is None
    assert adapter.answer_stamp(_direct_answer(nonce, "yesterday")) == (nonce, "yesterday")

    db = sqlite_db(tmp_path)
    try:
        check = AnswerCheck(db, lambda code: answer_settings(code, {}))
        assert check.check("308", adapter, _direct_answer(nonce, _wire_now())) is None
        assert check.check("308", adapter, _direct_answer(nonce, _wire_now())).reason == "REPLAY_NONCE"
        stale = _direct_answer(secrets.token_hex(8), _wire_now(seconds_ago=400))
        assert check.check("308", adapter, stale).reason == "REPLAY_WINDOW"
        assert check.check("308", adapter, _direct_answer(secrets.token_hex(8), "yesterday")).reason == (
            "REPLAY_MALFORMED"
        )
    finally:
        db.dispose()
