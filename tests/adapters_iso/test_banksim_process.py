"""`silink banksim` as a real process: run file, TLS, stored messages, control, CLI, restart, clean logs."""

from __future__ import annotations

import http.client
import json
import os
import ssl
import stat
import subprocess
import sys

import pytest

from adapters.contract import Action, SubmitStatus, WireResponse
from adapters.iso20022 import Iso20022Adapter
from adapters.simulator.client import TLS_FAILED, HttpTransport, TransportError
from tests.adapters_iso import helpers as H
from tests.conformance.kit import REPO, SimulatorProcess, context, submission, unique
from tests.conftest import LOG_DIR
from tests.support import logscan

ADAPTER = Iso20022Adapter()


def _cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli.main", "banksim", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    sim = SimulatorProcess(tmp_path_factory.mktemp("bank") / "data", "iso20022", LOG_DIR, "--seed", "3")
    yield sim
    sim.stop()


def _fresh(count: int = 8):
    return submission(H.lines(count, prefix=unique("P")[:10]), unique("PROC"))


def test_run_file_names_the_process_and_is_private(bank):
    """run.json holds pid, ports, TLS, CA and token, readable by the owner only."""
    path = bank.data_dir / "run.json"
    info = json.loads(path.read_text())
    assert info["pid"] == bank.proc.pid
    assert info["tls"] is True and info["url"] == f"https://127.0.0.1:{info['port']}"
    assert {"control_port", "ca_file", "token", "bank_public_key"} <= set(info)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_https_needs_the_simulator_ca(bank):
    """A client that does not trust the simulator's CA fails the handshake: TLS_FAILED, a MANUAL matter."""
    untrusting = HttpTransport("127.0.0.1", bank.info["port"])
    untrusting.tls = ssl.create_default_context()  # the system's CAs only
    with pytest.raises(TransportError) as err:
        untrusting.send(ADAPTER.render_status_query(_fresh(), context()))
    assert err.value.code == TLS_FAILED and ADAPTER.map_error(TLS_FAILED).action is Action.MANUAL


def test_every_received_message_is_kept_once_atomically(bank):
    """Each request body lands in received/ as one private file, byte for byte; no temporary files remain."""
    folder = bank.data_dir / "received"
    before = set(os.listdir(folder))
    sub = _fresh()
    message = ADAPTER.render_submission(sub, context())
    bank.send(message)
    bank.send(ADAPTER.render_status_query(sub, context()))
    new = sorted(set(os.listdir(folder)) - before)
    assert [name.split("-", 1)[1] for name in new] == ["submit.xml", "status.json"]
    assert (folder / new[0]).read_bytes() == message.body
    assert all(stat.S_IMODE((folder / n).stat().st_mode) == 0o600 for n in new)
    assert not [n for n in os.listdir(folder) if n.startswith(".")]


def test_cli_faults_ledger_and_logs(bank):
    """`banksim fault` arms, lists, clears; `banksim ledger --json` masks accounts; the logs stay clean."""
    data = str(bank.data_dir)
    armed = _cli("fault", "--dir", data, "http-5xx", "--count", "1", "--on", "submit", "--json")
    assert armed.returncode == 0, armed.stderr
    assert json.loads(armed.stdout)["faults"][0]["kind"] == "http-5xx"
    sub = _fresh()
    refused = ADAPTER.parse_submit_response(bank.send(ADAPTER.render_submission(sub, context())), sub)
    assert refused.error.action is Action.RETRY
    accepted = ADAPTER.parse_submit_response(bank.send(ADAPTER.render_submission(sub, context())), sub)
    assert accepted.status is SubmitStatus.ACCEPTED
    assert json.loads(_cli("fault", "--dir", data, "list", "--json").stdout) == {"faults": []}

    assert _cli("fault", "--dir", data, "latency", "--ms", "5", "--rate", "0.5").returncode == 0
    cleared = _cli("fault", "--dir", data, "clear", "--json")
    assert json.loads(cleared.stdout) == {"faults": []}
    bad = _cli("fault", "--dir", data, "malformed", "--variant", "no-such-variant")
    assert bad.returncode == 2 and "unknown malformed variant" in bad.stderr

    report = _cli("ledger", "--dir", data, "--json")
    assert report.returncode == 0
    ledger = json.loads(report.stdout)
    mine = [e for e in ledger["entries"] if e["reference"] == sub.bank_reference]
    assert [e["amount_fen"] for e in mine] == [line.amount_fen for line in sub.lines]
    assert all(line.account not in report.stdout for line in sub.lines)
    assert ledger["totals"]["credited_fen"] == sum(
        e["amount_fen"] for e in ledger["entries"] if e["state"] == "credited"
    )
    human = _cli("ledger", "--dir", data)
    assert "credited_count" in human.stdout

    log = bank.log_text()
    assert "banksim.request" in log
    assert logscan.scan_text(log) == []
    assert all(line.name not in log and line.account not in log for line in sub.lines)


def test_control_needs_the_token(bank):
    """The control endpoint refuses calls without the token from run.json."""
    conn = http.client.HTTPConnection("127.0.0.1", bank.info["control_port"], timeout=10)
    conn.request("POST", "/faults", body=b'{"kind":"refuse"}', headers={"X-Banksim-Token": "guess"})
    answer = conn.getresponse()
    assert answer.status == 401
    conn.close()
    assert bank.control().call("GET", "/faults") == {"faults": []}


def test_unknown_paths_and_methods(bank):
    """An unknown path is 404 NO_SUCH_ENDPOINT (a MANUAL matter, never a retry); GET is 405."""
    from adapters.contract import WireMessage

    response = bank.send(WireMessage(body=b"{}", content_type="application/json", path="/iso20022/nothing"))
    assert response.status == 404 and json.loads(response.body)["code"] == "NO_SUCH_ENDPOINT"
    result = ADAPTER.parse_status_response(WireResponse(response.status, response.body), _fresh())
    assert result.error.action is Action.MANUAL


def test_plain_http_stop_restart_and_fixed_settings(tmp_path):
    """--plain-http serves HTTP; `banksim stop` ends it; a restart keeps the books and refuses a new seed."""
    data = tmp_path / "data"
    sim = SimulatorProcess(data, "iso20022", LOG_DIR, "--plain-http", "--seed", "4")
    try:
        assert sim.info["tls"] is False and sim.info["url"].startswith("http://")
        sub = _fresh()
        assert ADAPTER.parse_submit_response(
            sim.send(ADAPTER.render_submission(sub, context())), sub
        ).status is (SubmitStatus.ACCEPTED)
        stopped = _cli("stop", "--dir", str(data), "--json")
        assert stopped.returncode == 0 and json.loads(stopped.stdout)["stopped"] is True
        assert sim.proc.wait(15) == 0
        assert not (data / "run.json").exists()

        conflict = _cli("serve", "--dir", str(data), "--seed", "5")
        assert conflict.returncode == 2 and "BANKSIM_CONFIG_CONFLICT" in conflict.stderr
        not_running = _cli("fault", "--dir", str(data), "list")
        assert not_running.returncode == 2 and "no bank simulator is running" in not_running.stderr

        sim.start()  # same folder, stored settings
        again = ADAPTER.parse_submit_response(sim.send(ADAPTER.render_submission(sub, context())), sub)
        assert again.status is SubmitStatus.ACCEPTED
        assert sim.control().ledger()["totals"]["resends"] == 1
    finally:
        sim.stop()
