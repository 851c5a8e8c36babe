"""Helpers for the Chinese-protocol adapter tests: fixed keys, fixed contexts, submissions, golden files.

Keys are derived from fixed scalars (``SM2Signer.from_private_scalar``) and fixed SM4 keys, so golden
files stay valid across runs. ``SILINK_REGEN_GOLDEN=1 pytest tests/adapters_cn`` rewrites every expected
output from the current code and makes missing stored inputs (review the diff before committing it).
Golden mismatches never print file content (it holds test account numbers): the message names the file
and the first differing byte.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from adapters.contract import AdapterContext, Submission, SubmissionLine
from keys.algorithms import SM2Signer, get_backend

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("SILINK_REGEN_GOLDEN") == "1"

# Fixed test keys (never used outside tests).
GATEWAY_SCALAR = bytes.fromhex("5a1c7e0b3d2f4a6981c0d2e4f6a8b0c1d3e5f7091b2d4f6081a3c5e7f9021436")
BANK_SCALAR = bytes.fromhex("3e8b1d5f7a9c2e4061836507a9cbed0f2143658799bbddff1133557799aabbcc")
OTHER_SCALAR = bytes.fromhex("0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0")
SM4_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")
WRONG_SM4_KEY = bytes.fromhex("00112233445566778899aabbccddeeff")
GCM_NONCE = bytes.fromhex("000102030405060708090a0b")
CBC_IV = bytes.fromhex("0f0e0d0c0b0a09080706050403020100")

NOW = "2025-01-05T08:00:00+00:00"  # 16:00:00 China Standard Time
NONCE = "9f3c2a61d0b84e7a"

GATEWAY = SM2Signer.from_private_scalar(GATEWAY_SCALAR)
BANK = SM2Signer.from_private_scalar(BANK_SCALAR)
OTHER = SM2Signer.from_private_scalar(OTHER_SCALAR)


class FixedNonceCipher:
    """A real cipher whose encryption always uses one fixed nonce/IV: deterministic envelopes for golden
    files. Only ever in tests: reusing a GCM nonce with one key is unsafe."""

    def __init__(self, algorithm: str, key: bytes, nonce: bytes) -> None:
        self._inner = get_backend().cipher(algorithm, key)
        self._nonce = nonce

    @property
    def algorithm(self):
        return self._inner.algorithm

    @property
    def nonce_size(self) -> int:
        return self._inner.nonce_size

    def encrypt(self, plaintext: bytes, aad: bytes = b"", *, nonce: bytes | None = None) -> bytes:
        return self._inner.encrypt(plaintext, aad, nonce=self._nonce)

    def decrypt(self, blob: bytes, aad: bytes = b"") -> bytes:
        return self._inner.decrypt(blob, aad)


def gcm(key: bytes = SM4_KEY) -> FixedNonceCipher:
    return FixedNonceCipher("SM4-GCM", key, GCM_NONCE)


def cbc(key: bytes = SM4_KEY) -> FixedNonceCipher:
    return FixedNonceCipher("SM4-CBC", key, CBC_IV)


DIRECT_SETTINGS = {"bank_code": "308", "user_id": "SILINK3701", "amount_unit": "yuan"}


def direct_ctx(settings: dict[str, Any] | None = None, **kw: Any) -> AdapterContext:
    """The gateway's context towards the direct-link bank (our signer, the bank's verifier, the SM4 key)."""
    args: dict[str, Any] = {
        "now_iso": NOW,
        "nonce": NONCE,
        "settings": {**DIRECT_SETTINGS, **(settings or {})},
        "signer": GATEWAY,
        "bank_verifier": BANK.verifier(),
        "cipher": gcm(),
    }
    args.update(kw)
    return AdapterContext(**args)


def file_ctx(settings: dict[str, Any] | None = None, **kw: Any) -> AdapterContext:
    args: dict[str, Any] = {
        "now_iso": NOW,
        "nonce": NONCE,
        "settings": settings if settings is not None else {"bank_code": "403"},
        "signer": GATEWAY,
        "bank_verifier": BANK.verifier(),
    }
    args.update(kw)
    return AdapterContext(**args)


# Synthetic payees: names include rare characters on purpose (堃 is in GBK; 䶮 and 𠮷 are not).
NAMES = ("张三", "李四", "王堃", "欧阳娜娜", "赵䶮", "𠮷田花子", "买买提·艾力", "Li Lei")
ID_NUMBERS = ("11010519491231002X", "440524188001010014")


def make_line(seq: int, name: str = "张三", amount_fen: int | None = None, **kw: Any) -> SubmissionLine:
    args: dict[str, Any] = {
        "seq": seq,
        "end_to_end_ref": f"S00000A{seq:09d}",
        "account": f"622202{seq:013d}",
        "account_type": "CARD",
        "name": name,
        "id_type": "RESIDENT_ID",
        "id_number": ID_NUMBERS[seq % 2],
        "amount_fen": amount_fen if amount_fen is not None else 150_000 + seq * 37,
        "benefit": "PENSION_EMPLOYEE",
        "period": "2025-01",
    }
    args.update(kw)
    return SubmissionLine(**args)


def make_submission(
    lines: Sequence[SubmissionLine] | int = 3, bank_code: str = "308", reference: str = "SLK000000000042"
) -> Submission:
    if isinstance(lines, int):
        lines = [make_line(i) for i in range(1, lines + 1)]
    return Submission(
        submission_id="42",
        bank_reference=reference,
        bank_code=bank_code,
        fund="PENSION_EMPLOYEE",
        fund_account="370100000000100001",
        fund_account_name="山东省社会保险事业中心企业职工养老保险基金支出户",
        lines=list(lines),
        control_sum_fen=sum(line.amount_fen for line in lines),
        requested_date="2025-01-06",
    )


def check_golden(name: str, actual: bytes) -> None:
    """Compare ``actual`` with ``golden/name`` byte for byte (or rewrite it when regenerating)."""
    path = GOLDEN / name
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual)
        return
    if not path.exists():
        pytest.fail(f"golden file {name} is missing: run with SILINK_REGEN_GOLDEN=1 and review it")
    expected = path.read_bytes()
    if actual != expected:
        at = next((i for i, (a, b) in enumerate(zip(actual, expected, strict=False)) if a != b), None)
        at = min(len(actual), len(expected)) if at is None else at
        pytest.fail(
            f"golden file {name} differs at byte {at} (actual {len(actual)} bytes, golden {len(expected)}); "
            "run with SILINK_REGEN_GOLDEN=1 if the change is intended"
        )


def golden_bytes(name: str, make: Callable[[], bytes]) -> bytes:
    """A stored input file (e.g. a bank answer signed once with the test bank key). Regenerating makes
    only missing ones (signatures are random: remaking would churn them); delete a file to remake it."""
    path = GOLDEN / name
    if not path.exists():
        if not REGEN:
            pytest.fail(f"golden input {name} is missing: run with SILINK_REGEN_GOLDEN=1 and review it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(make())
    return path.read_bytes()


def as_jsonable(value: Any) -> Any:
    """Dataclasses, enums and tuples as plain JSON values (for golden files of parse results)."""
    import dataclasses
    import enum

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [as_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): as_jsonable(v) for k, v in value.items()}
    return value


def pretty(value: Any) -> bytes:
    """Stable, reviewable JSON for golden files (sorted keys, one-space indent, Chinese as is)."""
    import json

    return (json.dumps(as_jsonable(value), ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode(
        "utf-8"
    )
