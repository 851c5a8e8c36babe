import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from silink.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class HoldReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HOLD_REASON_UNSPECIFIED: _ClassVar[HoldReason]
    HOLD_REASON_PERSON_SUSPENDED: _ClassVar[HoldReason]
    HOLD_REASON_PERSON_TERMINATED: _ClassVar[HoldReason]
    HOLD_REASON_PERSON_UNCERTIFIED: _ClassVar[HoldReason]
    HOLD_REASON_PERSON_DECEASED: _ClassVar[HoldReason]
    HOLD_REASON_CARD_LOST: _ClassVar[HoldReason]
    HOLD_REASON_ACCOUNT_CHANGE_PENDING: _ClassVar[HoldReason]
HOLD_REASON_UNSPECIFIED: HoldReason
HOLD_REASON_PERSON_SUSPENDED: HoldReason
HOLD_REASON_PERSON_TERMINATED: HoldReason
HOLD_REASON_PERSON_UNCERTIFIED: HoldReason
HOLD_REASON_PERSON_DECEASED: HoldReason
HOLD_REASON_CARD_LOST: HoldReason
HOLD_REASON_ACCOUNT_CHANGE_PENDING: HoldReason

class Batch(_message.Message):
    __slots__ = ("batch_id", "state", "fund", "period", "title", "source_file_name", "creator", "approver", "releaser", "content_hash", "content_hash_algorithm", "line_count", "total_amount_fen", "rejected_line_count", "line_totals", "fund_account_id", "fund_account_masked", "state_reason", "reissue_of_batch_id", "submission_count", "create_time", "approve_time", "release_time", "complete_time", "update_time", "bank_totals", "hold_totals")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[Batch.State]
        STATE_RECEIVED: _ClassVar[Batch.State]
        STATE_VALIDATED: _ClassVar[Batch.State]
        STATE_APPROVED: _ClassVar[Batch.State]
        STATE_RELEASED: _ClassVar[Batch.State]
        STATE_DISPATCHING: _ClassVar[Batch.State]
        STATE_COMPLETED: _ClassVar[Batch.State]
        STATE_RECONCILED: _ClassVar[Batch.State]
        STATE_REJECTED: _ClassVar[Batch.State]
        STATE_CANCELLED: _ClassVar[Batch.State]
    STATE_UNSPECIFIED: Batch.State
    STATE_RECEIVED: Batch.State
    STATE_VALIDATED: Batch.State
    STATE_APPROVED: Batch.State
    STATE_RELEASED: Batch.State
    STATE_DISPATCHING: Batch.State
    STATE_COMPLETED: Batch.State
    STATE_RECONCILED: Batch.State
    STATE_REJECTED: Batch.State
    STATE_CANCELLED: Batch.State
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FUND_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CREATOR_FIELD_NUMBER: _ClassVar[int]
    APPROVER_FIELD_NUMBER: _ClassVar[int]
    RELEASER_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HASH_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HASH_ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    LINE_COUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    REJECTED_LINE_COUNT_FIELD_NUMBER: _ClassVar[int]
    LINE_TOTALS_FIELD_NUMBER: _ClassVar[int]
    FUND_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    FUND_ACCOUNT_MASKED_FIELD_NUMBER: _ClassVar[int]
    STATE_REASON_FIELD_NUMBER: _ClassVar[int]
    REISSUE_OF_BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    SUBMISSION_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    APPROVE_TIME_FIELD_NUMBER: _ClassVar[int]
    RELEASE_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    BANK_TOTALS_FIELD_NUMBER: _ClassVar[int]
    HOLD_TOTALS_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    state: Batch.State
    fund: _common_pb2.Fund
    period: str
    title: str
    source_file_name: str
    creator: str
    approver: str
    releaser: str
    content_hash: str
    content_hash_algorithm: str
    line_count: int
    total_amount_fen: int
    rejected_line_count: int
    line_totals: _containers.RepeatedCompositeFieldContainer[LineStateTotal]
    fund_account_id: str
    fund_account_masked: str
    state_reason: str
    reissue_of_batch_id: str
    submission_count: int
    create_time: _timestamp_pb2.Timestamp
    approve_time: _timestamp_pb2.Timestamp
    release_time: _timestamp_pb2.Timestamp
    complete_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    bank_totals: _containers.RepeatedCompositeFieldContainer[BankStateTotal]
    hold_totals: _containers.RepeatedCompositeFieldContainer[HoldTotal]
    def __init__(self, batch_id: _Optional[str] = ..., state: _Optional[_Union[Batch.State, str]] = ..., fund: _Optional[_Union[_common_pb2.Fund, str]] = ..., period: _Optional[str] = ..., title: _Optional[str] = ..., source_file_name: _Optional[str] = ..., creator: _Optional[str] = ..., approver: _Optional[str] = ..., releaser: _Optional[str] = ..., content_hash: _Optional[str] = ..., content_hash_algorithm: _Optional[str] = ..., line_count: _Optional[int] = ..., total_amount_fen: _Optional[int] = ..., rejected_line_count: _Optional[int] = ..., line_totals: _Optional[_Iterable[_Union[LineStateTotal, _Mapping]]] = ..., fund_account_id: _Optional[str] = ..., fund_account_masked: _Optional[str] = ..., state_reason: _Optional[str] = ..., reissue_of_batch_id: _Optional[str] = ..., submission_count: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., approve_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., release_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., bank_totals: _Optional[_Iterable[_Union[BankStateTotal, _Mapping]]] = ..., hold_totals: _Optional[_Iterable[_Union[HoldTotal, _Mapping]]] = ...) -> None: ...

