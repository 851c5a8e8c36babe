import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from silink.card.v1 import card_pb2 as _card_pb2
from silink.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LineOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LINE_OUTCOME_UNSPECIFIED: _ClassVar[LineOutcome]
    LINE_OUTCOME_ACCEPTED: _ClassVar[LineOutcome]
    LINE_OUTCOME_PAID: _ClassVar[LineOutcome]
    LINE_OUTCOME_FAILED: _ClassVar[LineOutcome]

class InquiryFinding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INQUIRY_FINDING_UNSPECIFIED: _ClassVar[InquiryFinding]
    INQUIRY_FINDING_FOUND: _ClassVar[InquiryFinding]
    INQUIRY_FINDING_NOT_FOUND: _ClassVar[InquiryFinding]

class CardOperationKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CARD_OPERATION_KIND_UNSPECIFIED: _ClassVar[CardOperationKind]
    CARD_OPERATION_KIND_ACTIVATE: _ClassVar[CardOperationKind]
    CARD_OPERATION_KIND_FREEZE: _ClassVar[CardOperationKind]
    CARD_OPERATION_KIND_UNFREEZE: _ClassVar[CardOperationKind]
    CARD_OPERATION_KIND_CHANGE_ACCOUNT: _ClassVar[CardOperationKind]
    CARD_OPERATION_KIND_CLOSE: _ClassVar[CardOperationKind]

class CardOperationOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CARD_OPERATION_OUTCOME_UNSPECIFIED: _ClassVar[CardOperationOutcome]
    CARD_OPERATION_OUTCOME_DONE: _ClassVar[CardOperationOutcome]
    CARD_OPERATION_OUTCOME_ACCEPTED: _ClassVar[CardOperationOutcome]
    CARD_OPERATION_OUTCOME_REFUSED: _ClassVar[CardOperationOutcome]
LINE_OUTCOME_UNSPECIFIED: LineOutcome
LINE_OUTCOME_ACCEPTED: LineOutcome
LINE_OUTCOME_PAID: LineOutcome
LINE_OUTCOME_FAILED: LineOutcome
INQUIRY_FINDING_UNSPECIFIED: InquiryFinding
INQUIRY_FINDING_FOUND: InquiryFinding
INQUIRY_FINDING_NOT_FOUND: InquiryFinding
CARD_OPERATION_KIND_UNSPECIFIED: CardOperationKind
CARD_OPERATION_KIND_ACTIVATE: CardOperationKind
CARD_OPERATION_KIND_FREEZE: CardOperationKind
CARD_OPERATION_KIND_UNFREEZE: CardOperationKind
CARD_OPERATION_KIND_CHANGE_ACCOUNT: CardOperationKind
CARD_OPERATION_KIND_CLOSE: CardOperationKind
CARD_OPERATION_OUTCOME_UNSPECIFIED: CardOperationOutcome
CARD_OPERATION_OUTCOME_DONE: CardOperationOutcome
CARD_OPERATION_OUTCOME_ACCEPTED: CardOperationOutcome
CARD_OPERATION_OUTCOME_REFUSED: CardOperationOutcome

