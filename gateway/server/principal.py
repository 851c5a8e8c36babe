"""Who is calling: the principal named by the client certificate, and its roles from the config."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

from gateway.errors import Unauthenticated


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    roles: tuple[str, ...]

    @property
    def kind(self) -> str:
        return self.name.split(":", 1)[0]

    @property
    def bank_code(self) -> str | None:
        """The bank a ``bank:<code>`` principal speaks for; None for everyone else."""
        return self.name.split(":", 1)[1] if self.kind == "bank" else None

    def has(self, role: str) -> bool:
        return role in self.roles


_current: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("silink_principal", default=None)


def set_current(principal: Principal) -> contextvars.Token:
    return _current.set(principal)


def current() -> Principal:
    """The principal of the RPC being served (set by the interceptor before the servicer runs)."""
    p = _current.get()
    if p is None:
        raise Unauthenticated("no authenticated principal for this call")
    return p
