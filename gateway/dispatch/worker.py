"""The dispatcher: delivers submissions and follows them to final line states, exactly once.

Exactly-once rests on three rules:

1. **Record before you send.** A submission is marked SENDING (and its lines SUBMITTED) in a committed
   transaction before the bank is called. After a crash, a SENDING submission means "may have reached
   the bank".
2. **Never resend blindly.** A SENDING submission found again (crash) or a request that timed out after
   leaving becomes UNKNOWN and is settled by a status query with our reference. It is sent again only
   when the bank says it never got it, or when the adapter declares that the bank de-duplicates on our
   reference (then a resend can never pay twice).
3. **Retry only the transient.** A request that provably did not leave (no connection), or that the
   adapter maps to RETRY, is tried again with bounded backoff; everything else is terminal, inquired or
   handed to a person (MANUAL), never retried.

Results apply through :mod:`gateway.dispatch.lines`, which only moves lines forward, so duplicate or
reordered results change nothing.

Adapters whose parsing needs the bank's keys (direct-link, files) are bound to the call's context
(``bind(ctx)``); a submission larger than the bank's per-request limit goes as parts in order
(``render_submission_parts``). Folder banks (``capabilities.transport == "folder"``) get their files
dropped, and what they send back is picked up and applied by :mod:`gateway.dispatch.folders`, once per
content, by whichever worker sweeps the folder.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from sqlalchemy import Connection, insert, select, update

from adapters.contract import (
    Action,
    Adapter,
    AdapterContext,
    LineOutcome,
    LineResult,
    Submission,
    SubmissionLine,
    SubmitResult,
    SubmitStatus,
    WireMessage,
    WireResponse,
)
from gateway import audit
from gateway.clock import now_iso
from gateway.dispatch import banklink_follow, folders, outbox
from gateway.dispatch.answers import (
    SIGNATURE_REFUSALS,
    AnswerCheck,
    Refusal,
    record_refusal,
    signature_refusal,
)
from gateway.dispatch.controls import BankControls, save_breaker
from gateway.dispatch.lines import advance_batch, apply_results, move_submission_lines, open_lines
from gateway.dispatch.outbox import WorkItem
from gateway.dispatch.routing import BANKLINK
from gateway.dispatch.transport import NotSent, OutcomeUnknown, Transport
from gateway.domain.proofs import submission_rows
from gateway.domain.release import sla_deadline
from gateway.storage import Database
from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import bank_evidence, submissions
from keys.datakey import DataProtector

log = structlog.get_logger("silink.dispatch")
SYSTEM = "system:dispatcher"
# Submissions without their personal data, kept for the status queries that follow a send: rebuilding one
# reads and orders its 5,000 lines again. Their lines never change once released (they are signed).
_CACHED_SUBMISSIONS = 32


@dataclass(frozen=True)
class Policy:
    """Bounds of the dispatcher's patience (all configurable per instance)."""

    max_send_attempts: int = 8  # attempts that provably did not reach the bank
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 300.0
    poll_interval_seconds: float = 2.0
    inquiry_horizon_attempts: int = 30  # inquiries before a submission goes to the manual queue
    lease_seconds: float = 60.0

    def backoff(self, attempt: int) -> float:
        # Full jitter keeps many workers from hammering a recovering bank in step.
        cap = min(self.backoff_max_seconds, self.backoff_base_seconds * (2 ** min(attempt, 16)))
        return random.uniform(cap / 2, cap)  # noqa: S311 - jitter, not security


def _merge(before: SubmitResult | None, part: SubmitResult) -> SubmitResult:
    """The answer to a submission sent in parts: accepted when every part was, with all parts' lines."""
    if before is None or part.status is not SubmitStatus.ACCEPTED:
        return (
            part if before is None else SubmitResult(part.status, part.bank_batch_reference, part.error, ())
        )
    return SubmitResult(
        SubmitStatus.ACCEPTED,
        part.bank_batch_reference or before.bank_batch_reference,
        part.error or before.error,
        (*before.lines, *part.lines),
    )


def _age_seconds(stamp: str) -> float:
    import datetime as dt

    then = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return (dt.datetime.now(dt.UTC) - then).total_seconds()


