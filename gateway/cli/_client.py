"""CLI plumbing for commands that talk to a running gateway: identity, channel, error display."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

import grpc

from gateway.cli._common import add_dir_arg, add_json_arg, instance_dir

ENV_PRINCIPAL = "SILINK_PRINCIPAL"


def add_client_args(parser: argparse.ArgumentParser, *, json: bool = True) -> None:
    add_dir_arg(parser)
    if json:
        add_json_arg(parser)
    parser.add_argument(
        "--as",
        dest="principal",
        default=None,
        metavar="PRINCIPAL",
        help=f"act as this principal (its certificate is read from pki/clients/); default ${ENV_PRINCIPAL}",
    )
    parser.add_argument(
        "--server",
        default=None,
        metavar="HOST:PORT",
        help="gateway address (default: the running server of the instance)",
    )


def channel(args: argparse.Namespace) -> grpc.Channel:
    from gateway.client import channel_as
    from gateway.errors import InvalidInput

    principal = args.principal or os.environ.get(ENV_PRINCIPAL)
    if not principal:
        raise InvalidInput(f"say who you are: --as PRINCIPAL or ${ENV_PRINCIPAL}", "PRINCIPAL_REQUIRED")
    return channel_as(instance_dir(args), principal, target=args.server)


def call(fn: Callable[[], Any]) -> Any:
    """Run one RPC; a gRPC error becomes one line on stderr and exit code 2 (via SystemExit)."""
    from gateway.client import describe_rpc_error

    try:
        return fn()
    except grpc.RpcError as err:
        print(f"silink: {describe_rpc_error(err)}", file=sys.stderr)
        raise SystemExit(2) from None
