"""`silink bench province`: a month's payroll for a province, end to end through the real code paths.

What is set up first and not timed: a fresh instance (``silink init``), one `silink banksim serve` process
per bank (their own processes, their own ledgers; keys exchanged for the Chinese protocols), and a
generated payroll (its generation is timed and reported, but kept out of the totals). Then, stage by
stage, each with its own clock, progress bar and peak RSS:

1. ingest and validate — the payroll reader and :class:`~gateway.intake.LineValidator`, a block at a time;
2. persist — :class:`~gateway.domain.batches.BatchIntake` (keyed hashes, AES-GCM sealing of personal data,
   masks, the duplicate check, the content hash), interleaved block by block with stage 1 so that no
   stage holds the payroll; a new batch every ``batch_lines`` lines, as regions submit their own;
3. approve and release — the second person's approval against the frozen content hash, then release:
   every line decrypted, the content hash rebuilt and compared, lines routed and cut per bank;
4. canonicalise, hash and sign — inside release, one Merkle root and one signature per submission,
   timed apart;
5. render — every submission's wire messages from its stored, signed lines (pain.001, direct-link JSON
   parts, 报盘 files), as the dispatcher renders them at send time;
6. dispatch — the dispatcher workers (threads on SQLite; ``silink serve --role dispatcher`` processes on
   PostgreSQL) until every line is final or in the manual queue;
7. statements — each bank's books (its simulator ledger) become the fund account's camt.053, imported;
8. reconcile and settle — :func:`~reconciliation.runs.reconcile_account` over the run's days.

At the end the totals must agree: lines in = paid + failed + held + rejected, amounts likewise, and what
the gateway counts as paid equals what the banks' ledgers credited.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from gateway.bench.meter import RssSampler, Stage, StageBoard, machine
from gateway.errors import Conflict, InvalidInput

FUND = "PENSION_EMPLOYEE"
PERIOD = "2026-11"
SEED = 2026
BLOCK = 10_000  # lines validated, then stored, at a time: the unit of interleaving and of memory
# Banks in the order --banks takes them: both national-algorithm protocols early, so that even two banks
# run ISO 20022 (RSA) and direct-link JSON (SM2/SM3/SM4).
BANK_ORDER: tuple[tuple[str, str], ...] = (
    ("102", "iso20022"),
    ("308", "direct_link_json"),
    ("104", "iso20022"),
    ("301", "direct_link_json"),
    ("403", "fixed_width_file"),
    ("103", "fixed_width_file"),
)
IN_FLIGHT = ("PENDING", "SUBMITTED", "ACCEPTED", "UNKNOWN")
PAID_STATES = ("PAID",)
FAILED_STATES = ("FAILED", "RETURNED")
HELD_STATES = ("HELD", "MANUAL", "CANCELLED")


@dataclass(frozen=True)
class ProvinceSpec:
    payees: int
    banks: int = 2
    workers: int = 2
    database: str | None = None  # a PostgreSQL URL of an empty database; None: SQLite in the work folder
    batch_lines: int = 1_000_000
    baseline: bool = False
    baseline_sign_lines: int = 20_000
    keep: Path | None = None
    show_progress: bool = True
    stall_seconds: float = 300.0

    def __post_init__(self) -> None:
        if self.payees < 1:
            raise InvalidInput("--payees must be at least 1", "FIELD_INVALID", metadata={"field": "payees"})
        if not 1 <= self.banks <= len(BANK_ORDER):
            raise InvalidInput(
                f"--banks must be 1-{len(BANK_ORDER)}", "FIELD_INVALID", metadata={"field": "banks"}
            )
        if self.workers < 1:
            raise InvalidInput("--workers must be at least 1", "FIELD_INVALID", metadata={"field": "workers"})
        if self.batch_lines < 1:
            raise InvalidInput(
                "--batch-lines must be at least 1", "FIELD_INVALID", metadata={"field": "batch_lines"}
            )
        if self.database is not None and not self.database.startswith("postgresql"):
            raise InvalidInput(
                "--database takes a PostgreSQL URL (postgresql+psycopg://…); SQLite is the default",
                "FIELD_INVALID",
                metadata={"field": "database"},
            )


def run_province(spec: ProvinceSpec) -> dict[str, Any]:
    """Run the benchmark; the report as one JSON-ready dict."""
    tmp = None
    if spec.keep is not None:
        root = spec.keep
        if root.exists() and any(root.iterdir()):
            raise Conflict(f"--keep folder {root} is not empty", "FOLDER_NOT_EMPTY")
        root.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.mkdtemp(prefix="silink-province-")
        root = Path(tmp)
    try:
        return _Run(spec, root).run()
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


class _Run:
    def __init__(self, spec: ProvinceSpec, root: Path) -> None:
        self.spec = spec
        self.root = root
        self.home = root / "home"
        self.codes = tuple(code for code, _ in BANK_ORDER[: spec.banks])
        self.sims: list = []
        self.workers: list[subprocess.Popen] = []
        self.sampler = RssSampler()
        self.batch_ids: list[int] = []
        self.content_hashes: dict[int, str] = {}
        self.rejected = 0
        self.statement_days = ("", "")

    # -- the run -----------------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        from gateway.logs import configure_logging

        configure_logging(json=True, level="WARNING")
        setup_started = time.perf_counter()
        self._instance()
        try:
            self._simulators()
            ctx = self._context()
            setup_s = time.perf_counter() - setup_started
            payroll, generated = self._generate()
            self.sampler.start()
            with StageBoard(self.sampler, show=self.spec.show_progress) as board:
                started = time.perf_counter()
                self._ingest_and_persist(ctx, board, payroll)
                self._release(ctx, board)
                self._render(ctx, board)
                self._dispatch(ctx, board)
                account = self._statements(ctx, board)
                recon = self._reconcile(ctx, board, account)
                wall = time.perf_counter() - started
            totals = self._totals(ctx, generated)
            baseline = self._baseline(payroll, board.stages) if self.spec.baseline else None
            ctx.db.dispose()
        finally:
            self.sampler.stop()
            self._stop_workers()
            for sim in self.sims:
                sim.stop()
        report: dict[str, Any] = {
            "benchmark": "silink bench province",
            "payees": self.spec.payees,
            "banks": {code: dict(BANK_ORDER)[code] for code in self.codes},
            "workers": self.spec.workers,
            "database": "postgresql" if self.spec.database else "sqlite",
            "batches": len(self.batch_ids),
            "setup_seconds": round(setup_s, 2),
            "generation": generated,
            "stages": [s.as_dict() for s in board.stages],
            "totals": {
                "end_to_end_seconds": round(wall, 2),
                "lines_per_s": round(self.spec.payees / wall) if wall else None,
                "peak_rss_mb": round(max(s.peak_rss for s in board.stages) / 2**20, 1),
                **totals,
            },
            "reconciliation": recon,
            "machine": machine(),
        }
        if baseline is not None:
            report["baseline"] = baseline
        return report

    # -- setup (not timed) -------------------------------------------------------------------------

    def _instance(self) -> None:
        from gateway.instance import init_instance

        init_instance(self.home, port=0, metrics_port=0)
        path = self.home / "silink.toml"
        text = path.read_text(encoding="utf-8")
        if self.spec.database:
            lines = text.splitlines()
            at = lines.index("[database]")
            end = next((i for i in range(at + 1, len(lines)) if lines[i].startswith("url")), None)
            if end is None:
                raise RuntimeError("the instance's silink.toml has no [database] url")
            lines[end] = f'url = "{self.spec.database}"'
            text = "\n".join(lines) + "\n"
        # A bench paces the dispatcher as fast as the simulators answer; production keeps its 2 s.
        path.write_text(text + "\n[dispatch]\npoll_interval_seconds = 0.2\n", encoding="utf-8")
        if self.spec.database:
            from gateway.storage import Database, migrate

            db = Database(self.spec.database)  # init migrated its SQLite file; this one is new
            try:
                migrate(db)
            finally:
                db.dispose()

    def _simulators(self) -> None:
        from gateway.simulators import Sim, open_store, point_bank, start_keyed_bank

        store, db = open_store(self.home, "admin:bench")
        try:
            for code, protocol in BANK_ORDER[: self.spec.banks]:
                folder = self.home / f"banksim/{code}"
                if protocol == "iso20022":
                    sim = Sim(
                        self.home,
                        [
                            "serve",
                            "--protocol",
                            protocol,
                            "--bank",
                            code,
                            "--dir",
                            str(folder),
                            "--port",
                            "0",
                        ],
                        folder,
                    )
                    point_bank(self.home, code, folder)
                elif protocol == "direct_link_json":
                    extra = ["--max-lines", "3000"] if code == "308" else []
                    sim = start_keyed_bank(self.home, store, code, protocol, extra)
                    point_bank(self.home, code, folder)
                else:
                    sim = start_keyed_bank(
                        self.home,
                        store,
                        code,
                        protocol,
                        [
                            "--payroll-dir",
                            str(self.home / f"exchange/{code}/out"),
                            "--results-dir",
                            str(self.home / f"exchange/{code}/in"),
                        ],
                    )
                self.sims.append(sim)
        finally:
            db.dispose()

    def _context(self):
        from gateway.config import load_config
        from gateway.server.app import build_context
        from gateway.storage.tables import batches

        ctx = build_context(load_config(self.home))  # migrates
        with ctx.db.read() as conn:
            if conn.execute(select(func.count()).select_from(batches)).scalar_one():
                raise Conflict(
                    "the benchmark needs an empty database; this one has batches", "DATABASE_NOT_EMPTY"
                )
        return ctx

    def _generate(self) -> tuple[Path, dict]:
        from gateway.intake.generator import PayrollSpec, generate_payroll

        path = self.root / "payroll.csv"
        summary = generate_payroll(
            path, PayrollSpec(payees=self.spec.payees, seed=SEED, bank_codes=self.codes, period=PERIOD)
        )
        return path, {
            "lines": summary.lines,
            "amount_fen": summary.good_fen,
            "seconds": round(summary.seconds, 2),
            "lines_per_s": round(summary.lines_per_second),
            "bytes": path.stat().st_size,
        }

    # -- stages 1 and 2 ----------------------------------------------------------------------------

    def _ingest_and_persist(self, ctx, board: StageBoard, payroll: Path) -> None:
        from gateway.domain import batches as dom
        from gateway.intake import LineValidator, ValidationSettings
        from gateway.intake.reader import open_payroll

        ingest = Stage("ingest", "ingest and validate")
        persist = Stage("persist", "persist (encrypt, hash, insert)")
        validate = LineValidator(ValidationSettings(fund=FUND)).validate
        account = ctx.cfg.funds[FUND]["account"]
        n = self.spec.payees
        with board.stages_open(ingest, persist, total=n), open_payroll(payroll) as source:
            rows = iter(source)

            def take(limit: int) -> list:
                with ingest.clock():
                    return [validate(i, f) for i, f in itertools.islice(rows, min(BLOCK, limit))]

            block = take(self.spec.batch_lines)
            while block:
                # The transaction is entered, finished and committed under the persist clock only, so
                # that the reading and validating inside it count once, as ingest. A batch is opened only
                # once its first block has been read: no empty batch when the payroll ends on a boundary.
                with ExitStack() as tx:
                    with persist.clock():
                        conn = tx.enter_context(ctx.db.write())
                        intake = dom.BatchIntake(
                            conn,
                            ctx.protector,
                            creator="officer:bench",
                            fund_account=account,
                            header=dom.BatchHeaderIn(
                                FUND, PERIOD, f"province bench {len(self.batch_ids) + 1}", payroll.name
                            ),
                        )
                    in_batch = 0
                    while block:
                        with persist.clock():
                            for line in block:
                                intake.add(line)
                        in_batch += len(block)
                        board.advance(ingest, len(block))
                        board.advance(persist, len(block))
                        left = self.spec.batch_lines - in_batch
                        block = take(left) if left > 0 else []
                    with persist.clock():
                        stored = intake.finish()
                        tx.close()  # commit
                self.batch_ids.append(stored.batch_id)
                self.rejected += stored.rejected_lines
                self.content_hashes[stored.batch_id] = stored.content_hash
                block = take(self.spec.batch_lines)

    # -- stages 3 and 4 ----------------------------------------------------------------------------

    def _release(self, ctx, board: StageBoard) -> None:
        from gateway.dispatch.routing import bank_route
        from gateway.domain import batches as dom
        from gateway.domain.release import release

        approve = Stage("release", "approve and release")
        sign = Stage("sign", "canonicalise, hash and sign")
        total = self._accepted(ctx)
        routes: dict[str, Any] = {}

        def route(code: str):
            if code not in routes:
                routes[code] = bank_route(ctx.cfg, ctx.keystore, code)
            return routes[code]

        clock = _ReleaseClock(board, approve, sign)
        with board.stages_open(approve, sign, total=total):
            for batch_id in self.batch_ids:
                clock.begin()
                with ctx.db.write() as conn:
                    dom.approve(
                        conn, ctx.protector, batch_id, "approver:bench", self.content_hashes[batch_id]
                    )
                with ctx.db.write() as conn:
                    release(
                        conn,
                        ctx.protector,
                        batch_id,
                        "approver:bench",
                        route,
                        progress=clock.progress,
                        timings=clock.timings,
                    )
                clock.tick()
        submissions = clock.submissions
        approve.detail = {"submissions": submissions}
        sign.detail = {
            "signatures": submissions,
            "algorithms": {code: f"{r.hash_alg} / {r.signer.algorithm}" for code, r in routes.items() if r},
        }

    # -- stage 5 -----------------------------------------------------------------------------------

    def _render(self, ctx, board: StageBoard) -> None:
        from gateway.dispatch.service import make_dispatcher
        from gateway.storage.tables_dispatch import submissions

        render = Stage("render", "render bank files and messages")
        dispatcher = make_dispatcher(ctx, owner="bench:render")
        messages = size = 0
        with board.stages_open(render, total=self._accepted(ctx)):
            with ctx.db.read() as conn:
                subs = [
                    dict(r)
                    for r in conn.execute(
                        select(submissions)
                        .where(submissions.c.batch_id.in_(self.batch_ids))
                        .order_by(submissions.c.id)
                    ).mappings()
                ]
            for sub in subs:
                with render.clock():
                    _adapter, _submission, parts = dispatcher.render(sub)
                messages += len(parts)
                size += sum(len(p.body) for p in parts)
                board.advance(render, int(sub["line_count"]))
        render.detail = {"messages": messages, "bytes": size}

    # -- stage 6 -----------------------------------------------------------------------------------

    def _dispatch(self, ctx, board: StageBoard) -> None:
        stage = Stage("dispatch", "dispatch to the bank simulators")
        total = self._accepted(ctx)
        with board.stages_open(stage, total=total), stage.clock():
            stop = self._start_workers(ctx)
            try:
                self._wait_final(ctx, board, stage, total)
            finally:
                stop()
        stage.detail = {
            "workers": self.spec.workers,
            "mode": "processes (silink serve --role dispatcher)" if self.spec.database else "threads",
        }

    def _start_workers(self, ctx) -> Callable[[], None]:
        if not self.spec.database:
            from gateway.dispatch.service import DispatchWorkers

            pool = DispatchWorkers(ctx, self.spec.workers)
            pool.start()
            return pool.stop
        for n in range(self.spec.workers):
            log = open(self.home / f"dispatcher-{n}.log", "ab")  # noqa: SIM115 - closed with the process
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gateway.cli.main",
                    "serve",
                    "--dir",
                    str(self.home),
                    "--role",
                    "dispatcher",
                    "--workers",
                    "2",
                    "--metrics-listen",
                    "",
                    "--log-level",
                    "WARNING",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            log.close()
            self.workers.append(proc)
            self.sampler.extra_pids.append(proc.pid)
        return self._stop_workers

    def _stop_workers(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.workers:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.workers = []
        self.sampler.extra_pids.clear()

    def _wait_final(self, ctx, board: StageBoard, stage: Stage, total: int) -> None:
        """Until no line is in flight; a run that stops moving for ``stall_seconds`` fails loudly.

        Progress is read from the submissions (a few thousand rows), and the lines are counted only once
        every submission has settled: counting a million lines twice a second would take a core. Moving
        means any submission changed state, not only that one settled: the dispatcher sends what is due
        first, so at ten million lines the first follow-up (and the first settled line) comes only after
        several minutes of sending."""
        last, last_move = None, time.monotonic()
        while True:
            time.sleep(0.5)
            done, moved = self._settled_lines(ctx)
            if done >= total:
                open_lines = self._count(ctx, IN_FLIGHT)
                done = total - open_lines
            else:
                open_lines = total - done
            board.advance(stage, done - stage.lines)
            if open_lines == 0:
                return
            if moved != last:
                last, last_move = moved, time.monotonic()
            elif time.monotonic() - last_move > self.spec.stall_seconds:
                raise Conflict(
                    f"dispatch made no progress for {self.spec.stall_seconds:.0f} s with {open_lines} "
                    f"lines in flight; see the logs in {self.home}",
                    "BENCH_STALLED",
                )
            for proc in self.workers:
                if proc.poll() is not None:
                    raise Conflict(f"a dispatcher process exited with {proc.returncode}", "BENCH_WORKER_DIED")

    def _settled_lines(self, ctx) -> tuple[int, tuple]:
        """Lines of submissions the dispatcher is done with (completed, refused, or in the manual queue),
        and how many submissions are in each state and attempt (which changes whenever one moves)."""
        from gateway.storage.tables_dispatch import submissions

        s = submissions.c
        with ctx.db.read() as conn:
            rows = conn.execute(
                select(s.state, s.attempts, func.count(), func.coalesce(func.sum(s.line_count), 0))
                .where(s.batch_id.in_(self.batch_ids))
                .group_by(s.state, s.attempts)
            ).all()
        done = sum(int(n) for state, _a, _c, n in rows if state in ("COMPLETED", "REJECTED", "MANUAL"))
        return done, tuple(sorted((state, int(a or 0), int(c)) for state, a, c, _n in rows))

    # -- stages 7 and 8 ----------------------------------------------------------------------------

    def _statements(self, ctx, board: StageBoard) -> str:
        from adapters.simulator.server import LEDGER_FILE
        from reconciliation.camt053_writer import Booking, render_statement
        from reconciliation.importer import import_file

        stage = Stage("statements", "bank results and statement, imported")
        account = ctx.cfg.funds[FUND]["account"]
        with board.stages_open(stage, total=self._accepted(ctx)), stage.clock():
            results = self._import_results(ctx)
            bookings: list[Booking] = []
            for sim in self.sims:
                bookings += _lumps(sim.folder / LEDGER_FILE)
            credited = sum(b.nb_of_txs or 0 for b in bookings)
            day = max((b.day for b in bookings), default=dt.date.today())
            xml = render_statement(
                account=account,
                statement_id=f"STMT-BENCH-{day:%Y%m%d}",
                sequence=1,
                opening_fen=10**15,
                bookings=bookings,
                day=day,
                created=f"{day.isoformat()}T18:00:00+08:00",
            )
            path = self.root / "statement.camt053.xml"
            path.write_bytes(xml)
            outcome = import_file(ctx.db, path, principal="finance:bench", account=account)
            board.advance(stage, self._accepted(ctx))
        stage.detail = {
            "result_files": results["files"],
            "result_entries": results["entries"],
            "statement_bookings": len(bookings),
            "lines_booked": credited,
            "statement_entries": outcome.entries,
        }
        self.statement_days = (
            min((b.day for b in bookings), default=day).isoformat(),
            day.isoformat(),
        )
        return account

    def _import_results(self, ctx) -> dict[str, int]:
        """The banks' final answers (pain.002, opened direct-link results, 回盘 files), imported as bank
        evidence one file at a time."""
        from gateway.dispatch.evidence_export import export_final_answers
        from reconciliation.importer import import_file

        files = entries = 0
        for path in export_final_answers(ctx, self.batch_ids, self.root / "results"):
            outcome = import_file(ctx.db, path, principal="finance:bench")
            files += 1
            entries += outcome.entries
            path.unlink()
        return {"files": files, "entries": entries}

    def _reconcile(self, ctx, board: StageBoard, account: str) -> dict:
        from reconciliation.runs import DateRange, reconcile_account

        stage = Stage("reconcile", "reconcile and settle")
        with board.stages_open(stage, total=self._accepted(ctx)), stage.clock():
            start, end = self.statement_days
            with ctx.db.write() as conn:
                run = reconcile_account(
                    conn,
                    account=account,
                    days=DateRange.parse(start, end),
                    principal="finance:bench",
                    fund_accounts=frozenset(str(f["account"]) for f in ctx.cfg.funds.values()),
                )
            board.advance(stage, self._accepted(ctx))
        from gateway.storage.tables_recon import recon_exceptions

        with ctx.db.read() as conn:
            kinds = dict(
                conn.execute(
                    select(recon_exceptions.c.kind, func.count())
                    .where(recon_exceptions.c.state == "OPEN")
                    .group_by(recon_exceptions.c.kind)
                ).all()
            )
        keep = ("matched_count", "matched_minor", "exceptions_created", "expected_minor", "booked_minor")
        out = {k: v for k, v in run.items() if k in keep or k.endswith("_count")}
        out["open_exceptions_by_kind"] = kinds  # REJECTED: each failed line is finance's to work
        stage.detail = {k: out[k] for k in ("matched_count",) if k in out}
        return out

    # -- totals ------------------------------------------------------------------------------------

    def _accepted(self, ctx) -> int:
        from gateway.storage.tables import batch_lines

        with ctx.db.read() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(batch_lines)
                    .where(batch_lines.c.batch_id.in_(self.batch_ids))
                ).scalar_one()
            )

    def _count(self, ctx, states: tuple[str, ...]) -> int:
        from gateway.storage.tables import batch_lines

        ln = batch_lines.c
        with ctx.db.read() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(batch_lines)
                    .where(ln.batch_id.in_(self.batch_ids), ln.state.in_(states))
                ).scalar_one()
            )

    def _totals(self, ctx, generated: dict) -> dict:
        from gateway.storage.tables import batch_lines

        ln = batch_lines.c
        with ctx.db.read() as conn:
            by_state = {
                state: (int(n), int(fen or 0))
                for state, n, fen in conn.execute(
                    select(ln.state, func.count(), func.sum(ln.amount_fen))
                    .where(ln.batch_id.in_(self.batch_ids))
                    .group_by(ln.state)
                )
            }

        def bucket(states: tuple[str, ...]) -> tuple[int, int]:
            return (
                sum(by_state.get(s, (0, 0))[0] for s in states),
                sum(by_state.get(s, (0, 0))[1] for s in states),
            )

        paid, failed, held = bucket(PAID_STATES), bucket(FAILED_STATES), bucket(HELD_STATES)
        flight = bucket(IN_FLIGHT)
        bank = {"credited_count": 0, "credited_fen": 0}
        for sim in self.sims:
            t = sim.ledger()
            bank["credited_count"] += t["credited_count"] - t["returned_count"]
            bank["credited_fen"] += t["credited_fen"] - t["returned_fen"]
        lines_in = generated["lines"]
        accounted = paid[0] + failed[0] + held[0] + self.rejected
        stored_fen = sum(fen for _n, fen in by_state.values())
        return {
            "lines_in": lines_in,
            "lines_paid": paid[0],
            "lines_failed": failed[0],
            "lines_held": held[0],
            "lines_rejected": self.rejected,
            "lines_in_flight": flight[0],
            "lines_balance": lines_in == accounted and flight[0] == 0,
            "amount_in_fen": generated["amount_fen"],
            "amount_paid_fen": paid[1],
            "amount_failed_fen": failed[1],
            "amount_held_fen": held[1],
            # Rejected lines never had a valid amount, so the money that came in is what was stored.
            "amount_balance": generated["amount_fen"] == stored_fen == paid[1] + failed[1] + held[1],
            "by_state": {s: {"lines": n, "amount_fen": fen} for s, (n, fen) in sorted(by_state.items())},
            "banks_credited_lines": bank["credited_count"],
            "banks_credited_fen": bank["credited_fen"],
            "agrees_with_banks": bank["credited_count"] == paid[0] and bank["credited_fen"] == paid[1],
        }

    def _baseline(self, payroll: Path, stages: list[Stage]) -> dict:
        from benchmarks.baseline import run_baseline

        return run_baseline(
            payroll, self.root / "baseline.db", sign_lines=self.spec.baseline_sign_lines, ours=stages
        )


class _ReleaseClock:
    """Splits release's wall time into signing (release reports it) and the rest, live per submission."""

    def __init__(self, board: StageBoard, approve: Stage, sign: Stage) -> None:
        self.board, self.approve, self.sign = board, approve, sign
        self.submissions = 0
        self.timings: dict[str, float] = {}
        self._wall = 0.0
        self._t0 = 0.0
        self._seen = 0  # lines of the current batch already counted

    def tick(self) -> None:
        now = time.perf_counter()
        self._wall += now - self._t0
        self._t0 = now
        self.sign.seconds = self.timings.get("sign", 0.0)
        self.approve.seconds = self._wall - self.sign.seconds

    def progress(self, result, _to_release: int) -> None:
        """release's progress callback: called before the first submission and after each one."""
        lines = result.lines - self._seen
        if not result.submissions:
            return
        self._seen = result.lines
        self.submissions += 1
        self.tick()
        self.board.advance(self.approve, lines)
        self.board.advance(self.sign, lines)

    def begin(self) -> None:
        self._t0 = time.perf_counter()
        self._seen = 0


def _lumps(ledger: Path) -> list:
    """What one simulated bank booked on the fund account: a lump debit per submission (its credited
    lines), on the day it credited them — read from the bank's own ledger, not from the gateway."""
    from reconciliation.camt053_writer import Booking

    if not ledger.exists():
        return []
    db = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT substr(c.reference, 1, 15), COUNT(*), SUM(c.amount_fen),"
            " MAX(date(c.credited_at, 'unixepoch'))"
            " FROM credits c LEFT JOIN returns r ON r.end_to_end_id = c.end_to_end_id"
            " WHERE r.end_to_end_id IS NULL GROUP BY 1 ORDER BY 1"
        ).fetchall()
    finally:
        db.close()
    return [
        Booking(
            int(total),
            False,
            dt.date.fromisoformat(day),
            pmt_inf_id=ref,
            nb_of_txs=int(n),
            bank_ref=f"BK-{ref}",
        )
        for ref, n, total, day in rows
    ]
