"""The adapter registry: ``[banks.X] adapter = "name"`` picks the adapter; no if/else chains."""

from __future__ import annotations

import os
from collections.abc import Callable

from adapters.contract import Adapter
from gateway.errors import InvalidInput

_FACTORIES: dict[str, Callable[[], Adapter]] = {}
# The adapter folders as last scanned (each path with its modification time): the dispatcher asks for
# the adapters several times per submission, and listing the package folders each time cost more than
# a bank's answer to parse. A new or removed package changes its folder's mtime, so it is still seen.
_SCANNED: tuple[tuple[str, int], ...] | None = None


def register(name: str) -> Callable[[Callable[[], Adapter]], Callable[[], Adapter]]:
    """Decorator for an adapter factory (usually the adapter class itself)."""

    def deco(factory: Callable[[], Adapter]) -> Callable[[], Adapter]:
        if name in _FACTORIES:
            raise ValueError(f"adapter {name!r} registered twice")
        _FACTORIES[name] = factory
        return factory

    return deco


def get(name: str) -> Adapter:
    _load_builtin()
    try:
        return _FACTORIES[name]()
    except KeyError:
        raise InvalidInput(
            f"no adapter named {name!r}; known: {', '.join(sorted(_FACTORIES))}", "ADAPTER_UNKNOWN"
        ) from None


def names() -> list[str]:
    _load_builtin()
    return sorted(_FACTORIES)


def _load_builtin() -> None:
    """Import the adapter packages so their @register decorators run (idempotent)."""
    import importlib
    import pkgutil

    import adapters

    global _SCANNED
    stamp = tuple((path, _mtime(path)) for path in adapters.__path__)
    if stamp == _SCANNED:
        return
    for info in pkgutil.iter_modules(adapters.__path__):
        if info.ispkg and not info.name.startswith("_") and info.name not in ("simulator", "conformance"):
            importlib.import_module(f"adapters.{info.name}")
    _SCANNED = stamp


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1
