"""Chinese "cloud direct-link" (云直连) JSON protocol: SM3withSM2 signature, SM4 body encryption.

The wire format is ours (no bank publishes one); it follows what the cloud direct-link APIs of Chinese
banks have in common and is specified in ``FORMAT.md`` beside this file. Modules:

==================  ==========================================================================
``_envelope``       canonical JSON, sign-then-encrypt, open (decrypt + verify), wire time
``_codes``          function codes, return codes → actions, line statuses → outcomes, card states
``_profile``        the per-bank settings object (``[banks.X]``)
``_payroll``        PAYROLL_SUBMIT parts, PAYROLL_QUERY, BOUNCE_QUERY bodies; reading line results
``_card``           card-service calls (CARD_STATUS, CARD_LOSS, CARD_UNLOSS, CARD_ACTIVATE, ACCOUNT_CHANGE,
                    ACCOUNT_CLOSE)
``_adapter``        :class:`DirectLinkAdapter`, registered as ``direct_link_json``
==================  ==========================================================================

The envelope functions are public so that the bank simulator can play the bank's side with the same code.
"""

from __future__ import annotations

from adapters.registry import register

from ._adapter import CONTEXT_REQUIRED, SUBMISSION_NEEDS_PARTS, DirectLinkAdapter
from ._card import CardOutcome, CardRequest, CardResult, LossKind
from ._codes import (
    CARD_STATES,
    LINE_STATUSES,
    LOCAL_ACTIONS,
    RETURN_CODES,
    SUCCESS,
    TRANSPORT_ACTIONS,
    Funcode,
)
from ._envelope import (
    ALGORITHM_MISMATCH,
    BODY_MALFORMED,
    ENVELOPE_MALFORMED,
    SIG_ALG,
    SIGNATURE_INVALID,
    canonical_json,
    open_envelope,
    parse_wire_time,
    seal,
    strict_loads,
    wire_time,
)
from ._payroll import amount_text, amount_value, check_submission, memo
from ._profile import DirectLinkProfile

register(DirectLinkAdapter.name)(DirectLinkAdapter)

__all__ = [
    "ALGORITHM_MISMATCH",
    "BODY_MALFORMED",
    "CARD_STATES",
    "CONTEXT_REQUIRED",
    "ENVELOPE_MALFORMED",
    "LINE_STATUSES",
    "LOCAL_ACTIONS",
    "RETURN_CODES",
    "SIGNATURE_INVALID",
    "SIG_ALG",
    "SUBMISSION_NEEDS_PARTS",
    "SUCCESS",
    "TRANSPORT_ACTIONS",
    "CardOutcome",
    "CardRequest",
    "CardResult",
    "DirectLinkAdapter",
    "DirectLinkProfile",
    "Funcode",
    "LossKind",
    "amount_text",
    "amount_value",
    "canonical_json",
    "check_submission",
    "memo",
    "open_envelope",
    "parse_wire_time",
    "seal",
    "strict_loads",
    "wire_time",
]
