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
from gateway.intake.benefits import CARD, CORPORATE, RESIDENT_ID, USCC, check_payee, resolve_benefit
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
from gateway.intake.seen_keys import SeenKeys
from gateway.intake.settings import ValidationSettings

# Per-column caches hold only accepted texts and stop growing at this size, so a file full of distinct
# junk in a code column costs parse time, not memory.
_CACHE_LIMIT = 4096
_DOUBLED = bytes.maketrans(b"0123456789", b"0246813579")
_new_tuple = tuple.__new__
_blake2b = hashlib.blake2b
# The resident-ID check character indexed by (17 digits read in base 13) mod 11: the weighted sum is
# 2 x that value mod 11 (identity.py), folded into the table to save a big-integer multiplication.
_CHECK_OF_BASE13_MOD11 = "".join(RESIDENT_ID_CHECK[2 * k % 11] for k in range(11))


def _error(line: int, field: str, text: Any, exc: LineRejected) -> LineError:
    return LineError(line, field, exc.reason, display_value(field, str(text or "")), exc.message)


class LineValidator:
    """Validates payroll lines one at a time, remembering keys to report duplicates within one file or
    upload. Not thread-safe: use one validator per file or stream.

    ``validate(line, fields)`` takes the line number and the 11 text fields in
    :data:`~gateway.intake.records.COLUMNS` order (a :class:`~gateway.intake.records.RawLine`, a tuple or
    a list) and returns a :class:`~gateway.intake.records.ValidatedLine` or a non-empty list of
    :class:`~gateway.intake.records.LineError`. Fields are ``str`` (empty for an absent optional
    column), as protobuf strings and decoded files always are.

    ``dedupe_key`` fixes the secret of the duplicate digests (tests); by default it is random.
    """

    def __init__(
        self, settings: ValidationSettings | None = None, *, dedupe_key: bytes | None = None
    ) -> None:
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
        self._profiles: dict[tuple[str, str, str, str], tuple[Any, ...]] = {}
        self._bank_codes: dict[str, str] = {}
        self._regions: dict[str, str] = {"": ""}
        # The duplicate check keeps a keyed 16-byte BLAKE2b digest per (id_number, benefit, period), never
        # the clear values; the key is random per validator, so digests mean nothing outside this run.
        # BLAKE2 has no length extension, so a secret prefix is a sound keyed hash, and it is cheaper per
        # line than BLAKE2b's own keyed mode (which hashes a whole extra key block every time).
        self._check_duplicates = s.check_duplicates
        # Bounded memory for a file of any length: past a million keys they move to disk (seen_keys.py).
        self._seen = SeenKeys()
        self._dedupe_key = dedupe_key or os.urandom(32)

    @property
    def distinct_keys(self) -> int:
        """How many (id_number, benefit, period) keys have been seen so far."""
        return len(self._seen)

    def _cached(self, cache: dict[str, Any], parse: Callable[..., Any], text: str, *args: Any) -> Any:
        value = parse(text, *args)
        if len(cache) < _CACHE_LIMIT:
            cache[text] = value
        return value

    def _profile(
        self, line: int, benefit_t: str, id_type_t: str, account_type_t: str, period_t: str
    ) -> tuple[tuple[Any, ...], list[LineError] | None]:
        """Resolve the columns that a payroll repeats on every line (benefit, id and account types,
        period) and the rules that depend only on them (payee fits benefit, fund, ceiling). Cached by
        the four texts when they are all valid, so a typical file resolves them once."""
        errors: list[LineError] = []
        benefit = id_type = account_type = period = None
        try:
            benefit = resolve_benefit(benefit_t)
        except LineRejected as exc:
            errors.append(_error(line, "benefit", benefit_t, exc))
        try:
            id_type = resolve_id_type(id_type_t) or (benefit.id_type if benefit is not None else RESIDENT_ID)
        except LineRejected as exc:
            errors.append(_error(line, "id_type", id_type_t, exc))
        try:
            account_type = resolve_account_type(account_type_t) or (
                CORPORATE if benefit is not None and benefit.id_type == USCC else CARD
            )
        except LineRejected as exc:
            errors.append(_error(line, "account_type", account_type_t, exc))
        try:
            period = parse_period(period_t, self._earliest_period, self._latest_period)
        except LineRejected as exc:
            errors.append(_error(line, "period", period_t, exc))
        ceiling = key_prefix = None
        if benefit is not None:
            if id_type is not None and account_type is not None:
                try:
                    check_payee(benefit, id_type, account_type)
                except LineRejected as exc:
                    errors.append(_error(line, "benefit", benefit_t, exc))
            if self._fund is not None and benefit.fund != self._fund:
                exc = LineRejected(
                    f"{benefit.code} is paid by the {benefit.fund} fund, not {self._fund}",
                    reason=R.FUND_MISMATCH,
                )
                errors.append(_error(line, "benefit", benefit_t, exc))
            ceiling = self._ceilings.get(benefit.code)
            if self._check_duplicates and period is not None:
                key_prefix = self._dedupe_key + f"{benefit.code}|{period}|".encode()
        is_enterprise = id_type == USCC
        profile = (
            benefit,
            id_type,
            account_type,
            period,
            ceiling,
            self._max_enterprise if is_enterprise else self._max_person,
            not is_enterprise,
            key_prefix,
        )
        if errors:
            return profile, errors
        if len(self._profiles) < _CACHE_LIMIT:
            self._profiles[(benefit_t, id_type_t, account_type_t, period_t)] = profile
        return profile, None

    def validate(self, line: int, fields: Sequence[str]) -> ValidatedLine | list[LineError]:
        """Check every field of one line; see the class docstring."""
        (
            id_type_t,
            id_t,
            name_t,
            account_t,
            account_type_t,
            bank_t,
            amount_t,
            benefit_t,
            period_t,
            region_t,
            ref_t,
        ) = fields

        profile = self._profiles.get((benefit_t, id_type_t, account_type_t, period_t))
        if profile is None:
            profile, errors = self._profile(line, benefit_t, id_type_t, account_type_t, period_t)
        else:
            errors = None
        benefit, id_type, account_type, period, ceiling, max_name, person, key_prefix = profile

        # id_number. Quick test: 18 ASCII characters, 17 digits, a province, a birth date in range and the
        # right check character (see identity.py for the base-13 weighted sum).
        id_number = None
        if id_type == RESIDENT_ID:
            # bytes.isdigit() is ASCII-only, so non-ASCII digits fail here and go to the full parser.
            body = id_t.encode()[:17]
            if (
                len(id_t) == 18
                and body.isdigit()
                and id_t[6:14] in self._births
                and id_t[:2] in PROVINCE_CODES
                and _CHECK_OF_BASE13_MOD11[int(body, 13) % 11] == id_t[17]
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
        name = name_t
        if not (name_t.isalpha() and len(name_t) <= max_name):
            try:
                name = normalise_name(name_t, max_name, person)
            except LineRejected as exc:
                (errors := errors or []).append(_error(line, "name", name_t, exc))

        # account. Quick test for cards: 16-19 ASCII digits passing Luhn (see accounts.py).
        account = None
        if account_type == CARD:
            b = account_t.encode()
            # Luhn: doubled digits via translate, digit sum mod 10 as int(…, 11) % 10 (accounts.py).
            if (
                16 <= len(b) <= 19
                and b.isdigit()
                and int(b[-2::-2].translate(_DOUBLED) + b[::-2], 11) % 10 == 0
            ):
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

        # amount. Quick test: ASCII digits, a point and exactly two decimals, not zero.
        fen = 0
        whole, dot, frac = amount_t.encode().partition(b".")
        if dot and len(frac) == 2 and whole.isdigit() and frac.isdigit() and len(whole) <= 15:
            fen = int(whole + frac)
        if not fen:
            try:
                fen = parse_yuan(amount_t)
            except LineRejected as exc:
                (errors := errors or []).append(_error(line, "amount", amount_t, exc))
        if ceiling is not None and fen > ceiling:
            try:
                check_ceiling(fen, ceiling)
            except LineRejected as exc:
                (errors := errors or []).append(_error(line, "amount", amount_t, exc))

        region = self._regions.get(region_t)
        if region is None:
            try:
                region = self._cached(self._regions, normalise_region, region_t)
            except LineRejected as exc:
                (errors := errors or []).append(_error(line, "region", region_t, exc))

        ref = ref_t
        if ref_t and not (len(ref_t) <= MAX_REF_LENGTH and ref_t.isalnum() and ref_t.isascii()):
            try:
                ref = normalise_ref(ref_t)
            except LineRejected as exc:
                (errors := errors or []).append(_error(line, "ref", ref_t, exc))

        # Duplicates: the key is recorded even when other fields of this line are wrong, so fixing that
        # line later cannot silently create a second payment for the same person, benefit and period.
        if (
            key_prefix is not None
            and id_number is not None
            and not self._seen.add(_blake2b(key_prefix + id_number.encode(), digest_size=16).digest())
        ):
            exc = LineRejected(
                "an earlier line has the same id_number, benefit and period", reason=R.DUPLICATE_IN_FILE
            )
            (errors := errors or []).append(_error(line, "id_number", id_t, exc))

        if errors is not None:
            return errors
        return _new_tuple(
            ValidatedLine,
            (
                line,
                id_type,
                id_number,
                name,
                account,
                account_type,
                bank,
                fen,
                benefit.code,
                benefit.fund,
                period,
                region,
                ref,
            ),
        )
