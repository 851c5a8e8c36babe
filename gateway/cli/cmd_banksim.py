"""`silink banksim serve|fault|ledger|settle|stop`: the bank simulator (adapters/simulator) from the shell.

The simulator's data folder is ``--dir DATA``, else ``$SILINK_HOME/banksim``, else ``./var/banksim``.

::

    silink banksim serve --protocol iso20022|direct_link_json|fixed_width_file --bank 102 --dir DATA
                         [--port 0] [--plain-http] [--client-key PEM --client-key-alg ALG]
                         [--max-lines N] [--cipher SM4-GCM|SM4-CBC]                 # direct_link_json
                         [--payroll-dir D] [--results-dir D] [--profile P] [--poll-interval S]  # files
    silink banksim fault --dir DATA KIND [--rate R] [--count N] [--ms N] [--status 503] [--variant V]
                         [--on submit|status|notifications|card ...]
    silink banksim fault --dir DATA late-returns --ref E2E [--reason ACCOUNT_CLOSED]   # one return now
    silink banksim fault --dir DATA clear [--which KIND]    |    silink banksim fault --dir DATA list
    silink banksim ledger --dir DATA [--json] [--totals-only]
    silink banksim settle --dir DATA [--reference MSGID]
    silink banksim stop --dir DATA

``serve`` runs in the foreground until SIGTERM/SIGINT or ``stop``; it writes DATA/run.json (pid, ports,
CA file, control token; the bank's public key and, for SM4 banks, its working-key file; a folder bank's
folders) once it listens. ``ledger`` reads the simulator's books directly, so it works whether or not the
simulator runs; accounts are masked (a direct-link bank also lists its cards).
"""

from __future__ import annotations

import argparse
import os
import signal
import time
from collections import Counter
from pathlib import Path

from gateway.cli._common import ENV_HOME, add_json_arg, emit_json
from gateway.errors import InvalidInput, NotFound

FAULT_KINDS = (
    "latency",
    "refuse",
    "http-5xx",
    "drop-response",
    "malformed",
    "duplicate-results",
    "reorder-results",
    "late-returns",
)


def _add_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dir",
        metavar="DATA",
        default=None,
        help=f"the simulator's data folder (default: ${ENV_HOME}/banksim, else ./var/banksim)",
    )


