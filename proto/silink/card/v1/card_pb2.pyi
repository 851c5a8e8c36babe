import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from silink.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SocialAppState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SOCIAL_APP_STATE_UNSPECIFIED: _ClassVar[SocialAppState]
    SOCIAL_APP_STATE_NORMAL: _ClassVar[SocialAppState]
    SOCIAL_APP_STATE_SEALED: _ClassVar[SocialAppState]
    SOCIAL_APP_STATE_TEMPORARY_LOSS: _ClassVar[SocialAppState]
    SOCIAL_APP_STATE_FORMAL_LOSS: _ClassVar[SocialAppState]
    SOCIAL_APP_STATE_LOCKED: _ClassVar[SocialAppState]
    SOCIAL_APP_STATE_CANCELLED: _ClassVar[SocialAppState]

class BankAppState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BANK_APP_STATE_UNSPECIFIED: _ClassVar[BankAppState]
    BANK_APP_STATE_NOT_ACTIVATED: _ClassVar[BankAppState]
    BANK_APP_STATE_NORMAL: _ClassVar[BankAppState]
    BANK_APP_STATE_FROZEN: _ClassVar[BankAppState]
    BANK_APP_STATE_CLOSED: _ClassVar[BankAppState]

class BankLegState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BANK_LEG_STATE_UNSPECIFIED: _ClassVar[BankLegState]
    BANK_LEG_STATE_NONE: _ClassVar[BankLegState]
    BANK_LEG_STATE_PENDING: _ClassVar[BankLegState]
    BANK_LEG_STATE_CONFIRMED: _ClassVar[BankLegState]
    BANK_LEG_STATE_FAILED: _ClassVar[BankLegState]
    BANK_LEG_STATE_UNKNOWN: _ClassVar[BankLegState]

class CardOperation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CARD_OPERATION_UNSPECIFIED: _ClassVar[CardOperation]
    CARD_OPERATION_REPORT_LOSS: _ClassVar[CardOperation]
    CARD_OPERATION_LIFT_LOSS: _ClassVar[CardOperation]
    CARD_OPERATION_APPLY_REPLACEMENT: _ClassVar[CardOperation]
    CARD_OPERATION_ENABLE: _ClassVar[CardOperation]
    CARD_OPERATION_UNLOCK: _ClassVar[CardOperation]
    CARD_OPERATION_ACTIVATE_FINANCIAL_ACCOUNT: _ClassVar[CardOperation]
    CARD_OPERATION_CHANGE_DISBURSEMENT_ACCOUNT: _ClassVar[CardOperation]
    CARD_OPERATION_CANCEL: _ClassVar[CardOperation]

class LossKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOSS_KIND_UNSPECIFIED: _ClassVar[LossKind]
    LOSS_KIND_TEMPORARY: _ClassVar[LossKind]
    LOSS_KIND_FORMAL: _ClassVar[LossKind]

class ReplacementReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPLACEMENT_REASON_UNSPECIFIED: _ClassVar[ReplacementReason]
    REPLACEMENT_REASON_LOST: _ClassVar[ReplacementReason]
    REPLACEMENT_REASON_DAMAGED: _ClassVar[ReplacementReason]
    REPLACEMENT_REASON_EXPIRING: _ClassVar[ReplacementReason]
    REPLACEMENT_REASON_DATA_CHANGED: _ClassVar[ReplacementReason]

class CancelReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CANCEL_REASON_UNSPECIFIED: _ClassVar[CancelReason]
    CANCEL_REASON_DEATH: _ClassVar[CancelReason]
    CANCEL_REASON_EMIGRATION: _ClassVar[CancelReason]
    CANCEL_REASON_OTHER: _ClassVar[CancelReason]
