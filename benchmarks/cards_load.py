"""Load on CardService: card calls per second sustained over a real mTLS socket, with p50 / p99 latency.

    .venv/bin/python -m benchmarks.cards_load [--seconds 60] [--rate 500] [--workers 2] [--cards 2000]

Starts `silink serve --role api` (``--servers N`` processes sharing the database) on a fresh SQLite
instance, registers ``--cards`` cards of bank 102,
then sends calls at a fixed rate from ``--workers`` client processes, each with one gRPC channel of its
own (`channel:branch-102-N`, each with its own rate bucket, raised for the run) and its own share of
the cards. The load is open loop and every latency is measured from the call's *scheduled* send time,
not from when the client got round to sending it: a server (or client) that falls behind shows as
latency instead of quietly lowering the rate it is offered (no coordinated omission). The mix
is 80 % GetCardStatus and 20 % mutating calls (ReportLoss temporary, then LiftLoss of the same card:
each a write transaction with audit and a payment-hold check). Bank legs are left out: their latency is
the bank's (the answer shows them PENDING and they are sent after the reply), so none of these calls
waits for a simulated bank. 200 warm-up calls per worker (TLS handshakes) are not counted. Prints one
JSON line: achieved calls/s, p50 / p90 / p99 / max, errors by gRPC code, the CPU milliseconds per call
of the servers and of the client workers (what the machine must supply per call, whatever else runs on
it), and the load average before and after (the machine is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
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


def _server_cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        t = psutil.Process(pid).cpu_times()
        total += t.user + t.system
    return total


class _Load:
    """One worker's calls: its own cards (``n % workers == worker``), its own loss/lift bookkeeping."""

    def __init__(
        self, stub: card_pb2_grpc.CardServiceStub, worker: int, workers: int, cards: int, writes: float
    ):
        self.stub = stub
        self.cards = [n for n in range(1, cards + 1) if n % workers == worker]
        self.writes = writes
        self.rng = random.Random(7 + worker)
        self.prefix = f"w{worker}-{os.getpid()}-"
        self.lost: set[int] = set()
        self.busy: set[int] = set()
        self.seq = 0
        self.reset()

    def reset(self) -> None:
        self.latencies: dict[str, list[float]] = {"read": [], "write": []}
        self.errors: dict[str, int] = {}

    async def one(self, due: float) -> None:
        """One call; its latency runs from ``due`` (when it should have been sent) to its answer."""
        n = self.rng.choice(self.cards)
        self.seq += 1
        write = self.rng.random() < self.writes and n not in self.busy
        if write:
            self.busy.add(n)
            rid = self.prefix + str(self.seq)
            if n in self.lost:
                call = self.stub.LiftLoss(
                    cpb.LiftLossRequest(request_id=rid, id_number=ident(n), card_number=card_no(n)),
                    timeout=10,
                )
            else:
                call = self.stub.ReportLoss(
                    cpb.ReportLossRequest(
                        request_id=rid, id_number=ident(n), card_number=card_no(n),
                        loss_kind=cpb.LOSS_KIND_TEMPORARY,
                    ),
                    timeout=10,
                )  # fmt: skip
        else:
            call = self.stub.GetCardStatus(
                cpb.GetCardStatusRequest(id_number=ident(n), card_number=card_no(n)), timeout=10
            )
        try:
            await call
            self.latencies["write" if write else "read"].append(time.perf_counter() - due)
            if write:
                self.lost.symmetric_difference_update({n})
        except grpc.aio.AioRpcError as err:
            self.errors[err.code().name] = self.errors.get(err.code().name, 0) + 1
        finally:
            if write:
                self.busy.discard(n)


async def _worker_run(
    home: Path, target: str, worker: int, workers: int, opts: dict, conn: mp.connection.Connection
) -> dict:
    channel = _channel(home, f"channel:branch-102-{worker % CHANNELS}", target)
    load = _Load(card_pb2_grpc.CardServiceStub(channel), worker, workers, opts["cards"], opts["writes"])
    # Warm up (TLS handshake, first statements compiled), then forget what was measured.
    for _ in range(4):
        await asyncio.gather(*(load.one(time.perf_counter()) for _ in range(50)))
    load.reset()
    conn.send("ready")
    start_wall = conn.recv()  # the same wall-clock start for every worker
    await asyncio.sleep(max(0.0, start_wall - time.time()))
    rate = opts["rate"] / workers
    cap = asyncio.Semaphore(opts["max_in_flight"])
    tasks: list[asyncio.Task] = []
    cpu0 = time.process_time()
    start = time.perf_counter() + worker / opts["rate"]  # workers interleave instead of sending together
    i = 0

    async def fire(due: float) -> None:
        try:
            await load.one(due)
        finally:
            cap.release()

    while (due := start + i / rate) - start < opts["seconds"]:
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await cap.acquire()  # a bound on memory only: a call waiting here is already late, and counted so
        tasks.append(asyncio.create_task(fire(due)))
        i += 1
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    await channel.close()
    return {
        "calls": i,
        "elapsed": elapsed,
        "cpu": cpu,
        "latencies": load.latencies,
        "errors": load.errors,
    }


