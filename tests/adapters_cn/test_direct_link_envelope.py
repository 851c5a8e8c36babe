"""The direct-link envelope: canonical JSON, sign-then-encrypt, and every way opening it must fail."""

from __future__ import annotations

import base64
import json

import pytest

from adapters.direct_link import (
    ALGORITHM_MISMATCH,
    ENVELOPE_MALFORMED,
    SIGNATURE_INVALID,
    canonical_json,
    open_envelope,
    parse_wire_time,
    seal,
    strict_loads,
    wire_time,
)
from gateway.errors import InvalidInput
from keys.algorithms import DECRYPTION_FAILED, get_backend

from .helpers import BANK, OTHER, SM4_KEY, WRONG_SM4_KEY, cbc, gcm

HEAD = {
    "funcode": "PAYROLL_QUERY",
    "nonce": "ab12",
    "reqid": "Qab12",
    "reqtime": "20250105160000",
    "ver": "1",
}
BODY = {"batchref": "SLK000000000042", "lines": [{"name": "王堃", "seq": 1}], "querytype": "DETAIL"}


def _reason(call) -> str:
    with pytest.raises(InvalidInput) as err:
        call()
    return err.value.reason


def _reseal_inner(envelope: bytes, cipher, mutate) -> bytes:
    """Decrypt an envelope's inner object, change it, encrypt it again with the right key."""
    env = json.loads(envelope)
    aad = canonical_json(env["head"]) if cipher.algorithm.value == "SM4-GCM" else b""
    inner = json.loads(cipher.decrypt(base64.b64decode(env["encrypted"]), aad))
    mutate(inner)
    env["encrypted"] = base64.b64encode(cipher.encrypt(canonical_json(inner), aad)).decode()
    return canonical_json(env)


def test_canonical_json_is_sorted_compact_utf8() -> None:
    """Keys sorted at every level, no whitespace, Chinese written as UTF-8, not escaped."""
    data = canonical_json({"b": 1, "a": {"z": "堃", "y": [True, None]}})
    assert data == '{"a":{"y":[true,null],"z":"堃"},"b":1}'.encode()


@pytest.mark.parametrize(
    "text",
    [b'{"a":1.5}', b'{"a":1,"a":2}', b'{"a":NaN}', b'{"a":1} x', b"\xff\xfe", b"", b'{"a":1e3}'],
)
def test_strict_reading_refuses_ambiguous_json(text: bytes) -> None:
    """Floats, duplicate keys, NaN, trailing data and non-UTF-8 are refused as ENVELOPE_MALFORMED."""
    assert _reason(lambda: strict_loads(text, "x")) == ENVELOPE_MALFORMED


@pytest.mark.parametrize("make_cipher", [gcm, cbc], ids=["SM4-GCM", "SM4-CBC"])
def test_seal_then_open_round_trips(make_cipher) -> None:
    """What one side seals the other opens to the same head and body, with either cipher."""
    cipher = make_cipher()
    data = seal(HEAD, BODY, signer=BANK, cipher=cipher)
    envelope = json.loads(data)
    assert set(envelope) == {"encalg", "encrypted", "head", "sigalg"}
    assert envelope["sigalg"] == "SM3withSM2" and envelope["encalg"] == cipher.algorithm.value
    assert "王堃".encode() not in data  # the body travels only encrypted
    assert open_envelope(data, verifier=BANK.verifier(), cipher=cipher) == (HEAD, BODY)


def test_signature_covers_head_and_body() -> None:
    """The DER signature inside verifies over canonical {"body", "head"} with the sender's key."""
    cipher = gcm()
    data = seal(HEAD, BODY, signer=BANK, cipher=cipher)
    env = json.loads(data)
    inner = json.loads(cipher.decrypt(base64.b64decode(env["encrypted"]), canonical_json(env["head"])))
    signature = base64.b64decode(inner["sig"])
    assert signature[0] == 0x30  # DER SEQUENCE { r, s }
    assert BANK.verify(canonical_json({"body": BODY, "head": HEAD}), signature)


@pytest.mark.parametrize("make_cipher", [gcm, cbc], ids=["SM4-GCM", "SM4-CBC"])
def test_tampered_signature_is_detected(make_cipher) -> None:
    """A signature with one bit flipped (re-encrypted with the right key) is SIGNATURE_INVALID."""
    cipher = make_cipher()
    data = seal(HEAD, BODY, signer=BANK, cipher=cipher)

    def flip(inner: dict) -> None:
        sig = bytearray(base64.b64decode(inner["sig"]))
        sig[-1] ^= 0x01
        inner["sig"] = base64.b64encode(bytes(sig)).decode()

    tampered = _reseal_inner(data, cipher, flip)
    assert (
        _reason(lambda: open_envelope(tampered, verifier=BANK.verifier(), cipher=cipher)) == SIGNATURE_INVALID
    )


@pytest.mark.parametrize("make_cipher", [gcm, cbc], ids=["SM4-GCM", "SM4-CBC"])
def test_tampered_body_is_detected(make_cipher) -> None:
    """A body changed after signing (re-encrypted with the right key) no longer verifies."""
    cipher = make_cipher()
    data = seal(HEAD, BODY, signer=BANK, cipher=cipher)
    tampered = _reseal_inner(data, cipher, lambda inner: inner["body"].update(batchref="SLK000000000043"))
    assert (
        _reason(lambda: open_envelope(tampered, verifier=BANK.verifier(), cipher=cipher)) == SIGNATURE_INVALID
    )


