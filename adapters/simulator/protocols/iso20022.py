"""The ISO 20022 bank: takes pain.001.001.09, answers pain.002.001.10, notifies returns as camt.054.001.08.

Endpoints (all POST; the adapter's :mod:`adapters.iso20022._wire` names them):

``/iso20022/pain.001``       submit: the pain.001 is booked once (ledger), the answer is a pain.002
                             acknowledgement: ``GrpSts`` ACTC, or RJCT with the reason for a refused
                             message (AM10 control sum, FF01 format/schema, AM03 currency, RC01 wrong bank)
``/iso20022/status``         ``{"OrgnlMsgId": …}`` → the pain.002 with line states: ACSP before settlement,
                             then ACSC / RJCT+reason per line, group ACSC / PART / RJCT; 404 NOT_FOUND
``/iso20022/notifications``  ``{"OrgnlMsgId": …}`` → a camt.054 with the returns of that message's lines

A message the handler cannot read at all (not XML, no MsgId) is a 400: there is nothing to book it under.
Answers are signed with the bank's key (detached, as the adapter's :mod:`~adapters.iso20022._wire` says);
the forged ``malformed`` variants ``bad-signature`` (signed with another key) and ``tampered-body`` (a
failed line turned into a settled one after signing) are for the gateway's signature check.
The renderers (:func:`render_pain002`, :func:`render_camt054`) are pure functions of the ledger's view,
a message id and a time, so the golden files of the adapter's tests are made with them.
"""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar

from lxml import etree

from adapters.contract import FailureReason
from adapters.iso20022._wire import (
    CAMT054_NS,
    CURRENCY,
    H_NONCE,
    H_TIMESTAMP,
    NOTIFICATIONS_PATH,
    PAIN001_NAME,
    PAIN001_NS,
    PAIN001_PATH,
    PAIN002_NS,
    STATUS_PATH,
    XML_CONTENT_TYPE,
    fen_to_yuan,
    header,
    signature_headers,
    verify_signature,
    yuan_to_fen,
)
from adapters.simulator.faults import FaultKind
from adapters.simulator.ledger import BatchView, IncomingBatch, IncomingLine, LineView
from adapters.simulator.protocol import Request, Response, SimContext, register_protocol
from keys.algorithms import SignatureAlgorithm, get_backend

# Our neutral reasons to ISO codes (status list and return list agree on these).
ISO_CODE = {
    FailureReason.ACCOUNT_CLOSED.value: "AC04",
    FailureReason.ACCOUNT_FROZEN.value: "AC06",
    FailureReason.NAME_MISMATCH.value: "BE01",
    FailureReason.DECEASED.value: "MD07",
    FailureReason.CLASS_II_LIMIT.value: "AG01",
    FailureReason.ACCOUNT_INVALID.value: "AC01",
    FailureReason.DUPLICATE.value: "AM05",
    FailureReason.CONTROL_SUM_ERROR.value: "AM10",
}
# The bank's free text beside a code, Chinese as real banks write it (never personal data).
TEXT = {
    "AC01": "账号不存在",
    "AC04": "账户已销户",
    "AC06": "账户已冻结",
    "AG01": "非Ⅰ类账户超过限额",
    "AM03": "币种不支持",
    "AM05": "重复支付",
    "AM10": "笔数或金额与汇总不符",
    "BE01": "户名与账号不符",
    "FF01": "报文格式错误",
    "MD07": "账户所有人已身故",
    "NARR": "其他",
    "RC01": "付款行不符",
}

_SAFE_PARSER = etree.XMLParser(
    resolve_entities=False, load_dtd=False, no_network=True, huge_tree=True, remove_comments=True
)
_ESC = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def iso_code(reason: str | None) -> str:
    if reason is None:
        return "NARR"
    return ISO_CODE.get(reason, reason if re.fullmatch(r"[A-Z0-9]{4}", reason) else "NARR")


def iso_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_date(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).date().isoformat()


# -- a tiny indented XML writer (stable bytes for the golden files) ----------------------------------


def _w(out: list[str], depth: int, tag: str, text: str | None = None, attrs: str = "") -> None:
    pad = "  " * depth
    if text is None:
        out.append(f"{pad}<{tag}{attrs}>\n")
    else:
        out.append(f"{pad}<{tag}{attrs}>{text.translate(_ESC)}</{tag}>\n")


