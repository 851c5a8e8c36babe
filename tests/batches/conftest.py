"""Helpers for the batch tests: generated payrolls and an API client acting as a named principal."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from silink.admin.v1 import admin_pb2, admin_pb2_grpc
from silink.disbursement.v1 import disbursement_pb2 as dpb
from silink.disbursement.v1 import disbursement_pb2_grpc

from gateway.client import channel_as
from gateway.intake import validate_file
from gateway.intake.generator import PayrollSpec, generate_payroll, read_expected_bad
from gateway.uploads import payroll_messages

PERIOD = "2026-11"


def make_payroll(
    folder: Path, payees: int, *, seed: int = 3, bad_rate: float = 0.0, period: str = PERIOD
) -> Path:
    path = folder / f"payroll-{seed}-{payees}-{bad_rate}.csv"
    if not path.exists():
        generate_payroll(path, PayrollSpec(payees=payees, seed=seed, bad_rate=bad_rate, period=period))
    return path


def valid_ids(path: Path) -> dict[int, str]:
    """Line number → normalised ID number of every valid line (kept in memory, never printed)."""
    ids: dict[int, str] = {}
    validate_file(path, on_valid=lambda v: ids.__setitem__(v.line, v.id_number))
    return ids


class Api:
    def __init__(self, home: Path, target: str, principal: str) -> None:
        self.channel = channel_as(home, principal, target=target)
        self.dis = disbursement_pb2_grpc.DisbursementServiceStub(self.channel)
        self.admin = admin_pb2_grpc.AdminServiceStub(self.channel)

    def submit(
        self,
        path: Path,
        *,
        request_id: str | None = None,
        fund: str = "PENSION_EMPLOYEE",
        period: str = PERIOD,
    ) -> dpb.CreateBatchResponse:
        msgs = payroll_messages(path, request_id=request_id or uuid.uuid4().hex, fund=fund, period=period)
        return self.dis.CreateBatch(msgs, timeout=300)

    def approve(self, batch: dpb.Batch, *, content_hash: str | None = None) -> dpb.Batch:
        return self.dis.ApproveBatch(
            dpb.ApproveBatchRequest(
                request_id=uuid.uuid4().hex,
                batch_id=batch.batch_id,
                content_hash=batch.content_hash if content_hash is None else content_hash,
            ),
            timeout=300,
        ).batch

    def lines(self, batch_id: str, state: int = 0) -> list[dpb.BatchLine]:
        out: list[dpb.BatchLine] = []
        token = ""
        while True:
            resp = self.dis.ListBatchLines(
                dpb.ListBatchLinesRequest(batch_id=batch_id, page_size=1000, page_token=token, state=state),
                timeout=60,
            )
            out.extend(resp.lines)
            token = resp.next_page_token
            if not token:
                return out

    def statuses(self, updates: list[tuple[str, str]]) -> admin_pb2.ImportPersonStatusResponse:
        def msgs():
            yield admin_pb2.ImportPersonStatusRequest(
                header=admin_pb2.PersonStatusImportHeader(request_id=uuid.uuid4().hex, source_name="test")
            )
            for n, (id_number, status) in enumerate(updates, 2):
                yield admin_pb2.ImportPersonStatusRequest(
                    update=admin_pb2.PersonStatusUpdate(
                        line_number=n,
                        id_number=id_number,
                        status=admin_pb2.PersonStatus.Value("PERSON_STATUS_" + status),
                        effective_date="2026-11-20",
                    )
                )

        return self.admin.ImportPersonStatus(msgs(), timeout=60)

    def close(self) -> None:
        self.channel.close()


@pytest.fixture
def api(server):
    made: list[Api] = []

    def as_(principal: str) -> Api:
        a = Api(server.home, server.target, principal)
        made.append(a)
        return a

    yield as_
    for a in made:
        a.close()


__all__ = ["PERIOD", "Api", "make_payroll", "read_expected_bad", "valid_ids"]
