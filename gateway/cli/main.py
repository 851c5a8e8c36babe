"""Entry point of the `silink` command.

Commands are discovered from the ``gateway.cli.cmd_*`` modules; each exposes
``register(subparsers)`` which adds its parser and sets ``func(args) -> int`` as the handler.
Errors of the silink hierarchy print one line on stderr (no traceback, no personal data) and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import gateway.cli as cli_pkg
from gateway.errors import SilinkError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="silink",
        description="社银直连 gateway: benefit payrolls to partner banks, followed and reconciled.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for info in sorted(pkgutil.iter_modules(cli_pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            importlib.import_module(f"gateway.cli.{info.name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SilinkError as exc:
        print(f"silink: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            # The reader (e.g. `| head`) went away: not an error of ours; keep stderr quiet too.
            sys.stderr.close()
            return 0
        # Missing or unreadable files given on the command line: name the file, no traceback.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"silink: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("silink: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
