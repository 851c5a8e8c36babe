"""Load on CardService: card calls per second sustained over a real mTLS socket, with p50 / p99 latency.

    .venv/bin/python -m benchmarks.cards_load [--seconds 60] [--rate 500] [--cards 2000] [--concurrency 64]

Starts `silink serve --role api` (``--servers N`` processes sharing the database) on a fresh SQLite
instance, registers ``--cards`` cards of bank 102,
then sends calls at a fixed rate (open loop: a late answer does not slow the sender down) from several
bank-branch channels (`channel:branch-102-N`, each with its own rate bucket, raised for the run). The mix
is 80 % GetCardStatus and 20 % mutating calls (ReportLoss temporary, then LiftLoss of the same card:
each a write transaction with audit and a payment-hold check). Bank legs are left out: their latency is
the bank's (the answer shows them PENDING and they are sent after the reply), so none of these calls
waits for a simulated bank. 200 warm-up calls (TLS handshakes) are not counted. Prints one JSON line:
achieved calls/s, p50, p99, max, errors by code, and the CPU milliseconds per call of the servers and
of this client (what the machine must supply per call, whatever else runs on it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import grpc
import psutil
from silink.card.v1 import card_pb2 as cpb
from silink.card.v1 import card_pb2_grpc

from gateway.client import client_cert_paths
from gateway.config import load_config
from gateway.domain.cards.operations import register_card
from gateway.instance import init_instance
from gateway.server.app import build_context
from keys.devca import DevCA
from tests.cards.conftest import account, card_no, ident
from tests.conftest import ServerProcess

CHANNELS = 4


def _prepare(home: Path, cards: int) -> None:
    init_instance(home)
    with (home / "silink.toml").open("a", encoding="utf-8") as f:
        f.write("\n[cards.channel_kinds.bank_branch]\nrate = 100000\n")
    ca = DevCA(home / "pki")
    for i in range(CHANNELS):
        cert, _key = client_cert_paths(home, f"channel:branch-102-{i}")
        ca.issue(f"channel:branch-102-{i}", cert.parent, file_stem=cert.stem)
    ctx = build_context(load_config(home))
    try:
        with ctx.db.write() as conn:
            for n in range(1, cards + 1):
                register_card(
                    conn,
                    ctx.protector,
                    id_number=ident(n),
                    name="王五",
                    card_number=card_no(n),
                    bank_code="102",
                    account=account(n),
                    principal="system:bench",
                    social_state="NORMAL",
                    bank_state="NORMAL",
                )
    finally:
        ctx.db.dispose()


def _channel(home: Path, principal: str, target: str) -> grpc.aio.Channel:
    cfg = load_config(home)
    cert, key = client_cert_paths(home, principal)
    creds = grpc.ssl_channel_credentials(cfg.tls.ca.read_bytes(), key.read_bytes(), cert.read_bytes())
    return grpc.aio.secure_channel(target, creds)


def _quantile_ms(values: list[float], p: int) -> float:
    if len(values) < 100:
        return 0.0
    return round(statistics.quantiles(values, n=100)[p - 1] * 1000, 2)


def _handler_ms(logs: list[str], measured: int) -> list[float]:
    """Seconds per card call from the servers' canonical log lines, the last ``measured`` calls only."""
    out: list[float] = []
    for text in logs:
        for line in text.splitlines():
            if '"event": "rpc"' in line and "CardService/" in line:
                with contextlib.suppress(ValueError, KeyError):
                    out.append(json.loads(line)["latency_ms"] / 1000)
    return out[-measured:] if len(logs) == 1 else out


def _cpu_seconds(pids: list[int]) -> tuple[float, float]:
    """(user + system CPU seconds of the server processes, of this process)."""
    servers = 0.0
    for pid in pids:
        t = psutil.Process(pid).cpu_times()
        servers += t.user + t.system
    own = psutil.Process().cpu_times()
    return servers, own.user + own.system