SOCIAL_APP_STATE_UNSPECIFIED: SocialAppState
SOCIAL_APP_STATE_NORMAL: SocialAppState
SOCIAL_APP_STATE_SEALED: SocialAppState
SOCIAL_APP_STATE_TEMPORARY_LOSS: SocialAppState
SOCIAL_APP_STATE_FORMAL_LOSS: SocialAppState
SOCIAL_APP_STATE_LOCKED: SocialAppState
SOCIAL_APP_STATE_CANCELLED: SocialAppState
BANK_APP_STATE_UNSPECIFIED: BankAppState
BANK_APP_STATE_NOT_ACTIVATED: BankAppState
BANK_APP_STATE_NORMAL: BankAppState
BANK_APP_STATE_FROZEN: BankAppState
BANK_APP_STATE_CLOSED: BankAppState
BANK_LEG_STATE_UNSPECIFIED: BankLegState
BANK_LEG_STATE_NONE: BankLegState
BANK_LEG_STATE_PENDING: BankLegState
BANK_LEG_STATE_CONFIRMED: BankLegState
BANK_LEG_STATE_FAILED: BankLegState
BANK_LEG_STATE_UNKNOWN: BankLegState
CARD_OPERATION_UNSPECIFIED: CardOperation
CARD_OPERATION_REPORT_LOSS: CardOperation
CARD_OPERATION_LIFT_LOSS: CardOperation
CARD_OPERATION_APPLY_REPLACEMENT: CardOperation
CARD_OPERATION_ENABLE: CardOperation
CARD_OPERATION_UNLOCK: CardOperation
CARD_OPERATION_ACTIVATE_FINANCIAL_ACCOUNT: CardOperation
CARD_OPERATION_CHANGE_DISBURSEMENT_ACCOUNT: CardOperation
CARD_OPERATION_CANCEL: CardOperation
LOSS_KIND_UNSPECIFIED: LossKind
LOSS_KIND_TEMPORARY: LossKind
LOSS_KIND_FORMAL: LossKind
REPLACEMENT_REASON_UNSPECIFIED: ReplacementReason
REPLACEMENT_REASON_LOST: ReplacementReason
REPLACEMENT_REASON_DAMAGED: ReplacementReason
REPLACEMENT_REASON_EXPIRING: ReplacementReason
REPLACEMENT_REASON_DATA_CHANGED: ReplacementReason
CANCEL_REASON_UNSPECIFIED: CancelReason
CANCEL_REASON_DEATH: CancelReason
CANCEL_REASON_EMIGRATION: CancelReason
CANCEL_REASON_OTHER: CancelReason

