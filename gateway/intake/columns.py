"""Header recognition: which file column is which payroll column.

Header cells are compared after normalisation: surrounding spaces, a UTF-8 BOM and required-field stars
(``*姓名``) removed, ASCII lower-cased, spaces and hyphens turned into ``_``, and a parenthesised unit cut
off (``金额(元)``, ``发放金额（元）``). Unknown columns (序号, 备注…) are ignored and listed in the report;
two cells naming the same column make the file unreadable, because the reader could not know which one
holds the money.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from gateway.intake.records import COLUMNS, REQUIRED_COLUMNS

HEADER_ALIASES: dict[str, str] = {
    **{c: c for c in COLUMNS},
    # English variants seen in exports
    "idtype": "id_type",
    "id_no": "id_number",
    "idno": "id_number",
    "account_no": "account",
    "account_number": "account",
    "payee_name": "name",
    "amount_yuan": "amount",
    "bank": "bank_code",
    "reference": "ref",
    # Chinese
    "证件类型": "id_type",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "证件号码": "id_number",
    "证件号": "id_number",
    "公民身份号码": "id_number",
    "社会保障号码": "id_number",
    "统一社会信用代码": "id_number",
    "姓名": "name",
    "户名": "name",
    "收款人": "name",
    "收款人姓名": "name",
    "单位名称": "name",
    "账户名称": "name",
    "银行账号": "account",
    "账号": "account",
    "银行卡号": "account",
    "卡号": "account",
    "收款账号": "account",
    "账户类型": "account_type",
    "银行代码": "bank_code",
    "开户行代码": "bank_code",
    "开户行行号": "bank_code",
    "行号": "bank_code",
    "银行编码": "bank_code",
    "金额": "amount",
    "发放金额": "amount",
    "支付金额": "amount",
    "待遇金额": "amount",
    "待遇类型": "benefit",
    "险种": "benefit",
    "待遇项目": "benefit",
    "期别": "period",
    "所属期": "period",
    "发放期": "period",
    "做账期号": "period",
    "行政区划": "region",
    "行政区划代码": "region",
    "区划代码": "region",
    "地区": "region",
    "业务流水号": "ref",
    "流水号": "ref",
}


def normalise_header_cell(cell: Any) -> str:
    text = "" if cell is None else str(cell)
    text = text.strip().lstrip("\ufeff").strip().lstrip("*＊").strip()
    for opening in ("(", "（"):
        cut = text.find(opening)
        if cut > 0:
            text = text[:cut].strip()
    if text.isascii():
        text = text.lower().replace(" ", "_").replace("-", "_")
    return text


class HeaderMap:
    """Where each payroll column sits in the file's rows, and how to pick them out quickly."""

    def __init__(self, cells: Sequence[Any]) -> None:
        self.width = len(cells)
        self.positions: dict[str, int] = {}
        self.duplicates: list[str] = []
        self.ignored: list[str] = []
        for i, cell in enumerate(cells):
            column = HEADER_ALIASES.get(normalise_header_cell(cell))
            if column is None:
                label = str(cell or "").strip()
                if label:
                    self.ignored.append(label)
            elif column in self.positions:
                self.duplicates.append(column)
            else:
                self.positions[column] = i
        self.missing = sorted(REQUIRED_COLUMNS - set(self.positions))
        self.identity = [self.positions.get(c) for c in COLUMNS] == list(range(len(COLUMNS)))
        # Absent optional columns read an empty string appended after the row's last cell.
        picks = [self.positions.get(c, self.width) for c in COLUMNS]
        self.pick = itemgetter(*picks)

    @property
    def recognised(self) -> int:
        return len(self.positions)

    def source_names(self, cells: Sequence[Any]) -> dict[str, str]:
        """payroll column -> the header text it was read from."""
        return {c: str(cells[i]).strip() for c, i in self.positions.items()}
