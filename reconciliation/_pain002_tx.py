"""One pain.002 ``TxInfAndSts`` read into its fields: the general reader and a quick one.

A bank answers a submission of 5,000 lines with 5,000 of these, and reading them was most of the
dispatcher's CPU. The general reader indexes the subtree (:class:`~reconciliation._xml.Flat`) and looks
every field up by path, recording precise problems. The quick reader walks the few children it needs
once and gives up (``None``) on anything out of the ordinary — a repeated element it reads, a bad amount
or date — so the general reader then reads that transaction and records exactly the problems it always
did. The quick reader never records a problem itself: for a transaction it reads, it gives the fields
the general reader would.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from reconciliation._iso import IsoReader
from reconciliation._money import AmountError, iso_to_minor
from reconciliation._xml import Flat, Names, parse_date, text
from reconciliation.entry import Reason, ReasonList

# Where the value date may be, in the order they are tried.
_DATE_FIELDS = ("IntrBkSttlmDt", "ReqdExctnDt", "ReqdColltnDt")


class TxFields(NamedTuple):
    raw_status: str | None
    amount: int | None
    currency: str | None
    value_date: date | None
    end_to_end_id: str | None
    instruction_id: str | None
    account_servicer_ref: str | None
    uetr: str | None
    reason: Reason | None


def read_general(elem, q: Names, read: IsoReader, position: str) -> TxFields:
    """Every field by path, each problem recorded with its XML path and line."""
    # Indexed once: a transaction needs about a dozen lookups, each a path walk in lxml.
    tx = Flat(elem)
    amount, currency = read.amount(tx, ("OrgnlTxRef", "Amt", "InstdAmt"), elem, position, required=False)
    if amount is None:
        amount, currency = read.amount(
            tx, ("OrgnlTxRef", "Amt", "EqvtAmt", "Amt"), elem, position, required=False
        )
    value_date = None
    for field in _DATE_FIELDS:
        value_date = read.date_choice(tx, ("OrgnlTxRef", field), elem, position)
        if value_date:
            break
    return TxFields(
        raw_status=text(tx, q("TxSts")),
        amount=amount,
        currency=currency,
        value_date=value_date,
        end_to_end_id=text(tx, q("OrgnlEndToEndId")),
        instruction_id=text(tx, q("OrgnlInstrId")),
        account_servicer_ref=text(tx, q("AcctSvcrRef")),
        uetr=text(tx, q("OrgnlUETR")),
        reason=read.reason(tx, "StsRsnInf", ReasonList.STATUS),
    )


class QuickReader:
    """The quick path, with the namespace's tag names built once per file."""

    def __init__(self, namespace: str, read: IsoReader) -> None:
        ns = f"{{{namespace}}}"
        self.read = read
        self.tx_sts = ns + "TxSts"
        self.e2e = ns + "OrgnlEndToEndId"
        self.instr = ns + "OrgnlInstrId"
        self.svcr = ns + "AcctSvcrRef"
        self.uetr = ns + "OrgnlUETR"
        self.tx_ref = ns + "OrgnlTxRef"
        self.reason = ns + "StsRsnInf"
        self.amt = ns + "Amt"
        self.instd = ns + "InstdAmt"
        self.eqvt = ns + "EqvtAmt"
        self.dt = ns + "Dt"
        self.dt_tm = ns + "DtTm"
        self.dates = tuple(ns + f for f in _DATE_FIELDS)
        # The children read at each level: one of them twice means "first occurrence" questions that
        # the general reader answers.
        self._tx_tags = frozenset((self.tx_sts, self.e2e, self.instr, self.svcr, self.uetr, self.tx_ref))
        self._ref_tags = frozenset((self.amt, *self.dates))
        self._amt_tags = frozenset((self.instd, self.eqvt))

    def __call__(self, elem) -> TxFields | None:
        """The fields of a regular transaction, or ``None``: read it with :func:`read_general`."""
        found, has_reason = self._tx_children(elem)
        if found is None:
            return None
        amount = currency = value_date = None
        ref = found.get(self.tx_ref)
        if ref is not None:
            parts = _children(ref, self._ref_tags)
            if parts is None:
                return None
            amt = parts.get(self.amt)
            if amt is not None:
                money = self._amount(amt)
                if money is None:
                    return None
                amount, currency = money
            for tag in self.dates:
                holder = parts.get(tag)
                if holder is not None:
                    value_date = self._date(holder)
                    if value_date is None:
                        return None
                    break
        return TxFields(
            raw_status=_text(found.get(self.tx_sts)),
            amount=amount,
            currency=currency,
            value_date=value_date,
            end_to_end_id=_text(found.get(self.e2e)),
            instruction_id=_text(found.get(self.instr)),
            account_servicer_ref=_text(found.get(self.svcr)),
            uetr=_text(found.get(self.uetr)),
            # Rare (refusals) and free of problems: the general reader's own code reads it.
            reason=self.read.reason(elem, "StsRsnInf", ReasonList.STATUS) if has_reason else None,
        )

    def _tx_children(self, elem) -> tuple[dict | None, bool]:
        """As :func:`_children` for the transaction's own fields, noting on the same walk whether it
        carries a status reason (which may repeat)."""
        found: dict = {}
        has_reason = False
        wanted, reason = self._tx_tags, self.reason
        for child in elem:
            tag = child.tag
            if tag in wanted:
                if tag in found:
                    return None, False
                found[tag] = child
            elif tag == reason:
                has_reason = True
        return found, has_reason

    def _amount(self, amt) -> tuple[int | None, str | None] | None:
        """(amount, currency) from ``Amt``: ``InstdAmt``, else ``EqvtAmt/Amt``; ``(None, None)`` when
        neither is there; ``None`` for anything the general reader must judge."""
        kinds = _children(amt, self._amt_tags)
        if kinds is None:
            return None
        elem = kinds.get(self.instd)
        if elem is None:
            eqvt = kinds.get(self.eqvt)
            if eqvt is None:
                return None, None
            inner = _children(eqvt, frozenset((self.amt,)))
            if inner is None:
                return None
            elem = inner.get(self.amt)
            if elem is None:
                return None, None
        currency = elem.get("Ccy")
        try:
            return iso_to_minor(elem.text, currency), currency
        except AmountError:
            return None

    def _date(self, holder) -> date | None:
        """A DateAndDateTimeChoice or plain ISODate; ``None`` when empty or not a date."""
        parts = _children(holder, frozenset((self.dt, self.dt_tm)))
        if parts is None:
            return None
        raw = _text(parts.get(self.dt)) or _text(parts.get(self.dt_tm)) or (holder.text or "").strip()
        if not raw:
            return None
        try:
            return parse_date(raw)
        except ValueError:
            return None


def _children(elem, wanted: frozenset[str]) -> dict | None:
    """The wanted children of ``elem`` by tag; ``None`` when one of them is there twice."""
    found: dict = {}
    for child in elem:
        tag = child.tag
        if tag in wanted:
            if tag in found:
                return None
            found[tag] = child
    return found


def _text(elem) -> str | None:
    # As reconciliation._xml.text: the element's own text, stripped; None when absent or empty.
    if elem is None:
        return None
    value = (elem.text or "").strip()
    return value or None
