"""The dispatcher keeps its last submissions for status queries, and never with their personal data.

Rendering a submission for a send decrypts ID number, name and account for that one call; what the
worker keeps afterwards (for the status answers that follow) must hold none of them, and must be exactly
what a fresh read without personal data gives.
"""

from __future__ import annotations

import dataclasses
import uuid

from silink.disbursement.v1 import disbursement_pb2 as dpb
from sqlalchemy import select

from gateway.config import load_config
from gateway.dispatch import worker as worker_mod
from gateway.dispatch.service import make_dispatcher
from gateway.server.app import build_context
from gateway.storage.tables_dispatch import submissions
from tests.batches.conftest import Api
from tests.conftest import ServerProcess

PERSONAL = ("account", "name", "id_number")


def _release(home, tmp_path, payees: int, chunk: int) -> None:
    from gateway.intake.generator import PayrollSpec, generate_payroll
    from tests.dispatch.conftest import set_bank_options

    set_bank_options(home, "102", chunk_size=chunk)
    srv = ServerProcess(home, "--workers", "0")  # nothing is sent: the test drives the dispatcher itself
    officer = Api(home, srv.target, "officer:wang")
    approver = Api(home, srv.target, "approver:li")
    try:
        path = tmp_path / "p.csv"
        generate_payroll(path, PayrollSpec(payees=payees, seed=5, bank_codes=("102",), period="2026-11"))
        batch = approver.approve(officer.submit(path).batch)
        approver.dis.ReleaseBatch(
            dpb.ReleaseBatchRequest(request_id=uuid.uuid4().hex, batch_id=batch.batch_id), timeout=120
        )
    finally:
        officer.close()
        approver.close()
        srv.stop()


def test_kept_submissions_hold_no_personal_data_and_match_a_fresh_read(instance, tmp_path, monkeypatch):
    _release(instance, tmp_path, payees=60, chunk=20)
    ctx = build_context(load_config(instance))
    try:
        d = make_dispatcher(ctx)
        with ctx.db.read() as conn:
            ids = [r[0] for r in conn.execute(select(submissions.c.id).order_by(submissions.c.id))]
        assert len(ids) >= 3
        sub = d._load(ids[0])

        clear = d._submission(sub)  # what a send renders: clear values, for this call only
        assert all(getattr(line, f) for line in clear.lines for f in PERSONAL)
        kept = d._submissions[(sub["id"], sub["manifest"] or "")]
        assert kept.lines and all(getattr(line, f) == "" for line in kept.lines for f in PERSONAL)
        # Everything else is what was sent.
        blank = {f: "" for f in PERSONAL}
        assert kept.lines == [dataclasses.replace(x, **blank) for x in clear.lines]
        assert dataclasses.replace(kept, lines=[]) == dataclasses.replace(clear, lines=[])

        assert d._submission(sub, personal_data=False) is kept  # a status query reads no lines again
        d._submissions.clear()
        assert d._submission(sub, personal_data=False) == kept

        # Bounded: the oldest goes first.
        monkeypatch.setattr(worker_mod, "_CACHED_SUBMISSIONS", 2)
        for sub_id in ids[:3]:
            d._submission(d._load(sub_id), personal_data=False)
        assert [k[0] for k in d._submissions] == ids[1:3]
    finally:
        ctx.db.dispose()
