"""Client side helpers for the CLI, the demo and the tests: a channel as a named principal."""

from __future__ import annotations

import json
from pathlib import Path

import grpc
from grpc_status import rpc_status

from gateway.config import Config, load_config
from gateway.errors import InvalidInput
from gateway.instance import client_cert_paths
from gateway.server.status import error_info_of, field_violations_of


def server_target(cfg: Config) -> tuple[str, bool]:
    """host:port of the running server (from run/serve.json when present) and whether it uses TLS."""
    run = cfg.home / "run" / "serve.json"
    if run.exists():
        info = json.loads(run.read_text())
        return f"127.0.0.1:{info['port']}", bool(info.get("tls", True))
    return cfg.server.listen, not cfg.server.plaintext


def channel_as(
    home: Path,
    principal: str | None,
    *,
    target: str | None = None,
    cert: Path | None = None,
    key: Path | None = None,
) -> grpc.Channel:
    """A channel that authenticates as ``principal`` with its certificate from the instance's pki."""
    cfg = load_config(home)
    default_target, tls = server_target(cfg)
    target = target or default_target
    if not tls:
        md = (("x-silink-principal", principal),) if principal else ()
        channel = grpc.insecure_channel(target)
        return grpc.intercept_channel(channel, _Metadata(md)) if md else channel
    if cert is None and principal:
        cert, key = client_cert_paths(home, principal)
    if cert is not None and not cert.exists():
        raise InvalidInput(f"no certificate for principal {principal!r} in {cert.parent}", "NO_CERTIFICATE")
    creds = grpc.ssl_channel_credentials(
        root_certificates=cfg.tls.ca.read_bytes(),
        private_key=key.read_bytes() if key else None,
        certificate_chain=cert.read_bytes() if cert else None,
    )
    return grpc.secure_channel(target, creds)


class _Metadata(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds fixed metadata (the principal, in plaintext development mode) to every call."""

    def __init__(self, md: tuple[tuple[str, str], ...]) -> None:
        self.md = md

    def _details(self, d: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        class _D(grpc.ClientCallDetails):
            pass

        out = _D()
        out.method, out.timeout, out.credentials = d.method, d.timeout, d.credentials
        out.wait_for_ready, out.compression = (
            getattr(d, "wait_for_ready", None),
            getattr(d, "compression", None),
        )
        out.metadata = list(d.metadata or ()) + list(self.md)
        return out

    def intercept_unary_unary(self, cont, d, req):
        return cont(self._details(d), req)

    def intercept_unary_stream(self, cont, d, req):
        return cont(self._details(d), req)

    def intercept_stream_unary(self, cont, d, it):
        return cont(self._details(d), it)

    def intercept_stream_stream(self, cont, d, it):
        return cont(self._details(d), it)


def describe_rpc_error(err: grpc.RpcError, max_violations: int = 20) -> str:
    """One line for people: code, ErrorInfo reason and the message (never contains personal data)."""
    status = rpc_status.from_call(err)  # type: ignore[arg-type]
    code = err.code().name if hasattr(err, "code") else "UNKNOWN"
    if status is not None:
        info = error_info_of(status)
        reason = f" {info.reason}" if info and info.reason != code else ""
        text = f"{code}{reason}: {status.message}"
        violations = field_violations_of(status)
        for v in violations[:max_violations]:
            text += f"\n  {v.field}: {v.description}"
        if len(violations) > max_violations:
            text += f"\n  … and {len(violations) - max_violations} more"
        return text
    return f"{code}: {err.details() if hasattr(err, 'details') else err}"