def test_signature_by_another_key_is_detected() -> None:
    """An envelope signed by a key that is not the bank's is SIGNATURE_INVALID."""
    data = seal(HEAD, BODY, signer=OTHER, cipher=gcm())
    assert _reason(lambda: open_envelope(data, verifier=BANK.verifier(), cipher=gcm())) == SIGNATURE_INVALID


@pytest.mark.parametrize("make_cipher", [gcm, cbc], ids=["SM4-GCM", "SM4-CBC"])
def test_wrong_sm4_key_is_detected(make_cipher) -> None:
    """Opening with another SM4 key is DECRYPTION_FAILED (GCM by its tag, CBC by padding or JSON)."""
    data = seal(HEAD, BODY, signer=BANK, cipher=make_cipher(SM4_KEY))
    wrong = make_cipher(WRONG_SM4_KEY)
    assert _reason(lambda: open_envelope(data, verifier=BANK.verifier(), cipher=wrong)) == DECRYPTION_FAILED


def test_wrong_sm4_key_cbc_is_always_detected() -> None:
    """Over many random bodies, SM4-CBC with a wrong key never yields a readable, verified answer."""
    be = get_backend()
    right, wrong = be.cipher("SM4-CBC", SM4_KEY), be.cipher("SM4-CBC", WRONG_SM4_KEY)
    for i in range(200):
        data = seal(HEAD, {**BODY, "n": i}, signer=BANK, cipher=right)
        assert (
            _reason(lambda d=data: open_envelope(d, verifier=BANK.verifier(), cipher=wrong))
            == DECRYPTION_FAILED
        )


def test_altered_ciphertext_is_detected() -> None:
    """One flipped ciphertext bit is DECRYPTION_FAILED under SM4-GCM."""
    cipher = gcm()
    env = json.loads(seal(HEAD, BODY, signer=BANK, cipher=cipher))
    blob = bytearray(base64.b64decode(env["encrypted"]))
    blob[20] ^= 0x80
    env["encrypted"] = base64.b64encode(bytes(blob)).decode()
    data = canonical_json(env)
    assert _reason(lambda: open_envelope(data, verifier=BANK.verifier(), cipher=cipher)) == DECRYPTION_FAILED


@pytest.mark.parametrize(("make_cipher", "reason"), [(gcm, DECRYPTION_FAILED), (cbc, SIGNATURE_INVALID)])
def test_altered_clear_head_is_detected(make_cipher, reason: str) -> None:
    """Changing the clear head fails GCM's AAD check, or (CBC) the signature that covers the head."""
    cipher = make_cipher()
    env = json.loads(seal(HEAD, BODY, signer=BANK, cipher=cipher))
    env["head"]["reqid"] = "Qother"
    data = canonical_json(env)
    assert _reason(lambda: open_envelope(data, verifier=BANK.verifier(), cipher=cipher)) == reason


def test_algorithm_downgrade_is_refused() -> None:
    """An answer in SM4-CBC to a bank configured for SM4-GCM is refused, not followed."""
    data = seal(HEAD, BODY, signer=BANK, cipher=cbc())
    assert _reason(lambda: open_envelope(data, verifier=BANK.verifier(), cipher=gcm())) == ALGORITHM_MISMATCH
    env = json.loads(seal(HEAD, BODY, signer=BANK, cipher=gcm()))
    env["sigalg"] = "RSA-SHA256"
    data = canonical_json(env)
    assert _reason(lambda: open_envelope(data, verifier=BANK.verifier(), cipher=gcm())) == ALGORITHM_MISMATCH


@pytest.mark.parametrize(
    "mutate",
    [
        lambda env: env.update(extra=1),
        lambda env: env.pop("head"),
        lambda env: env.update(head=[1]),
        lambda env: env.update(encrypted="not base64!"),
        lambda env: env.update(encrypted=7),
    ],
    ids=["extra key", "no head", "head not object", "bad base64", "encrypted not text"],
)
def test_malformed_envelopes_are_refused(mutate) -> None:
    """Envelopes that are not exactly the four fields with the right types are ENVELOPE_MALFORMED."""
    env = json.loads(seal(HEAD, BODY, signer=BANK, cipher=gcm()))
    mutate(env)
    data = canonical_json(env)
    assert _reason(lambda: open_envelope(data, verifier=BANK.verifier(), cipher=gcm())) == ENVELOPE_MALFORMED


def test_missing_keys_are_a_configuration_error() -> None:
    """Sealing or opening without keys is refused before anything is built or read."""
    assert _reason(lambda: seal(HEAD, BODY, signer=None, cipher=gcm())) == "ADAPTER_KEYS_MISSING"
    assert _reason(lambda: open_envelope(b"{}", verifier=None, cipher=gcm())) == "ADAPTER_KEYS_MISSING"


def test_wire_time_is_china_standard_time() -> None:
    """Context times in any zone become YYYYMMDDhhmmss at UTC+8, and read back to the same moment."""
    assert wire_time("2025-01-05T08:00:00+00:00") == "20250105160000"
    assert wire_time("2025-01-05T23:30:00Z") == "20250106073000"
    moment = parse_wire_time("20250105160000")
    assert moment is not None and moment.isoformat() == "2025-01-05T16:00:00+08:00"
    assert parse_wire_time("2025-01-05") is None and parse_wire_time(20250105160000) is None
    assert _reason(lambda: wire_time("2025-01-05T08:00:00")) == "CONTEXT_INVALID"
