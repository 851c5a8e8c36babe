"""Golden files for every direct-link message type, both directions.

Requests: SM2 signatures are randomised, so a request's golden file is its *opened* form (path, HTTP
headers, clear envelope fields, head and body after decrypting and verifying with the gateway's public
key): byte-exact for fixed inputs, time, nonce and keys. Answers: the bank's envelope was sealed once
with the fixed test bank key and stored; the golden file is what the adapter reads from it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.contract import WireMessage, WireResponse
from adapters.direct_link import CardRequest, DirectLinkAdapter, Funcode, LossKind, open_envelope, seal

from .helpers import (
    BANK,
    GATEWAY,
    NONCE,
    cbc,
    check_golden,
    direct_ctx,
    gcm,
    golden_bytes,
    make_line,
    make_submission,
    pretty,
)

REF = "SLK000000000042"
QUERY_ID = "Q" + NONCE
SUB = make_submission([make_line(1, "张三"), make_line(2, "王堃"), make_line(3, "𠮷田花子")])
SEND_ID = {"send_id": True}


def _card(funcode: Funcode, **kw: Any) -> CardRequest:
    return CardRequest(
        funcode=funcode,
        request_id=f"CARD-{funcode.value}-0001",
        id_number="11010519491231002X",
        name="王堃",
        card_number="B41537138",
        outlet_code="370102001",
        operator_id="op-017",
        **kw,
    )


CARDS = {
    "card_status": _card(Funcode.CARD_STATUS),
    "card_loss": _card(Funcode.CARD_LOSS, loss_kind=LossKind.TEMPORARY),
    "card_unloss": _card(Funcode.CARD_UNLOSS),
    "card_activate": _card(Funcode.CARD_ACTIVATE),
    "account_change": _card(Funcode.ACCOUNT_CHANGE, new_account="6222020200112233445", new_bank_code="102"),
    "account_close": _card(Funcode.ACCOUNT_CLOSE, close_reason="DEATH"),
}


def _view(message: WireMessage, cipher) -> dict[str, Any]:
    head, body = open_envelope(message.body, verifier=GATEWAY.verifier(), cipher=cipher)
    envelope = json.loads(message.body)
    return {
        "content_type": message.content_type,
        "path": message.path,
        "headers": dict(message.headers),
        "encalg": envelope["encalg"],
        "sigalg": envelope["sigalg"],
        "head": head,
        "body": body,
    }


def _request(name: str) -> Any:
    """The opened request(s) of one golden case."""
    if name == "payroll_submit":
        ctx = direct_ctx(SEND_ID)
        return _view(DirectLinkAdapter().render_submission(SUB, ctx), ctx.cipher)
    if name == "payroll_submit_parts":
        ctx = direct_ctx({"max_lines": 2})
        sub = make_submission(5)
        return [_view(m, ctx.cipher) for m in DirectLinkAdapter().render_submission_parts(sub, ctx)]
    if name == "payroll_submit_fen_cbc":
        ctx = direct_ctx({"amount_unit": "fen", "cipher": "SM4-CBC"}, cipher=cbc())
        return _view(DirectLinkAdapter().render_submission(SUB, ctx), ctx.cipher)
    if name == "payroll_query":
        ctx = direct_ctx()
        return _view(DirectLinkAdapter().render_status_query(SUB, ctx), ctx.cipher)
    if name == "bounce_query":
        ctx = direct_ctx()
        return _view(DirectLinkAdapter().render_bounce_query(SUB, ctx), ctx.cipher)
    ctx = direct_ctx()
    return _view(DirectLinkAdapter().render_card_request(CARDS[name], ctx), ctx.cipher)


REQUESTS = [
    "payroll_submit",
    "payroll_submit_parts",
    "payroll_submit_fen_cbc",
    "payroll_query",
    "bounce_query",
    *CARDS,
]


@pytest.mark.parametrize("name", REQUESTS)
def test_request_golden(name: str) -> None:
    """The rendered request, opened with the gateway's public key, equals its golden file byte for byte."""
    check_golden(f"direct_link/{name}.request.json", pretty(_request(name)))


# --- answers -----------------------------------------------------------------------------------------


def _head(funcode: str, reqid: str, retcode: str = "0000", retmsg: str = "交易成功") -> dict[str, Any]:
    return {
        "funcode": funcode,
        "nonce": "b4c1e07d93a25f68",
        "reqid": reqid,
        "resptime": "20250105160002",
        "retcode": retcode,
        "retmsg": retmsg,
        "ver": "1",
    }


def _row(seq: int, status: str, **kw: Any) -> dict[str, Any]:
    line = SUB.lines[seq - 1]
    yuan, fen = divmod(line.amount_fen, 100)
    return {"amt": f"{yuan}.{fen:02d}", "ref": line.end_to_end_ref, "seq": seq, "status": status, **kw}


def _figures(rows: list[dict[str, Any]], status: str) -> tuple[int, str]:
    fen = sum(SUB.lines[r["seq"] - 1].amount_fen for r in rows if r.get("status") == status)
    return sum(1 for r in rows if r.get("status") == status), f"{fen // 100}.{fen % 100:02d}"