def _worker(home: str, target: str, worker: int, workers: int, opts: dict, conn) -> None:
    try:
        conn.send(asyncio.run(_worker_run(Path(home), target, worker, workers, opts, conn)))
    except Exception as exc:  # the parent reports it; a worker never hangs the run
        conn.send({"failed": f"{type(exc).__name__}: {exc}"})
    finally:
        conn.close()


def _drive(home: Path, targets: list[str], server_pids: list[int], opts: dict, workers: int) -> dict:
    """Start the workers, start them together, gather what they measured."""
    ctx = mp.get_context("spawn")  # grpc does not survive fork
    pipes, procs = [], []
    for w in range(workers):
        parent, child = ctx.Pipe()
        proc = ctx.Process(
            target=_worker, args=(str(home), targets[w % len(targets)], w, workers, opts, child), daemon=True
        )
        proc.start()
        pipes.append(parent)
        procs.append(proc)
    try:
        for p in pipes:
            msg = p.recv()
            if msg != "ready":
                raise RuntimeError(f"worker failed during warm-up: {msg}")
        load_before = os.getloadavg()
        start_wall = time.time() + 0.5
        for p in pipes:
            p.send(start_wall)
        time.sleep(max(0.0, start_wall - time.time()))
        server0 = _server_cpu_seconds(server_pids)
        results = [p.recv() for p in pipes]
        server1 = _server_cpu_seconds(server_pids)
        load_after = os.getloadavg()
    finally:
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
    failed = [r["failed"] for r in results if "failed" in r]
    if failed:
        raise RuntimeError(f"worker failed: {failed[0]}")
    calls = sum(r["calls"] for r in results)
    elapsed = max(r["elapsed"] for r in results)
    reads = [x for r in results for x in r["latencies"]["read"]]
    writes = [x for r in results for x in r["latencies"]["write"]]
    lat = sorted(reads + writes)
    errors: dict[str, int] = {}
    for r in results:
        for code, count in r["errors"].items():
            errors[code] = errors.get(code, 0) + count
    return {
        "calls": calls,
        "ok": len(lat),
        "seconds": round(elapsed, 1),
        "calls_per_second": round(len(lat) / elapsed, 1),
        **{f"p{p}_ms": _quantile_ms(lat, p) for p in (50, 90, 99)},
        "max_ms": round(lat[-1] * 1000, 2) if lat else 0.0,
        "errors": errors,
        **{
            f"{kind}_p{p}_ms": _quantile_ms(v, p)
            for kind, v in (("read", reads), ("write", writes))
            for p in (50, 99)
        },
        # CPU time per call, independent of what else the machine runs: the servers', and the clients'.
        "server_cpu_ms_per_call": round((server1 - server0) * 1000 / max(calls, 1), 3),
        "client_cpu_ms_per_call": round(sum(r["cpu"] for r in results) * 1000 / max(calls, 1), 3),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "target_rate": opts["rate"],
        "workers": workers,
        "write_share": opts["writes"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--rate", type=float, default=500)
    ap.add_argument("--cards", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2, help="client processes, one channel each (default 2)")
    ap.add_argument(
        "--max-in-flight", type=int, default=512, help="per worker; a bound on memory, latency still counts"
    )
    ap.add_argument("--writes", type=float, default=0.2, help="share of mutating calls (default 0.2)")
    ap.add_argument("--servers", type=int, default=1, help="API processes sharing the database (default 1)")
    args = ap.parse_args()
    opts = {
        "seconds": args.seconds,
        "rate": args.rate,
        "cards": args.cards,
        "writes": args.writes,
        "max_in_flight": args.max_in_flight,
    }
    with tempfile.TemporaryDirectory(prefix="silink-cards-bench-") as tmp:
        home = Path(tmp) / "inst"
        _prepare(home, args.cards)
        # Each process writes run/serve.json when it listens; it is read before the next one starts.
        servers = [ServerProcess(home, "--role", "api") for _ in range(args.servers)]
        try:
            result = _drive(
                home, [srv.target for srv in servers], [srv.proc.pid for srv in servers], opts, args.workers
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
