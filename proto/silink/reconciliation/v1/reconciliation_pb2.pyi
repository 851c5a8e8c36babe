import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from silink.common.v1 import common_pb2 as _common_pb2
from silink.disbursement.v1 import disbursement_pb2 as _disbursement_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EvidenceFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVIDENCE_FORMAT_UNSPECIFIED: _ClassVar[EvidenceFormat]
    EVIDENCE_FORMAT_PAIN_002: _ClassVar[EvidenceFormat]
    EVIDENCE_FORMAT_CAMT_053: _ClassVar[EvidenceFormat]
    EVIDENCE_FORMAT_CAMT_054: _ClassVar[EvidenceFormat]
    EVIDENCE_FORMAT_MT940: _ClassVar[EvidenceFormat]
    EVIDENCE_FORMAT_DIRECT_LINK_JSON: _ClassVar[EvidenceFormat]
    EVIDENCE_FORMAT_FIXED_WIDTH: _ClassVar[EvidenceFormat]
    EVIDENCE_FORMAT_TABULAR_STATEMENT: _ClassVar[EvidenceFormat]
    EVIDENCE_FORMAT_BANKLINK_PUSH: _ClassVar[EvidenceFormat]
    EVIDENCE_FORMAT_MT942: _ClassVar[EvidenceFormat]

class ExceptionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXCEPTION_KIND_UNSPECIFIED: _ClassVar[ExceptionKind]
    EXCEPTION_KIND_UNMATCHED_PAST_CUTOFF: _ClassVar[ExceptionKind]
    EXCEPTION_KIND_UNKNOWN_DEBIT: _ClassVar[ExceptionKind]
    EXCEPTION_KIND_AMOUNT_MISMATCH: _ClassVar[ExceptionKind]
    EXCEPTION_KIND_DUPLICATE_CREDIT: _ClassVar[ExceptionKind]
    EXCEPTION_KIND_REJECTED: _ClassVar[ExceptionKind]
    EXCEPTION_KIND_RETURNED_AFTER_SETTLEMENT: _ClassVar[ExceptionKind]
    EXCEPTION_KIND_REVERSAL_WITHOUT_ORIGINAL: _ClassVar[ExceptionKind]
    EXCEPTION_KIND_STATEMENT_UNKNOWN_ACCOUNT: _ClassVar[ExceptionKind]
    EXCEPTION_KIND_PARTIAL_BATCH: _ClassVar[ExceptionKind]
    EXCEPTION_KIND_BALANCE_BREAK: _ClassVar[ExceptionKind]
    EXCEPTION_KIND_SEQUENCE_GAP: _ClassVar[ExceptionKind]
    EXCEPTION_KIND_RETURN_TO_WRONG_ACCOUNT: _ClassVar[ExceptionKind]
    EXCEPTION_KIND_DUPLICATE_ENTRY: _ClassVar[ExceptionKind]
    EXCEPTION_KIND_CONTROL_BREAK: _ClassVar[ExceptionKind]
EVIDENCE_FORMAT_UNSPECIFIED: EvidenceFormat
EVIDENCE_FORMAT_PAIN_002: EvidenceFormat
EVIDENCE_FORMAT_CAMT_053: EvidenceFormat
EVIDENCE_FORMAT_CAMT_054: EvidenceFormat
EVIDENCE_FORMAT_MT940: EvidenceFormat
EVIDENCE_FORMAT_DIRECT_LINK_JSON: EvidenceFormat
EVIDENCE_FORMAT_FIXED_WIDTH: EvidenceFormat
EVIDENCE_FORMAT_TABULAR_STATEMENT: EvidenceFormat
EVIDENCE_FORMAT_BANKLINK_PUSH: EvidenceFormat
EVIDENCE_FORMAT_MT942: EvidenceFormat
EXCEPTION_KIND_UNSPECIFIED: ExceptionKind
EXCEPTION_KIND_UNMATCHED_PAST_CUTOFF: ExceptionKind
EXCEPTION_KIND_UNKNOWN_DEBIT: ExceptionKind
EXCEPTION_KIND_AMOUNT_MISMATCH: ExceptionKind
EXCEPTION_KIND_DUPLICATE_CREDIT: ExceptionKind
EXCEPTION_KIND_REJECTED: ExceptionKind
EXCEPTION_KIND_RETURNED_AFTER_SETTLEMENT: ExceptionKind
EXCEPTION_KIND_REVERSAL_WITHOUT_ORIGINAL: ExceptionKind
EXCEPTION_KIND_STATEMENT_UNKNOWN_ACCOUNT: ExceptionKind
EXCEPTION_KIND_PARTIAL_BATCH: ExceptionKind
EXCEPTION_KIND_BALANCE_BREAK: ExceptionKind
EXCEPTION_KIND_SEQUENCE_GAP: ExceptionKind
EXCEPTION_KIND_RETURN_TO_WRONG_ACCOUNT: ExceptionKind
EXCEPTION_KIND_DUPLICATE_ENTRY: ExceptionKind
EXCEPTION_KIND_CONTROL_BREAK: ExceptionKind

