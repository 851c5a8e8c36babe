"""The signed manifest of one submission: what was sent, to whom, how much, sealed by one signature.

A manifest carries the submission id, bank code, fund account, line count, control sum (fen), the RFC
9162 Merkle root (hex) of the canonical lines (``keys.canonical``) and its hash algorithm, the signature
algorithm, key id and version, the creation time (UTC ISO-8601), a random 16-byte nonce (hex), and the
signature (base64) over the canonical JSON of every other field: sorted keys, no whitespace, UTF-8 —
RFC 8785 (JCS) for the strings and integers used here.

:func:`verify_manifest` answers with a :class:`Verdict` that says precisely what is wrong; only
``Verdict.OK`` is truthy, so ``if verify_manifest(...):`` is safe.

The verifier is chosen by the caller from ``key_id``/``key_version`` (the key store's job); the manifest
never picks its own key, and a manifest whose ``signature_alg`` differs from the verifier's algorithm is
refused before any signature check.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from itertools import islice
from operator import itemgetter

from gateway.errors import InvalidInput

from .algorithms import HashAlgorithm, Signer, Verifier, hash_algorithm
from .algorithms._api import SignatureAlgorithm
from .canonical import LINE_FORMAT
from .merkle import BATCH, RootBuilder, row_leaf_hashes

MANIFEST_FORMAT = "silink-manifest-v1"
MANIFEST_MALFORMED = "MANIFEST_MALFORMED"
LINES_OUTSIDE_SUBMISSION = "LINES_OUTSIDE_SUBMISSION"
_MAX_INT = 2**53 - 1  # I-JSON / RFC 8785: integers beyond this do not survive every JSON parser


class Verdict(StrEnum):
    """The outcome of :func:`verify_manifest`; only OK is truthy."""

    OK = "OK"
    MALFORMED = "MALFORMED"  # a field has the wrong type or shape, or an unknown format/hash algorithm
    ALGORITHM_MISMATCH = "ALGORITHM_MISMATCH"  # the manifest names another algorithm than the verifier's
    BAD_SIGNATURE = "BAD_SIGNATURE"
    LINE_MALFORMED = "LINE_MALFORMED"  # a given line cannot be canonicalised
    LINE_OUTSIDE_SUBMISSION = "LINE_OUTSIDE_SUBMISSION"  # a line of another bank or fund account
    COUNT_MISMATCH = "COUNT_MISMATCH"
    CONTROL_SUM_MISMATCH = "CONTROL_SUM_MISMATCH"
    ROOT_MISMATCH = "ROOT_MISMATCH"

    def __bool__(self) -> bool:
        return self is Verdict.OK


@dataclass(frozen=True, slots=True)
class LinesSummary:
    """What a manifest says about its lines, computed in one pass."""

    line_count: int
    control_sum_fen: int
    merkle_root: bytes
    hash_alg: HashAlgorithm
    bank_codes: frozenset[str]
    fund_accounts: frozenset[str]
    leaf_hashes: list[bytes] | None = None


_AMOUNT = itemgetter(8)
_BANK = itemgetter(2)
_FUND = itemgetter(11)


def summarize_lines(
    rows: Iterable[tuple],
    hash_alg: str | HashAlgorithm = HashAlgorithm.SHA256,
    *,
    keep_leaf_hashes: bool = False,
) -> LinesSummary:
    """Count, control sum, bank codes, fund accounts and Merkle root of rows in canonical field order.

    One streaming pass, a batch at a time (memory stays bounded unless ``keep_leaf_hashes``, which keeps
    32 bytes a line so inclusion proofs can be recomputed later). Raises ``InvalidInput`` for a line that
    cannot be canonicalised.
    """
    alg = hash_algorithm(hash_alg)
    builder = RootBuilder(alg)
    kept: list[bytes] | None = [] if keep_leaf_hashes else None
    count = total = 0
    banks: set[str] = set()
    funds: set[str] = set()
    it = iter(rows)
    while batch := list(islice(it, BATCH)):
        hashes = row_leaf_hashes(batch, alg)  # canonicalise + leaf-hash, in C when keys.merkle.NATIVE
        builder._append_hashes(hashes)  # computed just above: skip append_leaf_hashes' checks
        if kept is not None:
            kept.extend(hashes)
        count += len(batch)
        total += sum(map(_AMOUNT, batch))
        banks.update(map(_BANK, batch))
        funds.update(map(_FUND, batch))
    return LinesSummary(count, total, builder.root(), alg, frozenset(banks), frozenset(funds), kept)


@dataclass(frozen=True, slots=True)
class ManifestFields:
    """What the caller states about a submission; :func:`sign_manifest` adds the rest."""

    submission_id: str
    bank_code: str
    fund_account: str
    line_count: int
    control_sum_fen: int
    merkle_root: str  # lowercase hex
    hash_alg: str
    key_id: str
    key_version: int

    @classmethod
    def for_lines(
        cls,
        *,
        submission_id: str,
        bank_code: str,
        fund_account: str,
        rows: Iterable[tuple],
        hash_alg: str | HashAlgorithm,
        key_id: str,
        key_version: int,
    ) -> ManifestFields:
        """Compute count, control sum and root from the rows; every row must belong to this bank and
        fund account (``InvalidInput(LINES_OUTSIDE_SUBMISSION)`` otherwise)."""
        s = summarize_lines(rows, hash_alg)
        if (s.bank_codes and s.bank_codes != {bank_code}) or (
            s.fund_accounts and s.fund_accounts != {fund_account}
        ):
            raise InvalidInput("a line belongs to another bank or fund account", LINES_OUTSIDE_SUBMISSION)
        return cls(
            submission_id=submission_id,
            bank_code=bank_code,
            fund_account=fund_account,
            line_count=s.line_count,
            control_sum_fen=s.control_sum_fen,
            merkle_root=s.merkle_root.hex(),
            hash_alg=str(s.hash_alg),
            key_id=key_id,
            key_version=key_version,
        )


@dataclass(frozen=True, slots=True)
class Manifest:
    """A signed manifest; build it with :func:`sign_manifest` or :meth:`from_json`."""

    format: str
    line_format: str
    submission_id: str
    bank_code: str
    fund_account: str
    line_count: int
    control_sum_fen: int
    merkle_root: str
    hash_alg: str
    signature_alg: str
    key_id: str
    key_version: int
    created_at: str
    nonce: str
    signature: str  # base64 of the signature over signed_payload()

    def signed_payload(self) -> bytes:
        """The canonical JSON of every field except ``signature`` — the bytes that are signed."""
        fields = dataclasses.asdict(self)
        del fields["signature"]
        return _canonical_json(fields)

    def to_json(self) -> str:
        """Canonical JSON of the whole manifest (signature included)."""
        return _canonical_json(dataclasses.asdict(self)).decode()

    @classmethod
    def from_json(cls, text: str | bytes) -> Manifest:
        """Parse a manifest strictly: exactly the known keys, each of the right JSON type.

        Raises ``InvalidInput(MANIFEST_MALFORMED)``; whether it is *valid* is :func:`verify_manifest`'s
        question.
        """
        try:
            obj = json.loads(text)
        except (ValueError, TypeError):
            raise InvalidInput("manifest is not JSON", MANIFEST_MALFORMED) from None
        names = {f.name: f for f in dataclasses.fields(cls)}
        if not isinstance(obj, dict) or set(obj) != set(names):
            raise InvalidInput("manifest has missing or unknown fields", MANIFEST_MALFORMED)
        for name, value in obj.items():
            want = int if names[name].type in ("int", int) else str
            # bool is an int subclass in Python but not an integer in a manifest.
            if type(value) is not want:
                raise InvalidInput(f"manifest field {name} has the wrong type", MANIFEST_MALFORMED)
        return cls(**obj)


def _canonical_json(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sign_manifest(fields: ManifestFields, signer: Signer, *, created_at: str | None = None) -> Manifest:
    """Seal ``fields`` with ``signer``: adds format versions, algorithm, time, a fresh nonce and the
    signature. ``InvalidInput(MANIFEST_MALFORMED)`` if a field would not pass :func:`verify_manifest`."""
    unsigned = Manifest(
        format=MANIFEST_FORMAT,
        line_format=LINE_FORMAT,
        submission_id=fields.submission_id,
        bank_code=fields.bank_code,
        fund_account=fields.fund_account,
        line_count=fields.line_count,
        control_sum_fen=fields.control_sum_fen,
        merkle_root=fields.merkle_root,
        hash_alg=fields.hash_alg,
        signature_alg=str(signer.algorithm),
        key_id=fields.key_id,
        key_version=fields.key_version,
        created_at=created_at if created_at is not None else _utc_now(),
        nonce=secrets.token_hex(16),
        signature="",
    )
    if not _well_formed(unsigned):
        raise InvalidInput("manifest fields are malformed", MANIFEST_MALFORMED)
    sig = signer.sign(unsigned.signed_payload())
    return dataclasses.replace(unsigned, signature=base64.b64encode(sig).decode("ascii"))


_HASH_NAMES = frozenset(a.value for a in HashAlgorithm)
_SIGNATURE_NAMES = frozenset(a.value for a in SignatureAlgorithm)
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX32 = re.compile(r"[0-9a-f]{32}")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")


def _well_formed(m: Manifest) -> bool:
    for f in dataclasses.fields(m):
        value = getattr(m, f.name)
        if type(value) is not (int if f.type in ("int", int) else str):
            return False
    if m.format != MANIFEST_FORMAT or m.line_format != LINE_FORMAT:
        return False
    if m.hash_alg not in HashAlgorithm.__members__.values() or m.signature_alg not in list(
        SignatureAlgorithm
    ):
        return False
    if not (_HEX64.fullmatch(m.merkle_root) and _HEX32.fullmatch(m.nonce) and _TIME.fullmatch(m.created_at)):
        return False
    try:
        datetime.fromisoformat(m.created_at.replace("Z", "+00:00"))
    except ValueError:
        return False
    if not all(0 <= v <= _MAX_INT for v in (m.line_count, m.control_sum_fen, m.key_version)):
        return False
    return all((m.submission_id, m.bank_code, m.fund_account, m.key_id))


def verify_manifest(manifest: Manifest, verifier: Verifier, lines: Iterable[tuple] | None = None) -> Verdict:
    """Check the signature and, when ``lines`` (rows in canonical field order) are given, that they are
    exactly the lines the manifest describes. Never raises on bad data: the Verdict names the first
    problem, in the order MALFORMED, ALGORITHM_MISMATCH, BAD_SIGNATURE, LINE_MALFORMED,
    LINE_OUTSIDE_SUBMISSION, COUNT_MISMATCH, CONTROL_SUM_MISMATCH, ROOT_MISMATCH."""
    if not isinstance(manifest, Manifest) or not _well_formed(manifest):
        return Verdict.MALFORMED
    if manifest.signature_alg != verifier.algorithm:
        return Verdict.ALGORITHM_MISMATCH
    try:
        sig = base64.b64decode(manifest.signature, validate=True)
    except (binascii.Error, ValueError):
        return Verdict.BAD_SIGNATURE
    # Base64 has several spellings of the same bytes (non-zero padding bits); only the canonical one
    # is accepted, so that any changed character of a manifest fails verification.
    if base64.b64encode(sig).decode("ascii") != manifest.signature:
        return Verdict.BAD_SIGNATURE
    if not verifier.verify(manifest.signed_payload(), sig):
        return Verdict.BAD_SIGNATURE
    if lines is None:
        return Verdict.OK
    try:
        s = summarize_lines(lines, manifest.hash_alg)
    except InvalidInput:
        return Verdict.LINE_MALFORMED
    except (TypeError, IndexError):
        # A row that is not a 12-field sequence, or an amount that does not add up.
        return Verdict.LINE_MALFORMED
    if (s.bank_codes - {manifest.bank_code}) or (s.fund_accounts - {manifest.fund_account}):
        return Verdict.LINE_OUTSIDE_SUBMISSION
    if s.line_count != manifest.line_count:
        return Verdict.COUNT_MISMATCH
    if s.control_sum_fen != manifest.control_sum_fen:
        return Verdict.CONTROL_SUM_MISMATCH
    if s.merkle_root.hex() != manifest.merkle_root:
        return Verdict.ROOT_MISMATCH
    return Verdict.OK
