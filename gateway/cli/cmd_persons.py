"""`silink persons import|accounts FILE`: the person-status feed and the payee-account feed.

``import``: CSV (UTF-8 or GBK) with a header: ``id_number`` (身份证号/证件号码), ``status`` (状态),
``effective_date`` (生效日期, YYYY-MM-DD), optional ``id_type`` (证件类型) and ``source`` (来源).
Statuses: ACTIVE, SUSPENDED, TERMINATED, UNCERTIFIED, DECEASED, CARD_LOST.

``accounts``: CSV with ``id_number``, ``account`` (银行账号), ``change_ref`` (变更编号: the core system's
reference of the change), optional ``account_type`` (CARD, PASSBOOK, CORPORATE), ``bank_code`` (else
from the BIN) and ``id_type``. Recorded changes let ``silink reissue --batch`` pay failed lines again.
"""

from __future__ import annotations

import argparse
import csv
import io
import uuid
from pathlib import Path

from gateway.cli._client import add_client_args, call, channel
from gateway.cli._common import emit_json

_ALIASES = {
    "id_number": ("id_number", "身份证号", "证件号码", "公民身份号码"),
    "status": ("status", "状态", "人员状态"),
    "effective_date": ("effective_date", "生效日期"),
    "id_type": ("id_type", "证件类型"),
    "source": ("source", "来源"),
}

