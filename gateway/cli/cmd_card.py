"""`silink card status|report-loss|lift-loss|replace|enable|unlock|activate|change-account|progress|cancel`:
social security card services through a running gateway, as a card channel (``--as channel:…``).

``silink card register`` is local: it records an issued card (from the card platform's issue data) in the
instance database, for set-up and demos.
"""

from __future__ import annotations

import argparse
import uuid
from typing import Any

from gateway.cli._client import add_client_args, call, channel
from gateway.cli._common import add_dir_arg, add_json_arg, console, emit_json, instance_dir

_MUTATING = {
    "report-loss": "report the card lost (temporary: lifted or expires; formal: only a replacement follows)",
    "lift-loss": "lift a temporary loss (解挂); payments held for it are released",
    "replace": "apply for a replacement card (补换)",
    "enable": "enable a sealed card (启用)",
    "unlock": "unlock the card after a PIN lockout",
    "activate": "activate the card's financial account at the card bank",
    "change-account": "change the account benefits are paid to (confirmed by the card bank)",
    "cancel": "cancel the card (注销), e.g. after death",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("card", help="social security card services: status, loss, replacement, cancel…")
    csub = p.add_subparsers(dest="card_command", metavar="SUBCOMMAND", required=True)

    st = csub.add_parser("status", help="both applications of a card (masked), and its bank leg")
    add_client_args(st)
    st.add_argument("--id-number", required=True, help="the holder's 社会保障号码 (never printed)")
    st.add_argument("--card", default="", help="card number (default: the holder's current card)")
    st.set_defaults(func=run_status)

    pr = csub.add_parser("progress", help="progress of a card application (default: the latest)")
    add_client_args(pr)
    pr.add_argument("--id-number", required=True)
    pr.add_argument("--application", default="", help="application id, e.g. APP0000000001")
    pr.set_defaults(func=run_progress)

    for name, help_text in _MUTATING.items():
        a = csub.add_parser(name, help=help_text)
        add_client_args(a)
        a.add_argument("--id-number", required=True, help="the holder's 社会保障号码 (never printed)")
        a.add_argument("--card", required=True, help="card number (9 characters)")
        a.add_argument("--outlet", default="", help="code of the outlet serving the holder")
        a.add_argument("--operator", default="", help="id of the operator serving the holder")
        a.add_argument("--holder-token", default="", help="the holder's authorisation token (e-card)")
        a.add_argument("--request-id", default=None, help="idempotency key (default: a new one)")
        if name == "report-loss":
            a.add_argument("--kind", choices=("temporary", "formal"), required=True)
            a.add_argument("--with-bank", action="store_true", help="also report the financial account lost")
        elif name == "replace":
            a.add_argument("--reason", choices=("lost", "damaged", "expiring", "data_changed"), required=True)
            a.add_argument("--pickup", required=True, help="outlet where the new card is collected")
        elif name == "change-account":
            a.add_argument("--account", required=True, help="the new account (never printed)")
            a.add_argument("--type", choices=("card", "passbook"), default="card")
            a.add_argument("--bank", required=True, help="3-digit bank code of the new account")
        elif name == "cancel":
            a.add_argument("--reason", choices=("death", "emigration", "other"), required=True)
            a.add_argument("--note", default="", help="remark without personal data (needed with other)")
            a.add_argument("--with-bank", action="store_true", help="also close the financial account")
        a.set_defaults(func=run_mutating, action=name)

    rg = csub.add_parser("register", help="(local) record an issued card in the instance database")
    add_dir_arg(rg)
    add_json_arg(rg)
    rg.add_argument("--id-number", required=True)
    rg.add_argument("--name", required=True)
    rg.add_argument("--card", required=True)
    rg.add_argument("--bank", required=True, help="3-digit code of the card-issuing bank")
    rg.add_argument("--account", required=True, help="the card's financial account")
    rg.add_argument("--state", default="SEALED", help="人社 state (default SEALED)")
    rg.add_argument("--bank-state", default="NOT_ACTIVATED", help="bank state (default NOT_ACTIVATED)")
    rg.add_argument("--expiry", default=None, help="expiry date YYYY-MM-DD (default: ten years)")
    rg.set_defaults(func=run_register)


def _stub(args):
    from silink.card.v1 import card_pb2_grpc

    return card_pb2_grpc.CardServiceStub(channel(args))


def _dict(msg) -> dict[str, Any]:
    from google.protobuf.json_format import MessageToDict

    return MessageToDict(msg, preserving_proto_field_name=True)


def print_status(s) -> None:
    from silink.card.v1 import card_pb2 as cpb

    con = console()
    social = cpb.SocialAppState.Name(s.social_app_state).removeprefix("SOCIAL_APP_STATE_")
    bank = cpb.BankAppState.Name(s.bank_app_state).removeprefix("BANK_APP_STATE_")
    con.print(f"[bold]card {s.card_number_masked}[/]  holder {s.name_masked} {s.id_number_masked}")
    con.print(f"  social insurance application: {social}")
    con.print(f"  financial application ({s.bank_code}, {s.financial_account_masked}): {bank}")
    con.print(f"  benefits paid to {s.disbursement_account_masked} ({s.disbursement_bank_code})")
    if s.payments_held:
        con.print("  [yellow]payments to the card are held[/]")
    if s.HasField("temporary_loss_expire_time"):
        con.print(f"  temporary loss expires {s.temporary_loss_expire_time.ToJsonString()}")
    leg = s.pending_bank_leg
    if leg.state not in (cpb.BANK_LEG_STATE_NONE, cpb.BANK_LEG_STATE_UNSPECIFIED):
        op = cpb.CardOperation.Name(leg.operation).removeprefix("CARD_OPERATION_")
        state = cpb.BankLegState.Name(leg.state).removeprefix("BANK_LEG_STATE_")
        con.print(
            f"  bank leg {leg.reference}: {op} {state}"
            + (f" ({leg.failure_text})" if leg.failure_text else "")
        )


def run_status(args: argparse.Namespace) -> int:
    from silink.card.v1 import card_pb2 as cpb

    stub = _stub(args)
    resp = call(
        lambda: stub.GetCardStatus(
            cpb.GetCardStatusRequest(id_number=args.id_number, card_number=args.card), timeout=30
        )
    )
    if args.json:
        emit_json(_dict(resp.card_status))
    else:
        print_status(resp.card_status)
    return 0


def run_progress(args: argparse.Namespace) -> int:
    from silink.card.v1 import card_pb2 as cpb

    stub = _stub(args)
    req = cpb.GetApplicationProgressRequest(id_number=args.id_number, application_id=args.application)
    app = call(lambda: stub.GetApplicationProgress(req, timeout=30)).application
    if args.json:
        emit_json(_dict(app))
    else:
        state = cpb.CardApplication.State.Name(app.state).removeprefix("STATE_")
        console().print(f"[bold]{app.application_id}[/]  {state}  pickup at {app.pickup_outlet_code}")
    return 0


def run_mutating(args: argparse.Namespace) -> int:
    from silink.card.v1 import card_pb2 as cpb
    from silink.common.v1 import common_pb2

    stub = _stub(args)
    common = {
        "request_id": args.request_id or uuid.uuid4().hex,
        "id_number": args.id_number,
        "card_number": args.card,
        "holder_authorization_token": args.holder_token,
        "outlet_code": args.outlet,
        "operator_id": args.operator,
    }
    action = args.action
    if action == "report-loss":
        kind = cpb.LOSS_KIND_TEMPORARY if args.kind == "temporary" else cpb.LOSS_KIND_FORMAL
        req = cpb.ReportLossRequest(**common, loss_kind=kind, include_financial_account=args.with_bank)
        fn = stub.ReportLoss
    elif action == "lift-loss":
        req, fn = cpb.LiftLossRequest(**common), stub.LiftLoss
    elif action == "replace":
        reason = cpb.ReplacementReason.Value("REPLACEMENT_REASON_" + args.reason.upper())
        req = cpb.ApplyReplacementRequest(**common, reason=reason, pickup_outlet_code=args.pickup)
        fn = stub.ApplyReplacement
    elif action == "enable":
        req, fn = cpb.EnableCardRequest(**common), stub.EnableCard
    elif action == "unlock":
        req, fn = cpb.UnlockCardRequest(**common), stub.UnlockCard
    elif action == "activate":
        req, fn = cpb.ActivateFinancialAccountRequest(**common), stub.ActivateFinancialAccount
    elif action == "change-account":
        acc_type = common_pb2.AccountType.Value("ACCOUNT_TYPE_" + args.type.upper())
        req = cpb.ChangeDisbursementAccountRequest(
            **common, new_account=args.account, new_account_type=acc_type, new_bank_code=args.bank
        )
        fn = stub.ChangeDisbursementAccount
    else:
        reason = cpb.CancelReason.Value("CANCEL_REASON_" + args.reason.upper())
        req = cpb.CancelCardRequest(
            **common, reason=reason, note=args.note, include_financial_account=args.with_bank
        )
        fn = stub.CancelCard
    resp = call(lambda: fn(req, timeout=30))
    if args.json:
        out = {"request_id": common["request_id"], "card_status": _dict(resp.card_status)}
        if resp.DESCRIPTOR.fields_by_name.get("application") and resp.HasField("application"):
            out["application"] = _dict(resp.application)
        emit_json(out)
    else:
        print_status(resp.card_status)
        if action == "replace":
            console().print(f"  application {resp.application.application_id} submitted")
    return 0


def run_register(args: argparse.Namespace) -> int:
    from gateway.config import load_config
    from gateway.domain.cards.operations import register_card
    from gateway.pii import mask_number
    from gateway.server.app import build_context

    ctx = build_context(load_config(instance_dir(args)))
    try:
        with ctx.db.write() as conn:
            card_id = register_card(
                conn,
                ctx.protector,
                id_number=args.id_number,
                name=args.name,
                card_number=args.card,
                bank_code=args.bank,
                account=args.account,
                principal="system:card-platform",
                social_state=args.state,
                bank_state=args.bank_state,
                expiry_date=args.expiry,
            )
    finally:
        ctx.db.dispose()
    masked = mask_number(args.card.strip().upper())
    if args.json:
        emit_json({"card_id": card_id, "card_number_masked": masked, "bank_code": args.bank})
    else:
        print(f"card {masked} registered (bank {args.bank})")
    return 0
