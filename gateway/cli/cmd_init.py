"""`silink init [--dir DIR]`: create an instance folder (config, database, certificates, master key)."""

from __future__ import annotations

import argparse

from gateway.cli._common import add_dir_arg, add_json_arg, emit_json, instance_dir
from gateway.instance import init_instance


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="create an instance folder: config, database, dev CA, master key")
    add_dir_arg(p)
    add_json_arg(p)
    p.add_argument(
        "--port", type=int, default=7443, help="gRPC port written to the new config (default 7443)"
    )
    p.add_argument(
        "--metrics-port", type=int, default=9464, help="metrics port for the new config (default 9464)"
    )
    p.add_argument(
        "--database-url", default="", help="PostgreSQL DSN; default: SQLite in the instance folder"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    home = instance_dir(args)
    result = init_instance(
        home, port=args.port, metrics_port=args.metrics_port, database_url=args.database_url
    )
    if args.json:
        emit_json({"home": str(result.home), "created": result.created})
    else:
        print(f"instance {result.home}")
        for item in result.created:
            print(f"  created {item}")
        if not result.created:
            print("  already complete; nothing changed")
    return 0