_ACCOUNT_ALIASES = {
    "id_number": ("id_number", "身份证号", "证件号码", "公民身份号码"),
    "id_type": ("id_type", "证件类型"),
    "account": ("account", "银行账号", "账号", "新账号"),
    "account_type": ("account_type", "账户类型"),
    "bank_code": ("bank_code", "银行代码", "开户行"),
    "change_ref": ("change_ref", "变更编号", "业务流水号"),
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("persons", help="the person-status feed")
    psub = p.add_subparsers(dest="persons_command", metavar="SUBCOMMAND", required=True)
    i = psub.add_parser("import", help="import person statuses from CSV; holds approved lines at once")
    add_client_args(i)
    i.add_argument("file", type=Path)
    i.add_argument("--request-id", default=None, help="idempotency key (default: a new one)")
    i.set_defaults(func=run_import)
    a = psub.add_parser("accounts", help="import payees' corrected disbursement accounts (the account feed)")
    add_client_args(a)
    a.add_argument("file", type=Path)
    a.add_argument("--feed", default=None, help="name of the feed; with change_ref it keys each change")
    a.add_argument("--request-id", default=None, help="idempotency key (default: a new one)")
    a.set_defaults(func=run_accounts)


def _csv_rows(path: Path, aliases: dict[str, tuple[str, ...]], required: tuple[str, ...]):
    """(line number, {column: value}) of every non-empty row of a UTF-8 or GBK/GB18030 CSV file."""
    from gateway.errors import FileUnreadable

    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileUnreadable(f"{path.name}: neither UTF-8 nor GBK/GB18030", metadata={"file": path.name})
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    index: dict[str, int] = {}
    for canon, names in aliases.items():
        for pos, h in enumerate(header):
            if h in names:
                index[canon] = pos
    missing = [c for c in required if c not in index]
    if missing:
        raise FileUnreadable(
            f"{path.name}: line 1: missing columns {', '.join(missing)}",
            metadata={"file": path.name, "line": "1"},
        )
    for line_no, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        yield line_no, {c: row[p].strip() if p < len(row) else "" for c, p in index.items()}


def _read(path: Path):
    for line_no, get in _csv_rows(path, _ALIASES, ("id_number", "status", "effective_date")):
        yield (
            line_no,
            get.get("id_type", ""),
            get["id_number"],
            get["status"].upper(),
            get["effective_date"],
            get.get("source", ""),
        )


def run_import(args: argparse.Namespace) -> int:
    from silink.admin.v1 import admin_pb2, admin_pb2_grpc
    from silink.common.v1 import common_pb2

    rows = list(_read(args.file))
    request_id = args.request_id or uuid.uuid4().hex

    def messages():
        yield admin_pb2.ImportPersonStatusRequest(
            header=admin_pb2.PersonStatusImportHeader(request_id=request_id, source_name=args.file.name)
        )
        for line_no, id_type, id_number, status, date, source in rows:
            name = "PERSON_STATUS_" + status
            yield admin_pb2.ImportPersonStatusRequest(
                update=admin_pb2.PersonStatusUpdate(
                    line_number=line_no,
                    id_type=common_pb2.IdType.Value("ID_TYPE_" + id_type)
                    if id_type in ("RESIDENT_ID", "USCC")
                    else 0,
                    id_number=id_number,
                    status=admin_pb2.PersonStatus.Value(name) if name in admin_pb2.PersonStatus.keys() else 0,  # noqa: SIM118
                    effective_date=date,
                    source=source,
                )
            )

    stub = admin_pb2_grpc.AdminServiceStub(channel(args))
    resp = call(lambda: stub.ImportPersonStatus(messages(), timeout=3600))
    if args.json:
        from google.protobuf.json_format import MessageToDict

        emit_json(MessageToDict(resp, preserving_proto_field_name=True))
    else:
        print(
            f"{resp.received_count} received, {resp.applied_count} applied, "
            f"{resp.unchanged_count} unchanged, "
            f"{resp.rejected_count} rejected; {resp.lines_held_count} approved lines held, "
            f"{resp.lines_released_count} released"
        )
        for e in resp.line_errors:
            shown = f" [{e.value_masked}]" if e.value_masked else ""
            print(f"  line {e.line_number}: {e.field} {e.reason}{shown}: {e.message}")
    return 0 if resp.rejected_count == 0 else 1


def run_accounts(args: argparse.Namespace) -> int:
    from silink.admin.v1 import admin_pb2, admin_pb2_grpc
    from silink.common.v1 import common_pb2

    rows = list(_csv_rows(args.file, _ACCOUNT_ALIASES, ("id_number", "account", "change_ref")))
    request_id = args.request_id or uuid.uuid4().hex

    def enum(enum_type, prefix: str, text: str) -> int:
        name = prefix + text.upper()
        return enum_type.Value(name) if text and name in enum_type.keys() else 0  # noqa: SIM118

    def messages():
        yield admin_pb2.ImportPayeeAccountsRequest(
            header=admin_pb2.PayeeAccountImportHeader(
                request_id=request_id, source_name=args.feed or args.file.stem
            )
        )
        for line_no, get in rows:
            yield admin_pb2.ImportPayeeAccountsRequest(
                update=admin_pb2.PayeeAccountUpdate(
                    line_number=line_no,
                    id_type=enum(common_pb2.IdType, "ID_TYPE_", get.get("id_type", "")),
                    id_number=get["id_number"],
                    account=get["account"],
                    account_type=enum(common_pb2.AccountType, "ACCOUNT_TYPE_", get.get("account_type", "")),
                    bank_code=get.get("bank_code", ""),
                    change_ref=get["change_ref"],
                )
            )

    stub = admin_pb2_grpc.AdminServiceStub(channel(args))
    resp = call(lambda: stub.ImportPayeeAccounts(messages(), timeout=3600))
    if args.json:
        from google.protobuf.json_format import MessageToDict

        emit_json(MessageToDict(resp, preserving_proto_field_name=True))
    else:
        print(
            f"{resp.received_count} received, {resp.recorded_count} recorded, "
            f"{resp.repeated_count} already on file, {resp.rejected_count} rejected"
        )
        for e in resp.line_errors:
            shown = f" [{e.value_masked}]" if e.value_masked else ""
            print(f"  line {e.line_number}: {e.field} {e.reason}{shown}: {e.message}")
    return 0 if resp.rejected_count == 0 else 1
