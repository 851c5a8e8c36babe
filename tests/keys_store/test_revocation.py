"""Certificate revocation: the list in the instance, the cheap reload, and a real server refusing."""

from __future__ import annotations

import time
from pathlib import Path

import grpc
import pytest
from grpc_status import rpc_status
from silink.admin.v1 import admin_pb2, admin_pb2_grpc

from gateway.client import channel_as
from gateway.server.status import error_info_of
from keys.devca import DevCA
from keys.revocation import RevocationList


def whoami(home: Path, target: str, principal: str) -> admin_pb2.WhoAmIResponse:
    with channel_as(home, principal, target=target) as ch:
        return admin_pb2_grpc.AdminServiceStub(ch).WhoAmI(admin_pb2.WhoAmIRequest(), timeout=10)


def refused_reason(home: Path, target: str, principal: str) -> tuple[grpc.StatusCode, str] | None:
    try:
        whoami(home, target, principal)
    except grpc.RpcError as err:
        status = rpc_status.from_call(err)
        info = error_info_of(status) if status else None
        return err.code(), info.reason if info else ""
    return None


def wait_refused(home: Path, target: str, principal: str, seconds: float = 10) -> tuple[grpc.StatusCode, str]:
    deadline = time.time() + seconds
    while time.time() < deadline:
        got = refused_reason(home, target, principal)
        if got is not None:
            return got
        time.sleep(0.2)
    raise AssertionError("the revoked certificate was still accepted")


def test_the_server_refuses_a_revoked_client_certificate(server, silink) -> None:
    """After `silink keys revoke-cert`, the running server answers UNAUTHENTICATED / CERTIFICATE_REVOKED
    to that certificate within seconds, other principals keep working, and a newly issued certificate for
    the same principal is accepted until it is revoked by serial."""
    assert whoami(server.home, server.target, "officer:wang").principal == "officer:wang"
    r = silink(
        "keys", "revoke-cert", "officer:wang", "--reason", "left the agency", "--dir", server.home, "--json"
    )
    assert r.code == 0 and len(r.json()["revoked"]) == 1
    assert wait_refused(server.home, server.target, "officer:wang") == (
        grpc.StatusCode.UNAUTHENTICATED,
        "CERTIFICATE_REVOKED",
    )
    assert whoami(server.home, server.target, "approver:li").principal == "approver:li"

    issued = silink("keys", "issue-cert", "officer:wang", "--dir", server.home, "--json").json()
    me = whoami(server.home, server.target, "officer:wang")
    assert me.certificate_serial == issued["serial"]
    assert silink("keys", "revoke-cert", issued["serial"], "--dir", server.home).code == 0
    assert wait_refused(server.home, server.target, "officer:wang")[1] == "CERTIFICATE_REVOKED"


def test_revocation_file_is_read_at_most_once_per_interval(tmp_path: Path) -> None:
    """The list looks at the file no more than once per interval and reloads only when it changed."""
    ca = DevCA(tmp_path / "pki")
    ca.create()
    a = ca.issue("officer:a", tmp_path / "pki" / "clients")
    b = ca.issue("officer:b", tmp_path / "pki" / "clients")
    clock = [100.0]
    rl = RevocationList(ca.revocation_path, check_interval=1.0, clock=lambda: clock[0])
    pem_a, pem_b = a.cert_path.read_bytes(), b.cert_path.read_bytes()
    assert not rl.is_revoked_pem(pem_a)
    assert ca.revoke(a.serial)
    clock[0] += 0.5
    assert not rl.is_revoked_pem(pem_a)  # not looked at again yet
    clock[0] += 0.6
    assert rl.is_revoked_pem(pem_a) and not rl.is_revoked_pem(pem_b)
    reloads = rl.reloads
    for _ in range(5):
        clock[0] += 1.1
        rl.is_revoked_pem(pem_a)
    assert rl.reloads == reloads  # unchanged file: stat only, no reload
    assert not ca.revoke(a.serial)  # already listed


def test_revoking_a_principal_revokes_every_certificate_it_was_given(tmp_path: Path) -> None:
    """Revoking by principal covers the certificates issued before the newest one too."""
    ca = DevCA(tmp_path / "pki")
    ca.create()
    first = ca.issue("bank:102", tmp_path / "pki" / "clients")
    second = ca.issue("bank:102", tmp_path / "pki" / "clients")  # overwrites the files of the first
    assert sorted(ca.revoke_principal("bank:102")) == sorted([first.serial, second.serial])
    assert {e.principal for e in ca.revoked()} == {"bank:102"}


@pytest.mark.parametrize("garbage", [b"not json", b'{"format": "other"}'])
def test_an_unreadable_list_keeps_the_last_good_one(tmp_path: Path, garbage: bytes) -> None:
    """A corrupted revocation file never un-revokes anybody: the last good list stays in force."""
    ca = DevCA(tmp_path / "pki")
    ca.create()
    a = ca.issue("officer:a", tmp_path / "pki" / "clients")
    ca.revoke(a.serial)
    clock = [0.0]
    rl = RevocationList(ca.revocation_path, clock=lambda: clock[0])
    assert rl.is_revoked_pem(a.cert_path.read_bytes())
    ca.revocation_path.write_bytes(garbage)
    clock[0] += 2
    assert rl.is_revoked_pem(a.cert_path.read_bytes())