class BankStateTotal(_message.Message):
    __slots__ = ("bank_code", "state", "line_count", "amount_fen")
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LINE_COUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    bank_code: str
    state: BatchLine.State
    line_count: int
    amount_fen: int
    def __init__(self, bank_code: _Optional[str] = ..., state: _Optional[_Union[BatchLine.State, str]] = ..., line_count: _Optional[int] = ..., amount_fen: _Optional[int] = ...) -> None: ...

class HoldTotal(_message.Message):
    __slots__ = ("hold_reason", "line_count", "amount_fen")
    HOLD_REASON_FIELD_NUMBER: _ClassVar[int]
    LINE_COUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    hold_reason: HoldReason
    line_count: int
    amount_fen: int
    def __init__(self, hold_reason: _Optional[_Union[HoldReason, str]] = ..., line_count: _Optional[int] = ..., amount_fen: _Optional[int] = ...) -> None: ...

class LineStateTotal(_message.Message):
    __slots__ = ("state", "line_count", "amount_fen")
    STATE_FIELD_NUMBER: _ClassVar[int]
    LINE_COUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    state: BatchLine.State
    line_count: int
    amount_fen: int
    def __init__(self, state: _Optional[_Union[BatchLine.State, str]] = ..., line_count: _Optional[int] = ..., amount_fen: _Optional[int] = ...) -> None: ...

