"""Reading payroll files: encodings, header aliases, CSV structure, XLSX, and unreadable files."""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest

from gateway.errors import FileUnreadable
from gateway.intake import reader as reader_module
from gateway.intake import reasons as R
from gateway.intake import validate_file
from gateway.intake.accounts import luhn_check_digit
from gateway.intake.identity import resident_id_check_char
from gateway.intake.reader import open_payroll
from tests.intake.helpers import make_payroll, settings

EN_HEADER = "id_type,id_number,name,account,account_type,bank_code,amount,benefit,period,region,ref"
ZH_HEADER = "证件类型,身份证号,姓名,银行账号,账户类型,开户行代码,发放金额,险种,所属期,地区,业务流水号"


def person_id(n: int) -> str:
    body = f"370102{1950 + n % 40}0{1 + n % 9}1{n % 10}{n % 1000:03d}"
    return body + resident_id_check_char(body)


def card(n: int) -> str:
    payload = f"622202{n:012d}"
    return payload + luhn_check_digit(payload)


def row(n: int, name: str = "张三", amount: str = "2345.67", **over: str) -> list[str]:
    values = {
        "id_type": "RESIDENT_ID",
        "id_number": person_id(n),
        "name": name,
        "account": card(n),
        "account_type": "CARD",
        "bank_code": "102",
        "amount": amount,
        "benefit": "PENSION_EMPLOYEE",
        "period": "2024-05",
        "region": "3701",
        "ref": f"R{n}",
    }
    values.update(over)
    return list(values.values())


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def csv_text(lines: list[list[str]], header: str = EN_HEADER, newline: str = "\n") -> str:
    return newline.join([header, *(",".join(r) for r in lines)]) + newline


def unreadable(path: Path) -> FileUnreadable:
    with pytest.raises(FileUnreadable) as caught:
        validate_file(path, settings())
    return caught.value


def test_utf8_file_validates(tmp_path):
    """A plain UTF-8 CSV with English headers validates every line."""
    report = validate_file(write(tmp_path / "p.csv", csv_text([row(1), row(2)])), settings())
    assert (report.lines, report.valid, report.encoding, report.format) == (2, 2, "utf-8", "csv")
    assert report.total_fen == 2 * 234567


def test_utf8_bom_is_skipped(tmp_path):
    """A UTF-8 BOM before the header is not part of the first column name."""
    path = tmp_path / "p.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text([row(1)]).encode())
    report = validate_file(path, settings())
    assert report.valid == 1 and report.columns["id_type"] == "id_type"


def test_gbk_with_chinese_headers_and_crlf(tmp_path):
    """A GBK export with Chinese header aliases, Chinese values and CRLF line ends validates."""
    lines = [
        row(n, benefit="企业职工基本养老金", account_type="银行卡", id_type="居民身份证") for n in range(1, 4)
    ]
    path = write(tmp_path / "p.csv", csv_text(lines, ZH_HEADER, "\r\n"), "gbk")
    report = validate_file(path, settings())
    assert (report.valid, report.encoding) == (3, "gb18030")
    assert report.columns["id_number"] == "身份证号" and report.columns["bank_code"] == "开户行代码"


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("证件号码", "id_number"),
        ("公民身份号码", "id_number"),
        ("户名", "name"),
        ("账号", "account"),
        ("银行代码", "bank_code"),
        ("金额(元)", "amount"),
        ("发放金额（元）", "amount"),
        ("待遇类型", "benefit"),
        ("期别", "period"),
        ("行政区划", "region"),
        ("*姓名", "name"),
        ("ID Number", "id_number"),
    ],
)
def test_header_aliases(tmp_path, header, column):
    """Each Chinese or English header alias maps to its payroll column."""
    names = EN_HEADER.split(",")
    names[names.index(column)] = header
    report = validate_file(write(tmp_path / "p.csv", csv_text([row(1)], ",".join(names))), settings())
    assert report.valid == 1 and report.columns[column] == header


def test_columns_in_any_order_optional_ones_absent_and_extra_ignored(tmp_path):
    """Columns may come in any order, optional ones may be missing, unknown ones are ignored and listed."""
    text = (
        "序号,金额,姓名,期别,待遇类型,银行账号,证件号码,备注\n"
        + f"1,100.00,李四,2024-05,失业保险金,{card(5)},{person_id(5)},x\n"
    )
    report = validate_file(write(tmp_path / "p.csv", text), settings())
    assert (report.valid, report.ignored_columns) == (1, ["序号", "备注"])
    assert report.by_bank == {"102": (1, 10000)}  # bank found from the BIN


