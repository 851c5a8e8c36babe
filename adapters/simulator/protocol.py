"""The plug-in interface of the bank simulator: one :class:`ProtocolHandler` per bank protocol.

The framework (``server``) owns the socket, TLS, the data folder, the received-message store, request
signature checks, fault injection and the ledger; a handler only translates. Given a :class:`Request` on
one of its endpoints it reads the wire format, asks the :class:`~adapters.simulator.ledger.Ledger` what
happens (``receive``, ``batch``, ``late_returns``) and renders the answer in its wire format::

    @register_protocol
    class MyHandler:
        name = "direct_link_json"                      # = the adapter's Capabilities.protocol
        endpoints = {"/dl/payroll": "submit", "/dl/query": "status"}
        malformed_variants = ("truncated", "garbage")
        def handle(self, endpoint, request, sim) -> Response: ...
        def corrupt(self, response, variant, sim) -> Response: ...

Optional methods: ``verify_request(request, sim) -> Response | None`` (refuse a request before it is
handled: signatures, time stamps, nonces), ``sign_response(response, sim) -> Response``,
``run(sim, stop: threading.Event)`` (a background loop the framework runs in its own thread: a bank that
watches a folder instead of, or besides, answering requests), ``run_info(sim) -> dict`` (extra fields of
run.json), and the two conformance hooks the kit's render/parse round trip uses without the
network — ``read_batch(request, sim) -> IncomingBatch`` (the bank's reading of a submission) and
``render_result(view, stage, sim) -> Response`` (its answer: ``ack``, ``interim``, ``final`` or
``returns``).

Optional attributes: ``tamper_variants`` (more ``malformed`` variants that are *not* unreadable but
forged — a wrong signature or key — so the conformance kit's "malformed → INQUIRE" suite leaves them
out), ``bank_key_algorithm`` (the bank signs its answers with this algorithm; default RSA-PSS-SHA256)
and ``working_key`` (an SM4 key shared with the client, in ``DATA/keys/``). A handler with no
``endpoints`` has no bank port at all (a folder bank).

Endpoint names are the framework's vocabulary (``submit``, ``status``, ``notifications``, ``card``):
faults are aimed at them. Handlers live in :mod:`adapters.simulator.protocols` (one module each,
discovered on first use) and are looked up by the adapter's protocol name, so the conformance kit
pairs an adapter with its simulator without configuration.
"""

from __future__ import annotations

import importlib
import itertools
import pkgutil
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from adapters.simulator.faults import FaultBox
from adapters.simulator.ledger import Ledger


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    received_name: str = ""  # the file under received/ that holds the body


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/octet-stream"
    headers: Mapping[str, str] = field(default_factory=dict)
    reference: str = ""  # the batch the answer is about, for the log line


@dataclass
class SimContext:
    """What a handler may use: the books, the faults, the bank's identity, time, fresh message ids."""

    ledger: Ledger
    faults: FaultBox
    bank_code: str
    seed: int
    data_dir: Path
    xsd_dir: Path | None = None
    client_verifier: object | None = (
        None  # keys.algorithms.Verifier of the gateway, when requests are checked
    )
    bank_signer: object | None = None  # keys.algorithms.Signer of the bank, when answers are signed
    cipher: object | None = None  # keys.algorithms.Cipher: the working key shared with the client (SM4)
    options: Mapping[str, object] = field(default_factory=dict)  # the bank's protocol options (bank.json)
    clock: Callable[[], float] = time.time
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))  # next() is atomic

    def now(self) -> float:
        return self.clock()

    def fresh(self, timestamp: str, nonce: str, window_s: float = 300) -> str | None:
        """None when a signed request's time stamp is within ``window_s`` of now and its nonce is new;
        else the refusal code (``TIMESTAMP_OUT_OF_WINDOW``, ``NONCE_REUSED``). DOMAIN.md §10."""
        try:
            stamped = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
        except ValueError:
            return "TIMESTAMP_OUT_OF_WINDOW"
        if stamped.tzinfo is None or abs(stamped.timestamp() - self.now()) > window_s:
            return "TIMESTAMP_OUT_OF_WINDOW"
        if not nonce or not self.ledger.use_nonce(nonce, self.now()):
            return "NONCE_REUSED"
        return None

    def next_message_id(self, kind: str) -> str:
        """A fresh id for a message the bank sends: bank code, kind letter, milliseconds, a counter
        (``102P17165904000000007``): unique across restarts without any state."""
        n = next(self._counter) % 10000
        return f"{self.bank_code}{kind[:1].upper()}{int(self.now() * 1000):013d}{n:04d}"


@runtime_checkable
class ProtocolHandler(Protocol):
    name: str
    endpoints: Mapping[str, str]  # URL path → endpoint name (submit | status | notifications)
    malformed_variants: tuple[str, ...]

    def handle(self, endpoint: str, request: Request, sim: SimContext) -> Response:
        """Answer one request (any exception becomes a 500 without details)."""
        ...

    def corrupt(self, response: Response, variant: str, sim: SimContext) -> Response:
        """``response`` made malformed in the named way (the malformed fault)."""
        ...


_HANDLERS: dict[str, Callable[[], ProtocolHandler]] = {}


def register_protocol(factory: Callable[[], ProtocolHandler]):
    """Class decorator: make a handler available by its ``name``."""
    name = factory.name  # type: ignore[attr-defined]
    if name in _HANDLERS and _HANDLERS[name] is not factory:
        raise ValueError(f"simulator protocol {name!r} registered twice")
    _HANDLERS[name] = factory
    return factory


def _load() -> None:
    from adapters.simulator import protocols

    for info in pkgutil.iter_modules(protocols.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{protocols.__name__}.{info.name}")


def protocol_names() -> list[str]:
    _load()
    return sorted(_HANDLERS)


def get_protocol(name: str) -> ProtocolHandler:
    _load()
    try:
        return _HANDLERS[name]()
    except KeyError:
        from gateway.errors import InvalidInput

        known = ", ".join(sorted(_HANDLERS)) or "none"
        raise InvalidInput(
            f"the bank simulator has no protocol {name!r}; known: {known}", "BANKSIM_PROTOCOL_UNKNOWN"
        ) from None
