"""What both ends of the ISO 20022 link agree on: paths, headers, the detached signature, amounts in yuan.

The integration half of the adapter (after Hyperswitch's connector/transformers split): the bank
simulator's ISO handler imports these too, so the two ends cannot drift apart.

Detached signature. The body is sent as is; the signature travels beside it, as HTTP headers and as an
attachment of the :class:`~adapters.contract.WireMessage`::

    X-Silink-Signature-Alg  RSA-PSS-SHA256            (keys.algorithms name)
    X-Silink-Timestamp      2024-05-20T08:00:00Z      (ctx.now_iso)
    X-Silink-Nonce          9f2c…                     (ctx.nonce, never reused)
    X-Silink-Signature      base64(signature)
    attachment "signature"  the raw signature bytes

The signed bytes are ``"silink-iso20022-v1\\n" + timestamp + "\\n" + nonce + "\\n" + body``, so a replayed
body with a fresh timestamp fails, and the receiver can refuse stale timestamps and reused nonces
(DOMAIN.md §10: ±300 s). Answers from the bank may carry the same headers, signed by the bank's key.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

PROTOCOL = "iso20022"
PAIN001_PATH = "/iso20022/pain.001"
STATUS_PATH = "/iso20022/status"
NOTIFICATIONS_PATH = "/iso20022/notifications"

XML_CONTENT_TYPE = "application/xml; charset=utf-8"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"

PAIN001_NS = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
PAIN002_NS = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"
CAMT054_NS = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"
PAIN001_NAME = "pain.001.001.09"

H_SIG_ALG = "X-Silink-Signature-Alg"
H_TIMESTAMP = "X-Silink-Timestamp"
H_NONCE = "X-Silink-Nonce"
H_SIGNATURE = "X-Silink-Signature"
H_REFERENCE = "X-Silink-Reference"  # our MsgId, so a proxy or the bank can log it without parsing
SIGNATURE_ATTACHMENT = "signature"
SIGNING_DOMAIN = b"silink-iso20022-v1\n"

CURRENCY = "CNY"


def signing_input(timestamp: str, nonce: str, body: bytes) -> bytes:
    return b"".join((SIGNING_DOMAIN, timestamp.encode("ascii"), b"\n", nonce.encode("ascii"), b"\n", body))


def signature_headers(signer, timestamp: str, nonce: str, body: bytes) -> tuple[dict[str, str], bytes]:
    """The signature headers for ``body`` and the raw signature (for the attachment)."""
    signature = signer.sign(signing_input(timestamp, nonce, body))
    headers = {
        H_SIG_ALG: str(signer.algorithm),
        H_TIMESTAMP: timestamp,
        H_NONCE: nonce,
        H_SIGNATURE: base64.b64encode(signature).decode("ascii"),
    }
    return headers, signature


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup (HTTP header names are case-insensitive)."""
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def answer_stamp(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """``(nonce, timestamp)`` an answer carries in its headers for the receiver's replay check; ``None``
    when it carries neither (an unsigned answer, e.g. a front end's 503). One without the other comes back
    with ``""`` in its place, so the check refuses it as malformed."""
    nonce, timestamp = header(headers, H_NONCE), header(headers, H_TIMESTAMP)
    if nonce is None and timestamp is None:
        return None
    return nonce or "", timestamp or ""


def verify_signature(headers: Mapping[str, str], body: bytes, verifier) -> str | None:
    """``None`` when the headers carry a valid signature of ``body`` by ``verifier``'s key, else the refusal
    code (``SIGNATURE_MISSING`` or ``SIGNATURE_INVALID``). Timestamps and nonces are the receiver's to
    check."""
    sig_b64 = header(headers, H_SIGNATURE)
    timestamp = header(headers, H_TIMESTAMP)
    nonce = header(headers, H_NONCE)
    alg = header(headers, H_SIG_ALG)
    if not (sig_b64 and timestamp and nonce and alg):
        return "SIGNATURE_MISSING"
    if alg != str(verifier.algorithm):
        return "SIGNATURE_INVALID"
    try:
        signature = base64.b64decode(sig_b64, validate=True)
        data = signing_input(timestamp, nonce, body)
    except (binascii.Error, UnicodeEncodeError):
        return "SIGNATURE_INVALID"
    return None if verifier.verify(data, signature) else "SIGNATURE_INVALID"


def fen_to_yuan(fen: int) -> str:
    """``123456`` → ``"1234.56"``: integer arithmetic only, exactly two decimals."""
    if not isinstance(fen, int) or isinstance(fen, bool):
        raise TypeError("amounts are integer fen")
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan}.{cents:02d}"


def yuan_to_fen(text: str) -> int:
    """``"1234.56"`` → ``123456``; exactly the ISO decimal, at most two decimals, no float, no sign."""
    whole, dot, frac = text.strip().partition(".")
    if not (whole.isascii() and whole.isdigit()) or (dot and not (frac.isascii() and frac.isdigit())):
        raise ValueError("not an unsigned decimal amount")
    if len(frac.rstrip("0")) > 2 or len(whole) > 18:
        raise ValueError("not a fen amount")
    return int(whole) * 100 + int((frac[:2] or "0").ljust(2, "0"))
