"""Card bank legs over BankLink, on a real socket: `silink serve` as a process, card channels and partner
banks each with their own client certificate. Bank 105 is a BankLink bank (the instance's default
config); bank 102 is not. The simulated BankLink bank carries the operations out on its card ledger."""

from __future__ import annotations

import time

import grpc
import pytest
from grpc_status import rpc_status
from silink.banklink.v1 import banklink_pb2 as bpb
from silink.banklink.v1 import banklink_pb2_grpc
from silink.card.v1 import card_pb2 as cpb
from silink.card.v1 import card_pb2_grpc

from adapters.simulator.banklink_bank import BankLinkBank
from gateway.client import channel_as, client_cert_paths
from gateway.config import load_config
from gateway.dispatch.routing import signing_key_name
from gateway.domain.cards.operations import register_card
from gateway.instance import init_instance
from gateway.server.app import build_context
from gateway.server.status import error_info_of
from keys.datakey import load_master_key
from keys.devca import DevCA
from keys.store import ALGORITHMS, KeyStore
from tests.cards.conftest import account, card_no, ident
from tests.conftest import ServerProcess, new_pg_database

# card_no(n) ends in n: the simulated bank starts B…1 NOT_ACTIVATED, B…3 NORMAL (adapters/simulator/cards.py)
NOT_ACTIVATED_AT_BANK, NORMAL_AT_BANK, NORMAL_TOO = 1, 3, 13
CARDS = ((1, "105", "NOT_ACTIVATED"), (3, "105", "NORMAL"), (13, "105", "NORMAL"), (5, "102", "NORMAL"))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def card_server(request, tmp_path_factory):
    """One server per backend for the module (server start is most of the cost); each test uses its own
    cards and leaves no BankLink leg open."""
    home = tmp_path_factory.mktemp("cards-banklink") / "inst"
    url = "" if request.param == "sqlite" else new_pg_database(request.getfixturevalue("pg_cluster"))
    init_instance(home, database_url=url)
    with (home / "silink.toml").open("a", encoding="utf-8") as f:
        f.write("\n[cards]\nsweep_seconds = 0.2\nbanklink_answer_seconds = 0.6\n")
    ca = DevCA(home / "pki")
    for principal in ("channel:branch-105", "bank:308"):
        cert, _key = client_cert_paths(home, principal)
        ca.issue(principal, cert.parent, file_stem=cert.stem)
    ctx = build_context(load_config(home))
    try:
        with ctx.db.write() as conn:
            for n, bank, state in CARDS:
                register_card(
                    conn, ctx.protector, id_number=ident(n), name="赵六", card_number=card_no(n),
                    bank_code=bank, account=account(n), principal="system:test", social_state="NORMAL",
                    bank_state=state,
                )  # fmt: skip
    finally:
        ctx.db.dispose()
    srv = ServerProcess(home)
    yield srv
    srv.stop()


def _reason(err: grpc.RpcError) -> str:
    return error_info_of(rpc_status.from_call(err)).reason


def _cards(srv, principal: str):
    ch = channel_as(srv.home, principal, target=srv.target)
    return ch, card_pb2_grpc.CardServiceStub(ch)


def _link(srv, code: str):
    ch = channel_as(srv.home, f"bank:{code}", target=srv.target)
    return ch, banklink_pb2_grpc.BankLinkServiceStub(ch)


def _status(stub, n: int) -> cpb.CardStatus:
    return stub.GetCardStatus(
        cpb.GetCardStatusRequest(id_number=ident(n), card_number=card_no(n)), timeout=20
    ).card_status


