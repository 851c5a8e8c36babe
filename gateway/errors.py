"""The one error hierarchy of silink.

Every error a caller can see is a :class:`SilinkError`. Each carries a stable UPPER_SNAKE ``reason``
(the ``ErrorInfo.reason`` on the wire), a gRPC status code, a message that never contains personal
data, and optional ``metadata`` (short, non-personal strings) and ``field_violations``.

    SilinkError
    ├── InvalidInput            bad caller input (INVALID_ARGUMENT)
    │   ├── FileUnreadable      a file that cannot be read at all (exit 2 for `silink validate`)
    │   └── LineRejected        one payroll/evidence line is invalid (carries file, line, field)
    ├── Unauthenticated         no or unusable client identity
    ├── PermissionDenied        the caller's role does not allow the call
    ├── NotFound
    ├── Conflict                the resource is in the wrong state, or a uniqueness rule was hit
    │   ├── RequestIdReused     same request_id, different payload
    │   ├── SelfApproval        maker-checker violated
    │   └── InvalidTransition   a state machine refused a move
    ├── Unimplemented           the method belongs to a capability that has not landed yet
    ├── Unavailable             transient: a dependency is down; the caller may retry
    └── Internal                a bug; the message is generic, the detail goes to the log only

Servicers never build gRPC statuses by hand: the error interceptor turns a SilinkError into
``google.rpc.Status`` with one ``ErrorInfo`` (and ``BadRequest`` for field violations).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc

DOMAIN = "silink"


@dataclass(frozen=True, slots=True)
class FieldViolation:
    """One bad field: ``field`` names it (``line 12: account``), ``description`` says why."""

    field: str
    description: str


@dataclass(eq=False)
class SilinkError(Exception):
    """Base class; subclasses fix ``code`` and a default ``reason``."""

    message: str
    reason: str = "INTERNAL"
    metadata: dict[str, str] = field(default_factory=dict)
    field_violations: list[FieldViolation] = field(default_factory=list)

    code = grpc.StatusCode.INTERNAL

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"


class InvalidInput(SilinkError):
    code = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(self, message: str, reason: str = "INVALID_ARGUMENT", **kw) -> None:
        super().__init__(message, reason, **kw)


class FileUnreadable(InvalidInput):
    """The whole file is unusable: wrong encoding, truncated container, missing header."""

    def __init__(self, message: str, reason: str = "FILE_UNREADABLE", **kw) -> None:
        super().__init__(message, reason, **kw)


class LineRejected(InvalidInput):
    def __init__(self, message: str, reason: str = "LINE_REJECTED", **kw) -> None:
        super().__init__(message, reason, **kw)


class Unauthenticated(SilinkError):
    code = grpc.StatusCode.UNAUTHENTICATED

    def __init__(self, message: str, reason: str = "UNAUTHENTICATED", **kw) -> None:
        super().__init__(message, reason, **kw)


class PermissionDenied(SilinkError):
    code = grpc.StatusCode.PERMISSION_DENIED

    def __init__(self, message: str, reason: str = "PERMISSION_DENIED", **kw) -> None:
        super().__init__(message, reason, **kw)


class NotFound(SilinkError):
    code = grpc.StatusCode.NOT_FOUND

    def __init__(self, message: str, reason: str = "NOT_FOUND", **kw) -> None:
        super().__init__(message, reason, **kw)


class Conflict(SilinkError):
    code = grpc.StatusCode.FAILED_PRECONDITION

    def __init__(self, message: str, reason: str = "CONFLICT", **kw) -> None:
        super().__init__(message, reason, **kw)


class RequestIdReused(Conflict):
    code = grpc.StatusCode.ALREADY_EXISTS

    def __init__(self, message: str = "request_id was already used with a different payload", **kw) -> None:
        super().__init__(message, "REQUEST_ID_REUSED", **kw)


class SelfApproval(Conflict):
    code = grpc.StatusCode.PERMISSION_DENIED

    def __init__(self, message: str = "the creator of a batch cannot approve it", **kw) -> None:
        super().__init__(message, "SELF_APPROVAL", **kw)


class InvalidTransition(Conflict):
    def __init__(self, message: str, reason: str = "INVALID_TRANSITION", **kw) -> None:
        super().__init__(message, reason, **kw)


class Unimplemented(SilinkError):
    code = grpc.StatusCode.UNIMPLEMENTED

    def __init__(self, message: str, reason: str = "NOT_YET_AVAILABLE", **kw) -> None:
        super().__init__(message, reason, **kw)


class Unavailable(SilinkError):
    code = grpc.StatusCode.UNAVAILABLE

    def __init__(self, message: str, reason: str = "UNAVAILABLE", **kw) -> None:
        super().__init__(message, reason, **kw)


class Internal(SilinkError):
    code = grpc.StatusCode.INTERNAL

    def __init__(self, message: str = "internal error", reason: str = "INTERNAL", **kw) -> None:
        super().__init__(message, reason, **kw)
