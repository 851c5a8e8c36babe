"""Helpers shared by the CLI commands: the instance folder, JSON output, the console."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ENV_HOME = "SILINK_HOME"
DEFAULT_HOME = "./var"


def add_dir_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir",
        metavar="DIR",
        default=None,
        help=f"instance folder (default: ${ENV_HOME}, else {DEFAULT_HOME})",
    )


def add_json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")


def instance_dir(args: argparse.Namespace) -> Path:
    """--dir, else $SILINK_HOME, else ./var (the DESIGN.md contract)."""
    chosen = getattr(args, "dir", None) or os.environ.get(ENV_HOME) or DEFAULT_HOME
    return Path(chosen).expanduser().resolve()


def emit_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=None, default=str)
    sys.stdout.write("\n")


def console(stderr: bool = False):
    """A rich console; when output is not a terminal it is wide enough that tables are not cut."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    return Console(highlight=False, soft_wrap=True, stderr=stderr, width=None if stream.isatty() else 200)