class BatchLine(_message.Message):
    __slots__ = ("line_id", "batch_id", "line_number", "end_to_end_ref", "state", "benefit", "period", "bank_code", "amount_fen", "id_type", "id_number_masked", "name_masked", "account_masked", "account_type", "region", "client_ref", "hold_reason", "failure_reason", "bank_raw_code", "bank_raw_text", "pull_reason", "reissue_of", "reissued_by", "submission_id", "value_date", "update_time")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[BatchLine.State]
        STATE_PENDING: _ClassVar[BatchLine.State]
        STATE_HELD: _ClassVar[BatchLine.State]
        STATE_SUBMITTED: _ClassVar[BatchLine.State]
        STATE_ACCEPTED: _ClassVar[BatchLine.State]
        STATE_PAID: _ClassVar[BatchLine.State]
        STATE_FAILED: _ClassVar[BatchLine.State]
        STATE_RETURNED: _ClassVar[BatchLine.State]
        STATE_UNKNOWN: _ClassVar[BatchLine.State]
        STATE_CANCELLED: _ClassVar[BatchLine.State]
        STATE_REISSUED: _ClassVar[BatchLine.State]
        STATE_MANUAL: _ClassVar[BatchLine.State]
    STATE_UNSPECIFIED: BatchLine.State
    STATE_PENDING: BatchLine.State
    STATE_HELD: BatchLine.State
    STATE_SUBMITTED: BatchLine.State
    STATE_ACCEPTED: BatchLine.State
    STATE_PAID: BatchLine.State
    STATE_FAILED: BatchLine.State
    STATE_RETURNED: BatchLine.State
    STATE_UNKNOWN: BatchLine.State
    STATE_CANCELLED: BatchLine.State
    STATE_REISSUED: BatchLine.State
    STATE_MANUAL: BatchLine.State
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    LINE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    END_TO_END_REF_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    BENEFIT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    ID_TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_MASKED_FIELD_NUMBER: _ClassVar[int]
    NAME_MASKED_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_MASKED_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_TYPE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    CLIENT_REF_FIELD_NUMBER: _ClassVar[int]
    HOLD_REASON_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    BANK_RAW_CODE_FIELD_NUMBER: _ClassVar[int]
    BANK_RAW_TEXT_FIELD_NUMBER: _ClassVar[int]
    PULL_REASON_FIELD_NUMBER: _ClassVar[int]
    REISSUE_OF_FIELD_NUMBER: _ClassVar[int]
    REISSUED_BY_FIELD_NUMBER: _ClassVar[int]
    SUBMISSION_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_DATE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    line_id: str
    batch_id: str
    line_number: int
    end_to_end_ref: str
    state: BatchLine.State
    benefit: _common_pb2.Benefit
    period: str
    bank_code: str
    amount_fen: int
    id_type: _common_pb2.IdType
    id_number_masked: str
    name_masked: str
    account_masked: str
    account_type: _common_pb2.AccountType
    region: str
    client_ref: str
    hold_reason: HoldReason
    failure_reason: _common_pb2.FailureReason
    bank_raw_code: str
    bank_raw_text: str
    pull_reason: str
    reissue_of: str
    reissued_by: str
    submission_id: str
    value_date: str
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, line_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., line_number: _Optional[int] = ..., end_to_end_ref: _Optional[str] = ..., state: _Optional[_Union[BatchLine.State, str]] = ..., benefit: _Optional[_Union[_common_pb2.Benefit, str]] = ..., period: _Optional[str] = ..., bank_code: _Optional[str] = ..., amount_fen: _Optional[int] = ..., id_type: _Optional[_Union[_common_pb2.IdType, str]] = ..., id_number_masked: _Optional[str] = ..., name_masked: _Optional[str] = ..., account_masked: _Optional[str] = ..., account_type: _Optional[_Union[_common_pb2.AccountType, str]] = ..., region: _Optional[str] = ..., client_ref: _Optional[str] = ..., hold_reason: _Optional[_Union[HoldReason, str]] = ..., failure_reason: _Optional[_Union[_common_pb2.FailureReason, str]] = ..., bank_raw_code: _Optional[str] = ..., bank_raw_text: _Optional[str] = ..., pull_reason: _Optional[str] = ..., reissue_of: _Optional[str] = ..., reissued_by: _Optional[str] = ..., submission_id: _Optional[str] = ..., value_date: _Optional[str] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateBatchRequest(_message.Message):
    __slots__ = ("header", "line", "lines")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    header: BatchHeader
    line: PayrollLine
    lines: PayrollLineRun
    def __init__(self, header: _Optional[_Union[BatchHeader, _Mapping]] = ..., line: _Optional[_Union[PayrollLine, _Mapping]] = ..., lines: _Optional[_Union[PayrollLineRun, _Mapping]] = ...) -> None: ...

class PayrollLineRun(_message.Message):
    __slots__ = ("lines",)
    LINES_FIELD_NUMBER: _ClassVar[int]
    lines: _containers.RepeatedCompositeFieldContainer[PayrollLine]
    def __init__(self, lines: _Optional[_Iterable[_Union[PayrollLine, _Mapping]]] = ...) -> None: ...