def test_tab_delimited(tmp_path):
    """A tab-separated export is recognised from its header."""
    text = "\n".join(["\t".join(EN_HEADER.split(",")), "\t".join(row(1))]) + "\n"
    report = validate_file(write(tmp_path / "p.csv", text), settings())
    assert report.valid == 1


def test_title_rows_above_the_header_are_skipped(tmp_path):
    """A title row before the header is skipped with a warning; line numbers stay physical."""
    text = "2024年5月养老金发放表\n\n" + csv_text([row(1), row(2, amount="0")])
    report = validate_file(write(tmp_path / "p.csv", text), settings())
    assert report.header_line == 3 and report.warnings == ["lines 1-2 above the header were skipped"]
    assert [(e.line, e.reason) for e in report.errors] == [(5, R.AMOUNT_NOT_POSITIVE)]


def test_quoted_fields_blank_lines_and_trailing_empty_cells(tmp_path):
    """Quoted fields with commas parse, blank and comma-only lines are skipped, trailing empty cells pass."""
    lines = [
        ",".join(row(1)),
        "",
        ",,,,,,,,,,",
        ",".join(row(2, amount='"1,000.00"')),
        ",".join(row(3)) + ",,",
        ",".join(row(4, name='"王, 五"')),
    ]
    text = EN_HEADER + "\n" + "\n".join(lines) + "\n"
    report = validate_file(write(tmp_path / "p.csv", text), settings())
    assert report.blank_lines == 2 and report.lines == 4 and report.valid == 3
    # The quoted thousands separator reaches the amount check as one field, which refuses it.
    assert [(e.line, e.field, e.reason) for e in report.errors] == [(5, "amount", R.AMOUNT_FORMAT)]


def test_structural_line_errors(tmp_path):
    """Missing columns, extra non-empty columns and an unclosed quote are line errors on their lines."""
    lines = [
        ",".join(row(1)[:-1]),
        ",".join(row(2)) + ",extra",
        ",".join(row(3, name='"张三')),
        ",".join(row(4)),
    ]
    text = EN_HEADER + "\n" + "\n".join(lines) + "\n"
    report = validate_file(write(tmp_path / "p.csv", text), settings())
    assert [(e.line, e.reason) for e in report.errors] == [
        (2, R.COLUMN_COUNT),
        (3, R.COLUMN_COUNT),
        (4, R.QUOTE_UNCLOSED),
    ]
    assert report.valid == 1


def test_invalid_byte_mid_file_is_a_precise_line_error(tmp_path):
    """A byte invalid in UTF-8 in line 40 rejects exactly line 40; every other line is still validated."""
    lines = [",".join(row(n)).encode() for n in range(1, 60)]
    lines[38] = lines[38].replace("张".encode(), b"\xff", 1)
    path = tmp_path / "p.csv"
    path.write_bytes(EN_HEADER.encode() + b"\n" + b"\n".join(lines) + b"\n")
    report = validate_file(path, settings())
    assert [(e.line, e.reason) for e in report.errors] == [(40, R.LINE_ENCODING)]
    assert (report.valid, report.encoding) == (58, "utf-8")


def test_truncated_gbk_file(tmp_path):
    """A GBK file cut inside a Chinese character: its last line is LINE_ENCODING and a warning says the file
    may be truncated; the lines before it are valid."""
    full = csv_text([row(n, name="王五六") for n in range(1, 6)], ZH_HEADER).encode("gbk")
    cut = full[: full.rindex("五".encode("gbk")) + 1]  # half of the last 五
    path = tmp_path / "p.csv"
    path.write_bytes(cut)
    report = validate_file(path, settings())
    assert [(e.line, e.reason) for e in report.errors] == [(6, R.LINE_ENCODING)]
    assert report.valid == 4 and report.encoding == "gb18030"
    assert any("truncated" in w for w in report.warnings)


