"""Interoperability with the ``openssl`` command line (OpenSSL 3.0), in both directions, both backends.

The exact commands used here are the documented contract with banks:

* SM2:     openssl dgst -sm3 -sign key.pem -sigopt distid:1234567812345678 -out sig msg
           openssl dgst -sm3 -verify pub.pem -sigopt distid:1234567812345678 -signature sig msg
           openssl pkeyutl -sign -inkey key.pem -rawin -digest sm3 -pkeyopt distid:1234567812345678 …
           openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -digest sm3 -pkeyopt distid:… -sigfile sig
* RSA-PSS: openssl dgst -sha256 -sign key.pem -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest
* RSA v1.5 and ECDSA P-256: openssl dgst -sha256 -sign key.pem / -verify pub.pem -signature sig
* Ed25519: openssl pkeyutl -sign -inkey key.pem -rawin / -verify -pubin -inkey pub.pem -rawin -sigfile sig
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from keys.algorithms import SignatureAlgorithm as S
from keys.algorithms import SM2Signer, get_backend, reference

from .conftest import SM2_ID

BACKENDS = ["cryptography", "pycryptodome"]

GENPKEY = {
    S.SM2_SM3: ["-algorithm", "SM2"],
    S.RSA_PSS_SHA256: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    S.RSA_PKCS1V15_SHA256: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    S.ECDSA_P256_SHA256: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    S.ED25519: ["-algorithm", "ED25519"],
}
SIGOPTS = {
    S.SM2_SM3: ["-sm3", "-sigopt", f"distid:{SM2_ID}"],
    S.RSA_PSS_SHA256: ["-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"],
    S.RSA_PKCS1V15_SHA256: ["-sha256"],
    S.ECDSA_P256_SHA256: ["-sha256"],
}


def _openssl_sign(openssl, alg: S, key: str, msg: str, sig: str) -> None:
    if alg is S.ED25519:
        openssl("pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", msg, "-out", sig)
    else:
        openssl("dgst", *SIGOPTS[alg], "-sign", key, "-out", sig, msg)


def _openssl_verifies(openssl, alg: S, pub: str, msg: str, sig: str) -> bool:
    if alg is S.ED25519:
        args = ["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", msg, "-sigfile", sig]
    else:
        args = ["dgst", *SIGOPTS[alg], "-verify", pub, "-signature", sig, msg]
    return openssl(*args, check=False).returncode == 0


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("alg", list(S))
def test_our_signature_verifies_in_openssl(openssl, tmp_path: Path, backend: str, alg: S) -> None:
    """A key generated and a signature made by us verify with the openssl command; a wrong message fails."""
    signer = get_backend(backend).generate(alg)
    msg = secrets.token_bytes(300)
    (tmp_path / "pub.pem").write_bytes(signer.public_pem())
    (tmp_path / "msg").write_bytes(msg)
    (tmp_path / "other").write_bytes(msg + b"!")
    (tmp_path / "sig").write_bytes(signer.sign(msg))
    assert _openssl_verifies(openssl, alg, "pub.pem", "msg", "sig")
    assert not _openssl_verifies(openssl, alg, "pub.pem", "other", "sig")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("alg", list(S))
def test_openssl_signature_verifies_with_us(openssl, tmp_path: Path, backend: str, alg: S) -> None:
    """A key generated and a signature made by openssl load and verify with us; a wrong message fails."""
    openssl("genpkey", *GENPKEY[alg], "-out", "key.pem")
    openssl("pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem")
    msg = secrets.token_bytes(300)
    (tmp_path / "msg").write_bytes(msg)
    _openssl_sign(openssl, alg, "key.pem", "msg", "sig")
    sig = (tmp_path / "sig").read_bytes()
    be = get_backend(backend)
    verifier = be.load_verifier(alg, (tmp_path / "pub.pem").read_bytes())
    assert verifier.verify(msg, sig)
    assert not verifier.verify(msg + b"!", sig)
    # And openssl's private key signs with us, for openssl to check.
    signer = be.load_signer(alg, (tmp_path / "key.pem").read_bytes())
    (tmp_path / "sig2").write_bytes(signer.sign(msg))
    assert _openssl_verifies(openssl, alg, "pub.pem", "msg", "sig2")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("alg", list(S))
def test_our_encrypted_private_key_opens_in_openssl(openssl, tmp_path: Path, backend: str, alg: S) -> None:
    """Our password-encrypted PKCS#8 opens with openssl and yields the same public key."""
    signer = get_backend(backend).generate(alg)
    (tmp_path / "key.pem").write_bytes(signer.private_pem(b"s3cret"))
    out = openssl("pkey", "-in", "key.pem", "-passin", "pass:s3cret", "-pubout").stdout
    assert out == signer.public_pem()