class BatchHeader(_message.Message):
    __slots__ = ("request_id", "fund", "period", "title", "source_file_name", "expected_line_count", "expected_total_amount_fen", "fund_account_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    FUND_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_LINE_COUNT_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_TOTAL_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    FUND_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    fund: _common_pb2.Fund
    period: str
    title: str
    source_file_name: str
    expected_line_count: int
    expected_total_amount_fen: int
    fund_account_id: str
    def __init__(self, request_id: _Optional[str] = ..., fund: _Optional[_Union[_common_pb2.Fund, str]] = ..., period: _Optional[str] = ..., title: _Optional[str] = ..., source_file_name: _Optional[str] = ..., expected_line_count: _Optional[int] = ..., expected_total_amount_fen: _Optional[int] = ..., fund_account_id: _Optional[str] = ...) -> None: ...

class PayrollLine(_message.Message):
    __slots__ = ("line_number", "id_type", "id_number", "name", "account", "account_type", "bank_code", "amount", "benefit", "period", "region", "ref", "reader_error")
    LINE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ID_TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_TYPE_FIELD_NUMBER: _ClassVar[int]
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    BENEFIT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    READER_ERROR_FIELD_NUMBER: _ClassVar[int]
    line_number: int
    id_type: str
    id_number: str
    name: str
    account: str
    account_type: str
    bank_code: str
    amount: str
    benefit: str
    period: str
    region: str
    ref: str
    reader_error: str
    def __init__(self, line_number: _Optional[int] = ..., id_type: _Optional[str] = ..., id_number: _Optional[str] = ..., name: _Optional[str] = ..., account: _Optional[str] = ..., account_type: _Optional[str] = ..., bank_code: _Optional[str] = ..., amount: _Optional[str] = ..., benefit: _Optional[str] = ..., period: _Optional[str] = ..., region: _Optional[str] = ..., ref: _Optional[str] = ..., reader_error: _Optional[str] = ...) -> None: ...

class CreateBatchResponse(_message.Message):
    __slots__ = ("batch", "accepted_line_count", "rejected_line_count", "line_errors")
    BATCH_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_LINE_COUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_LINE_COUNT_FIELD_NUMBER: _ClassVar[int]
    LINE_ERRORS_FIELD_NUMBER: _ClassVar[int]
    batch: Batch
    accepted_line_count: int
    rejected_line_count: int
    line_errors: _containers.RepeatedCompositeFieldContainer[_common_pb2.LineError]
    def __init__(self, batch: _Optional[_Union[Batch, _Mapping]] = ..., accepted_line_count: _Optional[int] = ..., rejected_line_count: _Optional[int] = ..., line_errors: _Optional[_Iterable[_Union[_common_pb2.LineError, _Mapping]]] = ...) -> None: ...

class GetBatchRequest(_message.Message):
    __slots__ = ("batch_id",)
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    def __init__(self, batch_id: _Optional[str] = ...) -> None: ...

class GetBatchResponse(_message.Message):
    __slots__ = ("batch",)
    BATCH_FIELD_NUMBER: _ClassVar[int]
    batch: Batch
    def __init__(self, batch: _Optional[_Union[Batch, _Mapping]] = ...) -> None: ...

class ListBatchesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "state", "fund", "creator", "period")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FUND_FIELD_NUMBER: _ClassVar[int]
    CREATOR_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    state: Batch.State
    fund: _common_pb2.Fund
    creator: str
    period: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., state: _Optional[_Union[Batch.State, str]] = ..., fund: _Optional[_Union[_common_pb2.Fund, str]] = ..., creator: _Optional[str] = ..., period: _Optional[str] = ...) -> None: ...

