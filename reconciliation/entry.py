"""The normalised bank entry: one shape for everything a bank reports back.

Every evidence parser (pain.002 status reports, camt.053 statements, camt.054 notifications, MT940/MT942,
later the fixed-width 回盘 files and the direct-link JSON) turns its file into :class:`Statement` objects
(one per statement, notification or status report) and :class:`BankEntry` objects (one per status line or
booked entry). The matcher only ever sees these.

Money is integer minor units with the currency kept beside it; amounts on entries are unsigned and the
:class:`Direction` says which way the money went. Balances are signed (credit balance positive).

An account number is personal data: it is kept on the objects because the matcher needs it, but every
``repr`` shows it masked and :func:`entry_to_json` masks it unless told otherwise. Free text from the bank
(``raw_text``) can carry names and account numbers too, so it is never shown by ``repr``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from gateway.pii import mask_number
from reconciliation._money import format_minor


class EntryKind(StrEnum):
    """What kind of evidence an entry (or a statement) is."""

    STATUS = "STATUS"  # a status report line (pain.002): says what the bank did, moves no money by itself
    BOOKED = "BOOKED"  # a statement entry (camt.053, MT940): booked on the account
    NOTIFICATION = "NOTIFICATION"  # a debit/credit notification or interim report (camt.054, MT942)


class Direction(StrEnum):
    CREDIT = "CREDIT"  # money came into the reported account
    DEBIT = "DEBIT"  # money left the reported account


class EntryStatus(StrEnum):
    """Domain-level state of what an entry reports. A bank code we do not know maps to UNKNOWN."""

    PENDING = "PENDING"  # received or in process; nothing final yet
    ACCEPTED = "ACCEPTED"  # validated/accepted for execution; not yet settled
    SETTLED = "SETTLED"  # settlement completed (pain.002 ACSC/ACCC)
    PARTIAL = "PARTIAL"  # group or batch level: some transactions accepted, some not (PART)
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"
    RETURNED = "RETURNED"  # booked return of an earlier payment (camt RtrInf, MT940 return codes)
    BOOKED = "BOOKED"  # booked on the account (camt BOOK, MT940 lines)
    INFORMATION = "INFORMATION"  # camt INFO: reported for information, never booked
    UNKNOWN = "UNKNOWN"

    @property
    def is_final(self) -> bool:
        return self in _FINAL


_FINAL = frozenset(
    {
        EntryStatus.SETTLED,
        EntryStatus.REJECTED,
        EntryStatus.CANCELLED,
        EntryStatus.RETURNED,
        EntryStatus.BOOKED,
    }
)


class ReasonList(StrEnum):
    """ISO 20022 keeps two reason code lists apart: why a status was given, and why money was returned."""

    STATUS = "status"  # ExternalStatusReason1Code (pain.002 StsRsnInf)
    RETURN = "return"  # ExternalReturnReason1Code (camt RtrInf, MT940 return codes)


class Scope(StrEnum):
    """What an entry covers."""

    GROUP = "GROUP"  # a whole original message (pain.002 group status)
    BATCH = "BATCH"  # one payment-information block or one batch booking covering many payments
    TRANSACTION = "TRANSACTION"  # one payment


@dataclass(frozen=True, slots=True, repr=False)
class References:
    """Every reference an entry can carry back to what we sent. Absent ones are ``None``."""

    end_to_end_id: str | None = None  # ours, ≤16 chars (ISO EndToEndId; MT940 EREF+ in :86:)
    instruction_id: str | None = None  # ISO InstrId / OrgnlInstrId
    message_id: str | None = None  # MsgId of the payment message the entry belongs to (camt Refs/Btch)
    original_message_id: str | None = None  # pain.002 OrgnlMsgId
    payment_information_id: str | None = None  # PmtInfId / OrgnlPmtInfId
    account_servicer_ref: str | None = None  # the bank's own reference (AcctSvcrRef, MT940 //bank ref)
    uetr: str | None = None  # SWIFT gpi UETR
    transaction_id: str | None = None  # ISO TxId
    customer_ref: str | None = None  # MT940 :61: customer reference or KREF+
    client_batch_ref: str | None = None  # Chinese direct-link/回盘: our batch reference …
    line_seq: int | None = None  # … and the line sequence inside it (the two form the join key)

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if getattr(self, f.name) is not None
        )
        return f"References({shown})"


NO_REFERENCES = References()


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a status was given or money came back; the list says which ISO code list ``code`` is from."""

    code_list: ReasonList
    code: str | None = None  # ISO external code (AC01, MD07, …) when the bank sent one
    raw_code: str | None = None  # the bank's proprietary code, as sent
    raw_text: str | None = None  # the bank's additional text, as sent