def data_dir(args: argparse.Namespace) -> Path:
    if args.dir:
        return Path(args.dir).expanduser().resolve()
    home = os.environ.get(ENV_HOME)
    return (Path(home) / "banksim" if home else Path("./var/banksim")).expanduser().resolve()


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("banksim", help="the bank simulator: serve, inject faults, read its ledger")
    bsub = p.add_subparsers(dest="banksim_command", metavar="SUBCOMMAND", required=True)

    pl = bsub.add_parser(
        "pull",
        help="run a BankLink bank: it connects to the gateway, pulls its submissions and pushes results",
    )
    _add_dir(pl)
    pl.add_argument("--bank", required=True, help="the bank code this simulator plays (e.g. 105)")
    pl.add_argument(
        "--gateway",
        required=True,
        metavar="DIR",
        help="the gateway instance folder (its CA, the bank's client certificate, the gateway's key)",
    )
    pl.add_argument("--seed", type=int, default=1, help="seed of the account states (default 1)")
    pl.add_argument("--rates", default=None, help="account state rates, e.g. closed=0.01,frozen=0.005")
    pl.add_argument("--interval", type=float, default=1.0, help="seconds between polls (default 1)")
    pl.add_argument("--once", action="store_true", help="handle what is ready now, then exit")
    pl.add_argument(
        "--card-close-after",
        type=float,
        default=0.0,
        help="seconds a card account closure (销户) stays accepted before it is done (default 0)",
    )
    pl.add_argument(
        "--mute-results",
        action="store_true",
        help="fault: book and acknowledge, but never push results unasked (only status inquiries get them)",
    )
    pl.set_defaults(func=run_pull)

    s = bsub.add_parser("serve", help="run a simulated bank in the foreground")
    _add_dir(s)
    s.add_argument("--protocol", default=None, help="protocol handler (e.g. iso20022)")
    s.add_argument("--bank", default=None, help="the bank code this simulator plays (e.g. 102)")
    s.add_argument("--port", type=int, default=0, help="bank port on 127.0.0.1 (default 0: any free port)")
    s.add_argument("--control-port", type=int, default=0, help="control port on 127.0.0.1 (default 0)")
    s.add_argument(
        "--plain-http", action="store_true", help="serve plain HTTP instead of HTTPS (loopback only)"
    )
    s.add_argument("--seed", type=int, default=None, help="seed of the account states (default 1)")
    s.add_argument("--rates", default=None, help="account state rates, e.g. closed=0.01,frozen=0.005")
    s.add_argument(
        "--class-ii-limit-fen", type=int, default=None, help="daily credit limit of class-II accounts"
    )
    s.add_argument("--settle-after", type=float, default=None, help="seconds before lines settle (default 0)")
    s.add_argument(
        "--client-key", default=None, help="PEM public key of the gateway: check request signatures"
    )
    s.add_argument("--client-key-alg", default="RSA-PSS-SHA256", help="algorithm of --client-key")
    s.add_argument("--xsd-dir", default=None, help="folder of ISO XSDs: validate incoming messages")
    s.add_argument("--no-sign", action="store_true", help="do not sign answers with the bank's key")
    s.add_argument(
        "--max-lines", type=int, default=None, help="direct_link_json: most lines in one request part"
    )
    s.add_argument("--cipher", default=None, help="direct_link_json: SM4-GCM (default) or SM4-CBC")
    s.add_argument(
        "--card-close-after",
        type=float,
        default=None,
        help="direct_link_json: seconds an ACCOUNT_CLOSE stays pending before the account closes (default 0)",
    )
    s.add_argument(
        "--payroll-dir", default=None, help="fixed_width_file: folder it takes 报盘 files from (DATA/payroll)"
    )
    s.add_argument(
        "--results-dir",
        default=None,
        help="fixed_width_file: folder it writes receipts/results to (DATA/results)",
    )
    s.add_argument("--profile", default=None, help="fixed_width_file: built-in file profile name")
    s.add_argument(
        "--poll-interval", type=float, default=None, help="fixed_width_file: seconds between folder scans"
    )
    s.add_argument("--log-format", choices=("json", "console"), default="json")
    s.set_defaults(func=run_serve)

    f = bsub.add_parser("fault", help="arm, clear or list faults of a running simulator")
    _add_dir(f)
    f.add_argument(
        "kind",
        choices=(*FAULT_KINDS, "clear", "list"),
        metavar="KIND",
        help=", ".join(FAULT_KINDS) + "; or clear, list",
    )
    f.add_argument(
        "--rate", type=float, default=None, help="share of requests (or lines) hit, 0-1 (default 1)"
    )
    f.add_argument("--count", type=int, default=None, help="disarm after this many hits")
    f.add_argument("--ms", type=int, default=None, help="latency in milliseconds")
    f.add_argument("--status", type=int, default=None, help="HTTP status of http-5xx (default 503)")
    f.add_argument("--variant", default=None, help="malformed variant, or 'stale' for reorder-results")
    f.add_argument(
        "--on",
        action="append",
        choices=("submit", "status", "notifications", "card"),
        help="endpoint(s) hit (folder bank: submit = receipt, status = result, notifications = returns)",
    )
    f.add_argument("--ref", default=None, help="late-returns: return this end-to-end id now")
    f.add_argument("--reason", default=None, help="late-returns --ref: reason (FailureReason name)")
    f.add_argument("--which", default=None, help="clear: only this kind")
    add_json_arg(f)
    f.set_defaults(func=run_fault)

    led = bsub.add_parser("ledger", help="what the simulated bank credited, returned and rejected")
    _add_dir(led)
    add_json_arg(led)
    led.add_argument("--totals-only", action="store_true", help="only the totals")
    led.set_defaults(func=run_ledger)

    st = bsub.add_parser("settle", help="settle received batches now (when started with --settle-after)")
    _add_dir(st)
    st.add_argument("--reference", default=None, help="only this batch (our MsgId)")
    add_json_arg(st)
    st.set_defaults(func=run_settle)

    stop = bsub.add_parser("stop", help="stop a running simulator")
    _add_dir(stop)
    add_json_arg(stop)
    stop.set_defaults(func=run_stop)


