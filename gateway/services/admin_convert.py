"""Domain → proto for the AdminService lists: keys, audit entries, overdue submissions.

Kept out of the servicer so it stays a thin layer; nothing here reads storage or key material itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from silink.admin.v1 import admin_pb2
from silink.common.v1 import common_pb2

from gateway.dispatch.supervision import OverdueSubmission
from gateway.errors import InvalidInput
from gateway.services.convert import timestamp

# Key store purposes (keys.store.Purpose) → the API's KeyPurpose. The store's one kind of signing key
# (gw-<code>) signs both a bank's manifests and the messages to it.
KEY_PURPOSES = {
    "signing": admin_pb2.KEY_PURPOSE_BANK_SIGNING,
    "verification": admin_pb2.KEY_PURPOSE_BANK_VERIFICATION,
    "encryption": admin_pb2.KEY_PURPOSE_BANK_ENCRYPTION,
    "data": admin_pb2.KEY_PURPOSE_DATA_ENCRYPTION,
    "lookup": admin_pb2.KEY_PURPOSE_LOOKUP_HASH,
}
_VERSION_STATES = {
    "current": admin_pb2.KeyVersion.STATE_ACTIVE,
    "active": admin_pb2.KeyVersion.STATE_VERIFY_ONLY,
    "retired": admin_pb2.KeyVersion.STATE_RETIRED,
    "revoked": admin_pb2.KeyVersion.STATE_REVOKED,
}
# Store names → the names the API documents (``SM2``, ``ECDSA-P256`` …).
_ALGORITHMS = {
    "sm2": "SM2",
    "rsa-pss": "RSA-PSS",
    "rsa-pkcs1": "RSA-PKCS1",
    "ecdsa-p256": "ECDSA-P256",
    "ed25519": "Ed25519",
    "sm4": "SM4",
    "aes256-gcm": "AES-256-GCM",
    "blake2b": "BLAKE2b",
}


def key_pb(info: Any, fingerprints: dict[int, str]) -> admin_pb2.Key:
    """``info`` is a keys.store.KeyInfo; ``fingerprints`` maps version → fingerprint."""
    versions = []
    for v in info.versions:
        kv = admin_pb2.KeyVersion(
            version=v["version"],
            state=_VERSION_STATES.get(v["status"], admin_pb2.KeyVersion.STATE_UNSPECIFIED),
            fingerprint=fingerprints.get(v["version"], ""),
        )
        if ts := timestamp(v["created_at"]):
            kv.create_time.CopyFrom(ts)
        if ts := timestamp(v["revoked_at"]):
            kv.revoke_time.CopyFrom(ts)
        versions.append(kv)
    key = admin_pb2.Key(
        name=info.name,
        purpose=KEY_PURPOSES.get(info.purpose, admin_pb2.KEY_PURPOSE_UNSPECIFIED),
        algorithm=_ALGORITHMS.get(info.alg, info.alg),
        state=admin_pb2.Key.STATE_REVOKED if info.revoked else admin_pb2.Key.STATE_ENABLED,
        primary_version=info.current_version,
        min_version=info.min_version,
        backend=info.backend,
        versions=versions,
    )
    if versions and versions[0].HasField("create_time"):
        key.create_time.CopyFrom(versions[0].create_time)
    if info.current_version > 1 and versions[info.current_version - 1].HasField("create_time"):
        key.rotate_time.CopyFrom(versions[info.current_version - 1].create_time)
    return key


def audit_entry_pb(row: dict[str, Any]) -> admin_pb2.AuditEntry:
    """One audit_log row (already passed through the redactor by gateway.audit.list_entries).

    Entries are appended inside the transaction of the change they record, so a stored entry is an
    outcome that happened: ``OK``. The request id is not part of the chained entry and stays empty.
    """
    e = admin_pb2.AuditEntry(
        entry_id=str(row["seq"]),
        principal=row["principal"],
        action=row["action"],
        object_type=row["object_type"],
        object_id=row["object_id"],
        before_state=row["before_state"] or "",
        after_state=row["after_state"] or "",
        outcome="OK",
        detail=row["detail"],
        previous_hash=row["prev_hash"],
        entry_hash=row["hash"],
    )
    if ts := timestamp(row["at"]):
        e.event_time.CopyFrom(ts)
    return e


def fund_enum(fund: str) -> int:
    name = f"FUND_{fund}"
    return common_pb2.Fund.Value(name) if name in common_pb2.Fund.keys() else 0  # noqa: SIM118 - no __contains__


def fund_code(value: int) -> str | None:
    """The domain fund of an optional filter; an unknown number is a precise INVALID_ARGUMENT."""
    if not value:
        return None
    try:
        return common_pb2.Fund.Name(value).removeprefix("FUND_")
    except ValueError:
        raise InvalidInput("fund is not a known fund", "FIELD_INVALID", metadata={"field": "fund"}) from None


def overdue_pb(item: OverdueSubmission) -> admin_pb2.OverdueSubmission:
    o = admin_pb2.OverdueSubmission(
        submission_id=item.submission,
        batch_id=item.batch,
        bank_code=item.bank_code,
        fund=fund_enum(item.fund),
        open_line_count=item.open_lines,
        open_amount_fen=item.open_amount_fen,
        inquiry_count=item.inquiries,
        state=item.state,
    )
    if ts := timestamp(item.sent_at):
        o.send_time.CopyFrom(ts)
    if ts := timestamp(item.sla_deadline):
        o.sla_deadline.CopyFrom(ts)
    return o


def stored_time(ts: Timestamp) -> str:
    """A request Timestamp as stored-time text (UTC ISO 8601, microseconds), comparable as text."""
    return ts.ToDatetime(tzinfo=dt.UTC).isoformat(timespec="microseconds")
