"""CardService over a real socket: `silink serve` as a process, mTLS channel principals, ErrorInfo on
refusals, idempotent replay, the CLI with --json. One server for the whole walk keeps it to seconds."""

from __future__ import annotations

import json

import grpc
import pytest
from grpc_status import rpc_status
from silink.card.v1 import card_pb2 as cpb
from silink.card.v1 import card_pb2_grpc

from gateway.cli.main import main
from gateway.client import channel_as, client_cert_paths
from gateway.config import load_config
from gateway.domain.cards.operations import register_card
from gateway.server.app import build_context
from gateway.server.status import error_info_of
from keys.devca import DevCA
from tests.cards.conftest import account, card_no, ident


def _register(home, n: int, bank: str) -> None:
    ctx = build_context(load_config(home))
    try:
        with ctx.db.write() as conn:
            register_card(
                conn, ctx.protector, id_number=ident(n), name="李四", card_number=card_no(n), bank_code=bank,
                account=account(n), principal="system:test", social_state="NORMAL", bank_state="NORMAL",
            )  # fmt: skip
    finally:
        ctx.db.dispose()


def _reason(err: grpc.RpcError) -> str:
    return error_info_of(rpc_status.from_call(err)).reason


def test_card_service_over_the_wire(server, capsys):
    home = server.home
    _register(home, 1, "102")
    _register(home, 2, "308")
    cert, _key = client_cert_paths(home, "channel:branch-308")
    DevCA(home / "pki").issue("channel:branch-308", cert.parent, file_stem=cert.stem)

    with channel_as(home, "channel:branch-102", target=server.target) as ch:
        stub = card_pb2_grpc.CardServiceStub(ch)
        req = cpb.ReportLossRequest(
            request_id="loss-1",
            id_number=ident(1),
            card_number=card_no(1),
            loss_kind=cpb.LOSS_KIND_TEMPORARY,
            outlet_code="370102001",
            operator_id="op-1",
        )
        first = stub.ReportLoss(req, timeout=20).card_status
        assert first.social_app_state == cpb.SOCIAL_APP_STATE_TEMPORARY_LOSS and first.payments_held
        assert first.HasField("temporary_loss_expire_time")
        assert card_no(1) not in str(first) and ident(1) not in str(first)
        again = stub.ReportLoss(req, timeout=20).card_status  # the same request_id: the same answer, once
        assert again == first

        with pytest.raises(grpc.RpcError) as exc:
            stub.GetCardStatus(
                cpb.GetCardStatusRequest(id_number=ident(2), card_number=card_no(2)), timeout=20
            )
        assert (
            exc.value.code() == grpc.StatusCode.PERMISSION_DENIED
            and _reason(exc.value) == "CROSS_BANK_DENIED"
        )
        assert card_no(2) not in (exc.value.details() or "")

        with pytest.raises(grpc.RpcError) as exc:
            stub.LiftLoss(
                cpb.LiftLossRequest(request_id="l-x", id_number=ident(2), card_number=card_no(1)), timeout=20
            )
        assert exc.value.code() == grpc.StatusCode.NOT_FOUND and _reason(exc.value) == "CARD_HOLDER_MISMATCH"

        with pytest.raises(grpc.RpcError) as exc:
            again_req = cpb.ReportLossRequest(
                request_id="loss-2",
                id_number=ident(1),
                card_number=card_no(1),
                loss_kind=cpb.LOSS_KIND_TEMPORARY,
            )
            stub.ReportLoss(again_req, timeout=20)
        assert (
            exc.value.code() == grpc.StatusCode.FAILED_PRECONDITION and _reason(exc.value) == "ALREADY_LOST"
        )

    with channel_as(home, "channel:branch-308", target=server.target) as ch:
        got = card_pb2_grpc.CardServiceStub(ch).GetCardStatus(
            cpb.GetCardStatusRequest(id_number=ident(2), card_number=card_no(2)), timeout=20
        )
        assert got.card_status.bank_code == "308"

    with channel_as(home, "officer:wang", target=server.target) as ch, pytest.raises(grpc.RpcError) as exc:
        card_pb2_grpc.CardServiceStub(ch).GetCardStatus(
            cpb.GetCardStatusRequest(id_number=ident(1)), timeout=20
        )
    assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED

    base = ["--dir", str(home), "--as", "channel:branch-102", "--server", server.target]
    capsys.readouterr()
    assert main(["card", "lift-loss", *base, "--id-number", ident(1), "--card", card_no(1), "--json"]) == 0
    lifted = json.loads(capsys.readouterr().out)
    assert lifted["card_status"]["social_app_state"] == "SOCIAL_APP_STATE_NORMAL"
    assert main(["card", "status", *base, "--id-number", ident(1), "--json"]) == 0
    out = capsys.readouterr().out
    status = json.loads(out)  # proto3 JSON leaves out false: no payments_held means not held
    assert status["social_app_state"] == "SOCIAL_APP_STATE_NORMAL" and "payments_held" not in status
    assert ident(1) not in out and card_no(1) not in out