def _close(out: list[str], depth: int, tag: str) -> None:
    out.append(f"{'  ' * depth}</{tag}>\n")


def _reason(out: list[str], depth: int, code: str) -> None:
    _w(out, depth, "StsRsnInf")
    _w(out, depth + 1, "Rsn")
    _w(out, depth + 2, "Cd", code)
    _close(out, depth + 1, "Rsn")
    if code in TEXT:
        _w(out, depth + 1, "AddtlInf", TEXT[code])
    _close(out, depth, "StsRsnInf")


# -- pain.002 -----------------------------------------------------------------------------------------


def _line_status(line: LineView, stage: str) -> tuple[str, str | None]:
    if stage == "interim":
        return "ACSP", None
    return ("ACSC", None) if line.credited else ("RJCT", iso_code(line.reason))


def render_pain002(
    view: BatchView,
    *,
    msg_id: str,
    created: str,
    bank_code: str,
    stage: str,
    duplicate: bool = False,
    reverse: bool = False,
) -> bytes:
    """The status report on ``view``: ``stage`` is ``ack`` (group status only), ``interim`` (every line
    ACSP) or ``final`` (every line's own state)."""
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<Document xmlns="{PAIN002_NS}">\n']
    _w(out, 1, "CstmrPmtStsRpt")
    _w(out, 2, "GrpHdr")
    _w(out, 3, "MsgId", msg_id)
    _w(out, 3, "CreDtTm", created)
    _w(out, 3, "DbtrAgt")
    _w(out, 4, "FinInstnId")
    _w(out, 5, "ClrSysMmbId")
    _w(out, 6, "MmbId", bank_code)
    _close(out, 5, "ClrSysMmbId")
    _close(out, 4, "FinInstnId")
    _close(out, 3, "DbtrAgt")
    _close(out, 2, "GrpHdr")

    group_code = iso_code(view.group_code) if view.group_code else None
    if group_code:
        group = "RJCT"
    elif stage == "ack":
        group = "ACTC"
    elif stage == "interim":
        group = "ACSP"
    else:
        credited = sum(1 for line in view.lines if line.credited)
        group = "ACSC" if credited == len(view.lines) else ("RJCT" if credited == 0 else "PART")
    ctrl = view.declared_sum_fen if view.declared_sum_fen is not None else view.sum_fen
    _w(out, 2, "OrgnlGrpInfAndSts")
    _w(out, 3, "OrgnlMsgId", view.reference)
    _w(out, 3, "OrgnlMsgNmId", PAIN001_NAME)
    _w(out, 3, "OrgnlNbOfTxs", str(view.line_count))
    _w(out, 3, "OrgnlCtrlSum", fen_to_yuan(ctrl))
    _w(out, 3, "GrpSts", group)
    if group_code:
        _reason(out, 3, group_code)
    _close(out, 2, "OrgnlGrpInfAndSts")

    if stage != "ack" and not group_code and view.lines:
        _w(out, 2, "OrgnlPmtInfAndSts")
        _w(out, 3, "OrgnlPmtInfId", str(view.extra.get("pmt_inf_id") or view.reference)[:35])
        _w(out, 3, "OrgnlNbOfTxs", str(view.line_count))
        lines = list(reversed(view.lines)) if reverse else list(view.lines)
        for line in lines:
            for _ in range(2 if duplicate else 1):
                status, code = _line_status(line, stage)
                _w(out, 3, "TxInfAndSts")
                _w(out, 4, "OrgnlEndToEndId", line.end_to_end_id)
                _w(out, 4, "TxSts", status)
                if code:
                    _reason(out, 4, code)
                _w(out, 4, "OrgnlTxRef")
                _w(out, 5, "Amt")
                _w(out, 6, "InstdAmt", fen_to_yuan(line.amount_fen), f' Ccy="{CURRENCY}"')
                _close(out, 5, "Amt")
                _close(out, 4, "OrgnlTxRef")
                _close(out, 3, "TxInfAndSts")
        _close(out, 2, "OrgnlPmtInfAndSts")
    _close(out, 1, "CstmrPmtStsRpt")
    out.append("</Document>\n")
    return "".join(out).encode("utf-8")


# -- camt.054 -----------------------------------------------------------------------------------------


