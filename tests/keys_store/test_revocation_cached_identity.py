"""The interceptor remembers what a certificate means, but never whether it is revoked."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import IdentitySettings
from gateway.errors import Unauthenticated
from gateway.server.interceptor import GatewayInterceptor, _Call
from gateway.server.principal import current
from keys.devca import DevCA
from keys.revocation import RevocationList

METHOD = "/silink.admin.v1.AdminService/WhoAmI"


class _Context:
    """The two things the interceptor asks of a call's context: TLS auth context and metadata."""

    def __init__(self, pem: bytes, common_name: str) -> None:
        self._auth = {"x509_pem_cert": [pem], "x509_common_name": [common_name.encode()]}

    def auth_context(self) -> dict:
        return self._auth

    def invocation_metadata(self) -> tuple:
        return ()


def _begin(icp: GatewayInterceptor, ctx: _Context) -> None:
    icp.begin(_Call(METHOD), ctx, open_=False)


def test_a_revoked_certificate_is_refused_on_its_next_call_after_being_cached(tmp_path: Path) -> None:
    """A certificate served (and so memoised) is refused CERTIFICATE_REVOKED on the very next call once
    the revocation list has it, while another principal's cached certificate keeps working."""
    ca = DevCA(tmp_path / "pki")
    ca.create()
    wang = ca.issue("officer:wang", tmp_path / "certs")
    li = ca.issue("approver:li", tmp_path / "certs")
    # check_interval=0: the list looks at its file on every call, so "next call" is exact here.
    icp = GatewayInterceptor(
        IdentitySettings(), revocation=RevocationList(ca.revocation_path, check_interval=0)
    )
    wang_ctx = _Context(wang.cert_path.read_bytes(), "officer:wang")
    li_ctx = _Context(li.cert_path.read_bytes(), "approver:li")

    for _ in range(3):
        _begin(icp, wang_ctx)
        assert current().name == "officer:wang"
    _begin(icp, li_ctx)
    assert len(icp._identities) == 2  # both are memoised

    assert ca.revoke(wang.serial, principal="officer:wang", reason="left the agency")
    with pytest.raises(Unauthenticated) as refused:
        _begin(icp, wang_ctx)
    assert refused.value.reason == "CERTIFICATE_REVOKED"
    _begin(icp, li_ctx)
    assert current().name == "approver:li"


def test_a_cached_certificate_still_gets_only_its_roles_permissions(tmp_path: Path) -> None:
    """The memo keeps the permission decision per method: a channel principal stays refused an admin
    method on every call, not only the first."""
    from gateway.errors import PermissionDenied

    ca = DevCA(tmp_path / "pki")
    ca.create()
    chan = ca.issue("channel:branch-102-0", tmp_path / "certs")
    icp = GatewayInterceptor(IdentitySettings(), revocation=RevocationList(ca.revocation_path))
    ctx = _Context(chan.cert_path.read_bytes(), "channel:branch-102-0")
    for _ in range(2):
        with pytest.raises(PermissionDenied):
            icp.begin(_Call("/silink.admin.v1.AdminService/SetBankOptions"), ctx, open_=False)
