"""The adapter contract: what every bank protocol declares, builds, parses and maps.

An adapter is pure: it renders our submission into the bank's wire format and parses the bank's
answers back, with no sockets, files or clocks of its own (time and keys are handed in through
:class:`AdapterContext`). The core owns transport, retries, leases, timeouts and bookkeeping.

Every bank status maps to a :class:`LineOutcome`; **a status the table does not know maps to
UNKNOWN, never to success**. Every bank error maps to an :class:`Action`, which is all the core
needs to decide what happens next:

    RETRY     transient, the request certainly did not take effect: send the same request again
    INQUIRE   the outcome is not known (timeout after sending, "suspect" answers): ask the bank by our
              reference; never resend blindly
    MANUAL    a person must look (put in the visible manual queue)
    TERMINAL  the bank refused for good: the lines fail with the mapped reason
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


class AmountUnit(enum.Enum):
    FEN = "fen"
    YUAN = "yuan"


class Action(enum.Enum):
    RETRY = "retry"
    INQUIRE = "inquire"
    MANUAL = "manual"
    TERMINAL = "terminal"


class LineOutcome(enum.Enum):
    """Where a bank says a line stands. Only PAID and RETURNED are money facts; UNKNOWN means ask."""

    PENDING = "pending"  # received / accepted, not settled yet
    PAID = "paid"
    FAILED = "failed"
    RETURNED = "returned"  # paid, then came back after settlement
    UNKNOWN = "unknown"


class SubmitStatus(enum.Enum):
    ACCEPTED = "accepted"  # the bank has the submission (lines may still be pending)
    REJECTED = "rejected"  # the whole submission was refused; see the error's action
    UNKNOWN = "unknown"  # no usable answer: inquire by our reference


# The normalised failure taxonomy (DOMAIN.md §6–7); names match silink.common.v1.FailureReason.
class FailureReason(enum.Enum):
    NAME_MISMATCH = "NAME_MISMATCH"
    ACCOUNT_CLOSED = "ACCOUNT_CLOSED"
    ACCOUNT_FROZEN = "ACCOUNT_FROZEN"
    CARD_LOST = "CARD_LOST"
    NOT_ACTIVATED = "NOT_ACTIVATED"
    CLASS_II_LIMIT = "CLASS_II_LIMIT"
    ID_EXPIRED = "ID_EXPIRED"
    DECEASED = "DECEASED"
    DUPLICATE = "DUPLICATE"
    CONTROL_SUM_ERROR = "CONTROL_SUM_ERROR"
    ACCOUNT_INVALID = "ACCOUNT_INVALID"
    OTHER = "OTHER"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class Capabilities:
    """What a protocol can do; the core reads this instead of branching on adapter names."""

    protocol: str  # "iso20022", "banklink", "direct_link_json", "fixed_width_file"
    amount_unit: AmountUnit
    max_lines_per_submission: int
    text_encoding: str  # "utf-8", "gbk", "gb18030"
    bank_dedupes_on_reference: bool  # a resend with our reference can never pay twice
    status_query: bool
    returns: bool
    card_services: bool
    signature_algorithm: str  # keys.algorithms names, e.g. "SM2-SM3", "RSA-PSS-SHA256"
    hash_algorithm: str  # Merkle / digest hash: "SHA-256" or "SM3"
    encryption_algorithm: str | None = None  # e.g. "SM4-GCM" for the body, None for none
    transport: str = "https"  # "https", "folder", "grpc-pull" (the bank connects to us)


@dataclass(frozen=True)
class SubmissionLine:
    """One payment line as sent to a bank; the clear values exist only inside the adapter call."""

    seq: int  # 1-based position in the submission
    end_to_end_ref: str  # permanent, ≤ 16 characters
    account: str
    account_type: str  # CARD, PASSBOOK, CORPORATE
    name: str
    id_type: str  # RESIDENT_ID, USCC
    id_number: str
    amount_fen: int
    benefit: str
    period: str

    def __repr__(self) -> str:  # never print personal data
        return f"SubmissionLine(seq={self.seq}, ref={self.end_to_end_ref}, amount_fen={self.amount_fen})"


@dataclass(frozen=True)
class Submission:
    """One signed chunk of a batch for one bank and one fund account."""

    submission_id: str
    bank_reference: str  # our idempotency key at the bank (YURREF, fSeqno, MsgId …), ≤ 35 chars
    bank_code: str
    fund: str
    fund_account: str  # the agency's expenditure account (支出户), not personal data
    fund_account_name: str
    lines: Sequence[SubmissionLine]
    control_sum_fen: int
    requested_date: str  # YYYY-MM-DD
    manifest_json: str = ""  # the signed manifest (keys.manifest), sent alongside where the bank wants it
    purpose: str = "社保待遇发放"


@dataclass(frozen=True)
class AdapterContext:
    """Everything an adapter may need that is not pure data: time, keys, bank profile settings."""

    now_iso: str  # creation time to stamp on messages (UTC, ISO 8601)
    nonce: str  # fresh random hex for replay protection, one per message
    settings: Mapping[str, object] = field(default_factory=dict)  # the bank's [banks.X] config
    signer: object | None = None  # keys.algorithms.Signer of the gateway for this bank
    bank_verifier: object | None = None  # keys.algorithms.Verifier of the bank
    cipher: object | None = None  # keys.algorithms.Cipher when the body is encrypted


@dataclass(frozen=True)
class WireMessage:
    """A request or a file as it goes out: body bytes plus what the transport needs."""

    body: bytes
    content_type: str
    path: str = ""  # URL path for HTTPS, file name for a drop folder
    headers: Mapping[str, str] = field(default_factory=dict)
    attachments: Mapping[str, bytes] = field(default_factory=dict)  # e.g. detached signature files


@dataclass(frozen=True)
class WireResponse:
    """What came back: status (HTTP code or 0 for files), headers and body."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BankError:
    code: str  # the bank's raw code
    text: str  # the bank's raw text (may be Chinese)
    action: Action


