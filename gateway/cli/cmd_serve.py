"""`silink serve`: run the gateway (gRPC API, health, reflection, metrics) until SIGTERM."""

from __future__ import annotations

import argparse
import asyncio

from gateway.cli._common import add_dir_arg, instance_dir
from gateway.config import load_config
from gateway.logs import configure_logging


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the gateway until SIGTERM or Ctrl-C")
    add_dir_arg(p)
    p.add_argument(
        "--listen", default=None, help="host:port to listen on (default from silink.toml; port 0 = any)"
    )
    p.add_argument(
        "--metrics-listen",
        default=None,
        help='host:port for Prometheus metrics (default from silink.toml; "" disables; port 0 = any)',
    )
    p.add_argument(
        "--plaintext-loopback",
        action="store_true",
        help="serve without TLS; refused unless the address is loopback; logs a warning",
    )
    p.add_argument(
        "--role",
        choices=["all", "api", "dispatcher"],
        default="all",
        help="all: API and dispatcher workers (default); api: API only; dispatcher: workers only",
    )
    p.add_argument("--workers", type=int, default=2, help="dispatcher worker threads (default 2)")
    p.add_argument(
        "--log-format", choices=["json", "console"], default="json", help="log renderer (default json)"
    )
    p.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING, ERROR (default INFO)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    configure_logging(json=args.log_format == "json", level=args.log_level)
    from gateway.server.app import run_server  # the server stack loads only for this command

    cfg = load_config(instance_dir(args))
    asyncio.run(
        run_server(
            cfg,
            listen=args.listen,
            plaintext=True if args.plaintext_loopback else None,
            metrics_listen=args.metrics_listen,
            role=args.role,
            workers=args.workers,
        )
    )
    return 0
