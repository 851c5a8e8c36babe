"""pain.002 customer payment status report (001.03, the Swiss 001.03.ch.02 flavour, 001.10, 001.11).

One report answers one original message (pain.001 credit transfers, or pain.008 direct debits). It may
give a status for the whole message (``GrpSts``), for each payment-information block (``PmtInfSts``) and
for each transaction (``TxSts``), each with its status reasons. Each status given becomes one STATUS
entry with the matching :class:`~reconciliation.entry.Scope`; the reasons are from the ISO *status*
reason list, never the return list.

A transaction listed without its own ``TxSts`` takes the status of its block or group (the ISO usage
rule), except a PART, which says nothing about any single transaction: such a line is UNKNOWN.
"""

from __future__ import annotations

from pathlib import Path

from reconciliation._base import EvidenceFormat, ParseContext, Sniff
from reconciliation._iso import IsoReader, message_of, payment_status
from reconciliation._pain002_tx import QuickReader, read_general
from reconciliation._xml import Names, drop, iterparse, parse_datetime, sniff_root, text
from reconciliation.entry import (
    BankEntry,
    Direction,
    EntryKind,
    EntryStatus,
    ReasonList,
    References,
    Scope,
    Statement,
)

FORMAT = "pain.002"
SUPPORTED = {("03", "iso"), ("03", "ch"), ("10", "iso"), ("11", "iso")}
_ROOT = "CstmrPmtStsRpt"


def detect(sniff: Sniff) -> bool:
    msg = message_of(sniff.xml_namespace)
    return sniff.xml_root == "Document" and msg is not None and msg[0] == FORMAT


def _direction(original_message_name: str | None) -> Direction | None:
    # A status on our credit transfers (pain.001) reports money leaving our account; on direct debits
    # we collected (pain.008), money coming in. Anything else: the report does not say.
    name = (original_message_name or "").lower()
    if name.startswith("pain.001"):
        return Direction.DEBIT
    if name.startswith("pain.008"):
        return Direction.CREDIT
    return None


