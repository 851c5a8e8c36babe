"""What every servicer shares: the application context, and UNIMPLEMENTED for methods not built yet.

A method whose capability has not landed answers UNIMPLEMENTED with an ErrorInfo whose reason is
``NOT_YET_AVAILABLE`` and whose metadata names the capability, instead of grpc's bare default.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from gateway.config import Config
from gateway.errors import InvalidInput, Unimplemented
from gateway.storage import Database
from keys.datakey import DataProtector

T = TypeVar("T")


@dataclass
class AppContext:
    cfg: Config
    db: Database
    protector: DataProtector
    keystore: Any = None  # keys.store.KeyStore
    extras: dict[str, Any] = field(default_factory=dict)


async def in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking storage work off the event loop so slow banks never stall other callers."""
    return await asyncio.to_thread(fn, *args, **kwargs)


def fill_unimplemented(servicer_cls: type, service_descriptor: Any, capability: str) -> type:
    """Give ``servicer_cls`` an UNIMPLEMENTED-with-ErrorInfo body for every RPC it does not define."""
    for method in service_descriptor.methods:
        if method.name in servicer_cls.__dict__:
            continue
        full = f"/{service_descriptor.full_name}/{method.name}"

        def make(full_name: str, server_streaming: bool) -> Callable[..., Any]:
            def err() -> Unimplemented:
                return Unimplemented(
                    f"{full_name.rsplit('/', 1)[-1]} is not available yet",
                    metadata={"method": full_name, "capability": capability},
                )

            if server_streaming:

                async def stream_stub(self: Any, request: Any, context: Any) -> Any:
                    raise err()
                    yield  # pragma: no cover - makes this an async generator

                return stream_stub

            async def unary_stub(self: Any, request: Any, context: Any) -> Any:
                raise err()

            return unary_stub

        setattr(servicer_cls, method.name, make(full, method.server_streaming))
    assert all(
        inspect.iscoroutinefunction(getattr(servicer_cls, m.name))
        or inspect.isasyncgenfunction(getattr(servicer_cls, m.name))
        for m in service_descriptor.methods
    ), "servicer methods must be async"
    return servicer_cls


async def idempotent(
    ctx: AppContext, method: str, request: Any, effect: Callable[[Any, str], bytes]
) -> bytes:
    """Run a mutating call's ``effect(conn, principal)`` at most once for its ``request_id`` (AIP-155).

    ``method`` is the full method name; the stored response is the serialized proto the effect returns.
    """
    from gateway.idempotency import run_once
    from gateway.server.principal import current
    from gateway.services.spool import payload

    if not request.request_id:
        raise InvalidInput("request_id is required", "FIELD_REQUIRED", metadata={"field": "request_id"})
    principal = current().name
    body, _replayed = await in_thread(
        run_once,
        ctx.db,
        principal=principal,
        method=method,
        request_id=request.request_id,
        payload=payload(request),
        effect=lambda conn: effect(conn, principal),
    )
    return body
