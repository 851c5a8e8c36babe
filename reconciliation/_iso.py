"""ISO 20022 pieces shared by the pain.002 and camt parsers: namespaces, status tables, field readers."""

from __future__ import annotations

import re
from datetime import date

from reconciliation._base import ParseContext
from reconciliation._money import AmountError, iso_to_minor
from reconciliation._xml import Names, parse_date, rel_path, text
from reconciliation.entry import EntryStatus, Reason, ReasonList

ISO_NS_RE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:([a-z]{4}\.\d{3})\.001\.(\d{2})")
# Swiss Payment Standards (SIX) publish pain messages under their own namespace, e.g.
# http://www.six-interbank-clearing.com/de/pain.002.001.03.ch.02.xsd
SIX_NS_RE = re.compile(
    r"http://www\.six-interbank-clearing\.com/[a-z]{2}/([a-z]{4}\.\d{3})\.001\.(\d{2})\.ch\.\d{2}\.xsd"
)


def message_of(namespace: str | None) -> tuple[str, str, str] | None:
    """``(message, version, flavour)`` for an ISO or SIX namespace: ``("pain.002", "03", "ch")``."""
    if not namespace:
        return None
    match = ISO_NS_RE.fullmatch(namespace)
    if match:
        return match.group(1), match.group(2), "iso"
    match = SIX_NS_RE.fullmatch(namespace)
    if match:
        return match.group(1), match.group(2), "ch"
    return None


# ExternalPaymentTransactionStatus1Code and ExternalPaymentGroupStatus1Code, every code of the published
# lists, to our states. Interim and verification-of-payee states are PENDING: nothing final, nothing paid.
PAYMENT_STATUS: dict[str, EntryStatus] = {
    "ACCC": EntryStatus.SETTLED,  # credited on the creditor's account
    "ACSC": EntryStatus.SETTLED,  # settlement completed
    "CPUC": EntryStatus.SETTLED,  # cash picked up by the creditor
    "ACTC": EntryStatus.ACCEPTED,  # technical validation passed
    "ACCP": EntryStatus.ACCEPTED,  # customer profile check passed
    "ACFC": EntryStatus.ACCEPTED,  # funds check passed
    "ACSP": EntryStatus.ACCEPTED,  # accepted for execution, settlement in process
    "ACWC": EntryStatus.ACCEPTED,  # accepted with a change (date, remittance…)
    "ACPD": EntryStatus.ACCEPTED,  # released by the debtor agent, accepted by the clearing
    "ACIS": EntryStatus.ACCEPTED,  # cheque issued, not cleared
    "ACWP": EntryStatus.PENDING,  # accepted without posting to the creditor: not paid
    "ACFW": EntryStatus.PENDING,  # waits for an explicit confirmation by the initiator
    "PATC": EntryStatus.PENDING,  # some of several required signatures present
    "BLCK": EntryStatus.PENDING,  # blocked: neither posted nor returned yet
    "PRES": EntryStatus.PENDING,  # request for payment presented to the debtor
    "RCVD": EntryStatus.PENDING,  # received, nothing checked yet
    "PDNG": EntryStatus.PENDING,
    "RCVC": EntryStatus.PENDING,  # verification of payee states: a check result, not a payment outcome
    "RVCM": EntryStatus.PENDING,
    "RVMC": EntryStatus.PENDING,
    "RVNA": EntryStatus.PENDING,
    "RVNC": EntryStatus.PENDING,
    "RVNM": EntryStatus.PENDING,
    "PART": EntryStatus.PARTIAL,  # group/batch only: some accepted, some not
    "RJCT": EntryStatus.REJECTED,
    "CANC": EntryStatus.CANCELLED,
}

# camt Entry status (ExternalEntryStatus1Code; in .001.02/.04 a closed list).
ENTRY_STATUS: dict[str, EntryStatus] = {
    "BOOK": EntryStatus.BOOKED,
    "PDNG": EntryStatus.PENDING,
    "INFO": EntryStatus.INFORMATION,
    "FUTR": EntryStatus.PENDING,  # v8+: future-dated booking
}