class ImportEvidenceRequest(_message.Message):
    __slots__ = ("header", "chunk")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    header: EvidenceHeader
    chunk: bytes
    def __init__(self, header: _Optional[_Union[EvidenceHeader, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class EvidenceHeader(_message.Message):
    __slots__ = ("request_id", "file_name", "format_hint", "fund_account_id", "bank_code")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    FORMAT_HINT_FIELD_NUMBER: _ClassVar[int]
    FUND_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    file_name: str
    format_hint: EvidenceFormat
    fund_account_id: str
    bank_code: str
    def __init__(self, request_id: _Optional[str] = ..., file_name: _Optional[str] = ..., format_hint: _Optional[_Union[EvidenceFormat, str]] = ..., fund_account_id: _Optional[str] = ..., bank_code: _Optional[str] = ...) -> None: ...

class ImportEvidenceResponse(_message.Message):
    __slots__ = ("import_id", "format_detected", "entry_count", "credit_count", "credit_amount_fen", "debit_count", "debit_amount_fen", "duplicate_file", "file_sha256", "opening_balance_fen", "closing_balance_fen", "start_date", "end_date", "error_count", "line_errors")
    IMPORT_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_DETECTED_FIELD_NUMBER: _ClassVar[int]
    ENTRY_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREDIT_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREDIT_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    DEBIT_COUNT_FIELD_NUMBER: _ClassVar[int]
    DEBIT_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FILE_FIELD_NUMBER: _ClassVar[int]
    FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    OPENING_BALANCE_FEN_FIELD_NUMBER: _ClassVar[int]
    CLOSING_BALANCE_FEN_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    ERROR_COUNT_FIELD_NUMBER: _ClassVar[int]
    LINE_ERRORS_FIELD_NUMBER: _ClassVar[int]
    import_id: str
    format_detected: EvidenceFormat
    entry_count: int
    credit_count: int
    credit_amount_fen: int
    debit_count: int
    debit_amount_fen: int
    duplicate_file: bool
    file_sha256: str
    opening_balance_fen: int
    closing_balance_fen: int
    start_date: str
    end_date: str
    error_count: int
    line_errors: _containers.RepeatedCompositeFieldContainer[_common_pb2.LineError]
    def __init__(self, import_id: _Optional[str] = ..., format_detected: _Optional[_Union[EvidenceFormat, str]] = ..., entry_count: _Optional[int] = ..., credit_count: _Optional[int] = ..., credit_amount_fen: _Optional[int] = ..., debit_count: _Optional[int] = ..., debit_amount_fen: _Optional[int] = ..., duplicate_file: _Optional[bool] = ..., file_sha256: _Optional[str] = ..., opening_balance_fen: _Optional[int] = ..., closing_balance_fen: _Optional[int] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., error_count: _Optional[int] = ..., line_errors: _Optional[_Iterable[_Union[_common_pb2.LineError, _Mapping]]] = ...) -> None: ...

class EvidenceImport(_message.Message):
    __slots__ = ("import_id", "file_name", "format", "fund_account_id", "bank_code", "entry_count", "file_sha256", "importer", "create_time")
    IMPORT_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    FUND_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    ENTRY_COUNT_FIELD_NUMBER: _ClassVar[int]
    FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    IMPORTER_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    import_id: str
    file_name: str
    format: EvidenceFormat
    fund_account_id: str
    bank_code: str
    entry_count: int
    file_sha256: str
    importer: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, import_id: _Optional[str] = ..., file_name: _Optional[str] = ..., format: _Optional[_Union[EvidenceFormat, str]] = ..., fund_account_id: _Optional[str] = ..., bank_code: _Optional[str] = ..., entry_count: _Optional[int] = ..., file_sha256: _Optional[str] = ..., importer: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListImportsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "fund_account_id", "bank_code")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FUND_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    fund_account_id: str
    bank_code: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., fund_account_id: _Optional[str] = ..., bank_code: _Optional[str] = ...) -> None: ...

class ListImportsResponse(_message.Message):
    __slots__ = ("imports", "next_page_token")
    IMPORTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    imports: _containers.RepeatedCompositeFieldContainer[EvidenceImport]
    next_page_token: str
    def __init__(self, imports: _Optional[_Iterable[_Union[EvidenceImport, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RunReconciliationRequest(_message.Message):
    __slots__ = ("request_id", "fund_account_id", "start_date", "end_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    FUND_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    fund_account_id: str
    start_date: str
    end_date: str
    def __init__(self, request_id: _Optional[str] = ..., fund_account_id: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ...) -> None: ...

class RunReconciliationResponse(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: ReconciliationRun
    def __init__(self, run: _Optional[_Union[ReconciliationRun, _Mapping]] = ...) -> None: ...

class ReconciliationRun(_message.Message):
    __slots__ = ("run_id", "fund_account_id", "start_date", "end_date", "matched_count", "matched_amount_fen", "suggestion_count", "new_exception_count", "open_exception_count", "expected_debit_amount_fen", "statement_debit_amount_fen", "returned_amount_fen", "balanced", "initiator", "start_time", "end_time", "persons_marked_deceased_count")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    FUND_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    MATCHED_COUNT_FIELD_NUMBER: _ClassVar[int]
    MATCHED_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    SUGGESTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    NEW_EXCEPTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    OPEN_EXCEPTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_DEBIT_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_DEBIT_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    RETURNED_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    BALANCED_FIELD_NUMBER: _ClassVar[int]
    INITIATOR_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    PERSONS_MARKED_DECEASED_COUNT_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    fund_account_id: str
    start_date: str
    end_date: str
    matched_count: int
    matched_amount_fen: int
    suggestion_count: int
    new_exception_count: int
    open_exception_count: int
    expected_debit_amount_fen: int
    statement_debit_amount_fen: int
    returned_amount_fen: int
    balanced: bool
    initiator: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    persons_marked_deceased_count: int
    def __init__(self, run_id: _Optional[str] = ..., fund_account_id: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., matched_count: _Optional[int] = ..., matched_amount_fen: _Optional[int] = ..., suggestion_count: _Optional[int] = ..., new_exception_count: _Optional[int] = ..., open_exception_count: _Optional[int] = ..., expected_debit_amount_fen: _Optional[int] = ..., statement_debit_amount_fen: _Optional[int] = ..., returned_amount_fen: _Optional[int] = ..., balanced: _Optional[bool] = ..., initiator: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., persons_marked_deceased_count: _Optional[int] = ...) -> None: ...

class ListReconciliationRunsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "fund_account_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FUND_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    fund_account_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., fund_account_id: _Optional[str] = ...) -> None: ...

class ListReconciliationRunsResponse(_message.Message):
    __slots__ = ("runs", "next_page_token")
    RUNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    runs: _containers.RepeatedCompositeFieldContainer[ReconciliationRun]
    next_page_token: str
    def __init__(self, runs: _Optional[_Iterable[_Union[ReconciliationRun, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ReconciliationException(_message.Message):
    __slots__ = ("exception_id", "kind", "state", "fund_account_id", "bank_code", "batch_id", "submission_id", "line_id", "end_to_end_ref", "entry_id", "expected_amount_fen", "observed_amount_fen", "value_date", "detail", "run_id", "resolver", "resolution_note", "create_time", "resolve_time")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[ReconciliationException.State]
        STATE_OPEN: _ClassVar[ReconciliationException.State]
        STATE_RESOLVED: _ClassVar[ReconciliationException.State]
        STATE_CLEARED: _ClassVar[ReconciliationException.State]
    STATE_UNSPECIFIED: ReconciliationException.State
    STATE_OPEN: ReconciliationException.State
    STATE_RESOLVED: ReconciliationException.State
    STATE_CLEARED: ReconciliationException.State
    EXCEPTION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FUND_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    SUBMISSION_ID_FIELD_NUMBER: _ClassVar[int]
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    END_TO_END_REF_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    OBSERVED_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    VALUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    RESOLVER_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_NOTE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    RESOLVE_TIME_FIELD_NUMBER: _ClassVar[int]
    exception_id: str
    kind: ExceptionKind
    state: ReconciliationException.State
    fund_account_id: str
    bank_code: str
    batch_id: str
    submission_id: str
    line_id: str
    end_to_end_ref: str
    entry_id: str
    expected_amount_fen: int
    observed_amount_fen: int
    value_date: str
    detail: str
    run_id: str
    resolver: str
    resolution_note: str
    create_time: _timestamp_pb2.Timestamp
    resolve_time: _timestamp_pb2.Timestamp
    def __init__(self, exception_id: _Optional[str] = ..., kind: _Optional[_Union[ExceptionKind, str]] = ..., state: _Optional[_Union[ReconciliationException.State, str]] = ..., fund_account_id: _Optional[str] = ..., bank_code: _Optional[str] = ..., batch_id: _Optional[str] = ..., submission_id: _Optional[str] = ..., line_id: _Optional[str] = ..., end_to_end_ref: _Optional[str] = ..., entry_id: _Optional[str] = ..., expected_amount_fen: _Optional[int] = ..., observed_amount_fen: _Optional[int] = ..., value_date: _Optional[str] = ..., detail: _Optional[str] = ..., run_id: _Optional[str] = ..., resolver: _Optional[str] = ..., resolution_note: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolve_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListExceptionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "kind", "state", "fund_account_id", "bank_code", "batch_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FUND_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    kind: ExceptionKind
    state: ReconciliationException.State
    fund_account_id: str
    bank_code: str
    batch_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., kind: _Optional[_Union[ExceptionKind, str]] = ..., state: _Optional[_Union[ReconciliationException.State, str]] = ..., fund_account_id: _Optional[str] = ..., bank_code: _Optional[str] = ..., batch_id: _Optional[str] = ...) -> None: ...

class ListExceptionsResponse(_message.Message):
    __slots__ = ("exceptions", "next_page_token")
    EXCEPTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    exceptions: _containers.RepeatedCompositeFieldContainer[ReconciliationException]
    next_page_token: str
    def __init__(self, exceptions: _Optional[_Iterable[_Union[ReconciliationException, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ResolveExceptionRequest(_message.Message):
    __slots__ = ("request_id", "exception_id", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXCEPTION_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    exception_id: str
    note: str
    def __init__(self, request_id: _Optional[str] = ..., exception_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class ResolveExceptionResponse(_message.Message):
    __slots__ = ("exception",)
    EXCEPTION_FIELD_NUMBER: _ClassVar[int]
    exception: ReconciliationException
    def __init__(self, exception: _Optional[_Union[ReconciliationException, _Mapping]] = ...) -> None: ...

class GetSettlementReportRequest(_message.Message):
    __slots__ = ("batch_id", "bank_code", "fund", "period")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    FUND_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    bank_code: str
    fund: _common_pb2.Fund
    period: str
    def __init__(self, batch_id: _Optional[str] = ..., bank_code: _Optional[str] = ..., fund: _Optional[_Union[_common_pb2.Fund, str]] = ..., period: _Optional[str] = ...) -> None: ...

class GetSettlementReportResponse(_message.Message):
    __slots__ = ("report",)
    REPORT_FIELD_NUMBER: _ClassVar[int]
    report: SettlementReport
    def __init__(self, report: _Optional[_Union[SettlementReport, _Mapping]] = ...) -> None: ...

class SettlementReport(_message.Message):
    __slots__ = ("rows", "approved_count", "approved_amount_fen", "paid_amount_fen", "returned_amount_fen", "failed_amount_fen", "cancelled_amount_fen", "in_flight_amount_fen", "conserved", "bank_paid_amount_fen", "agrees_with_bank", "generate_time")
    ROWS_FIELD_NUMBER: _ClassVar[int]
    APPROVED_COUNT_FIELD_NUMBER: _ClassVar[int]
    APPROVED_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    PAID_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    RETURNED_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    FAILED_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    CONSERVED_FIELD_NUMBER: _ClassVar[int]
    BANK_PAID_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    AGREES_WITH_BANK_FIELD_NUMBER: _ClassVar[int]
    GENERATE_TIME_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[SettlementRow]
    approved_count: int
    approved_amount_fen: int
    paid_amount_fen: int
    returned_amount_fen: int
    failed_amount_fen: int
    cancelled_amount_fen: int
    in_flight_amount_fen: int
    conserved: bool
    bank_paid_amount_fen: int
    agrees_with_bank: bool
    generate_time: _timestamp_pb2.Timestamp
    def __init__(self, rows: _Optional[_Iterable[_Union[SettlementRow, _Mapping]]] = ..., approved_count: _Optional[int] = ..., approved_amount_fen: _Optional[int] = ..., paid_amount_fen: _Optional[int] = ..., returned_amount_fen: _Optional[int] = ..., failed_amount_fen: _Optional[int] = ..., cancelled_amount_fen: _Optional[int] = ..., in_flight_amount_fen: _Optional[int] = ..., conserved: _Optional[bool] = ..., bank_paid_amount_fen: _Optional[int] = ..., agrees_with_bank: _Optional[bool] = ..., generate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SettlementRow(_message.Message):
    __slots__ = ("bank_code", "fund", "state", "failure_reason", "line_count", "amount_fen")
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    FUND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    LINE_COUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    bank_code: str
    fund: _common_pb2.Fund
    state: _disbursement_pb2.BatchLine.State
    failure_reason: _common_pb2.FailureReason
    line_count: int
    amount_fen: int
    def __init__(self, bank_code: _Optional[str] = ..., fund: _Optional[_Union[_common_pb2.Fund, str]] = ..., state: _Optional[_Union[_disbursement_pb2.BatchLine.State, str]] = ..., failure_reason: _Optional[_Union[_common_pb2.FailureReason, str]] = ..., line_count: _Optional[int] = ..., amount_fen: _Optional[int] = ...) -> None: ...

class MatchSuggestion(_message.Message):
    __slots__ = ("suggestion_id", "entry_id", "entry_bank_reference", "entry_amount_fen", "entry_value_date", "entry_account_masked", "line_id", "end_to_end_ref", "line_amount_fen", "rationale", "exception_id", "create_time")
    SUGGESTION_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRY_BANK_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    ENTRY_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    ENTRY_VALUE_DATE_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ACCOUNT_MASKED_FIELD_NUMBER: _ClassVar[int]
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    END_TO_END_REF_FIELD_NUMBER: _ClassVar[int]
    LINE_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    RATIONALE_FIELD_NUMBER: _ClassVar[int]
    EXCEPTION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    suggestion_id: str
    entry_id: str
    entry_bank_reference: str
    entry_amount_fen: int
    entry_value_date: str
    entry_account_masked: str
    line_id: str
    end_to_end_ref: str
    line_amount_fen: int
    rationale: str
    exception_id: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, suggestion_id: _Optional[str] = ..., entry_id: _Optional[str] = ..., entry_bank_reference: _Optional[str] = ..., entry_amount_fen: _Optional[int] = ..., entry_value_date: _Optional[str] = ..., entry_account_masked: _Optional[str] = ..., line_id: _Optional[str] = ..., end_to_end_ref: _Optional[str] = ..., line_amount_fen: _Optional[int] = ..., rationale: _Optional[str] = ..., exception_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListMatchSuggestionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "fund_account_id", "run_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FUND_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    fund_account_id: str
    run_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., fund_account_id: _Optional[str] = ..., run_id: _Optional[str] = ...) -> None: ...

class ListMatchSuggestionsResponse(_message.Message):
    __slots__ = ("suggestions", "next_page_token")
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    suggestions: _containers.RepeatedCompositeFieldContainer[MatchSuggestion]
    next_page_token: str
    def __init__(self, suggestions: _Optional[_Iterable[_Union[MatchSuggestion, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ConfirmMatchRequest(_message.Message):
    __slots__ = ("request_id", "suggestion_id", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SUGGESTION_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    suggestion_id: str
    note: str
    def __init__(self, request_id: _Optional[str] = ..., suggestion_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class ConfirmMatchResponse(_message.Message):
    __slots__ = ("line",)
    LINE_FIELD_NUMBER: _ClassVar[int]
    line: _disbursement_pb2.BatchLine
    def __init__(self, line: _Optional[_Union[_disbursement_pb2.BatchLine, _Mapping]] = ...) -> None: ...

class DismissMatchSuggestionRequest(_message.Message):
    __slots__ = ("request_id", "suggestion_id", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SUGGESTION_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    suggestion_id: str
    note: str
    def __init__(self, request_id: _Optional[str] = ..., suggestion_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class DismissMatchSuggestionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MarkLinesFailedRequest(_message.Message):
    __slots__ = ("request_id", "line_ids", "failure_reason", "note", "evidence_reference")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    LINE_IDS_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    line_ids: _containers.RepeatedScalarFieldContainer[str]
    failure_reason: _common_pb2.FailureReason
    note: str
    evidence_reference: str
    def __init__(self, request_id: _Optional[str] = ..., line_ids: _Optional[_Iterable[str]] = ..., failure_reason: _Optional[_Union[_common_pb2.FailureReason, str]] = ..., note: _Optional[str] = ..., evidence_reference: _Optional[str] = ...) -> None: ...

class MarkLinesFailedResponse(_message.Message):
    __slots__ = ("marked_count", "marked_amount_fen")
    MARKED_COUNT_FIELD_NUMBER: _ClassVar[int]
    MARKED_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    marked_count: int
    marked_amount_fen: int
    def __init__(self, marked_count: _Optional[int] = ..., marked_amount_fen: _Optional[int] = ...) -> None: ...

class CreateReissueRequest(_message.Message):
    __slots__ = ("request_id", "title", "lines", "all_corrected_of_batch_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    ALL_CORRECTED_OF_BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    title: str
    lines: ReissueLines
    all_corrected_of_batch_id: str
    def __init__(self, request_id: _Optional[str] = ..., title: _Optional[str] = ..., lines: _Optional[_Union[ReissueLines, _Mapping]] = ..., all_corrected_of_batch_id: _Optional[str] = ...) -> None: ...

class ReissueLines(_message.Message):
    __slots__ = ("lines",)
    LINES_FIELD_NUMBER: _ClassVar[int]
    lines: _containers.RepeatedCompositeFieldContainer[ReissueLine]
    def __init__(self, lines: _Optional[_Iterable[_Union[ReissueLine, _Mapping]]] = ...) -> None: ...

class ReissueLine(_message.Message):
    __slots__ = ("line_id", "account", "account_type", "bank_code")
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_TYPE_FIELD_NUMBER: _ClassVar[int]
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    line_id: str
    account: str
    account_type: _common_pb2.AccountType
    bank_code: str
    def __init__(self, line_id: _Optional[str] = ..., account: _Optional[str] = ..., account_type: _Optional[_Union[_common_pb2.AccountType, str]] = ..., bank_code: _Optional[str] = ...) -> None: ...

class CreateReissueResponse(_message.Message):
    __slots__ = ("batch_id", "batch")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    batch: _disbursement_pb2.Batch
    def __init__(self, batch_id: _Optional[str] = ..., batch: _Optional[_Union[_disbursement_pb2.Batch, _Mapping]] = ...) -> None: ...
