"""SWIFT MT940 customer statements and MT942 interim transaction reports, on top of PyPI ``mt-940``.

The ``mt940`` package parses the tags (amounts, dates, balances, the German ``?xx`` structure of
``:86:``). This module wraps it with what reconciliation needs and the package does not do:

- a file is split into its statements (one ``:20:`` block each) with line numbers kept, SWIFT envelopes
  (``{1:…}{4:`` … ``-}``) and bank header lines between statements dropped;
- the mandatory tags are checked (``:20: :25: :28C:``, and ``:60a:``/``:62a:`` for MT940, ``:34F:`` for
  MT942), every statement is checked (opening + Σ ``:61:`` = closing; MT942 ``:90D:/:90C:`` totals) and the
  ``:28C:`` numbers are checked for gaps across the file;
- amounts become exact minor units; ``RC``/``RD`` are reversals with the right direction;
- the end-to-end reference (``EREF+`` in the German structure, ``/EREF/`` in the SWIFT one) and return
  reasons (``/RTRN/``, German return transaction codes with their ``?34`` reason) are read from ``:86:``.

A statement that the package cannot parse is reported with the line of the offending tag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import InvalidOperation
from pathlib import Path

import mt940

from reconciliation._base import EvidenceFormat, ParseContext, Sniff
from reconciliation._money import AmountError, decimal_to_minor
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
    Statement,
)

FORMAT_940 = "mt940"
FORMAT_942 = "mt942"

# Every fix of the package switched on: strip a BOM, keep long :86:, never let a missing :86: sub-field
# wipe a :61: value. Amount signs are taken from the raw debit/credit mark here, not from the package.
_OPTIONS = mt940.Options.all()

# Bank flavours the package documents, chosen by the sender BIC in the SWIFT basic header (block 1).
# ASN Bank puts the counterparty IBAN (34x) where SWIFT allows a 16x customer reference.
_FLAVOURS: dict[str, dict] = {"ASNB": {61: mt940.tags.StatementASNB()}}

_TAG_LINE_RE = re.compile(r"^:(?P<tag>\d\d|NS)(?P<sub>[A-Z])?:")
_SPLIT_TAG_RE = re.compile(r"^(?P<tag>\d\d|NS)(?P<sub>[A-Z])?:")  # the part after a lone ":" line
_SWIFT_AMOUNT_RE = re.compile(r"\d{1,15}(?:,\d{0,15})?")
# 1!a6!n3!a15d, as sent in :60a: :62a: :64: :65: (some banks pad the amount with leading zeros).
_BALANCE_VALUE_RE = re.compile(r"[CD]\d{6}[A-Z]{3}\d{1,15}(?:,\d{0,15})?")
_BALANCE_TAGS = frozenset({"60F", "60M", "60", "62F", "62M", "62", "64", "65"})
_BLOCK1_RE = re.compile(r"\{1:F0[1-9](?P<bic>[A-Z]{6}[A-Z0-9]{2})")
_SWIFT_MT_RE = re.compile(r"(?m)^:(?:20|25|28C?|60[FM]?|61|62[FM]?|86):")
_MT942_HINT_RE = re.compile(r"\{2:[IO]942|^:34F:|^:13D:", re.MULTILINE)
_BALANCE_TAG_RE = re.compile(r"(?m)^:6[02][FM]?:")

# German transaction codes (GVC) that are returns; their ?34 carries the bank's return reason code.
_RETURN_GVC = frozenset({"109", "159", "160"})
_SWIFT_86_KEYS = (
    "EREF|PREF|KREF|MARF|CSID|RTRN|REMI|BENM|ORDP|NAME|ISDT|IBAN|BIC|ID|ADDR|TRCD|CNTP|ULTC|ULTD|PURP|IREF|"
    "OCMT|EXCH|CHGS|SVCL|BUSP|ACCW|ORDR|BENF"
)
_SWIFT_86_RE = re.compile(rf"/({_SWIFT_86_KEYS})/")
_GERMAN_86_RE = re.compile(r"^\d{3}\?")
_SEPA_KEY_RE = re.compile(r"^(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC |PURP|COAM|OAMT)\+")
_GERMAN_SUBFIELD_WIDTH = 27  # DK spec: ?20–?29 and ?60–?63 hold at most 27 characters each


def _looks_like_mt(sniff: Sniff) -> bool:
    return sniff.xml_root is None and sniff.text is not None and bool(_SWIFT_MT_RE.search(sniff.text))


def _looks_like_942(text: str) -> bool:
    return bool(_MT942_HINT_RE.search(text)) and not _BALANCE_TAG_RE.search(text)


def detect_940(sniff: Sniff) -> bool:
    return _looks_like_mt(sniff) and not _looks_like_942(sniff.text or "")


def detect_942(sniff: Sniff) -> bool:
    return _looks_like_mt(sniff) and _looks_like_942(sniff.text or "")


# -- :86: ------------------------------------------------------------------------------------------


def german_subfields(details: str) -> list[tuple[str, str]]:
    """``"166?00GUTSCHRIFT?20EREF+X"`` → ``[("", "166"), ("00", "GUTSCHRIFT"), ("20", "EREF+X")]``."""
    flat = details.replace("\n", "")
    parts = flat.split("?")
    fields_ = [("", parts[0])]
    for part in parts[1:]:
        fields_.append((part[:2], part[2:]))
    return fields_


def german_sepa_fields(details: str) -> dict[str, str]:
    """SEPA keywords (``EREF+``, ``KREF+``, ``MREF+``, ``SVWZ+`` …) from a German structured ``:86:``.

    A keyword's value starts in a purpose sub-field (?20–?29, ?60–?63) and goes on into the next one only
    while the sub-field is full (27 characters): a short sub-field ends the value. That keeps a following
    free-text sub-field (``?21MTLG:…``) out of the end-to-end reference.
    """
    purpose = [v for k, v in german_subfields(details) if k[:1] == "2" or k in {"60", "61", "62", "63"}]
    found: dict[str, str] = {}
    key: str | None = None
    for value in purpose:
        match = _SEPA_KEY_RE.match(value)
        if match:
            key = match.group(1).strip()
            found[key] = value[match.end() :]
        elif key is not None:
            found[key] += value
        else:
            continue
        if len(value) < _GERMAN_SUBFIELD_WIDTH:
            key = None
    return {k: v.strip() for k, v in found.items()}


def swift_86_fields(details: str) -> dict[str, str]:
    """``/EREF/abc/RTRN/AC01/REMI/…`` (the SWIFT/Dutch structured ``:86:``) → ``{"EREF": "abc", …}``."""
    flat = details.replace("\n", "")
    matches = list(_SWIFT_86_RE.finditer(flat))
    found: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(flat)
        value = flat[match.end() : end].strip().strip("/")
        found.setdefault(match.group(1), value)
    return found


def _ref(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return None if not value or value.upper() in {"NONREF", "NOTPROVIDED"} else value


# -- file structure ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Tag:
    tag: str  # "61", "60F", "NS"
    line: int
    value: str


@dataclass(slots=True)
class _Block:
    start_line: int
    lines: list[str]  # the block's text, line by line (envelope lines blanked)
    tags: list[_Tag] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def ids(self) -> set[str]:
        return {t.tag for t in self.tags}


def _clean_lines(raw: str) -> list[str]:
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cleaned = []
    after_separator = False
    for line in lines:
        line = line.strip("\x01\x03")  # SOH/ETX framing of FIN messages
        if line.startswith("{") or line.startswith("-}"):
            cleaned.append("")  # SWIFT envelope; keep the line count
            after_separator = line.startswith("-}")
            continue
        if line.strip() == "-":
            cleaned.append(line)
            after_separator = True
            continue
        if after_separator and not _TAG_LINE_RE.match(line):
            cleaned.append("")  # bank header lines between statements (ABN AMRO: "ABNANL2A", "940")
            continue
        after_separator = False
        cleaned.append(line)
    return cleaned


def _known(tag: str) -> bool:
    return tag == "NS" or int(tag) in mt940.tags.TAG_BY_ID


def _split(lines: list[str]) -> tuple[list[_Block], bool]:
    """Statement blocks (each from a ``:20:`` line), and whether any SWIFT tag came before the first."""
    blocks: list[_Block] = []
    current: _Block | None = None
    orphan_tags = False
    index = 0
    while index < len(lines):
        line = lines[index]
        tag_id = value = None
        match = _TAG_LINE_RE.match(line)
        if match and _known(match.group("tag")):
            tag_id, value = match.group("tag") + (match.group("sub") or ""), line[match.end() :]
        elif line.strip() == ":" and index + 1 < len(lines):
            split = _SPLIT_TAG_RE.match(lines[index + 1])  # a tag broken after its colon (seen at Sparkassen)
            if split and _known(split.group("tag")):
                tag_id, value = (
                    split.group("tag") + (split.group("sub") or ""),
                    lines[index + 1][split.end() :],
                )
        if tag_id == "20":
            current = _Block(start_line=index + 1, lines=[])
            blocks.append(current)
        if current is None:
            orphan_tags = orphan_tags or tag_id is not None
            index += 1
            continue
        current.lines.append(line)
        if tag_id is not None:
            current.tags.append(_Tag(tag_id, index + 1, value))  # type: ignore[arg-type]
            if line.strip() == ":":
                current.lines.append(lines[index + 1])
                index += 1
        elif current.tags and line.strip() and line.strip() != "-":
            current.tags[-1].value += "\n" + line
        index += 1
    return blocks, orphan_tags


# -- parsing ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Parsed:
    statement: Statement
    entries: list[BankEntry]


class MtReader:
    def __init__(self, path: Path, ctx: ParseContext) -> None:
        self.path = path
        self.ctx = ctx

    def _decode(self, data: bytes) -> str:
        if self.ctx.options.encoding:
            try:
                return data.decode(self.ctx.options.encoding)
            except (UnicodeDecodeError, LookupError):
                raise self.ctx.unreadable(f"not readable as {self.ctx.options.encoding}") from None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # The mt-940 package falls back to cp852 too (every byte maps): same text as the package.
            self.ctx.warn("ENCODING_FALLBACK", "not UTF-8: decoded as cp852")
            return data.decode("cp852")

    def read_all(self) -> tuple[list[Statement], list[BankEntry]]:
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise self.ctx.unreadable(f"cannot read the file ({exc.__class__.__name__})") from None
        raw = self._decode(data)
        flavour_tags = None
        header = _BLOCK1_RE.search(raw[:4096])
        if header:
            flavour_tags = _FLAVOURS.get(header.group("bic")[:4])
        blocks, orphan_tags = _split(_clean_lines(raw))
        if not blocks:
            why = (
                "SWIFT tags without any :20: statement header"
                if orphan_tags
                else "no SWIFT MT statement found"
            )
            raise self.ctx.unreadable(why, "FILE_UNREADABLE")
        statements: list[Statement] = []
        entries: list[BankEntry] = []
        for block in blocks:
            parsed = self._block(block, flavour_tags)
            if parsed is not None:
                statements.append(parsed.statement)
                entries.extend(parsed.entries)
        return statements, entries

    # -- one statement ---------------------------------------------------------------------------

    def _line_ok(self, item: _Tag, statement_tag) -> bool:
        """Check a :61: line before the package sees it.

        The package's pattern lets "1O,00" through as amount "1", the rest becoming a reference (and a
        line without a type code then swallows the next line). SWIFT wants a decimal comma, but Knab sends
        whole amounts without one ("C500NTRF"); what always follows the amount is the mandatory type code
        (N/F/S + 3 characters), so a missing code means a mistyped amount.
        """
        value = "\n".join(line for line in item.value.split("\n") if line.strip()).strip()
        raw = statement_tag.re.match(value)
        if raw is None:
            self.ctx.problem(f"line {item.line}", ":61:", "does not match the SWIFT field layout", item.line)
            return False
        if not raw.group("id") or not _SWIFT_AMOUNT_RE.fullmatch(raw.group("amount") or ""):
            self.ctx.problem(
                f"line {item.line}",
                ":61: amount",
                "not an amount followed by a transaction type code",
                item.line,
            )
            return False
        return True

    def _lib_parse(self, block: _Block, flavour_tags) -> mt940.models.Transactions | None:
        transactions = mt940.models.Transactions(tags=flavour_tags, options=_OPTIONS)
        try:
            transactions.parse(block.text)
        except (RuntimeError, ValueError, InvalidOperation, KeyError, TypeError):
            self._locate_failure(block, flavour_tags)
            return None
        return transactions

    def _locate_failure(self, block: _Block, flavour_tags) -> None:
        """The package failed somewhere in the block: find the tag by parsing them one at a time."""
        probe = mt940.models.Transactions(tags=flavour_tags, options=_OPTIONS)
        for item in block.tags:
            tag = probe.tags.get(item.tag) or probe.tags.get(
                int(item.tag[:2]) if item.tag[:2].isdigit() else "NS"
            )
            if tag is None:
                continue
            value = "\n".join(line for line in item.value.split("\n") if line.strip()).strip()
            try:
                tag_dict = tag.parse(probe, value)
                for processor in probe.processors.get(f"pre_{tag.slug}", []):
                    tag_dict = processor(probe, tag, tag_dict)
                result = tag(probe, tag_dict)
                if isinstance(result, dict):
                    probe.data.update({k: v for k, v in result.items() if k.endswith("balance")})
            except RuntimeError:
                self.ctx.problem(
                    f"line {item.line}", f":{item.tag}:", "does not match the SWIFT field layout", item.line
                )
                return
            except (ValueError, InvalidOperation, KeyError, TypeError):
                self.ctx.problem(f"line {item.line}", f":{item.tag}:", "invalid date or amount", item.line)
                return
        self.ctx.problem(
            f"line {block.start_line}", "statement", "the statement cannot be parsed", block.start_line
        )

    def _block(self, block: _Block, flavour_tags) -> _Parsed | None:
        ctx = self.ctx
        where = f"line {block.start_line}"
        ids = block.ids()
        is_942 = not ids & {"60F", "60M", "60", "62F", "62M", "62"} and bool(ids & {"34F", "13D", "13"})
        missing = []
        for needed in (("20",), ("25",), ("28C", "28")):
            if not ids & set(needed):
                missing.append(needed[0])
        if is_942:
            if "34F" not in ids:
                missing.append("34F")
        else:
            if not ids & {"60F", "60M", "60"}:
                missing.append("60F")
            if not ids & {"62F", "62M", "62"}:
                missing.append("62F")
        for tag in missing:
            ctx.problem(where, f":{tag}:", "mandatory field missing from the statement", block.start_line)
        for item in block.tags:
            first_line = item.value.split("\n", 1)[0].strip()
            if item.tag in _BALANCE_TAGS and not _BALANCE_VALUE_RE.fullmatch(first_line):
                missing.append(item.tag)
                ctx.problem(
                    f"line {item.line}",
                    f":{item.tag}:",
                    "not a balance (C/D mark, YYMMDD date, currency code, amount)",
                    item.line,
                )
        statement_tag = (flavour_tags or {}).get(61) or mt940.tags.TAG_BY_ID[61]
        for item in block.tags:
            if item.tag == "61" and not self._line_ok(item, statement_tag):
                missing.append(item.tag)
        if missing:
            return None
        transactions = self._lib_parse(block, flavour_tags)
        if transactions is None:
            return None
        data = transactions.data
        kind = EntryKind.NOTIFICATION if is_942 else EntryKind.BOOKED
        currency = transactions.currency
        if currency is None:
            ctx.problem(
                where, "currency", "no balance or floor limit gives the statement currency", block.start_line
            )
            return None

        number, page = _statement_number(data)
        sequence = (
            "/".join(x for x in (data.get("statement_number"), data.get("sequence_number")) if x) or None
        )
        account = (data.get("account_identification") or "").strip() or None
        statement_id = (data.get("transaction_reference") or "").strip() or None

        statement_lines = [t for t in block.tags if t.tag == "61"]
        if len(statement_lines) != len(transactions.transactions):
            ctx.problem(
                where,
                ":61:",
                "statement lines could not be aligned with the parsed transactions",
                block.start_line,
            )
            return None
        details_by_line = self._details(block)

        entries: list[BankEntry] = []
        booked_net = credit_count = credit_sum = debit_count = debit_sum = 0
        statement_tag = transactions.tags[61]
        for tag61, transaction in zip(statement_lines, transactions.transactions, strict=True):
            entry = self._entry(
                tag61,
                transaction,
                statement_tag,
                details_by_line.get(tag61.line),
                kind=kind,
                statement_id=statement_id,
                sequence=sequence,
                account=account,
            )
            if entry is None:
                continue
            entries.append(entry)
            if entry.currency == currency:
                booked_net += entry.signed_amount_minor  # type: ignore[operator]
                if entry.direction is Direction.CREDIT:
                    credit_count += 1
                    credit_sum += entry.amount_minor  # type: ignore[operator]
                else:
                    debit_count += 1
                    debit_sum += entry.amount_minor  # type: ignore[operator]

        balances = self._balances(data, where, block.start_line)
        by_code = {b.type_code: b for b in balances}
        opening = by_code.get("60F") or by_code.get("60M") or by_code.get("60")
        closing = by_code.get("62F") or by_code.get("62M") or by_code.get("62")
        totals = self._totals(data, where, block.start_line)
        created = data.get("date")
        statement = Statement(
            source_format=ctx.format,
            source_file=ctx.file_name,
            position=where,
            line=block.start_line,
            kind=kind,
            statement_id=statement_id,
            created_at=datetime.fromisoformat(created.isoformat()) if isinstance(created, datetime) else None,
            sequence=sequence,
            statement_number=number,
            page_number=page,
            account=account,
            currency=currency,
            opening=opening,
            closing=closing,
            balances=tuple(balances),
            entries_count=len(entries),
            booked_net_minor=booked_net,
            value_dated_net_minor=_value_dated(entries, closing, currency),
            credit_count=credit_count,
            credit_sum_minor=credit_sum,
            debit_count=debit_count,
            debit_sum_minor=debit_sum,
            control_totals=tuple(totals),
        )
        self._check(statement, entries)
        return _Parsed(statement, entries)

    def _details(self, block: _Block) -> dict[int, str]:
        """``:86:`` text of each ``:61:`` (keyed by its line): the ``:86:`` tags that follow it directly."""
        found: dict[int, str] = {}
        owner: int | None = None
        for item in block.tags:
            if item.tag == "61":
                owner = item.line
            elif item.tag == "86" and owner is not None:
                text = "\n".join(line.rstrip() for line in item.value.split("\n")).strip("\n")
                found[owner] = f"{found[owner]}\n{text}" if owner in found else text
            elif item.tag != "NS":
                owner = None  # a balance or total after the lines: a later :86: is about the statement
        return found

    def _entry(
        self,
        tag61: _Tag,
        transaction,
        statement_tag,
        details: str | None,
        *,
        kind: EntryKind,
        statement_id: str | None,
        sequence: str | None,
        account: str | None,
    ) -> BankEntry | None:
        ctx = self.ctx
        data = transaction.data
        where = f"line {tag61.line}"
        mark = (data.get("status") or "").upper()
        if mark not in {"C", "D", "RC", "RD"}:
            ctx.problem(where, ":61: mark", "debit/credit mark must be C, D, RC or RD", tag61.line)
            return None
        # RC reverses a credit: money leaves the account. RD reverses a debit: money comes back.
        direction = Direction.CREDIT if mark in {"C", "RD"} else Direction.DEBIT
        amount_obj = data.get("amount")
        currency = getattr(amount_obj, "currency", None)
        try:
            amount = decimal_to_minor(abs(amount_obj.amount), currency)  # type: ignore[union-attr]
        except (AmountError, AttributeError) as exc:
            why = str(exc) if isinstance(exc, AmountError) else "no amount"
            ctx.problem(where, ":61: amount", why, tag61.line)
            return None

        # The package lets a :86: KREF replace the :61: customer reference; read the :61: one directly.
        value = "\n".join(line for line in tag61.value.split("\n") if line.strip()).strip()
        raw61 = statement_tag.re.match(value)
        customer_ref = _ref(raw61.group("customer_reference")) if raw61 else None

        eref = kref = None
        reason: Reason | None = None
        status = EntryStatus.BOOKED
        if details and _GERMAN_86_RE.match(details.replace("\n", "")):
            sepa = german_sepa_fields(details)
            eref, kref = _ref(sepa.get("EREF")), _ref(sepa.get("KREF"))
            gvc = details[:3]
            code34 = (data.get("return_debit_notes") or "").strip() or None
            if gvc in _RETURN_GVC:
                status = EntryStatus.RETURNED
                reason = Reason(
                    ReasonList.RETURN, code=None, raw_code=code34, raw_text=(data.get("posting_text") or None)
                )
        elif details:
            swift = swift_86_fields(details)
            eref, kref = _ref(swift.get("EREF")), _ref(swift.get("KREF") or swift.get("PREF"))
            rtrn = swift.get("RTRN")
            if rtrn:
                status = EntryStatus.RETURNED
                code = rtrn.split("/")[0].strip() or None
                iso_code = code if code and re.fullmatch(r"[A-Z]{2}\d{2}", code) else None
                reason = Reason(ReasonList.RETURN, code=iso_code, raw_code=None if iso_code else code)

        value_date = data.get("date")
        entry_date = data.get("entry_date")
        return BankEntry(
            source_format=ctx.format,
            source_file=ctx.file_name,
            position=where,
            line=tag61.line,
            kind=kind,
            status=status,
            raw_status=mark,
            statement_id=statement_id,
            statement_seq=sequence,
            account=account,
            direction=direction,
            amount_minor=amount,
            currency=currency,
            booking_date=_plain_date(entry_date),
            value_date=_plain_date(value_date),
            refs=References(
                end_to_end_id=eref,
                customer_ref=customer_ref or kref,
                account_servicer_ref=_ref(data.get("bank_reference")),
            ),
            reason=reason,
            bank_tx_code=(data.get("id") or "").strip() or None,
            reversal=mark.startswith("R"),
            raw_text=details or None,
        )

    def _balances(self, data: dict, where: str, line: int) -> list[Balance]:
        balances = []
        for key, code in (
            ("final_opening_balance", "60F"),
            ("intermediate_opening_balance", "60M"),
            ("opening_balance", "60"),
            ("final_closing_balance", "62F"),
            ("intermediate_closing_balance", "62M"),
            ("closing_balance", "62"),
            ("available_balance", "64"),
            ("forward_available_balance", "65"),
        ):
            balance = data.get(key)
            if balance is None:
                continue
            amount = getattr(balance, "amount", None)
            try:
                minor = decimal_to_minor(amount.amount, amount.currency)  # type: ignore[union-attr]
            except (AmountError, AttributeError) as exc:
                why = str(exc) if isinstance(exc, AmountError) else "no amount"
                self.ctx.problem(where, f":{code}:", why, line)
                continue
            balances.append(Balance(code, minor, amount.currency, _plain_date(balance.date)))  # type: ignore[union-attr]
        return balances

    def _totals(self, data: dict, where: str, line: int) -> list[ControlTotal]:
        totals = []
        for key, covers, code in (
            ("sum_debit_entries", "DEBIT", "90D"),
            ("sum_credit_entries", "CREDIT", "90C"),
        ):
            total = data.get(key)
            if total is None:
                continue
            try:
                minor = abs(decimal_to_minor(total.amount, total.currency))
            except AmountError as exc:
                self.ctx.problem(where, f":{code}:", str(exc), line)
                continue
            count = int(total.number) if str(total.number).isdigit() else None
            totals.append(ControlTotal(covers=covers, count=count, sum_minor=minor))
        return totals

    def _check(self, statement: Statement, entries: list[BankEntry]) -> None:
        ctx = self.ctx
        foreign = sum(1 for e in entries if e.currency != statement.currency)
        if statement.opening is not None and statement.closing is not None:
            if statement.opening.currency != statement.closing.currency or foreign:
                ctx.balance_break(
                    statement.position,
                    "BALANCE_BREAK",
                    "balances and lines are not in one currency",
                    statement.line,
                )
            elif statement.balance_difference:
                ctx.balance_break(
                    statement.position,
                    "BALANCE_BREAK",
                    f"opening + :61: lines ≠ closing by {statement.balance_difference} minor units",
                    statement.line,
                )
        for total, count, sum_minor in statement.control_total_breaks():
            ctx.balance_break(
                statement.position,
                "TOTALS_MISMATCH",
                f":90{total.covers[0]}: declares {total.count} lines summing {total.sum_minor}, "
                f"the lines give {count} summing {sum_minor} (minor units)",
                statement.line,
            )


def _value_dated(entries: list[BankEntry], closing: Balance | None, currency: str) -> int | None:
    if closing is None or closing.date is None:
        return None
    return sum(
        e.signed_amount_minor  # type: ignore[misc]
        for e in entries
        if e.currency == currency and (e.value_date is None or e.value_date <= closing.date)
    )


def _statement_number(data: dict) -> tuple[int | None, int | None]:
    """:28C: number and page as integers (``None`` where absent or not numeric)."""
    values = []
    for key in ("statement_number", "sequence_number"):
        raw = data.get(key)
        values.append(int(raw) if raw and str(raw).isdigit() else None)
    return values[0], values[1]


def _plain_date(value) -> date | None:
    if value is None:
        return None
    return date(value.year, value.month, value.day)


def parse(path: Path, ctx: ParseContext) -> tuple[list[Statement], list[BankEntry]]:
    return MtReader(path, ctx).read_all()


MT940 = EvidenceFormat(
    name=FORMAT_940,
    description="SWIFT MT940 customer statement (via the mt-940 package)",
    detect=detect_940,
    parse=parse,
)
MT942 = EvidenceFormat(
    name=FORMAT_942,
    description="SWIFT MT942 interim transaction report (via the mt-940 package)",
    detect=detect_942,
    parse=parse,
)
