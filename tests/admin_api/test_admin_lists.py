"""AdminService lists over a real server process: overdue submissions (超期督办), keys, the audit log."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from google.protobuf.timestamp_pb2 import Timestamp
from silink.admin.v1 import admin_pb2, admin_pb2_grpc
from silink.common.v1 import common_pb2
from sqlalchemy import insert, select, update

from gateway import audit
from gateway.client import channel_as
from gateway.config import load_config
from gateway.storage import Database
from gateway.storage.tables import audit_head, audit_log
from gateway.storage.tables_dispatch import outbox
from keys.datakey import load_master_key
from keys.store import KeyStore
from tests.conftest import ServerProcess
from tests.dispatch_controls.helpers import add_lines, add_submission, set_submission

SM4_KEY = bytes(range(16))
CLEAR_ID = "110101199003071234"  # a made-up resident ID number: must never come back in clear
_T0 = dt.datetime.now(dt.UTC).replace(microsecond=0)


def _at(hours: float) -> str:
    return (_T0 + dt.timedelta(hours=hours)).isoformat(timespec="microseconds")


def _seed_overdue(db: Database) -> None:
    """Overdue: S301A (1 day, 2 open lines, 3 inquiries), S102A (3 h, 2 open + 1 paid), S105A (1 h,
    WORK_INJURY). Not overdue: S102C (all final), S102D (not yet due)."""
    late_301 = add_submission(db, bank="301", ref="S301A")
    add_lines(db, late_301, ["UNKNOWN", "UNKNOWN"], amount_fen=500)
    set_submission(db, late_301, state="UNKNOWN", sent_at=_at(-48), sla_deadline=_at(-24))
    with db.write() as conn:
        for attempts in (2, 1):
            conn.execute(
                insert(outbox).values(
                    submission_id=late_301,
                    kind="INQUIRE",
                    state="DONE",
                    attempts=attempts,
                    next_attempt_at=_at(-30),
                    created_at=_at(-30),
                    updated_at=_at(-30),
                )
            )
    late_102 = add_submission(db, bank="102", ref="S102A")
    add_lines(db, late_102, ["ACCEPTED", "ACCEPTED", "PAID"], amount_fen=1_000)
    set_submission(db, late_102, state="ACCEPTED", sent_at=_at(-27), sla_deadline=_at(-3))
    late_105 = add_submission(db, bank="105", ref="S105A")
    add_lines(db, late_105, ["ACCEPTED"], amount_fen=7_700)
    set_submission(db, late_105, state="ACCEPTED", sent_at=_at(-25), sla_deadline=_at(-1), fund="WORK_INJURY")
    done_102 = add_submission(db, bank="102", ref="S102C")
    add_lines(db, done_102, ["PAID", "FAILED"])
    set_submission(db, done_102, state="COMPLETED", sent_at=_at(-72), sla_deadline=_at(-48))
    fresh_102 = add_submission(db, bank="102", ref="S102D")
    add_lines(db, fresh_102, ["ACCEPTED"])
    set_submission(db, fresh_102, state="ACCEPTED", sent_at=_at(-1), sla_deadline=_at(23))


def _seed_keys(home: Path, db: Database) -> None:
    cfg = load_config(home)
    store = KeyStore(home, load_master_key(cfg.master_key_path), audit_db=db, principal="local:test")
    store.import_secret("bank-102-work", SM4_KEY, "sm4")
    store.create("mf-sign", "ecdsa-p256", "signing")
    store.rotate("mf-sign")
    store.rotate("mf-sign")
    store.set_min_version("mf-sign", 2)


def _append_unredacted(db: Database) -> int:
    """An entry as one written before a redaction rule existed would be: a clear ID in detail and object
    id. Chained correctly, so the log still verifies; only the read path stands between it and a reader."""
    with db.write() as conn:
        last_seq, last_hash = conn.execute(select(audit_head.c.last_seq, audit_head.c.last_hash)).one()
        row = {
            "seq": last_seq + 1,
            "at": _at(0),
            "principal": "officer:legacy",
            "action": "legacy.note",
            "object_type": "note",
            "object_id": CLEAR_ID,
            "before_state": None,
            "after_state": None,
            "detail": json.dumps({"note": f"payee {CLEAR_ID} called"}),
        }
        row["prev_hash"] = last_hash
        row["hash"] = audit.entry_hash(last_hash, row)
        conn.execute(insert(audit_log).values(**row))
        conn.execute(update(audit_head).values(last_seq=row["seq"], last_hash=row["hash"]))
    return row["seq"]


@pytest.fixture
def seeded_server(instance: Path) -> Iterator[ServerProcess]:
    db = Database(load_config(instance).database_url)
    try:
        _seed_overdue(db)
        _seed_keys(instance, db)
        _append_unredacted(db)
    finally:
        db.dispose()
    srv = ServerProcess(instance)
    yield srv
    srv.stop()


def _stub(srv: ServerProcess, who: str):
    ch = channel_as(srv.home, who, target=srv.target)
    return ch, admin_pb2_grpc.AdminServiceStub(ch)


def _call(srv: ServerProcess, who: str, method: str, request):
    ch, stub = _stub(srv, who)
    with ch:
        return getattr(stub, method)(request, timeout=20)


# -- ListOverdueSubmissions -------------------------------------------------------------------------


def test_overdue_lists_late_submissions_most_overdue_first_with_fen_and_inquiries(seeded_server):
    resp = _call(
        seeded_server, "officer:wang", "ListOverdueSubmissions", admin_pb2.ListOverdueSubmissionsRequest()
    )
    got = [
        (s.submission_id, s.bank_code, s.state, s.open_line_count, s.open_amount_fen, s.inquiry_count)
        for s in resp.submissions
    ]
    assert got == [
        ("S301A", "301", "UNKNOWN", 2, 1_000, 3),
        ("S102A", "102", "ACCEPTED", 2, 2_000, 0),  # the PAID line is not open
        ("S105A", "105", "ACCEPTED", 1, 7_700, 0),
    ]
    first = resp.submissions[0]
    assert first.batch_id == "B00000001"
    assert first.fund == common_pb2.FUND_PENSION_EMPLOYEE
    assert first.sla_deadline.ToDatetime(tzinfo=dt.UTC) == _T0 - dt.timedelta(hours=24)
    assert first.send_time.ToDatetime(tzinfo=dt.UTC) == _T0 - dt.timedelta(hours=48)
    assert resp.next_page_token == ""


def test_overdue_filters_by_bank_and_fund_and_pages(seeded_server):
    srv = seeded_server
    by_bank = _call(
        srv,
        "finance:zhao",
        "ListOverdueSubmissions",
        admin_pb2.ListOverdueSubmissionsRequest(bank_code="102"),
    )
    assert [s.submission_id for s in by_bank.submissions] == ["S102A"]
    by_fund = _call(
        srv,
        "auditor:sun",
        "ListOverdueSubmissions",
        admin_pb2.ListOverdueSubmissionsRequest(fund=common_pb2.FUND_WORK_INJURY),
    )
    assert [s.submission_id for s in by_fund.submissions] == ["S105A"]

    seen, token = [], ""
    ch, stub = _stub(srv, "admin:zhou")
    with ch:
        for _ in range(5):
            page = stub.ListOverdueSubmissions(
                admin_pb2.ListOverdueSubmissionsRequest(page_size=2, page_token=token), timeout=20
            )
            assert len(page.submissions) <= 2
            seen += [s.submission_id for s in page.submissions]
            token = page.next_page_token
            if not token:
                break
    assert seen == ["S301A", "S102A", "S105A"]


def test_bank_principals_and_bad_tokens_are_refused(seeded_server):
    with pytest.raises(grpc.RpcError) as exc:
        _call(seeded_server, "bank:102", "ListOverdueSubmissions", admin_pb2.ListOverdueSubmissionsRequest())
    assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED
    for method, req in (
        ("ListKeys", admin_pb2.ListKeysRequest()),
        ("ListAuditEntries", admin_pb2.ListAuditEntriesRequest()),
    ):
        with pytest.raises(grpc.RpcError) as exc:
            _call(seeded_server, "bank:105", method, req)
        assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as exc:
        _call(
            seeded_server,
            "officer:wang",
            "ListOverdueSubmissions",
            admin_pb2.ListOverdueSubmissionsRequest(page_token="not-a-token!"),
        )
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT


# -- ListKeys ---------------------------------------------------------------------------------------


def _kcv(key: bytes) -> str:
    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 - the check value's definition
    return (enc.update(bytes(16)) + enc.finalize())[:3].hex()


def test_list_keys_shows_versions_states_and_fingerprints_never_material(seeded_server):
    resp = _call(seeded_server, "admin:zhou", "ListKeys", admin_pb2.ListKeysRequest())
    keys = {k.name: k for k in resp.keys}
    assert list(keys) == sorted(keys)
    assert {"data", "lookup", "bank-102-work", "mf-sign", "gw-102"} <= set(keys)

    mf = keys["mf-sign"]
    assert (mf.algorithm, mf.backend, mf.purpose) == (
        "ECDSA-P256",
        "file",
        admin_pb2.KEY_PURPOSE_BANK_SIGNING,
    )
    assert (mf.primary_version, mf.min_version, mf.state) == (3, 2, admin_pb2.Key.STATE_ENABLED)
    assert [v.state for v in mf.versions] == [
        admin_pb2.KeyVersion.STATE_RETIRED,
        admin_pb2.KeyVersion.STATE_VERIFY_ONLY,
        admin_pb2.KeyVersion.STATE_ACTIVE,
    ]
    assert mf.rotate_time == mf.versions[2].create_time
    assert mf.create_time == mf.versions[0].create_time
    assert mf.rotate_time.ToDatetime() >= mf.create_time.ToDatetime()

    cfg = load_config(seeded_server.home)
    store = KeyStore(seeded_server.home, load_master_key(cfg.master_key_path))
    for v in mf.versions:
        pem = store.export_public("mf-sign", v.version).decode()
        der = "".join(ln for ln in pem.splitlines() if not ln.startswith("-----"))

        assert v.fingerprint == hashlib.sha256(base64.b64decode(der)).hexdigest()
    assert len({v.fingerprint for v in mf.versions}) == 3

    work = keys["bank-102-work"]
    assert (work.algorithm, work.purpose) == ("SM4", admin_pb2.KEY_PURPOSE_BANK_ENCRYPTION)
    assert work.versions[0].fingerprint == _kcv(SM4_KEY)
    assert not keys["gw-102"].HasField("rotate_time")
    assert not keys["data"].HasField("create_time")  # built in: derived from the master key

    wire = resp.SerializeToString()
    assert SM4_KEY not in wire and SM4_KEY.hex().encode() not in wire
    assert b"PRIVATE" not in wire


def test_list_keys_filters_by_purpose_and_pages(seeded_server):
    srv = seeded_server
    enc = _call(
        srv,
        "auditor:sun",
        "ListKeys",
        admin_pb2.ListKeysRequest(purpose=admin_pb2.KEY_PURPOSE_BANK_ENCRYPTION),
    )
    assert [k.name for k in enc.keys] == ["bank-102-work"]
    none = _call(
        srv, "admin:zhou", "ListKeys", admin_pb2.ListKeysRequest(purpose=admin_pb2.KEY_PURPOSE_AUDIT)
    )
    assert list(none.keys) == []
    everything = _call(srv, "admin:zhou", "ListKeys", admin_pb2.ListKeysRequest()).keys
    first = _call(srv, "admin:zhou", "ListKeys", admin_pb2.ListKeysRequest(page_size=2))
    rest = _call(
        srv,
        "admin:zhou",
        "ListKeys",
        admin_pb2.ListKeysRequest(page_size=1000, page_token=first.next_page_token),
    )
    assert [k.name for k in [*first.keys, *rest.keys]] == [k.name for k in everything]
    with pytest.raises(grpc.RpcError) as exc:
        _call(srv, "officer:wang", "ListKeys", admin_pb2.ListKeysRequest())
    assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED


# -- ListAuditEntries -------------------------------------------------------------------------------


def _ts(when: dt.datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(when)
    return ts


def test_audit_entries_page_oldest_first_and_never_show_personal_data(seeded_server):
    seen, token = [], ""
    ch, stub = _stub(seeded_server, "auditor:sun")
    with ch:
        while True:
            page = stub.ListAuditEntries(
                admin_pb2.ListAuditEntriesRequest(page_size=3, page_token=token), timeout=20
            )
            assert len(page.entries) <= 3
            seen += list(page.entries)
            token = page.next_page_token
            if not token:
                break
        verified = stub.VerifyAudit(admin_pb2.VerifyAuditRequest(), timeout=20)
    assert verified.ok and verified.entries_checked == len(seen)
    assert [int(e.entry_id) for e in seen] == list(range(1, len(seen) + 1))
    for prev, e in itertools.pairwise(seen):
        assert e.previous_hash == prev.entry_hash
    legacy = seen[-1]
    assert (legacy.action, legacy.principal, legacy.object_type) == ("legacy.note", "officer:legacy", "note")
    assert CLEAR_ID not in legacy.object_id and CLEAR_ID not in legacy.detail
    assert legacy.object_id.endswith(CLEAR_ID[-4:]) and "payee" in json.loads(legacy.detail)["note"]
    assert all(CLEAR_ID not in e.SerializeToString().decode("utf-8", "replace") for e in seen)


def test_audit_entries_filter_by_action_actor_and_time(seeded_server):
    srv = seeded_server
    rotations = _call(
        srv, "admin:zhou", "ListAuditEntries", admin_pb2.ListAuditEntriesRequest(action="key.rotated")
    )
    assert len(rotations.entries) == 2
    assert {(e.action, e.principal, e.object_id) for e in rotations.entries} == {
        ("key.rotated", "local:test", "mf-sign")
    }
    by_actor = _call(
        srv, "admin:zhou", "ListAuditEntries", admin_pb2.ListAuditEntriesRequest(principal="officer:legacy")
    )
    assert [e.action for e in by_actor.entries] == ["legacy.note"]

    everything = _call(
        srv, "admin:zhou", "ListAuditEntries", admin_pb2.ListAuditEntriesRequest(page_size=1000)
    )
    # The legacy entry is stamped _T0; the window keeps exactly the entries within a second of it.
    window = admin_pb2.ListAuditEntriesRequest(
        start_time=_ts(_T0 - dt.timedelta(seconds=1)), end_time=_ts(_T0 + dt.timedelta(seconds=1))
    )
    in_window = _call(srv, "admin:zhou", "ListAuditEntries", window)
    stamped = [
        e for e in everything.entries if abs(e.event_time.ToDatetime(tzinfo=dt.UTC) - _T0).total_seconds() < 1
    ]
    assert [e.entry_id for e in in_window.entries] == [e.entry_id for e in stamped]
    assert "legacy.note" in {e.action for e in in_window.entries}
    before = _call(
        srv,
        "admin:zhou",
        "ListAuditEntries",
        admin_pb2.ListAuditEntriesRequest(end_time=_ts(_T0 - dt.timedelta(days=1))),
    )
    assert list(before.entries) == []
    with pytest.raises(grpc.RpcError) as exc:
        _call(
            srv,
            "admin:zhou",
            "ListAuditEntries",
            admin_pb2.ListAuditEntriesRequest(start_time=_ts(_T0), end_time=_ts(_T0 - dt.timedelta(hours=1))),
        )
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
