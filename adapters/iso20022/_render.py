"""Outgoing messages: pain.001.001.09 for a submission, and the small JSON status/notification queries.

The pain.001 is written as text, not built as a tree: it is the hot path (a 5000-line submission is a few
megabytes) and writing it by hand keeps the bytes stable for the golden files. Every text value is checked
first (moov-io/ach style: every problem of every line is collected, then one error names them all, with
positions and fields, never values) and XML-escaped when written.

Shape (one ``PmtInf`` per submission: one debtor, the fund account)::

    GrpHdr     MsgId = bank_reference, CreDtTm = ctx.now_iso, NbOfTxs, CtrlSum (yuan), InitgPty
    PmtInf     PmtInfId, TRF, BtchBookg, NbOfTxs, CtrlSum, CtgyPurp SSBE, ReqdExctnDt,
               Dbtr/DbtrAcct = the fund account (支出户), DbtrAgt = the bank (CNAPS)
      CdtTrfTxInf  InstrId = line seq, EndToEndId, InstdAmt Ccy=CNY (yuan, 2 decimals), Cdtr Nm
                   [+ Id when the bank profile sets ``send_id_number``], CdtrAcct Othr Id + Tp,
                   Purp (PENS/BENE/SSBE/GOVT), RmtInf Ustrd "<benefit> <period>"

No ``ChrgBr``: bank fees may not be paid from the fund (DOMAIN.md §4), and the fee arrangement is in the
agency's contract with the bank, not in the message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from adapters.contract import Submission
from adapters.iso20022._wire import CURRENCY, PAIN001_NAME, PAIN001_NS, fen_to_yuan
from gateway.errors import FieldViolation, InvalidInput

RENDER_INVALID = "ADAPTER_RENDER_INVALID"

# ExternalPurpose1Code per benefit: pension, unemployment benefit, social security benefit, government.
PURPOSE = {
    "PENSION_EMPLOYEE": "PENS",
    "PENSION_PUBLIC": "PENS",
    "PENSION_RESIDENT": "PENS",
    "UNEMPLOYMENT": "BENE",
    "WORK_INJURY": "SSBE",
    "STABILIZATION_REFUND": "GOVT",
}
CATEGORY_PURPOSE = "SSBE"

# XML 1.0 forbids C0 controls; tabs and line breaks are refused too (no field of ours may hold them).
_BAD_CHARS = re.compile("[\x00-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_DATE = re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _esc(value: str) -> str:
    # Most values have nothing to escape: three scans in C are cheaper than translate's per-character
    # table lookups, and a 5,000-line message escapes some 20,000 values.
    if "&" in value or "<" in value or ">" in value:
        return value.translate(_ESCAPES)
    return value


def _clean(value: object, max_len: int) -> bool:
    """True when :meth:`_Checker.text` would find nothing wrong with ``value`` (the usual case, decided
    without building a position string per field)."""
    return (
        value.__class__ is str
        and 0 < len(value) <= max_len  # type: ignore[arg-type]
        and value.strip() == value  # type: ignore[union-attr]
        and _BAD_CHARS.search(value) is None  # type: ignore[arg-type]
    )


class _Checker:
    """Collects every problem (position + field + why, never the value)."""

    def __init__(self) -> None:
        self.problems: list[FieldViolation] = []

    def text(self, where: str, field: str, value: object, max_len: int) -> None:
        if not isinstance(value, str) or not value.strip():
            self.problems.append(FieldViolation(f"{where}: {field}", "required"))
        elif len(value) > max_len:
            self.problems.append(FieldViolation(f"{where}: {field}", f"longer than {max_len} characters"))
        elif _BAD_CHARS.search(value):
            self.problems.append(FieldViolation(f"{where}: {field}", "contains control characters"))
        elif value != value.strip():
            self.problems.append(FieldViolation(f"{where}: {field}", "leading or trailing spaces"))

    def fail(self, where: str, field: str, why: str) -> None:
        self.problems.append(FieldViolation(f"{where}: {field}", why))

    def raise_if_any(self, submission: Submission) -> None:
        if self.problems:
            first = self.problems[0]
            raise InvalidInput(
                f"submission {submission.submission_id} cannot be rendered as pain.001: "
                f"{len(self.problems)} problem(s), first {first.field}: {first.description}",
                RENDER_INVALID,
                metadata={"submission_id": submission.submission_id, "problems": str(len(self.problems))},
                field_violations=self.problems[:100],
            )


def check_submission(submission: Submission, send_id_number: bool = False) -> None:
    """Raise :class:`~gateway.errors.InvalidInput` naming every field that cannot go into a pain.001."""
    c = _Checker()
    c.text("submission", "bank_reference", submission.bank_reference, 35)
    c.text("submission", "fund_account", submission.fund_account, 34)
    c.text("submission", "fund_account_name", submission.fund_account_name, 140)
    c.text("submission", "bank_code", submission.bank_code, 35)
    if not _DATE.fullmatch(submission.requested_date or ""):
        c.fail("submission", "requested_date", "not YYYY-MM-DD")
    if not submission.lines:
        c.fail("submission", "lines", "a submission needs at least one line")
    seqs: set[int] = set()
    refs: set[str] = set()
    total = 0
    for line in submission.lines:
        where = f"line {line.seq}"
        # Clean lines skip the detailed text checks; the problems of the others come in the same order.
        clean = (
            _clean(line.end_to_end_ref, 35)
            and _clean(line.account, 34)
            and _clean(line.name, 140)
            and _clean(line.benefit, 60)
            and (not send_id_number or _clean(line.id_number, 35))
        )
        if line.seq in seqs:
            c.fail(where, "seq", "appears twice")
        seqs.add(line.seq)
        if not clean:
            c.text(where, "end_to_end_ref", line.end_to_end_ref, 35)
        if line.end_to_end_ref in refs:
            c.fail(where, "end_to_end_ref", "appears twice in the submission")
        refs.add(line.end_to_end_ref)
        if not clean:
            c.text(where, "account", line.account, 34)
            c.text(where, "name", line.name, 140)
            c.text(where, "benefit", line.benefit, 60)
        if not _PERIOD.fullmatch(line.period or ""):
            c.fail(where, "period", "not YYYY-MM")
        if send_id_number and not clean:
            c.text(where, "id_number", line.id_number, 35)
        if not isinstance(line.amount_fen, int) or isinstance(line.amount_fen, bool):
            c.fail(where, "amount_fen", "not an integer amount in fen")
        elif line.amount_fen <= 0:
            c.fail(where, "amount_fen", "must be greater than zero")
        else:
            total += line.amount_fen
    if not c.problems and total != submission.control_sum_fen:
        # Invariant 4: what we send is what was frozen at approval. Never "fix" the control sum here.
        c.fail("submission", "control_sum_fen", "differs from the sum of the lines")
    c.raise_if_any(submission)


def render_pain001(
    submission: Submission, created: str, settings: Mapping[str, object] | None = None
) -> bytes:
    """The pain.001.001.09 document for ``submission``, UTF-8, created at ``created`` (ISO date-time)."""
    settings = settings or {}
    send_id = bool(settings.get("send_id_number", False))
    check_submission(submission, send_id)
    if not _DATETIME.fullmatch(created or ""):
        raise InvalidInput("creation time must be an ISO 8601 date-time", RENDER_INVALID)
    batch_booking = "true" if settings.get("batch_booking", True) else "false"
    agent_id = str(settings.get("debtor_agent_cnaps") or submission.bank_code)
    initiator = str(settings.get("initiating_party_name") or submission.fund_account_name)
    pmt_inf_id = submission.submission_id if 0 < len(submission.submission_id) <= 35 else None
    n = len(submission.lines)
    ctrl = fen_to_yuan(submission.control_sum_fen)

    out: list[str] = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<Document xmlns="{PAIN001_NS}">\n',
        "  <CstmrCdtTrfInitn>\n",
        "    <GrpHdr>\n",
        f"      <MsgId>{_esc(submission.bank_reference)}</MsgId>\n",
        f"      <CreDtTm>{created}</CreDtTm>\n",
        f"      <NbOfTxs>{n}</NbOfTxs>\n",
        f"      <CtrlSum>{ctrl}</CtrlSum>\n",
        f"      <InitgPty>\n        <Nm>{_esc(initiator[:140])}</Nm>\n      </InitgPty>\n",
        "    </GrpHdr>\n",
        "    <PmtInf>\n",
        f"      <PmtInfId>{_esc(pmt_inf_id or submission.bank_reference)}</PmtInfId>\n",
        "      <PmtMtd>TRF</PmtMtd>\n",
        f"      <BtchBookg>{batch_booking}</BtchBookg>\n",
        f"      <NbOfTxs>{n}</NbOfTxs>\n",
        f"      <CtrlSum>{ctrl}</CtrlSum>\n",
        f"      <PmtTpInf>\n        <CtgyPurp>\n          <Cd>{CATEGORY_PURPOSE}</Cd>\n"
        "        </CtgyPurp>\n      </PmtTpInf>\n",
        f"      <ReqdExctnDt>\n        <Dt>{submission.requested_date}</Dt>\n      </ReqdExctnDt>\n",
        f"      <Dbtr>\n        <Nm>{_esc(submission.fund_account_name)}</Nm>\n      </Dbtr>\n",
        "      <DbtrAcct>\n        <Id>\n          <Othr>\n"
        f"            <Id>{_esc(submission.fund_account)}</Id>\n"
        f"          </Othr>\n        </Id>\n        <Ccy>{CURRENCY}</Ccy>\n      </DbtrAcct>\n",
        "      <DbtrAgt>\n        <FinInstnId>\n          <ClrSysMmbId>\n"
        "            <ClrSysId>\n              <Cd>CNAPS</Cd>\n            </ClrSysId>\n"
        f"            <MmbId>{_esc(agent_id[:35])}</MmbId>\n"
        "          </ClrSysMmbId>\n        </FinInstnId>\n      </DbtrAgt>\n",
    ]
    append = out.append
    for line in submission.lines:
        append("      <CdtTrfTxInf>\n        <PmtId>\n")
        append(f"          <InstrId>{line.seq}</InstrId>\n")
        append(f"          <EndToEndId>{_esc(line.end_to_end_ref)}</EndToEndId>\n        </PmtId>\n")
        append(
            f'        <Amt>\n          <InstdAmt Ccy="{CURRENCY}">{fen_to_yuan(line.amount_fen)}</InstdAmt>\n'
        )
        append(f"        </Amt>\n        <Cdtr>\n          <Nm>{_esc(line.name)}</Nm>\n")
        if send_id:
            append(_party_id(line.id_type, line.id_number))
        append("        </Cdtr>\n        <CdtrAcct>\n          <Id>\n            <Othr>\n")
        append(f"              <Id>{_esc(line.account)}</Id>\n            </Othr>\n          </Id>\n")
        if line.account_type:
            kind = _esc(line.account_type[:35])
            append(f"          <Tp>\n            <Prtry>{kind}</Prtry>\n          </Tp>\n")
        append("        </CdtrAcct>\n")
        purpose = PURPOSE.get(line.benefit)
        if purpose:
            append(f"        <Purp>\n          <Cd>{purpose}</Cd>\n        </Purp>\n")
        append(f"        <RmtInf>\n          <Ustrd>{_esc(line.benefit)} {line.period}</Ustrd>\n")
        append("        </RmtInf>\n      </CdtTrfTxInf>\n")
    append("    </PmtInf>\n  </CstmrCdtTrfInitn>\n</Document>\n")
    return "".join(out).encode("utf-8")


def _party_id(id_type: str, id_number: str) -> str:
    # Enterprises (USCC) are organisations; people carry a national identity number (ISO code NIDN).
    if id_type == "USCC":
        return (
            "          <Id>\n            <OrgId>\n              <Othr>\n"
            f"                <Id>{_esc(id_number)}</Id>\n"
            "                <SchmeNm>\n                  <Prtry>USCC</Prtry>\n                </SchmeNm>\n"
            "              </Othr>\n            </OrgId>\n          </Id>\n"
        )
    return (
        "          <Id>\n            <PrvtId>\n              <Othr>\n"
        f"                <Id>{_esc(id_number)}</Id>\n"
        "                <SchmeNm>\n                  <Cd>NIDN</Cd>\n                </SchmeNm>\n"
        "              </Othr>\n            </PrvtId>\n          </Id>\n"
    )


def render_query(reference: str, requested: str) -> bytes:
    """The body of a status query (``requested="pain.002"``) or a notification query (``"camt.054"``)."""
    body = {"OrgnlMsgId": reference, "OrgnlMsgNmId": PAIN001_NAME, "Rqstd": requested}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")
