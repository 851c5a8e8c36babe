"""`silink gen payroll …`: write a synthetic, deterministic payroll CSV (and its bad-line sidecar)."""

from __future__ import annotations

import argparse
import sys

from gateway.intake.benefits import BENEFITS
from gateway.intake.generator import ENCODINGS, PayrollSpec, generate_payroll
from gateway.intake.sample_data import GENERATOR_BANKS


def register(sub: argparse._SubParsersAction) -> None:
    gen = sub.add_parser("gen", help="generate synthetic data (payrolls) for tests, benchmarks and demos")
    kinds = gen.add_subparsers(dest="gen_kind", metavar="KIND")
    kinds.required = True
    p = kinds.add_parser(
        "payroll",
        help="a payroll CSV: same arguments, byte-identical file",
        description=(
            "Write a payroll CSV with valid resident IDs, names, Luhn-valid cards of real BINs and "
            "typical amounts, spread over the Shandong regions. With --bad-rate, that share of lines is bad "
            "(every kind of error the validator detects, in turn) and FILE.bad.json maps each bad line "
            "number to the reason code it must be rejected with."
        ),
    )
    p.add_argument("--payees", type=int, required=True, metavar="N", help="number of payroll lines")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    p.add_argument(
        "--banks",
        type=int,
        default=len(GENERATOR_BANKS),
        metavar="K",
        help=f"pay into the first K partner banks (1-{len(GENERATOR_BANKS)}, default {len(GENERATOR_BANKS)})",
    )
    p.add_argument(
        "--bank-codes",
        default=None,
        metavar="CODES",
        help="pay into exactly these banks, comma-separated 3-digit codes (e.g. 102,105); overrides --banks",
    )
    p.add_argument(
        "--bad-rate", type=float, default=0.0, metavar="R", help="share of bad lines, 0-1 (default 0)"
    )
    p.add_argument(
        "--benefit", default="PENSION_EMPLOYEE", choices=list(BENEFITS), help="benefit of every line"
    )
    p.add_argument("--period", default="2024-05", metavar="YYYY-MM", help="benefit period (default 2024-05)")
    p.add_argument("--encoding", default="utf-8", choices=ENCODINGS, help="file encoding (default utf-8)")
    p.add_argument(
        "--header",
        choices=("en", "zh"),
        default=None,
        help="column names and code values in English or Chinese (default: zh for gbk, en for utf-8)",
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE.csv", help="where to write the payroll")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    spec = PayrollSpec(
        payees=args.payees,
        seed=args.seed,
        banks=args.banks,
        bad_rate=args.bad_rate,
        benefit=args.benefit,
        period=args.period,
        encoding=args.encoding,
        header=args.header,
        bank_codes=tuple(c.strip() for c in args.bank_codes.split(",")) if args.bank_codes else None,
    )
    summary = generate_payroll(args.output, spec)
    bad = f", {summary.bad:,} bad (see {summary.sidecar})" if summary.sidecar else ""
    print(
        f"silink gen payroll: {summary.lines:,} lines{bad} → {summary.path} "
        f"in {summary.seconds:.2f} s ({summary.lines_per_second:,.0f} lines/s)",
        file=sys.stderr,
    )
    return 0
