"""BankLink over a real gRPC socket: a gateway process, and banks connecting with their certificates."""

from __future__ import annotations

from tests.batches.conftest import api  # noqa: F401 - the principal-bound API client fixture
