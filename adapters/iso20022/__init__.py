"""ISO 20022 adapter: pain.001.001.09 credit transfer initiation out, pain.002.001.10 and camt.054.001.08 in.

Registered as ``"iso20022"`` (``[banks.X] adapter = "iso20022"``). Modules, after Hyperswitch's
connector/transformers split:

``_wire``     what both ends agree on: paths, headers, the detached signature, yuan text
``_render``   pain.001 and the status/notification queries (transformers, outgoing)
``_parse``    pain.002 and camt.054 to line results, via the :mod:`reconciliation` parsers (incoming)
``_codes``    the status, reason and error tables
``_adapter``  the :class:`Iso20022Adapter` tying them to the contract
"""

from adapters.iso20022._adapter import MAX_LINES, SUITES, Iso20022Adapter
from adapters.iso20022._codes import ERRORS, REASONS, STATUS
from adapters.iso20022._wire import fen_to_yuan, yuan_to_fen

__all__ = [
    "ERRORS",
    "MAX_LINES",
    "REASONS",
    "STATUS",
    "SUITES",
    "Iso20022Adapter",
    "fen_to_yuan",
    "yuan_to_fen",
]
