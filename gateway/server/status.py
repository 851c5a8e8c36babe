"""SilinkError → google.rpc.Status with one ErrorInfo and, for bad input, one BadRequest."""

from __future__ import annotations

from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

from gateway.errors import DOMAIN, SilinkError

DETAILS_KEY = "grpc-status-details-bin"


def to_status(err: SilinkError) -> status_pb2.Status:
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason=err.reason, domain=DOMAIN, metadata=dict(err.metadata)))
    details = [info]
    if err.field_violations:
        bad = any_pb2.Any()
        bad.Pack(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                    for v in err.field_violations
                ]
            )
        )
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
