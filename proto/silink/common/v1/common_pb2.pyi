from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class Fund(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FUND_UNSPECIFIED: _ClassVar[Fund]
    FUND_PENSION_EMPLOYEE: _ClassVar[Fund]
    FUND_PENSION_PUBLIC: _ClassVar[Fund]
    FUND_PENSION_RESIDENT: _ClassVar[Fund]
    FUND_UNEMPLOYMENT: _ClassVar[Fund]
    FUND_WORK_INJURY: _ClassVar[Fund]

class Benefit(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BENEFIT_UNSPECIFIED: _ClassVar[Benefit]
    BENEFIT_PENSION_EMPLOYEE: _ClassVar[Benefit]
    BENEFIT_PENSION_PUBLIC: _ClassVar[Benefit]
    BENEFIT_PENSION_RESIDENT: _ClassVar[Benefit]
    BENEFIT_UNEMPLOYMENT: _ClassVar[Benefit]
    BENEFIT_STABILIZATION_REFUND: _ClassVar[Benefit]
    BENEFIT_WORK_INJURY: _ClassVar[Benefit]

class IdType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ID_TYPE_UNSPECIFIED: _ClassVar[IdType]
    ID_TYPE_RESIDENT_ID: _ClassVar[IdType]
    ID_TYPE_USCC: _ClassVar[IdType]

class AccountType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCOUNT_TYPE_UNSPECIFIED: _ClassVar[AccountType]
    ACCOUNT_TYPE_CARD: _ClassVar[AccountType]
    ACCOUNT_TYPE_PASSBOOK: _ClassVar[AccountType]
    ACCOUNT_TYPE_CORPORATE: _ClassVar[AccountType]

class FailureReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FAILURE_REASON_UNSPECIFIED: _ClassVar[FailureReason]
    FAILURE_REASON_NAME_MISMATCH: _ClassVar[FailureReason]
    FAILURE_REASON_ACCOUNT_CLOSED: _ClassVar[FailureReason]
    FAILURE_REASON_ACCOUNT_FROZEN: _ClassVar[FailureReason]
    FAILURE_REASON_CARD_LOST: _ClassVar[FailureReason]
    FAILURE_REASON_NOT_ACTIVATED: _ClassVar[FailureReason]
    FAILURE_REASON_CLASS_II_LIMIT: _ClassVar[FailureReason]
    FAILURE_REASON_ID_EXPIRED: _ClassVar[FailureReason]
    FAILURE_REASON_DECEASED: _ClassVar[FailureReason]
    FAILURE_REASON_DUPLICATE: _ClassVar[FailureReason]
    FAILURE_REASON_CONTROL_SUM_ERROR: _ClassVar[FailureReason]
    FAILURE_REASON_ACCOUNT_INVALID: _ClassVar[FailureReason]
    FAILURE_REASON_OTHER: _ClassVar[FailureReason]
    FAILURE_REASON_UNKNOWN: _ClassVar[FailureReason]
FUND_UNSPECIFIED: Fund
FUND_PENSION_EMPLOYEE: Fund
FUND_PENSION_PUBLIC: Fund
FUND_PENSION_RESIDENT: Fund
FUND_UNEMPLOYMENT: Fund
FUND_WORK_INJURY: Fund
BENEFIT_UNSPECIFIED: Benefit
BENEFIT_PENSION_EMPLOYEE: Benefit
BENEFIT_PENSION_PUBLIC: Benefit
BENEFIT_PENSION_RESIDENT: Benefit
BENEFIT_UNEMPLOYMENT: Benefit
BENEFIT_STABILIZATION_REFUND: Benefit
BENEFIT_WORK_INJURY: Benefit
ID_TYPE_UNSPECIFIED: IdType
ID_TYPE_RESIDENT_ID: IdType
ID_TYPE_USCC: IdType
ACCOUNT_TYPE_UNSPECIFIED: AccountType
ACCOUNT_TYPE_CARD: AccountType
ACCOUNT_TYPE_PASSBOOK: AccountType
ACCOUNT_TYPE_CORPORATE: AccountType
FAILURE_REASON_UNSPECIFIED: FailureReason
FAILURE_REASON_NAME_MISMATCH: FailureReason
FAILURE_REASON_ACCOUNT_CLOSED: FailureReason
FAILURE_REASON_ACCOUNT_FROZEN: FailureReason
FAILURE_REASON_CARD_LOST: FailureReason
FAILURE_REASON_NOT_ACTIVATED: FailureReason
FAILURE_REASON_CLASS_II_LIMIT: FailureReason
FAILURE_REASON_ID_EXPIRED: FailureReason
FAILURE_REASON_DECEASED: FailureReason
FAILURE_REASON_DUPLICATE: FailureReason
FAILURE_REASON_CONTROL_SUM_ERROR: FailureReason
FAILURE_REASON_ACCOUNT_INVALID: FailureReason
FAILURE_REASON_OTHER: FailureReason
FAILURE_REASON_UNKNOWN: FailureReason

class LineError(_message.Message):
    __slots__ = ("line_number", "field", "reason", "value_masked", "message")
    LINE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    VALUE_MASKED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    line_number: int
    field: str
    reason: str
    value_masked: str
    message: str
    def __init__(self, line_number: _Optional[int] = ..., field: _Optional[str] = ..., reason: _Optional[str] = ..., value_masked: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...
