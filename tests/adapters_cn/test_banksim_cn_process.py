"""`silink banksim serve` and `ledger --json` for a direct-link bank, as a separate process."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

from adapters.contract import WireResponse
from adapters.direct_link import CardRequest, DirectLinkAdapter, Funcode
from adapters.simulator.client import ControlClient, HttpTransport
from keys.algorithms import get_backend
from tests.adapters_cn.helpers import GATEWAY, direct_ctx
from tests.conftest import LOG_DIR, REPO


def _silink(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


def _serve(folder: Path, protocol: str, bank: str, *extra: str) -> subprocess.Popen:
    key = folder.parent / f"gw-{bank}.pem"
    key.write_bytes(GATEWAY.public_pem())
    log = open(LOG_DIR / f"banksim-cn-{protocol}-{bank}.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gateway.cli.main",
            "banksim",
            "serve",
            "--protocol",
            protocol,
            "--bank",
            bank,
            "--dir",
            str(folder),
            "--client-key",
            str(key),
            "--client-key-alg",
            "SM2-SM3",
            *extra,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=REPO,
    )
    deadline = time.monotonic() + 60
    while not (folder / "run.json").exists():
        assert proc.poll() is None and time.monotonic() < deadline, "the simulator did not start"
        time.sleep(0.05)
    return proc


def test_a_direct_link_bank_process_answers_card_calls_and_lists_its_cards(tmp_path: Path) -> None:
    """`banksim serve --protocol direct_link_json` publishes its SM2 key and SM4 working key (0600),
    answers a card call over HTTPS, and `banksim ledger --json` lists the card (account masked)."""
    dl_dir = tmp_path / "dl" / "data"
    dl_dir.parent.mkdir()
    dl = _serve(dl_dir, "direct_link_json", "308", "--max-lines", "500")
    try:
        info = json.loads((dl_dir / "run.json").read_text())
        assert info["port"] and info["bank_key_algorithm"] == "SM2-SM3" and info["working_key"]
        assert (Path(info["working_key"]).stat().st_mode & 0o777) == 0o600
        ControlClient(dl_dir).fault("latency", ms=10, endpoints=["card"])

        bank = get_backend().load_verifier("SM2-SM3", Path(info["bank_public_key"]).read_bytes())
        key = bytes.fromhex(Path(info["working_key"]).read_text().strip())
        ctx = direct_ctx(
            now_iso=dt.datetime.now(dt.UTC).isoformat(),
            bank_verifier=bank,
            cipher=get_backend().cipher("SM4-GCM", key),
        )
        request = CardRequest(Funcode.CARD_STATUS, "CARD-CLI-1", "11010519491231002X", "王堃", "B41537131")
        adapter = DirectLinkAdapter.bind(ctx)
        answer = HttpTransport.for_simulator(dl_dir).send(adapter.render_card_request(request, ctx))
        result = adapter.parse_card_response(WireResponse(answer.status, answer.body), request, ctx)
        assert result.bank_state == "NOT_ACTIVATED", result

        ledger = _silink("banksim", "ledger", "--dir", str(dl_dir), "--json")
        assert ledger.returncode == 0, ledger.stderr
        cards = json.loads(ledger.stdout)["cards"]
        assert [(c["card_no"], c["state"], c["operations"]) for c in cards] == [
            ("B41537131", "NOT_ACTIVATED", 1)
        ]
        assert "*" in cards[0]["account"]
        assert ControlClient(dl_dir).stop(wait_s=20) and dl.wait(20) == 0
    finally:
        if dl.poll() is None:
            dl.kill()
            dl.wait(10)
