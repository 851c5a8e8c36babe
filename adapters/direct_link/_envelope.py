"""The signed-then-encrypted JSON envelope, both ways (we seal requests; the bank seals answers).

::

    signed input  = canonical({"body": body, "head": head})        SM3withSM2, ID 1234567812345678, DER
    plaintext     = canonical({"body": body, "sig": base64(DER)})
    encrypted     = base64(SM4-GCM: nonce ‖ ciphertext ‖ tag, AAD = canonical(head))
                  | base64(SM4-CBC: iv ‖ ciphertext, PKCS#7; no AAD: the signature covers the head)
    envelope      = canonical({"encalg": "SM4-GCM", "encrypted": …, "head": head, "sigalg": "SM3withSM2"})

Canonical JSON: UTF-8, keys sorted by code point, no whitespace (``separators=(",", ":")``), non-ASCII
characters written as themselves, values only objects, arrays, strings, integers, booleans and null (never
floats: amounts are strings). Reading is strict the same way: duplicate keys, floats, ``NaN`` and
non-UTF-8 bytes are refused, so what we verify is exactly what we then read.

Errors are ``InvalidInput`` with one of the reasons below, each naming what failed and no content.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from gateway.errors import InvalidInput
from keys.algorithms import DECRYPTION_FAILED, CipherAlgorithm

SIG_ALG = "SM3withSM2"
VERSION = "1"

ENVELOPE_MALFORMED = "ENVELOPE_MALFORMED"
# The decrypted (so key-holder's) content is not what the format says: asking again gives the same.
BODY_MALFORMED = "ENVELOPE_BODY_MALFORMED"
SIGNATURE_INVALID = "SIGNATURE_INVALID"
ALGORITHM_MISMATCH = "ALGORITHM_MISMATCH"
KEYS_MISSING = "ADAPTER_KEYS_MISSING"

# China Standard Time has no daylight saving: a fixed offset is exact.
CST = dt.timezone(dt.timedelta(hours=8), "CST")
WIRE_TIME_FORMAT = "%Y%m%d%H%M%S"

_dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode


def canonical_json(value: Any) -> bytes:
    """The canonical bytes of a JSON value (see the module docstring)."""
    return _dumps(value).encode("utf-8")


def _no_float(text: str) -> Any:
    raise ValueError("floats are not allowed")


def _no_constant(text: str) -> Any:
    raise ValueError("NaN/Infinity are not allowed")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("duplicate key")
    return out


_decoder = json.JSONDecoder(
    parse_float=_no_float, parse_constant=_no_constant, object_pairs_hook=_no_duplicates
)


def strict_loads(data: bytes, what: str) -> Any:
    """Parse JSON the strict way; ``InvalidInput(ENVELOPE_MALFORMED)`` naming ``what`` otherwise."""
    try:
        text = data.decode("utf-8").strip()
        value, end = _decoder.raw_decode(text)
        if end != len(text):
            raise ValueError("trailing data")
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput(
            f"{what} is not valid JSON (UTF-8, no floats, no duplicate keys)", ENVELOPE_MALFORMED
        ) from None
    return value


def context_time(now_iso: str) -> dt.datetime:
    """The context's ISO 8601 time as an aware datetime; ``InvalidInput(CONTEXT_INVALID)`` otherwise."""
    try:
        moment = dt.datetime.fromisoformat(now_iso.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise InvalidInput("context time is not ISO 8601", "CONTEXT_INVALID") from None
    if moment.tzinfo is None:
        raise InvalidInput("context time has no time zone", "CONTEXT_INVALID")
    return moment


def wire_time(now_iso: str) -> str:
    """``2025-01-05T08:00:00+00:00`` → ``20250105160000`` (China Standard Time, seconds)."""
    return context_time(now_iso).astimezone(CST).strftime(WIRE_TIME_FORMAT)


def parse_wire_time(text: object) -> dt.datetime | None:
    """The moment of a ``head`` time stamp, or None when it is not ``YYYYMMDDhhmmss``."""
    if not isinstance(text, str) or len(text) != 14 or not text.isdigit():
        return None
    try:
        return dt.datetime.strptime(text, WIRE_TIME_FORMAT).replace(tzinfo=CST)
    except ValueError:
        return None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise InvalidInput(f"{what} is not base64 text", ENVELOPE_MALFORMED)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"{what} is not valid base64", ENVELOPE_MALFORMED) from None


