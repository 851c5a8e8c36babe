"""The gateway as a real process on loopback: mTLS, roles, errors, logs, health, reflection, shutdown."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status
from silink.admin.v1 import admin_pb2, admin_pb2_grpc
from silink.disbursement.v1 import disbursement_pb2, disbursement_pb2_grpc

from gateway.client import channel_as
from gateway.config import load_config
from gateway.server.status import error_info_of
from keys.devca import DevCA

BUF = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "buf"


def _error_info(err: grpc.RpcError):
    status = rpc_status.from_call(err)
    assert status is not None, "the error carries no google.rpc.Status"
    return status, error_info_of(status)


def test_whoami_names_the_certificate_principal_and_roles(server):
    """An officer's certificate makes the caller officer:wang with the officer role."""
    with channel_as(server.home, "officer:wang", target=server.target) as ch:
        me = admin_pb2_grpc.AdminServiceStub(ch).WhoAmI(admin_pb2.WhoAmIRequest(), timeout=10)
    assert me.principal == "officer:wang"
    assert list(me.roles) == ["officer"]
    assert me.certificate_serial


def test_bank_principal_gets_bank_role_and_code(server):
    """A bank certificate maps to the bank role by prefix and carries its bank code."""
    with channel_as(server.home, "bank:102", target=server.target) as ch:
        me = admin_pb2_grpc.AdminServiceStub(ch).WhoAmI(admin_pb2.WhoAmIRequest(), timeout=10)
    assert (me.principal, list(me.roles), me.bank_code) == ("bank:102", ["bank"], "102")


def test_no_client_certificate_is_refused(server):
    """Without a client certificate the TLS handshake fails and no RPC is served."""
    cfg = load_config(server.home)
    ch = grpc.secure_channel(server.target, grpc.ssl_channel_credentials(cfg.tls.ca.read_bytes()))
    with pytest.raises(grpc.RpcError) as exc:
        health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert exc.value.code() == grpc.StatusCode.UNAVAILABLE
    ch.close()


def test_certificate_from_another_ca_is_refused(server, tmp_path):
    """A certificate with the right name but from a foreign CA is refused."""
    rogue = DevCA(tmp_path / "rogue")
    rogue.create()
    issued = rogue.issue("admin:zhou", tmp_path / "rogue")
    with (
        channel_as(server.home, None, target=server.target, cert=issued.cert_path, key=issued.key_path) as ch,
        pytest.raises(grpc.RpcError) as exc,
    ):
        admin_pb2_grpc.AdminServiceStub(ch).WhoAmI(admin_pb2.WhoAmIRequest(), timeout=5)
    assert exc.value.code() == grpc.StatusCode.UNAVAILABLE


def test_permission_is_denied_with_error_info(server):
    """The officer calling VerifyAudit gets PERMISSION_DENIED with an ErrorInfo in domain silink."""
    with (
        channel_as(server.home, "officer:wang", target=server.target) as ch,
        pytest.raises(grpc.RpcError) as exc,
    ):
        admin_pb2_grpc.AdminServiceStub(ch).VerifyAudit(admin_pb2.VerifyAuditRequest(), timeout=10)
    assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED
    _status, info = _error_info(exc.value)
    assert (info.reason, info.domain) == ("PERMISSION_DENIED", "silink")


def test_permission_is_checked_before_existence(server):
    """A bank asking for a batch gets PERMISSION_DENIED, never a hint whether the batch exists."""
    with channel_as(server.home, "bank:102", target=server.target) as ch:
        stub = disbursement_pb2_grpc.DisbursementServiceStub(ch)
        with pytest.raises(grpc.RpcError) as exc:
            stub.GetBatch(disbursement_pb2.GetBatchRequest(batch_id="B00000001"), timeout=10)
    assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED


def _still_unbuilt() -> tuple[str, str, bool] | None:
    """The first registered method whose servicer has no body yet, a demo principal allowed to call it,
    and whether it streams its answer; None once every method is built."""
    from gateway.config import DEFAULT_PERMISSIONS, IdentitySettings
    from gateway.instance import DEMO_PRINCIPALS
    from gateway.services.registry import SERVICES

    ident = IdentitySettings(permissions=dict(DEFAULT_PERMISSIONS))
    for spec in SERVICES:
        for name, fn in sorted(vars(spec.servicer).items()):
            if not getattr(fn, "__qualname__", "").startswith("fill_unimplemented."):
                continue
            full = f"/{spec.full_name}/{name}"
            who = next((p for p, roles in DEMO_PRINCIPALS.items() if ident.allowed(roles, full)), None)
            if who is not None:
                return full, who, fn.__name__ == "stream_stub"
    return None


def test_unbuilt_methods_answer_unimplemented_with_error_info(server):
    """A method of a capability still to come answers UNIMPLEMENTED, ErrorInfo NOT_YET_AVAILABLE."""
    unbuilt = _still_unbuilt()
    if unbuilt is None:
        pytest.skip("every registered method is built")
    method, who, server_streaming = unbuilt
    with channel_as(server.home, who, target=server.target) as ch, pytest.raises(grpc.RpcError) as exc:
        # Raw bytes: an empty message is a valid request of every type, and one message on the wire
        # serves a client-streaming method as well as a unary one.
        if server_streaming:
            list(ch.unary_stream(method)(b"", timeout=10))
        else:
            ch.unary_unary(method)(b"", timeout=10)
    assert exc.value.code() == grpc.StatusCode.UNIMPLEMENTED
    _status, info = _error_info(exc.value)
    assert info.reason == "NOT_YET_AVAILABLE"
    assert info.metadata["method"] == method