def run_serve(args: argparse.Namespace) -> int:
    from adapters.simulator.accounts import Rates
    from adapters.simulator.server import BankSimulator, load_bank_config, serve_forever
    from gateway.logs import configure_logging

    configure_logging(json=args.log_format == "json")
    folder = data_dir(args)
    try:
        rates = Rates.parse(args.rates) if args.rates is not None else None
    except ValueError as exc:
        raise InvalidInput(f"--rates: {exc}", "BANKSIM_CONFIG_INVALID") from None
    config = load_bank_config(
        folder,
        {
            "protocol": args.protocol,
            "bank_code": args.bank,
            "seed": args.seed,
            "rates": rates,
            "class_ii_limit_fen": args.class_ii_limit_fen,
            "settle_after_s": args.settle_after,
            "options": {
                "max_lines": args.max_lines,
                "cipher": args.cipher,
                "card_close_after": args.card_close_after,
                "payroll_dir": str(Path(args.payroll_dir).resolve()) if args.payroll_dir else None,
                "results_dir": str(Path(args.results_dir).resolve()) if args.results_dir else None,
                "profile": args.profile,
                "poll_interval": args.poll_interval,
            },
        },
    )
    sim = BankSimulator(
        folder,
        config,
        port=args.port,
        control_port=args.control_port,
        tls=not args.plain_http,
        client_key=Path(args.client_key) if args.client_key else None,
        client_key_alg=args.client_key_alg,
        xsd_dir=Path(args.xsd_dir) if args.xsd_dir else None,
        sign_responses=not args.no_sign,
    )
    serve_forever(sim)
    return 0


def run_fault(args: argparse.Namespace) -> int:
    from adapters.simulator.client import ControlClient

    client = ControlClient(data_dir(args))
    if args.kind == "list":
        result = client.call("GET", "/faults")
    elif args.kind == "clear":
        result = client.clear_faults(args.which)
    elif args.kind == "late-returns" and args.ref:
        result = client.return_credit(args.ref, args.reason)
    else:
        result = client.fault(
            args.kind,
            rate=args.rate,
            count=args.count,
            ms=args.ms,
            status=args.status,
            variant=args.variant,
            endpoints=args.on,
        )
    if args.json:
        emit_json(result)
    elif "faults" in result:
        armed = result["faults"]
        print("no faults armed" if not armed else "armed: " + "; ".join(_describe(f) for f in armed))
    else:
        print(f"returned now: {result.get('returned', 0)}")
    return 0


def _describe(fault: dict) -> str:
    parts = [fault["kind"], f"rate={fault['rate']}"]
    for key in ("count", "variant"):
        if fault.get(key) is not None:
            parts.append(f"{key}={fault[key]}")
    if fault["kind"] == "latency":
        parts.append(f"ms={fault['ms']}")
    if fault.get("endpoints"):
        parts.append("on=" + ",".join(fault["endpoints"]))
    return " ".join(parts)


