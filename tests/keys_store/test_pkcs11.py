"""PKCS#11 on a real SoftHSM2 token: non-extractable keys, signing in the HSM, verifying outside it."""

from __future__ import annotations

import secrets
import threading
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from gateway.errors import SilinkError
from keys.algorithms import SignatureAlgorithm, get_backend
from keys.manifest import ManifestFields, sign_manifest
from keys.pkcs11_backend import Pkcs11Config, Pkcs11Signer, Pkcs11Token
from keys.store import KeyStore, StoreVerdict, verify_manifest_with_store

from .conftest import SoftHsm


@pytest.fixture
def token(softhsm: SoftHsm) -> Pkcs11Token:
    return Pkcs11Token.get(Pkcs11Config(softhsm.module, softhsm.token, softhsm.pin))


@pytest.fixture
def hsm_store(tmp_path: Path, softhsm: SoftHsm) -> KeyStore:
    return KeyStore(
        tmp_path, secrets.token_bytes(32), pkcs11=Pkcs11Config(softhsm.module, softhsm.token, softhsm.pin)
    )


@pytest.mark.parametrize(
    "alg",
    [
        SignatureAlgorithm.ECDSA_P256_SHA256,
        SignatureAlgorithm.RSA_PSS_SHA256,
        SignatureAlgorithm.RSA_PKCS1V15_SHA256,
        SignatureAlgorithm.ED25519,
    ],
)
def test_hsm_signatures_verify_outside_the_hsm(token: Pkcs11Token, alg: SignatureAlgorithm) -> None:
    """A key generated on the token is sensitive and never extractable; its signatures verify with
    keys.algorithms on the host, and a changed message does not."""
    key_id, pem = token.generate(alg, f"test-{alg}")
    assert token.key_attributes(key_id) == {
        "sensitive": True,
        "extractable": False,
        "never_extractable": True,
    }
    signer = Pkcs11Signer(token, alg, key_id, pem)
    msg = secrets.token_bytes(300)
    sig = signer.sign(msg)
    outside = get_backend("pycryptodome").load_verifier(alg, pem)
    assert outside.verify(msg, sig)
    assert not outside.verify(msg + b"x", sig)


def test_ecdsa_and_pss_from_the_hsm_verify_with_cryptography_directly(token: Pkcs11Token) -> None:
    """The host-hashed ECDSA signature is standard DER ECDSA-SHA256 and the PSS one uses SHA-256, MGF1
    and a 32-byte salt, as cryptography checks them with no silink code in between."""
    msg = b"submission manifest"
    kid, pem = token.generate(SignatureAlgorithm.ECDSA_P256_SHA256, "direct-ec")
    pub = serialization.load_pem_public_key(pem)
    pub.verify(
        Pkcs11Signer(token, SignatureAlgorithm.ECDSA_P256_SHA256, kid, pem).sign(msg),
        msg,
        ec.ECDSA(hashes.SHA256()),
    )
    kid, pem = token.generate(SignatureAlgorithm.RSA_PSS_SHA256, "direct-rsa")
    pub = serialization.load_pem_public_key(pem)
    sig = Pkcs11Signer(token, SignatureAlgorithm.RSA_PSS_SHA256, kid, pem).sign(msg)
    pub.verify(sig, msg, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())


def test_sm2_is_refused_by_the_hsm_backend(hsm_store: KeyStore) -> None:
    """SoftHSM has no SM2: asking for an SM2 key in the pkcs11 backend is refused with a reason."""
    with pytest.raises(SilinkError) as exc:
        hsm_store.create("sm2-in-hsm", "sm2", backend="pkcs11")
    assert exc.value.reason == "ALGORITHM_NOT_IN_BACKEND"


def test_store_keys_in_the_hsm_rotate_sign_manifests_and_never_export(hsm_store: KeyStore) -> None:
    """A pkcs11 store key signs a manifest that verifies through the store; after rotation the old
    version still verifies; the private key cannot be exported."""
    hsm_store.create("bank-105-sign", "ecdsa-p256", backend="pkcs11")
    signer, v1 = hsm_store.signer("bank-105-sign")
    fields = ManifestFields(
        submission_id="S-9", bank_code="105", fund_account="370100000000100004", line_count=0,
        control_sum_fen=0, merkle_root="00" * 32, hash_alg="SHA-256", key_id="bank-105-sign", key_version=v1,
    )  # fmt: skip
    m = sign_manifest(fields, signer)
    assert verify_manifest_with_store(m, hsm_store) is StoreVerdict.OK
    assert hsm_store.rotate("bank-105-sign") == 2
    assert verify_manifest_with_store(m, hsm_store) is StoreVerdict.OK
    assert hsm_store.info("bank-105-sign").versions[0]["source"] == "pkcs11"
    with pytest.raises(SilinkError) as exc:
        hsm_store._private_pem_for_export("bank-105-sign", None, b"p" * 16)
    assert exc.value.reason == "KEY_NOT_EXPORTABLE"


def test_one_session_shared_by_threads_under_a_lock(token: Pkcs11Token) -> None:
    """Several threads signing at once through the one session all get valid signatures."""
    kid, pem = token.generate(SignatureAlgorithm.ECDSA_P256_SHA256, "threads")
    signer = Pkcs11Signer(token, SignatureAlgorithm.ECDSA_P256_SHA256, kid, pem)
    bad: list[int] = []

    def work(n: int) -> None:
        for i in range(50):
            msg = f"{n}-{i}".encode()
            if not signer.verify(msg, signer.sign(msg)):
                bad.append(n)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert bad == []


def test_hsm_signing_rate_is_measured(token: Pkcs11Token) -> None:
    """ECDSA P-256 signing through SoftHSM sustains a useful rate (well over 100 signatures a second)."""
    kid, pem = token.generate(SignatureAlgorithm.ECDSA_P256_SHA256, "rate")
    signer = Pkcs11Signer(token, SignatureAlgorithm.ECDSA_P256_SHA256, kid, pem)
    msg = secrets.token_bytes(200)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < 0.5:
        signer.sign(msg)
        n += 1
    assert n / (time.perf_counter() - start) > 100


def test_cli_signs_with_an_hsm_key_configured_in_silink_toml(
    home: Path, tmp_path: Path, softhsm: SoftHsm, silink, openssl
) -> None:
    """With [keys.pkcs11] in silink.toml, `silink keys create --backend pkcs11` and `sign` use the token,
    and openssl verifies the signature with the exported public key."""
    (home / "secrets" / "hsm.pin").write_text(softhsm.pin)
    with open(home / "silink.toml", "a", encoding="utf-8") as fh:
        fh.write(
            f'\n[keys.pkcs11]\nmodule = "{softhsm.module}"\ntoken = "{softhsm.token}"\n'
            'pin_file = "secrets/hsm.pin"\n'
        )
    assert (
        silink("keys", "create", "hsm-rsa", "--alg", "rsa-pss", "--backend", "pkcs11", "--dir", home).code
        == 0
    )
    (tmp_path / "f").write_bytes(b"file to sign" * 100)
    assert (
        silink("keys", "sign", "--key", "hsm-rsa", tmp_path / "f", "-o", tmp_path / "sig", "--dir", home).code
        == 0
    )
    assert silink("keys", "export-public", "hsm-rsa", "-o", tmp_path / "pub.pem", "--dir", home).code == 0
    openssl("dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest",
            "-verify", "pub.pem", "-signature", "sig", "f")  # fmt: skip
    listed = silink("keys", "list", "--dir", home, "--json").json()["keys"]
    assert next(k for k in listed if k["name"] == "hsm-rsa")["backend"] == "pkcs11"
