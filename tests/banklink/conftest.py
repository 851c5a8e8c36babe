"""BankLink over a real gRPC socket: a gateway process, and banks connecting with their certificates.

``@pytest.mark.followup(result_wait_seconds=…, horizon=…)`` starts the gateway with bank 105's result
window and the dispatcher's inquiry backoff in seconds instead of hours."""

from __future__ import annotations

import pytest

from tests.batches.conftest import api  # noqa: F401 - the principal-bound API client fixture
from tests.conftest import ServerProcess


def pytest_configure(config):
    config.addinivalue_line("markers", "followup(result_wait_seconds, horizon): fast BankLink follow-up")


@pytest.fixture
def server(instance, request):
    """The one gateway process of a test (``api`` talks to it too), configured before it starts."""
    from tests.banklink.helpers import fast_followup

    marker = request.node.get_closest_marker("followup")
    if marker is not None:
        fast_followup(instance, **marker.kwargs)
    srv = ServerProcess(instance)
    yield srv
    srv.stop()