async def _run(
    home: Path,
    target: str | list[str],
    seconds: float,
    rate: float,
    cards: int,
    concurrency: int,
    writes: float,
    server_pids: list[int] = (),
) -> dict:
    targets = [target] if isinstance(target, str) else target
    chans = [_channel(home, f"channel:branch-102-{i}", targets[i % len(targets)]) for i in range(CHANNELS)]
    stubs = [card_pb2_grpc.CardServiceStub(c) for c in chans]
    rng = random.Random(7)
    lost: set[int] = set()
    busy: set[int] = set()
    latencies: list[float] = []
    by_kind: dict[str, list[float]] = {"read": [], "write": []}
    errors: dict[str, int] = {}
    sem = asyncio.Semaphore(concurrency)
    seq = 0

    async def one(i: int) -> None:
        nonlocal seq
        stub = stubs[i % CHANNELS]
        n = rng.randint(1, cards)
        seq += 1
        if rng.random() < writes and n not in busy:
            busy.add(n)
            if n in lost:
                call = stub.LiftLoss(
                    cpb.LiftLossRequest(request_id=f"b{seq}", id_number=ident(n), card_number=card_no(n)),
                    timeout=10,
                )
            else:
                call = stub.ReportLoss(
                    cpb.ReportLossRequest(
                        request_id=f"b{seq}", id_number=ident(n), card_number=card_no(n),
                        loss_kind=cpb.LOSS_KIND_TEMPORARY,
                    ),
                    timeout=10,
                )  # fmt: skip
        else:
            n = -n
            call = stub.GetCardStatus(
                cpb.GetCardStatusRequest(id_number=ident(-n), card_number=card_no(-n)), timeout=10
            )
        started = time.perf_counter()
        try:
            await call
            latencies.append(time.perf_counter() - started)
            by_kind["write" if n > 0 else "read"].append(latencies[-1])
            if n > 0:
                lost.symmetric_difference_update({n})
        except grpc.aio.AioRpcError as err:
            errors[err.code().name] = errors.get(err.code().name, 0) + 1
        finally:
            if n > 0:
                busy.discard(n)
            sem.release()

    # Warm up (TLS handshakes, first statements compiled), then forget what was measured.
    warm: list[asyncio.Task] = []
    for k in range(200):
        await sem.acquire()
        warm.append(asyncio.create_task(one(k)))
    await asyncio.gather(*warm)
    latencies.clear()
    for kind in by_kind.values():
        kind.clear()
    errors.clear()
    tasks: list[asyncio.Task] = []
    cpu_before = _cpu_seconds(server_pids)
    start = time.perf_counter()
    i = 0
    while True:
        due = start + i / rate
        now = time.perf_counter()
        if due - start >= seconds:
            break
        if due > now:
            await asyncio.sleep(due - now)
        await sem.acquire()
        tasks.append(asyncio.create_task(one(i)))
        i += 1
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    cpu_after = _cpu_seconds(server_pids)
    for c in chans:
        await c.close()
    lat = sorted(latencies)
    q = statistics.quantiles(lat, n=100) if len(lat) > 100 else [0.0] * 99
    return {
        "calls": i,
        "ok": len(lat),
        "seconds": round(elapsed, 1),
        "calls_per_second": round(len(lat) / elapsed, 1),
        "p50_ms": round(q[49] * 1000, 2),
        "p99_ms": round(q[98] * 1000, 2),
        "max_ms": round(lat[-1] * 1000, 2) if lat else 0.0,
        "errors": errors,
        **{f"{kind}_p{p}_ms": _quantile_ms(v, p) for kind, v in by_kind.items() for p in (50, 99)},
        # CPU time per call, independent of what else the machine runs: the servers', and this client's.
        "server_cpu_ms_per_call": round((cpu_after[0] - cpu_before[0]) * 1000 / max(i, 1), 3),
        "client_cpu_ms_per_call": round((cpu_after[1] - cpu_before[1]) * 1000 / max(i, 1), 3),
        "target_rate": rate,
        "concurrency": concurrency,
        "write_share": writes,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--rate", type=float, default=500)
    ap.add_argument("--cards", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--writes", type=float, default=0.2, help="share of mutating calls (default 0.2)")
    ap.add_argument("--servers", type=int, default=1, help="API processes sharing the database (default 1)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="silink-cards-bench-") as tmp:
        home = Path(tmp) / "inst"
        _prepare(home, args.cards)
        # Each process writes run/serve.json when it listens; it is read before the next one starts.
        servers = [ServerProcess(home, "--role", "api") for _ in range(args.servers)]
        try:
            result = asyncio.run(
                _run(
                    home,
                    [srv.target for srv in servers],
                    args.seconds,
                    args.rate,
                    args.cards,
                    args.concurrency,
                    args.writes,
                    [srv.proc.pid for srv in servers],
                )
            )
        finally:
            for srv in servers:
                srv.stop()
        result["servers"] = args.servers
        # Handler time as the servers logged it (from the interceptor's start to its end): the rest of
        # a call's latency is gRPC queueing, transport and the client.
        handler = _handler_ms([srv.log_text() for srv in servers], result["calls"])
        result.update({f"handler_p{p}_ms": _quantile_ms(handler, p) for p in (50, 99)})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
