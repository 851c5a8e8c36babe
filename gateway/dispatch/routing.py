"""Which adapter, chunk size, hash and signing key serve a bank: read from ``[banks.X]`` and the
adapter's declared capabilities, never from if/else on bank names.

    [banks."102"]
    adapter = "iso20022"          # registry name
    chunk_size = 5000             # default: the adapter's max_lines_per_submission
    sla_hours = 24
    agreement_start = "2026-01-01"
    agreement_end = "2028-12-31"  # 代发 agreement; release is refused outside it
    agreement_funds = ["PENSION_EMPLOYEE"]   # optional: the funds and regions it covers
    agreement_regions = ["3701"]             # (gateway.domain.agreements)
    signing_key = "gw-102"        # default gw-<code>; created by `silink init`
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from adapters import registry
from adapters.contract import Adapter
from gateway.config import Config
from gateway.domain.agreements import Agreement
from gateway.domain.release import BankRoute

# Capabilities name library algorithms; the key store names its own. BankLink banks verify our
# manifests with whatever key we publish to them: ECDSA P-256 by default.
DEFAULT_KEY_ALG = "ecdsa-p256"
# The partner bank connects to us (BankLinkService) and pulls its submissions: no adapter, no push.
BANKLINK = "banklink"


def signing_key_name(code: str, raw: dict[str, Any]) -> str:
    return str(raw.get("signing_key", f"gw-{code}"))


def adapter_of(raw: dict[str, Any]) -> Adapter | None:
    name = str(raw.get("adapter", ""))
    return registry.get(name) if name in registry.names() else None


def check_agreement(code: str, raw: dict[str, Any], today: dt.date | None = None) -> Agreement:
    """Dispatch only inside the agency's 代发 agreement with the bank; the agreement, for its coverage."""
    agreement = Agreement.from_config(code, raw)
    agreement.check_in_force(today or dt.date.today())
    return agreement


def bank_route(cfg: Config, keystore: Any, code: str) -> BankRoute | None:
    raw = cfg.banks.get(code)
    if raw is None:
        return None
    agreement = check_agreement(code, raw)
    adapter = adapter_of(raw)
    caps = adapter.capabilities if adapter is not None else None
    key_name = signing_key_name(code, raw)
    signer, version = keystore.signer(key_name)
    return BankRoute(
        bank_code=code,
        adapter=str(raw.get("adapter", "")),
        chunk_size=int(raw.get("chunk_size") or (caps.max_lines_per_submission if caps else 5000)),
        hash_alg=caps.hash_algorithm if caps else "SHA-256",
        sla_hours=int(raw.get("sla_hours", 24)),
        signer=signer,
        key_id=key_name,
        key_version=version,
        push=str(raw.get("adapter", "")) != BANKLINK,
        agreement=agreement,
    )


def default_key_algorithm(raw: dict[str, Any]) -> str:
    adapter = adapter_of(raw)
    return adapter.capabilities.signature_algorithm if adapter is not None else DEFAULT_KEY_ALG