def test_truncated_at_a_line_boundary_inside_fields(tmp_path):
    """A file cut in the middle of a line (at a character boundary) reports COLUMN_COUNT on that line."""
    full = csv_text([row(n) for n in range(1, 4)])
    path = write(tmp_path / "p.csv", full[: full.rindex(",2024-05")])
    report = validate_file(path, settings())
    assert [(e.line, e.reason) for e in report.errors] == [(4, R.COLUMN_COUNT)]


def test_gbk_after_a_long_ascii_prefix(tmp_path, monkeypatch):
    """Encoding is decided on the first block with non-ASCII bytes, even when earlier blocks are ASCII."""
    monkeypatch.setattr(reader_module, "CHUNK", 256)
    lines = [row(n, name="Li Si") for n in range(1, 20)] + [row(n, name="王五") for n in range(20, 25)]
    report = validate_file(write(tmp_path / "p.csv", csv_text(lines), "gbk"), settings())
    assert (report.valid, report.encoding) == (24, "gb18030")


@pytest.mark.parametrize("chunk", [1, 7, 64, 4096])
def test_block_boundaries_do_not_change_results(tmp_path, monkeypatch, chunk):
    """Reading with tiny blocks gives the same lines, errors and totals as one big block."""
    path = make_payroll(tmp_path, 300, seed=3, bad_rate=0.2, encoding="gbk").path
    expected = validate_file(path, settings())
    monkeypatch.setattr(reader_module, "CHUNK", chunk)
    got = validate_file(path, settings())
    assert (got.lines, got.valid, got.total_fen) == (expected.lines, expected.valid, expected.total_fen)
    assert [(e.line, e.reason) for e in got.errors] == [(e.line, e.reason) for e in expected.errors]


def test_overlong_line_is_skipped_with_an_error(tmp_path, monkeypatch):
    """A line longer than the limit is LINE_TOO_LONG and the lines after it are still read."""
    monkeypatch.setattr(reader_module, "CHUNK", 64)
    monkeypatch.setattr(reader_module, "MAX_LINE", 200)
    text = EN_HEADER + "\n" + ",".join(row(1)) + "\n" + "x" * 1000 + "\n" + ",".join(row(2)) + "\n"
    report = validate_file(write(tmp_path / "p.csv", text), settings())
    assert [(e.line, e.reason) for e in report.errors] == [(3, R.LINE_TOO_LONG)] and report.valid == 2


# -- unreadable files ----------------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    """A path that does not exist is FILE_NOT_FOUND."""
    assert unreadable(tmp_path / "nope.csv").reason == R.FILE_NOT_FOUND


@pytest.mark.parametrize("content", [b"", b"\n\n  \r\n", b"\xef\xbb\xbf"])
def test_empty_files(tmp_path, content):
    """Empty, whitespace-only and BOM-only files are FILE_EMPTY."""
    path = tmp_path / "p.csv"
    path.write_bytes(content)
    assert unreadable(path).reason == R.FILE_EMPTY


def test_header_without_lines(tmp_path):
    """A header and no payroll lines is FILE_EMPTY."""
    assert unreadable(write(tmp_path / "p.csv", EN_HEADER + "\n\n")).reason == R.FILE_EMPTY


def test_missing_required_columns(tmp_path):
    """A header without amount and period names what is missing, with the line it looked at."""
    error = unreadable(write(tmp_path / "p.csv", "id_number,name,account,benefit\n1,2,3,4\n"))
    assert error.reason == R.HEADER_MISSING_COLUMNS
    assert "amount, period" in error.message and error.metadata["line"] == "1"


def test_duplicate_header_column(tmp_path):
    """Two header cells for the account (银行账号 and 卡号) make the file ambiguous."""
    header = EN_HEADER.replace("account,", "银行账号,卡号,", 1)
    error = unreadable(write(tmp_path / "p.csv", header + "\n"))
    assert error.reason == R.HEADER_DUPLICATE_COLUMN and "account" in error.message


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), R.FILE_BINARY),
        (b"%PDF-1.7\n...", R.FILE_BINARY),
        (b"id_number,name\n\x00\x01\x02", R.FILE_BINARY),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, R.FILE_FORMAT_UNSUPPORTED),
        ("id_number,name".encode("utf-16"), R.FILE_ENCODING),
        (
            bytes((i * 97 + 13) % 256 for i in range(1, 5000) if (i * 97 + 13) % 256 not in (0, 10)),
            R.FILE_ENCODING,
        ),
    ],
)
def test_binary_and_foreign_files(tmp_path, content, reason):
    """Images, PDFs, NUL bytes, legacy .xls, UTF-16 and byte junk are unreadable with a precise reason."""
    path = tmp_path / "p.csv"
    path.write_bytes(content)
    error = unreadable(path)
    assert error.reason == reason and error.metadata["file"] == "p.csv"


