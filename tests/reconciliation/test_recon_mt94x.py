"""MT940/MT942 on synthetic files: balance breaks, sequence gaps, :86: references, returns, bad fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.errors import LineRejected
from reconciliation import Direction, EntryStatus, ParseOptions, parse_file
from reconciliation.mt94x import german_sepa_fields, swift_86_fields

WARN = ParseOptions(balance_breaks="warn")


def statement(
    number: str = "1/1",
    *,
    opening: str = "C240701CNY1000,00",
    closing: str = "C240701CNY920,50",
    debit: str = "100,00",
    ref: str = "STMT1",
) -> str:
    return (
        f":20:{ref}\n"
        ":25:6222021234567890123\n"
        f":28C:{number}\n"
        f":60F:{opening}\n"
        f":61:2407010701D{debit}NTRFSILINK0001//BK001\n"
        ":86:/EREF/E2E0000000000001/REMI/PENSION 2024-07\n"
        ":61:2407010701C20,50NTRFNONREF//BK002\n"
        ":86:/EREF/E2E0000000000002/RTRN/AC04/REMI/RETURNED\n"
        f":62F:{closing}\n"
        "-\n"
    )


def _write(tmp_path: Path, text: str, name: str = "stmt.sta") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_balanced_statement(tmp_path: Path) -> None:
    """A statement whose lines add up parses with exact amounts, directions and references."""
    result = parse_file(_write(tmp_path, statement()))
    assert result.format == "mt940"
    paid, returned = result.entries
    assert (paid.direction, paid.amount_minor, paid.currency) == (Direction.DEBIT, 10000, "CNY")
    assert paid.refs.end_to_end_id == "E2E0000000000001"
    assert paid.refs.customer_ref == "SILINK0001"
    assert paid.refs.account_servicer_ref == "BK001"
    assert (paid.line, paid.position) == (5, "line 5")
    assert returned.status is EntryStatus.RETURNED
    assert (returned.reason.code_list.value, returned.reason.code) == ("return", "AC04")
    assert returned.refs.end_to_end_id == "E2E0000000000002"
    stmt = result.statements[0]
    assert (stmt.opening.amount_minor, stmt.closing.amount_minor, stmt.booked_net_minor) == (
        100000,
        92050,
        -7950,
    )
    assert stmt.balance_ok is True


def test_tampered_amount_is_a_balance_break(tmp_path: Path) -> None:
    """Changing one :61: amount by one fen refuses the file, naming the statement and the difference."""
    path = _write(tmp_path, statement(debit="100,01"))
    with pytest.raises(LineRejected) as info:
        parse_file(path)
    assert info.value.reason == "STATEMENT_UNBALANCED"
    assert "line 1: balance: opening + :61: lines ≠ closing by 1 minor units" in str(info.value)
    lenient = parse_file(path, options=WARN)
    assert lenient.statements[0].balance_ok is False
    assert lenient.statements[0].balance_difference == 1
    assert [(w.code, w.position) for w in lenient.warnings] == [("BALANCE_BREAK", "line 1")]


def test_missing_statement_sequence_is_a_gap(tmp_path: Path) -> None:
    """Statements 1, 2 and 4 of one account: number 3 is reported missing, the file still parses."""
    text = (
        statement("1/1")
        + statement("2/1", opening="C240701CNY920,50", closing="C240701CNY841,00")
        + statement("4/1", opening="C240701CNY841,00", closing="C240701CNY761,50")
    )
    result = parse_file(_write(tmp_path, text))
    assert len(result.statements) == 3
    gaps = [(w.code, w.message, w.position) for w in result.warnings]
    assert gaps == [("SEQUENCE_GAP", "statement number(s) 3 missing between 2/1 and 4", "line 21")]


def test_page_gap_duplicate_and_order(tmp_path: Path) -> None:
    """A missing page, a repeated statement and a backwards number are each reported."""
    same = {"opening": "C240701CNY920,50", "closing": "C240701CNY841,00"}
    text = statement("5/1") + statement("5/3", **same)
    text += statement("5/3", opening="C240701CNY841,00", closing="C240701CNY761,50")
    text += statement("4/1", opening="C240701CNY761,50", closing="C240701CNY682,00")
    codes = [(w.code, w.message) for w in parse_file(_write(tmp_path, text)).warnings]
    assert codes == [
        ("SEQUENCE_GAP", "statement 5: pages 2–2 missing"),
        ("SEQUENCE_DUPLICATE", "statement 5/3 appears twice"),
        ("SEQUENCE_ORDER", "statement 4 comes after 5/3"),
    ]


def test_balance_continuity_between_statements(tmp_path: Path) -> None:
    """A statement that does not open where the previous one of the account closed is flagged."""
    text = statement("1/1") + statement("2/1", opening="C240701CNY900,00", closing="C240701CNY820,50")
    warnings = parse_file(_write(tmp_path, text)).warnings
    assert [(w.code, w.position) for w in warnings] == [("BALANCE_CONTINUITY", "line 11")]


def test_missing_mandatory_tag(tmp_path: Path) -> None:
    """A statement without :28C: or :62F: is refused with each missing tag and the statement's line."""
    text = statement().replace(":28C:1/1\n", "").replace(":62F:C240701CNY920,50\n", "")
    with pytest.raises(LineRejected) as info:
        parse_file(_write(tmp_path, text))
    fields = [v.field for v in info.value.field_violations]
    assert fields == ["line 1: :28C:", "line 1: :62F:"]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (":61:2407010701D1O0,00NTRFSILINK0001//BK001", "line 5: :61: amount"),
        (":61:2407010701D100,001NTRFSILINK0001//BK001", "line 5: :61: amount"),
        (":61:2413010701D100,00NTRFSILINK0001//BK001", "line 5: :61:"),
    ],
)
def test_bad_statement_line_is_rejected_with_its_line(tmp_path: Path, bad: str, field: str) -> None:
    """A mistyped amount, a third decimal in CNY, or an impossible date is refused at its line."""
    text = statement().replace(":61:2407010701D100,00NTRFSILINK0001//BK001", bad)
    with pytest.raises(LineRejected) as info:
        parse_file(_write(tmp_path, text))
    assert info.value.field_violations[0].field == field


