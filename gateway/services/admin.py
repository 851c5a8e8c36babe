"""AdminService: identity, configured banks and funds, feeds, keys, the audit log and SLA supervision."""

from __future__ import annotations

import grpc
from cryptography import x509
from google.protobuf.timestamp_pb2 import Timestamp
from silink.admin.v1 import admin_pb2, admin_pb2_grpc
from silink.common.v1 import common_pb2

from gateway import audit
from gateway.dispatch.supervision import overdue_submissions
from gateway.domain import account_feed, persons
from gateway.errors import InvalidInput, NotFound, PermissionDenied
from gateway.idempotency import run_once
from gateway.pii import mask_number
from gateway.server.principal import current
from gateway.services.admin_convert import (
    KEY_PURPOSES,
    audit_entry_pb,
    fund_code,
    key_pb,
    overdue_pb,
    stored_time,
)
from gateway.services.base import AppContext, in_thread
from gateway.services.convert import line_error_pb
from gateway.services.paging import decode_token, encode_token, page, page_size
from gateway.services.spool import Spool, receive

_PROTOCOLS = {
    "iso20022": admin_pb2.BANK_PROTOCOL_ISO20022,
    "direct_link_json": admin_pb2.BANK_PROTOCOL_DIRECT_LINK_JSON,
    "fixed_width_file": admin_pb2.BANK_PROTOCOL_FIXED_WIDTH_FILE,
    "banklink": admin_pb2.BANK_PROTOCOL_BANKLINK,
}


_METHOD_IMPORT = "/silink.admin.v1.AdminService/ImportPersonStatus"


def _not_a_bank() -> None:
    """Keys, the audit log and the overdue list span every bank: never for a bank principal, even if a
    site's [identity.permissions] grants it the method by mistake."""
    if current().bank_code is not None:
        raise PermissionDenied("bank principals may not read this", "PERMISSION_DENIED")