@dataclass(frozen=True, slots=True, repr=False)
class BankEntry:
    """One status line or one booked entry, normalised."""

    source_format: str  # registry name: "pain.002", "camt.053", "mt940", …
    source_file: str  # file name (no folder)
    position: str  # "line 12" or an XML path such as /Document/BkToCstmrStmt/Stmt[1]/Ntry[3]
    kind: EntryKind
    status: EntryStatus
    line: int | None = None
    statement_id: str | None = None  # the statement/notification/report this entry belongs to
    statement_seq: str | None = None  # its electronic sequence number or MT940 :28C: "number/page"
    account: str | None = None  # the reported account (personal data: masked in repr)
    scope: Scope = Scope.TRANSACTION
    direction: Direction | None = None  # None where the evidence does not say (some status reports)
    amount_minor: int | None = None  # unsigned; None where the evidence carries no amount
    currency: str | None = None
    booking_date: date | None = None
    value_date: date | None = None
    raw_status: str | None = None  # the status code exactly as the bank sent it
    refs: References = NO_REFERENCES
    reason: Reason | None = None
    bank_tx_code: str | None = None  # ISO BkTxCd "PMNT/ICDT/RRTN", proprietary code, or MT940 type
    reversal: bool = False  # camt RvslInd, MT940 RC/RD
    batch_booked: bool = False  # one entry covering several payments
    nb_of_txs: int | None = None  # how many payments a batch entry covers
    details: tuple[BankEntry, ...] = ()  # per-payment parts of a batch entry, when the bank lists them
    raw_text: str | None = None  # the bank's free text (may hold personal data: never in repr)

    @property
    def signed_amount_minor(self) -> int | None:
        """Amount with the sign of its direction (credit positive), or ``None`` when either is unknown."""
        if self.amount_minor is None or self.direction is None:
            return None
        return self.amount_minor if self.direction is Direction.CREDIT else -self.amount_minor

    def payments(self) -> tuple[BankEntry, ...]:
        """The per-payment view: the listed parts of a batch entry, else the entry itself."""
        return self.details or (self,)

    def __repr__(self) -> str:
        return _safe_repr(self)


@dataclass(frozen=True, slots=True)
class Balance:
    """A statement balance. ``type_code`` is as sent: ISO OPBD/PRCD/CLBD/ITBD/CLAV…, MT940 60F/62M/64…"""

    type_code: str
    amount_minor: int  # signed: a debit balance is negative
    currency: str
    date: date | None = None


@dataclass(frozen=True, slots=True)
class ControlTotal:
    """A count and/or sum the bank declares for a statement (camt TxsSummry, MT942 :90D:/:90C:)."""

    covers: str  # "ALL" (unsigned sum), "NET" (credits − debits), "CREDIT" or "DEBIT"
    count: int | None = None
    sum_minor: int | None = None


