"""Classic fixed-width payroll files (报盘 out, 回执 and 回盘 back) in GBK or GB18030 via a drop folder.

The format is ours (no bank publishes one) and is specified in ``FORMAT.md`` beside this file; each
bank's byte layout is a :class:`FileProfile` (built in, or written in ``[banks.X.file_profile]``).

==================  ==========================================================================
``_profile``        field/record/profile model, the built-in layouts, loading from settings
``_codec``          one record ⇄ bytes, byte-exact widths, refusals and field issues
``_files``          报盘 rendering and signing; 回执 and 回盘 reading (signature, hash, every line)
``_codes``          receipt return codes → actions; local reading errors
``_manual``         a finance officer's "mark failed with reason" → LineResults
``_adapter``        :class:`FixedWidthAdapter`, registered as ``fixed_width_file``
==================  ==========================================================================
"""

from __future__ import annotations

from adapters.registry import register

from ._adapter import (
    CONTEXT_REQUIRED,
    SIGNATURE_HEADER,
    SUBMISSION_NEEDS_PARTS,
    FixedWidthAdapter,
    detached_signature,
)
from ._codec import (
    FIELD_INVALID,
    FIELD_NOT_DECODABLE,
    FIELD_NOT_ENCODABLE,
    FIELD_NOT_NUMERIC,
    FIELD_TOO_LONG,
    RECORD_LENGTH,
    RECORD_TYPE,
    FieldIssue,
    decode_record,
    encode_record,
)
from ._codes import LOCAL_ACTIONS, RETURN_CODES
from ._files import (
    FIELDS_NOT_WRITABLE,
    SIGNATURE_INVALID,
    SIGNATURE_MISSING,
    FileIssue,
    LineError,
    ResultFile,
    content_hash,
    parse_receipt,
    parse_result,
)
from ._manual import MANUAL_CODE, MANUAL_MARK_INVALID, ManualMark, manual_results
from ._profile import (
    BANK_PROFILES,
    BUILTIN,
    AmountForm,
    FieldSpec,
    FileProfile,
    RecordLayout,
    layout,
    profile_for,
)

register(FixedWidthAdapter.name)(FixedWidthAdapter)

__all__ = [
    "BANK_PROFILES",
    "BUILTIN",
    "CONTEXT_REQUIRED",
    "FIELDS_NOT_WRITABLE",
    "FIELD_INVALID",
    "FIELD_NOT_DECODABLE",
    "FIELD_NOT_ENCODABLE",
    "FIELD_NOT_NUMERIC",
    "FIELD_TOO_LONG",
    "LOCAL_ACTIONS",
    "MANUAL_CODE",
    "MANUAL_MARK_INVALID",
    "RECORD_LENGTH",
    "RECORD_TYPE",
    "RETURN_CODES",
    "SIGNATURE_HEADER",
    "SIGNATURE_INVALID",
    "SIGNATURE_MISSING",
    "SUBMISSION_NEEDS_PARTS",
    "AmountForm",
    "FieldIssue",
    "FieldSpec",
    "FileIssue",
    "FileProfile",
    "FixedWidthAdapter",
    "LineError",
    "ManualMark",
    "RecordLayout",
    "ResultFile",
    "content_hash",
    "decode_record",
    "detached_signature",
    "encode_record",
    "layout",
    "manual_results",
    "parse_receipt",
    "parse_result",
    "profile_for",
]
