"""`silink keys sign` / `verify` / `import-public` / `export-public` against the openssl command line.

The exact openssl commands are the interoperability contract with banks:

* SM2:      openssl dgst -sm3 -verify pub.pem -sigopt distid:1234567812345678 -signature sig file
* RSA-PSS:  openssl dgst -sha256 -verify pub.pem -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest …
* RSA v1.5, ECDSA P-256: openssl dgst -sha256 -verify pub.pem -signature sig file
* Ed25519:  openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in file -sigfile sig
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from gateway.config import load_config

from .conftest import SM2_ID

SIGOPTS = {
    "sm2": ["-sm3", "-sigopt", f"distid:{SM2_ID}"],
    "rsa-pss": ["-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"],
    "rsa-pkcs1": ["-sha256"],
    "ecdsa-p256": ["-sha256"],
}
GENPKEY = {
    "sm2": ["-algorithm", "SM2"],
    "rsa-pss": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    "rsa-pkcs1": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    "ecdsa-p256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    "ed25519": ["-algorithm", "ED25519"],
}
ALGS = ["sm2", "rsa-pss", "rsa-pkcs1", "ecdsa-p256", "ed25519"]


def openssl_verifies(openssl, alg: str, pub: str, msg: str, sig: str) -> bool:
    if alg == "ed25519":
        args = ["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", msg, "-sigfile", sig]
    else:
        args = ["dgst", *SIGOPTS[alg], "-verify", pub, "-signature", sig, msg]
    return openssl(*args, check=False).returncode == 0


def openssl_sign(openssl, alg: str, key: str, msg: str, sig: str) -> None:
    if alg == "ed25519":
        openssl("pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", msg, "-out", sig)
    else:
        openssl("dgst", *SIGOPTS[alg], "-sign", key, "-out", sig, msg)


@pytest.mark.parametrize("alg", ALGS)
def test_silink_signature_verifies_with_openssl(
    home: Path, tmp_path: Path, silink, openssl, alg: str
) -> None:
    """`silink keys sign` makes a signature that openssl verifies with the exported public key; a changed
    file fails in openssl too."""
    msg = tmp_path / "file.bin"
    msg.write_bytes(secrets.token_bytes(500))
    (tmp_path / "other.bin").write_bytes(msg.read_bytes() + b"!")
    assert silink("keys", "create", "gw", "--alg", alg, "--dir", home).code == 0
    r = silink("keys", "sign", "--key", "gw", msg, "-o", tmp_path / "sig", "--dir", home, "--json")
    assert r.code == 0 and r.json()["version"] == 1
    assert silink("keys", "export-public", "gw", "-o", tmp_path / "pub.pem", "--dir", home).code == 0
    assert openssl_verifies(openssl, alg, "pub.pem", "file.bin", "sig")
    assert not openssl_verifies(openssl, alg, "pub.pem", "other.bin", "sig")


@pytest.mark.parametrize("alg", ALGS)
def test_openssl_signature_verifies_with_silink(
    home: Path, tmp_path: Path, silink, openssl, alg: str
) -> None:
    """A key and signature made by openssl verify with `silink keys verify` after `import-public` (exit 0);
    a changed byte of the file or of the signature exits 1."""
    openssl("genpkey", *GENPKEY[alg], "-out", "key.pem")
    openssl("pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem")
    msg = tmp_path / "file.bin"
    msg.write_bytes(secrets.token_bytes(500))
    openssl_sign(openssl, alg, "key.pem", "file.bin", "sig")
    assert (
        silink("keys", "import-public", "bank", tmp_path / "pub.pem", "--alg", alg, "--dir", home).code == 0
    )
    r = silink("keys", "verify", "--key", "bank", msg, tmp_path / "sig", "--dir", home, "--json")
    assert (r.code, r.json()["valid"], r.json()["version"]) == (0, True, 1)

    changed = bytearray(msg.read_bytes())
    changed[250] ^= 0x01
    (tmp_path / "changed.bin").write_bytes(bytes(changed))
    assert (
        silink(
            "keys", "verify", "--key", "bank", tmp_path / "changed.bin", tmp_path / "sig", "--dir", home
        ).code
        == 1
    )
    sig = bytearray((tmp_path / "sig").read_bytes())
    sig[len(sig) // 2] ^= 0x01
    (tmp_path / "sig2").write_bytes(bytes(sig))
    assert silink("keys", "verify", "--key", "bank", msg, tmp_path / "sig2", "--dir", home).code == 1


def test_certificate_import_verifies_the_certificate_key(home: Path, tmp_path: Path, silink, openssl) -> None:
    """A bank certificate (made by openssl) imports as a verification key and verifies that bank's
    signatures."""
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
            "bank.key", "-out", "bank.crt", "-subj", "/CN=bank:308", "-days", "30")  # fmt: skip
    (tmp_path / "m").write_bytes(b"statement 2026-11")
    openssl_sign(openssl, "ecdsa-p256", "bank.key", "m", "sig")
    assert (
        silink(
            "keys", "import-public", "bank-308", tmp_path / "bank.crt", "--alg", "ecdsa-p256", "--dir", home
        ).code
        == 0
    )
    assert (
        silink("keys", "verify", "--key", "bank-308", tmp_path / "m", tmp_path / "sig", "--dir", home).code
        == 0
    )


def test_cli_list_create_rotate_revoke_speak_json(home: Path, silink) -> None:
    """The key commands print JSON with --json, and a revoked key's signature no longer verifies."""
    assert (
        silink("keys", "create", "k", "--alg", "ed25519", "--dir", home, "--json").json()["current_version"]
        == 1
    )
    assert silink("keys", "rotate", "k", "--dir", home, "--json").json()["new_version"] == 2
    names = {k["name"]: k for k in silink("keys", "list", "--dir", home, "--json").json()["keys"]}
    # Besides k: the built-in data and lookup keys, and one gateway signing key per configured bank.
    assert {"k", "data", "lookup"} <= set(names)
    assert {n for n in names if n not in {"k", "data", "lookup"}} == {
        f"gw-{b}" for b in load_config(home).banks
    }
    assert [v["status"] for v in names["k"]["versions"]] == ["active", "current"]
    assert (
        silink("keys", "revoke", "k", "--version", "1", "--dir", home, "--json").json()["revoked"]
        == "version 1"
    )
    names = {k["name"]: k for k in silink("keys", "list", "--dir", home, "--json").json()["keys"]}
    assert [v["status"] for v in names["k"]["versions"]] == ["revoked", "current"]
    bad = silink("keys", "create", "k2", "--alg", "md5", "--dir", home)
    assert bad.code == 2 and "UNSUPPORTED_KEY_ALGORITHM" in bad.err