def run_ledger(args: argparse.Namespace) -> int:
    from adapters.simulator.ledger import Ledger
    from adapters.simulator.server import LEDGER_FILE

    path = data_dir(args) / LEDGER_FILE
    if not path.exists():
        raise NotFound("no simulated bank in this folder (no ledger)", "BANKSIM_NO_LEDGER")
    ledger = Ledger(path)
    try:
        totals = ledger.totals()
        entries = [] if args.totals_only else list(ledger.entries())
    finally:
        ledger.close()
    cards = [] if args.totals_only else _cards(path.parent)
    if args.json:
        out = {"totals": totals} if args.totals_only else {"totals": totals, "entries": entries}
        if cards:
            out["cards"] = cards
        emit_json(out)
        return 0
    for key, value in totals.items():
        print(f"{key:18} {value}")
    if entries:
        by_state = Counter((e["state"], e["reason"] or "") for e in entries)
        print()
        for (state, reason), count in sorted(by_state.items()):
            print(f"{state:10} {reason:20} {count}")
    return 0


def _cards(folder: Path) -> list[dict]:
    """The card ledger of a direct-link bank (adapters/simulator/cards.py), when it has one."""
    from adapters.simulator.cards import CARDS_FILE, CardBook

    if not (folder / CARDS_FILE).exists():
        return []
    book = CardBook(folder / CARDS_FILE)
    try:
        return list(book.entries())
    finally:
        book.close()


def run_settle(args: argparse.Namespace) -> int:
    from adapters.simulator.client import ControlClient

    result = ControlClient(data_dir(args)).settle(args.reference)
    if args.json:
        emit_json(result)
    else:
        print(f"settled: {result['settled']}")
    return 0


def run_stop(args: argparse.Namespace) -> int:
    from adapters.simulator.client import ControlClient, read_run_file
    from gateway.errors import Unavailable

    folder = data_dir(args)
    info = read_run_file(folder)
    stopped = False
    try:
        stopped = ControlClient(folder).stop(wait_s=10)
    except Unavailable:
        # The control port does not answer: signal the recorded process, and only that one.
        try:
            os.kill(int(info["pid"]), signal.SIGTERM)
        except ProcessLookupError:
            (folder / "run.json").unlink(missing_ok=True)
            stopped = True
        deadline = time.monotonic() + 10
        while not stopped and time.monotonic() < deadline:
            stopped = not (folder / "run.json").exists()
            time.sleep(0.05)
    if args.json:
        emit_json({"stopped": stopped, "pid": info.get("pid")})
    else:
        print("stopped" if stopped else "the simulator did not stop within 10 s")
    return 0 if stopped else 1


def run_pull(args: argparse.Namespace) -> int:
    import threading

    from adapters.simulator.accounts import Rates
    from adapters.simulator.banklink_bank import BankLinkBank
    from gateway.client import channel_as
    from gateway.config import load_config
    from gateway.dispatch.routing import signing_key_name
    from gateway.logs import configure_logging
    from keys.datakey import load_master_key
    from keys.store import ALGORITHMS, KeyStore

    configure_logging(json=True)
    home = Path(args.gateway).resolve()
    cfg = load_config(home)
    # The gateway publishes its manifest key to the bank; the simulator reads it from the instance.
    key_name = signing_key_name(args.bank, cfg.banks.get(args.bank, {}))
    store = KeyStore(home, load_master_key(cfg.master_key_path))
    info = store.info(key_name)
    pem = store.export_public(key_name)

    bank = BankLinkBank(
        channel_as(home, f"bank:{args.bank}"),
        args.bank,
        data_dir(args),
        pem,
        ALGORITHMS[info.alg],
        seed=args.seed,
        rates=Rates.parse(args.rates) if args.rates else None,
        reconnect=lambda: channel_as(home, f"bank:{args.bank}"),
        card_close_after=args.card_close_after,
        mute_results=args.mute_results,
    )
    if args.once:
        booked = bank.run_once()
        bank.ledger.close()
        bank.cards.close()
        print(f"{booked} submissions booked")
        return 0
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    bank.run_forever(stop, args.interval)
    return 0
