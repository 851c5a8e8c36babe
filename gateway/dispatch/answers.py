"""Replay protection on bank answers: a fresh time stamp and a nonce never seen before, per bank.

A bank's answer carries a stamp — direct-link ``head.nonce`` / ``head.resptime`` inside the signed
envelope, ISO 20022 ``X-Silink-Nonce`` / ``X-Silink-Timestamp`` beside the detached signature — which
the adapter reads (``adapter.answer_stamp(response)``). Before an answer is parsed the dispatcher asks
:meth:`AnswerCheck.check`:

* a time stamp more than ``replay_window_seconds`` (default 300) from our clock → ``REPLAY_WINDOW``;
* a nonce this bank already used → ``REPLAY_NONCE`` (nonces live in ``replay_nonces``, scope
  ``bank-answer:<code>``, through :class:`keys.replay.ReplayGuard`: the primary key makes a second use
  fail across restarts and between processes; nonces older than the window are pruned);
* a stamp that cannot be read → ``REPLAY_MALFORMED``; no stamp at all when the bank's
  ``answer_stamp = "required"`` → ``REPLAY_MISSING`` (default ``"if_present"``: an unstamped answer, such
  as a front end's 503, is not checked).

Before the replay check, an adapter that can check the bank's signature on an answer
(``verify_response``, the ISO 20022 detached signature) does so with the bank's configured key
(``bank_verify_key``): a signature that does not verify is ``SIGNATURE_INVALID``, an answer without one
``SIGNATURE_MISSING`` (:func:`signature_refusal`). Such an answer is audited (``bank.answer_refused``) too.

A refused answer is treated exactly like no answer: the submission goes to (or stays) UNKNOWN and is
settled by a status query — never resent — and the refusal is kept in ``refused_answers`` with the
evidence it came in. ``replay_window_seconds = 0`` turns the check off for a bank.

    [banks."301"]
    replay_window_seconds = 300
    answer_stamp = "if_present"     # or "required"
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert

from adapters.contract import Adapter, AdapterContext, WireResponse
from gateway.clock import now_iso
from gateway.errors import InvalidInput, SilinkError
from gateway.storage import Database
from gateway.storage.tables_dispatch_controls import refused_answers
from keys.replay import DEFAULT_WINDOW_SECONDS, REPLAY_MALFORMED, ReplayGuard

REPLAY_MISSING = "REPLAY_MISSING"
SIGNATURE_INVALID = "SIGNATURE_INVALID"
SIGNATURE_MISSING = "SIGNATURE_MISSING"
SIGNATURE_REFUSALS = frozenset({SIGNATURE_INVALID, SIGNATURE_MISSING})
# Refusals a front end gives before the request was taken: they change no line (retried or inquired),
# and a proxy in front of the bank cannot sign them.
_UNSIGNED_OK = frozenset({408, 429})
STAMP_POLICIES = ("if_present", "required")
ANSWER_CHECK_INVALID = "ANSWER_CHECK_INVALID"


@dataclass(frozen=True)
class AnswerSettings:
    window_seconds: int = DEFAULT_WINDOW_SECONDS  # 0: no check
    stamp: str = "if_present"


@dataclass(frozen=True)
class Refusal:
    reason: str  # REPLAY_NONCE | REPLAY_WINDOW | REPLAY_MALFORMED | REPLAY_MISSING | SIGNATURE_*
    nonce: str
    stamped_at: str  # the answer's own time stamp, as sent

    def describe(self) -> str:
        return f"answer refused: {self.reason}"


def answer_settings(code: str, raw: dict[str, Any]) -> AnswerSettings:
    window = raw.get("replay_window_seconds", DEFAULT_WINDOW_SECONDS)
    if isinstance(window, bool) or not isinstance(window, int) or window < 0:
        raise InvalidInput(
            f"banks.{code}.replay_window_seconds must be a whole number of seconds ≥ 0",
            ANSWER_CHECK_INVALID,
            metadata={"setting": f"banks.{code}.replay_window_seconds"},
        )
    stamp = str(raw.get("answer_stamp", "if_present"))
    if stamp not in STAMP_POLICIES:
        raise InvalidInput(
            f"banks.{code}.answer_stamp must be one of {', '.join(STAMP_POLICIES)}",
            ANSWER_CHECK_INVALID,
            metadata={"setting": f"banks.{code}.answer_stamp"},
        )
    return AnswerSettings(window_seconds=window, stamp=stamp)


class AnswerCheck:
    """One per process (shared by the worker threads): a replay guard per window length."""

    def __init__(
        self,
        db: Database,
        settings_for: Callable[[str], AnswerSettings],
        *,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.db = db
        self._settings_for = settings_for
        self._clock = clock
        self._lock = threading.Lock()
        self._settings: dict[str, AnswerSettings] = {}
        self._guards: dict[int, ReplayGuard] = {}

    def _for(self, code: str) -> tuple[AnswerSettings, ReplayGuard | None]:
        with self._lock:
            if code not in self._settings:
                self._settings[code] = self._settings_for(code)
            s = self._settings[code]
            if s.window_seconds == 0:
                return s, None
            if s.window_seconds not in self._guards:
                kw = {"clock": self._clock} if self._clock is not None else {}
                self._guards[s.window_seconds] = ReplayGuard(self.db, s.window_seconds, **kw)
            return s, self._guards[s.window_seconds]

    def check(self, code: str, adapter: Adapter, response: WireResponse) -> Refusal | None:
        """None: the answer may be used (its nonce is now spent). Else why it must be treated as no answer.

        Runs in its own short transaction: call it outside any other (SQLite has one writer)."""
        settings, guard = self._for(code)
        if guard is None:
            return None
        read = getattr(adapter, "answer_stamp", None)
        stamp = read(response) if callable(read) else None
        if stamp is None:
            if settings.stamp == "required":
                return Refusal(REPLAY_MISSING, "", "")
            return None
        nonce, stamped = stamp
        shown = stamped.isoformat() if hasattr(stamped, "isoformat") else str(stamped)
        try:
            guard.check(nonce, stamped, scope=f"bank-answer:{code}")
        except SilinkError as exc:
            return Refusal(exc.reason if exc.reason else REPLAY_MALFORMED, str(nonce)[:128], shown[:40])
        return None


def signature_refusal(adapter: Adapter, response: WireResponse, ctx: AdapterContext | None) -> Refusal | None:
    """The bank's signature on an answer, for an adapter that can check one (``verify_response``) and a
    bank whose key is configured (``bank_verify_key``): ``None`` when it holds, else why not. Every answer
    must be signed except an unsigned 5xx, 408 or 429 (a front end's refusal that changes no line)."""
    verify = getattr(adapter, "verify_response", None)
    if not callable(verify) or ctx is None or ctx.bank_verifier is None:
        return None
    read = getattr(adapter, "answer_stamp", None)
    stamp = read(response) if callable(read) else None
    if stamp is None and (response.status >= 500 or response.status in _UNSIGNED_OK):
        return None
    if verify(response, ctx.bank_verifier):
        return None
    nonce, stamped = stamp if stamp is not None else ("", "")
    return Refusal(
        SIGNATURE_MISSING if stamp is None else SIGNATURE_INVALID, str(nonce)[:128], str(stamped)[:40]
    )


def record_refusal(
    conn: Connection,
    *,
    bank_code: str,
    submission_id: int | None,
    evidence_id: int | None,
    kind: str,
    refusal: Refusal,
) -> None:
    conn.execute(
        insert(refused_answers).values(
            bank_code=bank_code,
            submission_id=submission_id,
            evidence_id=evidence_id,
            kind=kind,
            reason=refusal.reason,
            nonce=refusal.nonce,
            stamped_at=refusal.stamped_at,
            at=now_iso(),
        )
    )
