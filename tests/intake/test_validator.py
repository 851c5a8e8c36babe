"""The line validator: normalised valid lines, every error of a line, duplicates, and the fast path."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.errors import LineRejected
from gateway.intake import reasons as R
from gateway.intake.accounts import BankResolver, luhn_check_digit, normalise_account, resolve_account_type
from gateway.intake.amounts import parse_yuan
from gateway.intake.benefits import check_payee, resolve_benefit
from gateway.intake.identity import birth_dates, normalise_resident_id, normalise_uscc, resolve_id_type
from gateway.intake.names import normalise_name
from gateway.intake.periods import parse_period
from gateway.intake.records import LineError, RawLine, ValidatedLine
from gateway.intake.references import normalise_ref
from gateway.intake.regions import normalise_region
from gateway.intake.validator import LineValidator
from tests.intake.helpers import REFERENCE_DATE
from tests.intake.helpers import settings as intake_settings
from tests.support.logscan import scan_text

ID_1949 = "11010519491231002X"  # GB 11643 example
USCC_EX = "91350100M000100Y43"  # GB 32100 example


def card(prefix: str = "622202", length: int = 19) -> str:
    payload = (prefix + "1234567890" * 2)[: length - 1]
    return payload + luhn_check_digit(payload)


def broken(number: str) -> str:
    """``number`` with its last digit changed, which always breaks Luhn."""
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def good(**changes: str) -> RawLine:
    line = RawLine(
        id_type="RESIDENT_ID",
        id_number=ID_1949,
        name="张三",
        account=card(),
        account_type="CARD",
        bank_code="102",
        amount="2345.67",
        benefit="PENSION_EMPLOYEE",
        period="2024-05",
        region="3701",
        ref="L0001",
    )
    return line._replace(**changes)


def reasons(result) -> list[tuple[str, str]]:
    assert isinstance(result, list), "expected errors, got a valid line"
    return [(e.field, e.reason) for e in result]


def test_valid_line_is_normalised():
    """A valid line comes back as a ValidatedLine with integer fen, its fund and 3-digit bank code."""
    v = LineValidator(intake_settings())
    result = v.validate(2, good(bank_code="102100099996", amount="2345.6", id_number="110105491231002"))
    assert isinstance(result, ValidatedLine)
    assert (result.line, result.amount_fen, result.fund, result.bank_code) == (
        2,
        234560,
        "PENSION_EMPLOYEE",
        "102",
    )
    ok = result.id_number == ID_1949  # the 15-digit form was converted
    assert ok


def test_all_errors_of_a_line_are_reported():
    """A line with many bad fields reports one error per bad field, not just the first."""
    v = LineValidator(intake_settings())
    result = v.validate(
        7,
        good(
            id_number="11010519491231003X",
            name="",
            account=broken(card()),
            amount="1e3",
            period="2024-13",
            region="37A1",
            ref="a b",
        ),
    )
    assert sorted(reasons(result)) == sorted(
        [
            ("id_number", R.ID_CHECK_DIGIT),
            ("name", R.NAME_MISSING),
            ("account", R.ACCOUNT_LUHN),
            ("amount", R.AMOUNT_FORMAT),
            ("period", R.PERIOD_FORMAT),
            ("region", R.REGION_FORMAT),
            ("ref", R.REF_FORMAT),
        ]
    )
    assert {e.line for e in result} == {7}


def test_errors_carry_masked_values_and_no_personal_data():
    """Error values of ID and account are masked and no message or value holds a clear number."""
    v = LineValidator(intake_settings())
    result = v.validate(3, good(id_number="11010519491231003X", account=broken(card()), name="张三1"))
    text = " | ".join(f"{e} {e.value} {e.message}" for e in result)
    assert scan_text(text) == []
    assert all("*" in e.value for e in result)


def test_records_repr_masks_personal_data():
    """repr of RawLine and ValidatedLine never shows the ID, account or full name."""
    v = LineValidator(intake_settings())
    raw = good()
    valid = v.validate(2, raw)
    text = repr(raw) + repr(valid)
    assert scan_text(text) == [] and "张三" not in text


def test_raw_string_fields_like_the_grpc_stream():
    """The validator takes plain strings in COLUMNS order (a list works as well as a RawLine)."""
    v = LineValidator(intake_settings())
    assert isinstance(v.validate(2, list(good())), ValidatedLine)


def test_enterprise_refund_defaults_to_uscc_and_corporate():
    """With empty id_type and account_type, a STABILIZATION_REFUND line is a USCC on a corporate account."""
    v = LineValidator(intake_settings())
    result = v.validate(
        2,
        good(
            id_type="",
            account_type="",
            id_number=USCC_EX,
            name="福州某某有限公司",
            account="3500000012345678",
            benefit="稳岗返还",
            amount="120000.00",
            bank_code="105",
        ),
    )
    assert isinstance(result, ValidatedLine)
    assert (result.id_type, result.account_type, result.fund) == ("USCC", "CORPORATE", "UNEMPLOYMENT")


def test_wrong_payee_for_the_benefit():
    """A resident ID on an enterprise refund, and a USCC on a pension, are BENEFIT_PAYEE_MISMATCH."""
    v = LineValidator(intake_settings())
    assert reasons(v.validate(2, good(benefit="STABILIZATION_REFUND"))) == [
        ("benefit", R.BENEFIT_PAYEE_MISMATCH)
    ]
    result = v.validate(
        3, good(id_type="USCC", id_number=USCC_EX, account_type="CORPORATE", account="35000000123")
    )
    assert reasons(result) == [("benefit", R.BENEFIT_PAYEE_MISMATCH)]


def test_fund_restriction():
    """Bound to the unemployment fund, a pension line is FUND_MISMATCH."""
    v = LineValidator(intake_settings(fund="UNEMPLOYMENT"))
    assert reasons(v.validate(2, good())) == [("benefit", R.FUND_MISMATCH)]


def test_configured_ceiling():
    """A lower configured ceiling rejects an amount the default accepts."""
    v = LineValidator(intake_settings(ceilings_fen={"PENSION_EMPLOYEE": 100_000}))
    assert reasons(v.validate(2, good(amount="1000.01"))) == [("amount", R.AMOUNT_OVER_CEILING)]
    assert isinstance(v.validate(3, good(amount="1000.00", period="2024-06")), ValidatedLine)


def test_bank_from_bin_or_unknown():
    """Without bank_code the BIN decides; unknown BIN: BANK_UNKNOWN; unknown code: BANK_CODE_UNKNOWN."""
    v = LineValidator(intake_settings(check_duplicates=False))
    found = v.validate(2, good(bank_code="", account=card("622848")))
    assert isinstance(found, ValidatedLine) and found.bank_code == "103"
    assert reasons(v.validate(3, good(bank_code="", account=card("999999")))) == [
        ("bank_code", R.BANK_UNKNOWN)
    ]
    assert reasons(v.validate(4, good(bank_code="999"))) == [("bank_code", R.BANK_CODE_UNKNOWN)]


def test_passbook_need_not_pass_luhn():
    """A passbook account that fails Luhn is accepted; the same digits as a card are not."""
    v = LineValidator(intake_settings(check_duplicates=False))
    number = "12345678901234567"
    assert isinstance(v.validate(2, good(account_type="存折", account=number)), ValidatedLine)
    assert reasons(v.validate(3, good(account=card()[:-1] + "x"))) == [("account", R.ACCOUNT_FORMAT)]


def test_duplicates_are_reported_on_later_lines():
    """The 2nd and 3rd line with the same ID, benefit and period are DUPLICATE_IN_FILE; the first is not."""
    v = LineValidator(intake_settings())
    results = [v.validate(n, good(ref=f"L{n}")) for n in (2, 3, 4)]
    assert isinstance(results[0], ValidatedLine)
    assert reasons(results[1]) == reasons(results[2]) == [("id_number", R.DUPLICATE_IN_FILE)]


def test_duplicate_key_ignores_id_form():
    """A 15-digit ID duplicates its 18-digit form (the key uses the normalised ID)."""
    v = LineValidator(intake_settings())
    v.validate(2, good())
    assert reasons(v.validate(3, good(id_number="110105491231002"))) == [("id_number", R.DUPLICATE_IN_FILE)]


def test_same_person_other_period_or_benefit_is_not_a_duplicate():
    """Another period or another benefit for the same person is a different key."""
    v = LineValidator(intake_settings())
    results = [
        v.validate(2, good()),
        v.validate(3, good(period="2024-06")),
        v.validate(4, good(benefit="UNEMPLOYMENT")),
    ]
    assert all(isinstance(r, ValidatedLine) for r in results)


def test_key_of_a_rejected_line_still_counts():
    """A repeated key is a duplicate even when its first line was rejected for another field."""
    v = LineValidator(intake_settings())
    assert reasons(v.validate(2, good(amount="0"))) == [("amount", R.AMOUNT_NOT_POSITIVE)]
    assert reasons(v.validate(3, good())) == [("id_number", R.DUPLICATE_IN_FILE)]


def test_duplicate_memory_holds_keyed_digests_only():
    """The duplicate set stores 16-byte keyed digests, never the ID, and differs per validator key."""
    a, b = LineValidator(intake_settings()), LineValidator(intake_settings())
    a.validate(2, good())
    b.validate(2, good())
    digests_a, digests_b = set(a._seen), set(b._seen)
    assert a.distinct_keys == 1 and all(isinstance(d, bytes) and len(d) == 16 for d in digests_a)
    assert not any(ID_1949.encode() in d for d in digests_a)
    assert digests_a != digests_b  # random key per validator


# -- the fast path never accepts more than the authoritative parsers ----------------------------------------

BIRTHS = birth_dates(intake_settings().earliest_birth_date, REFERENCE_DATE)
RESOLVER = BankResolver(intake_settings().banks, intake_settings().bin_table)


def reference_validate(fields: RawLine) -> tuple[str, object]:
    """The rules composed only from the authoritative field functions (no quick tests, no caches)."""
    errors: list[tuple[str, str]] = []

    def run(field, fn, *args):
        try:
            return fn(*args)
        except LineRejected as exc:
            errors.append((field, exc.reason))
            return None

    benefit = run("benefit", resolve_benefit, fields.benefit)
    id_type = run("id_type", resolve_id_type, fields.id_type)
    if id_type == "":
        id_type = benefit.id_type if benefit else "RESIDENT_ID"
    account_type = run("account_type", resolve_account_type, fields.account_type)
    if account_type == "":
        account_type = "CORPORATE" if benefit and benefit.id_type == "USCC" else "CARD"
    period = run("period", parse_period, fields.period, "1990-01", intake_settings().latest_period)
    if benefit and id_type and account_type:
        run("benefit", check_payee, benefit, id_type, account_type)
    if id_type == "RESIDENT_ID":
        id_number = run("id_number", normalise_resident_id, fields.id_number, BIRTHS)
    elif id_type == "USCC":
        id_number = run("id_number", normalise_uscc, fields.id_number)
    else:
        id_number = None
    person = id_type != "USCC"
    name = run("name", normalise_name, fields.name, 30 if person else 100, person)
    account = run("account", normalise_account, fields.account, account_type) if account_type else None
    if fields.bank_code:
        bank = run("bank_code", RESOLVER.from_code, fields.bank_code)
    elif account:
        bank = run("bank_code", RESOLVER.from_bin, account)
    else:
        bank = None
    fen = run("amount", parse_yuan, fields.amount)
    if fen and benefit and fen > intake_settings().ceilings_fen[benefit.code]:
        errors.append(("amount", R.AMOUNT_OVER_CEILING))
    region = run("region", normalise_region, fields.region)
    ref = run("ref", normalise_ref, fields.ref)
    if errors:
        return "rejected", sorted(errors)
    return "valid", (
        id_type,
        id_number,
        name,
        account,
        account_type,
        bank,
        fen,
        benefit.code,
        period,
        region,
        ref,
    )


CANDIDATES = {
    "id_type": ["", "RESIDENT_ID", "resident_id", "USCC", "PASSPORT", " RESIDENT_ID"],
    "id_number": [
        ID_1949,
        "11010519491231002x",
        " 11010519491231002X",
        "110105491231002",
        "11010519491231003X",
        "１１０１０５１９４９１２３１００２Ｘ",
        "110105195102300011",
        USCC_EX,
        "",
        "11010519491231002X1",
    ],
    "name": ["张三", " 张三", "张三1", "", "张" * 31, "Mary Smith", "=x", "济南第3机械厂"],
    "account": [
        card(),
        card("622848"),
        card("999999"),
        card()[:-1] + "x",
        " " + card(),
        card()[:15],
        "12345678901234567",
        "６" * 19,
        card("622588", 16),
        card("622202", 20),
    ],
    "account_type": ["", "CARD", "存折", "CORPORATE", "CHEQUE"],
    "bank_code": ["", "102", "ICBC", "999", " 103", "102100099996"],
    "amount": [
        "2345.67",
        "2345.6",
        "2345",
        " 2345.67",
        "0.00",
        "-1.00",
        "2345.678",
        "1e3",
        "３.00",
        "30000.01",
        "30000.00",
        "9999999999999999.00",
    ],
    "benefit": ["PENSION_EMPLOYEE", "企业职工基本养老金", "STABILIZATION_REFUND", "FOO", "", "unemployment"],
    "period": ["2024-05", "202405", "2024-13", "", "1989-12", " 2024-05"],
    "region": ["", "3701", "37A1", " 3701"],
    "ref": ["", "L0001", "a b", "R" * 33, "A-1_2", "Ｌ1"],
}


@settings(max_examples=400, deadline=None)
@given(st.fixed_dictionaries({k: st.sampled_from(v) for k, v in CANDIDATES.items()}))
def test_fast_path_agrees_with_the_authoritative_parsers(values):
    """For lines mixing valid, near-valid and invalid values, the validator's verdict, normalised values
    and reasons equal those of the authoritative field functions."""
    fields = RawLine(**values)
    result = LineValidator(intake_settings(check_duplicates=False)).validate(2, fields)
    verdict, detail = reference_validate(fields)
    if isinstance(result, ValidatedLine):
        got = (
            "valid",
            (
                result.id_type,
                result.id_number,
                result.name,
                result.account,
                result.account_type,
                result.bank_code,
                result.amount_fen,
                result.benefit,
                result.period,
                result.region,
                result.ref,
            ),
        )
    else:
        assert all(isinstance(e, LineError) for e in result)
        got = ("rejected", sorted((e.field, e.reason) for e in result))
    same = got == (verdict, detail)
    # On failure show only verdicts and reason codes: the normalised values would be personal data.
    shown = [g[1] if g[0] == "rejected" else "valid" for g in (got, (verdict, detail))]
    assert same, f"validator: {shown[0]}; reference: {shown[1]}"
