"""The direct-link bank: HTTPS JSON envelopes, SM3withSM2-signed and SM4-encrypted (adapters/direct_link).

Endpoints (``POST /silink-cdl/v1/<funcode in lower case>``, the adapter's default ``base_path``):

==================  =================  =====================================================================
function code       endpoint name      what the bank does
==================  =================  =====================================================================
PAYROLL_SUBMIT      ``submit``         keeps each part (``batchref``, ``partno``); books the batch in the
                                       ledger once the last part is in: each line credited at most once
PAYROLL_QUERY       ``status``         the batch and its lines: A before settlement, then S / E with the
                                       bank's Chinese failure text (:mod:`adapters.simulator.bank_texts`)
BOUNCE_QUERY        ``notifications``  the credits of the batch that came back (退票)
CARD_*, ACCOUNT_…   ``card``           the card ledger (:mod:`adapters.simulator.cards`)
==================  =================  =====================================================================

Every request is opened the adapter's way (:func:`adapters.direct_link.open_envelope`): decrypted with the
SM4 working key, its SM3withSM2 signature checked against the gateway's public key (``--client-key``),
its ``reqtime`` within 300 s of the bank's clock and its nonce new. A request that fails is answered —
sealed by the bank as always — with ``2003`` (cannot decrypt), ``2002`` (signature), ``2004`` (time),
``2005`` (nonce) or ``2001`` (format); nothing is booked.

Submissions, as the FORMAT says: the join key is ``batchref`` + ``seq``; parts are taken in order
(``3008`` otherwise) and de-duplicated on (``batchref``, ``partno``): the same part again is answered as
the first time (and counted as a resend), a different part under a used reference is ``3006``. Part
figures that do not add up are ``3003`` / ``3004``; more lines in a part than the bank's ``max_lines``
(option ``--max-lines``, default 6000) is ``3005``. Batch totals that differ from the lines are booked
refused (CONTROL_SUM_ERROR) and answered ``3003`` / ``3004``, to the submission and to every query.

Faults (``silink banksim fault``): the framework's latency, refuse, http-5xx and drop-response; the
``malformed`` variants ``truncated``, ``garbage``, ``empty``, ``unknown-retcode`` (a well-sealed answer
with a return code no table knows) and ``suspect`` (``-9``, result unknown); the *forged* variants
``bad-signature`` (sealed with another SM2 key) and ``wrong-key`` (encrypted with another SM4 key);
``duplicate-results``, ``reorder-results`` (variant ``stale``: the pre-settlement answer) and
``late-returns`` on queries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import sqlite3
import threading
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

from adapters.contract import AmountUnit
from adapters.direct_link import (
    ALGORITHM_MISMATCH,
    BODY_MALFORMED,
    ENVELOPE_MALFORMED,
    SIGNATURE_INVALID,
    Funcode,
    amount_text,
    amount_value,
    open_envelope,
    parse_wire_time,
    seal,
    strict_loads,
    wire_time,
)
from adapters.direct_link._profile import DEFAULT_BASE_PATH
from adapters.simulator import bank_texts
from adapters.simulator.cards import CARDS_FILE, CardBook
from adapters.simulator.faults import FaultKind
from adapters.simulator.ledger import BatchView, IncomingBatch, IncomingLine
from adapters.simulator.protocol import Request, Response, SimContext, register_protocol
from gateway.errors import InvalidInput
from keys.algorithms import DECRYPTION_FAILED, SignatureAlgorithm, generate_cipher_key, get_backend

CONTENT_TYPE = "application/json; charset=utf-8"
PARTS_FILE = "direct_link.sqlite3"
DEFAULT_MAX_LINES = 6000

_ENDPOINT = {
    Funcode.PAYROLL_SUBMIT: "submit",
    Funcode.PAYROLL_QUERY: "status",
    Funcode.BOUNCE_QUERY: "notifications",
}
_OPEN_FAILURE = {
    DECRYPTION_FAILED: ("2003", "解密失败"),
    SIGNATURE_INVALID: ("2002", "验签失败"),
    ALGORITHM_MISMATCH: ("2001", "报文格式错误"),
    ENVELOPE_MALFORMED: ("2001", "报文格式错误"),
    BODY_MALFORMED: ("2001", "报文格式错误"),
}
_FRESHNESS = {
    "TIMESTAMP_OUT_OF_WINDOW": ("2004", "请求时间超出允许范围"),
    "NONCE_REUSED": ("2005", "请求随机数重复"),
}
OK = ("0000", "交易成功")


def endpoint_path(funcode: Funcode, base_path: str = DEFAULT_BASE_PATH) -> str:
    return f"{base_path}/{funcode.value.lower()}"


class _Unchecked:
    """Stands in for the gateway's key when the bank was started without ``--client-key``."""

    def verify(self, data: bytes, signature: bytes) -> bool:
        return True


