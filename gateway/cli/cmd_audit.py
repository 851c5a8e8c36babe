"""`silink audit verify`: check the hash chain of the audit log and name the first broken entry."""

from __future__ import annotations

import argparse

from gateway import audit
from gateway.cli._common import add_dir_arg, add_json_arg, emit_json, instance_dir
from gateway.config import load_config
from gateway.storage import Database


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="audit log commands")
    asub = p.add_subparsers(dest="audit_command", metavar="SUBCOMMAND", required=True)
    v = asub.add_parser("verify", help="verify the audit hash chain; exit 0 intact, 1 broken")
    add_dir_arg(v)
    add_json_arg(v)
    v.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    cfg = load_config(instance_dir(args))
    db = Database(cfg.database_url)
    try:
        result = audit.verify(db)
    finally:
        db.dispose()
    if args.json:
        emit_json(result.as_dict())
    elif result.ok:
        print(f"audit chain intact: {result.checked} entries verified")
    else:
        print(
            f"audit chain BROKEN at entry {result.first_bad_seq}: {result.reason} "
            f"({result.checked} entries verified before it)"
        )
    return 0 if result.ok else 1
