"""Build and run the grpc.aio server.

Start-up order: config → database (migrated) → data key → servicers → health SERVING → listen.
Shutdown on SIGTERM/SIGINT: health NOT_SERVING first (load balancers stop sending), then the server
stops accepting and gives in-flight calls ``shutdown_grace_seconds`` to finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import ipaddress
import json
import os
import signal
from pathlib import Path
from typing import Any

import grpc
import structlog
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection, reflection_pb2_grpc

from gateway.config import Config
from gateway.errors import InvalidInput
from gateway.server.interceptor import GatewayInterceptor
from gateway.server.metrics import start_metrics
from gateway.services.base import AppContext
from gateway.services.registry import SERVICES
from gateway.storage import Database, migrate
from keys.datakey import DataProtector, load_master_key
from keys.revocation import REVOKED_FILE, RevocationList
from keys.store import KeyStore

log = structlog.get_logger("silink.server")


def _is_loopback(listen: str) -> bool:
    host = listen.rpartition(":")[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_context(cfg: Config) -> AppContext:
    db = Database(cfg.database_url)
    migrate(db)
    store = KeyStore(cfg.home, load_master_key(cfg.master_key_path), audit_db=db, principal="system:gateway")
    return AppContext(cfg=cfg, db=db, protector=DataProtector.from_store(store), keystore=store)


class GatewayServer:
    def __init__(self, cfg: Config, *, listen: str | None = None, plaintext: bool | None = None) -> None:
        self.cfg = cfg
        self.listen = listen or cfg.server.listen
        self.plaintext = cfg.server.plaintext if plaintext is None else plaintext
        if self.plaintext and not _is_loopback(self.listen):
            raise InvalidInput(
                "plaintext is allowed only on a loopback address",
                "PLAINTEXT_NOT_LOOPBACK",
                metadata={"listen": self.listen},
            )
        self.ctx: AppContext | None = None
        self.server: grpc.aio.Server | None = None
        self.health = HealthServicer()
        self.port: int | None = None
        self._stop = asyncio.Event()

    async def start(self) -> int:
        self.ctx = await asyncio.to_thread(build_context, self.cfg)
        self.server = grpc.aio.server(
            interceptors=[
                GatewayInterceptor(
                    self.cfg.identity,
                    plaintext=self.plaintext,
                    revocation=RevocationList(self.cfg.tls.ca.parent / REVOKED_FILE),
                )
            ],
            options=[("grpc.so_reuseport", 0), ("grpc.max_receive_message_length", 16 * 1024 * 1024)],
        )
        names = [health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME]
        target = _GenericOnly(self.server)
        for spec in SERVICES:
            spec.add(spec.servicer(self.ctx), target)
            names.append(spec.full_name)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, target)
        # enable_server_reflection picks its servicer by the server's type: the asyncio one, named here.
        reflection_pb2_grpc.add_ServerReflectionServicer_to_server(
            reflection.aio.ReflectionServicer(names), target
        )

        if self.plaintext:
            log.warning("server.plaintext", listen=self.listen, note="no TLS: development on loopback only")
            self.port = self.server.add_insecure_port(self.listen)
        else:
            creds = grpc.ssl_server_credentials(
                [(self.cfg.tls.server_key.read_bytes(), self.cfg.tls.server_cert.read_bytes())],
                root_certificates=self.cfg.tls.ca.read_bytes(),
                require_client_auth=True,
            )
            self.port = self.server.add_secure_port(self.listen, creds)
        if not self.port:
            raise InvalidInput(f"cannot listen on {self.listen}", "LISTEN_FAILED")
        await self.server.start()
        for name in ["", *names[2:]]:
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("server.started", port=self.port, tls=not self.plaintext, db=self.ctx.db.engine.dialect.name)
        return self.port

    def request_stop(self) -> None:
        self._stop.set()

    async def wait_and_stop(self) -> None:
        await self._stop.wait()
        await self.stop()

    async def stop(self) -> None:
        assert self.server is not None
        log.info("server.stopping", grace_s=self.cfg.server.shutdown_grace_seconds)
        await self.health.enter_graceful_shutdown()
        await self.server.stop(self.cfg.server.shutdown_grace_seconds)
        if self.ctx is not None:
            self.ctx.db.dispose()
        log.info("server.stopped")


class _GenericOnly:
    """The server as the generated ``add_*_to_server`` functions see it: generic handlers only.

    grpc.aio keeps one pending "next call" task per *registered* method and, for every call it accepts,
    runs ``asyncio.wait`` over all of them (about 60 here): tens of microseconds of event-loop work per
    call that grow with the API. Served through the generic handlers alone there is one such task; the
    handlers, their (de)serializers and the interceptor are the same.
    """

    def __init__(self, server: grpc.aio.Server) -> None:
        self._server = server

    def add_generic_rpc_handlers(self, handlers: Any) -> None:
        self._server.add_generic_rpc_handlers(handlers)

    def add_registered_method_handlers(self, _service: str, _handlers: Any) -> None:
        """Left out on purpose; the same handlers arrive through add_generic_rpc_handlers."""


def write_run_file(home: Path, port: int, metrics_port: int | None, tls: bool) -> Path:
    """Record the bound ports so `silink` clients, the demo and tests find a server started on port 0."""
    run = home / "run"
    run.mkdir(exist_ok=True)
    path = run / "serve.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "port": port, "metrics_port": metrics_port, "tls": tls}))
    tmp.replace(path)
    return path


def _freeze_startup_heap() -> None:
    """Keep the garbage collector's full passes off the objects loaded at start.

    After start the process holds about 100 000 objects (modules, SQLAlchemy metadata, protobuf
    descriptors, the servicers) that live until it exits. Every full collection walks them all, which
    takes about 100 ms on the test machine, and under load the calls in flight wait that long: it is what
    set the p99. Frozen, they are skipped; a full pass then walks only what was created since.
    """
    gc.collect()
    gc.freeze()


async def run_server(
    cfg: Config,
    *,
    listen: str | None = None,
    plaintext: bool | None = None,
    metrics_listen: str | None = None,
    role: str = "all",
    workers: int = 2,
) -> None:
    """``role``: ``all`` (API and dispatcher workers), ``api`` (API only) or ``dispatcher`` (workers only,
    for extra processes sharing one PostgreSQL)."""
    from gateway.dispatch.service import DispatchWorkers

    loop = asyncio.get_running_loop()
    metrics_port = start_metrics(cfg.server.metrics_listen if metrics_listen is None else metrics_listen)
    if role == "dispatcher":
        ctx = await asyncio.to_thread(build_context, cfg)
        pool = DispatchWorkers(ctx, workers)
        pool.start()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await asyncio.to_thread(pool.stop)
        ctx.db.dispose()
        return
    srv = GatewayServer(cfg, listen=listen, plaintext=plaintext)
    port = await srv.start()
    pool = DispatchWorkers(srv.ctx, workers) if role == "all" and workers > 0 else None
    if pool is not None:
        pool.start()
    _freeze_startup_heap()
    run_file = write_run_file(cfg.home, port, metrics_port, not srv.plaintext)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, srv.request_stop)
    try:
        await srv._stop.wait()
        if pool is not None:
            # Workers finish the item in hand first: nothing is left half-recorded.
            await asyncio.to_thread(pool.stop)
        await srv.stop()
    finally:
        with contextlib.suppress(FileNotFoundError):
            run_file.unlink()
