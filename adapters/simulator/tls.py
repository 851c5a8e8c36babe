"""The simulator's own certificates: a private CA and a server certificate for 127.0.0.1, in DATA/tls/.

Made once with the development CA of :mod:`keys.devca` and kept, so clients can pin ``DATA/tls/ca.pem``
across restarts. The bank's response-signing key (RSA-PSS, the algorithm the ISO adapter declares) sits
beside them in DATA/keys/, and for the Chinese protocols an SM2 signing key and the SM4 working key.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from adapters.simulator._files import atomic_write
from keys.algorithms import CipherAlgorithm, SignatureAlgorithm, generate_cipher_key, get_backend
from keys.devca import DevCA

SERVER_STEM = "banksim-server"


def ensure_server_cert(data_dir: Path, bank_code: str) -> tuple[Path, Path, Path]:
    """(ca.pem, server cert, server key) under ``data_dir/tls``, created when missing."""
    folder = Path(data_dir) / "tls"
    ca = DevCA(folder)
    if not ca.exists():
        ca.create()
    cert = folder / f"{SERVER_STEM}.pem"
    key = folder / f"{SERVER_STEM}.key"
    if not (cert.exists() and key.exists()):
        ca.issue(
            f"bank:{bank_code}", folder, server=True, hosts=("127.0.0.1", "localhost"), file_stem=SERVER_STEM
        )
    return ca.cert_path, cert, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(str(cert), str(key))
    return ctx


def client_context(ca_file: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(ca_file))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


# The bank's signing key per algorithm: ISO banks sign with RSA-PSS, the Chinese protocols with SM2.
_BANK_KEY_FILES = {SignatureAlgorithm.RSA_PSS_SHA256: "bank_sign", SignatureAlgorithm.SM2_SM3: "bank_sm2"}
WORKING_KEY_FILE = "sm4.key"


def ensure_bank_signer(
    data_dir: Path, algorithm: SignatureAlgorithm | str = SignatureAlgorithm.RSA_PSS_SHA256
):
    """The bank's signing key (DATA/keys/bank_sign.pem for RSA-PSS, bank_sm2.pem for SM2; 0600), created
    when missing, and the path of its public half (for the gateway's bank verifier)."""
    algorithm = SignatureAlgorithm(algorithm)
    stem = _BANK_KEY_FILES.get(algorithm, f"bank_{algorithm.value.lower()}")
    folder = Path(data_dir) / "keys"
    folder.mkdir(parents=True, exist_ok=True)
    private = folder / f"{stem}.pem"
    public = folder / f"{stem}.pub.pem"
    backend = get_backend()
    if private.exists():
        signer = backend.load_signer(algorithm, private.read_bytes())
    else:
        signer = backend.generate(algorithm)
        atomic_write(private, signer.private_pem(), mode=0o600)
    if not public.exists():
        atomic_write(public, signer.public_pem())
    return signer, public


def ensure_working_key(data_dir: Path, algorithm: CipherAlgorithm | str = CipherAlgorithm.SM4_GCM):
    """The SM4 working key the bank issues to its client (DATA/keys/sm4.key: 32 hex digits, 0600),
    created when missing; returns the Cipher and the file (the gateway imports it with
    ``silink keys import-secret``)."""
    path = Path(data_dir) / "keys" / WORKING_KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    else:
        key = generate_cipher_key(CipherAlgorithm(algorithm))
        atomic_write(path, key.hex().encode("ascii") + b"\n", mode=0o600)
    return get_backend().cipher(CipherAlgorithm(algorithm), key), path


def provision_bank_keys(data_dir: Path, *, signer=None, working_key: bytes | None = None) -> None:
    """Put keys made elsewhere (a test that must know them) where the simulator looks for its own:
    the bank's signing key and the SM4 working key. Existing files are replaced."""
    folder = Path(data_dir) / "keys"
    folder.mkdir(parents=True, exist_ok=True)
    if signer is not None:
        stem = _BANK_KEY_FILES.get(SignatureAlgorithm(signer.algorithm), "bank_sign")
        atomic_write(folder / f"{stem}.pem", signer.private_pem(), mode=0o600)
        atomic_write(folder / f"{stem}.pub.pem", signer.public_pem())
    if working_key is not None:
        atomic_write(folder / WORKING_KEY_FILE, working_key.hex().encode("ascii") + b"\n", mode=0o600)