def parse(path: Path, ctx: ParseContext, *, quick: bool = True) -> tuple[list[Statement], list[BankEntry]]:
    """The report's statement and entries. ``quick=False`` reads every transaction with the general
    reader only (the reference the quick reader is tested against)."""
    with path.open("rb") as fh:
        namespace, _root, _doctype = sniff_root(fh.read(65536))
    msg = message_of(namespace)
    if msg is None or msg[0] != FORMAT:
        raise ctx.unreadable("not a pain.002 document", "UNKNOWN_FORMAT")
    if (msg[1], msg[2]) not in SUPPORTED:
        raise ctx.unreadable(
            f"pain.002.001.{msg[1]} is not supported (supported: 001.03, 001.03.ch.02, 001.10, 001.11)",
            "UNSUPPORTED_FORMAT",
        )
    q = Names(namespace)  # type: ignore[arg-type]
    read = IsoReader(ctx, q)
    # Regular transactions take the quick path; anything it does not vouch for, the general reader.
    quick_reader = QuickReader(namespace, read) if quick else None  # type: ignore[arg-type]
    base = f"/Document/{_ROOT}"
    file_name = ctx.file_name

    entries: list[BankEntry] = []
    msg_id = created = None
    orig_msg_id = orig_msg_name = None
    grp_status: str | None = None
    direction: Direction | None = None
    saw_status = False
    pmt_index = 0
    pmt_elem = None
    pmt_header: dict | None = None
    pmt_insert_at = 0
    tx_index = 0

    def read_pmt_header(elem, position: str) -> dict:
        return {
            "position": position,
            "line": elem.sourceline,
            "id": text(elem, q("OrgnlPmtInfId")),
            "status": text(elem, q("PmtInfSts")),
            "nb": read.integer(elem, ("OrgnlNbOfTxs",), elem, position),
            # Read now: the transactions that follow are dropped with their preceding siblings.
            "reason": read.reason(elem, "StsRsnInf", ReasonList.STATUS),
        }

    # Compared as whole Clark names (the filter admits these four only): cheaper than taking every
    # element's local name, twice per transaction.
    grp_tag, orig_tag, pmt_tag, tx_tag = tags = [
        q("GrpHdr"),
        q("OrgnlGrpInfAndSts"),
        q("OrgnlPmtInfAndSts"),
        q("TxInfAndSts"),
    ]
    for event, elem in iterparse(path, ctx, tags):
        tag = elem.tag
        if event == "start":
            if tag == tx_tag:
                if pmt_elem is not None and pmt_header is None:
                    pmt_header = read_pmt_header(pmt_elem, f"{base}/OrgnlPmtInfAndSts[{pmt_index}]")
                tx_index += 1
            elif tag == pmt_tag:
                pmt_index += 1
                pmt_elem, pmt_header, tx_index = elem, None, 0
                pmt_insert_at = len(entries)
            continue

        if tag == grp_tag:
            position = f"{base}/GrpHdr"
            msg_id = read.required_text(elem, ("MsgId",), elem, position)
            raw = text(elem, q("CreDtTm"))
            if raw:
                try:
                    created = parse_datetime(raw)
                except ValueError:
                    ctx.problem(position, "CreDtTm", "not an ISO date-time", elem.sourceline)
        elif tag == orig_tag:
            position = f"{base}/OrgnlGrpInfAndSts"
            orig_msg_id = read.required_text(elem, ("OrgnlMsgId",), elem, position)
            orig_msg_name = text(elem, q("OrgnlMsgNmId"))
            direction = _direction(orig_msg_name)
            grp_status = text(elem, q("GrpSts"))
            if grp_status:
                saw_status = True
                entries.append(
                    BankEntry(
                        source_format=FORMAT,
                        source_file=file_name,
                        position=position,
                        line=elem.sourceline,
                        kind=EntryKind.STATUS,
                        status=payment_status(grp_status),
                        raw_status=grp_status,
                        statement_id=msg_id,
                        scope=Scope.GROUP,
                        direction=direction,
                        refs=References(original_message_id=orig_msg_id),
                        reason=read.reason(elem, "StsRsnInf", ReasonList.STATUS),
                        nb_of_txs=read.integer(elem, ("OrgnlNbOfTxs",), elem, position),
                    )
                )
        elif tag == tx_tag:
            if pmt_header is None:  # pragma: no cover - the schema nests transactions in a block
                ctx.problem(f"{base}/TxInfAndSts", "TxInfAndSts", "transaction outside a payment block")
                continue
            position = f"{pmt_header['position']}/TxInfAndSts[{tx_index}]"
            tx = quick_reader(elem) if quick_reader is not None else None
            if tx is None:
                tx = read_general(elem, q, read, position)
            raw_status = tx.raw_status
            if raw_status:
                saw_status = True
                status = payment_status(raw_status)
            else:
                inherited = pmt_header["status"] or grp_status
                status = payment_status(inherited) if inherited != "PART" else EntryStatus.UNKNOWN
            entries.append(
                BankEntry(
                    source_format=FORMAT,
                    source_file=file_name,
                    position=position,
                    line=elem.sourceline,
                    kind=EntryKind.STATUS,
                    status=status,
                    raw_status=raw_status,
                    statement_id=msg_id,
                    scope=Scope.TRANSACTION,
                    direction=direction,
                    amount_minor=tx.amount,
                    currency=tx.currency,
                    value_date=tx.value_date,
                    refs=References(
                        end_to_end_id=tx.end_to_end_id,
                        instruction_id=tx.instruction_id,
                        original_message_id=orig_msg_id,
                        payment_information_id=pmt_header["id"],
                        account_servicer_ref=tx.account_servicer_ref,
                        uetr=tx.uetr,
                    ),
                    reason=tx.reason,
                )
            )
            drop(elem)
        elif tag == pmt_tag:
            header = pmt_header or read_pmt_header(elem, f"{base}/OrgnlPmtInfAndSts[{pmt_index}]")
            if header["status"]:
                saw_status = True
                entries.insert(
                    pmt_insert_at,
                    BankEntry(
                        source_format=FORMAT,
                        source_file=file_name,
                        position=header["position"],
                        line=header["line"],
                        kind=EntryKind.STATUS,
                        status=payment_status(header["status"]),
                        raw_status=header["status"],
                        statement_id=msg_id,
                        scope=Scope.BATCH,
                        direction=direction,
                        refs=References(original_message_id=orig_msg_id, payment_information_id=header["id"]),
                        reason=header["reason"],
                        nb_of_txs=header["nb"],
                    ),
                )
            pmt_elem = pmt_header = None
            drop(elem)

    if orig_msg_id is None and msg_id is not None:
        ctx.problem(f"{base}/OrgnlGrpInfAndSts", "OrgnlGrpInfAndSts", "mandatory element missing")
    if not saw_status and not ctx.problems:
        ctx.problem(base, "GrpSts/PmtInfSts/TxSts", "the report gives no status at any level")
    for entry in entries:
        if entry.status is EntryStatus.UNKNOWN and entry.raw_status:
            ctx.warn(
                "UNKNOWN_STATUS",
                f"status code {entry.raw_status!r} is not known; kept as UNKNOWN",
                entry.position,
            )
    statement = Statement(
        source_format=FORMAT,
        source_file=file_name,
        position=base,
        line=None,
        kind=EntryKind.STATUS,
        statement_id=msg_id,
        message_id=msg_id,
        original_message_id=orig_msg_id,
        created_at=created,
        entries_count=len(entries),
    )
    return [statement], entries


PAIN002 = EvidenceFormat(
    name=FORMAT,
    description="ISO 20022 pain.002 payment status report (001.03, 001.03.ch.02, 001.10, 001.11)",
    detect=detect,
    parse=parse,
)
