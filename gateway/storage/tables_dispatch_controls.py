"""Tables of the dispatch controls: what each bank's circuit breaker last did, and bank answers refused
as replays.

``bank_dispatch_state`` is the visible side of the per-process breakers (:mod:`gateway.dispatch.breaker`):
a worker writes its bank's row whenever its breaker changes state, so ``silink dispatch status`` (another
process) can show it. ``refused_answers`` keeps every signed bank answer that was refused by the replay
check (a nonce seen before, a time stamp outside the window) with the evidence it came in: such an answer
is never applied.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table

from gateway.storage.tables import metadata

_ID = BigInteger().with_variant(Integer, "sqlite")

bank_dispatch_state = Table(
    "bank_dispatch_state",
    metadata,
    Column("bank_code", String(3), primary_key=True),
    Column("breaker_state", String(10), nullable=False),  # CLOSED | OPEN | HALF_OPEN
    Column("consecutive_failures", Integer, nullable=False),
    Column("changed_at", String(32), nullable=False),
    Column("owner", String(80), nullable=False),  # the worker that saw the change
)

refused_answers = Table(
    "refused_answers",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("bank_code", String(3), nullable=False),
    Column("submission_id", BigInteger, nullable=True),
    Column("evidence_id", BigInteger, nullable=True),
    Column("kind", String(30), nullable=False),  # submit_response | status_response
    Column("reason", String(40), nullable=False),  # REPLAY_NONCE | REPLAY_WINDOW | REPLAY_MALFORMED
    Column("nonce", String(128), nullable=False),
    Column("stamped_at", String(40), nullable=False),  # the answer's own time stamp, as sent
    Column("at", String(32), nullable=False),
    Index("ix_refused_answers_submission", "submission_id"),
)