def test_sm2_pkeyutl_both_directions(openssl, tmp_path: Path) -> None:
    """openssl pkeyutl -rawin -digest sm3 -pkeyopt distid:… signs what we verify and verifies what we sign."""
    signer = SM2Signer.generate()
    (tmp_path / "key.pem").write_bytes(signer.private_pem())
    (tmp_path / "pub.pem").write_bytes(signer.public_pem())
    (tmp_path / "msg").write_bytes(b"pkeyutl interop")
    (tmp_path / "ours").write_bytes(signer.sign(b"pkeyutl interop"))
    common = ["-rawin", "-digest", "sm3", "-pkeyopt", f"distid:{SM2_ID}", "-in", "msg"]
    openssl("pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", *common, "-sigfile", "ours")
    openssl("pkeyutl", "-sign", "-inkey", "key.pem", *common, "-out", "theirs")
    assert signer.verify(b"pkeyutl interop", (tmp_path / "theirs").read_bytes())


def test_sm2_without_the_distinguishing_id_does_not_interoperate(openssl, tmp_path: Path) -> None:
    """OpenSSL 3 without -sigopt distid uses an empty ID: its signature must fail our check, which proves
    the ID is really part of what we sign."""
    signer = SM2Signer.generate()
    (tmp_path / "key.pem").write_bytes(signer.private_pem())
    (tmp_path / "msg").write_bytes(b"m")
    openssl("dgst", "-sm3", "-sign", "key.pem", "-out", "sig", "msg")
    assert not signer.verify(b"m", (tmp_path / "sig").read_bytes())


def test_sm2_public_key_from_the_standard_scalar_matches_openssl(openssl, tmp_path: Path) -> None:
    """openssl derives the same public point from our PKCS#8 of the GB/T 32918.5 example scalar."""
    d = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
    signer = SM2Signer.from_private_scalar(d)
    (tmp_path / "key.pem").write_bytes(signer.private_pem())
    text = openssl("pkey", "-in", "key.pem", "-text_pub", "-noout").stdout.decode()
    hexdump = "".join(line.strip() for line in text.split("pub:")[1].split("ASN1 OID")[0].splitlines())
    assert hexdump.replace(":", "") == signer.public_point().hex()
    assert signer.public_point()[1:33] == reference.public_key(int.from_bytes(d, "big"))[0].to_bytes(
        32, "big"
    )


def test_rsa_pss_salt_convention_is_digest_length(openssl, tmp_path: Path) -> None:
    """We verify PSS only with a 32-byte salt: openssl's default maximum-salt signature is refused."""
    signer = get_backend().generate(S.RSA_PSS_SHA256)
    (tmp_path / "key.pem").write_bytes(signer.private_pem())
    (tmp_path / "msg").write_bytes(b"m")
    openssl("dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:max",
            "-sign", "key.pem", "-out", "max", "msg")  # fmt: skip
    sig = (tmp_path / "max").read_bytes()
    assert not signer.verify(b"m", sig)
    assert (
        not get_backend("pycryptodome").load_verifier(S.RSA_PSS_SHA256, signer.public_pem()).verify(b"m", sig)
    )


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("alg", list(S))
@pytest.mark.parametrize("der", [False, True])
def test_public_key_from_an_openssl_certificate(
    openssl, tmp_path: Path, backend: str, alg: S, der: bool
) -> None:
    """The public key of an openssl-made X.509 certificate (PEM or DER) verifies the key's signatures."""
    openssl("genpkey", *GENPKEY[alg], "-out", "key.pem")
    digest = {S.SM2_SM3: ["-sm3", "-sigopt", f"distid:{SM2_ID}"], S.ED25519: []}.get(alg, ["-sha256"])
    openssl(
        "req", "-x509", "-new", "-key", "key.pem", *digest, "-subj", "/CN=bank", "-days", "1", "-out", "c.pem"
    )
    openssl("x509", "-in", "c.pem", "-outform", "DER", "-out", "c.der")
    be = get_backend(backend)
    cert = (tmp_path / ("c.der" if der else "c.pem")).read_bytes()
    verifier = be.verifier_from_certificate(alg, cert)
    signer = be.load_signer(alg, (tmp_path / "key.pem").read_bytes())
    assert verifier.verify(b"from cert", signer.sign(b"from cert"))
    assert verifier.public_pem() == signer.public_pem()
