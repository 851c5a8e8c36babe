"""SilinkError → google.rpc.Status with one ErrorInfo and, for bad input, one BadRequest."""

from __future__ import annotations

from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

from gateway.errors import DOMAIN, SilinkError

DETAILS_KEY = "grpc-status-details-bin"


# Status details travel in a trailer; HTTP/2 peers refuse headers over ~8 KiB (the call then fails with
# a different code and no details at all), so the violations are cut to fit a budget and the number
# left out is said in the ErrorInfo metadata.
DETAILS_BUDGET = 6000


def to_status(err: SilinkError) -> status_pb2.Status:
    violations = []
    used = len(err.message) + 200
    for v in err.field_violations:
        used += len(v.field.encode()) + len(v.description.encode()) + 8
        if used > DETAILS_BUDGET:
            break
        violations.append(
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
        )
    metadata = dict(err.metadata)
    if len(violations) < len(err.field_violations):
        metadata["violations_not_shown"] = str(len(err.field_violations) - len(violations))
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason=err.reason, domain=DOMAIN, metadata=metadata))
    details = [info]
    if violations:
        bad = any_pb2.Any()
        bad.Pack(error_details_pb2.BadRequest(field_violations=violations))
        details.append(bad)
    return status_pb2.Status(code=err.code.value[0], message=err.message, details=details)


def error_info_of(status: status_pb2.Status) -> error_details_pb2.ErrorInfo | None:
    """Client side: the ErrorInfo of a received status, if any."""
    for d in status.details:
        if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            d.Unpack(info)
            return info
    return None


def field_violations_of(status: status_pb2.Status) -> list[error_details_pb2.BadRequest.FieldViolation]:
    """Client side: the BadRequest field violations of a received status (empty when none)."""
    for d in status.details:
        if d.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            d.Unpack(bad)
            return list(bad.field_violations)
    return []
