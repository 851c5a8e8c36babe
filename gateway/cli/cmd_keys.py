"""`silink keys …`: the key store, signatures, manifests, certificates, data-key re-encryption, export.

These commands work on the instance folder directly (like `silink audit verify`), not through the
server: keys live in DIR/keys/, certificates in DIR/pki/, audit entries go to the instance database.
Every command takes --dir and --json. Changes (create, rotate, revoke, import, min-version, sign,
certificate issue/revoke, re-encryption, export) are written to the audit chain; the acting principal is
``local:<OS user>`` unless ``--as PRINCIPAL`` is given, which must be proven with that principal's
client certificate and key (pki/clients/ or --as-cert/--as-key).

Exit codes: 0 success; 1 a verification said "invalid" (verify, verify-manifest); 2 an error.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from gateway.cli._common import add_dir_arg, add_json_arg, console, emit_json, instance_dir
from gateway.errors import InvalidInput

ENV_PASSPHRASE = "SILINK_EXPORT_PASSPHRASE"  # noqa: S105 - the name of a variable, not a secret
_SERIAL = re.compile(r"(0x)?[0-9a-fA-F]{8,40}")


# -- plumbing ---------------------------------------------------------------------------------------


class _Ctx:
    """Config, database, key store and CA of one instance, opened lazily by a command."""

    def __init__(self, args: argparse.Namespace, *, principal: str | None = None) -> None:
        from gateway.config import load_config

        self.args = args
        self.home = instance_dir(args)
        self.cfg = load_config(self.home)
        self._db: Any = None
        self._store: Any = None
        self.principal = principal

    @property
    def db(self) -> Any:
        if self._db is None:
            from gateway.storage import Database, migrate

            self._db = Database(self.cfg.database_url)
            migrate(self._db)  # 0003 adds the tables of these commands; safe to run every time
        return self._db

    @property
    def ca(self) -> Any:
        from keys.devca import DevCA

        return DevCA(self.cfg.tls.ca.parent)

    @property
    def store(self) -> Any:
        if self._store is None:
            from keys.datakey import load_master_key
            from keys.pkcs11_backend import Pkcs11Config
            from keys.store import KeyStore

            settings = self.cfg.raw.get("keys", {}).get("pkcs11")
            pkcs11 = Pkcs11Config.from_settings(settings, self.home) if settings else None
            self._store = KeyStore(
                self.home,
                load_master_key(self.cfg.master_key_path),
                audit_db=self.db,
                pkcs11=pkcs11,
                principal=self.principal,
            )
        return self._store

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()


def _actor(args: argparse.Namespace, ctx: _Ctx) -> str | None:
    """The proven ``--as`` principal (certificate + key), or None for ``local:<OS user>``."""
    who = getattr(args, "principal", None)
    if not who:
        return None
    from gateway.instance import client_cert_paths
    from keys.export import authenticate_local_principal

    cert, key = client_cert_paths(ctx.home, who)
    cert = Path(args.as_cert) if getattr(args, "as_cert", None) else cert
    key = Path(args.as_key) if getattr(args, "as_key", None) else key
    return authenticate_local_principal(ctx.ca, who, cert, key)


def _run(args: argparse.Namespace, body: Any) -> int:
    ctx = _Ctx(args)
    try:
        ctx.principal = _actor(args, ctx)
        return int(body(args, ctx) or 0)
    finally:
        ctx.close()


def _audit(ctx: _Ctx, action: str, object_type: str, object_id: str, **detail: Any) -> None:
    from gateway import audit

    with ctx.db.write() as conn:
        audit.append(
            conn,
            principal=ctx.store.principal if ctx.principal is None else ctx.principal,
            action=action,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
        )


def _common(p: argparse.ArgumentParser, *, actor: bool = False) -> None:
    add_dir_arg(p)
    add_json_arg(p)
    if actor:
        p.add_argument(
            "--as",
            dest="principal",
            default=None,
            metavar="PRINCIPAL",
            help="act as this principal, proven by its certificate and key (default: local:<OS user>)",
        )
        p.add_argument(
            "--as-cert",
            default=None,
            metavar="PEM",
            help="the principal's certificate (default pki/clients/)",
        )
        p.add_argument(
            "--as-key", default=None, metavar="PEM", help="the principal's private key (default pki/clients/)"
        )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("keys", help="key store, signatures, manifests, certificates, data-key rotation")
    ks = p.add_subparsers(dest="keys_command", metavar="SUBCOMMAND", required=True)

    c = ks.add_parser("list", help="list keys, their versions and states")
    _common(c)
    c.set_defaults(func=lambda a: _run(a, run_list))

    c = ks.add_parser("create", help="create a key (version 1)")
    _common(c, actor=True)
    c.add_argument("name")
    c.add_argument(
        "--alg", required=True, help="sm2, rsa-pss, rsa-pkcs1, ecdsa-p256, ed25519, sm4, aes256-gcm"
    )
    c.add_argument("--purpose", default=None, help="signing (default for signature keys), encryption, data")
    c.add_argument("--backend", default="file", choices=["file", "pkcs11"], help="where the key lives")
    c.set_defaults(func=lambda a: _run(a, run_create))

    c = ks.add_parser("rotate", help="add a version that signs/encrypts from now on")
    _common(c, actor=True)
    c.add_argument("name")
    c.set_defaults(func=lambda a: _run(a, run_rotate))

    c = ks.add_parser("revoke", help="revoke a key version, or the whole key")
    _common(c, actor=True)
    c.add_argument("name")
    c.add_argument("--version", type=int, default=None)
    c.set_defaults(func=lambda a: _run(a, run_revoke))

    c = ks.add_parser("set-min-version", help="versions below this stop verifying/decrypting")
    _common(c, actor=True)
    c.add_argument("name")
    c.add_argument("min_version", type=int)
    c.set_defaults(func=lambda a: _run(a, run_set_min_version))

    c = ks.add_parser("export-public", help="print (or write) the public key PEM")
    _common(c)
    c.add_argument("name")
    c.add_argument("--version", type=int, default=None)
    c.add_argument("-o", "--output", default=None, help="write the PEM to this file")
    c.set_defaults(func=lambda a: _run(a, run_export_public))

    c = ks.add_parser("import-public", help="import a partner's public key (PEM) or certificate")
    _common(c, actor=True)
    c.add_argument("name")
    c.add_argument("file")
    c.add_argument("--alg", required=True)
    c.set_defaults(func=lambda a: _run(a, run_import_public))

    c = ks.add_parser(
        "import-secret", help="import a symmetric key a bank issued (its SM4 working key) from a hex file"
    )
    _common(c, actor=True)
    c.add_argument("name")
    c.add_argument("file", help="the key as hex digits (32 for SM4), or - for standard input")
    c.add_argument("--alg", default="sm4", help="sm4 (default) or aes256-gcm")
    c.set_defaults(func=lambda a: _run(a, run_import_secret))

    c = ks.add_parser("sign", help="sign a file with the current version of a key")
    _common(c, actor=True)
    c.add_argument("--key", dest="key_name", required=True, metavar="NAME")
    c.add_argument("file")
    c.add_argument("-o", "--output", required=True, metavar="SIG")
    c.set_defaults(func=lambda a: _run(a, run_sign))

    c = ks.add_parser("verify", help="verify a signature; exit 0 valid, 1 invalid")
    _common(c)
    c.add_argument("--key", dest="key_name", required=True, metavar="NAME")
    c.add_argument("--version", type=int, default=None, help="only this version (default: every usable one)")
    c.add_argument("file")
    c.add_argument("signature")
    c.set_defaults(func=lambda a: _run(a, run_verify))

    c = ks.add_parser("verify-manifest", help="verify a signed manifest (and its lines); exit 0 OK, 1 not")
    _common(c)
    c.add_argument("manifest")
    c.add_argument("--lines", default=None, help="JSON lines: one 12-field array (or object) per line")
    c.set_defaults(func=lambda a: _run(a, run_verify_manifest))

    c = ks.add_parser("prove", help="inclusion proof of one line of a submission; verified before printing")
    _common(c)
    c.add_argument("submission", help="the submission's bank reference (SLK…)")
    c.add_argument("line", help="the line's end-to-end reference, or its 1-based sequence in the submission")
    c.set_defaults(func=lambda a: _run(a, run_prove))

    c = ks.add_parser("issue-cert", help="issue a client (or --server) certificate from the instance CA")
    _common(c, actor=True)
    c.add_argument("common_name", metavar="PRINCIPAL")
    c.add_argument("--server", action="store_true", help="a server certificate (into pki/servers/)")
    c.add_argument("--host", action="append", default=None, help="server host name or IP (repeatable)")
    c.set_defaults(func=lambda a: _run(a, run_issue_cert))

    c = ks.add_parser("revoke-cert", help="revoke a certificate by serial (hex) or every one of a principal")
    _common(c, actor=True)
    c.add_argument("target", metavar="SERIAL|PRINCIPAL")
    c.add_argument("--reason", default="")
    c.set_defaults(func=lambda a: _run(a, run_revoke_cert))

    c = ks.add_parser("reencrypt", help="re-encrypt personal data to the current data-key version")
    _common(c, actor=True)
    c.add_argument("--batch-size", type=int, default=1000, help="rows per committed chunk (default 1000)")
    c.set_defaults(func=lambda a: _run(a, run_reencrypt))

    c = ks.add_parser(
        "export-private",
        help="dual control: request the export of a private key, or approve a request (--request ID)",
    )
    _common(c, actor=True)
    c.add_argument("name")
    c.add_argument("--reason", default="", help="why (step 1)")
    c.add_argument("--request", type=int, default=None, metavar="ID", help="approve this request (step 2)")
    c.add_argument("-o", "--output", default=None, help="step 2: the new file for the encrypted key")
    c.add_argument(
        "--passphrase-file",
        default=None,
        help=f"step 2: file holding the passphrase (else ${ENV_PASSPHRASE})",
    )
    c.set_defaults(func=lambda a: _run(a, run_export_private))


# -- commands ---------------------------------------------------------------------------------------


def run_prove(args: argparse.Namespace, ctx: _Ctx) -> int:
    """Prints the audit path and the signed manifest (no personal data); exit 1 if it does not verify."""
    from gateway.domain.proofs import prove
    from keys.datakey import DataProtector
    from keys.manifest import Manifest
    from keys.store import verify_inclusion_with_store

    with ctx.db.read() as conn:
        proof = prove(conn, DataProtector.from_store(ctx.store), args.submission, args.line)
    row = proof.pop("_row")
    verdict = verify_inclusion_with_store(
        Manifest.from_json(proof["manifest"]),
        ctx.store,
        row,
        proof["index"],
        [bytes.fromhex(h) for h in proof["proof"]],
    )
    proof["verdict"] = str(verdict)
    if args.json:
        emit_json(proof)
    else:
        print(
            f"{proof['end_to_end_ref']} is line {proof['index'] + 1} of {proof['tree_size']} in "
            f"{proof['submission']}: {proof['verdict']}"
        )
        print(f"  leaf  {proof['leaf_hash']}")
        for h in proof["proof"]:
            print(f"  path  {h}")
        print(f"  root  {proof['merkle_root']}")
    return 0 if verdict else 1


def run_list(args: argparse.Namespace, ctx: _Ctx) -> int:
    infos = [i.as_dict() for i in ctx.store.list()]
    if args.json:
        emit_json({"keys": infos})
        return 0
    from rich.table import Table

    t = Table("key", "alg", "purpose", "backend", "current", "min", "versions", "state")
    for i in infos:
        versions = " ".join(f"v{v['version']}:{v['status']}" for v in i["versions"])
        t.add_row(
            i["name"],
            i["alg"],
            i["purpose"],
            i["backend"],
            str(i["current_version"]),
            str(i["min_version"]),
            versions,
            "REVOKED" if i["revoked"] else "ok",
        )
    console().print(t)
    return 0


def _print_info(args: argparse.Namespace, info: Any, verb: str) -> None:
    if args.json:
        emit_json(info.as_dict())
    else:
        print(
            f"{verb} {info.name}: {info.alg} {info.purpose} ({info.backend}), "
            f"current version {info.current_version}"
        )


def run_create(args: argparse.Namespace, ctx: _Ctx) -> int:
    info = ctx.store.create(args.name, args.alg, args.purpose, backend=args.backend)
    _print_info(args, info, "created")
    return 0


def run_rotate(args: argparse.Namespace, ctx: _Ctx) -> int:
    version = ctx.store.rotate(args.name)
    info = ctx.store.info(args.name)
    if args.json:
        emit_json({**info.as_dict(), "new_version": version})
    else:
        print(
            f"rotated {args.name}: version {version} is current; "
            f"versions from {info.min_version} still verify"
        )
    return 0


def run_revoke(args: argparse.Namespace, ctx: _Ctx) -> int:
    ctx.store.revoke(args.name, args.version)
    target = "key" if args.version is None else f"version {args.version}"
    if args.json:
        emit_json({"name": args.name, "revoked": target})
    else:
        print(f"revoked {args.name} {target}")
    return 0


def run_set_min_version(args: argparse.Namespace, ctx: _Ctx) -> int:
    ctx.store.set_min_version(args.name, args.min_version)
    _print_info(args, ctx.store.info(args.name), f"min_version {args.min_version} for")
    return 0


def run_export_public(args: argparse.Namespace, ctx: _Ctx) -> int:
    pem = ctx.store.export_public(args.name, args.version)
    if args.output:
        Path(args.output).write_bytes(pem)
    if args.json:
        emit_json({"name": args.name, "public_pem": pem.decode(), "file": args.output})
    elif not args.output:
        sys.stdout.write(pem.decode())
    return 0


def run_import_public(args: argparse.Namespace, ctx: _Ctx) -> int:
    info = ctx.store.import_public(args.name, Path(args.file).read_bytes(), args.alg)
    _print_info(args, info, "imported")
    return 0


def run_import_secret(args: argparse.Namespace, ctx: _Ctx) -> int:
    text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="ascii")
    try:
        material = bytes.fromhex(text.strip())
    except ValueError:
        raise InvalidInput("the key file must hold hex digits only", "KEY_MATERIAL_INVALID") from None
    info = ctx.store.import_secret(args.name, material, args.alg)
    _print_info(args, info, "imported")
    return 0


def run_sign(args: argparse.Namespace, ctx: _Ctx) -> int:
    data = Path(args.file).read_bytes()
    signer, version = ctx.store.signer(args.key_name)
    sig = signer.sign(data)
    Path(args.output).write_bytes(sig)
    digest = hashlib.sha256(data).hexdigest()
    # Signing arbitrary files with a gateway key is a privileged act: it is audited with the file's hash.
    _audit(ctx, "key.signed", "key", args.key_name, version=version, sha256=digest, bytes=len(data))
    out = {
        "key": args.key_name,
        "version": version,
        "alg": str(signer.algorithm),
        "signature_file": args.output,
        "signature_bytes": len(sig),
        "sha256": digest,
    }
    if args.json:
        emit_json(out)
    else:
        print(
            f"signed with {args.key_name} v{version} ({signer.algorithm}): {args.output} ({len(sig)} bytes)"
        )
    return 0


def run_verify(args: argparse.Namespace, ctx: _Ctx) -> int:
    from gateway.errors import SilinkError

    data = Path(args.file).read_bytes()
    sig = Path(args.signature).read_bytes()
    info = ctx.store.info(args.key_name)
    if args.version is not None:
        candidates = [args.version]
    else:
        usable = [v["version"] for v in info.versions if v["status"] in ("current", "active")]
        # Nothing usable (revoked or retired key): ask for the current version so the reason is named.
        candidates = sorted(usable, reverse=True) or [info.current_version]
    valid_version = None
    refused = None
    for v in candidates:
        try:
            verifier = ctx.store.verifier(args.key_name, v)
        except SilinkError as exc:
            refused = exc.reason  # KEY_VERSION_RETIRED / KEY_REVOKED: say so rather than just "invalid"
            continue
        if verifier.verify(data, sig):
            valid_version = v
            break
    reason = "OK" if valid_version else (refused or "BAD_SIGNATURE")
    if args.json:
        emit_json(
            {
                "valid": valid_version is not None,
                "key": args.key_name,
                "version": valid_version,
                "reason": reason,
            }
        )
    elif valid_version:
        print(f"valid: signature by {args.key_name} v{valid_version}")
    else:
        print(f"INVALID: {reason}")
    return 0 if valid_version else 1


def _read_lines(path: str) -> list[tuple]:
    from keys.canonical import FIELDS

    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, text in enumerate(fh, 1):
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except ValueError:
                raise InvalidInput(f"lines file: line {n} is not JSON", "LINES_FILE_INVALID") from None
            if isinstance(obj, dict):
                obj = [obj.get(f) for f in FIELDS]
            if not isinstance(obj, list):
                raise InvalidInput(f"lines file: line {n} is not an array or object", "LINES_FILE_INVALID")
            rows.append(tuple(obj))
    return rows


def run_verify_manifest(args: argparse.Namespace, ctx: _Ctx) -> int:
    from gateway.errors import SilinkError
    from keys.manifest import Manifest
    from keys.store import StoreVerdict, verify_manifest_with_store

    try:
        manifest = Manifest.from_json(Path(args.manifest).read_bytes())
    except SilinkError:
        verdict = StoreVerdict.MALFORMED
        manifest = None
    else:
        lines = _read_lines(args.lines) if args.lines else None
        verdict = verify_manifest_with_store(manifest, ctx.store, lines)
    out = {
        "valid": bool(verdict),
        "verdict": str(verdict),
        "key": getattr(manifest, "key_id", None),
        "version": getattr(manifest, "key_version", None),
        "lines_checked": args.lines is not None,
    }
    if args.json:
        emit_json(out)
    elif verdict:
        print(
            f"manifest OK: signed by {out['key']} v{out['version']}" + (", lines match" if args.lines else "")
        )
    else:
        print(f"manifest INVALID: {verdict}")
    return 0 if verdict else 1


def run_issue_cert(args: argparse.Namespace, ctx: _Ctx) -> int:
    ca = ctx.ca
    if args.server:
        hosts = tuple(args.host) if args.host else ("localhost", "127.0.0.1", "::1")
        issued = ca.issue(args.common_name, ca.folder / "servers", server=True, hosts=hosts)
    else:
        issued = ca.issue(args.common_name, ca.folder / "clients")
    _audit(ctx, "cert.issued", "certificate", issued.serial, principal=args.common_name, server=args.server)
    out = {
        "principal": args.common_name,
        "serial": issued.serial,
        "certificate": str(issued.cert_path),
        "key": str(issued.key_path),
        "server": args.server,
    }
    if args.json:
        emit_json(out)
    else:
        print(
            f"issued {'server' if args.server else 'client'} certificate for {args.common_name}: "
            f"serial {issued.serial}"
        )
        print(f"  {issued.cert_path}\n  {issued.key_path}")
    return 0


def run_revoke_cert(args: argparse.Namespace, ctx: _Ctx) -> int:
    ca = ctx.ca
    target = args.target
    known = {e["serial"] for e in ca.issued()}
    is_serial = target.lower().removeprefix("0x") in known or (
        ":" not in target and _SERIAL.fullmatch(target)
    )
    if is_serial:
        serial = target.lower().removeprefix("0x").lstrip("0") or "0"
        revoked = [serial] if ca.revoke(serial, reason=args.reason) else []
        asked = [serial]
    else:
        asked = ca.certificates_of(target)
        if not asked:
            raise InvalidInput("no certificate of this principal is known to the CA", "CERTIFICATE_UNKNOWN")
        revoked = ca.revoke_principal(target, reason=args.reason)
    for s in revoked:
        _audit(ctx, "cert.revoked", "certificate", s, target=target, reason=args.reason[:200])
    out = {"target": target, "revoked": revoked, "already_revoked": sorted(set(asked) - set(revoked))}
    if args.json:
        emit_json(out)
    else:
        for s in revoked:
            print(f"revoked certificate {s}")
        for s in out["already_revoked"]:
            print(f"certificate {s} was already revoked")
        print("a running server refuses these certificates within a second (it re-reads pki/revoked.json)")
    return 0


def run_reencrypt(args: argparse.Namespace, ctx: _Ctx) -> int:
    from keys.datakey import DataProtector
    from keys.reencrypt import count_stale, reencrypt_pii

    protector = DataProtector.from_store(ctx.store)
    who = ctx.principal or ctx.store.principal
    total = count_stale(ctx.db, protector.key_id)
    tty = sys.stdout.isatty() and not args.json
    if tty:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        ) as bar:
            task = bar.add_task(f"re-encrypting to {protector.key_id}", total=total)
            result = reencrypt_pii(
                ctx.db,
                protector,
                batch_size=args.batch_size,
                principal=who,
                on_chunk=lambda done, _total: bar.update(task, completed=done),
            )
    else:
        stream = sys.stderr if args.json else sys.stdout
        chunk = [0]

        def line(done: int, of: int) -> None:
            chunk[0] += 1
            print(
                f"chunk {chunk[0]}: {done}/{of} rows re-encrypted to {protector.key_id}",
                file=stream,
                flush=True,
            )

        result = reencrypt_pii(ctx.db, protector, batch_size=args.batch_size, principal=who, on_chunk=line)
    if args.json:
        emit_json(result.as_dict())
    else:
        print(
            f"re-encrypted {result.rows} rows in {result.chunks} chunks to {result.key_id}; "
            f"{result.remaining} left"
        )
    return 0


def _passphrase(args: argparse.Namespace) -> bytes:
    if args.passphrase_file:
        return Path(args.passphrase_file).read_bytes().rstrip(b"\r\n")
    if os.environ.get(ENV_PASSPHRASE):
        return os.environ[ENV_PASSPHRASE].encode()
    if sys.stdin.isatty():
        first = getpass.getpass("passphrase for the exported key: ")
        if first != getpass.getpass("again: "):
            raise InvalidInput("the passphrases differ", "PASSPHRASE_MISMATCH")
        return first.encode()
    # Never from the command line: argv is visible to every user of the machine.
    raise InvalidInput(
        f"give the passphrase with --passphrase-file or ${ENV_PASSPHRASE}", "PASSPHRASE_REQUIRED"
    )


def run_export_private(args: argparse.Namespace, ctx: _Ctx) -> int:
    from keys import export

    if not ctx.principal:
        raise InvalidInput(
            "dual control: say who you are with --as ADMIN (certificate and key)", "PRINCIPAL_REQUIRED"
        )
    if args.request is None:
        rid = export.request_export(
            ctx.db, ctx.store, args.name, ctx.principal, reason=args.reason, identity=ctx.cfg.identity
        )
        if args.json:
            emit_json(
                {"request_id": rid, "key": args.name, "requested_by": ctx.principal, "state": "PENDING"}
            )
        else:
            print(f"export request {rid} for {args.name} recorded; a second administrator approves with:")
            print(
                f"  silink keys export-private {args.name} --request {rid} --as ADMIN "
                "-o FILE --passphrase-file F"
            )
        return 0
    if not args.output:
        raise InvalidInput("step 2 needs -o FILE for the encrypted key", "OUTPUT_REQUIRED")
    result = export.approve_export(
        ctx.db,
        ctx.store,
        args.request,
        ctx.principal,
        _passphrase(args),
        Path(args.output),
        identity=ctx.cfg.identity,
    )
    out = {
        "request_id": result.request_id,
        "key": result.key_name,
        "version": result.key_version,
        "requested_by": result.requested_by,
        "approved_by": result.approved_by,
        "file": str(result.path),
        "format": "PKCS#8 encrypted PEM",
    }
    if args.json:
        emit_json(out)
    else:
        print(
            f"exported {result.key_name} v{result.key_version} to {result.path} "
            "(encrypted PKCS#8, mode 0600); "
            f"requested by {result.requested_by}, approved by {result.approved_by}"
        )
    return 0