def _until(fn, what: str, seconds: float = 15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_banklink_bank_gets_its_card_operations_and_answers_them(card_server):
    ch105, cards105 = _cards(card_server, "channel:branch-105")
    ch102, cards102 = _cards(card_server, "channel:branch-102")
    bl105_ch, bl105 = _link(card_server, "105")
    bl102_ch, bl102 = _link(card_server, "102")
    bl308_ch, bl308 = _link(card_server, "308")
    try:
        n = NOT_ACTIVATED_AT_BANK
        started = cards105.ActivateFinancialAccount(
            cpb.ActivateFinancialAccountRequest(
                request_id="act-1", id_number=ident(n), card_number=card_no(n)
            ),
            timeout=20,
        ).card_status
        assert started.pending_bank_leg.state == cpb.BANK_LEG_STATE_PENDING
        reference = started.pending_bank_leg.reference
        # Another bank's card operation, which bank 105 must never see nor answer.
        other = cards102.ReportLoss(
            cpb.ReportLossRequest(
                request_id="loss-5", id_number=ident(5), card_number=card_no(5),
                loss_kind=cpb.LOSS_KIND_TEMPORARY, include_financial_account=True,
            ),
            timeout=20,
        ).card_status.pending_bank_leg.reference  # fmt: skip

        listed = bl105.ListCardOperations(bpb.ListCardOperationsRequest(), timeout=20).operations
        assert [op.reference for op in listed] == [reference]
        (op,) = listed
        assert (op.kind, op.state) == (bpb.CARD_OPERATION_KIND_ACTIVATE, bpb.BankCardOperation.STATE_OPEN)
        assert (op.card_number, op.id_number, op.name) == (card_no(n), ident(n), "赵六")  # to its issuer only

        # Cross-bank: an operation of bank 102's card, and one that does not exist, are refused alike.
        for ref in (other, "CRD0000000000000000"):
            with pytest.raises(grpc.RpcError) as exc:
                bl105.AnswerCardOperation(
                    bpb.AnswerCardOperationRequest(
                        request_id=f"x-{ref}", reference=ref, outcome=bpb.CARD_OPERATION_OUTCOME_DONE
                    ),
                    timeout=20,
                )
            assert exc.value.code() is grpc.StatusCode.PERMISSION_DENIED
            assert _reason(exc.value) == "NOT_YOUR_CARD_OPERATION"
            assert ident(5) not in (exc.value.details() or "") and card_no(5) not in (
                exc.value.details() or ""
            )
        # Banks not on BankLink have no card operations here (their adapter carries them), known or not.
        for stub in (bl102, bl308):
            with pytest.raises(grpc.RpcError) as exc:
                stub.ListCardOperations(bpb.ListCardOperationsRequest(), timeout=20)
            assert _reason(exc.value) == "NOT_A_BANKLINK_BANK"
        # A card channel is not a bank.
        with pytest.raises(grpc.RpcError) as exc:
            banklink_pb2_grpc.BankLinkServiceStub(ch105).ListCardOperations(
                bpb.ListCardOperationsRequest(), timeout=20
            )
        assert exc.value.code() is grpc.StatusCode.PERMISSION_DENIED

        answer = bpb.AnswerCardOperationRequest(
            request_id="ans-1",
            reference=reference,
            outcome=bpb.CARD_OPERATION_OUTCOME_DONE,
            bank_app_state=cpb.BANK_APP_STATE_NORMAL,
        )
        done = bl105.AnswerCardOperation(answer, timeout=20).operation
        assert (done.reference, done.state) == (reference, bpb.BankCardOperation.STATE_CONFIRMED)
        assert done.card_number == "" and done.id_number == ""  # the answer carries no personal data
        assert bl105.AnswerCardOperation(answer, timeout=20).operation == done  # idempotent replay
        after = _status(cards105, n)
        assert (after.bank_app_state, after.pending_bank_leg.state) == (
            cpb.BANK_APP_STATE_NORMAL,
            cpb.BANK_LEG_STATE_CONFIRMED,
        )
        assert list(bl105.ListCardOperations(bpb.ListCardOperationsRequest(), timeout=20).operations) == []
        assert _status(cards102, 5).pending_bank_leg.state == cpb.BANK_LEG_STATE_PENDING  # untouched
    finally:
        for ch in (ch105, ch102, bl105_ch, bl102_ch, bl308_ch):
            ch.close()
    log = card_server.log_text()
    assert ident(NOT_ACTIVATED_AT_BANK) not in log and card_no(NOT_ACTIVATED_AT_BANK) not in log


def _simulated_bank(srv, tmp_path, **kw) -> BankLinkBank:
    """The simulated bank 105 in this process: its own card ledger, the gateway over the real socket."""
    cfg = load_config(srv.home)
    store = KeyStore(srv.home, load_master_key(cfg.master_key_path))
    key = signing_key_name("105", cfg.banks["105"])
    return BankLinkBank(
        channel_as(srv.home, "bank:105", target=srv.target),
        "105",
        tmp_path / "bank105",
        store.export_public(key),
        ALGORITHMS[store.info(key).alg],
        **kw,
    )


def test_fetched_and_unanswered_is_unknown_then_asked_again_as_an_inquiry(card_server, tmp_path):
    """The bank takes a leg and goes quiet: after banklink_answer_seconds the leg is UNKNOWN and is listed
    again as an INQUIRY; the simulated bank answers it from its card ledger and the change is confirmed."""
    ch, cards105 = _cards(card_server, "channel:branch-105")
    bl_ch, bl105 = _link(card_server, "105")
    bank = _simulated_bank(card_server, tmp_path)
    try:
        n = NORMAL_AT_BANK
        new = account(88, "622700")
        reference = cards105.ChangeDisbursementAccount(
            cpb.ChangeDisbursementAccountRequest(
                request_id="chg-3", id_number=ident(n), card_number=card_no(n), new_account=new,
                new_account_type=1, new_bank_code="105",
            ),
            timeout=20,
        ).card_status.pending_bank_leg.reference  # fmt: skip
        (fetched,) = bl105.ListCardOperations(bpb.ListCardOperationsRequest(), timeout=20).operations
        assert (fetched.reference, fetched.new_account) == (reference, new)
        _until(
            lambda: _status(cards105, n).pending_bank_leg.state == cpb.BANK_LEG_STATE_UNKNOWN,
            "the unanswered leg to become UNKNOWN",
        )
        (again,) = bl105.ListCardOperations(bpb.ListCardOperationsRequest(), timeout=20).operations
        assert (again.reference, again.state) == (reference, bpb.BankCardOperation.STATE_INQUIRY)
        assert bank.run_cards_once() == {"DONE": 1}
        after = _status(cards105, n)
        assert after.pending_bank_leg.state == cpb.BANK_LEG_STATE_CONFIRMED
        assert after.disbursement_account_masked.endswith(new[-4:]) and after.disbursement_bank_code == "105"
        assert bank.run_cards_once() == {}  # nothing open any more
    finally:
        bank.cards.close()
        bank.ledger.close()
        ch.close()
        bl_ch.close()


def test_closing_over_banklink_is_accepted_then_done(card_server, tmp_path):
    """Cancellation with the financial account: the simulated bank takes the closure (ACCEPTED: the leg
    stays PENDING), then closes the account and answers DONE; the card's bank state becomes CLOSED."""
    ch, cards105 = _cards(card_server, "channel:branch-105")
    bank = _simulated_bank(card_server, tmp_path, card_close_after=0.4)
    try:
        n = NORMAL_TOO
        cards105.CancelCard(
            cpb.CancelCardRequest(
                request_id="cxl-13", id_number=ident(n), card_number=card_no(n),
                reason=cpb.CANCEL_REASON_EMIGRATION, include_financial_account=True,
            ),
            timeout=20,
        )  # fmt: skip
        assert bank.run_cards_once() == {"ACCEPTED": 1}
        status = _status(cards105, n)
        assert (status.bank_app_state, status.pending_bank_leg.state) == (
            cpb.BANK_APP_STATE_NORMAL,
            cpb.BANK_LEG_STATE_PENDING,
        )
        time.sleep(0.5)
        assert bank.run_cards_once() == {"DONE": 1}
        status = _status(cards105, n)
        assert (status.social_app_state, status.bank_app_state, status.pending_bank_leg.state) == (
            cpb.SOCIAL_APP_STATE_CANCELLED,
            cpb.BANK_APP_STATE_CLOSED,
            cpb.BANK_LEG_STATE_CONFIRMED,
        )
    finally:
        bank.cards.close()
        bank.ledger.close()
        ch.close()