def payment_status(code: str | None) -> EntryStatus:
    return PAYMENT_STATUS.get(code or "", EntryStatus.UNKNOWN)


def entry_status(code: str | None) -> EntryStatus:
    return ENTRY_STATUS.get(code or "", EntryStatus.UNKNOWN)


class IsoReader:
    """Field readers bound to one file: they record problems with the exact XML path and line."""

    def __init__(self, ctx: ParseContext, q: Names) -> None:
        self.ctx = ctx
        self.q = q

    def amount(self, parent, path: tuple[str, ...], anchor, anchor_path: str, *, required: bool):
        """``(minor units, currency)`` of an ``Amt Ccy="…"`` element, or ``(None, None)``."""
        elem = parent.find(self.q(*path)) if parent is not None else None
        if elem is None:
            if required:
                self.ctx.problem(anchor_path, "/".join(path), "mandatory element missing", anchor.sourceline)
            return None, None
        currency = elem.get("Ccy")
        try:
            return iso_to_minor(elem.text, currency), currency
        except AmountError as exc:
            where = rel_path(elem, anchor, anchor_path)
            self.ctx.problem(where, "/".join(path), str(exc), elem.sourceline)
            return None, None

    def required_text(self, parent, path: tuple[str, ...], anchor, anchor_path: str) -> str | None:
        value = text(parent, self.q(*path))
        if value is None:
            self.ctx.problem(anchor_path, "/".join(path), "mandatory element missing", anchor.sourceline)
        return value

    def date_choice(self, parent, path: tuple[str, ...], anchor, anchor_path: str) -> date | None:
        """A DateAndDateTimeChoice (``Dt`` or ``DtTm``) or a plain ISODate at ``path``."""
        elem = parent.find(self.q(*path)) if parent is not None else None
        if elem is None:
            return None
        raw = (
            text(parent, self.q(*path, "Dt"))
            or text(parent, self.q(*path, "DtTm"))
            or (elem.text or "").strip()
        )
        if not raw:
            self.ctx.problem(
                rel_path(elem, anchor, anchor_path), "/".join(path), "empty date", elem.sourceline
            )
            return None
        try:
            return parse_date(raw)
        except ValueError:
            where = rel_path(elem, anchor, anchor_path)
            self.ctx.problem(where, "/".join(path), "not an ISO date or date-time", elem.sourceline)
            return None

    def integer(self, parent, path: tuple[str, ...], anchor, anchor_path: str) -> int | None:
        raw = text(parent, self.q(*path))
        if raw is None:
            return None
        if not raw.isdigit():
            self.ctx.problem(anchor_path, "/".join(path), "not a whole number", anchor.sourceline)
            return None
        return int(raw)

    def reason(self, container, element: str, code_list: ReasonList) -> Reason | None:
        """The first ``StsRsnInf``/``RtrInf``-style block under ``container`` as a :class:`Reason`.

        Every ``AddtlInf`` line of every such block is kept, joined with ``; ``.
        """
        blocks = container.findall(self.q(element)) if container is not None else []
        if not blocks:
            return None
        code = raw_code = None
        texts: list[str] = []
        for block in blocks:
            if code is None and raw_code is None:
                code = text(block, self.q("Rsn", "Cd"))
                raw_code = text(block, self.q("Rsn", "Prtry"))
            for info in block.iterfind(self.q("AddtlInf")):
                if info.text and info.text.strip():
                    texts.append(info.text.strip())
        return Reason(code_list, code, raw_code, "; ".join(texts) or None)

    def bank_tx_code(self, parent) -> str | None:
        """``BkTxCd`` as ``DOMN/FMLY/SUBFMLY``, else its proprietary code."""
        if parent is None:
            return None
        q = self.q
        domain = text(parent, q("BkTxCd", "Domn", "Cd"))
        if domain:
            family = text(parent, q("BkTxCd", "Domn", "Fmly", "Cd")) or ""
            sub = text(parent, q("BkTxCd", "Domn", "Fmly", "SubFmlyCd")) or ""
            return "/".join([domain, family, sub]).rstrip("/")
        return text(parent, q("BkTxCd", "Prtry", "Cd"))
