"""The line validator: the one code path that turns a payroll line's text fields into a validated line or
the complete list of what is wrong with it.

Files (CSV/XLSX through :mod:`gateway.intake.reader`) and the gRPC upload stream (one message per line,
the same columns as strings) both end here, so a rule is written once.

Speed. A province payroll is tens of millions of lines, so the hot path is written for the common case
of a valid line: columns with few distinct values (benefit, period, id and account types, bank codes,
regions) go through small caches that remember what the authoritative parser returned for a given text;
the resident ID, card Luhn, amount and name are first tried with a few C-level string operations that
accept only values the authoritative parser would also accept unchanged. Anything that does not pass
that quick test is handed to the authoritative parser (modules identity, accounts, amounts, names…),
which either accepts it (e.g. a lowercase ``x``, a 15-digit ID, ``2345.6``, surrounding spaces) or
raises the precise reason. So the fast path can make validation faster, never laxer.

Every field is checked even after an earlier one failed, so one line reports all its problems.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from typing import Any

from gateway.errors import LineRejected
from gateway.intake import reasons as R
from gateway.intake.accounts import BankResolver, normalise_account, resolve_account_type
from gateway.intake.amounts import check_ceiling, parse_yuan
from gateway.intake.benefits import CARD, CORPORATE, RESIDENT_ID, USCC, Benefit, check_payee, resolve_benefit
from gateway.intake.identity import (
    PROVINCE_CODES,
    RESIDENT_ID_CHECK,
    birth_dates,
    normalise_resident_id,
    normalise_uscc,
    resolve_id_type,
)
from gateway.intake.names import normalise_name
from gateway.intake.periods import parse_period
from gateway.intake.records import LineError, ValidatedLine, display_value
from gateway.intake.references import MAX_REF_LENGTH, normalise_ref
from gateway.intake.regions import normalise_region
from gateway.intake.settings import ValidationSettings

# Per-column caches hold only accepted texts and stop growing at this size, so a file full of distinct
# junk in a code column costs parse time, not memory.
_CACHE_LIMIT = 4096
_DOUBLED = bytes.maketrans(b"0123456789", b"0246813579")
_new_tuple = tuple.__new__


def _error(line: int, field: str, text: Any, exc: LineRejected) -> LineError:
    return LineError(line, field, exc.reason, display_value(field, str(text or "")), exc.message)


class LineValidator:
    """Validates payroll lines one at a time, remembering keys to report duplicates within one file or
    upload. Not thread-safe: use one validator per file or stream.

    ``validate(line, fields)`` takes the line number and the 11 text fields in
    :data:`~gateway.intake.records.COLUMNS` order (a :class:`~gateway.intake.records.RawLine`, a tuple or
    a list) and returns a :class:`~gateway.intake.records.ValidatedLine` or a non-empty list of
    :class:`~gateway.intake.records.LineError`.
    """

    def __init__(self, settings: ValidationSettings | None = None, *, dedupe_key: bytes | None = None) -> None:
        s = settings if settings is not None else ValidationSettings()
        self.settings = s
        self._births = birth_dates(s.earliest_birth_date, s.reference_date)
        self._resolver = BankResolver(s.banks, s.bin_table)
        self._earliest_period = s.earliest_period
        self._latest_period = s.latest_period
        self._ceilings = dict(s.ceilings_fen)
        self._fund = s.fund
        self._max_person = s.max_person_name_length
        self._max_enterprise = s.max_enterprise_name_length
        self._benefits: dict[str, Benefit] = {}
        self._id_types: dict[str, str] = {}
        self._account_types: dict[str, str] = {}
        self._bank_codes: dict[str, str] = {}
        self._periods: dict[str, str] = {}
        self._regions: dict[str, str] = {"": ""}
        # The duplicate check keeps a keyed 16-byte BLAKE2b digest per (id_number, benefit, period), never
        # the clear values; the key is random per validator, so digests mean nothing outside this run.
        self._check_duplicates = s.check_duplicates
        self._seen: set[bytes] = set()
        self._hasher = hashlib.blake2b(key=dedupe_key or os.urandom(32), digest_size=16)
        self._hashers: dict[tuple[str, str], Any] = {}

    @property
    def distinct_keys(self) -> int:
        """How many (id_number, benefit, period) keys have been seen so far."""
        return len(self._seen)

    def _cached(self, cache: dict[str, Any], parse: Callable[..., Any], text: str, *args: Any) -> Any:
        value = parse(text, *args)
        if len(cache) < _CACHE_LIMIT:
            cache[text] = value
        return value

    def _key_hasher(self, benefit: str, period: str) -> Any:
        hasher = self._hasher.copy()
        hasher.update(f"{benefit}|{period}|".encode())
        if len(self._hashers) < _CACHE_LIMIT:
            self._hashers[(benefit, period)] = hasher
        return hasher

    def validate(self, line: int, fields: Sequence[str]) -> ValidatedLine | list[LineError]:
        """Check every field of one line; see the class docstring."""
        (id_type_t, id_t, name_t, account_t, account_type_t, bank_t, amount_t, benefit_t, period_t, region_t,
         ref_t) = fields
        errors: list[LineError] | None = None

        # Benefit first: it decides the default id and account types, the ceiling and the payee rule.
        benefit = self._benefits.get(benefit_t)
        if benefit is None:
            try:
                benefit = self._cached(self._benefits, resolve_benefit, benefit_t)
            except LineRejected as exc:
                errors = [_error(line, "benefit", benefit_t, exc)]

        id_type = self._id_types.get(id_type_t)
        if id_type is None:
            try:
                id_type = self._cached(self._id_types, resolve_id_type, id_type_t)
            except LineRejected as exc:
                (errors := errors or []).append(_error(line, "id_type", id_type_t, exc))
        if id_type == "":
            id_type = benefit.id_type if benefit is not None else RESIDENT_ID

        account_type = self._account_types.get(account_type_t)
        if account_type is None:
            try:
                account_type = self._cached(self._account_types, resolve_account_type, account_type_t)
            except LineRejected as exc:
                (errors := errors or []).append(_error(line, "account_type", account_type_t, exc))
        if account_type == "":
            account_type = CORPORATE if benefit is not None and benefit.id_type == USCC else CARD

        # id_number. Quick test: 18 ASCII characters, 17 digits, a province, a birth date in range and the
        # right check character (see identity.py for the base-13 weighted sum).
        id_number = None
        if id_type == RESIDENT_ID:
            body = id_t[:17]
            if (
                len(id_t) == 18
                and body.isdigit()
                and body.isascii()
                and id_t[6:14] in self._births
                and id_t[:2] in PROVINCE_CODES
                and RESIDENT_ID_CHECK[int(body, 13) * 2 % 11] == id_t[17]
            ):
                id_number = id_t
            else:
                try:
                    id_number = normalise_resident_id(id_t, self._births)
                except LineRejected as exc:
                    (errors := errors or []).append(_error(line, "id_number", id_t, exc))
        elif id_type == USCC:
            try:
                id_number = normalise_uscc(id_t)
            except LineRejected as exc:
                (errors := errors or []).append(_error(line, "id_number", id_t, exc))

        # name: a run of letters (Chinese characters are letters) has no digits, spaces or controls.
        max_name = self._max_enterprise if id_type == USCC else self._max_person
        if name_t.isalpha() and len(name_t) <= max_name:
            name = name_t
        else:
            try:
                name = normalise_name(name_t, max_name, id_type != USCC)
            except LineRejected as exc:
                (errors := errors or []).append(_error(line, "name", name_t, exc))
                name = None

        # account. Quick test for cards: 16-19 ASCII digits passing Luhn (see accounts.py).
        account = None
        if account_type == CARD and 16 <= len(account_t) <= 19 and account_t.isdigit() and account_t.isascii():
            b = account_t.encode("ascii")
            if int(b[-2::-2].translate(_DOUBLED) + b[::-2], 11) % 10 == 0:
                account = account_t
        if account is None and account_type is not None:
            try:
                account = normalise_account(account_t, account_type)
            except LineRejected as exc:
                (errors := errors or []).append(_error(line, "account", account_t, exc))

        # bank: the code carried with the line wins; else the card BIN.
        bank = None
        if bank_t:
            bank = self._bank_codes.get(bank_t)
            if bank is None:
                try:
                    bank = self._cached(self._bank_codes, self._resolver.from_code, bank_t)
                except LineRejected as exc:
                    (errors := errors or []).append(_error(line, "bank_code", bank_t, exc))
        elif account is not None:
            try:
                bank = self._resolver.from_bin(account)
            except LineRejected as exc:
                (errors := errors or []).append(_error(line, "bank_code", bank_t, exc))

        # amount. Quick test: digits, a point and exactly two decimals, not zero.
        fen = 0
        whole, dot, frac = amount_t.partition(".")
        if (
            dot
            and len(frac) == 2
            and whole.isdigit()
            and frac.isdigit()
            and amount_t.isascii()
            and len(whole) <= 15
        ):
            fen = int(whole + frac)
        if not fen:
            try:
                fen = parse_yuan(amount_t)
            except LineRejected as exc:
                (errors := errors or []).append(_error(line, "amount", amount_t, exc))
        if fen and benefit is not None:
            ceiling = self._ceilings.get(benefit.code)
            if ceiling is not None and fen > ceiling:
                try:
                    check_ceiling(fen, ceiling)
                except LineRejected as exc:
                    (errors := errors or []).append(_error(line, "amount", amount_t, exc))

        period = self._periods.get(period_t)
        if period is None:
            try:
                period = self._cached(self._periods, parse_period, period_t, self._earliest_period,
                                      self._latest_period)
            except LineRejected as exc:
                (errors := errors or []).append(_error(line, "period", period_t, exc))

        region = self._regions.get(region_t)
        if region is None:
            try:
                region = self._cached(self._regions, normalise_region, region_t)
            except LineRejected as exc:
                (errors := errors or []).append(_error(line, "region", region_t, exc))

        if not ref_t or (len(ref_t) <= MAX_REF_LENGTH and ref_t.isalnum() and ref_t.isascii()):
            ref = ref_t
        else:
            try:
                ref = normalise_ref(ref_t)
            except LineRejected as exc:
                (errors := errors or []).append(_error(line, "ref", ref_t, exc))

        if benefit is not None:
            if (
                id_type is not None
                and account_type is not None
                and (id_type != benefit.id_type or account_type not in benefit.account_types)
            ):
                try:
                    check_payee(benefit, id_type, account_type)
                except LineRejected as exc:
                    (errors := errors or []).append(_error(line, "benefit", benefit_t, exc))
            if self._fund is not None and benefit.fund != self._fund:
                exc = LineRejected(f"{benefit.code} is paid by the {benefit.fund} fund, not {self._fund}",
                                   reason=R.FUND_MISMATCH)
                (errors := errors or []).append(_error(line, "benefit", benefit_t, exc))

            # Duplicates: the key is recorded even when other fields of this line are wrong, so fixing
            # that line later cannot silently create a second payment for the same person and period.
            if self._check_duplicates and id_number is not None and period is not None:
                hasher = self._hashers.get((benefit.code, period))
                if hasher is None:
                    hasher = self._key_hasher(benefit.code, period)
                h = hasher.copy()
                h.update(id_number.encode("ascii"))
                seen = self._seen
                before = len(seen)
                seen.add(h.digest())
                if len(seen) == before:
                    exc = LineRejected("an earlier line has the same id_number, benefit and period",
                                       reason=R.DUPLICATE_IN_FILE)
                    (errors := errors or []).append(_error(line, "id_number", id_t, exc))

        if errors is not None:
            return errors
        return _new_tuple(
            ValidatedLine,
            (line, id_type, id_number, name, account, account_type, bank, fen, benefit.code, benefit.fund, period,
             region, ref),
        )
