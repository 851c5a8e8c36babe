"""One interceptor that wraps every handler: identity, permission, request id, log line, errors.

It wraps the handler rather than acting in ``intercept_service`` because only the handler sees the
call's TLS auth context (STYLE.md: interceptors wrap the handler). Order inside the wrapper:

1. principal from the client certificate's common name (no certificate → UNAUTHENTICATED);
2. permission from the configured roles, before the servicer runs, so permission is always decided
   before existence;
3. request id from ``x-request-id`` metadata or a new one, echoed in trailing metadata;
4. the servicer;
5. a SilinkError becomes google.rpc.Status with ErrorInfo; anything else is logged (redacted) and
   answered as a generic INTERNAL with no exception text;
6. one canonical log line and the metrics for the call.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import structlog

from gateway.config import IdentitySettings
from gateway.errors import Internal, PermissionDenied, SilinkError, Unauthenticated
from gateway.server import metrics
from gateway.server.principal import Principal, set_current
from gateway.server.status import DETAILS_KEY, to_status

log = structlog.get_logger("silink.rpc")

# Health and reflection are open to any caller that completed the TLS handshake: load balancers and
# `buf curl` need them, and they reveal nothing about payments.
_OPEN_PREFIXES = ("/grpc.health.v1.", "/grpc.reflection.")
PRINCIPAL_HEADER = "x-silink-principal"


class _Call:
    __slots__ = ("code", "method", "principal", "request_id", "started")

    def __init__(self, method: str) -> None:
        self.method = method
        self.started = time.perf_counter()
        self.principal = "-"
        self.request_id = ""
        self.code = grpc.StatusCode.OK


class GatewayInterceptor(grpc.aio.ServerInterceptor):
    def __init__(
        self, identity: IdentitySettings, *, plaintext: bool = False, revocation: Any = None
    ) -> None:
        self.identity = identity
        self.plaintext = plaintext
        # keys.revocation.RevocationList (or None): client certificates that must be refused.
        self.revocation = revocation

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None:
            return handler
        return _wrap(handler, details.method, self, open_=details.method.startswith(_OPEN_PREFIXES))

    # -- the steps -------------------------------------------------------------------------------

    def _principal_name(self, context: grpc.aio.ServicerContext) -> str | None:
        auth = context.auth_context() or {}
        cn = auth.get("x509_common_name")
        if cn:
            return cn[0].decode("utf-8", "replace")
        if self.plaintext:
            # Only reachable on loopback with the explicit plaintext flag (checked at start).
            for key, value in context.invocation_metadata() or ():
                if key == PRINCIPAL_HEADER:
                    return str(value)
        return None

    def begin(self, call: _Call, context: grpc.aio.ServicerContext, open_: bool) -> None:
        md = dict(context.invocation_metadata() or ())
        call.request_id = str(md.get("x-request-id") or uuid.uuid4().hex)[:64]
        if self.revocation is not None:
            pem = (context.auth_context() or {}).get("x509_pem_cert")
            if pem and self.revocation.is_revoked_pem(pem[0]):
                raise Unauthenticated("the client certificate is revoked", "CERTIFICATE_REVOKED")
        name = self._principal_name(context)
        if name is None:
            if open_:
                return
            raise Unauthenticated("a client certificate is required")
        call.principal = name
        roles = tuple(self.identity.roles_of(name))
        set_current(Principal(name=name, roles=roles))
        structlog.contextvars.bind_contextvars(request_id=call.request_id, principal=name, method=call.method)
        if not open_ and not self.identity.allowed(list(roles), call.method):
            raise PermissionDenied(
                "the caller's role does not allow this method",
                metadata={"method": call.method.rsplit("/", 1)[-1]},
            )

    async def fail(self, call: _Call, context: grpc.aio.ServicerContext, exc: BaseException) -> None:
        if isinstance(exc, SilinkError):
            err = exc
        else:
            log.error("rpc.unhandled", error_type=type(exc).__name__, error=str(exc)[:500])
            err = Internal()
        call.code = err.code
        status = to_status(err)
        await context.abort(
            err.code,
            err.message,
            trailing_metadata=((DETAILS_KEY, status.SerializeToString()), ("x-request-id", call.request_id)),
        )

    def finish(self, call: _Call, context: grpc.aio.ServicerContext) -> None:
        elapsed = time.perf_counter() - call.started
        if call.code is grpc.StatusCode.OK and context.cancelled():
            call.code = grpc.StatusCode.CANCELLED
        metrics.RPC_TOTAL.labels(call.method, call.code.name).inc()
        metrics.RPC_SECONDS.labels(call.method).observe(elapsed)
        log.info(
            "rpc",
            method=call.method,
            principal=call.principal,
            request_id=call.request_id,
            code=call.code.name,
            latency_ms=round(elapsed * 1000, 3),
        )
        structlog.contextvars.clear_contextvars()


def _wrap(handler: grpc.RpcMethodHandler, method: str, icp: GatewayInterceptor, open_: bool) -> Any:
    if handler.unary_unary or handler.stream_unary:
        inner = handler.unary_unary or handler.stream_unary

        async def unary_response(request_or_iterator: Any, context: grpc.aio.ServicerContext) -> Any:
            call = _Call(method)
            try:
                icp.begin(call, context, open_)
                return await inner(request_or_iterator, context)
            except grpc.aio.AbortError:
                raise
            except Exception as exc:
                await icp.fail(call, context, exc)
            finally:
                icp.finish(call, context)

        factory = (
            grpc.unary_unary_rpc_method_handler
            if handler.unary_unary
            else grpc.stream_unary_rpc_method_handler
        )
        return factory(
            unary_response,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )

    inner_stream = handler.unary_stream or handler.stream_stream

    async def stream_response(
        request_or_iterator: Any, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[Any]:
        call = _Call(method)
        try:
            icp.begin(call, context, open_)
            result = inner_stream(request_or_iterator, context)
            if hasattr(result, "__aiter__"):
                async for item in result:
                    yield item
            else:
                await result
        except grpc.aio.AbortError:
            raise
        except Exception as exc:
            await icp.fail(call, context, exc)
        finally:
            icp.finish(call, context)

    factory = (
        grpc.unary_stream_rpc_method_handler
        if handler.unary_stream
        else grpc.stream_stream_rpc_method_handler
    )
    return factory(
        stream_response,
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )
