"""Our MT940/MT942 results agree with what the mt-940 package is documented to return (expected/*.yml).

The YAML files are the package's own golden files: a pickle-style dump of ``mt940.parse(file)``, which
merges all statements of a file into one collection (statement-level keys hold the last value seen).
They are read with a safe loader that turns the ``!!python/object`` tags into plain dicts: nothing in
them is executed. What matters for reconciliation is compared: the number of lines, each line's amount,
currency, debit/credit mark, value and entry dates, bank reference and type code, and the balances,
reference, account and statement number of the file.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from gateway.errors import FileUnreadable, LineRejected
from reconciliation import Direction, ParseOptions, parse_file
from reconciliation._money import exponent

WARN = ParseOptions(balance_breaks="warn")


class _GoldenLoader(yaml.SafeLoader):
    """SafeLoader that reads the package's python-tagged goldens as plain data."""


def _object(loader: _GoldenLoader, suffix: str, node: yaml.Node):
    # A generator constructor: the transactions refer back to their collection (a recursive alias).
    data: dict = {"__class__": suffix}
    yield data
    data.update(loader.construct_mapping(node, deep=True))  # type: ignore[arg-type]


def _apply(loader: _GoldenLoader, suffix: str, node: yaml.Node):
    if isinstance(node, yaml.SequenceNode):
        args = loader.construct_sequence(node, deep=True)
    else:
        args = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "decimal.Decimal":
        return Decimal(args[0])
    if suffix == "mt940.models.Date":
        raw = args[0]  # datetime.date pickle state: 2-byte year, month, day
        return datetime.date(raw[0] * 256 + raw[1], raw[2], raw[3])
    if suffix == "mt940.models.DateTime":
        raw = args[0]
        return datetime.datetime(raw[0] * 256 + raw[1], raw[2], raw[3], raw[4], raw[5], raw[6])
    return ("apply", suffix)


_GoldenLoader.add_multi_constructor("tag:yaml.org,2002:python/object:", _object)
_GoldenLoader.add_multi_constructor("tag:yaml.org,2002:python/object/apply:", _apply)


def load_golden(path: Path) -> dict:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_GoldenLoader)  # noqa: S506 - a SafeLoader subclass; tags map to data


def _goldens() -> list[str]:
    folder = Path(__file__).resolve().parents[2] / ".." / "shared" / "formats" / "mt940" / "expected"
    return sorted(p.stem for p in folder.glob("*.yml")) if folder.is_dir() else []


# Files the package reads but we refuse as statements, and why (see test_refused_goldens).
REFUSED = {
    "cmxl_statement_line": "SWIFT tags without any :20: statement header",
    "self-provided_sparkassen": "SWIFT tags without any :20: statement header",
    "self-provided_gv_codes": ":62F:",
}


def _minor(amount: Decimal, currency: str) -> int:
    return int(amount.scaleb(exponent(currency)))


def _balance(golden_balance: dict) -> tuple[int, str, datetime.date]:
    amount = golden_balance["amount"]
    return _minor(amount["amount"], amount["currency"]), amount["currency"], golden_balance["date"]


@pytest.mark.parametrize("name", [n for n in _goldens() if n not in REFUSED])
def test_lines_agree_with_golden(formats_dir: Path, name: str) -> None:
    """Every :61: line agrees with the package's golden: count, amount, currency, mark, dates, references."""
    sample = next((formats_dir / "mt940").glob(f"{name}.*[!l]"))
    golden = load_golden(formats_dir / "mt940" / "expected" / f"{name}.yml")
    result = parse_file(sample, options=WARN)
    expected = [t["data"] for t in golden["transactions"]]
    assert len(result.entries) == len(expected)
    for entry, want in zip(result.entries, expected, strict=True):
        currency = want["amount"]["currency"]
        assert entry.currency == currency
        # 5.0.0 golden signs: D negative, RC positive (issue #130); the magnitude is what must agree.
        assert entry.amount_minor == abs(_minor(want["amount"]["amount"], currency))
        assert entry.raw_status == want["status"].upper()
        debit_mark = want["status"].upper() in {"D", "RC"}
        assert entry.direction is (Direction.DEBIT if debit_mark else Direction.CREDIT)
        assert entry.value_date == want["date"]
        assert entry.booking_date == want.get("entry_date")
        bank_ref = (want.get("bank_reference") or "").strip()
        assert entry.refs.account_servicer_ref == (bank_ref if bank_ref and bank_ref != "NONREF" else None)
        assert entry.bank_tx_code == ((want.get("id") or "").strip() or None)


@pytest.mark.parametrize("name", [n for n in _goldens() if n not in REFUSED])
def test_statement_data_agrees_with_golden(formats_dir: Path, name: str) -> None:
    """The file-level data of the golden (last statement wins) matches our last statements' fields."""
    sample = next((formats_dir / "mt940").glob(f"{name}.*[!l]"))
    data = load_golden(formats_dir / "mt940" / "expected" / f"{name}.yml")["data"]
    result = parse_file(sample, options=WARN)
    last = result.statements[-1]
    assert last.statement_id == (data.get("transaction_reference") or "").strip()
    same_account = last.account == (data.get("account_identification") or "").strip()
    assert same_account, (
        "account of the last statement differs"
    )  # not compared in the assert: no clear output
    assert last.sequence == "/".join(
        x for x in (data.get("statement_number"), data.get("sequence_number")) if x
    )
    codes = {
        "final_opening_balance": "60F",
        "intermediate_opening_balance": "60M",
        "final_closing_balance": "62F",
        "intermediate_closing_balance": "62M",
        "available_balance": "64",
        "forward_available_balance": "65",
    }
    for key, code in codes.items():
        if key not in data:
            continue
        # The golden keeps the last value seen for each key across the file.
        ours = [b for s in result.statements for b in s.balances if b.type_code == code][-1]
        assert (ours.amount_minor, ours.currency, ours.date) == _balance(data[key])
    for key, covers in (("sum_debit_entries", "DEBIT"), ("sum_credit_entries", "CREDIT")):
        if key in data:
            total = next(t for t in last.control_totals if t.covers == covers)
            assert total.count == int(data[key]["number"])
            assert total.sum_minor == abs(_minor(data[key]["amount"], data[key]["currency"]))


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_goldens(formats_dir: Path, name: str) -> None:
    """Files the package reads leniently are refused here with the exact missing piece named.

    cmxl_statement_line and self-provided_sparkassen hold a lone :61: line and no statement around it
    (no :20:, account or balances); self-provided_gv_codes stops before its closing balance :62F:.
    The golden still describes the lines the package saw, so the line count is checked against the file.
    """
    sample = next((formats_dir / "mt940").glob(f"{name}.*[!l]"))
    golden = load_golden(formats_dir / "mt940" / "expected" / f"{name}.yml")
    with pytest.raises((FileUnreadable, LineRejected)) as info:
        parse_file(sample)
    assert REFUSED[name] in str(info.value)
    lines_in_file = sum(
        1 for line in sample.read_text(encoding="latin-1").splitlines() if line.startswith(":61:")
    )
    assert len(golden["transactions"]) == lines_in_file