class AdminServicer(admin_pb2_grpc.AdminServiceServicer):
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def WhoAmI(self, request: admin_pb2.WhoAmIRequest, context: grpc.aio.ServicerContext):
        p = current()
        resp = admin_pb2.WhoAmIResponse(principal=p.name, roles=list(p.roles), bank_code=p.bank_code or "")
        pem = (context.auth_context() or {}).get("x509_pem_cert")
        if pem:
            cert = x509.load_pem_x509_certificate(pem[0])
            resp.certificate_serial = format(cert.serial_number, "x")
            ts = Timestamp()
            ts.FromDatetime(cert.not_valid_after_utc)
            resp.certificate_expire_time.CopyFrom(ts)
        return resp

    async def VerifyAudit(self, request: admin_pb2.VerifyAuditRequest, context: grpc.aio.ServicerContext):
        result = await in_thread(audit.verify, self.ctx.db)
        return admin_pb2.VerifyAuditResponse(
            ok=result.ok,
            entries_checked=result.checked,
            first_broken_entry_id=str(result.first_bad_seq or ""),
        )

    async def ListOverdueSubmissions(self, request: admin_pb2.ListOverdueSubmissionsRequest, context):
        _not_a_bank()
        fund = fund_code(request.fund)
        page_size(request.page_size)  # a bad page size fails before any read

        def read():
            with self.ctx.db.read() as conn:
                return overdue_submissions(conn, bank=request.bank_code or None, fund=fund)

        items, token = page(await in_thread(read), request.page_size, request.page_token)
        return admin_pb2.ListOverdueSubmissionsResponse(
            submissions=[overdue_pb(i) for i in items], next_page_token=token
        )

    async def ListKeys(self, request: admin_pb2.ListKeysRequest, context):
        _not_a_bank()
        if request.purpose not in admin_pb2.KeyPurpose.values():
            raise InvalidInput(
                "purpose is not a known purpose", "FIELD_INVALID", metadata={"field": "purpose"}
            )
        store = self.ctx.keystore
        page_size(request.page_size)

        def read() -> list[admin_pb2.Key]:
            infos = [
                i
                for i in store.list()
                if not request.purpose or KEY_PURPOSES.get(i.purpose) == request.purpose
            ]
            return [
                key_pb(i, {v["version"]: store.fingerprint(i.name, v["version"]) for v in i.versions})
                for i in infos
            ]

        keys, token = page(await in_thread(read), request.page_size, request.page_token)
        return admin_pb2.ListKeysResponse(keys=keys, next_page_token=token)

    async def ListAuditEntries(self, request: admin_pb2.ListAuditEntriesRequest, context):
        _not_a_bank()
        size = page_size(request.page_size)
        after = int(decode_token(request.page_token).get("after", 0))
        flt = audit.AuditFilter(
            principal=request.principal or None,
            action=request.action or None,
            object_id=request.object_id or None,
            since=stored_time(request.start_time) if request.HasField("start_time") else None,
            until=stored_time(request.end_time) if request.HasField("end_time") else None,
        )
        if flt.since and flt.until and flt.until <= flt.since:
            raise InvalidInput(
                "end_time must be after start_time", "FIELD_INVALID", metadata={"field": "end_time"}
            )

        def read():
            with self.ctx.db.read() as conn:
                return audit.list_entries(conn, flt, after_seq=after, limit=size + 1)

        rows = await in_thread(read)
        token = encode_token({"after": rows[size - 1]["seq"]}) if len(rows) > size else ""
        return admin_pb2.ListAuditEntriesResponse(
            entries=[audit_entry_pb(r) for r in rows[:size]], next_page_token=token
        )

    def _bank(self, code: str, raw: dict) -> admin_pb2.Bank:
        return admin_pb2.Bank(
            bank_code=code,
            name=str(raw.get("name", "")),
            protocol=_PROTOCOLS.get(str(raw.get("adapter", "")), admin_pb2.BANK_PROTOCOL_UNSPECIFIED),
            adapter=str(raw.get("adapter", "")),
            chunk_size=int(raw.get("chunk_size", 0)),
            agreement_start_date=str(raw.get("agreement_start", "")),
            agreement_end_date=str(raw.get("agreement_end", "")),
            sla_hours=int(raw.get("sla_hours", 0)),
            enabled=bool(raw.get("enabled", True)),
        )

    async def ListBanks(self, request: admin_pb2.ListBanksRequest, context: grpc.aio.ServicerContext):
        banks = [self._bank(code, raw) for code, raw in sorted(self.ctx.cfg.banks.items())]
        items, token = page(banks, request.page_size, request.page_token)
        return admin_pb2.ListBanksResponse(banks=items, next_page_token=token)

    async def GetBank(self, request: admin_pb2.GetBankRequest, context: grpc.aio.ServicerContext):
        raw = self.ctx.cfg.banks.get(request.bank_code)
        if raw is None:
            raise NotFound("no such bank", metadata={"bank_code": request.bank_code[:8]})
        return admin_pb2.GetBankResponse(bank=self._bank(request.bank_code, raw))

    async def ListFunds(self, request: admin_pb2.ListFundsRequest, context: grpc.aio.ServicerContext):
        accounts = []
        for fund, raw in sorted(self.ctx.cfg.funds.items()):
            enum = common_pb2.Fund.Value(f"FUND_{fund}") if f"FUND_{fund}" in common_pb2.Fund.keys() else 0  # noqa: SIM118 - EnumTypeWrapper has no __contains__
            if request.fund and request.fund != enum:
                continue
            accounts.append(
                admin_pb2.FundAccount(
                    fund_account_id=str(raw.get("account_id", fund)),
                    fund=enum,
                    account_masked=mask_number(str(raw.get("account", ""))),
                    bank_code=str(raw.get("bank", "")),
                    enabled=bool(raw.get("enabled", True)),
                )
            )
        items, token = page(accounts, request.page_size, request.page_token)
        return admin_pb2.ListFundsResponse(fund_accounts=items, next_page_token=token)

    async def _feed(self, request_iterator, apply) -> bytes:
        """A header-then-updates feed stream: spooled to disk, then ``apply(principal, header, spool,
        payload_hash)`` runs off the event loop. Shared by the person-status and payee-account feeds."""
        principal = current().name
        first = await anext(request_iterator, None)
        if first is None or not first.HasField("header"):
            raise InvalidInput("the first message must be the import header", "HEADER_FIRST")
        header = first.header
        if not header.request_id:
            raise InvalidInput("request_id is required", "FIELD_REQUIRED", metadata={"field": "request_id"})

        def only_updates(msg) -> None:
            if not msg.HasField("update"):
                raise InvalidInput("only the first message may be a header", "HEADER_FIRST")

        spool, phash = await receive(first, request_iterator, self.ctx.cfg.home / "spool", only_updates)
        try:
            return await in_thread(apply, principal, header, spool, phash)
        finally:
            spool.remove()

    async def ImportPersonStatus(self, request_iterator, context: grpc.aio.ServicerContext):
        body = await self._feed(request_iterator, self._import_status)
        return admin_pb2.ImportPersonStatusResponse.FromString(body)

    async def ImportPayeeAccounts(self, request_iterator, context: grpc.aio.ServicerContext):
        body = await self._feed(request_iterator, self._import_accounts)
        return admin_pb2.ImportPayeeAccountsResponse.FromString(body)

    def _import_accounts(self, principal: str, header, spool: Spool, phash: bytes) -> bytes:
        def updates():
            for msg in spool.messages(admin_pb2.ImportPayeeAccountsRequest):
                u = msg.update
                yield account_feed.AccountUpdate(
                    line=u.line_number,
                    id_type=common_pb2.IdType.Name(u.id_type).removeprefix("ID_TYPE_") if u.id_type else "",
                    id_number=u.id_number,
                    account=u.account,
                    account_type=(
                        common_pb2.AccountType.Name(u.account_type).removeprefix("ACCOUNT_TYPE_")
                        if u.account_type
                        else "CARD"
                    ),
                    bank_code=u.bank_code,
                    change_ref=u.change_ref,
                )

        def effect(conn) -> bytes:
            res = account_feed.apply_account_changes(
                conn, self.ctx.protector, updates(), principal=principal, feed_name=header.source_name
            )
            return admin_pb2.ImportPayeeAccountsResponse(
                received_count=res.received,
                recorded_count=res.recorded,
                repeated_count=res.repeated,
                rejected_count=res.rejected,
                line_errors=[line_error_pb(e) for e in res.errors[:100]],
            ).SerializeToString()

        body, _ = run_once(
            self.ctx.db,
            principal=principal,
            method="/silink.admin.v1.AdminService/ImportPayeeAccounts",
            request_id=header.request_id,
            payload=phash,
            effect=effect,
        )
        return body

    def _import_status(self, principal: str, header, spool: Spool, phash: bytes) -> bytes:
        key = {"principal": principal, "method": _METHOD_IMPORT, "request_id": header.request_id}

        def updates():
            for msg in spool.messages(admin_pb2.ImportPersonStatusRequest):
                u = msg.update
                yield persons.StatusUpdate(
                    line=u.line_number,
                    id_type=common_pb2.IdType.Name(u.id_type).removeprefix("ID_TYPE_") if u.id_type else "",
                    id_number=u.id_number,
                    status=admin_pb2.PersonStatus.Name(u.status).removeprefix("PERSON_STATUS_"),
                    effective_date=u.effective_date,
                    source=u.source or header.source_name,
                )

        def effect(conn) -> bytes:
            res = persons.apply_updates(conn, self.ctx.protector, updates(), principal)
            audit.append(
                conn,
                principal=principal,
                action="persons.import",
                object_type="person_feed",
                object_id=header.source_name[:100] or "-",
                detail={
                    "received": res.received,
                    "applied": res.applied,
                    "rejected": res.rejected,
                    "held": res.lines_held,
                    "released": res.lines_released,
                },
            )
            return admin_pb2.ImportPersonStatusResponse(
                received_count=res.received,
                applied_count=res.applied,
                unchanged_count=res.unchanged,
                rejected_count=res.rejected,
                lines_held_count=res.lines_held,
                lines_released_count=res.lines_released,
                line_errors=[line_error_pb(e) for e in res.errors[:100]],
            ).SerializeToString()

        body, _ = run_once(self.ctx.db, payload=phash, effect=effect, **key)
        return body
