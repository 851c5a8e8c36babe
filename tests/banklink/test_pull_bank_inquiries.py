"""End to end with the BankLink bank simulator (`silink banksim pull --mute-results`, its own process): it
books and acknowledges but never pushes results unasked, so every line goes UNKNOWN after the result
window and reaches its final state only through status inquiries — and agrees with the bank's ledger."""

from __future__ import annotations

import pytest
from silink.disbursement.v1 import disbursement_pb2 as dpb

from tests.banklink.helpers import release_to_bank, wait_for
from tests.dispatch.conftest import PullBank

FINAL = {dpb.BatchLine.STATE_PAID, dpb.BatchLine.STATE_FAILED}


@pytest.mark.followup(result_wait_seconds=1)
def test_a_mute_bank_settles_every_line_through_inquiries(api, tmp_path, instance, server):
    srv = server
    pull = None
    try:
        small = release_to_bank(api, tmp_path, payees=30, seed=91)  # asked line by line
        large = release_to_bank(api, tmp_path, payees=160, seed=92)  # asked as one submission
        pull = PullBank(instance, tmp_path / "sim105", "105", "--mute-results")
        lines = {}
        for batch_id in (small, large):
            got = wait_for(
                lambda b=batch_id: (
                    (ls := api("approver:li").lines(b)) and all(ln.state in FINAL for ln in ls) and ls
                ),
                timeout=90,
            )
            lines.update({ln.end_to_end_ref: ln for ln in got})
        ledger = pull.ledger()
    finally:
        if pull is not None:
            pull.stop()
        log = srv.log_text()
    booked = {e["end_to_end_id"]: e["state"] for e in ledger["entries"]}
    assert len(booked) == len(lines) == 190
    for ref, ln in lines.items():
        assert booked[ref] == ("credited" if ln.state == dpb.BatchLine.STATE_PAID else "rejected"), ref
    paid = [ln.amount_fen for ln in lines.values() if ln.state == dpb.BatchLine.STATE_PAID]
    assert (len(paid), sum(paid)) == (ledger["totals"]["credited_count"], ledger["totals"]["credited_fen"])
    assert "dispatch.banklink_no_result" in log and "dispatch.banklink_inquiry" in log