@dataclass(frozen=True, slots=True, repr=False)
class Statement:
    """One statement, notification or status report, with the totals needed to check it."""

    source_format: str
    source_file: str
    position: str
    kind: EntryKind
    line: int | None = None
    statement_id: str | None = None  # Stmt/Ntfctn Id, MT940 :20:, pain.002 GrpHdr MsgId
    message_id: str | None = None  # the message (GrpHdr MsgId) that carried it
    original_message_id: str | None = None  # pain.002: the message it reports on
    created_at: datetime | None = None
    sequence: str | None = None  # ElctrncSeqNb, or MT940 :28C: as sent
    statement_number: int | None = None  # MT940 :28C: number (camt: ElctrncSeqNb when numeric)
    page_number: int | None = None  # MT940 :28C: sequence, camt StmtPgntn/PgNb
    account: str | None = None  # personal data: masked in repr
    currency: str | None = None
    opening: Balance | None = None
    closing: Balance | None = None
    balances: tuple[Balance, ...] = ()
    entries_count: int = 0
    booked_net_minor: int = 0  # credits − debits over the entries that move the booked balance
    value_dated_net_minor: int | None = None  # the same over entries valued on/before the closing date
    credit_count: int = 0
    credit_sum_minor: int = 0
    debit_count: int = 0
    debit_sum_minor: int = 0
    control_totals: tuple[ControlTotal, ...] = ()

    @property
    def balance_basis(self) -> str | None:
        """How the balances add up: ``"booking"`` (opening + Σ booked entries = closing), ``"value_date"``
        (only entries valued on or before the closing date count: PostFinance reports value-dated closing
        balances and the later-valued rest in its forward available balance), or ``None`` (they do not,
        or there is nothing to check)."""
        if self.opening is None or self.closing is None or self.opening.currency != self.closing.currency:
            return None
        if self.closing.amount_minor == self.opening.amount_minor + self.booked_net_minor:
            return "booking"
        if (
            self.value_dated_net_minor is not None
            and self.closing.amount_minor == self.opening.amount_minor + self.value_dated_net_minor
        ):
            return "value_date"
        return None

    @property
    def balance_difference(self) -> int | None:
        """closing − (opening + booked entries) in minor units (0 when the balances add up on either basis);
        ``None`` when there is no opening/closing pair in one currency to compare."""
        if self.opening is None or self.closing is None or self.opening.currency != self.closing.currency:
            return None
        if self.balance_basis is not None:
            return 0
        return self.closing.amount_minor - (self.opening.amount_minor + self.booked_net_minor)

    @property
    def balance_ok(self) -> bool | None:
        """opening + Σ booked entries = closing; ``None`` when the statement carries no such pair."""
        if self.opening is None or self.closing is None:
            return None
        return self.balance_basis is not None

    def control_total_breaks(self) -> list[tuple[ControlTotal, int | None, int | None]]:
        """Declared totals that the entries do not add up to, each with the computed count and sum."""
        computed = {
            "ALL": (self.credit_count + self.debit_count, self.credit_sum_minor + self.debit_sum_minor),
            "NET": (None, self.credit_sum_minor - self.debit_sum_minor),
            "CREDIT": (self.credit_count, self.credit_sum_minor),
            "DEBIT": (self.debit_count, self.debit_sum_minor),
        }
        breaks = []
        for total in self.control_totals:
            count, sum_minor = computed[total.covers]
            count_bad = total.count is not None and count is not None and total.count != count
            sum_bad = total.sum_minor is not None and total.sum_minor != sum_minor
            if count_bad or sum_bad:
                breaks.append((total, count, sum_minor))
        return breaks

    @property
    def totals_ok(self) -> bool | None:
        """The declared control totals hold; ``None`` when the bank declared none."""
        if not self.control_totals:
            return None
        return not self.control_total_breaks()

    def __repr__(self) -> str:
        return _safe_repr(self)


_HIDDEN_FIELDS = frozenset({"raw_text", "details"})

# Tokens of a file name that look like account numbers or IBANs (PostFinance names its files after them).
_NAME_NUMBER_RE = re.compile(r"[A-Za-z]{2}\d{2}[A-Za-z0-9]{10,30}|\d{8,}")


def mask_file_name(name: str | None) -> str | None:
    """A file name with account-like tokens masked, fit for messages, logs and output."""
    if not name:
        return name
    return _NAME_NUMBER_RE.sub(lambda m: mask_number(m.group(0)), name)


def _safe_repr(obj: Any) -> str:
    parts = []
    for f in fields(obj):
        value = getattr(obj, f.name)
        if value is None:
            continue
        if f.name == "account":
            parts.append(f"account={mask_number(value)!r}")
        elif f.name == "source_file":
            parts.append(f"source_file={mask_file_name(value)!r}")
        elif f.name in _HIDDEN_FIELDS:
            if value:
                parts.append(f"{f.name}=<{len(value)} {'chars' if f.name == 'raw_text' else 'parts'}>")
        elif value != () and value is not NO_REFERENCES:
            parts.append(f"{f.name}={value!r}")
    return f"{type(obj).__name__}({', '.join(parts)})"


# Account-like tokens inside free text: IBANs and runs of 8+ digits (card and account numbers, ID numbers).
_ACCOUNTISH_RE = re.compile(r"\b[A-Z]{2}\d{2}[A-Z0-9]{10,30}\b|\d[\d ]{6,}\d[\dXx]?")


