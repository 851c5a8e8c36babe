"""Dispatcher workers inside a gateway process (`silink serve`, or `silink serve --role dispatcher`).

Each worker is a thread running :meth:`Dispatcher.run_forever`; blocking bank calls run there, never on
the gRPC event loop. Several processes may run workers against one PostgreSQL: the outbox leases keep
them from taking the same item.

Where a bank is reached comes from ``[banks.X]``: ``endpoint`` (+ ``ca_file``) for HTTPS banks, or
``simulator_dir`` for a local `silink banksim` (its run file names the port and the CA); folder banks
(fixed-width files) use ``outgoing_dir`` / ``incoming_dir`` (see :mod:`gateway.dispatch.folders`).
"""

from __future__ import annotations

import os
import random
import secrets
import signal
import socket
import threading
from pathlib import Path
from typing import Any

import structlog

from adapters import registry
from adapters.contract import AdapterContext
from gateway.clock import now_iso
from gateway.dispatch.answers import AnswerCheck, answer_settings
from gateway.dispatch.controls import BankControls, control_settings
from gateway.dispatch.folders import FolderTransport, folder_settings
from gateway.dispatch.routing import signing_key_name
from gateway.dispatch.transport import HttpsTransport, NotSent, Transport
from gateway.dispatch.worker import Dispatcher, Policy
from gateway.errors import InvalidInput
from gateway.services.base import AppContext

log = structlog.get_logger("silink.dispatch")


class _Unreachable:
    """A bank with no way to reach it (not configured, or reached by BankLink pull): never 'sent'."""

    def __init__(self, why: str) -> None:
        self.why = why

    def send(self, message: Any) -> Any:
        raise NotSent(self.why)


def folder_banks(ctx: AppContext) -> list[str]:
    """The configured banks that exchange files through folders (their adapter's transport)."""
    out = []
    for code, raw in sorted(ctx.cfg.banks.items()):
        name = str(raw.get("adapter", ""))
        if name in registry.names() and registry.get(name).capabilities.transport == "folder":
            out.append(code)
    return out


def transport_for(ctx: AppContext, code: str) -> Transport:
    raw = ctx.cfg.banks.get(code) or {}
    if code in folder_banks(ctx):
        try:
            settings = folder_settings(ctx.cfg.home, code, raw)
        except InvalidInput as exc:
            return _Unreachable(exc.message)
        return FolderTransport(settings.outgoing, settings.incoming)
    sim = raw.get("simulator_dir")
    if sim:
        import json

        folder = Path(sim) if Path(sim).is_absolute() else ctx.cfg.home / sim
        try:
            info = json.loads((folder / "run.json").read_text())
        except FileNotFoundError:
            return _Unreachable(f"bank simulator for {code} is not running")
        scheme = "https" if info.get("tls") else "http"
        ca = Path(info["ca_file"]) if info.get("ca_file") else None
        return HttpsTransport(
            f"{scheme}://127.0.0.1:{info['port']}", ca_file=ca, timeout=float(raw.get("timeout", 30))
        )
    endpoint = raw.get("endpoint")
    if not endpoint:
        return _Unreachable(f"bank {code} has no endpoint configured")
    ca_file = raw.get("ca_file")
    return HttpsTransport(
        str(endpoint),
        ca_file=(ctx.cfg.home / ca_file) if ca_file else None,
        timeout=float(raw.get("timeout", 30)),
    )


def context_for(ctx: AppContext, code: str) -> AdapterContext:
    # The adapters pick per-bank tables (failure texts, file profile) by the bank code.
    raw = {"bank_code": code, **(ctx.cfg.banks.get(code) or {})}
    signer = None
    if ctx.keystore is not None:
        signer, _version = ctx.keystore.signer(signing_key_name(code, raw))
    verifier = None
    bank_key = raw.get("bank_verify_key")
    if bank_key and ctx.keystore is not None:
        verifier = ctx.keystore.verifier(str(bank_key), ctx.keystore.current_version(str(bank_key)))
    elif raw.get("simulator_dir"):
        verifier = _simulator_answer_key(ctx, raw)
    cipher = None
    enc_key = raw.get("encryption_key")
    if enc_key and ctx.keystore is not None:
        cipher = ctx.keystore.cipher(str(enc_key))
    return AdapterContext(
        now_iso=now_iso(),
        nonce=secrets.token_hex(16),
        settings=raw,
        signer=signer,
        bank_verifier=verifier,
        cipher=cipher,
    )


_SIM_KEYS: dict[tuple[str, int], Any] = {}