def render_camt054(
    view: BatchView,
    *,
    msg_id: str,
    created: str,
    bank_code: str,
    duplicate: bool = False,
    reverse: bool = False,
) -> bytes:
    """A notification on the fund account with one booked credit per returned line of ``view``."""
    returned = [line for line in view.lines if line.returned]
    if reverse:
        returned.reverse()
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<Document xmlns="{CAMT054_NS}">\n']
    _w(out, 1, "BkToCstmrDbtCdtNtfctn")
    _w(out, 2, "GrpHdr")
    _w(out, 3, "MsgId", msg_id)
    _w(out, 3, "CreDtTm", created)
    _close(out, 2, "GrpHdr")
    _w(out, 2, "Ntfctn")
    _w(out, 3, "Id", msg_id)
    _w(out, 3, "CreDtTm", created)
    _w(out, 3, "Acct")
    _w(out, 4, "Id")
    _w(out, 5, "Othr")
    _w(out, 6, "Id", view.debtor_account or "UNKNOWN")
    _close(out, 5, "Othr")
    _close(out, 4, "Id")
    _w(out, 4, "Ccy", CURRENCY)
    _close(out, 3, "Acct")
    for line in returned:
        for _ in range(2 if duplicate else 1):
            code = iso_code(line.returned)
            day = iso_date(line.returned_at or 0.0)
            amount = fen_to_yuan(line.amount_fen)
            _w(out, 3, "Ntry")
            _w(out, 4, "Amt", amount, f' Ccy="{CURRENCY}"')
            _w(out, 4, "CdtDbtInd", "CRDT")
            _w(out, 4, "Sts")
            _w(out, 5, "Cd", "BOOK")
            _close(out, 4, "Sts")
            for tag in ("BookgDt", "ValDt"):
                _w(out, 4, tag)
                _w(out, 5, "Dt", day)
                _close(out, 4, tag)
            _w(out, 4, "AcctSvcrRef", f"R{bank_code}{line.seq:08d}")
            _w(out, 4, "BkTxCd")
            _w(out, 5, "Domn")
            _w(out, 6, "Cd", "PMNT")
            _w(out, 6, "Fmly")
            _w(out, 7, "Cd", "ICDT")
            _w(out, 7, "SubFmlyCd", "RRTN")
            _close(out, 6, "Fmly")
            _close(out, 5, "Domn")
            _close(out, 4, "BkTxCd")
            _w(out, 4, "NtryDtls")
            _w(out, 5, "TxDtls")
            _w(out, 6, "Refs")
            _w(out, 7, "MsgId", view.reference)
            _w(out, 7, "PmtInfId", str(view.extra.get("pmt_inf_id") or view.reference)[:35])
            _w(out, 7, "EndToEndId", line.end_to_end_id)
            _close(out, 6, "Refs")
            _w(out, 6, "Amt", amount, f' Ccy="{CURRENCY}"')
            _w(out, 6, "CdtDbtInd", "CRDT")
            _w(out, 6, "RtrInf")
            _w(out, 7, "Rsn")
            _w(out, 8, "Cd", code)
            _close(out, 7, "Rsn")
            if code in TEXT:
                _w(out, 7, "AddtlInf", TEXT[code])
            _close(out, 6, "RtrInf")
            _close(out, 5, "TxDtls")
            _close(out, 4, "NtryDtls")
            _close(out, 3, "Ntry")
    _close(out, 2, "Ntfctn")
    _close(out, 1, "BkToCstmrDbtCdtNtfctn")
    out.append("</Document>\n")
    return "".join(out).encode("utf-8")


# -- reading pain.001 ---------------------------------------------------------------------------------


class _Unreadable(Exception):
    """Not a pain.001 we can book at all (no MsgId): a 400."""


_TX = "/p:Document/p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf"
_COLUMNS = {
    name: etree.XPath(_TX + path, namespaces={"p": PAIN001_NS}, smart_strings=False)
    for name, path in (
        ("tx", ""),
        ("ref", "/p:PmtId/p:EndToEndId/text()"),
        ("amount", "/p:Amt/p:InstdAmt/text()"),
        ("currency", "/p:Amt/p:InstdAmt/@Ccy"),
        ("account", "/p:CdtrAcct/p:Id/p:Othr/p:Id/text()"),
        ("name", "/p:Cdtr/p:Nm/text()"),
    )
}


