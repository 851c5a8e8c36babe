"""The 代发 agreement: release is refused outside its dates, funds and regions, and nothing is written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import grpc
import pytest
from grpc_status import rpc_status
from silink.disbursement.v1 import disbursement_pb2 as dpb
from sqlalchemy import func, select

from gateway.config import load_config
from gateway.dispatch.routing import check_agreement
from gateway.domain.agreements import Agreement
from gateway.errors import Conflict, InvalidInput
from gateway.server.status import error_info_of
from gateway.storage import Database
from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import outbox, submissions
from tests.batches.conftest import Api, make_payroll
from tests.conftest import ServerProcess
from tests.dispatch.conftest import set_bank_options

TODAY = dt.date(2026, 12, 3)


def test_dates_are_inclusive_and_a_bad_entry_names_its_key():
    raw = {"agreement_start": "2026-01-01", "agreement_end": "2026-12-03"}
    assert check_agreement("102", raw, TODAY).end == TODAY
    with pytest.raises(Conflict) as exc:
        check_agreement("102", raw, TODAY + dt.timedelta(days=1))
    assert exc.value.reason == "AGREEMENT_NOT_IN_FORCE" and "2026-01-01 to 2026-12-03" in exc.value.message
    with pytest.raises(Conflict):
        check_agreement("102", {"agreement_start": "2027-01-01"}, TODAY)
    with pytest.raises(InvalidInput) as bad:
        Agreement.from_config("102", {"agreement_end": "31/12/2028"})
    assert bad.value.metadata["key"] == 'banks."102".agreement_end'
    with pytest.raises(InvalidInput) as bad:
        Agreement.from_config("102", {"agreement_regions": ["3701", "Jinan"]})
    assert "Jinan" in bad.value.message
    with pytest.raises(InvalidInput):
        Agreement.from_config("102", {"agreement_funds": "PENSION_EMPLOYEE"})  # a string, not a list


def test_coverage_by_fund_and_region_prefix():
    agreement = Agreement.from_config(
        "102", {"agreement_funds": ["PENSION_RESIDENT"], "agreement_regions": ["3701", "3702"]}
    )
    agreement.check_fund("PENSION_RESIDENT")
    with pytest.raises(Conflict) as exc:
        agreement.check_fund("PENSION_EMPLOYEE")
    assert exc.value.reason == "AGREEMENT_FUND_NOT_COVERED"
    assert agreement.covers_region("3701") and agreement.covers_region("3702")
    assert not agreement.covers_region("3703") and not agreement.covers_region("")
    assert Agreement.from_config("102", {}).covers_region("")  # no list: every line is covered


def _release_reason(home: Path, batch_id: str) -> tuple[str, str]:
    """Start the server on the current config, try the release, stop it: (reason or "OK", message)."""
    srv = ServerProcess(home)
    api = Api(home, srv.target, "approver:li")
    try:
        api.dis.ReleaseBatch(
            dpb.ReleaseBatchRequest(request_id=f"rel-{batch_id}-{srv.port}", batch_id=batch_id), timeout=120
        )
        return "OK", ""
    except grpc.RpcError as exc:
        return error_info_of(rpc_status.from_call(exc)).reason, exc.details()
    finally:
        api.close()
        srv.stop()


def test_release_outside_the_agreement_is_refused_and_leaves_nothing(instance, tmp_path):
    """Expired, fund not covered, regions not covered: each refuses the release with a precise error and
    no submission or outbox row; once the agreement covers the batch, the same batch releases."""
    srv = ServerProcess(instance)
    try:
        officer = Api(instance, srv.target, "officer:wang")
        created = officer.submit(make_payroll(tmp_path, 300, seed=77), fund="PENSION_EMPLOYEE")
        batch = Api(instance, srv.target, "approver:li").approve(created.batch)
    finally:
        srv.stop()
    db = Database(load_config(instance).database_url)
    try:
        with db.read() as conn:
            per_bank = dict(
                conn.execute(
                    select(batch_lines.c.bank_code, func.count())
                    .where(batch_lines.c.state == "PENDING")
                    .group_by(batch_lines.c.bank_code)
                ).all()
            )
            bank = max(per_bank, key=per_bank.get)
            outside = conn.execute(
                select(func.count()).where(
                    batch_lines.c.bank_code == bank,
                    batch_lines.c.state == "PENDING",
                    batch_lines.c.region.not_like("3701%"),
                )
            ).scalar_one()
        assert outside > 0  # the generator spreads payees over all Shandong regions

        set_bank_options(instance, bank, agreement_end="2026-06-30")
        reason, message = _release_reason(instance, batch.batch_id)
        assert reason == "AGREEMENT_NOT_IN_FORCE" and f"bank {bank}" in message and "2026-06-30" in message

        set_bank_options(instance, bank, agreement_end="2028-12-31", agreement_funds=["PENSION_RESIDENT"])
        reason, message = _release_reason(instance, batch.batch_id)
        assert reason == "AGREEMENT_FUND_NOT_COVERED" and "PENSION_EMPLOYEE" in message

        set_bank_options(instance, bank, agreement_funds=None, agreement_regions=["3701"])
        reason, message = _release_reason(instance, batch.batch_id)
        assert reason == "AGREEMENT_REGION_NOT_COVERED"
        assert message.startswith(f"{outside} line(s) fall outside") and f"bank {bank} (" in message

        with db.read() as conn:
            assert conn.execute(select(func.count()).select_from(submissions)).scalar() == 0
            assert conn.execute(select(func.count()).select_from(outbox)).scalar() == 0

        set_bank_options(
            instance, bank, agreement_funds=["PENSION_EMPLOYEE"], agreement_regions=["37"]
        )  # the whole province
        assert _release_reason(instance, batch.batch_id) == ("OK", "")
        with db.read() as conn:
            sent = conn.execute(
                select(func.sum(submissions.c.line_count)).where(submissions.c.bank_code == bank)
            ).scalar_one()
        assert sent == per_bank[bank]
    finally:
        db.dispose()