@dataclass(frozen=True)
class LineResult:
    """One line's state at the bank. ``seq`` or ``end_to_end_ref`` identifies it (both when known)."""

    outcome: LineOutcome
    seq: int | None = None
    end_to_end_ref: str | None = None
    reason: FailureReason | None = None
    reason_code_list: str = ""  # "status" or "return" (ISO keeps the two code lists apart)
    raw_code: str = ""
    raw_text: str = ""
    value_date: str = ""
    amount_fen: int | None = None


@dataclass(frozen=True)
class SubmitResult:
    status: SubmitStatus
    bank_batch_reference: str = ""
    error: BankError | None = None
    lines: Sequence[LineResult] = ()


@runtime_checkable
class Adapter(Protocol):
    """The contract. ``name`` is the registry key used by ``[banks.X] adapter = …``."""

    name: str
    capabilities: Capabilities

    def render_submission(self, submission: Submission, ctx: AdapterContext) -> WireMessage:
        """The bank's request or file for one submission (signed/encrypted as the protocol says)."""
        ...

    def parse_submit_response(self, response: WireResponse, submission: Submission) -> SubmitResult:
        """The bank's immediate answer to a submission. Garbage → SubmitStatus.UNKNOWN, never ACCEPTED."""
        ...

    def render_status_query(self, submission: Submission, ctx: AdapterContext) -> WireMessage:
        """A query for the submission and its lines by our bank reference."""
        ...

    def parse_status_response(self, response: WireResponse, submission: Submission) -> SubmitResult:
        """Line results from a status answer, a result file or a pushed report."""
        ...

    def map_status(self, raw_status: str) -> LineOutcome:
        """Exhaustive table; unknown → LineOutcome.UNKNOWN."""
        ...

    def map_error(self, raw_code: str, raw_text: str = "") -> BankError:
        """Every bank error to an action; an unknown error → Action.INQUIRE or MANUAL, never RETRY."""
        ...
