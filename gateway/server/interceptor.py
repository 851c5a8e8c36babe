"""One interceptor that wraps every handler: identity, permission, request id, log line, errors.

It wraps the handler rather than acting in ``intercept_service`` because only the handler sees the
call's TLS auth context (STYLE.md: interceptors wrap the handler). Order inside the wrapper:

1. the client certificate is checked against the revocation list, on every call;
2. principal from the client certificate's common name (no certificate → UNAUTHENTICATED);
3. permission from the configured roles, before the servicer runs, so permission is always decided
   before existence;
4. request id from ``x-request-id`` metadata or a new one, echoed in trailing metadata;
5. the servicer;
6. a SilinkError becomes google.rpc.Status with ErrorInfo; anything else is logged (redacted) and
   answered as a generic INTERNAL with no exception text;
7. one canonical log line and the metrics for the call.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import structlog
from cryptography import x509

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
# Distinct client certificates a process remembers; past this the memo starts again (a server sees
# a few hundred channel and officer certificates, so this is only a bound against a flood of new ones).
_MAX_IDENTITIES = 4096


class _Identity:
    """What one client certificate means to this server; ``allowed`` fills in per method."""

    __slots__ = ("allowed", "principal", "serial")

    def __init__(self, principal: Principal, serial: int | None) -> None:
        self.principal = principal
        self.serial = serial
        self.allowed: dict[str, bool] = {}


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
        self._identities: dict[bytes, _Identity] = {}
        self._wrapped: dict[str, tuple[grpc.RpcMethodHandler, Any]] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None:
            return handler
        # The wrapper holds no per-call state: built once per method (and again if its handler changes).
        known = self._wrapped.get(details.method)
        if known is not None and known[0] is handler:
            return known[1]
        wrapped = _wrap(handler, details.method, self, open_=details.method.startswith(_OPEN_PREFIXES))
        self._wrapped[details.method] = (handler, wrapped)
        return wrapped

    # -- the steps -------------------------------------------------------------------------------

    def _plaintext_name(self, context: grpc.aio.ServicerContext) -> str | None:
        if self.plaintext:
            # Only reachable on loopback with the explicit plaintext flag (checked at start).
            for key, value in context.invocation_metadata() or ():
                if key == PRINCIPAL_HEADER:
                    return str(value)
        return None

    def _identity_of(self, auth: dict) -> _Identity | None:
        """The certificate's identity, from the memo or worked out now; None without a named cert."""
        pem = auth.get("x509_pem_cert")
        if not pem:
            return None
        fingerprint = hashlib.sha256(pem[0]).digest()
        found = self._identities.get(fingerprint)
        if found is not None:
            return found
        cn = auth.get("x509_common_name")
        if not cn:
            return None
        name = cn[0].decode("utf-8", "replace")
        found = _Identity(Principal(name=name, roles=tuple(self.identity.roles_of(name))), _serial(pem[0]))
        if len(self._identities) >= _MAX_IDENTITIES:
            self._identities.clear()
        self._identities[fingerprint] = found
        return found

    def _allowed(self, ident: _Identity, method: str) -> bool:
        ok = ident.allowed.get(method)
        if ok is None:
            ok = ident.allowed[method] = self.identity.allowed(list(ident.principal.roles), method)
        return ok

    def begin(self, call: _Call, context: grpc.aio.ServicerContext, open_: bool) -> None:
        md = dict(context.invocation_metadata() or ())
        call.request_id = str(md.get("x-request-id") or uuid.uuid4().hex)[:64]
        auth = context.auth_context() or {}
        ident = self._identity_of(auth)
        # Every call, cached identity or not: a revocation applies from the list's next look at its file.
        revoked = self.revocation is not None and ident is not None and ident.serial is not None
        if revoked and self.revocation.is_revoked(ident.serial):
            raise Unauthenticated("the client certificate is revoked", "CERTIFICATE_REVOKED")
        if ident is None:
            name = self._plaintext_name(context)
            if name is None:
                if open_:
                    return
                raise Unauthenticated("a client certificate is required")
            ident = _Identity(Principal(name=name, roles=tuple(self.identity.roles_of(name))), None)
        principal = ident.principal
        call.principal = principal.name
        set_current(principal)
        structlog.contextvars.bind_contextvars(
            request_id=call.request_id, principal=principal.name, method=call.method
        )
        if not open_ and not self._allowed(ident, call.method):
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


def _serial(pem: bytes) -> int | None:
    try:
        return x509.load_pem_x509_certificate(pem).serial_number
    except ValueError:
        return None


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