def _transactions(root, c: str, ns: str | None):
    """(EndToEndId, amount text, currency, account, name) per CdtTrfTxInf, in order.

    Fast path: one compiled XPath per column (in C; a message may carry 20 000 transactions, and a Python
    walk over their children costs ~30 µs each). When a column has a gap (an element missing or empty,
    an IBAN instead of Othr, another namespace) the columns would not line up: walk each transaction.
    """
    if ns == PAIN001_NS:
        cols = {name: xpath(root) for name, xpath in _COLUMNS.items()}
        count = len(cols["tx"])
        if all(len(v) == count for v in cols.values()):
            return zip(
                cols["ref"], cols["amount"], cols["currency"], cols["account"], cols["name"], strict=True
            )
    return (_transaction(tx, c) for tx in root.iterfind(f"{c}CstmrCdtTrfInitn/{c}PmtInf/{c}CdtTrfTxInf"))


def _transaction(tx, c: str) -> tuple[str, str | None, str, str, str]:
    """One CdtTrfTxInf read child by child (the slow path, for messages with gaps)."""
    ref = account = name = currency = ""
    amount = None
    for el in tx:
        tag = el.tag
        if tag == c + "PmtId":
            ref = next((e.text or "" for e in el if e.tag == c + "EndToEndId"), "")
        elif tag == c + "Amt":
            found = next((e for e in el if e.tag == c + "InstdAmt"), None)
            if found is not None:
                amount, currency = found.text, found.get("Ccy", "")
        elif tag == c + "Cdtr":
            name = next((e.text or "" for e in el if e.tag == c + "Nm"), "")
        elif tag == c + "CdtrAcct":
            for ident in (e for e in el if e.tag == c + "Id"):
                for choice in ident:
                    if choice.tag == c + "IBAN":
                        account = choice.text or ""
                    elif choice.tag == c + "Othr":
                        account = next((e.text or "" for e in choice if e.tag == c + "Id"), "")
    return ref, amount, currency, account, name


def _fen(text: str | None) -> int | None:
    try:
        return yuan_to_fen(text) if text else None
    except ValueError:
        return None


def peek_msg_id(body: bytes) -> str | None:
    """The GrpHdr/MsgId of a pain.001 read from its first kilobytes (None when not found there)."""
    if b"<!DOCTYPE" in body[:8192]:
        return None  # read in full, and refused, by read_pain001
    parser = etree.XMLPullParser(events=("end",), resolve_entities=False, load_dtd=False, no_network=True)
    try:
        parser.feed(body[:8192])
        for _event, elem in parser.read_events():
            if etree.QName(elem).localname == "MsgId":
                return (elem.text or "").strip()[:35] or None
    except etree.XMLSyntaxError:
        return None
    return None


def read_pain001(body: bytes, bank_code: str, xsd: etree.XMLSchema | None) -> IncomingBatch:
    """The pain.001 as a batch for the ledger; a message with a MsgId but bad content is refused with an
    ISO code (FF01, AM03, RC01) so that a resend gets the same answer."""
    try:
        root = etree.fromstring(body, _SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise _Unreadable("not well-formed XML") from exc
    if root.getroottree().docinfo.doctype:
        raise _Unreadable("a DOCTYPE is not allowed")
    ns = etree.QName(root).namespace
    q = {"p": ns or ""}
    msg_id = root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId", namespaces=q)
    if etree.QName(root).localname != "Document" or not msg_id or not msg_id.strip():
        raise _Unreadable("no pain.001 group header with a MsgId")
    msg_id = msg_id.strip()[:35]
    refusal = None
    if ns != PAIN001_NS or (xsd is not None and not xsd.validate(root)):
        refusal = "FF01"

    lines: list[IncomingLine] = []
    currencies: set[str] = set()
    agents: set[str] = set()
    debtor = root.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:DbtrAcct/p:Id/p:Othr/p:Id", namespaces=q) or ""
    pmt_inf_id = root.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:PmtInfId", namespaces=q) or ""
    for agent in root.iterfind("p:CstmrCdtTrfInitn/p:PmtInf/p:DbtrAgt//p:MmbId", namespaces=q):
        agents.add((agent.text or "").strip())
    # Every transaction is read even when one is bad, so the answer counts what was sent.
    c = "{" + (ns or "") + "}"
    for seq, (raw_ref, amount_text, currency, account, name) in enumerate(
        _transactions(root, c, ns or ""), 1
    ):
        ref, fen = raw_ref.strip(), _fen(amount_text)
        if fen is None or not ref:
            refusal = refusal or "FF01"
        currencies.add(currency)
        lines.append(IncomingLine(seq, ref[:35] or f"#{seq}", account.strip(), fen or 0, name.strip()))
    count_text = (root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=q) or "").strip()
    declared_count = int(count_text) if count_text.isdigit() else None
    declared_sum = _fen(root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=q))
    if not lines:
        refusal = refusal or "FF01"
    elif refusal is None and currencies != {CURRENCY}:
        refusal = "AM03"
    elif refusal is None and agents and not all(a.startswith(bank_code) for a in agents):
        refusal = "RC01"  # sent to the wrong bank: this bank must not book another bank's payments
    return IncomingBatch(
        reference=msg_id,
        lines=lines,
        declared_count=declared_count,
        declared_sum_fen=declared_sum,
        debtor_account=debtor.strip()[:34],
        refusal=refusal,
        extra={"pmt_inf_id": pmt_inf_id.strip()[:35]},
    )


