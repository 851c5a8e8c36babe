"""Fault injection: what the simulated bank does wrong, on command.

A fault has a kind, a rate (the share of matching requests it hits), an optional count (it disarms after
hitting that many) and the endpoints it applies to (``submit``, ``status``, ``notifications``, ``card``;
none = all). A folder bank (no HTTP) reads them as: ``submit`` the receipt (回执) of a dropped file,
``status`` its result file (回盘), ``notifications`` its returns file (退票).
Whether the n-th matching request is hit is a keyed hash of (kind, n), not a clock or a shared random
generator, so a scenario replays identically.

Kinds (``silink banksim fault --dir DATA KIND``):

==================  ===============================================================================
latency             wait ``ms`` before answering (the client may time out: outcome unknown)
refuse              close the connection before the TLS handshake: nothing was taken (retry is safe)
http-5xx            answer ``status`` (default 503) without processing: nothing was taken
drop-response       process the request fully (money moves), then close without answering
malformed           process, then answer garbage: ``variant`` truncated | garbage | empty | unknown-status
                    | wrong-reference | wrong-namespace (default: cycle through them); forged, named
                    only: bad-signature, tampered-body (ISO 20022), bad-signature, wrong-key (direct-link)
duplicate-results   status answers list every line twice
reorder-results     status answers list lines in reverse order; variant ``stale`` answers the interim
                    (pre-settlement) report instead of the final one
late-returns        when results are asked for, return ``rate`` of the settled credits (camt.054)
==================  ===============================================================================
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from adapters.simulator.accounts import keyed_fraction


class FaultKind(StrEnum):
    LATENCY = "latency"
    REFUSE = "refuse"
    HTTP_5XX = "http-5xx"
    DROP_RESPONSE = "drop-response"
    MALFORMED = "malformed"
    DUPLICATE_RESULTS = "duplicate-results"
    REORDER_RESULTS = "reorder-results"
    LATE_RETURNS = "late-returns"


ENDPOINTS = ("submit", "status", "notifications", "card")
MAX_LATENCY_MS = 120_000


@dataclass
class Fault:
    kind: FaultKind
    rate: float = 1.0
    count: int | None = None  # hits left; None = unlimited
    ms: int = 0
    status: int = 503
    variant: str | None = None
    endpoints: tuple[str, ...] = ()
    seen: int = 0  # matching requests so far
    hits: int = 0
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.kind = FaultKind(self.kind)
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1")
        if not 0 <= self.ms <= MAX_LATENCY_MS:
            raise ValueError(f"ms must be between 0 and {MAX_LATENCY_MS}")
        if not 500 <= self.status <= 599:
            raise ValueError("status must be a 5xx HTTP status")
        bad = [e for e in self.endpoints if e not in ENDPOINTS]
        if bad:
            raise ValueError(f"unknown endpoint(s) {bad}; known: {', '.join(ENDPOINTS)}")
        self.endpoints = tuple(self.endpoints)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["kind"] = self.kind.value
        d["endpoints"] = list(self.endpoints)
        return d


class FaultBox:
    """The armed faults, one per kind; thread-safe."""

    def __init__(self, seed: int = 1) -> None:
        self.seed = seed
        self._faults: dict[FaultKind, Fault] = {}
        self._lock = threading.Lock()

    def arm(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults[fault.kind] = fault
            return fault

    def clear(self, kind: FaultKind | str | None = None) -> None:
        with self._lock:
            if kind is None:
                self._faults.clear()
            else:
                self._faults.pop(FaultKind(kind), None)

    def active(self) -> list[dict]:
        with self._lock:
            return [f.as_dict() for f in self._faults.values()]

    def fires(self, kind: FaultKind, endpoint: str | None) -> Fault | None:
        """The fault of ``kind`` when it hits this request (counting it), else None."""
        with self._lock:
            fault = self._faults.get(kind)
            if fault is None or (
                endpoint is not None and fault.endpoints and endpoint not in fault.endpoints
            ):
                return None
            fault.seen += 1
            if fault.rate < 1.0 and keyed_fraction(self.seed, kind.value, str(fault.seen)) >= fault.rate:
                return None
            fault.hits += 1
            if fault.count is not None:
                fault.count -= 1
                if fault.count == 0:
                    del self._faults[kind]
            return fault

    def armed(self, kind: FaultKind, endpoint: str | None = None) -> Fault | None:
        """The armed fault of ``kind`` for ``endpoint`` without counting a request (for faults whose rate
        applies per line, not per request: late returns)."""
        with self._lock:
            fault = self._faults.get(kind)
            if fault is None or (
                endpoint is not None and fault.endpoints and endpoint not in fault.endpoints
            ):
                return None
            return fault
