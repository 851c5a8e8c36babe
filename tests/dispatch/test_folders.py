"""The drop-folder transport and the folder settings of folder banks (gateway/dispatch/folders.py)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from adapters.contract import WireMessage
from adapters.fixed_width import SIGNATURE_HEADER, FixedWidthAdapter
from gateway.dispatch import folders
from gateway.dispatch.folders import FolderTransport, folder_settings
from gateway.dispatch.transport import NotSent
from gateway.errors import InvalidInput
from tests.adapters_cn.helpers import file_ctx, make_submission


def _messages():
    ctx = file_ctx({"bank_code": "403"})
    return FixedWidthAdapter.bind(ctx).render_submission_parts(make_submission(3, bank_code="403"), ctx)


def test_a_drop_writes_the_signature_first_and_nothing_half_written(tmp_path: Path, monkeypatch) -> None:
    """The .sig lands before the file, each by rename from a temporary name; no temporary file is left."""
    order: list[str] = []
    real = os.replace

    def spy(src, dst):
        order.append(Path(dst).name)
        return real(src, dst)

    monkeypatch.setattr(folders.os, "replace", spy)
    (message,) = _messages()
    response = FolderTransport(tmp_path / "out", tmp_path / "in").send(message)
    assert response.headers["X-Silink-Dropped"] == message.path
    assert order == [message.path + ".sig", message.path]
    assert (tmp_path / "out" / message.path).read_bytes() == message.body
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [message.path, message.path + ".sig"]
    assert (tmp_path / "out" / message.path).stat().st_mode & 0o777 == 0o600  # personal data inside


def test_a_drop_that_cannot_be_written_was_not_sent(tmp_path: Path) -> None:
    """An outgoing folder that cannot be created is NotSent (safe to try again), never a half delivery."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    (message,) = _messages()
    with pytest.raises(NotSent):
        FolderTransport(blocker / "out", tmp_path / "in").send(message)


def test_unsafe_file_names_are_refused(tmp_path: Path) -> None:
    """A message whose name would leave the folder (or hide as a temporary file) is refused."""
    for name in ("../escape.txt", ".hidden.txt", "a/b.txt", "x.tmp"):
        with pytest.raises(InvalidInput):
            FolderTransport(tmp_path / "out", tmp_path / "in").send(WireMessage(b"x", "text/plain", name))


def test_a_folder_poll_reads_the_file_and_its_signature(tmp_path: Path) -> None:
    """The adapter's status query is answered from the incoming folder, empty while the file is absent."""
    ctx = file_ctx({"bank_code": "403"})
    sub = make_submission(3, bank_code="403")
    poll = FixedWidthAdapter.bind(ctx).render_status_query(sub, ctx)
    transport = FolderTransport(tmp_path / "out", tmp_path / "in")
    assert transport.send(poll).body == b""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / poll.path).write_bytes(b"RESULT")
    (tmp_path / "in" / (poll.path + ".sig")).write_bytes(b"SIG")
    got = transport.send(poll)
    assert got.body == b"RESULT" and base64.b64decode(got.headers[SIGNATURE_HEADER]) == b"SIG"


def test_folder_settings_default_to_the_simulator_and_the_sla(tmp_path: Path) -> None:
    """Folders come from outgoing_dir/incoming_dir (relative to the instance) or simulator_dir; the wait
    for results defaults to the SLA; a folder bank without folders is a precise configuration error."""
    got = folder_settings(tmp_path, "403", {"simulator_dir": "sims/403", "sla_hours": 2})
    assert (got.outgoing, got.incoming) == (tmp_path / "sims/403/payroll", tmp_path / "sims/403/results")
    assert got.result_wait_seconds == 7200
    got = folder_settings(
        tmp_path, "403", {"outgoing_dir": "x/out", "incoming_dir": "/abs/in", "result_wait_seconds": 5}
    )
    assert (got.outgoing, got.incoming, got.result_wait_seconds) == (tmp_path / "x/out", Path("/abs/in"), 5.0)
    with pytest.raises(InvalidInput) as missing:
        folder_settings(tmp_path, "403", {})
    assert missing.value.metadata["setting"] == "banks.403.outgoing_dir"