class CardStatus(_message.Message):
    __slots__ = ("card_number_masked", "id_number_masked", "name_masked", "social_app_state", "bank_app_state", "bank_code", "financial_account_masked", "disbursement_account_masked", "disbursement_bank_code", "payments_held", "temporary_loss_expire_time", "issue_date", "expiry_date", "pending_bank_leg", "update_time")
    CARD_NUMBER_MASKED_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_MASKED_FIELD_NUMBER: _ClassVar[int]
    NAME_MASKED_FIELD_NUMBER: _ClassVar[int]
    SOCIAL_APP_STATE_FIELD_NUMBER: _ClassVar[int]
    BANK_APP_STATE_FIELD_NUMBER: _ClassVar[int]
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    FINANCIAL_ACCOUNT_MASKED_FIELD_NUMBER: _ClassVar[int]
    DISBURSEMENT_ACCOUNT_MASKED_FIELD_NUMBER: _ClassVar[int]
    DISBURSEMENT_BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    PAYMENTS_HELD_FIELD_NUMBER: _ClassVar[int]
    TEMPORARY_LOSS_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    ISSUE_DATE_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_DATE_FIELD_NUMBER: _ClassVar[int]
    PENDING_BANK_LEG_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    card_number_masked: str
    id_number_masked: str
    name_masked: str
    social_app_state: SocialAppState
    bank_app_state: BankAppState
    bank_code: str
    financial_account_masked: str
    disbursement_account_masked: str
    disbursement_bank_code: str
    payments_held: bool
    temporary_loss_expire_time: _timestamp_pb2.Timestamp
    issue_date: str
    expiry_date: str
    pending_bank_leg: BankLeg
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, card_number_masked: _Optional[str] = ..., id_number_masked: _Optional[str] = ..., name_masked: _Optional[str] = ..., social_app_state: _Optional[_Union[SocialAppState, str]] = ..., bank_app_state: _Optional[_Union[BankAppState, str]] = ..., bank_code: _Optional[str] = ..., financial_account_masked: _Optional[str] = ..., disbursement_account_masked: _Optional[str] = ..., disbursement_bank_code: _Optional[str] = ..., payments_held: _Optional[bool] = ..., temporary_loss_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., issue_date: _Optional[str] = ..., expiry_date: _Optional[str] = ..., pending_bank_leg: _Optional[_Union[BankLeg, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BankLeg(_message.Message):
    __slots__ = ("operation", "state", "reference", "failure_text", "request_time", "answer_time")
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_TEXT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_TIME_FIELD_NUMBER: _ClassVar[int]
    ANSWER_TIME_FIELD_NUMBER: _ClassVar[int]
    operation: CardOperation
    state: BankLegState
    reference: str
    failure_text: str
    request_time: _timestamp_pb2.Timestamp
    answer_time: _timestamp_pb2.Timestamp
    def __init__(self, operation: _Optional[_Union[CardOperation, str]] = ..., state: _Optional[_Union[BankLegState, str]] = ..., reference: _Optional[str] = ..., failure_text: _Optional[str] = ..., request_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answer_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CardApplication(_message.Message):
    __slots__ = ("application_id", "state", "reason", "pickup_outlet_code", "state_reason", "create_time", "update_time")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[CardApplication.State]
        STATE_SUBMITTED: _ClassVar[CardApplication.State]
        STATE_ACCEPTED: _ClassVar[CardApplication.State]
        STATE_IN_PRODUCTION: _ClassVar[CardApplication.State]
        STATE_READY_FOR_PICKUP: _ClassVar[CardApplication.State]
        STATE_COLLECTED: _ClassVar[CardApplication.State]
        STATE_REJECTED: _ClassVar[CardApplication.State]
    STATE_UNSPECIFIED: CardApplication.State
    STATE_SUBMITTED: CardApplication.State
    STATE_ACCEPTED: CardApplication.State
    STATE_IN_PRODUCTION: CardApplication.State
    STATE_READY_FOR_PICKUP: CardApplication.State
    STATE_COLLECTED: CardApplication.State
    STATE_REJECTED: CardApplication.State
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PICKUP_OUTLET_CODE_FIELD_NUMBER: _ClassVar[int]
    STATE_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    state: CardApplication.State
    reason: ReplacementReason
    pickup_outlet_code: str
    state_reason: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, application_id: _Optional[str] = ..., state: _Optional[_Union[CardApplication.State, str]] = ..., reason: _Optional[_Union[ReplacementReason, str]] = ..., pickup_outlet_code: _Optional[str] = ..., state_reason: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetCardStatusRequest(_message.Message):
    __slots__ = ("id_number", "card_number")
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CARD_NUMBER_FIELD_NUMBER: _ClassVar[int]
    id_number: str
    card_number: str
    def __init__(self, id_number: _Optional[str] = ..., card_number: _Optional[str] = ...) -> None: ...

class GetCardStatusResponse(_message.Message):
    __slots__ = ("card_status",)
    CARD_STATUS_FIELD_NUMBER: _ClassVar[int]
    card_status: CardStatus
    def __init__(self, card_status: _Optional[_Union[CardStatus, _Mapping]] = ...) -> None: ...

class ReportLossRequest(_message.Message):
    __slots__ = ("request_id", "id_number", "card_number", "holder_authorization_token", "outlet_code", "operator_id", "loss_kind", "include_financial_account")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CARD_NUMBER_FIELD_NUMBER: _ClassVar[int]
    HOLDER_AUTHORIZATION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    OUTLET_CODE_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    LOSS_KIND_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_FINANCIAL_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    id_number: str
    card_number: str
    holder_authorization_token: str
    outlet_code: str
    operator_id: str
    loss_kind: LossKind
    include_financial_account: bool
    def __init__(self, request_id: _Optional[str] = ..., id_number: _Optional[str] = ..., card_number: _Optional[str] = ..., holder_authorization_token: _Optional[str] = ..., outlet_code: _Optional[str] = ..., operator_id: _Optional[str] = ..., loss_kind: _Optional[_Union[LossKind, str]] = ..., include_financial_account: _Optional[bool] = ...) -> None: ...

class ReportLossResponse(_message.Message):
    __slots__ = ("card_status",)
    CARD_STATUS_FIELD_NUMBER: _ClassVar[int]
    card_status: CardStatus
    def __init__(self, card_status: _Optional[_Union[CardStatus, _Mapping]] = ...) -> None: ...

class LiftLossRequest(_message.Message):
    __slots__ = ("request_id", "id_number", "card_number", "holder_authorization_token", "outlet_code", "operator_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CARD_NUMBER_FIELD_NUMBER: _ClassVar[int]
    HOLDER_AUTHORIZATION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    OUTLET_CODE_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    id_number: str
    card_number: str
    holder_authorization_token: str
    outlet_code: str
    operator_id: str
    def __init__(self, request_id: _Optional[str] = ..., id_number: _Optional[str] = ..., card_number: _Optional[str] = ..., holder_authorization_token: _Optional[str] = ..., outlet_code: _Optional[str] = ..., operator_id: _Optional[str] = ...) -> None: ...

class LiftLossResponse(_message.Message):
    __slots__ = ("card_status",)
    CARD_STATUS_FIELD_NUMBER: _ClassVar[int]
    card_status: CardStatus
    def __init__(self, card_status: _Optional[_Union[CardStatus, _Mapping]] = ...) -> None: ...

class ApplyReplacementRequest(_message.Message):
    __slots__ = ("request_id", "id_number", "card_number", "holder_authorization_token", "outlet_code", "operator_id", "reason", "pickup_outlet_code")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CARD_NUMBER_FIELD_NUMBER: _ClassVar[int]
    HOLDER_AUTHORIZATION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    OUTLET_CODE_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PICKUP_OUTLET_CODE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    id_number: str
    card_number: str
    holder_authorization_token: str
    outlet_code: str
    operator_id: str
    reason: ReplacementReason
    pickup_outlet_code: str
    def __init__(self, request_id: _Optional[str] = ..., id_number: _Optional[str] = ..., card_number: _Optional[str] = ..., holder_authorization_token: _Optional[str] = ..., outlet_code: _Optional[str] = ..., operator_id: _Optional[str] = ..., reason: _Optional[_Union[ReplacementReason, str]] = ..., pickup_outlet_code: _Optional[str] = ...) -> None: ...

class ApplyReplacementResponse(_message.Message):
    __slots__ = ("card_status", "application")
    CARD_STATUS_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    card_status: CardStatus
    application: CardApplication
    def __init__(self, card_status: _Optional[_Union[CardStatus, _Mapping]] = ..., application: _Optional[_Union[CardApplication, _Mapping]] = ...) -> None: ...

class EnableCardRequest(_message.Message):
    __slots__ = ("request_id", "id_number", "card_number", "holder_authorization_token", "outlet_code", "operator_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CARD_NUMBER_FIELD_NUMBER: _ClassVar[int]
    HOLDER_AUTHORIZATION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    OUTLET_CODE_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    id_number: str
    card_number: str
    holder_authorization_token: str
    outlet_code: str
    operator_id: str
    def __init__(self, request_id: _Optional[str] = ..., id_number: _Optional[str] = ..., card_number: _Optional[str] = ..., holder_authorization_token: _Optional[str] = ..., outlet_code: _Optional[str] = ..., operator_id: _Optional[str] = ...) -> None: ...

class EnableCardResponse(_message.Message):
    __slots__ = ("card_status",)
    CARD_STATUS_FIELD_NUMBER: _ClassVar[int]
    card_status: CardStatus
    def __init__(self, card_status: _Optional[_Union[CardStatus, _Mapping]] = ...) -> None: ...

class UnlockCardRequest(_message.Message):
    __slots__ = ("request_id", "id_number", "card_number", "holder_authorization_token", "outlet_code", "operator_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CARD_NUMBER_FIELD_NUMBER: _ClassVar[int]
    HOLDER_AUTHORIZATION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    OUTLET_CODE_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    id_number: str
    card_number: str
    holder_authorization_token: str
    outlet_code: str
    operator_id: str
    def __init__(self, request_id: _Optional[str] = ..., id_number: _Optional[str] = ..., card_number: _Optional[str] = ..., holder_authorization_token: _Optional[str] = ..., outlet_code: _Optional[str] = ..., operator_id: _Optional[str] = ...) -> None: ...

class UnlockCardResponse(_message.Message):
    __slots__ = ("card_status",)
    CARD_STATUS_FIELD_NUMBER: _ClassVar[int]
    card_status: CardStatus
    def __init__(self, card_status: _Optional[_Union[CardStatus, _Mapping]] = ...) -> None: ...

class ActivateFinancialAccountRequest(_message.Message):
    __slots__ = ("request_id", "id_number", "card_number", "holder_authorization_token", "outlet_code", "operator_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CARD_NUMBER_FIELD_NUMBER: _ClassVar[int]
    HOLDER_AUTHORIZATION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    OUTLET_CODE_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    id_number: str
    card_number: str
    holder_authorization_token: str
    outlet_code: str
    operator_id: str
    def __init__(self, request_id: _Optional[str] = ..., id_number: _Optional[str] = ..., card_number: _Optional[str] = ..., holder_authorization_token: _Optional[str] = ..., outlet_code: _Optional[str] = ..., operator_id: _Optional[str] = ...) -> None: ...

class ActivateFinancialAccountResponse(_message.Message):
    __slots__ = ("card_status",)
    CARD_STATUS_FIELD_NUMBER: _ClassVar[int]
    card_status: CardStatus
    def __init__(self, card_status: _Optional[_Union[CardStatus, _Mapping]] = ...) -> None: ...

class ChangeDisbursementAccountRequest(_message.Message):
    __slots__ = ("request_id", "id_number", "card_number", "holder_authorization_token", "outlet_code", "operator_id", "new_account", "new_account_type", "new_bank_code")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CARD_NUMBER_FIELD_NUMBER: _ClassVar[int]
    HOLDER_AUTHORIZATION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    OUTLET_CODE_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    NEW_ACCOUNT_TYPE_FIELD_NUMBER: _ClassVar[int]
    NEW_BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    id_number: str
    card_number: str
    holder_authorization_token: str
    outlet_code: str
    operator_id: str
    new_account: str
    new_account_type: _common_pb2.AccountType
    new_bank_code: str
    def __init__(self, request_id: _Optional[str] = ..., id_number: _Optional[str] = ..., card_number: _Optional[str] = ..., holder_authorization_token: _Optional[str] = ..., outlet_code: _Optional[str] = ..., operator_id: _Optional[str] = ..., new_account: _Optional[str] = ..., new_account_type: _Optional[_Union[_common_pb2.AccountType, str]] = ..., new_bank_code: _Optional[str] = ...) -> None: ...

class ChangeDisbursementAccountResponse(_message.Message):
    __slots__ = ("card_status",)
    CARD_STATUS_FIELD_NUMBER: _ClassVar[int]
    card_status: CardStatus
    def __init__(self, card_status: _Optional[_Union[CardStatus, _Mapping]] = ...) -> None: ...

class GetApplicationProgressRequest(_message.Message):
    __slots__ = ("id_number", "application_id")
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    id_number: str
    application_id: str
    def __init__(self, id_number: _Optional[str] = ..., application_id: _Optional[str] = ...) -> None: ...

class GetApplicationProgressResponse(_message.Message):
    __slots__ = ("application",)
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    application: CardApplication
    def __init__(self, application: _Optional[_Union[CardApplication, _Mapping]] = ...) -> None: ...

class CancelCardRequest(_message.Message):
    __slots__ = ("request_id", "id_number", "card_number", "holder_authorization_token", "outlet_code", "operator_id", "reason", "note", "include_financial_account")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CARD_NUMBER_FIELD_NUMBER: _ClassVar[int]
    HOLDER_AUTHORIZATION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    OUTLET_CODE_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_FINANCIAL_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    id_number: str
    card_number: str
    holder_authorization_token: str
    outlet_code: str
    operator_id: str
    reason: CancelReason
    note: str
    include_financial_account: bool
    def __init__(self, request_id: _Optional[str] = ..., id_number: _Optional[str] = ..., card_number: _Optional[str] = ..., holder_authorization_token: _Optional[str] = ..., outlet_code: _Optional[str] = ..., operator_id: _Optional[str] = ..., reason: _Optional[_Union[CancelReason, str]] = ..., note: _Optional[str] = ..., include_financial_account: _Optional[bool] = ...) -> None: ...

class CancelCardResponse(_message.Message):
    __slots__ = ("card_status",)
    CARD_STATUS_FIELD_NUMBER: _ClassVar[int]
    card_status: CardStatus
    def __init__(self, card_status: _Optional[_Union[CardStatus, _Mapping]] = ...) -> None: ...