class _Refusal(Exception):
    def __init__(self, code: str, text: str) -> None:
        super().__init__(code)
        self.code = code
        self.text = text


def _date8(ts: float) -> str:
    return wire_time(dt.datetime.fromtimestamp(ts, dt.UTC).isoformat())[:8]


class _Parts:
    """Parts of submissions received so far (DATA/direct_link.sqlite3): de-duplication and continuation."""

    _SCHEMA = """
    CREATE TABLE IF NOT EXISTS parts (
        batchref TEXT NOT NULL,
        partno INTEGER NOT NULL,
        partcount INTEGER NOT NULL,
        digest TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (batchref, partno)
    );
    """

    def __init__(self, path: Path) -> None:
        self._lock = threading.RLock()
        new = not path.exists()
        if new:
            path.touch(mode=0o600)  # parts hold accounts in clear, like the ledger
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(self._SCHEMA)

    def get(self, batchref: str, partno: int) -> tuple[int, str] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT partcount, digest FROM parts WHERE batchref = ? AND partno = ?", (batchref, partno)
            ).fetchone()
        return (row[0], row[1]) if row else None

    def add(self, batchref: str, partno: int, partcount: int, digest: str, body: dict) -> bool:
        """Keep a part; False when it was there already (a concurrent duplicate)."""
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO parts VALUES (?, ?, ?, ?, ?)",
                (batchref, partno, partcount, digest, json.dumps(body, ensure_ascii=False)),
            )
            return bool(cur.rowcount)

    def all(self, batchref: str) -> list[dict]:
        with self._lock:
            rows = self._db.execute(
                "SELECT body FROM parts WHERE batchref = ? ORDER BY partno", (batchref,)
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _int(value: Any, what: str) -> int:
    if type(value) is not int:
        raise _Refusal("2001", f"报文格式错误：{what}")
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def read_submit(body: Mapping[str, Any], max_lines: int) -> tuple[dict, list[IncomingLine], AmountUnit]:
    """Check one PAYROLL_SUBMIT part the bank's way; its summary, lines and unit (or a _Refusal)."""
    summary = body.get("summary")
    rows = body.get("lines")
    if not isinstance(summary, dict) or not isinstance(rows, list):
        raise _Refusal("2001", "报文格式错误")
    try:
        unit = AmountUnit[_text(summary.get("unit"))]
    except KeyError:
        raise _Refusal("2001", "报文格式错误：金额单位") from None
    partno = _int(summary.get("partno"), "partno")
    partcount = _int(summary.get("partcount"), "partcount")
    if not 1 <= partno <= partcount or summary.get("first") is not (partno == 1):
        raise _Refusal("3008", "续传分包顺序错误")
    if summary.get("last") is not (partno == partcount):
        raise _Refusal("3008", "续传分包顺序错误")
    if len(rows) > max_lines:
        raise _Refusal("3005", "超过单批最大笔数")
    lines = []
    for row in rows:
        if not isinstance(row, dict):
            raise _Refusal("2001", "报文格式错误：明细")
        fen = amount_value(row.get("amt"), unit)
        seq = row.get("seq")
        if fen is None or type(seq) is not int or not _text(row.get("ref")):
            raise _Refusal("2001", "报文格式错误：明细")
        lines.append(
            IncomingLine(seq, _text(row.get("ref")), _text(row.get("acc")), fen, _text(row.get("name")))
        )
    if summary.get("partlines") != len(lines):
        raise _Refusal("3003", "批次总笔数与明细不符")
    if amount_value(summary.get("partamt"), unit) != sum(x.amount_fen for x in lines):
        raise _Refusal("3004", "批次总金额与明细不符")
    return summary, lines, unit


def _refusal_of(view: BatchView) -> tuple[str, str] | None:
    """A batch booked refused answers with the code it was refused with."""
    if view.group_code is None:
        return None
    if view.declared_count is not None and view.declared_count != view.line_count:
        return "3003", "批次总笔数与明细不符"
    return "3004", "批次总金额与明细不符"


def query_body(
    view: BatchView,
    unit: AmountUnit,
    bank_code: str,
    *,
    final: bool,
    duplicate: bool = False,
    reverse: bool = False,
) -> dict[str, Any]:
    """The PAYROLL_QUERY answer body on ``view``: every line A before settlement (``final`` False), then
    S (credited, also when it came back later: the return is BOUNCE_QUERY's) or E with the bank's text."""
    rows = []
    paid = failed = 0
    paid_fen = failed_fen = 0
    for line in view.lines:
        row: dict[str, Any] = {
            "amt": amount_text(line.amount_fen, unit),
            "ref": line.end_to_end_id,
            "seq": line.seq,
        }
        if not final:
            row["status"] = "A"
        elif line.credited:
            row.update(status="S", valdate=_date8(view.settle_at))
            paid += 1
            paid_fen += line.amount_fen
        else:
            code, text = bank_texts.failure_text(bank_code, line.reason)
            row.update(status="E", errcode=code, errmsg=text)
            failed += 1
            failed_fen += line.amount_fen
        rows.append(row)
    if reverse:
        rows.reverse()
    if duplicate:
        rows = [r for r in rows for _ in range(2)]
    total_fen = view.declared_sum_fen if view.declared_sum_fen is not None else view.sum_fen
    return {
        "bankbatch": bank_batch(view.reference, bank_code),
        "batchref": view.reference,
        "batchstatus": "F" if final else "P",
        "failamt": amount_text(failed_fen, unit),
        "failcount": failed,
        "lines": rows,
        "sucamt": amount_text(paid_fen, unit),
        "succount": paid,
        "totalamt": amount_text(total_fen, unit),
        "totalcount": view.declared_count if view.declared_count is not None else view.line_count,
    }


def bounce_body(view: BatchView, unit: AmountUnit, *, duplicate: bool = False, reverse: bool = False) -> dict:
    """The BOUNCE_QUERY answer body: the credits of ``view`` that came back, with the return's text."""
    rows = []
    for line in view.lines:
        if not line.returned:
            continue
        code, text = bank_texts.return_text(line.returned)
        rows.append(
            {
                "amt": amount_text(line.amount_fen, unit),
                "errcode": code,
                "errmsg": text,
                "ref": line.end_to_end_id,
                "retdate": _date8(line.returned_at or 0.0),
                "seq": line.seq,
            }
        )
    if reverse:
        rows.reverse()
    if duplicate:
        rows = [r for r in rows for _ in range(2)]
    return {"batchref": view.reference, "lines": rows}


def bank_batch(reference: str, bank_code: str) -> str:
    return f"CDL{bank_code}{hashlib.sha256(reference.encode()).hexdigest()[:12].upper()}"


def answer_head(funcode: str, reqid: str, code: str, text: str, now: float) -> dict[str, Any]:
    return {
        "funcode": funcode,
        "nonce": secrets.token_hex(8),
        "reqid": reqid,
        "resptime": wire_time(dt.datetime.fromtimestamp(now, dt.UTC).isoformat()),
        "retcode": code,
        "retmsg": text,
        "ver": "1",
    }


@register_protocol
class DirectLinkHandler:
    name = "direct_link_json"
    endpoints: ClassVar[Mapping[str, str]] = MappingProxyType(
        {endpoint_path(f): _ENDPOINT.get(f, "card") for f in Funcode}
    )
    malformed_variants = ("truncated", "garbage", "empty", "unknown-retcode", "suspect")
    tamper_variants = ("bad-signature", "wrong-key")
    bank_key_algorithm = SignatureAlgorithm.SM2_SM3
    working_key = True

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parts: _Parts | None = None
        self._cards: CardBook | None = None

    # -- stores, opened on first use in the simulator's data folder ----------------------------------

    def parts(self, sim: SimContext) -> _Parts:
        with self._lock:
            if self._parts is None:
                self._parts = _Parts(Path(sim.data_dir) / PARTS_FILE)
            return self._parts

    def cards(self, sim: SimContext) -> CardBook:
        with self._lock:
            if self._cards is None:
                self._cards = CardBook(
                    Path(sim.data_dir) / CARDS_FILE,
                    seed=sim.seed,
                    bank_code=sim.bank_code,
                    close_after=float(sim.options.get("card_close_after") or 0.0),
                )
            return self._cards

    @staticmethod
    def max_lines(sim: SimContext) -> int:
        return int(sim.options.get("max_lines") or DEFAULT_MAX_LINES)

    # -- the envelope ---------------------------------------------------------------------------------

    def _seal(self, sim: SimContext, head: dict, body: dict, reference: str = "") -> Response:
        data = seal(head, body, signer=sim.bank_signer, cipher=sim.cipher)
        return Response(200, data, CONTENT_TYPE, reference=reference)

    def _answer(
        self, sim: SimContext, funcode: str, reqid: str, code_text: tuple[str, str], body: dict | None = None
    ) -> Response:
        head = answer_head(funcode, reqid, code_text[0], code_text[1], sim.now())
        reference = _text((body or {}).get("batchref"))
        return self._seal(sim, head, body or {}, reference)

    def open(self, request: Request, sim: SimContext) -> tuple[dict, dict]:
        """The verified (head, body) of a request, or a _Refusal with the bank's code."""
        verifier = sim.client_verifier or _Unchecked()
        try:
            head, body = open_envelope(request.body, verifier=verifier, cipher=sim.cipher)
        except InvalidInput as exc:
            code, text = _OPEN_FAILURE.get(exc.reason, ("2001", "报文格式错误"))
            raise _Refusal(code, text) from None
        if sim.client_verifier is not None:
            stamped = parse_wire_time(head.get("reqtime"))
            if stamped is None:
                raise _Refusal("2004", "请求时间超出允许范围")
            refused = sim.fresh(stamped.isoformat(), _text(head.get("nonce")))
            if refused is not None:
                raise _Refusal(*_FRESHNESS[refused])
        if not _text(head.get("userid")):
            raise _Refusal("2006", "用户未开通该功能")
        return head, body

    @staticmethod
    def _clear_head(request: Request) -> dict:
        """The head of an envelope that could not be opened (it travels in clear), for the answer."""
        try:
            head = strict_loads(request.body, "the envelope").get("head")
        except (InvalidInput, AttributeError):
            return {}
        return head if isinstance(head, dict) else {}

    # -- requests -------------------------------------------------------------------------------------

    def handle(self, endpoint: str, request: Request, sim: SimContext) -> Response:
        wanted = next((f for f in Funcode if endpoint_path(f) == request.path), None)
        try:
            head, body = self.open(request, sim)
        except _Refusal as refusal:
            clear = self._clear_head(request)
            return self._answer(sim, wanted or "", _text(clear.get("reqid")), (refusal.code, refusal.text))
        funcode = _text(head.get("funcode"))
        reqid = _text(head.get("reqid"))
        if wanted is None or funcode != wanted:
            return self._answer(sim, funcode, reqid, ("2001", "报文格式错误"))
        try:
            if funcode == Funcode.PAYROLL_SUBMIT:
                code_text, answer = self._submit(reqid, body, sim)
            elif funcode == Funcode.PAYROLL_QUERY:
                code_text, answer = self._query(endpoint, body, sim)
            elif funcode == Funcode.BOUNCE_QUERY:
                code_text, answer = self._bounce(endpoint, body, sim)
            else:
                card = self.cards(sim).operate(funcode, reqid, body, sim.now())
                code_text, answer = (card.retcode, card.retmsg), card.body
        except _Refusal as refusal:
            code_text, answer = (refusal.code, refusal.text), {}
        return self._answer(sim, funcode, reqid, code_text, answer)

    def _submit(self, reqid: str, body: dict, sim: SimContext) -> tuple[tuple[str, str], dict]:
        summary, _lines, _unit = read_submit(body, self.max_lines(sim))
        ref = _text(summary.get("batchref"))
        if not ref or ref != reqid:
            raise _Refusal("2001", "报文格式错误：批次号")
        partno, partcount = summary["partno"], summary["partcount"]
        digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        answer = {"bankbatch": bank_batch(ref, sim.bank_code), "batchref": ref, "partno": partno}
        parts = self.parts(sim)
        known = parts.get(ref, partno)
        if known is not None and known[1] != digest:
            raise _Refusal("3006", "业务参考号重复")  # another batch under a reference already used
        if known is None:
            if partno > 1 and parts.get(ref, partno - 1) is None:
                raise _Refusal("3008", "续传分包顺序错误")
            parts.add(ref, partno, partcount, digest, body)
        view = sim.ledger.batch(ref)
        if view is None:
            stored = parts.all(ref)
            if len(stored) == partcount:
                # The last part is in: book the whole batch once (a resend of the last part after a
                # failure half way through books it too).
                view, _new = sim.ledger.receive(self.read_batch_parts(stored, sim), sim.now())
        elif known is not None:
            view, _new = sim.ledger.receive(IncomingBatch(ref, ()), sim.now())  # counts the resend
        if view is not None:
            refusal = _refusal_of(view)
            if refusal is not None:
                raise _Refusal(*refusal)
        return OK, answer

    def read_batch_parts(self, bodies: list[dict], sim: SimContext) -> IncomingBatch:
        """The whole batch from its parts (each already checked), for the ledger."""
        lines: list[IncomingLine] = []
        unit = AmountUnit.YUAN
        for body in bodies:
            _summary, part_lines, unit = read_submit(body, self.max_lines(sim))
            lines.extend(part_lines)
        summary = bodies[0]["summary"]
        return IncomingBatch(
            reference=summary["batchref"],
            lines=lines,
            declared_count=summary.get("totalcount") if type(summary.get("totalcount")) is int else None,
            declared_sum_fen=amount_value(summary.get("totalamt"), unit),
            debtor_account=_text(summary.get("payacc"))[:34],
            extra={"unit": unit.name},
        )

    def _view(self, endpoint: str, body: dict, sim: SimContext) -> BatchView:
        ref = _text(body.get("batchref"))
        view = sim.ledger.batch(ref) if ref else None
        if view is None:
            raise _Refusal("3010", "批次不存在")
        late = sim.faults.armed(FaultKind.LATE_RETURNS, endpoint)
        if late is not None:
            sim.ledger.late_returns(ref, late.rate, sim.now())
            view = sim.ledger.batch(ref) or view
        return view

    @staticmethod
    def _unit(view: BatchView) -> AmountUnit:
        return AmountUnit[view.extra.get("unit", "YUAN")]

    def _query(self, endpoint: str, body: dict, sim: SimContext) -> tuple[tuple[str, str], dict]:
        view = self._view(endpoint, body, sim)
        refusal = _refusal_of(view)
        if refusal is not None:
            raise _Refusal(*refusal)
        duplicate = sim.faults.fires(FaultKind.DUPLICATE_RESULTS, endpoint) is not None
        reorder = sim.faults.fires(FaultKind.REORDER_RESULTS, endpoint)
        stale = reorder is not None and reorder.variant == "stale"
        final = view.settled(sim.now()) and not stale
        answer = query_body(
            view,
            self._unit(view),
            sim.bank_code,
            final=final,
            duplicate=duplicate,
            reverse=reorder is not None and not stale,
        )
        return OK, answer

    def _bounce(self, endpoint: str, body: dict, sim: SimContext) -> tuple[tuple[str, str], dict]:
        view = self._view(endpoint, body, sim)
        duplicate = sim.faults.fires(FaultKind.DUPLICATE_RESULTS, endpoint) is not None
        reorder = sim.faults.fires(FaultKind.REORDER_RESULTS, endpoint) is not None
        return OK, bounce_body(view, self._unit(view), duplicate=duplicate, reverse=reorder)

    # -- the conformance hooks ------------------------------------------------------------------------

    def read_batch(self, request: Request, sim: SimContext) -> IncomingBatch:
        """The bank's reading of a one-part submission (raises when it would refuse it)."""
        try:
            _head, body = self.open(request, sim)
        except _Refusal as refusal:
            raise InvalidInput(f"the bank refuses the request: {refusal.code}", "BANKSIM_REFUSED") from None
        return self.read_batch_parts([body], sim)

    def render_result(self, view: BatchView, stage: str, sim: SimContext) -> Response:
        """The bank's answer on ``view``: ``ack`` (PAYROLL_SUBMIT), ``interim``/``final`` (PAYROLL_QUERY)
        or ``returns`` (BOUNCE_QUERY)."""
        unit = self._unit(view)
        if stage == "ack":
            funcode, reqid = Funcode.PAYROLL_SUBMIT, view.reference
            body = {
                "bankbatch": bank_batch(view.reference, sim.bank_code),
                "batchref": view.reference,
                "partno": 1,
            }
        elif stage == "returns":
            funcode, reqid, body = Funcode.BOUNCE_QUERY, "Q" + secrets.token_hex(8), bounce_body(view, unit)
        else:
            funcode, reqid = Funcode.PAYROLL_QUERY, "Q" + secrets.token_hex(8)
            body = query_body(view, unit, sim.bank_code, final=stage == "final")
        return self._answer(sim, funcode, reqid, OK, body)

    # -- faults ---------------------------------------------------------------------------------------

    def corrupt(self, response: Response, variant: str, sim: SimContext) -> Response:
        data = response.body
        if variant == "truncated":
            data = data[: len(data) // 2]
        elif variant == "garbage":
            data = b"\x00\xff<<not a bank message>>\xfe"
        elif variant == "empty":
            data = b""
        else:
            head, body = open_envelope(data, verifier=sim.bank_signer.verifier(), cipher=sim.cipher)
            signer, cipher = sim.bank_signer, sim.cipher
            if variant == "unknown-retcode":
                head = {**head, "retcode": "7777", "retmsg": "未定义的返回码"}
            elif variant == "suspect":
                head = {**head, "retcode": "-9", "retmsg": "处理结果未知"}
            elif variant == "bad-signature":
                signer = get_backend().generate(SignatureAlgorithm.SM2_SM3)
            elif variant == "wrong-key":
                cipher = get_backend().cipher(cipher.algorithm, generate_cipher_key(cipher.algorithm))
            data = seal(head, body, signer=signer, cipher=cipher)
        return Response(response.status, data, response.content_type, response.headers, response.reference)


__all__ = ["DirectLinkHandler", "bounce_body", "endpoint_path", "query_body", "read_submit"]
