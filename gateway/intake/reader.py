"""Streaming readers for payroll files: CSV (UTF-8 with or without BOM, or GBK/GB18030) and XLSX.

``open_payroll(path)`` sniffs the file, finds the header and returns a :class:`PayrollSource`: an
iterator of ``(line_number, fields)`` where ``fields`` are the 11 text fields in
:data:`~gateway.intake.records.COLUMNS` order, or a :class:`~gateway.intake.records.LineError` for a line
that cannot even be split into fields. Line numbers are physical lines of the file (the header line
counts; the first line is 1) or sheet rows for XLSX, i.e. what the officer sees in an editor.

Memory stays flat: CSV is read in 1 MiB blocks cut at the last newline, decoded and split a block at a
time; XLSX rows come from openpyxl's read-only (streaming) mode. Nothing keeps a list of lines.

Encoding (CSV), decided once per file:

* a UTF-8 BOM means UTF-8; a UTF-16 BOM or NUL bytes are refused (FILE_ENCODING / FILE_BINARY);
* otherwise blocks are read as ASCII until the first block with a non-ASCII byte. That block is tried as
  UTF-8; if it fails, it is taken as UTF-8 anyway when at least 8 non-ASCII characters decoded cleanly
  before the bad byte (GBK text almost never forms that many valid UTF-8 sequences), else as GB18030, the
  superset of GBK that Chinese office exports use;
* a byte sequence that is invalid in the decided encoding later in the file is a LINE error
  (LINE_ENCODING) on exactly that line, and reading goes on: a corrupt or truncated line must not hide the
  errors of every other line, and the batch cannot be submitted while any line is rejected. An
  undecodable header (or title row before it) makes the whole file FILE_ENCODING.

CSV structure: the delimiter is whichever of ``,`` TAB ``;`` ``|`` recognises most header columns.
Quoted fields follow RFC 4180 (``""`` inside quotes) but may not contain line breaks (no payroll field
may): an unclosed quote is QUOTE_UNCLOSED on its line. A line with a different number of columns than the
header is COLUMN_COUNT (extra trailing empty cells, as spreadsheets write them, are tolerated). Blank lines
(only delimiters and spaces) are skipped and counted. The header is the first of the first 10 non-blank
lines that names every required column; lines above it (a title row) are skipped with a warning. A file
whose last line has no line break gets a warning, since that is how a truncated file usually ends.

XLSX: the first worksheet, read-only. Cells become text: numbers by their shortest round-trip decimal
form (so a float never reaches money code: ``2345.67`` → ``"2345.67"``, an 18-digit ID that Excel stored as
a number → ``"1.1010519491231002e+17"``, which the ID check rejects as it should), dates in the period
column → ``YYYY-MM`` when they fall on the 1st (Excel turns a typed ``2024-05`` into 2024-05-01).
A truncated or corrupt workbook is XLSX_CORRUPT, with the row reached when it failed mid-sheet.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from gateway.errors import FileUnreadable
from gateway.intake import reasons as R
from gateway.intake.columns import HeaderMap
from gateway.intake.records import COLUMNS, LineError

CHUNK = 1 << 20
MAX_LINE = CHUNK
HEADER_SEARCH_LINES = 10
DELIMITERS = (",", "\t", ";", "|")

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SIGNATURES = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
UTF8_MIN_EVIDENCE = 8


class _Marker(str):
    """An empty string standing for a line that could not be decoded or was too long. Being empty, it
    takes the blank-line branch of the parse loop, so the hot path pays nothing to recognise it."""

    __slots__ = ()


_UNDECODABLE = _Marker("")
_TOO_LONG = _Marker("")

Row = tuple[int, "Sequence[str] | LineError"]


def _unreadable(path: Path, reason: str, what: str, line: int | None = None) -> FileUnreadable:
    where = f"{path.name}: line {line}: " if line is not None else f"{path.name}: "
    meta = {"file": path.name}
    if line is not None:
        meta["line"] = str(line)
    return FileUnreadable(where + what, reason=reason, metadata=meta)


def choose_encoding(block: bytes) -> str:
    """``utf-8`` or ``gb18030`` for the first block that holds non-ASCII bytes (see module docstring)."""
    try:
        block.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        good = block[: exc.start].decode("utf-8")
        non_ascii = len(good) - len(good.encode("ascii", "ignore"))
        return "utf-8" if non_ascii >= UTF8_MIN_EVIDENCE else "gb18030"


class _CsvLines:
    """Decoded physical lines of a CSV file, one block at a time."""

    def __init__(self, fh: BinaryIO, first: bytes) -> None:
        self.fh = fh
        self.first = first
        self.encoding: str | None = None
        if first.startswith(_UTF8_BOM):
            self.encoding = "utf-8"
            self.first = first[len(_UTF8_BOM) :]
        self.unterminated = False

    def _decode(self, block: bytes) -> list[str]:
        enc = self.encoding
        if enc is None:
            if block.isascii():
                enc = "ascii"
            else:
                enc = self.encoding = choose_encoding(block)
        try:
            text = block.decode(enc)
        except UnicodeDecodeError:
            return self._decode_lines(block, enc)
        if "\r" in text:
            text = text.replace("\r\n", "\n")
            if text.endswith("\r"):
                text = text[:-1]
        return text.split("\n")

    @staticmethod
    def _decode_lines(block: bytes, enc: str) -> list[str]:
        out: list[str] = []
        for raw in block.split(b"\n"):
            try:
                text = raw.decode(enc)
            except UnicodeDecodeError:
                out.append(_UNDECODABLE)
                continue
            out.append(text[:-1] if text.endswith("\r") else text)
        return out

    def __iter__(self) -> Iterator[str]:
        rem = b""
        skipping = False  # inside a line longer than MAX_LINE: drop bytes up to its newline
        data = self.first
        read = self.fh.read
        while data:
            buf = rem + data if rem else data
            rem = b""
            if skipping:
                nl = buf.find(b"\n")
                if nl < 0:
                    data = read(CHUNK)
                    continue
                buf = buf[nl + 1 :]
                skipping = False
            cut = buf.rfind(b"\n")
            if cut < 0:
                if len(buf) > MAX_LINE:
                    yield _TOO_LONG
                    skipping = True
                else:
                    rem = buf
            else:
                rem = buf[cut + 1 :]
                yield from self._decode(buf[:cut])
            data = read(CHUNK)
        if rem:
            self.unterminated = True
            yield from self._decode(rem)


def _split_header(text: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader((text,), delimiter=delimiter, strict=True))
    except csv.Error:
        return text.split(delimiter)


def _cell_text(value: Any, column: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Shortest text that reads back as the same double: what the spreadsheet showed, never arithmetic.
        return repr(value)
    if isinstance(value, dt.datetime | dt.date):
        at_midnight = not isinstance(value, dt.datetime) or value.time() == dt.time()
        if column == "period" and value.day == 1 and at_midnight:
            return f"{value.year:04d}-{value.month:02d}"
        return value.isoformat()
    return str(value)


class PayrollSource:
    """An open payroll file: metadata about it, and an iterator of ``(line, fields | LineError)``.

    Attributes: ``path``, ``format`` (``csv``/``xlsx``), ``encoding`` (CSV: ``utf-8``, ``gb18030`` or
    ``ascii``; known once a non-ASCII block was read), ``delimiter``, ``header_line``, ``columns``
    (payroll column → header text), ``ignored_columns``, ``blank_lines``, ``warnings``.
    Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.format = "csv"
        self.encoding: str | None = None
        self.delimiter: str | None = None
        self.header_line = 0
        self.columns: dict[str, str] = {}
        self.ignored_columns: list[str] = []
        self.blank_lines = 0
        self.warnings: list[str] = []
        self._fh: BinaryIO | None = None
        self._workbook: Any = None
        self._lines: _CsvLines | None = None
        self._rows: Iterator[Row] = iter(())

    def __iter__(self) -> Iterator[Row]:
        return self._rows

    def __enter__(self) -> PayrollSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    # -- opening ---------------------------------------------------------------------------------------

    def _open(self) -> None:
        path = self.path
        try:
            fh = path.open("rb")
        except FileNotFoundError:
            raise _unreadable(path, R.FILE_NOT_FOUND, "no such file") from None
        except OSError as exc:
            raise _unreadable(path, R.FILE_NOT_FOUND, f"cannot open ({type(exc).__name__})") from None
        self._fh = fh
        try:
            first = fh.read(CHUNK)
        except OSError as exc:
            raise _unreadable(path, R.FILE_NOT_FOUND, f"cannot read ({type(exc).__name__})") from None
        if not first.strip(_UTF8_BOM + b" \t\r\n"):
            raise _unreadable(path, R.FILE_EMPTY, "the file is empty")
        if first.startswith(_ZIP):
            fh.close()
            self._fh = None
            self._open_xlsx()
            return
        if first.startswith(_OLE2):
            raise _unreadable(
                path,
                R.FILE_FORMAT_UNSUPPORTED,
                "a legacy .xls workbook; save it as .xlsx or as CSV (UTF-8 or GBK)",
            )
        if first.startswith(_UTF16_BOMS):
            raise _unreadable(path, R.FILE_ENCODING, "UTF-16 text; save it as CSV in UTF-8 or GBK")
        for signature, what in _SIGNATURES.items():
            if first.startswith(signature):
                raise _unreadable(path, R.FILE_BINARY, f"{what}, not a payroll CSV or XLSX file")
        nul = first.find(b"\x00")
        if nul >= 0:
            line = first.count(b"\n", 0, nul) + 1
            raise _unreadable(
                path, R.FILE_BINARY, "binary content (NUL byte), not a payroll CSV or XLSX file", line
            )
        self._open_csv(fh, first)

    def _open_csv(self, fh: BinaryIO, first: bytes) -> None:
        lines = self._lines = _CsvLines(fh, first)
        it = iter(lines)
        line_no = 0
        candidates = 0
        best: tuple[int, list[str], str, int] | None = None
        for text in it:
            line_no += 1
            if text is _UNDECODABLE or text is _TOO_LONG:
                what = "not valid UTF-8 or GB18030/GBK text" if text is _UNDECODABLE else "a line over 1 MiB"
                raise _unreadable(
                    self.path,
                    R.FILE_ENCODING if text is _UNDECODABLE else R.FILE_BINARY,
                    f"{what} before the header was found",
                    line_no,
                )
            if not text.strip(" \t,;|"):
                continue
            candidates += 1
            for delimiter in DELIMITERS:
                cells = _split_header(text, delimiter)
                header = HeaderMap(cells)
                if best is None or header.recognised > best[0]:
                    best = (header.recognised, cells, delimiter, line_no)
                if not header.missing:
                    self._accept_header(header, cells, line_no)
                    self.delimiter = delimiter
                    self.encoding = lines.encoding or "ascii"
                    self._rows = self._csv_rows(it, line_no, header, delimiter)
                    return
            if candidates >= HEADER_SEARCH_LINES:
                break
        if best is None:
            raise _unreadable(self.path, R.FILE_EMPTY, "the file has only blank lines")
        self._no_header(best[1], best[3])

    def _no_header(self, cells: Sequence[Any], line: int) -> None:
        header = HeaderMap(cells)
        raise _unreadable(
            self.path,
            R.HEADER_MISSING_COLUMNS,
            f"no header with the required columns in the first {HEADER_SEARCH_LINES} non-blank rows; "
            f"the best candidate lacks {', '.join(header.missing)}",
            line,
        )

    def _accept_header(self, header: HeaderMap, cells: Sequence[Any], line_no: int) -> None:
        if header.duplicates:
            raise _unreadable(
                self.path,
                R.HEADER_DUPLICATE_COLUMN,
                f"more than one header cell names {', '.join(header.duplicates)}",
                line_no,
            )
        self.header_line = line_no
        self.columns = header.source_names(cells)
        self.ignored_columns = header.ignored
        if line_no > 1:
            self.warnings.append(f"lines 1-{line_no - 1} above the header were skipped")

    # -- CSV rows: the hot loop ---------------------------------------------------------------------------

    def _csv_rows(
        self, lines: Iterator[str], line_no: int, header: HeaderMap, delimiter: str
    ) -> Iterator[Row]:
        width = header.width
        identity = header.identity and width == len(COLUMNS)
        pick = header.pick
        blank_chars = delimiter + " \t"
        blank = 0
        try:
            for text in lines:
                line_no += 1
                if not text.strip(blank_chars):
                    if text is _UNDECODABLE:
                        yield (
                            line_no,
                            LineError(
                                line_no,
                                "line",
                                R.LINE_ENCODING,
                                "",
                                f"bytes not valid in the file's encoding ({self._lines.encoding})",
                            ),
                        )
                    elif text is _TOO_LONG:
                        yield (
                            line_no,
                            LineError(line_no, "line", R.LINE_TOO_LONG, "", "the line is over 1 MiB"),
                        )
                    else:
                        blank += 1
                    continue
                if '"' in text:
                    try:
                        parts = next(csv.reader((text,), delimiter=delimiter, strict=True))
                    except csv.Error:
                        yield (
                            line_no,
                            LineError(
                                line_no,
                                "line",
                                R.QUOTE_UNCLOSED,
                                "",
                                "a quoted field is not closed on this line",
                            ),
                        )
                        continue
                else:
                    parts = text.split(delimiter)
                if len(parts) != width:
                    if len(parts) < width or any(parts[width:]):
                        yield (
                            line_no,
                            LineError(
                                line_no,
                                "line",
                                R.COLUMN_COUNT,
                                "",
                                f"{len(parts)} columns where the header has {width}",
                            ),
                        )
                        continue
                    del parts[width:]
                if identity:
                    yield line_no, parts
                else:
                    parts.append("")
                    yield line_no, pick(parts)
        finally:
            self.blank_lines += blank
            if self._lines is not None:
                if self._lines.encoding:
                    self.encoding = self._lines.encoding
                if self._lines.unterminated and not any("line break" in w for w in self.warnings):
                    self.warnings.append("the last line has no line break: the file may be truncated")

    # -- XLSX ------------------------------------------------------------------------------------------

    def _open_xlsx(self) -> None:
        import openpyxl  # imported here: CSV-only runs (and the CLI start-up) do not pay for it

        self.format = "xlsx"
        self.encoding = None
        try:
            # A file object, not the path: openpyxl refuses names not ending in .xlsx; content decides.
            self._fh = self.path.open("rb")
            self._workbook = openpyxl.load_workbook(self._fh, read_only=True, data_only=True)
            sheet = self._workbook.worksheets[0]
            rows = sheet.iter_rows(values_only=True)
        except Exception as exc:  # openpyxl raises zipfile, XML, KeyError…: all mean "corrupt"
            raise _unreadable(
                self.path, R.XLSX_CORRUPT, f"not a readable XLSX workbook ({type(exc).__name__})"
            ) from None
        row_no = 0
        candidates = 0
        best: tuple[int, Sequence[Any], int] | None = None
        try:
            for cells in rows:
                row_no += 1
                if not any(c is not None and str(c).strip() for c in cells):
                    continue
                candidates += 1
                header = HeaderMap(cells)
                if best is None or header.recognised > best[0]:
                    best = (header.recognised, cells, row_no)
                if not header.missing:
                    self._accept_header(header, cells, row_no)
                    self._rows = self._xlsx_rows(rows, row_no, header)
                    return
                if candidates >= HEADER_SEARCH_LINES:
                    break
        except Exception as exc:  # see above
            raise _unreadable(
                self.path,
                R.XLSX_CORRUPT,
                f"the sheet is truncated or corrupt ({type(exc).__name__})",
                row_no + 1,
            ) from None
        if best is None:
            raise _unreadable(self.path, R.FILE_EMPTY, "the first worksheet has no rows")
        self._no_header(best[1], best[2])

    def _xlsx_rows(self, rows: Iterator[Sequence[Any]], row_no: int, header: HeaderMap) -> Iterator[Row]:
        width = header.width
        pick = header.pick
        period_at = header.positions.get("period")
        try:
            for cells in rows:
                row_no += 1
                texts = [
                    _cell_text(v, "period" if i == period_at else None) for i, v in enumerate(cells[:width])
                ]
                if not any(t.strip() for t in texts):
                    self.blank_lines += 1
                    continue
                if len(texts) < width:
                    texts.extend([""] * (width - len(texts)))
                texts.append("")
                yield row_no, pick(texts)
        except Exception as exc:  # see _open_xlsx
            raise _unreadable(
                self.path,
                R.XLSX_CORRUPT,
                f"the sheet is truncated or corrupt ({type(exc).__name__})",
                row_no + 1,
            ) from None


def open_payroll(path: str | Path) -> PayrollSource:
    """Open a payroll file and read its header; raises FileUnreadable (see the module docstring)."""
    source = PayrollSource(Path(path))
    try:
        source._open()
    except BaseException:
        source.close()
        raise
    return source