def test_unreadable_messages_name_file_and_line(tmp_path):
    """The FileUnreadable message says which file and which line."""
    path = tmp_path / "p.csv"
    path.write_bytes(b"title\nid_number,name\n\x00")
    error = unreadable(path)
    assert error.message.startswith("p.csv: line 3: ") and error.metadata["line"] == "3"


# -- XLSX ----------------------------------------------------------------------------------------------------


def make_xlsx(path: Path, rows: list[list], title: str | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def xlsx_rows() -> list[list]:
    header = ZH_HEADER.split(",")
    good = row(1)
    good[6] = 2345.67  # a number cell, as Excel stores amounts
    good[8] = dt.datetime(2024, 5, 1)  # Excel turned 2024-05 into a date
    second = row(2, amount="100", account_type="存折")
    second[3] = 123456789012  # a short passbook number Excel holds exactly as an integer
    bad_id = row(3)
    bad_id[1] = 1.1010519491231002e17  # an ID Excel stored as a number: digits lost
    bad_card = row(4)
    bad_card[3] = int(bad_card[3])  # a 19-digit card as a number: beyond a double's precision
    return [header, good, [None] * 11, second, bad_id, bad_card]


def test_xlsx_numbers_dates_and_blank_rows(tmp_path):
    """XLSX cells that are numbers or dates become text; blank rows are skipped; an ID or card stored as
    a number (digits lost) is rejected, never rounded into someone else's number."""
    path = make_xlsx(tmp_path / "p.xlsx", xlsx_rows(), title="2024年5月发放表")
    report = validate_file(path, settings())
    assert (report.format, report.header_line, report.lines, report.valid) == ("xlsx", 2, 4, 2)
    assert report.total_fen == 234567 + 10000 and report.blank_lines == 1
    assert [(e.line, e.field, e.reason) for e in report.errors] == [
        (6, "id_number", R.ID_FORMAT),
        (7, "account", R.ACCOUNT_FORMAT),
    ]


def test_xlsx_detected_by_content_not_name(tmp_path):
    """An XLSX saved with a .csv name is still read as a workbook."""
    path = make_xlsx(tmp_path / "p.csv", xlsx_rows())
    assert validate_file(path, settings()).format == "xlsx"


def test_truncated_xlsx(tmp_path):
    """An XLSX cut short (no zip directory) is XLSX_CORRUPT."""
    path = make_xlsx(tmp_path / "p.xlsx", xlsx_rows())
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert unreadable(path).reason == R.XLSX_CORRUPT


def test_corrupt_sheet_inside_a_valid_zip(tmp_path):
    """A workbook whose sheet XML stops mid-row is XLSX_CORRUPT with the row where reading failed."""
    src = make_xlsx(tmp_path / "src.xlsx", xlsx_rows() + [row(n) for n in range(10, 40)])
    out = tmp_path / "p.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            zout.writestr(item, data)
    error = unreadable(out)
    assert error.reason == R.XLSX_CORRUPT and int(error.metadata["line"]) > 2


def test_zip_that_is_not_a_workbook(tmp_path):
    """A zip archive without a workbook inside is XLSX_CORRUPT."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "hello")
    path = tmp_path / "p.xlsx"
    path.write_bytes(buf.getvalue())
    assert unreadable(path).reason == R.XLSX_CORRUPT


def test_reader_memory_stays_flat(tmp_path, monkeypatch):
    """With 64 KiB blocks, reading 60,000 lines peaks at about the same memory as reading 6,000: the reader
    holds a block, never the file."""
    monkeypatch.setattr(reader_module, "CHUNK", 64 * 1024)

    def peak(n: int) -> int:
        path = make_payroll(tmp_path, n, seed=n).path
        tracemalloc.start()
        with open_payroll(path) as source:
            for _ in source:
                pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(6_000), peak(60_000)
    assert large < small + 200_000 and large < 2_000_000