class Dispatcher:
    def __init__(
        self,
        db: Database,
        protector: DataProtector,
        *,
        owner: str,
        adapter_for: Callable[[str], Adapter],
        transport_for: Callable[[str], Transport],
        context_for: Callable[[str], AdapterContext],
        policy: Policy | None = None,
        failpoint: Callable[[str], None] | None = None,
        folder_banks: Callable[[], list[str]] | None = None,
        folder_settings: Callable[[str], folders.FolderSettings] | None = None,
        sweep_in_loop: bool = True,
        controls: BankControls | None = None,
        answers: AnswerCheck | None = None,
    ) -> None:
        self.db = db
        self.protector = protector
        self.owner = owner
        self.adapter_for = adapter_for
        self.transport_for = transport_for
        self.context_for = context_for
        self.policy = policy or Policy()
        # Crash tests name points in the flow; production passes None.
        self.failpoint = failpoint or (lambda name: None)
        self.folder_banks = folder_banks or (lambda: [])
        self._folder_settings = folder_settings
        # False when a dedicated pickup thread sweeps the folders (DispatchWorkers): then a worker busy
        # with long sends never delays a bank's receipts and results.
        self.sweep_in_loop = sweep_in_loop
        self._last_sweep = 0.0
        # Cut-off calendar, circuit breaker and rate limit per bank (None: no gate, as in unit tests).
        self.controls = controls
        # Replay protection on bank answers (None: answers are not checked, as in unit tests).
        self.answers = answers
        self._submissions: OrderedDict[tuple[int, str], Submission] = OrderedDict()

    def bound_adapter(self, name: str, ctx: AdapterContext) -> Adapter:
        """The adapter for one call, bound to its context when its parsing needs the bank's keys."""
        adapter = self.adapter_for(name)
        bind = getattr(adapter, "bind", None)
        return bind(ctx) if callable(bind) else adapter

    def folder_settings_for(self, code: str) -> folders.FolderSettings:
        if self._folder_settings is None:
            raise RuntimeError("this dispatcher has no folder banks configured")
        return self._folder_settings(code)

    def sweep_folders(self) -> None:
        """Pick up what every folder bank has sent (receipts, results, returns), once per content."""
        for code in self.folder_banks():
            try:
                folders.pickup(self, code)
            except Exception as exc:
                log.error(
                    "dispatch.pickup_failed", bank=code, error_type=type(exc).__name__, error=str(exc)[:300]
                )

    # -- loop ----------------------------------------------------------------------------------------

    def run_once(self, limit: int = 1) -> int:
        """Claim and handle up to ``limit`` due items. One at a time by default: a worker busy sending
        never holds submissions that another, idle worker could take."""
        if self.sweep_in_loop and time.monotonic() - self._last_sweep >= self.policy.poll_interval_seconds:
            self._last_sweep = time.monotonic()
            self.sweep_folders()
        items = outbox.claim(self.db, self.owner, limit=limit, lease_seconds=self.policy.lease_seconds)
        for item in items:
            try:
                self.handle(item)
            except Exception as exc:
                log.error(
                    "dispatch.item_failed",
                    item=item.id,
                    kind=item.kind,
                    error_type=type(exc).__name__,
                    error=str(exc)[:300],
                )
                with self.db.write() as conn:
                    if outbox.still_mine(conn, item, self.owner):
                        outbox.retry_later(conn, item, self.policy.backoff(item.attempts), type(exc).__name__)
        return len(items)

    def run_forever(self, stop: threading.Event, idle_sleep: float = 0.2) -> None:
        failures = 0
        while not stop.is_set():
            try:
                worked = self.run_once()
            except Exception as exc:
                # The outbox itself could not be read (a database that is down, or locked longer than its
                # busy timeout by a long transaction): a worker that died here would leave its bank
                # unserved until a restart. Back off and try again; nothing was claimed.
                failures += 1
                log.error(
                    "dispatch.loop_failed",
                    worker=self.owner,
                    error_type=type(exc).__name__,
                    error=str(exc)[:300],
                    failures=failures,
                )
                stop.wait(min(30.0, idle_sleep * 2 ** min(failures, 8)))
                continue
            failures = 0
            if worked == 0:
                stop.wait(idle_sleep)

    def pickup_forever(self, stop: threading.Event) -> None:
        """Sweep the folder banks' incoming folders every poll interval until ``stop``."""
        while not stop.is_set():
            self.sweep_folders()
            stop.wait(self.policy.poll_interval_seconds)

    def handle(self, item: WorkItem) -> None:
        sub = self._load(item.submission_id)
        if sub["adapter"] == BANKLINK:
            # The bank pulls: nothing to send, only results to wait for and questions to leave for it.
            banklink_follow.follow(self, item, sub)
            return
        adapter = self.adapter_for(sub["adapter"])
        if item.kind == "SEND":
            self._send(item, sub, adapter)
        else:
            self._follow(item, sub, adapter)

    # -- send ----------------------------------------------------------------------------------------

    def _send(self, item: WorkItem, sub: dict, adapter: Adapter) -> None:
        dedupes = adapter.capabilities.bank_dedupes_on_reference
        with self.db.write() as conn:
            if not outbox.still_mine(conn, item, self.owner):
                return
            state = self._state(conn, sub["id"])
            if state == "SENDING" and not dedupes:
                # A previous attempt may have reached the bank: find out, do not send again.
                self._to_unknown(conn, item, sub, "previous send attempt did not finish")
                return
            if state not in ("READY", "SENDING"):
                outbox.done(conn, item)
                return
            if self.controls is not None:
                deferral = self.controls.gate(sub["bank_code"], int(sub["line_count"]))
                if deferral is not None:
                    # Not an attempt: the bank is closed, its breaker open or its rate used up.
                    outbox.defer(conn, item, deferral.seconds, f"{deferral.reason}: {deferral.detail}")
                    return
            sent_at = now_iso()
            extra = {}
            if sub.get("sla_deadline") is None and self.controls is not None:
                hours = self.controls.settings(sub["bank_code"]).sla_hours
                extra["sla_deadline"] = sla_deadline(sent_at, hours)
            self._set_state(
                conn, sub["id"], "SENDING", attempts=submissions.c.attempts + 1, sent_at=sent_at, **extra
            )
            move_submission_lines(conn, sub["id"], ("PENDING",), "SUBMITTED", "dispatch.send", SYSTEM)
        self.failpoint("after_mark_sending")

        adapter, submission, messages = self.render(sub)
        for message in messages:
            self._evidence_out(sub, "submission", message)
        transport = self.transport_for(sub["bank_code"])
        folder = adapter.capabilities.transport == "folder"
        responses: list[WireResponse] = []
        result: SubmitResult | None = None
        refused: tuple[Refusal, WireResponse] | None = None
        try:
            self.failpoint("before_send")
            for message in messages:
                try:
                    response = transport.send(message)
                except NotSent:
                    if responses and not dedupes:
                        raise OutcomeUnknown("a later part could not be sent") from None
                    raise
                responses.append(response)
                if folder:
                    continue  # a drop has no answer; the receipt comes through the incoming folder
                refusal = self._refuse(sub, adapter, response)
                if refusal is not None:
                    # A replayed or stale answer says nothing: as if none came (the bank may have the
                    # submission), so it is inquired, never resent.
                    refused = (refusal, response)
                    raise OutcomeUnknown(refusal.describe())
                result = _merge(result, adapter.parse_submit_response(response, submission))
                if result.status is not SubmitStatus.ACCEPTED:
                    break  # the bank refused or did not answer a part: send no further part
            self.failpoint("after_send")
            # One line per delivery (not per payment line): which worker sent which submission, how big.
            log.info(
                "dispatch.sent",
                submission=sub["bank_reference"],
                bank=sub["bank_code"],
                owner=self.owner,
                lines=sub["line_count"],
                parts=len(responses),
                status=responses[-1].status if responses else None,
            )
        except NotSent as exc:
            self._health(sub["bank_code"], ok=False)
            with self.db.write() as conn:
                if not outbox.still_mine(conn, item, self.owner):
                    return
                self._set_state(conn, sub["id"], "READY", last_error=str(exc))
                if item.attempts >= self.policy.max_send_attempts:
                    self._to_manual(conn, item, sub, f"bank unreachable after {item.attempts} attempts")
                else:
                    outbox.retry_later(conn, item, self.policy.backoff(item.attempts), str(exc))
            return
        except OutcomeUnknown as exc:
            self._health(sub["bank_code"], ok=False)
            with self.db.write() as conn:
                if refused is not None:
                    self._keep_refusal(conn, sub, "submit_response", *refused)
                if outbox.still_mine(conn, item, self.owner):
                    self._to_unknown(conn, item, sub, str(exc))
            return
        transient = (
            result is not None
            and result.status is SubmitStatus.REJECTED
            and result.error is not None
            and result.error.action is Action.RETRY
        )
        if folder or transient or (result is not None and result.status is not SubmitStatus.UNKNOWN):
            self._health(sub["bank_code"], ok=not transient)
        self.failpoint("before_record_result")
        with self.db.write() as conn:
            if not outbox.still_mine(conn, item, self.owner):
                return
            if folder:
                # Dropped: the outcome is known once the bank's receipt and result files come.
                self._to_unknown(conn, item, sub, "dropped in the bank's folder; waiting for its files")
                return
            evidence = None
            for response in responses:
                evidence = self._evidence_in(conn, sub, "submit_response", response)
            assert result is not None
            self._apply_submit(conn, item, sub, adapter, result, evidence)

    def _apply_submit(
        self,
        conn: Connection,
        item: WorkItem,
        sub: dict,
        adapter: Adapter,
        result: SubmitResult,
        evidence: int | None,
    ) -> None:
        if result.status is SubmitStatus.ACCEPTED:
            self._set_state(
                conn, sub["id"], "ACCEPTED", bank_batch_reference=result.bank_batch_reference or None
            )
            move_submission_lines(conn, sub["id"], ("SUBMITTED",), "ACCEPTED", "bank.accepted", SYSTEM)
            apply_results(
                conn, sub["id"], result.lines, principal=SYSTEM, cause="bank.result", evidence_id=evidence
            )
            outbox.done(conn, item)
            self._complete_or_poll(conn, sub)
            return
        if result.status is SubmitStatus.UNKNOWN or result.error is None:
            code = f" ({result.error.code})" if result.error is not None else ""
            self._to_unknown(conn, item, sub, f"ambiguous answer to the submission{code}")
            if result.error is not None and result.error.action is Action.MANUAL:
                self._note_refused_answer(conn, sub, result)
            return
        action = result.error.action
        if action is Action.RETRY and item.attempts < self.policy.max_send_attempts:
            self._set_state(conn, sub["id"], "READY", last_error=f"{result.error.code} {result.error.text}")
            outbox.retry_later(conn, item, self.policy.backoff(item.attempts), result.error.code)
        elif action is Action.TERMINAL:
            reason = adapter.map_error(result.error.code, result.error.text)
            failure = getattr(adapter, "failure_reason", None)
            fails = [
                LineResult(
                    outcome=LineOutcome.FAILED,
                    end_to_end_ref=line_ref,
                    reason=failure(result.error.code) if callable(failure) else None,
                    raw_code=result.error.code,
                    raw_text=result.error.text,
                )
                for line_ref in self._refs(conn, sub["id"])
            ]
            apply_results(
                conn, sub["id"], fails, principal=SYSTEM, cause="bank.rejected", evidence_id=evidence
            )
            self._set_state(
                conn,
                sub["id"],
                "REJECTED",
                completed_at=now_iso(),
                last_error=f"{reason.code} {reason.text}"[:500],
            )
            outbox.done(conn, item)
        elif action is Action.INQUIRE:
            self._to_unknown(conn, item, sub, f"bank answered {result.error.code}")
        else:
            self._to_manual(conn, item, sub, f"bank answered {result.error.code}: needs a person")

    # -- inquire and poll ------------------------------------------------------------------------------

    def _follow(self, item: WorkItem, sub: dict, adapter: Adapter) -> None:
        if adapter.capabilities.transport == "folder":
            self._follow_folder(item, sub)
            return
        if not adapter.capabilities.status_query:
            with self.db.write() as conn:
                if outbox.still_mine(conn, item, self.owner):
                    self._to_manual(conn, item, sub, "bank offers no status query")
            return
        # Status queries and answers go by our references and amounts: no personal data is decrypted.
        submission = self._submission(sub, personal_data=False)
        ctx = self.context_for(sub["bank_code"])
        adapter = self.bound_adapter(sub["adapter"], ctx)
        message = adapter.render_status_query(submission, ctx)
        refusal: Refusal | None = None
        try:
            response = self.transport_for(sub["bank_code"]).send(message)
            refusal = self._refuse(sub, adapter, response, ctx)
            if refusal is not None:
                raise OutcomeUnknown(refusal.describe())  # a replayed or stale answer: as if none came
            result = adapter.parse_status_response(response, submission)
            self._health(sub["bank_code"], ok=True)
        except (NotSent, OutcomeUnknown) as exc:
            self._health(sub["bank_code"], ok=False)
            refused = (refusal, response) if refusal is not None else None
            response, result = None, SubmitResult(SubmitStatus.UNKNOWN, error=None)
            log.info("dispatch.inquiry_unanswered", submission=sub["bank_reference"], error=str(exc)[:200])
        else:
            refused = None
        with self.db.write() as conn:
            if refused is not None:
                self._keep_refusal(conn, sub, "status_response", *refused)
            if not outbox.still_mine(conn, item, self.owner):
                return
            evidence = (
                self._evidence_in(conn, sub, "status_response", response) if response is not None else None
            )
            if result.error is not None and result.error.action is Action.MANUAL:
                self._note_refused_answer(conn, sub, result)
            if (
                result.status is SubmitStatus.REJECTED
                and result.error
                and result.error.action is Action.RETRY
                and self._state(conn, sub["id"]) == "UNKNOWN"
            ):
                # The bank says it never received the submission: now, and only now, send it again.
                self._set_state(conn, sub["id"], "READY")
                outbox.done(conn, item)
                outbox.enqueue(conn, sub["id"], "SEND")
                return
            if result.lines:
                if self._state(conn, sub["id"]) in ("UNKNOWN", "SENDING"):
                    self._set_state(conn, sub["id"], "ACCEPTED")
                    move_submission_lines(
                        conn, sub["id"], ("SUBMITTED", "UNKNOWN"), "ACCEPTED", "bank.inquiry", SYSTEM
                    )
                apply_results(
                    conn, sub["id"], result.lines, principal=SYSTEM, cause="bank.result", evidence_id=evidence
                )
            if open_lines(conn, sub["id"]) == 0:
                self._set_state(conn, sub["id"], "COMPLETED", completed_at=now_iso())
                outbox.done(conn, item)
            elif item.attempts >= self.policy.inquiry_horizon_attempts:
                self._to_manual(conn, item, sub, "no final answer within the inquiry horizon")
            else:
                delay = (
                    self.policy.poll_interval_seconds
                    if item.kind == "POLL"
                    else self.policy.backoff(item.attempts)
                )
                outbox.retry_later(conn, item, delay, "lines still open")

    def _follow_folder(self, item: WorkItem, sub: dict) -> None:
        """A folder bank answers with files: pick up what came, then see whether the submission is done,
        still within the time the bank has for its results, or overdue (the manual queue)."""
        folders.pickup(self, sub["bank_code"])
        wait = self.folder_settings_for(sub["bank_code"]).result_wait_seconds
        with self.db.write() as conn:
            if not outbox.still_mine(conn, item, self.owner):
                return
            state = self._state(conn, sub["id"])
            if state in ("READY", "COMPLETED", "REJECTED", "MANUAL"):
                outbox.done(conn, item)  # settled by a file (or to be dropped again: a SEND is queued)
                return
            if open_lines(conn, sub["id"]) == 0:
                self._set_state(conn, sub["id"], "COMPLETED", completed_at=now_iso())
                outbox.done(conn, item)
                return
            sent_at = conn.execute(
                select(submissions.c.sent_at).where(submissions.c.id == sub["id"])
            ).scalar()
            if sent_at and _age_seconds(sent_at) > wait:
                # A late file is still applied when it comes; until then a person can see and act.
                self._to_manual(conn, item, sub, f"no result file within {wait:.0f} s of the drop")
            else:
                outbox.retry_later(
                    conn, item, self.policy.poll_interval_seconds, "waiting for the bank's files"
                )

    # -- helpers ---------------------------------------------------------------------------------------

    def _health(self, code: str, *, ok: bool) -> None:
        """Feed the bank's circuit breaker; a change of state is logged and made visible in the database."""
        if self.controls is None:
            return
        snap = self.controls.record(code, ok)
        if snap is None:
            return
        log.warning("dispatch.breaker", bank=code, state=snap.state.value, failures=snap.consecutive_failures)
        with self.db.write() as conn:
            save_breaker(conn, code, snap, self.owner)

    def _refuse(
        self, sub: dict, adapter: Adapter, response: WireResponse, ctx: AdapterContext | None = None
    ) -> Refusal | None:
        """The checks of one answer before anything in it is believed: the bank's signature, then replay
        (its own short transaction: called outside any other). The signature goes first, so a forged
        answer cannot spend a nonce the bank's next real answer carries. ``ctx`` holds the bank's key;
        without one it is made for an adapter that checks signatures."""
        if ctx is None and callable(getattr(adapter, "verify_response", None)):
            ctx = self.context_for(sub["bank_code"])
        refusal = signature_refusal(adapter, response, ctx)
        if refusal is not None:
            log.warning(
                "dispatch.answer_forged",
                submission=sub["bank_reference"],
                bank=sub["bank_code"],
                reason=refusal.reason,
                http_status=response.status,
            )
            return refusal
        if self.answers is None:
            return None
        refusal = self.answers.check(sub["bank_code"], adapter, response)
        if refusal is not None:
            log.warning(
                "dispatch.answer_replayed",
                submission=sub["bank_reference"],
                bank=sub["bank_code"],
                reason=refusal.reason,
            )
        return refusal

    def _keep_refusal(
        self, conn: Connection, sub: dict, kind: str, refusal: Refusal, response: WireResponse
    ) -> None:
        """The refused answer as evidence, and why it was refused (recorded whoever holds the lease now)."""
        evidence = self._evidence_in(conn, sub, kind, response)
        record_refusal(
            conn,
            bank_code=sub["bank_code"],
            submission_id=sub["id"],
            evidence_id=evidence,
            kind=kind,
            refusal=refusal,
        )
        conn.execute(
            update(submissions)
            .where(submissions.c.id == sub["id"])
            .values(last_error=refusal.describe()[:500], updated_at=now_iso())
        )
        if refusal.reason in SIGNATURE_REFUSALS:
            # A forged answer is a security event: on the audit chain (no content, only what and why).
            audit.append(
                conn,
                principal=SYSTEM,
                action="bank.answer_refused",
                object_type="submission",
                object_id=sub["bank_reference"],
                detail={"bank_code": sub["bank_code"], "kind": kind, "reason": refusal.reason},
            )

    def _note_refused_answer(self, conn: Connection, sub: dict, result: SubmitResult) -> None:
        """An answer we must not use (forged signature, wrong key, garbled but signed): say so where a
        person looks — the submission's last error and a warning — while the inquiry goes on."""
        error = result.error
        assert error is not None
        conn.execute(
            update(submissions)
            .where(submissions.c.id == sub["id"])
            .values(last_error=f"answer refused: {error.code} {error.text}"[:500], updated_at=now_iso())
        )
        log.warning(
            "dispatch.answer_refused",
            submission=sub["bank_reference"],
            bank=sub["bank_code"],
            code=error.code,
        )

    def _complete_or_poll(self, conn: Connection, sub: dict) -> None:
        if open_lines(conn, sub["id"]) == 0:
            self._set_state(conn, sub["id"], "COMPLETED", completed_at=now_iso())
        else:
            outbox.enqueue(conn, sub["id"], "POLL", self.policy.poll_interval_seconds)

    def _to_unknown(self, conn: Connection, item: WorkItem, sub: dict, why: str) -> None:
        self._set_state(conn, sub["id"], "UNKNOWN", last_error=why)
        move_submission_lines(conn, sub["id"], ("SUBMITTED",), "UNKNOWN", "dispatch.unknown", SYSTEM)
        outbox.done(conn, item)
        outbox.enqueue(conn, sub["id"], "INQUIRE", self.policy.backoff(0))

    def _to_manual(self, conn: Connection, item: WorkItem, sub: dict, why: str) -> None:
        self._set_state(conn, sub["id"], "MANUAL", last_error=why)
        move_submission_lines(
            conn, sub["id"], ("SUBMITTED", "ACCEPTED", "UNKNOWN"), "MANUAL", "dispatch.manual", SYSTEM
        )
        outbox.done(conn, item)

    def _set_state(self, conn: Connection, submission_id: int, state: str, **values: object) -> None:
        conn.execute(
            update(submissions)
            .where(submissions.c.id == submission_id)
            .values(state=state, updated_at=now_iso(), **values)
        )
        if state in ("SENDING", "COMPLETED", "REJECTED"):
            batch_id = conn.execute(
                select(submissions.c.batch_id).where(submissions.c.id == submission_id)
            ).scalar()
            advance_batch(conn, batch_id)

    def _state(self, conn: Connection, submission_id: int) -> str:
        return conn.execute(select(submissions.c.state).where(submissions.c.id == submission_id)).scalar_one()

    def _load(self, submission_id: int) -> dict:
        with self.db.read() as conn:
            return dict(
                conn.execute(select(submissions).where(submissions.c.id == submission_id)).mappings().one()
            )

    def _refs(self, conn: Connection, submission_id: int) -> list[str]:
        return [
            r[0]
            for r in conn.execute(
                select(batch_lines.c.e2e_ref).where(batch_lines.c.submission_id == submission_id)
            )
        ]

    def render(self, sub: dict) -> tuple[Adapter, Submission, list[WireMessage]]:
        """The bank's wire messages for a stored submission (one, or its parts), with the adapter bound to
        the bank's context and the submission they were rendered from (at send time, from the signed,
        stored lines)."""
        submission = self._submission(sub)
        ctx = self.context_for(sub["bank_code"])
        adapter = self.bound_adapter(sub["adapter"], ctx)
        render_parts = getattr(adapter, "render_submission_parts", None)
        if callable(render_parts):
            return adapter, submission, list(render_parts(submission, ctx))
        return adapter, submission, [adapter.render_submission(submission, ctx)]

    def _submission(self, sub: dict, *, personal_data: bool = True) -> Submission:
        """The submission with its clear lines, rebuilt from storage for this one call — the same rows, in
        the same order, that release canonicalised and signed. Without personal data it may come from
        the last submissions this worker read (never with it: clear values live only for one call)."""
        key = (sub["id"], sub["manifest"] or "")
        if not personal_data:
            cached = self._submissions.get(key)
            if cached is not None:
                self._submissions.move_to_end(key)
                return cached
        with self.db.read() as conn:
            rows = submission_rows(conn, self.protector, sub, personal_data=personal_data)
        lines = [
            SubmissionLine(
                seq=r[0],
                end_to_end_ref=r[1],
                account=r[3],
                account_type=r[4],
                name=r[5],
                id_type=r[6],
                id_number=r[7],
                amount_fen=r[8],
                benefit=r[9],
                period=r[10],
            )
            for r in rows
        ]
        submission = self._assemble(sub, lines)
        if personal_data:
            # What is kept is built from the same rows with the personal fields left empty, as a read
            # without personal data gives them: half the cost of a changed copy of every clear line.
            kept = [
                SubmissionLine(
                    seq=r[0],
                    end_to_end_ref=r[1],
                    account="",
                    account_type=r[4],
                    name="",
                    id_type=r[6],
                    id_number="",
                    amount_fen=r[8],
                    benefit=r[9],
                    period=r[10],
                )
                for r in rows
            ]
            self._remember(key, self._assemble(sub, kept))
        else:
            self._remember(key, submission)
        return submission

    @staticmethod
    def _assemble(sub: dict, lines: list[SubmissionLine]) -> Submission:
        return Submission(
            submission_id=sub["bank_reference"],
            bank_reference=sub["bank_reference"],
            bank_code=sub["bank_code"],
            fund=sub["fund"],
            fund_account=sub["fund_account"],
            fund_account_name=sub["fund"],
            lines=lines,
            control_sum_fen=sub["control_sum_fen"],
            requested_date=sub["created_at"][:10],
            manifest_json=sub["manifest"],
        )

    def _remember(self, key: tuple[int, str], submission: Submission) -> None:
        self._submissions[key] = submission
        self._submissions.move_to_end(key)
        while len(self._submissions) > _CACHED_SUBMISSIONS:
            self._submissions.popitem(last=False)

    def _evidence_out(self, sub: dict, kind: str, message: WireMessage) -> None:
        with self.db.write() as conn:
            self._evidence(conn, sub, "out", kind, message.body)

    def _evidence_in(self, conn: Connection, sub: dict, kind: str, response: WireResponse) -> int | None:
        return self._evidence(conn, sub, "in", kind, response.body)

    def _evidence(self, conn: Connection, sub: dict, direction: str, kind: str, body: bytes) -> int | None:
        digest = hashlib.sha256(body).hexdigest()
        existing = conn.execute(
            select(bank_evidence.c.id).where(
                bank_evidence.c.direction == direction, bank_evidence.c.content_hash == digest
            )
        ).scalar()
        if existing is not None:
            return existing
        return conn.execute(
            insert(bank_evidence)
            .values(
                submission_id=sub["id"],
                bank_code=sub["bank_code"],
                direction=direction,
                kind=kind,
                content_hash=digest,
                body=body,
                at=now_iso(),
            )
            .returning(bank_evidence.c.id)
        ).scalar_one()
