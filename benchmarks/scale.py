"""`make bench-scale`: `silink bench province` at growing N, a table and a PNG of lines/s and peak RSS.

Run ``python -m benchmarks.scale [--sizes 1000000,3000000,10000000] [--out var/bench-scale] [--reuse]``;
30M is ``--sizes 1000000,3000000,10000000,30000000``; ``--reuse`` keeps the reports already in ``--out``
(``make bench-scale REUSE=1``). Each size runs in its own process (so one run's memory cannot flatter
the next), its JSON report is kept as ``province-<N>.json``, and ``scale.md`` and ``scale.png``
summarise them: end-to-end lines/s, each stage's lines/s, and peak RSS against N, with the ratio of
peak RSS at the largest size to that at the smallest (the "flat memory" check).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path


def run_size(n: int, out: Path, extra: list[str]) -> dict:
    report = out / f"province-{n}.json"
    cmd = [
        sys.executable,
        "-m",
        "gateway.cli.main",
        "bench",
        "province",
        "--payees",
        str(n),
        "--json",
        "--out",
        str(report),
        *extra,
    ]
    print(f"== {n:,} lines: {' '.join(cmd[2:])}", file=sys.stderr, flush=True)
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False)
    if not report.exists():
        raise SystemExit(f"the run for {n:,} lines wrote no report (exit {done.returncode})")
    return json.loads(report.read_text(encoding="utf-8"))


def table(reports: list[dict]) -> str:
    stages = [s["stage"] for s in reports[0]["stages"]]
    head = ["lines", "end-to-end s", "lines/s", "peak RSS MB", *[f"{s} lines/s" for s in stages], "balanced"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in reports:
        t = r["totals"]
        by = {s["stage"]: s for s in r["stages"]}
        cells = [
            f"{r['payees']:,}",
            f"{t['end_to_end_seconds']:,.1f}",
            f"{t['lines_per_s']:,}",
            f"{t['peak_rss_mb']:,.0f}",
            *[f"{by[s]['lines_per_s']:,}" if by.get(s, {}).get("lines_per_s") else "-" for s in stages],
            "yes" if t["lines_balance"] and t["amount_balance"] and t["agrees_with_banks"] else "NO",
        ]
        rows.append("| " + " | ".join(cells) + " |")
    first, last = reports[0]["totals"]["peak_rss_mb"], reports[-1]["totals"]["peak_rss_mb"]
    rows.append("")
    rows.append(
        f"peak RSS at {reports[-1]['payees']:,} lines is {last / first:.2f}× that at "
        f"{reports[0]['payees']:,} (the aim: within 1.5×)"
    )
    m = reports[-1]["machine"]
    rows.append(f"machine: {m['cores']} cores, {m['cpu_model']}, {m['memory_gb']} GB, Python {m['python']}")
    return "\n".join(rows) + "\n"


def plot(reports: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = [r["payees"] for r in reports]
    fig, (speed, memory) = plt.subplots(1, 2, figsize=(12, 4.5))
    speed.plot(ns, [r["totals"]["lines_per_s"] for r in reports], "o-", linewidth=2.5, label="end to end")
    for name in [s["stage"] for s in reports[0]["stages"]]:
        ys = [next(s["lines_per_s"] for s in r["stages"] if s["stage"] == name) or 0 for r in reports]
        speed.plot(ns, ys, ".--", linewidth=1, label=name)
    speed.set(xscale="log", yscale="log", xlabel="payment lines (N)", ylabel="lines/s", title="throughput")
    speed.legend(fontsize=7)
    speed.grid(True, which="both", alpha=0.3)
    memory.plot(ns, [r["totals"]["peak_rss_mb"] for r in reports], "o-", color="tab:red", linewidth=2.5)
    memory.set(xscale="log", xlabel="payment lines (N)", ylabel="peak RSS (MB)", title="peak resident memory")
    memory.set_ylim(bottom=0)
    memory.grid(True, which="both", alpha=0.3)
    fig.suptitle("silink bench province")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="1000000,3000000,10000000", help="comma-separated line counts")
    p.add_argument("--out", type=Path, default=Path("var/bench-scale"), help="folder for reports and plot")
    p.add_argument(
        "--reuse",
        action="store_true",
        help="keep a size's province-<N>.json already in --out instead of running it again (a run of "
        "10M lines takes over an hour; its report is kept, and the table and plot are made afresh)",
    )
    p.add_argument("extra", nargs=argparse.REMAINDER, help="passed on to silink bench province (after --)")
    args = p.parse_args(argv)
    sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip())
    args.out.mkdir(parents=True, exist_ok=True)
    extra = [a for a in args.extra if a != "--"]
    reports = []
    for n in sizes:
        kept = args.out / f"province-{n}.json"
        if args.reuse and kept.exists():
            print(f"== {n:,} lines: reusing {kept}", file=sys.stderr, flush=True)
            reports.append(json.loads(kept.read_text(encoding="utf-8")))
        else:
            reports.append(run_size(n, args.out, extra))
    text = table(reports)
    (args.out / "scale.md").write_text(text, encoding="utf-8")
    plot(reports, args.out / "scale.png")
    print(text)
    print(f"plot: {args.out / 'scale.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
