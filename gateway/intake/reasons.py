"""Every reason code intake can report, with what it means.

Line reasons go into :class:`~gateway.intake.records.LineError` (one line, one field); file reasons are
the ``reason`` of a :class:`~gateway.errors.FileUnreadable` (the whole file is refused, exit 2 of
``silink validate``). Codes are a public contract: the server sends them as ``ErrorInfo.reason`` /
``BadRequest`` descriptions and scripts match on them, so add codes but never rename one.
"""

from __future__ import annotations

# -- line reasons: structure of the line itself ------------------------------------------------------
LINE_ENCODING = "LINE_ENCODING"
COLUMN_COUNT = "COLUMN_COUNT"
QUOTE_UNCLOSED = "QUOTE_UNCLOSED"
LINE_TOO_LONG = "LINE_TOO_LONG"

# -- line reasons: one field -------------------------------------------------------------------------
ID_TYPE_UNKNOWN = "ID_TYPE_UNKNOWN"
ID_MISSING = "ID_MISSING"
ID_FORMAT = "ID_FORMAT"
ID_AREA_CODE = "ID_AREA_CODE"
ID_BIRTH_DATE = "ID_BIRTH_DATE"
ID_CHECK_DIGIT = "ID_CHECK_DIGIT"
NAME_MISSING = "NAME_MISSING"
NAME_TOO_LONG = "NAME_TOO_LONG"
NAME_INVALID = "NAME_INVALID"
ACCOUNT_MISSING = "ACCOUNT_MISSING"
ACCOUNT_FORMAT = "ACCOUNT_FORMAT"
ACCOUNT_LENGTH = "ACCOUNT_LENGTH"
ACCOUNT_LUHN = "ACCOUNT_LUHN"
ACCOUNT_TYPE_UNKNOWN = "ACCOUNT_TYPE_UNKNOWN"
BANK_CODE_UNKNOWN = "BANK_CODE_UNKNOWN"
BANK_UNKNOWN = "BANK_UNKNOWN"
AMOUNT_MISSING = "AMOUNT_MISSING"
AMOUNT_FORMAT = "AMOUNT_FORMAT"
AMOUNT_DECIMALS = "AMOUNT_DECIMALS"
AMOUNT_NOT_POSITIVE = "AMOUNT_NOT_POSITIVE"
AMOUNT_OVER_CEILING = "AMOUNT_OVER_CEILING"
BENEFIT_MISSING = "BENEFIT_MISSING"
BENEFIT_UNKNOWN = "BENEFIT_UNKNOWN"
BENEFIT_PAYEE_MISMATCH = "BENEFIT_PAYEE_MISMATCH"
FUND_MISMATCH = "FUND_MISMATCH"
PERIOD_MISSING = "PERIOD_MISSING"
PERIOD_FORMAT = "PERIOD_FORMAT"
PERIOD_OUT_OF_RANGE = "PERIOD_OUT_OF_RANGE"
REGION_FORMAT = "REGION_FORMAT"
REF_FORMAT = "REF_FORMAT"
DUPLICATE_IN_FILE = "DUPLICATE_IN_FILE"

LINE_REASONS: dict[str, str] = {
    LINE_ENCODING: "the line's bytes are not valid in the file's encoding (UTF-8 or GB18030/GBK)",
    COLUMN_COUNT: "the line has a different number of columns than the header",
    QUOTE_UNCLOSED: "a quoted field is not closed on its line (line breaks inside fields are refused)",
    LINE_TOO_LONG: "the line is longer than any payroll line can be (64 KiB)",
    ID_TYPE_UNKNOWN: "id_type is not RESIDENT_ID or USCC (or a Chinese alias)",
    ID_MISSING: "id_number is empty",
    ID_FORMAT: "id_number has the wrong length or characters for its id_type",
    ID_AREA_CODE: "the resident ID does not start with a province code",
    ID_BIRTH_DATE: "the birth date in the resident ID is not a real date, is in the future or before 1900",
    ID_CHECK_DIGIT: "the check character of the resident ID (GB 11643) or USCC (GB 32100) does not match",
    NAME_MISSING: "name is empty",
    NAME_TOO_LONG: "name is longer than the configured maximum",
    NAME_INVALID: "name contains control characters, digits (persons) or starts with a formula character",
    ACCOUNT_MISSING: "account is empty",
    ACCOUNT_FORMAT: "account contains something other than digits",
    ACCOUNT_LENGTH: "account length is outside 16-19 (cards) or 8-32 (passbook and corporate accounts)",
    ACCOUNT_LUHN: "card account fails the Luhn check",
    ACCOUNT_TYPE_UNKNOWN: "account_type is not CARD, PASSBOOK or CORPORATE (or a Chinese alias)",
    BANK_CODE_UNKNOWN: "bank_code is given but is not a known bank",
    BANK_UNKNOWN: "no bank_code and the card's BIN is not in the BIN table",
    AMOUNT_MISSING: "amount is empty",
    AMOUNT_FORMAT: "amount is not plain yuan digits with an optional decimal point",
    AMOUNT_DECIMALS: "amount has more than two decimals",
    AMOUNT_NOT_POSITIVE: "amount is zero or negative",
    AMOUNT_OVER_CEILING: "amount is above the configured ceiling for the benefit",
    BENEFIT_MISSING: "benefit is empty",
    BENEFIT_UNKNOWN: "benefit is not a known benefit code or Chinese name",
    BENEFIT_PAYEE_MISMATCH: (
        "the payee does not fit the benefit (enterprise refunds: USCC and corporate account; "
        "personal benefits: resident ID and card or passbook)"
    ),
    FUND_MISMATCH: "the benefit belongs to another fund than the one this validation is bound to",
    PERIOD_MISSING: "period is empty",
    PERIOD_FORMAT: "period is not YYYY-MM (or YYYYMM) with a month 01-12",
    PERIOD_OUT_OF_RANGE: "period is before the earliest accepted period or too far in the future",
    REGION_FORMAT: "region is not a 4-digit area-code prefix of a province",
    REF_FORMAT: "ref is longer than 32 characters or has characters other than letters, digits and -_./",
    DUPLICATE_IN_FILE: "an earlier line of the file has the same id_number, benefit and period",
}

# -- file reasons (FileUnreadable.reason) -------------------------------------------------------------
FILE_NOT_FOUND = "FILE_NOT_FOUND"
FILE_EMPTY = "FILE_EMPTY"
FILE_BINARY = "FILE_BINARY"
FILE_ENCODING = "FILE_ENCODING"
FILE_FORMAT_UNSUPPORTED = "FILE_FORMAT_UNSUPPORTED"
XLSX_CORRUPT = "XLSX_CORRUPT"
HEADER_MISSING_COLUMNS = "HEADER_MISSING_COLUMNS"
HEADER_DUPLICATE_COLUMN = "HEADER_DUPLICATE_COLUMN"

FILE_REASONS: dict[str, str] = {
    FILE_NOT_FOUND: "the file does not exist or cannot be opened",
    FILE_EMPTY: "the file has no content, or a header and no lines",
    FILE_BINARY: "the file is binary (NUL bytes or a known non-payroll signature)",
    FILE_ENCODING: "the header cannot be decoded as UTF-8 or GB18030/GBK, or the file is UTF-16",
    FILE_FORMAT_UNSUPPORTED: "a legacy .xls workbook (save it as .xlsx or CSV)",
    XLSX_CORRUPT: "the XLSX container or its sheet XML is truncated or corrupt",
    HEADER_MISSING_COLUMNS: "no header with all required columns among the first rows",
    HEADER_DUPLICATE_COLUMN: "two header cells name the same column",
}
