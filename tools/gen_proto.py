"""Regenerate the Python code of the public gRPC API, or check that the committed code is current.

    .venv/bin/python tools/gen_proto.py          # write *_pb2.py, *_pb2.pyi, *_pb2_grpc.py beside each .proto
    .venv/bin/python tools/gen_proto.py --check  # exit 1 and list every file that is stale, 0 if none

Every ``proto/silink/**/*.proto`` is compiled in one protoc run by ``grpc_tools.protoc`` (from grpcio-tools,
pinned to the grpcio runtime), with ``-I proto`` so that the modules import as
``silink.<area>.v1.<area>_pb2``, plus the well-known types shipped inside grpc_tools. An empty
``__init__.py`` is written in ``proto/silink`` and every folder below it that holds generated code.

The code is always generated into a fresh temporary folder first and then compared byte for byte with the
tree, so the two modes cannot disagree: the default mode copies what differs and deletes generated files
whose .proto is gone; ``--check`` only reports them. Inputs are passed in sorted order with paths relative
to ``proto/``, so two runs on the same sources give identical bytes. Nothing touches the network.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"
PACKAGE = "silink"
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")


def _well_known_types_dir() -> Path:
    """The folder with google/protobuf/*.proto that ships inside grpcio-tools."""
    try:
        import grpc_tools
    except ImportError:
        sys.exit("grpcio-tools is not installed in this interpreter: run this script with .venv/bin/python")
    return Path(grpc_tools.__file__).resolve().parent / "_proto"


def proto_sources() -> list[str]:
    """Every .proto of the package, as sorted POSIX paths relative to ``proto/``."""
    return sorted(p.relative_to(PROTO_ROOT).as_posix() for p in (PROTO_ROOT / PACKAGE).rglob("*.proto"))


def _is_generated(rel: Path) -> bool:
    """True for files this script owns: protoc output and the package ``__init__.py`` files."""
    return rel.name == "__init__.py" or rel.name.endswith(GENERATED_SUFFIXES)


def generate(out_dir: Path) -> list[Path]:
    """Generate everything into ``out_dir``; return the generated files relative to it, sorted."""
    sources = proto_sources()
    if not sources:
        sys.exit(f"no .proto files under {PROTO_ROOT / PACKAGE}")
    cmd = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        "-I",
        "proto",
        "-I",
        str(_well_known_types_dir()),
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *(f"proto/{source}" for source in sources),
    ]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        sys.exit(f"protoc failed with exit code {result.returncode}")

    package_dir = out_dir / PACKAGE
    for folder in [package_dir, *sorted(p for p in package_dir.rglob("*") if p.is_dir())]:
        (folder / "__init__.py").write_bytes(b"")

    return sorted(p.relative_to(out_dir) for p in out_dir.rglob("*") if p.is_file())


def committed_generated_files() -> list[Path]:
    """Generated files currently in the tree, relative to ``proto/`` (caches excluded)."""
    package_dir = PROTO_ROOT / PACKAGE
    if not package_dir.is_dir():
        return []
    found = []
    for p in package_dir.rglob("*"):
        rel = p.relative_to(PROTO_ROOT)
        if p.is_file() and "__pycache__" not in rel.parts and _is_generated(rel):
            found.append(rel)
    return sorted(found)


def compare(fresh_dir: Path, fresh: list[Path]) -> tuple[list[Path], list[Path], list[Path]]:
    """Split into (missing from the tree, different in the tree, stale in the tree)."""
    missing, different = [], []
    for rel in fresh:
        target = PROTO_ROOT / rel
        if not target.is_file():
            missing.append(rel)
        elif not filecmp.cmp(fresh_dir / rel, target, shallow=False):
            different.append(rel)
    fresh_set = set(fresh)
    stale = [rel for rel in committed_generated_files() if rel not in fresh_set]
    return missing, different, stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="generate into a temporary folder and exit 1 if the committed code differs (drift)",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="silink-proto-") as tmp:
        fresh_dir = Path(tmp)
        fresh = generate(fresh_dir)
        missing, different, stale = compare(fresh_dir, fresh)

        if args.check:
            for label, files in (("missing", missing), ("differs", different), ("stale", stale)):
                for rel in files:
                    print(f"{label}: proto/{rel.as_posix()}")
            if missing or different or stale:
                print("generated protobuf code is out of date: run .venv/bin/python tools/gen_proto.py")
                return 1
            print(f"generated protobuf code is current ({len(fresh)} files)")
            return 0

        for rel in missing + different:
            target = PROTO_ROOT / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(fresh_dir / rel, target)
            print(f"wrote proto/{rel.as_posix()}")
        for rel in stale:
            (PROTO_ROOT / rel).unlink()
            print(f"deleted proto/{rel.as_posix()}")
        print(f"{len(fresh)} generated files, {len(missing) + len(different)} written, {len(stale)} deleted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