def _aad(cipher: Any, head_bytes: bytes) -> bytes:
    # Only the GCM ciphers authenticate associated data; SM4-CBC refuses any.
    return head_bytes if cipher.algorithm is not CipherAlgorithm.SM4_CBC else b""


def seal(head: Mapping[str, Any], body: Mapping[str, Any], *, signer: Any, cipher: Any) -> bytes:
    """Sign ``head``+``body`` and encrypt ``body``+signature into the envelope bytes."""
    if signer is None or cipher is None:
        raise InvalidInput(
            "the direct-link protocol needs a signer and a cipher in the context", KEYS_MISSING
        )
    head_bytes = canonical_json(head)
    body_bytes = canonical_json(body)
    # Both objects are built by concatenation: "body" < "head" < "sig", so key order is already canonical
    # and the (large) body is serialised once.
    signature = signer.sign(b'{"body":' + body_bytes + b',"head":' + head_bytes + b"}")
    plaintext = b'{"body":' + body_bytes + b',"sig":"' + _b64(signature).encode("ascii") + b'"}'
    blob = cipher.encrypt(plaintext, _aad(cipher, head_bytes))
    envelope = {
        "encalg": cipher.algorithm.value,
        "encrypted": _b64(blob),
        "head": dict(head),
        "sigalg": SIG_ALG,
    }
    return canonical_json(envelope)


def open_envelope(data: bytes, *, verifier: Any, cipher: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Decrypt and verify an envelope; ``(head, body)`` only when both succeed.

    Raises ``InvalidInput`` with reason
    ENVELOPE_MALFORMED  not an envelope;
    ALGORITHM_MISMATCH  other algorithms than this bank's profile (a downgrade is refused);
    DECRYPTION_FAILED   wrong key or altered ciphertext;
    BODY_MALFORMED      decrypted content not in the format (from the key holder: asking again won't help);
    SIGNATURE_INVALID   altered content or not the bank's key.
    """
    if verifier is None or cipher is None:
        raise InvalidInput("the direct-link protocol needs a bank verifier and a cipher", KEYS_MISSING)
    envelope = strict_loads(data, "the envelope")
    if not isinstance(envelope, dict) or set(envelope) != {"encalg", "encrypted", "head", "sigalg"}:
        raise InvalidInput(
            "the envelope does not have exactly encalg, encrypted, head, sigalg", ENVELOPE_MALFORMED
        )
    head = envelope["head"]
    if not isinstance(head, dict):
        raise InvalidInput("the envelope head is not an object", ENVELOPE_MALFORMED)
    if envelope["sigalg"] != SIG_ALG or envelope["encalg"] != cipher.algorithm.value:
        raise InvalidInput(
            f"the envelope names other algorithms than this bank's ({SIG_ALG}, {cipher.algorithm.value})",
            ALGORITHM_MISMATCH,
        )
    blob = _unb64(envelope["encrypted"], "the encrypted field")
    head_bytes = canonical_json(head)
    try:
        plaintext = cipher.decrypt(blob, _aad(cipher, head_bytes))
    except InvalidInput as exc:
        if exc.reason == DECRYPTION_FAILED:
            raise InvalidInput(
                "the body cannot be decrypted (wrong SM4 key or altered)", DECRYPTION_FAILED
            ) from None
        raise
    try:
        inner = strict_loads(plaintext, "the decrypted body")
    except InvalidInput as exc:
        # CBC has no tag: a wrong key usually fails the padding, else it yields bytes that are not JSON.
        if cipher.algorithm is CipherAlgorithm.SM4_CBC:
            raise InvalidInput(
                "the body cannot be decrypted (wrong SM4 key or altered)", DECRYPTION_FAILED
            ) from None
        raise InvalidInput(exc.message, BODY_MALFORMED) from None
    if not isinstance(inner, dict) or set(inner) != {"body", "sig"} or not isinstance(inner["body"], dict):
        raise InvalidInput("the decrypted body does not have exactly body and sig", BODY_MALFORMED)
    try:
        signature = _unb64(inner["sig"], "the signature")
    except InvalidInput as exc:
        raise InvalidInput(exc.message, BODY_MALFORMED) from None
    signed = canonical_json({"body": inner["body"], "head": head})
    if not verifier.verify(signed, signature):
        raise InvalidInput("the bank's signature does not verify", SIGNATURE_INVALID)
    return head, inner["body"]