def _json_error(status: int, code: str, text: str) -> Response:
    body = json.dumps({"code": code, "text": text}, ensure_ascii=False).encode("utf-8")
    return Response(status, body, "application/json; charset=utf-8")


_TAMPER = "X-Sim-Tamper"  # internal marker from corrupt() to sign_response(); never sent


def _forge_success(body: bytes) -> bytes:
    """What a forger wants a bank answer to say: a refused line settled. Without one to turn, the body is
    still changed (a trailing comment), so its signature no longer holds."""
    forged = re.sub(rb"<TxSts>RJCT</TxSts>", rb"<TxSts>ACSC</TxSts>", body, count=1)
    return forged if forged != body else body + b"<!-- -->"


# -- the handler --------------------------------------------------------------------------------------


@register_protocol
class Iso20022Handler:
    name = "iso20022"
    endpoints: ClassVar[Mapping[str, str]] = MappingProxyType(
        {PAIN001_PATH: "submit", STATUS_PATH: "status", NOTIFICATIONS_PATH: "notifications"}
    )
    malformed_variants = (
        "truncated",
        "garbage",
        "empty",
        "unknown-status",
        "wrong-reference",
        "wrong-namespace",
    )
    # Forged, not unreadable: a well-formed answer whose signature does not hold (see sign_response).
    tamper_variants = ("bad-signature", "tampered-body")

    def __init__(self) -> None:
        self._xsd: etree.XMLSchema | None = None
        self._xsd_loaded = False

    def _schema(self, sim: SimContext) -> etree.XMLSchema | None:
        if not self._xsd_loaded:
            self._xsd_loaded = True
            path = Path(sim.xsd_dir) / "pain.001.001.09.xsd" if sim.xsd_dir else None
            if path is not None and path.is_file():
                self._xsd = etree.XMLSchema(etree.parse(str(path), _SAFE_PARSER))
        return self._xsd

    def handle(self, endpoint: str, request: Request, sim: SimContext) -> Response:
        if endpoint == "submit":
            return self._submit(request, sim)
        try:
            query = json.loads(request.body.decode("utf-8"))
            reference = query["OrgnlMsgId"]
            if not isinstance(reference, str) or not reference:
                raise ValueError
        except (UnicodeDecodeError, ValueError, KeyError, TypeError):
            return _json_error(400, "BAD_REQUEST", "expected a JSON object with OrgnlMsgId")
        view = sim.ledger.batch(reference)
        if view is None:
            return _json_error(404, "NOT_FOUND", "no message with this reference")
        late = sim.faults.armed(FaultKind.LATE_RETURNS, endpoint)
        if late is not None:
            sim.ledger.late_returns(reference, late.rate, sim.now())
            view = sim.ledger.batch(reference) or view
        duplicate = sim.faults.fires(FaultKind.DUPLICATE_RESULTS, endpoint) is not None
        reorder = sim.faults.fires(FaultKind.REORDER_RESULTS, endpoint)
        now = sim.now()
        if endpoint == "notifications":
            body = render_camt054(
                view,
                msg_id=sim.next_message_id("N"),
                created=iso_time(now),
                bank_code=sim.bank_code,
                duplicate=duplicate,
                reverse=reorder is not None,
            )
            return Response(200, body, XML_CONTENT_TYPE, reference=reference)
        stale = reorder is not None and reorder.variant == "stale"
        stage = "final" if view.settled(now) and not stale else "interim"
        body = render_pain002(
            view,
            msg_id=sim.next_message_id("S"),
            created=iso_time(now),
            bank_code=sim.bank_code,
            stage=stage,
            duplicate=duplicate,
            reverse=reorder is not None and not stale,
        )
        return Response(200, body, XML_CONTENT_TYPE, reference=reference)

    def _submit(self, request: Request, sim: SimContext) -> Response:
        known = peek_msg_id(request.body)
        if known is not None and sim.ledger.batch(known) is not None:
            # A resend: the bank de-duplicates on MsgId and answers as the first time, unread.
            view, _new = sim.ledger.receive(IncomingBatch(known, ()), sim.now())
            return self.render_result(view, "ack", sim)
        try:
            batch = self.read_batch(request, sim)
        except _Unreadable as exc:
            return _json_error(400, "BAD_REQUEST", str(exc))
        view, _new = sim.ledger.receive(batch, sim.now())
        return self.render_result(view, "ack", sim)

    # -- the conformance hooks: the bank's reading and writing, without the network ----------------------

    def read_batch(self, request: Request, sim: SimContext) -> IncomingBatch:
        """The bank's reading of a submission (raises for a message it cannot book at all)."""
        return read_pain001(request.body, sim.bank_code, self._schema(sim))

    def render_result(self, view: BatchView, stage: str, sim: SimContext) -> Response:
        """The bank's answer on ``view``: ``ack``, ``interim``, ``final`` (pain.002) or ``returns``
        (camt.054)."""
        created, bank = iso_time(sim.now()), sim.bank_code
        if stage == "returns":
            body = render_camt054(view, msg_id=sim.next_message_id("N"), created=created, bank_code=bank)
        else:
            msg_id = sim.next_message_id("A" if stage == "ack" else "S")
            body = render_pain002(view, msg_id=msg_id, created=created, bank_code=bank, stage=stage)
        return Response(200, body, XML_CONTENT_TYPE, reference=view.reference)

    def verify_request(self, request: Request, sim: SimContext) -> Response | None:
        """With the gateway's key configured: a valid detached signature, a fresh time stamp, a new nonce."""
        if sim.client_verifier is None:
            return None
        code = verify_signature(request.headers, request.body, sim.client_verifier)
        if code is None:
            code = sim.fresh(
                header(request.headers, H_TIMESTAMP) or "", header(request.headers, H_NONCE) or ""
            )
        return None if code is None else _json_error(401, code, "request refused by the signature check")

    def sign_response(self, response: Response, sim: SimContext) -> Response:
        tamper = response.headers.get(_TAMPER)
        headers = {k: v for k, v in response.headers.items() if k != _TAMPER}
        if sim.bank_signer is None:
            return dataclasses.replace(response, headers=headers)
        signer = sim.bank_signer
        if tamper == "bad-signature":
            signer = get_backend().generate(SignatureAlgorithm.RSA_PSS_SHA256)  # a forger's own key
        signed, _ = signature_headers(signer, iso_time(sim.now()), secrets.token_hex(16), response.body)
        body = response.body
        if tamper == "tampered-body":
            body = _forge_success(body)
        headers.update(signed)
        return Response(response.status, body, response.content_type, headers, response.reference)

    def corrupt(self, response: Response, variant: str, sim: SimContext) -> Response:
        if variant in self.tamper_variants:
            # Forged at signing time (sign_response), so the body stays a well-formed bank answer.
            return dataclasses.replace(response, headers={**response.headers, _TAMPER: variant})
        body = response.body
        if variant == "truncated":
            body = body[: len(body) // 2]
        elif variant == "garbage":
            body = b"\x00\xff<<not a bank message>>\xfe"
        elif variant == "empty":
            body = b""
        elif variant == "unknown-status":
            body = re.sub(rb"<(GrpSts|TxSts|PmtInfSts)>[A-Z]{4}<", rb"<\1>ZZZZ<", body)
            body = body.replace(b"<Cd>BOOK</Cd>", b"<Cd>ZZZZ</Cd>")
        elif variant == "wrong-reference":
            body = re.sub(rb"<OrgnlMsgId>([^<]{0,28})", rb"<OrgnlMsgId>OTHER-\1", body)
            body = re.sub(rb"<EndToEndId>([^<]{0,28})", rb"<EndToEndId>OTHER-\1", body)
        elif variant == "wrong-namespace":
            body = body.replace(b"pain.002.001.10", b"pain.002.001.99").replace(
                b"camt.054.001.08", b"camt.054.001.99"
            )
        return Response(response.status, body, response.content_type, response.headers, response.reference)
