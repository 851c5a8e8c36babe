"""`silink demo [--dir DIR]`: the main job end to end on the embedded default, narrated."""

from __future__ import annotations

import argparse
from pathlib import Path

from gateway.cli._common import add_dir_arg


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the end-to-end demo in a fresh instance folder (default ./var/demo)")
    add_dir_arg(p)
    p.add_argument("--keep", action="store_true", help="reuse the folder instead of starting from scratch")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gateway.demo import run_demo

    home = Path(args.dir or "var/demo").resolve()
    return run_demo(home, fresh=not args.keep)
