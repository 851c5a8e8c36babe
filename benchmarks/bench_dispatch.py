"""Dispatch throughput: lines/s from a released batch to final line states, through the outbox and the
dispatcher workers, against a local ISO 20022 bank simulator (target ≥ 5,000 lines/s).

Run ``python -m benchmarks.bench_dispatch [--lines 50000] [--workers 2] [--chunk 5000]`` for JSON.

What is set up first (not timed): an instance (``silink init``), a `silink banksim serve` process for
bank 102 (its own process, HTTPS, signed answers, settlement at once), a generated payroll validated
and stored as a batch, approved by a second person and released (signed submissions of ``--chunk``
lines and their outbox rows). What is timed: ``--workers`` dispatcher threads of this process — the
same :class:`~gateway.dispatch.service.DispatchWorkers` `silink serve` runs, with breaker, rate limit
and the replay check of every answer — from the first claim until the batch is COMPLETED: each
submission rendered (pain.001, RSA-PSS signed), sent, its pain.002 answers checked and parsed, lines
moved with their events and evidence kept. Wall time and this process's CPU time (``process_time``; the
simulator is another process, its CPU is reported apart) are both reported, with the 1-minute load
average before and after, since the machine may be shared. ``poll_interval_seconds`` is 0.2 s (the
default, 2 s, is a bank-friendly production pace, not a property of the dispatcher).

The simulator's ledger is read afterwards: every line credited or refused at most once, no resend.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_LINES_PER_SECOND = 5_000
BANK = "102"
_SILINK = (sys.executable, "-m", "gateway.cli.main")


def _start_simulator(folder: Path) -> tuple[subprocess.Popen, dict]:
    log = open(folder.parent / "banksim.log", "wb")  # noqa: SIM115 - lives as long as the process
    proc = subprocess.Popen(
        [
            *_SILINK,
            "banksim",
            "serve",
            "--protocol",
            "iso20022",
            "--bank",
            BANK,
            "--dir",
            str(folder),
            "--port",
            "0",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.time() + 60
    while not (folder / "run.json").exists():
        if proc.poll() is not None or time.time() > deadline:
            raise RuntimeError(f"bank simulator did not start (see {folder.parent / 'banksim.log'})")
        time.sleep(0.05)
    return proc, json.loads((folder / "run.json").read_text())


def _process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU of another process so far (Linux ``/proc``; ``None`` elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # After the command name: state is field 3, utime and stime are fields 14 and 15 (in clock ticks).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ledger_totals(folder: Path) -> dict:
    out = subprocess.run(
        [*_SILINK, "banksim", "ledger", "--dir", str(folder), "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout)["totals"]


def _configure(home: Path, sim_folder: Path, chunk: int) -> None:
    path = home / "silink.toml"
    text = path.read_text(encoding="utf-8")
    marker = f'[banks."{BANK}"]\n'
    text = text.replace(marker, f'{marker}simulator_dir = "{sim_folder}"\n', 1)
    text = text.replace("chunk_size = 5000", f"chunk_size = {chunk}", 1)  # bank 102 is the first bank
    path.write_text(text + "\n[dispatch]\npoll_interval_seconds = 0.2\n", encoding="utf-8")


def _released_batch(ctx, payroll: Path) -> tuple[int, int]:
    """Validate, store, approve and release the payroll as one batch; (batch id, lines released)."""
    from gateway.dispatch.routing import bank_route
    from gateway.domain import batches as dom
    from gateway.domain.release import release
    from gateway.intake import LineValidator, ValidationSettings
    from gateway.intake.reader import open_payroll
    from gateway.intake.records import ValidatedLine

    validate = LineValidator(ValidationSettings(fund="PENSION_EMPLOYEE")).validate
    with ctx.db.write() as conn:
        intake = dom.BatchIntake(
            conn,
            ctx.protector,
            creator="officer:bench",
            fund_account=ctx.cfg.funds["PENSION_EMPLOYEE"]["account"],
            header=dom.BatchHeaderIn("PENSION_EMPLOYEE", "2026-11", "bench", payroll.name),
        )
        with open_payroll(payroll) as source:
            for n, fields in source:
                line = validate(n, fields)
                if isinstance(line, ValidatedLine):
                    intake.add(line)
        stored = intake.finish()
    with ctx.db.write() as conn:
        dom.approve(conn, ctx.protector, stored.batch_id, "approver:bench", stored.content_hash)
    with ctx.db.write() as conn:
        result = release(
            conn,
            ctx.protector,
            stored.batch_id,
            "approver:bench",
            lambda code: bank_route(ctx.cfg, ctx.keystore, code),
        )
    return stored.batch_id, result.lines


def _batch_state(ctx, batch_id: int) -> str:
    from sqlalchemy import select

    from gateway.storage.tables import batches

    with ctx.db.read() as conn:
        return conn.execute(select(batches.c.state).where(batches.c.id == batch_id)).scalar_one()


def _line_counts(ctx, batch_id: int) -> dict[str, int]:
    from sqlalchemy import func, select

    from gateway.storage.tables import batch_lines

    with ctx.db.read() as conn:
        rows = conn.execute(
            select(batch_lines.c.state, func.count())
            .where(batch_lines.c.batch_id == batch_id)
            .group_by(batch_lines.c.state)
        ).all()
    return {state: count for state, count in rows}


def measure_dispatch(
    lines: int = 50_000, workers: int = 2, chunk: int = 5_000, keep: Path | None = None
) -> dict:
    from gateway.config import load_config
    from gateway.dispatch.service import DispatchWorkers
    from gateway.instance import init_instance
    from gateway.intake.generator import PayrollSpec, generate_payroll
    from gateway.logs import configure_logging
    from gateway.server.app import build_context

    configure_logging(json=True, level="WARNING")
    with tempfile.TemporaryDirectory(prefix="silink-bench-dispatch-") as tmp:
        root = Path(keep) if keep is not None else Path(tmp)
        home, sim_folder = root / "home", root / "sim102"
        sim_folder.mkdir()
        init_instance(home, port=0, metrics_port=0)
        sim, _info = _start_simulator(sim_folder)
        try:
            _configure(home, sim_folder, chunk)
            payroll = root / "payroll.csv"
            generate_payroll(payroll, PayrollSpec(payees=lines, seed=7, bank_codes=(BANK,), period="2026-11"))
            ctx = build_context(load_config(home))
            t0 = time.perf_counter()
            batch_id, released = _released_batch(ctx, payroll)
            setup_release_s = time.perf_counter() - t0

            pool = DispatchWorkers(ctx, workers)
            load_before = os.getloadavg()
            started, cpu_started = time.perf_counter(), time.process_time()
            sim_cpu_started = _process_cpu_seconds(sim.pid)
            pool.start()
            deadline = started + max(120.0, lines / 200)
            while _batch_state(ctx, batch_id) != "COMPLETED":
                if time.perf_counter() > deadline:
                    pool.stop()
                    raise RuntimeError(f"batch not completed in time: {_line_counts(ctx, batch_id)}")
                time.sleep(0.02)
            elapsed = time.perf_counter() - started
            # CPU of this process (dispatcher threads, plus the completion poll above); the simulator
            # runs in its own process and is not counted. On a shared machine this is the steadier figure.
            cpu = time.process_time() - cpu_started
            sim_cpu_now = _process_cpu_seconds(sim.pid)
            sim_cpu = (
                sim_cpu_now - sim_cpu_started
                if sim_cpu_now is not None and sim_cpu_started is not None
                else None
            )
            load_after = os.getloadavg()
            pool.stop()
            counts = _line_counts(ctx, batch_id)
            ctx.db.dispose()
            totals = _ledger_totals(sim_folder)
        finally:
            sim.send_signal(signal.SIGTERM)
            try:
                sim.wait(20)
            except subprocess.TimeoutExpired:
                sim.kill()
    assert totals["resends"] == 0, totals
    assert totals["credited_count"] + totals["rejected_count"] == released, (totals, released)
    assert set(counts) <= {"PAID", "FAILED"}, counts
    return {
        "protocol": "iso20022 (HTTPS, RSA-PSS signed pain.001; pain.002 signature and replay checked)",
        "database": "sqlite",
        "lines": released,
        "submissions": -(-released // chunk),
        "chunk": chunk,
        "workers": workers,
        "threads": threading.active_count(),
        "release_seconds": round(setup_release_s, 2),
        "dispatch_seconds": round(elapsed, 2),
        "lines_per_second": round(released / elapsed),
        "dispatch_cpu_seconds": round(cpu, 2),
        "lines_per_cpu_second": round(released / cpu) if cpu > 0 else None,
        "simulator_cpu_seconds": round(sim_cpu, 2) if sim_cpu is not None else None,
        "load_average_1m": {"before": round(load_before[0], 2), "after": round(load_after[0], 2)},
        "cpus": os.cpu_count(),
        "target_lines_per_second": TARGET_LINES_PER_SECOND,
        "line_states": counts,
        "bank_ledger": {k: totals[k] for k in ("credited_count", "rejected_count", "resends")},
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_dispatch", description=__doc__.split("\n")[0]
    )
    p.add_argument("--lines", type=int, default=50_000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--chunk", type=int, default=5_000, help="lines per submission (ISO 20022 limit 5,000)")
    p.add_argument("--keep", type=Path, default=None, help="work in this (new) folder and keep it")
    args = p.parse_args(argv)
    figures = measure_dispatch(args.lines, args.workers, args.chunk, args.keep)
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