def test_bad_balance_is_rejected(tmp_path: Path) -> None:
    """A balance with a mistyped amount is refused at its line, not read as a shorter number."""
    with pytest.raises(LineRejected) as info:
        parse_file(_write(tmp_path, statement(closing="C240701CNY92O,50")))
    assert info.value.field_violations[0].field == "line 9: :62F:"


def test_reversal_marks(tmp_path: Path) -> None:
    """RC (reversed credit) takes money out, RD (reversed debit) brings it back; both are reversals."""
    text = statement().replace("D100,00NTRF", "RD100,00NTRF").replace("C20,50NTRF", "RC20,50NTRF")
    text = text.replace("C240701CNY920,50", "C240701CNY1079,50")
    rd, rc = parse_file(_write(tmp_path, text)).entries
    assert (rd.direction, rd.reversal, rd.raw_status) == (Direction.CREDIT, True, "RD")
    assert (rc.direction, rc.reversal, rc.raw_status) == (Direction.DEBIT, True, "RC")


def test_entry_date_across_new_year(tmp_path: Path) -> None:
    """A line valued 31 Dec and booked 2 Jan gets a booking date in the next year."""
    text = statement().replace("2407010701D100,00", "2312310102D100,00")
    entry = parse_file(_write(tmp_path, text)).entries[0]
    assert (entry.value_date.isoformat(), entry.booking_date.isoformat()) == ("2023-12-31", "2024-01-02")


def test_mt942_totals(tmp_path: Path) -> None:
    """An MT942 is read as notifications; its :90D:/:90C: totals are checked against the lines."""
    text = (
        ":20:INTRADAY1\n:25:6222021234567890123\n:28C:7/1\n:34F:CNY0,\n:13D:2407011200+0800\n"
        ":61:2407010701D100,00NTRFSILINK0001\n:61:2407010701D2,00NTRFSILINK0002\n"
        ":90D:2CNY102,00\n:90C:0CNY0,\n-\n"
    )
    result = parse_file(_write(tmp_path, text))
    assert result.format == "mt942"
    assert {e.kind.value for e in result.entries} == {"NOTIFICATION"}
    assert result.statements[0].totals_ok is True
    assert result.statements[0].created_at.isoformat() == "2024-07-01T12:00:00+08:00"
    with pytest.raises(LineRejected) as info:
        parse_file(_write(tmp_path, text.replace(":90D:2CNY102,00", ":90D:2CNY103,00"), "bad.sta"))
    assert ":90D: declares 2 lines summing 10300, the lines give 2 summing 10200" in str(info.value)


def test_swift_envelope_and_header_lines_are_ignored(tmp_path: Path) -> None:
    """SWIFT blocks around the statement and bank header lines between statements do not disturb it."""
    text = (
        "{1:F01BANKCNBJAXXX0000000000}{2:O940BANKCNBJXXXXN}{3:}{4:\n" + statement() + "}{5:}\nBANKHDR\n940\n"
    )
    result = parse_file(_write(tmp_path, text))
    assert len(result.entries) == 2 and result.statements[0].balance_ok


def test_latin1_file_warns_and_parses(tmp_path: Path) -> None:
    """A file that is not UTF-8 is decoded like the mt-940 package does it, with a warning."""
    text = statement().replace("/REMI/PENSION 2024-07", "/REMI/R\u00fcckzahlung")
    path = tmp_path / "latin.sta"
    path.write_bytes(text.encode("cp852"))
    result = parse_file(path)
    assert [w.code for w in result.warnings] == ["ENCODING_FALLBACK"]
    assert "Rückzahlung" in result.entries[0].raw_text


def test_german_sepa_fields() -> None:
    """German ?xx purpose: a keyword's value runs on only while its 27-character sub-field is full."""
    details = "166?00GUTSCHRIFT?20EREF+ABCDEFGHIJKLMNOPQRSTUV?21WXYZ?22SVWZ+Rente 07/2024?23KREF+K1"
    fields = german_sepa_fields(details)
    assert fields == {"EREF": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "SVWZ": "Rente 07/2024", "KREF": "K1"}
    short = german_sepa_fields("159?00RETOURE?20EREF+TFNR 1 2?21MTLG:Grund")
    assert short == {"EREF": "TFNR 1 2"}


def test_swift_86_fields() -> None:
    """SWIFT-structured :86: sub-fields split on their known codes, across wrapped lines."""
    fields = swift_86_fields("/EREF/E2E-1/RTRN/MD07/BENM//NAME/ZHANG\nSAN/REMI/PENSION")
    assert fields["EREF"] == "E2E-1"
    assert fields["RTRN"] == "MD07"
    assert fields["REMI"] == "PENSION"
