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

class BankProtocol(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BANK_PROTOCOL_UNSPECIFIED: _ClassVar[BankProtocol]
    BANK_PROTOCOL_ISO20022: _ClassVar[BankProtocol]
    BANK_PROTOCOL_DIRECT_LINK_JSON: _ClassVar[BankProtocol]
    BANK_PROTOCOL_FIXED_WIDTH_FILE: _ClassVar[BankProtocol]
    BANK_PROTOCOL_BANKLINK: _ClassVar[BankProtocol]

class PersonStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PERSON_STATUS_UNSPECIFIED: _ClassVar[PersonStatus]
    PERSON_STATUS_ACTIVE: _ClassVar[PersonStatus]
    PERSON_STATUS_SUSPENDED: _ClassVar[PersonStatus]
    PERSON_STATUS_TERMINATED: _ClassVar[PersonStatus]
    PERSON_STATUS_UNCERTIFIED: _ClassVar[PersonStatus]
    PERSON_STATUS_DECEASED: _ClassVar[PersonStatus]
    PERSON_STATUS_CARD_LOST: _ClassVar[PersonStatus]

class KeyPurpose(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    KEY_PURPOSE_UNSPECIFIED: _ClassVar[KeyPurpose]
    KEY_PURPOSE_MANIFEST_SIGNING: _ClassVar[KeyPurpose]
    KEY_PURPOSE_DATA_ENCRYPTION: _ClassVar[KeyPurpose]
    KEY_PURPOSE_LOOKUP_HASH: _ClassVar[KeyPurpose]
    KEY_PURPOSE_BANK_SIGNING: _ClassVar[KeyPurpose]
    KEY_PURPOSE_BANK_ENCRYPTION: _ClassVar[KeyPurpose]
    KEY_PURPOSE_AUDIT: _ClassVar[KeyPurpose]
    KEY_PURPOSE_BANK_VERIFICATION: _ClassVar[KeyPurpose]
BANK_PROTOCOL_UNSPECIFIED: BankProtocol
BANK_PROTOCOL_ISO20022: BankProtocol
BANK_PROTOCOL_DIRECT_LINK_JSON: BankProtocol
BANK_PROTOCOL_FIXED_WIDTH_FILE: BankProtocol
BANK_PROTOCOL_BANKLINK: BankProtocol
PERSON_STATUS_UNSPECIFIED: PersonStatus
PERSON_STATUS_ACTIVE: PersonStatus
PERSON_STATUS_SUSPENDED: PersonStatus
PERSON_STATUS_TERMINATED: PersonStatus
PERSON_STATUS_UNCERTIFIED: PersonStatus
PERSON_STATUS_DECEASED: PersonStatus
PERSON_STATUS_CARD_LOST: PersonStatus
KEY_PURPOSE_UNSPECIFIED: KeyPurpose
KEY_PURPOSE_MANIFEST_SIGNING: KeyPurpose
KEY_PURPOSE_DATA_ENCRYPTION: KeyPurpose
KEY_PURPOSE_LOOKUP_HASH: KeyPurpose
KEY_PURPOSE_BANK_SIGNING: KeyPurpose
KEY_PURPOSE_BANK_ENCRYPTION: KeyPurpose
KEY_PURPOSE_AUDIT: KeyPurpose
KEY_PURPOSE_BANK_VERIFICATION: KeyPurpose

class WhoAmIRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WhoAmIResponse(_message.Message):
    __slots__ = ("principal", "roles", "bank_code", "certificate_serial", "certificate_expire_time")
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_SERIAL_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    principal: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    bank_code: str
    certificate_serial: str
    certificate_expire_time: _timestamp_pb2.Timestamp
    def __init__(self, principal: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., bank_code: _Optional[str] = ..., certificate_serial: _Optional[str] = ..., certificate_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Bank(_message.Message):
    __slots__ = ("bank_code", "name", "protocol", "adapter", "chunk_size", "agreement_start_date", "agreement_end_date", "sla_hours", "enabled", "supports_status_query", "supports_returns", "supports_card_services")
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_FIELD_NUMBER: _ClassVar[int]
    ADAPTER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_SIZE_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_START_DATE_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_END_DATE_FIELD_NUMBER: _ClassVar[int]
    SLA_HOURS_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_STATUS_QUERY_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_RETURNS_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_CARD_SERVICES_FIELD_NUMBER: _ClassVar[int]
    bank_code: str
    name: str
    protocol: BankProtocol
    adapter: str
    chunk_size: int
    agreement_start_date: str
    agreement_end_date: str
    sla_hours: int
    enabled: bool
    supports_status_query: bool
    supports_returns: bool
    supports_card_services: bool
    def __init__(self, bank_code: _Optional[str] = ..., name: _Optional[str] = ..., protocol: _Optional[_Union[BankProtocol, str]] = ..., adapter: _Optional[str] = ..., chunk_size: _Optional[int] = ..., agreement_start_date: _Optional[str] = ..., agreement_end_date: _Optional[str] = ..., sla_hours: _Optional[int] = ..., enabled: _Optional[bool] = ..., supports_status_query: _Optional[bool] = ..., supports_returns: _Optional[bool] = ..., supports_card_services: _Optional[bool] = ...) -> None: ...

class ListBanksRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListBanksResponse(_message.Message):
    __slots__ = ("banks", "next_page_token")
    BANKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    banks: _containers.RepeatedCompositeFieldContainer[Bank]
    next_page_token: str
    def __init__(self, banks: _Optional[_Iterable[_Union[Bank, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetBankRequest(_message.Message):
    __slots__ = ("bank_code",)
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    bank_code: str
    def __init__(self, bank_code: _Optional[str] = ...) -> None: ...

class GetBankResponse(_message.Message):
    __slots__ = ("bank",)
    BANK_FIELD_NUMBER: _ClassVar[int]
    bank: Bank
    def __init__(self, bank: _Optional[_Union[Bank, _Mapping]] = ...) -> None: ...

class FundAccount(_message.Message):
    __slots__ = ("fund_account_id", "fund", "account_masked", "bank_code", "enabled")
    FUND_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    FUND_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_MASKED_FIELD_NUMBER: _ClassVar[int]
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    fund_account_id: str
    fund: _common_pb2.Fund
    account_masked: str
    bank_code: str
    enabled: bool
    def __init__(self, fund_account_id: _Optional[str] = ..., fund: _Optional[_Union[_common_pb2.Fund, str]] = ..., account_masked: _Optional[str] = ..., bank_code: _Optional[str] = ..., enabled: _Optional[bool] = ...) -> None: ...

class ListFundsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "fund")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FUND_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    fund: _common_pb2.Fund
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., fund: _Optional[_Union[_common_pb2.Fund, str]] = ...) -> None: ...

class ListFundsResponse(_message.Message):
    __slots__ = ("fund_accounts", "next_page_token")
    FUND_ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    fund_accounts: _containers.RepeatedCompositeFieldContainer[FundAccount]
    next_page_token: str
    def __init__(self, fund_accounts: _Optional[_Iterable[_Union[FundAccount, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ImportPersonStatusRequest(_message.Message):
    __slots__ = ("header", "update")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    UPDATE_FIELD_NUMBER: _ClassVar[int]
    header: PersonStatusImportHeader
    update: PersonStatusUpdate
    def __init__(self, header: _Optional[_Union[PersonStatusImportHeader, _Mapping]] = ..., update: _Optional[_Union[PersonStatusUpdate, _Mapping]] = ...) -> None: ...

class PersonStatusImportHeader(_message.Message):
    __slots__ = ("request_id", "source_name")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_NAME_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    source_name: str
    def __init__(self, request_id: _Optional[str] = ..., source_name: _Optional[str] = ...) -> None: ...

class PersonStatusUpdate(_message.Message):
    __slots__ = ("line_number", "id_type", "id_number", "status", "effective_date", "source")
    LINE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ID_TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    line_number: int
    id_type: _common_pb2.IdType
    id_number: str
    status: PersonStatus
    effective_date: str
    source: str
    def __init__(self, line_number: _Optional[int] = ..., id_type: _Optional[_Union[_common_pb2.IdType, str]] = ..., id_number: _Optional[str] = ..., status: _Optional[_Union[PersonStatus, str]] = ..., effective_date: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class ImportPersonStatusResponse(_message.Message):
    __slots__ = ("received_count", "applied_count", "unchanged_count", "rejected_count", "lines_held_count", "lines_released_count", "line_errors")
    RECEIVED_COUNT_FIELD_NUMBER: _ClassVar[int]
    APPLIED_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    LINES_HELD_COUNT_FIELD_NUMBER: _ClassVar[int]
    LINES_RELEASED_COUNT_FIELD_NUMBER: _ClassVar[int]
    LINE_ERRORS_FIELD_NUMBER: _ClassVar[int]
    received_count: int
    applied_count: int
    unchanged_count: int
    rejected_count: int
    lines_held_count: int
    lines_released_count: int
    line_errors: _containers.RepeatedCompositeFieldContainer[_common_pb2.LineError]
    def __init__(self, received_count: _Optional[int] = ..., applied_count: _Optional[int] = ..., unchanged_count: _Optional[int] = ..., rejected_count: _Optional[int] = ..., lines_held_count: _Optional[int] = ..., lines_released_count: _Optional[int] = ..., line_errors: _Optional[_Iterable[_Union[_common_pb2.LineError, _Mapping]]] = ...) -> None: ...

class ImportPayeeAccountsRequest(_message.Message):
    __slots__ = ("header", "update")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    UPDATE_FIELD_NUMBER: _ClassVar[int]
    header: PayeeAccountImportHeader
    update: PayeeAccountUpdate
    def __init__(self, header: _Optional[_Union[PayeeAccountImportHeader, _Mapping]] = ..., update: _Optional[_Union[PayeeAccountUpdate, _Mapping]] = ...) -> None: ...

class PayeeAccountImportHeader(_message.Message):
    __slots__ = ("request_id", "source_name")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_NAME_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    source_name: str
    def __init__(self, request_id: _Optional[str] = ..., source_name: _Optional[str] = ...) -> None: ...

class PayeeAccountUpdate(_message.Message):
    __slots__ = ("line_number", "id_type", "id_number", "account", "account_type", "bank_code", "change_ref")
    LINE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ID_TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_TYPE_FIELD_NUMBER: _ClassVar[int]
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_REF_FIELD_NUMBER: _ClassVar[int]
    line_number: int
    id_type: _common_pb2.IdType
    id_number: str
    account: str
    account_type: _common_pb2.AccountType
    bank_code: str
    change_ref: str
    def __init__(self, line_number: _Optional[int] = ..., id_type: _Optional[_Union[_common_pb2.IdType, str]] = ..., id_number: _Optional[str] = ..., account: _Optional[str] = ..., account_type: _Optional[_Union[_common_pb2.AccountType, str]] = ..., bank_code: _Optional[str] = ..., change_ref: _Optional[str] = ...) -> None: ...

class ImportPayeeAccountsResponse(_message.Message):
    __slots__ = ("received_count", "recorded_count", "repeated_count", "rejected_count", "line_errors")
    RECEIVED_COUNT_FIELD_NUMBER: _ClassVar[int]
    RECORDED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REPEATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    LINE_ERRORS_FIELD_NUMBER: _ClassVar[int]
    received_count: int
    recorded_count: int
    repeated_count: int
    rejected_count: int
    line_errors: _containers.RepeatedCompositeFieldContainer[_common_pb2.LineError]
    def __init__(self, received_count: _Optional[int] = ..., recorded_count: _Optional[int] = ..., repeated_count: _Optional[int] = ..., rejected_count: _Optional[int] = ..., line_errors: _Optional[_Iterable[_Union[_common_pb2.LineError, _Mapping]]] = ...) -> None: ...

class Key(_message.Message):
    __slots__ = ("name", "purpose", "algorithm", "state", "primary_version", "versions", "backend", "min_version", "create_time", "rotate_time")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[Key.State]
        STATE_ENABLED: _ClassVar[Key.State]
        STATE_RETIRED: _ClassVar[Key.State]
        STATE_REVOKED: _ClassVar[Key.State]
    STATE_UNSPECIFIED: Key.State
    STATE_ENABLED: Key.State
    STATE_RETIRED: Key.State
    STATE_REVOKED: Key.State
    NAME_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_VERSION_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    MIN_VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ROTATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    purpose: KeyPurpose
    algorithm: str
    state: Key.State
    primary_version: int
    versions: _containers.RepeatedCompositeFieldContainer[KeyVersion]
    backend: str
    min_version: int
    create_time: _timestamp_pb2.Timestamp
    rotate_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., purpose: _Optional[_Union[KeyPurpose, str]] = ..., algorithm: _Optional[str] = ..., state: _Optional[_Union[Key.State, str]] = ..., primary_version: _Optional[int] = ..., versions: _Optional[_Iterable[_Union[KeyVersion, _Mapping]]] = ..., backend: _Optional[str] = ..., min_version: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rotate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class KeyVersion(_message.Message):
    __slots__ = ("version", "state", "fingerprint", "create_time", "revoke_time")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[KeyVersion.State]
        STATE_ACTIVE: _ClassVar[KeyVersion.State]
        STATE_VERIFY_ONLY: _ClassVar[KeyVersion.State]
        STATE_REVOKED: _ClassVar[KeyVersion.State]
        STATE_RETIRED: _ClassVar[KeyVersion.State]
    STATE_UNSPECIFIED: KeyVersion.State
    STATE_ACTIVE: KeyVersion.State
    STATE_VERIFY_ONLY: KeyVersion.State
    STATE_REVOKED: KeyVersion.State
    STATE_RETIRED: KeyVersion.State
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    REVOKE_TIME_FIELD_NUMBER: _ClassVar[int]
    version: int
    state: KeyVersion.State
    fingerprint: str
    create_time: _timestamp_pb2.Timestamp
    revoke_time: _timestamp_pb2.Timestamp
    def __init__(self, version: _Optional[int] = ..., state: _Optional[_Union[KeyVersion.State, str]] = ..., fingerprint: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoke_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListKeysRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "purpose")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    purpose: KeyPurpose
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., purpose: _Optional[_Union[KeyPurpose, str]] = ...) -> None: ...

class ListKeysResponse(_message.Message):
    __slots__ = ("keys", "next_page_token")
    KEYS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[Key]
    next_page_token: str
    def __init__(self, keys: _Optional[_Iterable[_Union[Key, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class VerifyAuditRequest(_message.Message):
    __slots__ = ("start_entry_id",)
    START_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    start_entry_id: str
    def __init__(self, start_entry_id: _Optional[str] = ...) -> None: ...

class VerifyAuditResponse(_message.Message):
    __slots__ = ("ok", "entries_checked", "first_broken_entry_id", "head_hash")
    OK_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_CHECKED_FIELD_NUMBER: _ClassVar[int]
    FIRST_BROKEN_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    HEAD_HASH_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    entries_checked: int
    first_broken_entry_id: str
    head_hash: str
    def __init__(self, ok: _Optional[bool] = ..., entries_checked: _Optional[int] = ..., first_broken_entry_id: _Optional[str] = ..., head_hash: _Optional[str] = ...) -> None: ...

class AuditEntry(_message.Message):
    __slots__ = ("entry_id", "event_time", "principal", "action", "object_id", "request_id", "outcome", "detail", "previous_hash", "entry_hash", "object_type", "before_state", "after_state")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    OBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_HASH_FIELD_NUMBER: _ClassVar[int]
    ENTRY_HASH_FIELD_NUMBER: _ClassVar[int]
    OBJECT_TYPE_FIELD_NUMBER: _ClassVar[int]
    BEFORE_STATE_FIELD_NUMBER: _ClassVar[int]
    AFTER_STATE_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    event_time: _timestamp_pb2.Timestamp
    principal: str
    action: str
    object_id: str
    request_id: str
    outcome: str
    detail: str
    previous_hash: str
    entry_hash: str
    object_type: str
    before_state: str
    after_state: str
    def __init__(self, entry_id: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., principal: _Optional[str] = ..., action: _Optional[str] = ..., object_id: _Optional[str] = ..., request_id: _Optional[str] = ..., outcome: _Optional[str] = ..., detail: _Optional[str] = ..., previous_hash: _Optional[str] = ..., entry_hash: _Optional[str] = ..., object_type: _Optional[str] = ..., before_state: _Optional[str] = ..., after_state: _Optional[str] = ...) -> None: ...

class ListAuditEntriesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "principal", "action", "object_id", "start_time", "end_time")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    OBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    principal: str
    action: str
    object_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., principal: _Optional[str] = ..., action: _Optional[str] = ..., object_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAuditEntriesResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class OverdueSubmission(_message.Message):
    __slots__ = ("submission_id", "batch_id", "bank_code", "fund", "send_time", "sla_deadline", "open_line_count", "open_amount_fen", "inquiry_count", "state")
    SUBMISSION_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    FUND_FIELD_NUMBER: _ClassVar[int]
    SEND_TIME_FIELD_NUMBER: _ClassVar[int]
    SLA_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    OPEN_LINE_COUNT_FIELD_NUMBER: _ClassVar[int]
    OPEN_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    INQUIRY_COUNT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    submission_id: str
    batch_id: str
    bank_code: str
    fund: _common_pb2.Fund
    send_time: _timestamp_pb2.Timestamp
    sla_deadline: _timestamp_pb2.Timestamp
    open_line_count: int
    open_amount_fen: int
    inquiry_count: int
    state: str
    def __init__(self, submission_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., bank_code: _Optional[str] = ..., fund: _Optional[_Union[_common_pb2.Fund, str]] = ..., send_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sla_deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., open_line_count: _Optional[int] = ..., open_amount_fen: _Optional[int] = ..., inquiry_count: _Optional[int] = ..., state: _Optional[str] = ...) -> None: ...

class ListOverdueSubmissionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "bank_code", "fund")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    FUND_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    bank_code: str
    fund: _common_pb2.Fund
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., bank_code: _Optional[str] = ..., fund: _Optional[_Union[_common_pb2.Fund, str]] = ...) -> None: ...

class ListOverdueSubmissionsResponse(_message.Message):
    __slots__ = ("submissions", "next_page_token")
    SUBMISSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    submissions: _containers.RepeatedCompositeFieldContainer[OverdueSubmission]
    next_page_token: str
    def __init__(self, submissions: _Optional[_Iterable[_Union[OverdueSubmission, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