def _simulator_answer_key(ctx: AppContext, raw: dict[str, Any]) -> Any:
    """A local simulator's answer-signing key, from its run file — as its CA is — so that the answers of
    a simulated ISO 20022 bank are checked without a key import. Only for adapters that check answer
    signatures themselves in the dispatcher (``verify_response``); a real bank's key is always imported
    and named by ``bank_verify_key``."""
    import json

    name = str(raw.get("adapter", ""))
    if name not in registry.names() or not callable(getattr(registry.get(name), "verify_response", None)):
        return None
    folder = Path(str(raw["simulator_dir"]))
    folder = folder if folder.is_absolute() else ctx.cfg.home / folder
    try:
        info = json.loads((folder / "run.json").read_text())
        key_file = Path(info["bank_public_key"])
        cache_key = (str(key_file), key_file.stat().st_mtime_ns)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # not running or not signing: the transport says so when it matters
    if cache_key not in _SIM_KEYS:
        from keys.algorithms import SignatureAlgorithm, get_backend

        algorithm = SignatureAlgorithm(info.get("bank_key_algorithm") or SignatureAlgorithm.RSA_PSS_SHA256)
        _SIM_KEYS[cache_key] = get_backend().load_verifier(algorithm, key_file.read_bytes())
    return _SIM_KEYS[cache_key]


def adapter_for(name: str):
    if name not in registry.names():
        raise InvalidInput(f"no adapter named {name!r}", "ADAPTER_UNKNOWN")
    return registry.get(name)


def policy_from(cfg: Any) -> Policy:
    """``[dispatch]`` settings of silink.toml; every one optional (see Policy for the defaults)."""
    raw = dict(cfg.raw.get("dispatch", {}))
    known = set(Policy.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise InvalidInput(f"unknown [dispatch] settings: {', '.join(sorted(unknown))}", "CONFIG_INVALID")
    return Policy(**{k: type(getattr(Policy(), k))(v) for k, v in raw.items()})


FAILPOINT_ENV = "SILINK_FAILPOINTS"


def failpoints_from_env() -> Any:
    """Crash testing only: ``SILINK_FAILPOINTS="after_send=0.3,before_send=0.1"`` kills this process with
    SIGKILL at a named point with that probability. Unset (always, in production): no effect."""
    spec = os.environ.get(FAILPOINT_ENV, "")
    if not spec:
        return None
    chances = {name: float(p) for name, p in (item.split("=") for item in spec.split(",") if item)}
    rng = random.Random()  # noqa: S311 - chaos, not security

    def failpoint(name: str) -> None:
        if rng.random() < chances.get(name, 0.0):
            log.warning("dispatch.failpoint", name=name)
            os.kill(os.getpid(), signal.SIGKILL)

    return failpoint


def make_dispatcher(
    ctx: AppContext,
    *,
    owner: str | None = None,
    policy: Policy | None = None,
    failpoint=None,
    sweep_in_loop: bool = True,
    controls: BankControls | None = None,
    answers: AnswerCheck | None = None,
) -> Dispatcher:
    return Dispatcher(
        ctx.db,
        ctx.protector,
        owner=owner or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}",
        adapter_for=adapter_for,
        transport_for=lambda code: transport_for(ctx, code),
        context_for=lambda code: context_for(ctx, code),
        policy=policy or policy_from(ctx.cfg),
        failpoint=failpoint or failpoints_from_env(),
        folder_banks=lambda: folder_banks(ctx),
        folder_settings=lambda code: folder_settings(ctx.cfg.home, code, ctx.cfg.banks.get(code) or {}),
        sweep_in_loop=sweep_in_loop,
        controls=controls or bank_controls(ctx),
        answers=answers or answer_check(ctx),
    )


def bank_controls(ctx: AppContext) -> BankControls:
    """Breakers and rate buckets for this process, from each bank's ``[banks.X]`` settings."""
    return BankControls(lambda code: control_settings(code, ctx.cfg.banks.get(code) or {}))


def answer_check(ctx: AppContext) -> AnswerCheck:
    """The replay check of bank answers, from each bank's ``[banks.X]`` settings."""
    return AnswerCheck(ctx.db, lambda code: answer_settings(code, ctx.cfg.banks.get(code) or {}))


class DispatchWorkers:
    def __init__(self, ctx: AppContext, count: int = 2) -> None:
        self.ctx = ctx
        self.count = count
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        # One breaker and one rate bucket per bank for the whole process, shared by its workers.
        self.controls = bank_controls(ctx)
        self.answers = answer_check(ctx)

    def start(self) -> None:
        from gateway.dispatch import metrics

        metrics.watch(self.ctx.db)  # the overdue gauges on this process's Prometheus exporter
        pickup = self.count > 0 and bool(folder_banks(self.ctx))
        for n in range(self.count):
            d = make_dispatcher(
                self.ctx,
                owner=f"{socket.gethostname()}:{os.getpid()}:w{n}",
                sweep_in_loop=not pickup,
                controls=self.controls,
                answers=self.answers,
            )
            t = threading.Thread(
                target=d.run_forever, args=(self.stop_event,), name=f"dispatch-{n}", daemon=True
            )
            t.start()
            self.threads.append(t)
        if pickup:
            # Folder banks' receipts and results are picked up on their own thread, every poll interval.
            d = make_dispatcher(self.ctx, owner=f"{socket.gethostname()}:{os.getpid()}:pickup")
            t = threading.Thread(
                target=d.pickup_forever, args=(self.stop_event,), name="dispatch-pickup", daemon=True
            )
            t.start()
            self.threads.append(t)
        log.info("dispatch.started", workers=self.count)

    def stop(self, timeout: float = 30.0) -> None:
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout)
        log.info("dispatch.stopped")