class ListBatchesResponse(_message.Message):
    __slots__ = ("batches", "next_page_token")
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    batches: _containers.RepeatedCompositeFieldContainer[Batch]
    next_page_token: str
    def __init__(self, batches: _Optional[_Iterable[_Union[Batch, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListBatchLinesRequest(_message.Message):
    __slots__ = ("batch_id", "page_size", "page_token", "state", "bank_code", "failure_reason")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    page_size: int
    page_token: str
    state: BatchLine.State
    bank_code: str
    failure_reason: _common_pb2.FailureReason
    def __init__(self, batch_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., state: _Optional[_Union[BatchLine.State, str]] = ..., bank_code: _Optional[str] = ..., failure_reason: _Optional[_Union[_common_pb2.FailureReason, str]] = ...) -> None: ...

class ListBatchLinesResponse(_message.Message):
    __slots__ = ("lines", "next_page_token")
    LINES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    lines: _containers.RepeatedCompositeFieldContainer[BatchLine]
    next_page_token: str
    def __init__(self, lines: _Optional[_Iterable[_Union[BatchLine, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SearchLinesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "id_number", "end_to_end_ref", "period", "state")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    END_TO_END_REF_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    id_number: str
    end_to_end_ref: str
    period: str
    state: BatchLine.State
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., id_number: _Optional[str] = ..., end_to_end_ref: _Optional[str] = ..., period: _Optional[str] = ..., state: _Optional[_Union[BatchLine.State, str]] = ...) -> None: ...

class SearchLinesResponse(_message.Message):
    __slots__ = ("lines", "next_page_token")
    LINES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    lines: _containers.RepeatedCompositeFieldContainer[BatchLine]
    next_page_token: str
    def __init__(self, lines: _Optional[_Iterable[_Union[BatchLine, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListLineErrorsRequest(_message.Message):
    __slots__ = ("batch_id", "page_size", "page_token")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    page_size: int
    page_token: str
    def __init__(self, batch_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListLineErrorsResponse(_message.Message):
    __slots__ = ("line_errors", "next_page_token")
    LINE_ERRORS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    line_errors: _containers.RepeatedCompositeFieldContainer[_common_pb2.LineError]
    next_page_token: str
    def __init__(self, line_errors: _Optional[_Iterable[_Union[_common_pb2.LineError, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ApproveBatchRequest(_message.Message):
    __slots__ = ("request_id", "batch_id", "content_hash", "comment")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HASH_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    batch_id: str
    content_hash: str
    comment: str
    def __init__(self, request_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., content_hash: _Optional[str] = ..., comment: _Optional[str] = ...) -> None: ...

class ApproveBatchResponse(_message.Message):
    __slots__ = ("batch",)
    BATCH_FIELD_NUMBER: _ClassVar[int]
    batch: Batch
    def __init__(self, batch: _Optional[_Union[Batch, _Mapping]] = ...) -> None: ...

class RejectBatchRequest(_message.Message):
    __slots__ = ("request_id", "batch_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    batch_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RejectBatchResponse(_message.Message):
    __slots__ = ("batch",)
    BATCH_FIELD_NUMBER: _ClassVar[int]
    batch: Batch
    def __init__(self, batch: _Optional[_Union[Batch, _Mapping]] = ...) -> None: ...

class ReleaseBatchRequest(_message.Message):
    __slots__ = ("request_id", "batch_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    batch_id: str
    def __init__(self, request_id: _Optional[str] = ..., batch_id: _Optional[str] = ...) -> None: ...

class ReleaseBatchResponse(_message.Message):
    __slots__ = ("batch",)
    BATCH_FIELD_NUMBER: _ClassVar[int]
    batch: Batch
    def __init__(self, batch: _Optional[_Union[Batch, _Mapping]] = ...) -> None: ...

class CancelBatchRequest(_message.Message):
    __slots__ = ("request_id", "batch_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    batch_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelBatchResponse(_message.Message):
    __slots__ = ("batch",)
    BATCH_FIELD_NUMBER: _ClassVar[int]
    batch: Batch
    def __init__(self, batch: _Optional[_Union[Batch, _Mapping]] = ...) -> None: ...

class PullLineRequest(_message.Message):
    __slots__ = ("request_id", "batch_id", "line_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    batch_id: str
    line_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., line_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PullLineResponse(_message.Message):
    __slots__ = ("line", "batch")
    LINE_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    line: BatchLine
    batch: Batch
    def __init__(self, line: _Optional[_Union[BatchLine, _Mapping]] = ..., batch: _Optional[_Union[Batch, _Mapping]] = ...) -> None: ...

class WatchBatchRequest(_message.Message):
    __slots__ = ("batch_id",)
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    def __init__(self, batch_id: _Optional[str] = ...) -> None: ...

class WatchBatchResponse(_message.Message):
    __slots__ = ("progress",)
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    progress: BatchProgress
    def __init__(self, progress: _Optional[_Union[BatchProgress, _Mapping]] = ...) -> None: ...

class BatchProgress(_message.Message):
    __slots__ = ("batch_id", "state", "line_totals", "submissions_sent", "submissions_total", "done", "observe_time", "bank_totals", "release")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LINE_TOTALS_FIELD_NUMBER: _ClassVar[int]
    SUBMISSIONS_SENT_FIELD_NUMBER: _ClassVar[int]
    SUBMISSIONS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    OBSERVE_TIME_FIELD_NUMBER: _ClassVar[int]
    BANK_TOTALS_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    state: Batch.State
    line_totals: _containers.RepeatedCompositeFieldContainer[LineStateTotal]
    submissions_sent: int
    submissions_total: int
    done: bool
    observe_time: _timestamp_pb2.Timestamp
    bank_totals: _containers.RepeatedCompositeFieldContainer[BankStateTotal]
    release: ReleaseProgress
    def __init__(self, batch_id: _Optional[str] = ..., state: _Optional[_Union[Batch.State, str]] = ..., line_totals: _Optional[_Iterable[_Union[LineStateTotal, _Mapping]]] = ..., submissions_sent: _Optional[int] = ..., submissions_total: _Optional[int] = ..., done: _Optional[bool] = ..., observe_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., bank_totals: _Optional[_Iterable[_Union[BankStateTotal, _Mapping]]] = ..., release: _Optional[_Union[ReleaseProgress, _Mapping]] = ...) -> None: ...

class ReleaseProgress(_message.Message):
    __slots__ = ("lines_total", "lines_done", "submissions_written")
    LINES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    LINES_DONE_FIELD_NUMBER: _ClassVar[int]
    SUBMISSIONS_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    lines_total: int
    lines_done: int
    submissions_written: int
    def __init__(self, lines_total: _Optional[int] = ..., lines_done: _Optional[int] = ..., submissions_written: _Optional[int] = ...) -> None: ...
