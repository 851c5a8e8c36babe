"""Scaffold a new adapter package from this template: ``make new-adapter NAME=xyz``.

Standard library only and runnable as a plain script (``python3 adapters/_template/scaffold.py xyz``), so
it works before the virtual environment exists and never touches the network. It copies every file of
the template except itself into ``adapters/<name>/`` and renames the three things that name the adapter:
the package path, the class (``TemplateAdapter`` → ``XyzAdapter``) and the registry name.
"""

from __future__ import annotations

import argparse
import keyword
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent
RESERVED = frozenset({"simulator", "conformance", "contract", "registry"})
_NAME_RE = re.compile(r"[a-z][a-z0-9_]{1,40}")


def class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_")) + "Adapter"


def check_name(name: str) -> str | None:
    """Why ``name`` cannot be an adapter package, or None."""
    if not _NAME_RE.fullmatch(name) or keyword.iskeyword(name):
        return "use a lower-case Python identifier of 2-41 characters (letters, digits, _), e.g. boc_xml"
    if name in RESERVED:
        return f"{name!r} is reserved in adapters/"
    return None


def scaffold(name: str, root: Path) -> Path:
    """Create ``root/<name>/`` from the template; ``root`` is the ``adapters`` folder."""
    why = check_name(name)
    if why:
        raise ValueError(why)
    target = root / name
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    replacements = (
        ("adapters._template", f"adapters.{name}"),
        ("TemplateAdapter", class_name(name)),
        ('NAME = "template"', f'NAME = "{name}"'),
        ('adapter = "template"', f'adapter = "{name}"'),
    )
    target.mkdir(parents=True)
    for source in sorted(TEMPLATE.rglob("*")):
        rel = source.relative_to(TEMPLATE)
        if source.name == Path(__file__).name or "__pycache__" in rel.parts or source.is_dir():
            continue
        text = source.read_text(encoding="utf-8")
        if rel == Path("__init__.py"):
            # The template's own docstring explains the template; the copy gets one about itself.
            head = f'"""The {name} adapter (scaffolded from adapters/_template: see its docstring)."""'
            text = head + text.split('"""', 2)[2]
        for old, new in replacements:
            text = text.replace(old, new)
        out = target / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="scaffold adapters/NAME/ from adapters/_template/")
    parser.add_argument("name")
    parser.add_argument(
        "--root", default=str(TEMPLATE.parent), help="the adapters folder (default: this repo's)"
    )
    args = parser.parse_args(argv)
    try:
        target = scaffold(args.name, Path(args.root))
    except (ValueError, FileExistsError) as exc:
        print(f"new-adapter: {exc}", file=sys.stderr)
        return 2
    print(f"created {target}/ ({class_name(args.name)}, registered as {args.name!r})")
    print("next: fill in the TODOs in _adapter.py, add golden tests, then suite names to SUITES")
    return 0


if __name__ == "__main__":
    sys.exit(main())
