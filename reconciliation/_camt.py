"""The camt.053/camt.054 reader (versions 001.02, 001.04, 001.08) behind both format modules.

Both messages share one shape: a group header, then statements (``Stmt``) or notifications (``Ntfctn``),
each with an account, optional balances and control totals, and entries (``Ntry``). One entry is one
booking; it becomes one :class:`~reconciliation.entry.BankEntry`:

- its amount, direction, status, dates, bank reference and bank transaction code come from the ``Ntry``;
- when it details one transaction (``TxDtls``), that transaction's references and return reason are lifted
  onto the entry;
- when it is a batch booking (``Btch/NbOfTxs`` > 1 or several ``TxDtls``), the entry has scope BATCH and
  ``batch_booked``; the transactions the bank lists become its ``details`` (one entry each, with their own
  amount when the bank gives one).

A return (``RtrInf``, or the bank transaction code sub-family RRTN) is RETURNED with a reason from the
ISO *return* list. Only booked entries (``BOOK``) count towards the balance check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from reconciliation._base import ParseContext, Sniff
from reconciliation._iso import IsoReader, entry_status, message_of
from reconciliation._money import AmountError, iso_decimal_to_minor
from reconciliation._xml import Flat, Names, drop, iterparse, parse_datetime, sniff_root, text
from reconciliation.entry import (
    Balance,
    BankEntry,
    ControlTotal,
    Direction,
    EntryKind,
    EntryStatus,
    Reason,
    ReasonList,
    References,
    Scope,
    Statement,
)

SUPPORTED_VERSIONS = ("02", "04", "08")
_SHAPE = {
    "camt.053": ("BkToCstmrStmt", "Stmt", EntryKind.BOOKED),
    "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn", EntryKind.NOTIFICATION),
}
_DIRECTION = {"CRDT": Direction.CREDIT, "DBIT": Direction.DEBIT}
_RETURN_SUBFAMILIES = frozenset({"RRTN"})  # ISO bank transaction codes "reversal due to payment return"


def detector(message: str):
    def detect(sniff: Sniff) -> bool:
        msg = message_of(sniff.xml_namespace)
        return sniff.xml_root == "Document" and msg is not None and msg[0] == message

    return detect


@dataclass(slots=True)
class _Header:
    """What precedes the entries of one statement/notification."""

    position: str
    line: int | None
    statement_id: str | None = None
    sequence: str | None = None
    page: int | None = None
    created_at: datetime | None = None
    account: str | None = None
    currency: str | None = None
    balances: list[Balance] = field(default_factory=list)
    totals_raw: list[tuple[str, int | None, str | None, str | None, str]] = field(default_factory=list)


@dataclass(slots=True)
class _Tally:
    entries: int = 0
    booked_net: int = 0
    credit_count: int = 0
    credit_sum: int = 0
    debit_count: int = 0
    debit_sum: int = 0
    other_currency: int = 0
    by_value_date: dict = field(default_factory=dict)  # value date → booked net, for value-dated balances


class CamtReader:
    def __init__(self, path: Path, ctx: ParseContext, message: str) -> None:
        self.path = path
        self.ctx = ctx
        self.message = message
        self.container_root, self.container, self.kind = _SHAPE[message]

    def _namespace(self) -> str:
        with self.path.open("rb") as fh:
            namespace, _root, _doctype = sniff_root(fh.read(65536))
        msg = message_of(namespace)
        if msg is None or msg[0] != self.message:
            raise self.ctx.unreadable(f"not a {self.message} document", "UNKNOWN_FORMAT")
        if msg[2] != "iso" or msg[1] not in SUPPORTED_VERSIONS:
            raise self.ctx.unreadable(
                f"{self.message}.001.{msg[1]} is not supported "
                f"(supported: {', '.join('001.' + v for v in SUPPORTED_VERSIONS)})",
                "UNSUPPORTED_FORMAT",
            )
        return namespace  # type: ignore[return-value]

    # -- statement header -------------------------------------------------------------------------

    def _header(self, elem, position: str) -> _Header:
        q, read = self.q, self.read
        header = _Header(position=position, line=elem.sourceline)
        header.statement_id = read.required_text(elem, ("Id",), elem, position)
        header.sequence = text(elem, q("ElctrncSeqNb")) or text(elem, q("LglSeqNb"))
        header.page = read.integer(elem, ("StmtPgntn", "PgNb"), elem, position)
        raw = text(elem, q("CreDtTm"))
        if raw:
            try:
                header.created_at = parse_datetime(raw)
            except ValueError:
                self.ctx.problem(position, "CreDtTm", "not an ISO date-time", elem.sourceline)
        acct = elem.find(q("Acct"))
        if acct is None:
            self.ctx.problem(position, "Acct", "mandatory element missing", elem.sourceline)
        else:
            header.account = text(acct, q("Id", "IBAN")) or text(acct, q("Id", "Othr", "Id"))
            header.currency = text(acct, q("Ccy"))
        for index, bal in enumerate(elem.iterfind(q("Bal")), start=1):
            balance = self._balance(bal, f"{position}/Bal[{index}]")
            if balance is not None:
                header.balances.append(balance)
        summary = elem.find(q("TxsSummry"))
        if summary is not None:
            self._totals(summary, f"{position}/TxsSummry", header)
        return header

    def _balance(self, bal, position: str) -> Balance | None:
        q, read = self.q, self.read
        type_code = text(bal, q("Tp", "CdOrPrtry", "Cd")) or text(bal, q("Tp", "CdOrPrtry", "Prtry"))
        if type_code is None:
            self.ctx.problem(position, "Tp/CdOrPrtry", "mandatory element missing", bal.sourceline)
        amount, currency = read.amount(bal, ("Amt",), bal, position, required=True)
        indicator = read.required_text(bal, ("CdtDbtInd",), bal, position)
        if indicator is not None and indicator not in _DIRECTION:
            self.ctx.problem(position, "CdtDbtInd", "must be CRDT or DBIT", bal.sourceline)
        when = read.date_choice(bal, ("Dt",), bal, position)
        if type_code is None or amount is None or indicator not in _DIRECTION:
            return None
        signed = amount if indicator == "CRDT" else -amount
        return Balance(type_code=type_code, amount_minor=signed, currency=currency, date=when)  # type: ignore[arg-type]

    def _totals(self, summary, position: str, header: _Header) -> None:
        # Sums carry no currency of their own: keep the text and convert once the currency is known.
        q = self.q
        for name, covers in (("TtlNtries", "ALL"), ("TtlCdtNtries", "CREDIT"), ("TtlDbtNtries", "DEBIT")):
            block = summary.find(q(name))
            if block is None:
                continue
            count_text = text(block, q("NbOfNtries"))
            count = int(count_text) if count_text and count_text.isdigit() else None
            if count_text and count is None:
                self.ctx.problem(f"{position}/{name}", "NbOfNtries", "not a whole number", block.sourceline)
            header.totals_raw.append((covers, count, text(block, q("Sum")), None, f"{position}/{name}"))
            if name == "TtlNtries":
                net = text(block, q("TtlNetNtry", "Amt")) or text(block, q("TtlNetNtryAmt"))
                net_ind = text(block, q("TtlNetNtry", "CdtDbtInd")) or text(block, q("CdtDbtInd"))
                if net is not None:
                    header.totals_raw.append(("NET", None, net, net_ind, f"{position}/{name}"))

    # -- entries ----------------------------------------------------------------------------------

    def _entry(self, ntry_elem, position: str, header: _Header) -> BankEntry:
        q, read, ctx = self.q, self.read, self.ctx
        line = ntry_elem.sourceline
        ntry = Flat(ntry_elem, self._stop_entry)
        amount, currency = read.amount(ntry, ("Amt",), ntry, position, required=True)
        indicator = read.required_text(ntry, ("CdtDbtInd",), ntry, position)
        direction = _DIRECTION.get(indicator or "")
        if indicator is not None and direction is None:
            ctx.problem(position, "CdtDbtInd", "must be CRDT or DBIT", line)
        reversal = (text(ntry, q("RvslInd")) or "").lower() in ("true", "1")
        # 001.02/.04 write <Sts>BOOK</Sts>; 001.08 writes <Sts><Cd>BOOK</Cd></Sts> (or <Prtry>).
        sts = ntry.find(q("Sts"))
        raw_status = None
        if sts is not None:
            raw_status = (
                text(ntry, q("Sts", "Cd"))
                or text(ntry, q("Sts", "Prtry"))
                or (sts.text or "").strip()
                or None
            )
        if raw_status is None:
            ctx.problem(position, "Sts", "mandatory element missing", line)
        status = entry_status(raw_status)
        booking_date = read.date_choice(ntry, ("BookgDt",), ntry, position)
        value_date = read.date_choice(ntry, ("ValDt",), ntry, position)
        entry_ref = text(ntry, q("AcctSvcrRef"))
        bank_tx_code = read.bank_tx_code(ntry)

        batch_msg_id = batch_pmt_id = None
        declared_txs = 0
        transactions = []
        for d_index, dtls in enumerate(ntry.iterfind(q("NtryDtls")), start=1):
            batch = dtls.find(q("Btch"))
            if batch is not None:
                batch_msg_id = batch_msg_id or text(batch, q("MsgId"))
                batch_pmt_id = batch_pmt_id or text(batch, q("PmtInfId"))
                declared_txs += (
                    read.integer(batch, ("NbOfTxs",), ntry, f"{position}/NtryDtls[{d_index}]/Btch") or 0
                )
            for t_index, tx in enumerate(dtls.iterfind(q("TxDtls")), start=1):
                transactions.append((f"{position}/NtryDtls[{d_index}]/TxDtls[{t_index}]", Flat(tx)))

        nb_of_txs = declared_txs or (len(transactions) if len(transactions) > 1 else None)
        batch_booked = (nb_of_txs or 0) > 1
        if declared_txs and len(transactions) > 1 and declared_txs != len(transactions):
            ctx.warn(
                "BATCH_COUNT_MISMATCH",
                f"batch declares {declared_txs} transactions but lists {len(transactions)}",
                position,
            )

        common = {
            "source_format": self.message,
            "source_file": self.ctx.file_name,
            "kind": self.kind,
            "statement_id": header.statement_id,
            "statement_seq": header.sequence,
            "account": header.account,
            "booking_date": booking_date,
            "value_date": value_date,
            "reversal": reversal,
        }
        raw_text = text(ntry, q("AddtlNtryInf"))

        if not batch_booked:
            tx_position, tx = transactions[0] if transactions else (position, None)
            refs = self._refs(tx, entry_ref, batch_msg_id, batch_pmt_id)
            reason, returned = self._return(tx, bank_tx_code)
            return BankEntry(
                position=position,
                line=line,
                status=EntryStatus.RETURNED if returned and status is EntryStatus.BOOKED else status,
                raw_status=raw_status,
                scope=Scope.TRANSACTION,
                direction=direction,
                amount_minor=amount,
                currency=currency,
                refs=refs,
                reason=reason,
                bank_tx_code=bank_tx_code or read.bank_tx_code(tx),
                raw_text=(text(tx, q("AddtlTxInf")) if tx is not None else None) or raw_text,
                **common,
            )

        details = []
        for tx_position, tx in transactions:
            tx_direction = _DIRECTION.get(text(tx, q("CdtDbtInd")) or "", direction)
            tx_amount, tx_currency = read.amount(tx, ("Amt",), tx, tx_position, required=False)
            if tx_amount is None:
                tx_amount, tx_currency = read.amount(
                    tx, ("AmtDtls", "TxAmt", "Amt"), tx, tx_position, required=False
                )
            reason, returned = self._return(tx, bank_tx_code)
            details.append(
                BankEntry(
                    position=tx_position,
                    line=tx.sourceline,
                    status=EntryStatus.RETURNED if returned and status is EntryStatus.BOOKED else status,
                    raw_status=raw_status,
                    scope=Scope.TRANSACTION,
                    direction=tx_direction,
                    amount_minor=tx_amount,
                    currency=tx_currency,
                    refs=self._refs(tx, None, batch_msg_id, batch_pmt_id),
                    reason=reason,
                    bank_tx_code=read.bank_tx_code(tx) or bank_tx_code,
                    raw_text=text(tx, q("AddtlTxInf")),
                    **common,
                )
            )
        self._check_batch_sum(details, amount, currency, direction, position)
        shared_msg = {d.refs.message_id for d in details}
        shared_pmt = {d.refs.payment_information_id for d in details}
        all_returned = bool(details) and all(d.status is EntryStatus.RETURNED for d in details)
        return BankEntry(
            position=position,
            line=line,
            status=EntryStatus.RETURNED if all_returned else status,
            raw_status=raw_status,
            scope=Scope.BATCH,
            direction=direction,
            amount_minor=amount,
            currency=currency,
            refs=References(
                account_servicer_ref=entry_ref,
                message_id=batch_msg_id or (shared_msg.pop() if len(shared_msg) == 1 else None),
                payment_information_id=batch_pmt_id or (shared_pmt.pop() if len(shared_pmt) == 1 else None),
            ),
            bank_tx_code=bank_tx_code,
            batch_booked=True,
            nb_of_txs=nb_of_txs,
            details=tuple(details),
            raw_text=raw_text,
            **common,
        )

    def _refs(self, tx, entry_ref, batch_msg_id, batch_pmt_id) -> References:
        if tx is None:
            return References(
                account_servicer_ref=entry_ref, message_id=batch_msg_id, payment_information_id=batch_pmt_id
            )
        p = self._ref_paths
        return References(
            end_to_end_id=_not_provided(text(tx, p[0])),
            instruction_id=text(tx, p[1]),
            message_id=text(tx, p[2]) or batch_msg_id,
            payment_information_id=text(tx, p[3]) or batch_pmt_id,
            account_servicer_ref=entry_ref or text(tx, p[4]),
            uetr=text(tx, p[5]),
            transaction_id=text(tx, p[6]),
        )

    def _return(self, tx, entry_bank_tx_code: str | None) -> tuple[Reason | None, bool]:
        """The return reason of a transaction, and whether the booking is a return at all."""
        reason = self.read.reason(tx, "RtrInf", ReasonList.RETURN) if tx is not None else None
        codes = [entry_bank_tx_code, self.read.bank_tx_code(tx)]
        by_code = any(c and c.rsplit("/", 1)[-1] in _RETURN_SUBFAMILIES for c in codes)
        return reason, reason is not None or by_code

    def _check_batch_sum(self, details, amount, currency, direction, position) -> None:
        if amount is None or direction is None or not details:
            return
        if any(d.amount_minor is None or d.currency != currency or d.direction is None for d in details):
            return  # the bank did not itemise fully: nothing to compare
        total = sum(d.signed_amount_minor for d in details)  # type: ignore[misc]
        expected = amount if direction is Direction.CREDIT else -amount
        if total != expected:
            self.ctx.warn(
                "BATCH_SUM_MISMATCH", "the listed transactions do not add up to the batch amount", position
            )

    # -- statement --------------------------------------------------------------------------------

    def _statement(self, header: _Header, tally: _Tally, msg_id, created) -> Statement:
        ctx = self.ctx
        currency = (
            header.currency or next((b.currency for b in header.balances), None) or self._first_currency
        )
        by_type: dict[str, list[Balance]] = {}
        for bal in header.balances:
            by_type.setdefault(bal.type_code, []).append(bal)
        interim = by_type.get("ITBD", [])
        opening = next(iter(by_type.get("OPBD", []) or by_type.get("PRCD", [])), None)
        closing = next(iter(by_type.get("CLBD", [])), None)
        # A statement split over pages opens or closes with interim booked balances instead.
        if opening is None and interim and (closing is not None or len(interim) > 1):
            opening = interim[0]
        if closing is None and interim and interim[-1] is not opening:
            closing = interim[-1]

        totals = []
        for covers, count, sum_text, net_ind, position in header.totals_raw:
            sum_minor = None
            if sum_text is not None:
                try:
                    sum_minor = iso_decimal_to_minor(sum_text, currency or "XXX")
                except AmountError as exc:
                    ctx.problem(position, "Sum", str(exc))
                    continue
                if covers == "NET" and net_ind == "DBIT":
                    sum_minor = -sum_minor
            totals.append(ControlTotal(covers=covers, count=count, sum_minor=sum_minor))

        statement = Statement(
            source_format=self.message,
            source_file=ctx.file_name,
            position=header.position,
            line=header.line,
            kind=self.kind,
            statement_id=header.statement_id,
            message_id=msg_id,
            created_at=header.created_at or created,
            sequence=header.sequence,
            statement_number=int(header.sequence) if header.sequence and header.sequence.isdigit() else None,
            page_number=header.page,
            account=header.account,
            currency=currency,
            opening=opening,
            closing=closing,
            balances=tuple(header.balances),
            entries_count=tally.entries,
            booked_net_minor=tally.booked_net,
            value_dated_net_minor=_value_dated(tally.by_value_date, closing),
            credit_count=tally.credit_count,
            credit_sum_minor=tally.credit_sum,
            debit_count=tally.debit_count,
            debit_sum_minor=tally.debit_sum,
            control_totals=tuple(totals),
        )
        self._check(statement, tally)
        return statement

    def _check(self, statement: Statement, tally: _Tally) -> None:
        ctx = self.ctx
        if statement.opening is not None and statement.closing is not None:
            if statement.opening.currency != statement.closing.currency:
                ctx.balance_break(
                    statement.position,
                    "BALANCE_BREAK",
                    "opening and closing balances are in different currencies",
                    statement.line,
                )
            elif tally.other_currency:
                ctx.balance_break(
                    statement.position,
                    "BALANCE_BREAK",
                    f"{tally.other_currency} entries are not in the statement currency",
                    statement.line,
                )
            elif statement.balance_difference:
                ctx.balance_break(
                    statement.position,
                    "BALANCE_BREAK",
                    f"opening + booked entries ≠ closing by {statement.balance_difference} minor units",
                    statement.line,
                )
        for total, count, sum_minor in statement.control_total_breaks():
            ctx.balance_break(
                statement.position,
                "TOTALS_MISMATCH",
                f"declared {total.covers} total (count {total.count}, sum {total.sum_minor}) does not match "
                f"the entries (count {count}, sum {sum_minor})",
                statement.line,
            )

    def _tally(self, tally: _Tally, entry: BankEntry, currency: str | None) -> None:
        tally.entries += 1
        if entry.amount_minor is None or entry.direction is None:
            return
        if currency is not None and entry.currency != currency:
            tally.other_currency += 1
            return
        if entry.direction is Direction.CREDIT:
            tally.credit_count += 1
            tally.credit_sum += entry.amount_minor
        else:
            tally.debit_count += 1
            tally.debit_sum += entry.amount_minor
        if entry.raw_status == "BOOK":
            tally.booked_net += entry.signed_amount_minor  # type: ignore[operator]
            day = entry.value_date
            tally.by_value_date[day] = tally.by_value_date.get(day, 0) + entry.signed_amount_minor

    # -- driver -----------------------------------------------------------------------------------

    def read_all(self) -> tuple[list[Statement], list[BankEntry]]:
        namespace = self._namespace()
        self.q = q = Names(namespace)
        self.read = IsoReader(self.ctx, q)
        self._stop_entry = frozenset({q("NtryDtls")})
        names = ("EndToEndId", "InstrId", "MsgId", "PmtInfId", "AcctSvcrRef", "UETR", "TxId")
        self._ref_paths = tuple(q("Refs", n) for n in names)
        base = f"/Document/{self.container_root}"
        statements: list[Statement] = []
        entries: list[BankEntry] = []
        msg_id = created = None
        index = 0
        stmt_elem = None
        header: _Header | None = None
        tally = _Tally()
        ntry_index = 0
        self._first_currency = None
        statement_currency = None

        for event, elem in iterparse(self.path, self.ctx, [q("GrpHdr"), q(self.container), q("Ntry")]):
            local = elem.tag.rsplit("}", 1)[1]
            if event == "start":
                if local == self.container:
                    index += 1
                    stmt_elem, header, tally, ntry_index = elem, None, _Tally(), 0
                    self._first_currency = None
                elif local == "Ntry" and stmt_elem is not None:
                    if header is None:
                        header = self._header(stmt_elem, f"{base}/{self.container}[{index}]")
                        statement_currency = header.currency or next(
                            (b.currency for b in header.balances), None
                        )
                    ntry_index += 1
                continue
            if local == "GrpHdr":
                msg_id = self.read.required_text(elem, ("MsgId",), elem, f"{base}/GrpHdr")
                raw = text(elem, q("CreDtTm"))
                try:
                    created = parse_datetime(raw) if raw else None
                except ValueError:
                    self.ctx.problem(f"{base}/GrpHdr", "CreDtTm", "not an ISO date-time", elem.sourceline)
            elif local == "Ntry":
                if header is None:  # an entry outside any statement: the schema does not allow it
                    self.ctx.problem(f"{base}/Ntry", "Ntry", "entry outside a statement", elem.sourceline)
                    continue
                entry = self._entry(elem, f"{header.position}/Ntry[{ntry_index}]", header)
                if self._first_currency is None:
                    self._first_currency = entry.currency
                self._tally(tally, entry, statement_currency or self._first_currency)
                entries.append(entry)
                drop(elem)
            elif local == self.container:
                if header is None:
                    header = self._header(elem, f"{base}/{self.container}[{index}]")
                statements.append(self._statement(header, tally, msg_id, created))
                stmt_elem, header, statement_currency = None, None, None
                drop(elem)
        if not statements and not self.ctx.problems:
            self.ctx.problem(base, self.container, "the message holds no statement")
        for entry in entries:
            if entry.status is EntryStatus.UNKNOWN:
                self.ctx.warn(
                    "UNKNOWN_STATUS",
                    f"entry status {entry.raw_status!r} is not known; kept as UNKNOWN",
                    entry.position,
                )
        return statements, entries


def _value_dated(by_value_date: dict, closing: Balance | None) -> int | None:
    if closing is None or closing.date is None:
        return None
    return sum(net for day, net in by_value_date.items() if day is None or day <= closing.date)


def _not_provided(value: str | None) -> str | None:
    # ISO usage: "NOTPROVIDED" stands for an absent end-to-end id; it must never match anything.
    return None if value is None or value.upper() == "NOTPROVIDED" else value


def read_camt(path: Path, ctx: ParseContext, message: str) -> tuple[list[Statement], list[BankEntry]]:
    return CamtReader(path, ctx, message).read_all()
