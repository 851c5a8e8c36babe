"""Write a camt.053.001.02 fund-account statement (the 支出户 as the bank would report it).

Used by the demo (a statement made from the bank simulators' ledgers) and by tests that need a month of
statements. It writes what our reader needs and nothing personal: no payee names or accounts, only the
fund account, amounts, dates and our references (end-to-end id, or PmtInfId for a batch booking).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


@dataclass(frozen=True)
class Booking:
    amount_fen: int
    credit: bool  # True: money came into the fund account (a return); False: a payment left it
    day: date
    end_to_end_id: str | None = None
    pmt_inf_id: str | None = None  # a batch booking: our batch reference …
    nb_of_txs: int | None = None  # … and how many payments the lump covers
    return_reason: str | None = None  # ISO return reason (MD07, AC04…) for a returned payment
    bank_ref: str | None = None


def _amt(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _bal(code: str, fen: int, day: date) -> str:
    ind = "CRDT" if fen >= 0 else "DBIT"
    return (
        f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="CNY">{_amt(abs(fen))}</Amt>'
        f"<CdtDbtInd>{ind}</CdtDbtInd><Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>"
    )


def _entry(b: Booking, n: int) -> str:
    ind = "CRDT" if b.credit else "DBIT"
    family = "RRTN" if b.return_reason else ("ICDT" if not b.credit else "RCDT")
    parts = [
        f'<Ntry><NtryRef>{n}</NtryRef><Amt Ccy="CNY">{_amt(b.amount_fen)}</Amt><CdtDbtInd>{ind}</CdtDbtInd>',
        "<Sts>BOOK</Sts>",
        f"<BookgDt><Dt>{b.day.isoformat()}</Dt></BookgDt><ValDt><Dt>{b.day.isoformat()}</Dt></ValDt>",
        f"<AcctSvcrRef>{escape(b.bank_ref or f'BK{n:08d}')}</AcctSvcrRef>",
        f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>"
        f"{'RRTN' if b.return_reason else 'ESCT'}</SubFmlyCd></Fmly></Domn></BkTxCd>",
        "<NtryDtls>",
    ]
    if b.pmt_inf_id is not None:
        parts.append(f"<Btch><PmtInfId>{escape(b.pmt_inf_id)}</PmtInfId>")
        if b.nb_of_txs is not None:
            parts.append(f"<NbOfTxs>{b.nb_of_txs}</NbOfTxs>")
        parts.append("</Btch>")
    if b.end_to_end_id is not None:
        parts.append(f"<TxDtls><Refs><EndToEndId>{escape(b.end_to_end_id)}</EndToEndId></Refs>")
        if b.return_reason:
            parts.append(f"<RtrInf><Rsn><Cd>{escape(b.return_reason)}</Cd></Rsn></RtrInf>")
        parts.append("</TxDtls>")
    parts.append("</NtryDtls></Ntry>")
    return "".join(parts)


def render_statement(
    *,
    account: str,
    statement_id: str,
    sequence: int,
    opening_fen: int,
    bookings: Sequence[Booking],
    day: date,
    closing_fen: int | None = None,
    created: str = "2025-01-31T18:00:00+08:00",
) -> bytes:
    """A one-statement camt.053; ``closing_fen`` defaults to opening + bookings (a balanced statement)."""
    net = sum(b.amount_fen if b.credit else -b.amount_fen for b in bookings)
    closing = opening_fen + net if closing_fen is None else closing_fen
    body = "".join(_entry(b, n) for n, b in enumerate(bookings, 1))
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{NS}"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>{escape(statement_id)}-MSG</MsgId><CreDtTm>{created}</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{escape(statement_id)}</Id><ElctrncSeqNb>{sequence}</ElctrncSeqNb>"
        f"<CreDtTm>{created}</CreDtTm>"
        f"<Acct><Id><Othr><Id>{escape(account)}</Id></Othr></Id><Ccy>CNY</Ccy></Acct>"
        f"{_bal('OPBD', opening_fen, day)}{_bal('CLBD', closing, day)}{body}"
        "</Stmt></BkToCstmrStmt></Document>"
    )
    return xml.encode("utf-8")