class Submission(_message.Message):
    __slots__ = ("submission_id", "state", "manifest", "bank_batch_reference", "final_line_count", "acknowledge_time", "sla_deadline")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[Submission.State]
        STATE_READY: _ClassVar[Submission.State]
        STATE_ACKNOWLEDGED: _ClassVar[Submission.State]
        STATE_COMPLETED: _ClassVar[Submission.State]
    STATE_UNSPECIFIED: Submission.State
    STATE_READY: Submission.State
    STATE_ACKNOWLEDGED: Submission.State
    STATE_COMPLETED: Submission.State
    SUBMISSION_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    BANK_BATCH_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    FINAL_LINE_COUNT_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGE_TIME_FIELD_NUMBER: _ClassVar[int]
    SLA_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    submission_id: str
    state: Submission.State
    manifest: SignedManifest
    bank_batch_reference: str
    final_line_count: int
    acknowledge_time: _timestamp_pb2.Timestamp
    sla_deadline: _timestamp_pb2.Timestamp
    def __init__(self, submission_id: _Optional[str] = ..., state: _Optional[_Union[Submission.State, str]] = ..., manifest: _Optional[_Union[SignedManifest, _Mapping]] = ..., bank_batch_reference: _Optional[str] = ..., final_line_count: _Optional[int] = ..., acknowledge_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sla_deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SignedManifest(_message.Message):
    __slots__ = ("submission_id", "bank_code", "fund", "fund_account_masked", "line_count", "control_sum_amount_fen", "merkle_root", "hash_algorithm", "signature_algorithm", "key_id", "key_version", "signature", "signed_payload", "create_time", "nonce", "requested_execution_date")
    SUBMISSION_ID_FIELD_NUMBER: _ClassVar[int]
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    FUND_FIELD_NUMBER: _ClassVar[int]
    FUND_ACCOUNT_MASKED_FIELD_NUMBER: _ClassVar[int]
    LINE_COUNT_FIELD_NUMBER: _ClassVar[int]
    CONTROL_SUM_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    MERKLE_ROOT_FIELD_NUMBER: _ClassVar[int]
    HASH_ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    SIGNED_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_EXECUTION_DATE_FIELD_NUMBER: _ClassVar[int]
    submission_id: str
    bank_code: str
    fund: _common_pb2.Fund
    fund_account_masked: str
    line_count: int
    control_sum_amount_fen: int
    merkle_root: bytes
    hash_algorithm: str
    signature_algorithm: str
    key_id: str
    key_version: int
    signature: bytes
    signed_payload: bytes
    create_time: _timestamp_pb2.Timestamp
    nonce: str
    requested_execution_date: str
    def __init__(self, submission_id: _Optional[str] = ..., bank_code: _Optional[str] = ..., fund: _Optional[_Union[_common_pb2.Fund, str]] = ..., fund_account_masked: _Optional[str] = ..., line_count: _Optional[int] = ..., control_sum_amount_fen: _Optional[int] = ..., merkle_root: _Optional[bytes] = ..., hash_algorithm: _Optional[str] = ..., signature_algorithm: _Optional[str] = ..., key_id: _Optional[str] = ..., key_version: _Optional[int] = ..., signature: _Optional[bytes] = ..., signed_payload: _Optional[bytes] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., nonce: _Optional[str] = ..., requested_execution_date: _Optional[str] = ...) -> None: ...

class SubmissionLine(_message.Message):
    __slots__ = ("seq", "end_to_end_ref", "account", "account_type", "name", "amount_fen", "id_type", "id_number", "remark")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    END_TO_END_REF_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    ID_TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REMARK_FIELD_NUMBER: _ClassVar[int]
    seq: int
    end_to_end_ref: str
    account: str
    account_type: _common_pb2.AccountType
    name: str
    amount_fen: int
    id_type: _common_pb2.IdType
    id_number: str
    remark: str
    def __init__(self, seq: _Optional[int] = ..., end_to_end_ref: _Optional[str] = ..., account: _Optional[str] = ..., account_type: _Optional[_Union[_common_pb2.AccountType, str]] = ..., name: _Optional[str] = ..., amount_fen: _Optional[int] = ..., id_type: _Optional[_Union[_common_pb2.IdType, str]] = ..., id_number: _Optional[str] = ..., remark: _Optional[str] = ...) -> None: ...

class ListSubmissionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "state")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    state: Submission.State
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., state: _Optional[_Union[Submission.State, str]] = ...) -> None: ...

