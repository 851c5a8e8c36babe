"""`make new-adapter NAME=xyz`: the template, the scaffold, and how the conformance kit treats the result."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import adapters
from adapters import registry
from adapters.contract import Action, Adapter, LineOutcome, SubmitStatus, WireResponse
from tests.conformance import kit

REPO = kit.REPO
SCAFFOLD = REPO / "adapters" / "_template" / "scaffold.py"


def test_template_is_a_skeleton_the_kit_skips():
    """The template meets the Adapter protocol, answers garbage with UNKNOWN/INQUIRE, and has no suites."""
    from adapters._template._adapter import TemplateAdapter

    adapter = TemplateAdapter()
    assert isinstance(adapter, Adapter)
    assert "declares no conformance suites" in (kit.pending_reason(adapter) or "")
    assert adapter.map_status("S") is LineOutcome.UNKNOWN
    assert adapter.map_error("WHATEVER").action is Action.INQUIRE
    assert adapter.map_error("TIMEOUT").action is Action.INQUIRE
    parsed = adapter.parse_submit_response(WireResponse(200, b"{}"), None)  # type: ignore[arg-type]
    assert parsed.status is SubmitStatus.UNKNOWN


def test_template_package_does_not_register_itself():
    """Importing adapters._template registers nothing: only a scaffolded copy is an adapter."""
    importlib.import_module("adapters._template")
    assert "template" not in registry.names()


def test_scaffold_creates_a_registered_adapter_the_kit_recognises(tmp_path, monkeypatch):
    """A scaffolded package imports, registers under its name, and is recognised but skipped by the kit."""
    name = "kit_probe_xyz"
    done = subprocess.run(
        [sys.executable, str(SCAFFOLD), name, "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    package = tmp_path / name
    assert sorted(p.name for p in package.iterdir()) == ["__init__.py", "_adapter.py"]
    source = (package / "_adapter.py").read_text(encoding="utf-8")
    assert "class KitProbeXyzAdapter" in source and f'NAME = "{name}"' in source
    assert (package / "__init__.py").read_text(encoding="utf-8").startswith(f'"""The {name} adapter')

    # Import it as adapters.<name> from the temporary folder, then undo every trace of it.
    monkeypatch.setattr(adapters, "__path__", [*adapters.__path__, str(tmp_path)])
    try:
        importlib.import_module(f"adapters.{name}")
        assert name in registry.names()
        adapter = registry.get(name)
        assert isinstance(adapter, Adapter)
        assert kit.pending_reason(adapter) is not None
    finally:
        registry._FACTORIES.pop(name, None)
        for module in [m for m in sys.modules if m.startswith(f"adapters.{name}")]:
            del sys.modules[module]


@pytest.mark.parametrize("bad", ["simulator", "Bad-Name", "x", "class", "_hidden"])
def test_scaffold_refuses_reserved_and_malformed_names(tmp_path, bad):
    """Reserved names, non-identifiers and keywords are refused with exit status 2 and nothing written."""
    done = subprocess.run(
        [sys.executable, str(SCAFFOLD), bad, "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert list(tmp_path.iterdir()) == []


def test_make_target_runs_the_scaffold_and_needs_a_name():
    """`make new-adapter` calls the scaffold with NAME (dry run here) and exits 2 without a NAME."""
    dry = subprocess.run(
        ["make", "-n", "new-adapter", "NAME=xyz"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert dry.returncode == 0
    assert "adapters/_template/scaffold.py xyz" in dry.stdout
    bare = subprocess.run(["make", "new-adapter"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert bare.returncode == 2
    assert "usage: make new-adapter NAME=xyz" in bare.stdout