def _query_body(rows: list[dict[str, Any]], batchstatus: str) -> dict[str, Any]:
    succount, sucamt = _figures(rows, "S")
    failcount, failamt = _figures(rows, "E")
    total = SUB.control_sum_fen
    return {
        "bankbatch": "CMB20250105000123",
        "batchref": REF,
        "batchstatus": batchstatus,
        "failamt": failamt,
        "failcount": failcount,
        "lines": rows,
        "sucamt": sucamt,
        "succount": succount,
        "totalamt": f"{total // 100}.{total % 100:02d}",
        "totalcount": len(SUB.lines),
    }


def _card_body(name: str, **kw: Any) -> dict[str, Any]:
    return {"acc": "6222020200112233445", "cardno": CARDS[name].card_number, "opref": "CARDOP0001", **kw}


S, Q, B = "PAYROLL_SUBMIT", "PAYROLL_QUERY", "BOUNCE_QUERY"
ANSWERS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "submit_ok": (_head(S, REF), {"bankbatch": "CMB20250105000123", "batchref": REF, "partno": 1}),
    "submit_ok_with_lines": (
        _head(S, REF),
        {
            "bankbatch": "CMB20250105000123",
            "batchref": REF,
            "partno": 1,
            "lines": [_row(1, "A"), _row(2, "E", errcode="ACC01", errmsg="收方户名不符"), _row(3, "A")],
        },
    ),
    "submit_control_sum": (_head(S, REF, "3004", "批次总金额与明细不符"), {}),
    "submit_suspect": (_head(S, REF, "-9", "处理结果未知，请查询"), {}),
    "submit_busy": (_head(S, REF, "1001", "系统繁忙，请稍后再试"), {}),
    "submit_duplicate": (_head(S, REF, "3006", "业务参考号重复"), {}),
    "query_mixed": (
        _head(Q, QUERY_ID),
        _query_body(
            [
                _row(1, "S", valdate="20250106"),
                _row(2, "E", errcode="ACC02", errmsg="账户已冻结"),
                _row(3, "X"),
            ],
            "P",
        ),
    ),
    "query_finished": (
        _head(Q, QUERY_ID),
        _query_body(
            [
                _row(1, "S", valdate="20250106"),
                _row(2, "S", valdate="20250106"),
                _row(3, "E", errcode="CRD09", errmsg="社保卡金融功能未激活"),
            ],
            "F",
        ),
    ),
    "query_not_found": (_head(Q, QUERY_ID, "3010", "批次不存在"), {}),
    "bounce": (
        _head(B, QUERY_ID),
        {
            "batchref": REF,
            "lines": [
                {**_row(1, "R"), "retdate": "20250110", "errcode": "R03", "errmsg": "账户已销户"},
                {**_row(3, "R"), "retdate": "20250111", "errcode": "R07", "errmsg": "非Ⅰ类账户，超过限额"},
            ],
        },
    ),
    "card_status": (
        _head("CARD_STATUS", CARDS["card_status"].request_id),
        _card_body("card_status", cardstate="1", opstatus="S"),
    ),
    "card_loss": (
        _head("CARD_LOSS", CARDS["card_loss"].request_id),
        _card_body("card_loss", cardstate="3", opstatus="S"),
    ),
    "card_unloss": (
        _head("CARD_UNLOSS", CARDS["card_unloss"].request_id),
        _card_body("card_unloss", cardstate="3", opstatus="A"),
    ),
    "card_activate": (
        _head("CARD_ACTIVATE", CARDS["card_activate"].request_id),
        _card_body(
            "card_activate", cardstate="4", opstatus="E", errcode="3012", errmsg="卡片已注销，不允许激活"
        ),
    ),
    "account_change": (
        _head("ACCOUNT_CHANGE", CARDS["account_change"].request_id),
        _card_body("account_change", cardstate="0", opstatus="S"),
    ),
    # 销户: first pending (the bank settles the balance), then done when asked again by the same reqid.
    "account_close_pending": (
        _head("ACCOUNT_CLOSE", CARDS["account_close"].request_id),
        _card_body("account_close", cardstate="0", opstatus="A"),
    ),
    "account_close": (
        _head("ACCOUNT_CLOSE", CARDS["account_close"].request_id),
        _card_body("account_close", cardstate="4", opstatus="S"),
    ),
}


def _stored_answer(name: str) -> bytes:
    head, body = ANSWERS[name]
    return golden_bytes(
        f"direct_link/{name}.answer.json", lambda: seal(head, body, signer=BANK, cipher=gcm())
    )


def _parse(name: str, data: bytes) -> Any:
    ctx = direct_ctx()
    adapter = DirectLinkAdapter.bind(ctx)
    response = WireResponse(200, data)
    if name.startswith("submit"):
        return adapter.parse_submit_response(response, SUB)
    if name in CARDS:
        return adapter.parse_card_response(response, CARDS[name])
    if name == "account_close_pending":
        return adapter.parse_card_response(response, CARDS["account_close"])
    return adapter.parse_status_response(response, SUB)


@pytest.mark.parametrize("name", list(ANSWERS))
def test_stored_answer_matches_its_definition(name: str) -> None:
    """Each stored bank answer still opens (bank key, SM4 key) to the head and body defined here."""
    assert open_envelope(_stored_answer(name), verifier=BANK.verifier(), cipher=gcm()) == ANSWERS[name]


@pytest.mark.parametrize("name", list(ANSWERS))
def test_answer_golden(name: str) -> None:
    """What the adapter reads from each stored bank answer equals its golden file."""
    check_golden(f"direct_link/{name}.parsed.json", pretty(_parse(name, _stored_answer(name))))