class ListSubmissionsResponse(_message.Message):
    __slots__ = ("submissions", "next_page_token")
    SUBMISSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    submissions: _containers.RepeatedCompositeFieldContainer[Submission]
    next_page_token: str
    def __init__(self, submissions: _Optional[_Iterable[_Union[Submission, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetSubmissionRequest(_message.Message):
    __slots__ = ("submission_id",)
    SUBMISSION_ID_FIELD_NUMBER: _ClassVar[int]
    submission_id: str
    def __init__(self, submission_id: _Optional[str] = ...) -> None: ...

class GetSubmissionResponse(_message.Message):
    __slots__ = ("submission",)
    SUBMISSION_FIELD_NUMBER: _ClassVar[int]
    submission: Submission
    def __init__(self, submission: _Optional[_Union[Submission, _Mapping]] = ...) -> None: ...

class StreamSubmissionLinesRequest(_message.Message):
    __slots__ = ("submission_id", "from_seq")
    SUBMISSION_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_SEQ_FIELD_NUMBER: _ClassVar[int]
    submission_id: str
    from_seq: int
    def __init__(self, submission_id: _Optional[str] = ..., from_seq: _Optional[int] = ...) -> None: ...

class StreamSubmissionLinesResponse(_message.Message):
    __slots__ = ("lines",)
    LINES_FIELD_NUMBER: _ClassVar[int]
    lines: _containers.RepeatedCompositeFieldContainer[SubmissionLine]
    def __init__(self, lines: _Optional[_Iterable[_Union[SubmissionLine, _Mapping]]] = ...) -> None: ...

class AcknowledgeSubmissionRequest(_message.Message):
    __slots__ = ("request_id", "submission_id", "bank_batch_reference", "merkle_root")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SUBMISSION_ID_FIELD_NUMBER: _ClassVar[int]
    BANK_BATCH_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    MERKLE_ROOT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    submission_id: str
    bank_batch_reference: str
    merkle_root: bytes
    def __init__(self, request_id: _Optional[str] = ..., submission_id: _Optional[str] = ..., bank_batch_reference: _Optional[str] = ..., merkle_root: _Optional[bytes] = ...) -> None: ...

class AcknowledgeSubmissionResponse(_message.Message):
    __slots__ = ("submission",)
    SUBMISSION_FIELD_NUMBER: _ClassVar[int]
    submission: Submission
    def __init__(self, submission: _Optional[_Union[Submission, _Mapping]] = ...) -> None: ...

class LineResult(_message.Message):
    __slots__ = ("seq", "end_to_end_ref", "bank_status_code", "outcome", "reason_code", "failure_reason", "raw_text", "value_date", "bank_transaction_reference")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    END_TO_END_REF_FIELD_NUMBER: _ClassVar[int]
    BANK_STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    RAW_TEXT_FIELD_NUMBER: _ClassVar[int]
    VALUE_DATE_FIELD_NUMBER: _ClassVar[int]
    BANK_TRANSACTION_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    seq: int
    end_to_end_ref: str
    bank_status_code: str
    outcome: LineOutcome
    reason_code: str
    failure_reason: _common_pb2.FailureReason
    raw_text: str
    value_date: str
    bank_transaction_reference: str
    def __init__(self, seq: _Optional[int] = ..., end_to_end_ref: _Optional[str] = ..., bank_status_code: _Optional[str] = ..., outcome: _Optional[_Union[LineOutcome, str]] = ..., reason_code: _Optional[str] = ..., failure_reason: _Optional[_Union[_common_pb2.FailureReason, str]] = ..., raw_text: _Optional[str] = ..., value_date: _Optional[str] = ..., bank_transaction_reference: _Optional[str] = ...) -> None: ...

class PushLineResultsRequest(_message.Message):
    __slots__ = ("request_id", "submission_id", "results")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SUBMISSION_ID_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    submission_id: str
    results: _containers.RepeatedCompositeFieldContainer[LineResult]
    def __init__(self, request_id: _Optional[str] = ..., submission_id: _Optional[str] = ..., results: _Optional[_Iterable[_Union[LineResult, _Mapping]]] = ...) -> None: ...

class PushLineResultsResponse(_message.Message):
    __slots__ = ("recorded_count", "duplicate_count", "conflict_count", "errors")
    RECORDED_COUNT_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_COUNT_FIELD_NUMBER: _ClassVar[int]
    CONFLICT_COUNT_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    recorded_count: int
    duplicate_count: int
    conflict_count: int
    errors: _containers.RepeatedCompositeFieldContainer[_common_pb2.LineError]
    def __init__(self, recorded_count: _Optional[int] = ..., duplicate_count: _Optional[int] = ..., conflict_count: _Optional[int] = ..., errors: _Optional[_Iterable[_Union[_common_pb2.LineError, _Mapping]]] = ...) -> None: ...

class ReturnItem(_message.Message):
    __slots__ = ("end_to_end_ref", "amount_fen", "reason_code", "failure_reason", "raw_text", "return_date", "bank_reference", "credited_account")
    END_TO_END_REF_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    RAW_TEXT_FIELD_NUMBER: _ClassVar[int]
    RETURN_DATE_FIELD_NUMBER: _ClassVar[int]
    BANK_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    CREDITED_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    end_to_end_ref: str
    amount_fen: int
    reason_code: str
    failure_reason: _common_pb2.FailureReason
    raw_text: str
    return_date: str
    bank_reference: str
    credited_account: str
    def __init__(self, end_to_end_ref: _Optional[str] = ..., amount_fen: _Optional[int] = ..., reason_code: _Optional[str] = ..., failure_reason: _Optional[_Union[_common_pb2.FailureReason, str]] = ..., raw_text: _Optional[str] = ..., return_date: _Optional[str] = ..., bank_reference: _Optional[str] = ..., credited_account: _Optional[str] = ...) -> None: ...

class PushReturnsRequest(_message.Message):
    __slots__ = ("request_id", "returns")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RETURNS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    returns: _containers.RepeatedCompositeFieldContainer[ReturnItem]
    def __init__(self, request_id: _Optional[str] = ..., returns: _Optional[_Iterable[_Union[ReturnItem, _Mapping]]] = ...) -> None: ...

class PushReturnsResponse(_message.Message):
    __slots__ = ("recorded_count", "duplicate_count", "errors")
    RECORDED_COUNT_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_COUNT_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    recorded_count: int
    duplicate_count: int
    errors: _containers.RepeatedCompositeFieldContainer[_common_pb2.LineError]
    def __init__(self, recorded_count: _Optional[int] = ..., duplicate_count: _Optional[int] = ..., errors: _Optional[_Iterable[_Union[_common_pb2.LineError, _Mapping]]] = ...) -> None: ...

class StatusInquiry(_message.Message):
    __slots__ = ("inquiry_id", "state", "submission_id", "seq", "our_reference", "amount_fen", "create_time")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[StatusInquiry.State]
        STATE_OPEN: _ClassVar[StatusInquiry.State]
        STATE_ANSWERED: _ClassVar[StatusInquiry.State]
    STATE_UNSPECIFIED: StatusInquiry.State
    STATE_OPEN: StatusInquiry.State
    STATE_ANSWERED: StatusInquiry.State
    INQUIRY_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SUBMISSION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    OUR_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    inquiry_id: str
    state: StatusInquiry.State
    submission_id: str
    seq: int
    our_reference: str
    amount_fen: int
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, inquiry_id: _Optional[str] = ..., state: _Optional[_Union[StatusInquiry.State, str]] = ..., submission_id: _Optional[str] = ..., seq: _Optional[int] = ..., our_reference: _Optional[str] = ..., amount_fen: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListStatusInquiriesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "state")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    state: StatusInquiry.State
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., state: _Optional[_Union[StatusInquiry.State, str]] = ...) -> None: ...

class ListStatusInquiriesResponse(_message.Message):
    __slots__ = ("inquiries", "next_page_token")
    INQUIRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    inquiries: _containers.RepeatedCompositeFieldContainer[StatusInquiry]
    next_page_token: str
    def __init__(self, inquiries: _Optional[_Iterable[_Union[StatusInquiry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class AnswerStatusInquiryRequest(_message.Message):
    __slots__ = ("request_id", "inquiry_id", "finding", "result")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    INQUIRY_ID_FIELD_NUMBER: _ClassVar[int]
    FINDING_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    inquiry_id: str
    finding: InquiryFinding
    result: LineResult
    def __init__(self, request_id: _Optional[str] = ..., inquiry_id: _Optional[str] = ..., finding: _Optional[_Union[InquiryFinding, str]] = ..., result: _Optional[_Union[LineResult, _Mapping]] = ...) -> None: ...

class AnswerStatusInquiryResponse(_message.Message):
    __slots__ = ("inquiry",)
    INQUIRY_FIELD_NUMBER: _ClassVar[int]
    inquiry: StatusInquiry
    def __init__(self, inquiry: _Optional[_Union[StatusInquiry, _Mapping]] = ...) -> None: ...

class BankCardOperation(_message.Message):
    __slots__ = ("reference", "kind", "state", "card_number", "id_type", "id_number", "name", "loss_kind", "new_account", "new_account_type", "new_bank_code", "close_reason", "create_time")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[BankCardOperation.State]
        STATE_OPEN: _ClassVar[BankCardOperation.State]
        STATE_INQUIRY: _ClassVar[BankCardOperation.State]
        STATE_CONFIRMED: _ClassVar[BankCardOperation.State]
        STATE_REFUSED: _ClassVar[BankCardOperation.State]
    STATE_UNSPECIFIED: BankCardOperation.State
    STATE_OPEN: BankCardOperation.State
    STATE_INQUIRY: BankCardOperation.State
    STATE_CONFIRMED: BankCardOperation.State
    STATE_REFUSED: BankCardOperation.State
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CARD_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ID_TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOSS_KIND_FIELD_NUMBER: _ClassVar[int]
    NEW_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    NEW_ACCOUNT_TYPE_FIELD_NUMBER: _ClassVar[int]
    NEW_BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    CLOSE_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    reference: str
    kind: CardOperationKind
    state: BankCardOperation.State
    card_number: str
    id_type: _common_pb2.IdType
    id_number: str
    name: str
    loss_kind: _card_pb2.LossKind
    new_account: str
    new_account_type: _common_pb2.AccountType
    new_bank_code: str
    close_reason: _card_pb2.CancelReason
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, reference: _Optional[str] = ..., kind: _Optional[_Union[CardOperationKind, str]] = ..., state: _Optional[_Union[BankCardOperation.State, str]] = ..., card_number: _Optional[str] = ..., id_type: _Optional[_Union[_common_pb2.IdType, str]] = ..., id_number: _Optional[str] = ..., name: _Optional[str] = ..., loss_kind: _Optional[_Union[_card_pb2.LossKind, str]] = ..., new_account: _Optional[str] = ..., new_account_type: _Optional[_Union[_common_pb2.AccountType, str]] = ..., new_bank_code: _Optional[str] = ..., close_reason: _Optional[_Union[_card_pb2.CancelReason, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListCardOperationsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCardOperationsResponse(_message.Message):
    __slots__ = ("operations", "next_page_token")
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    operations: _containers.RepeatedCompositeFieldContainer[BankCardOperation]
    next_page_token: str
    def __init__(self, operations: _Optional[_Iterable[_Union[BankCardOperation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class AnswerCardOperationRequest(_message.Message):
    __slots__ = ("request_id", "reference", "outcome", "bank_app_state", "reason_code", "raw_text")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    BANK_APP_STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    RAW_TEXT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    reference: str
    outcome: CardOperationOutcome
    bank_app_state: _card_pb2.BankAppState
    reason_code: str
    raw_text: str
    def __init__(self, request_id: _Optional[str] = ..., reference: _Optional[str] = ..., outcome: _Optional[_Union[CardOperationOutcome, str]] = ..., bank_app_state: _Optional[_Union[_card_pb2.BankAppState, str]] = ..., reason_code: _Optional[str] = ..., raw_text: _Optional[str] = ...) -> None: ...

class AnswerCardOperationResponse(_message.Message):
    __slots__ = ("operation",)
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    operation: BankCardOperation
    def __init__(self, operation: _Optional[_Union[BankCardOperation, _Mapping]] = ...) -> None: ...
