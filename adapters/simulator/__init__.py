"""The bank simulator: a real separate process per protocol that behaves like a partner bank.

``silink banksim serve --protocol iso20022 --bank 102 --dir DATA`` runs one. It keeps a ledger of
accounts (normal, closed, frozen, name mismatch, deceased, class-II limit: derived from the account number
by a keyed hash, so tests can predict them), credits each end-to-end id and each bank reference at most
once (primary keys in its SQLite ledger), stores every message it receives, answers in the protocol's wire
format, and misbehaves on command (latency, refusals, 5xx, dropped answers after executing, malformed,
duplicated or reordered results, late returns).

A framework, not one bank: protocol handlers plug in (:mod:`adapters.simulator.protocol`,
:mod:`adapters.simulator.protocols`) and share the ledger, faults, TLS, storage and control endpoint.

Protocols: ``iso20022`` (pain.001 in, pain.002/camt.054 out), ``direct_link_json`` (SM2-signed,
SM4-encrypted JSON with parts, queries, bounces and card calls) and ``fixed_width_file`` (a folder bank:
signed 报盘 files in, signed 回执/回盘/退票 files out); BankLink banks are ``banklink_bank`` (they pull).

Modules: ``accounts`` (state per account), ``ledger`` (the books), ``faults`` (what goes wrong),
``protocol`` (the plug-in interface), ``protocols/`` (one handler per protocol), ``server`` (the process),
``client`` (HTTPS transport with transport error codes, control client), ``tls`` (certificates and keys),
``bank_texts`` (how a Chinese bank words a refusal), ``cards`` (a card-issuing bank's card ledger).
"""

from adapters.simulator.accounts import AccountState, Rates, account_state, valid_account
from adapters.simulator.faults import Fault, FaultBox, FaultKind
from adapters.simulator.ledger import BatchView, IncomingBatch, IncomingLine, Ledger, LineView
from adapters.simulator.protocol import (
    ProtocolHandler,
    Request,
    Response,
    SimContext,
    get_protocol,
    protocol_names,
    register_protocol,
)

__all__ = [
    "AccountState",
    "BatchView",
    "Fault",
    "FaultBox",
    "FaultKind",
    "IncomingBatch",
    "IncomingLine",
    "Ledger",
    "LineView",
    "ProtocolHandler",
    "Rates",
    "Request",
    "Response",
    "SimContext",
    "account_state",
    "get_protocol",
    "protocol_names",
    "register_protocol",
    "valid_account",
]