def redact_text(text: str | None) -> str | None:
    """Mask account-like numbers inside bank free text (names cannot be recognised and stay)."""
    if not text:
        return text
    return _ACCOUNTISH_RE.sub(lambda m: mask_number(m.group(0).replace(" ", "")), text)


def _refs_json(refs: References) -> dict[str, Any]:
    return {f.name: getattr(refs, f.name) for f in fields(refs)}


def entry_to_json(entry: BankEntry, *, reveal: bool = False) -> dict[str, Any]:
    """One entry as a JSON-ready dict (one object per output line). Keys are always present.

    The account, account-like numbers in free text and in the file name are masked unless ``reveal`` is true
    (only for callers whose role may see them).
    """
    reason = entry.reason
    return {
        "source_format": entry.source_format,
        "source_file": entry.source_file if reveal else mask_file_name(entry.source_file),
        "position": entry.position,
        "line": entry.line,
        "statement_id": entry.statement_id,
        "statement_seq": entry.statement_seq,
        "account": entry.account if reveal else mask_number(entry.account) or None,
        "kind": entry.kind.value,
        "scope": entry.scope.value,
        "direction": entry.direction.value if entry.direction else None,
        "amount_minor": entry.amount_minor,
        "amount": format_minor(entry.amount_minor, entry.currency)
        if entry.amount_minor is not None
        else None,
        "currency": entry.currency,
        "booking_date": entry.booking_date.isoformat() if entry.booking_date else None,
        "value_date": entry.value_date.isoformat() if entry.value_date else None,
        "status": entry.status.value,
        "raw_status": entry.raw_status,
        "refs": _refs_json(entry.refs),
        "reason": (
            {
                "list": reason.code_list.value,
                "code": reason.code,
                "raw_code": reason.raw_code,
                "raw_text": reason.raw_text if reveal else redact_text(reason.raw_text),
            }
            if reason
            else None
        ),
        "bank_tx_code": entry.bank_tx_code,
        "reversal": entry.reversal,
        "batch_booked": entry.batch_booked,
        "nb_of_txs": entry.nb_of_txs,
        "details": [entry_to_json(d, reveal=reveal) for d in entry.details],
        "raw_text": entry.raw_text if reveal else redact_text(entry.raw_text),
    }


def _balance_json(balance: Balance | None) -> dict[str, Any] | None:
    if balance is None:
        return None
    return {
        "type": balance.type_code,
        "amount_minor": balance.amount_minor,
        "amount": format_minor(balance.amount_minor, balance.currency),
        "currency": balance.currency,
        "date": balance.date.isoformat() if balance.date else None,
    }


def statement_to_json(statement: Statement, *, reveal: bool = False) -> dict[str, Any]:
    """A statement header with its checks, JSON-ready (same masking rule as :func:`entry_to_json`)."""
    return {
        "source_format": statement.source_format,
        "source_file": statement.source_file if reveal else mask_file_name(statement.source_file),
        "position": statement.position,
        "line": statement.line,
        "kind": statement.kind.value,
        "statement_id": statement.statement_id,
        "message_id": statement.message_id,
        "original_message_id": statement.original_message_id,
        "created_at": statement.created_at.isoformat() if statement.created_at else None,
        "sequence": statement.sequence,
        "statement_number": statement.statement_number,
        "page_number": statement.page_number,
        "account": statement.account if reveal else mask_number(statement.account) or None,
        "currency": statement.currency,
        "opening": _balance_json(statement.opening),
        "closing": _balance_json(statement.closing),
        "balances": [_balance_json(b) for b in statement.balances],
        "entries_count": statement.entries_count,
        "booked_net_minor": statement.booked_net_minor,
        "balance_ok": statement.balance_ok,
        "balance_basis": statement.balance_basis,
        "balance_difference_minor": statement.balance_difference,
        "totals_ok": statement.totals_ok,
    }


__all__ = [
    "Balance",
    "BankEntry",
    "ControlTotal",
    "Direction",
    "EntryKind",
    "EntryStatus",
    "Reason",
    "ReasonList",
    "References",
    "Scope",
    "Statement",
    "entry_to_json",
    "mask_file_name",
    "redact_text",
    "statement_to_json",
]