def test_one_canonical_log_line_per_call(server):
    """Each RPC writes one JSON line with request id, principal, method, code and latency."""
    with channel_as(server.home, "auditor:sun", target=server.target) as ch:
        stub = admin_pb2_grpc.AdminServiceStub(ch)
        stub.WhoAmI(admin_pb2.WhoAmIRequest(), metadata=(("x-request-id", "req-canonical-1"),), timeout=10)
    lines = [json.loads(x) for x in server.log_text().splitlines() if x.startswith("{")]
    calls = [x for x in lines if x.get("event") == "rpc" and x.get("request_id") == "req-canonical-1"]
    assert len(calls) == 1
    call = calls[0]
    assert call["principal"] == "auditor:sun"
    assert call["method"] == "/silink.admin.v1.AdminService/WhoAmI"
    assert call["code"] == "OK"
    assert isinstance(call["latency_ms"], float)


def test_health_goes_not_serving_before_shutdown(instance):
    """On SIGTERM a health Watch sees NOT_SERVING, and the process then exits 0."""
    from tests.conftest import ServerProcess

    srv = ServerProcess(instance)
    seen: list[int] = []
    ready = threading.Event()

    def watch() -> None:
        with channel_as(instance, "auditor:sun", target=srv.target) as ch:
            try:
                for update in health_pb2_grpc.HealthStub(ch).Watch(
                    health_pb2.HealthCheckRequest(), timeout=30
                ):
                    seen.append(update.status)
                    ready.set()
            except grpc.RpcError:
                pass

    t = threading.Thread(target=watch)
    t.start()
    assert ready.wait(15)
    code = srv.stop(signal.SIGTERM)
    t.join(30)
    assert code == 0
    serving, not_serving = health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING
    assert seen[0] == serving and not_serving in seen
    log = srv.log_text()
    assert log.index("server.stopping") < log.index("server.stopped")


def test_plaintext_is_refused_off_loopback(instance):
    """Plaintext on a non-loopback address is refused before the server starts."""
    from gateway.errors import InvalidInput
    from gateway.server.app import GatewayServer

    with pytest.raises(InvalidInput) as exc:
        GatewayServer(load_config(instance), listen="0.0.0.0:0", plaintext=True)
    assert exc.value.reason == "PLAINTEXT_NOT_LOOPBACK"


def test_plaintext_on_loopback_warns_and_serves(instance):
    """With the explicit flag on loopback the server runs without TLS and says so in its log."""
    from tests.conftest import ServerProcess

    srv = ServerProcess(instance, "--plaintext-loopback")
    try:
        with channel_as(instance, "officer:wang", target=srv.target) as ch:
            me = admin_pb2_grpc.AdminServiceStub(ch).WhoAmI(admin_pb2.WhoAmIRequest(), timeout=10)
        assert me.principal == "officer:wang"
    finally:
        srv.stop()
    assert '"server.plaintext"' in srv.log_text()


@pytest.mark.skipif(not BUF.exists(), reason="buf (PyPI buf-bin) is not installed in .venv")
def test_buf_curl_lists_services_reports_serving_and_needs_a_certificate(server):
    """buf curl with the dev certificates lists the services and sees SERVING; without one it fails."""
    home = server.home
    url = f"https://{server.target}"
    tls = ["--cacert", str(home / "pki/ca.pem")]
    cert = [
        "--cert",
        str(home / "pki/clients/officer_wang.pem"),
        "--key",
        str(home / "pki/clients/officer_wang.key"),
    ]
    base = [str(BUF), "curl", "--protocol", "grpc"]
    listed = subprocess.run(
        [*base, *tls, *cert, "--list-services", url], capture_output=True, text=True, timeout=60
    )
    assert listed.returncode == 0, listed.stderr
    services = set(listed.stdout.split())
    assert {
        "grpc.health.v1.Health",
        "silink.disbursement.v1.DisbursementService",
        "silink.admin.v1.AdminService",
        "silink.reconciliation.v1.ReconciliationService",
        "silink.card.v1.CardService",
        "silink.banklink.v1.BankLinkService",
    } <= services
    health = subprocess.run(
        [*base, *tls, *cert, f"{url}/grpc.health.v1.Health/Check"], capture_output=True, text=True, timeout=60
    )
    assert health.returncode == 0, health.stderr
    assert json.loads(health.stdout)["status"] == "SERVING"
    refused = subprocess.run(
        [*base, *tls, f"{url}/grpc.health.v1.Health/Check"], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode != 0
    assert "SERVING" not in refused.stdout


def test_metrics_are_served_on_their_own_port(server):
    """The Prometheus endpoint on the metrics port counts RPCs by method and code."""
    import urllib.request

    with channel_as(server.home, "auditor:sun", target=server.target) as ch:
        admin_pb2_grpc.AdminServiceStub(ch).WhoAmI(admin_pb2.WhoAmIRequest(), timeout=10)
    port = server.info["metrics_port"]
    assert port and port != server.port
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    assert 'silink_rpc_total{code="OK",method="/silink.admin.v1.AdminService/WhoAmI"}' in body
