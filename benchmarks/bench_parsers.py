"""Evidence parser throughput: entries per second for a generated camt.054 and a generated MT940.

Run as a script (``.venv/bin/python benchmarks/bench_parsers.py [--camt-entries N] [--mt940-lines N]``)
for one timed run of each with peak RSS, or under pytest-benchmark
(``.venv/bin/pytest benchmarks/bench_parsers.py``) for repeated rounds. The generators below are also
used by ``tests/reconciliation/test_recon_bench_helpers.py``, which checks on a small file that what is
generated parses to exactly the totals the generator reports.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(_ROOT))

from reconciliation import parse_file  # noqa: E402 - after the path fix above

CAMT054_NS = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"
_RETURN_INFO = "<RtrInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>account closed</AddtlInf></RtrInf>"


@dataclass(frozen=True)
class Generated:
    path: Path
    entries: int
    credit_minor: int
    debit_minor: int
    returns: int


def _yuan(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def make_camt054(path: Path, entries: int, *, seed: int = 20240701, return_every: int = 50) -> Generated:
    """A camt.054.001.08 notification of ``entries`` benefit payments (debits), every ``return_every``-th
    one a returned credit with an AC04 reason. Written line by line: the generator never holds the file."""
    rng = random.Random(seed)
    credit = debit = returns = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<Document xmlns="{CAMT054_NS}">\n<BkToCstmrDbtCdtNtfctn>\n'
            "<GrpHdr><MsgId>BENCH-NTF</MsgId><CreDtTm>2024-07-03T18:00:00+08:00</CreDtTm></GrpHdr>\n"
            "<Ntfctn><Id>BENCH-NTF-1</Id><CreDtTm>2024-07-03T18:00:00+08:00</CreDtTm>\n"
            "<Acct><Id><Othr><Id>3701000000000000001</Id></Othr></Id></Acct>\n"
        )
        for i in range(1, entries + 1):
            amount = rng.randint(10000, 800000)  # 100.00 – 8000.00 yuan
            is_return = i % return_every == 0
            if is_return:
                credit += amount
                returns += 1
            else:
                debit += amount
            indicator = "CRDT" if is_return else "DBIT"
            sub = "RRTN" if is_return else "DMCT"
            rtr = (
                "<RtrInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>account closed</AddtlInf></RtrInf>"
                if is_return
                else ""
            )
            out.write(
                f'<Ntry><Amt Ccy="CNY">{_yuan(amount)}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>'
                "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2024-07-03</Dt></BookgDt><ValDt><Dt>2024-07-03</Dt></ValDt>"
                f"<AcctSvcrRef>BK{i:012d}</AcctSvcrRef>"
                f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn></BkTxCd>"
                "<NtryDtls><TxDtls><Refs><MsgId>SILINK-B1-S1</MsgId><PmtInfId>PMT-1</PmtInfId>"
                f"<EndToEndId>E{i:015d}</EndToEndId></Refs>"
                f'<Amt Ccy="CNY">{_yuan(amount)}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>{rtr}'
                "</TxDtls></NtryDtls></Ntry>\n"
            )
        out.write("</Ntfctn>\n</BkToCstmrDbtCdtNtfctn>\n</Document>\n")
    return Generated(path, entries, credit, debit, returns)


def make_mt940(path: Path, statements: int, lines_per_statement: int, *, seed: int = 20240701) -> Generated:
    """An MT940 file of consecutive, balanced statements for one account, each line with an EREF."""
    rng = random.Random(seed)
    balance = 1_000_000_000  # 10,000,000.00 CNY opening
    credit = debit = 0
    with path.open("w", encoding="utf-8") as out:
        for n in range(1, statements + 1):
            out.write(f":20:BENCH{n:06d}\n:25:3701000000000000001\n:28C:{n}/1\n")
            out.write(f":60F:{_balance(balance)}\n")
            for i in range(lines_per_statement):
                amount = rng.randint(10000, 800000)
                is_credit = i % 50 == 49
                balance += amount if is_credit else -amount
                if is_credit:
                    credit += amount
                else:
                    debit += amount
                mark = "C" if is_credit else "D"
                out.write(f":61:2407010701{mark}{_swift(amount)}NTRFL{n:05d}{i:06d}//BK{n:06d}{i:06d}\n")
                out.write(f":86:/EREF/E{n:07d}{i:08d}/REMI/PENSION 2024-07\n")
            out.write(f":62F:{_balance(balance)}\n-\n")
    return Generated(path, statements * lines_per_statement, credit, debit, 0)


def _swift(minor: int) -> str:
    return f"{minor // 100},{minor % 100:02d}"


def _balance(minor: int) -> str:
    return f"{'C' if minor >= 0 else 'D'}240701CNY{_swift(abs(minor))}"


def _timed(path: Path):
    start = time.perf_counter()
    result = parse_file(path)
    return time.perf_counter() - start, result


# -- pytest-benchmark ---------------------------------------------------------------------------------


def test_bench_camt054_100k(benchmark, tmp_path: Path) -> None:
    """camt.054 with 100,000 entries: one parse per round."""
    generated = make_camt054(tmp_path / "camt054.xml", 100_000)
    result = benchmark.pedantic(parse_file, args=(generated.path,), rounds=3, iterations=1)
    assert len(result.entries) == generated.entries
    benchmark.extra_info["entries_per_s"] = generated.entries / benchmark.stats.stats.mean


def test_bench_mt940_100k(benchmark, tmp_path: Path) -> None:
    """MT940 with 1,000 statements of 100 lines: one parse per round."""
    generated = make_mt940(tmp_path / "stmt.sta", 1_000, 100)
    result = benchmark.pedantic(parse_file, args=(generated.path,), rounds=3, iterations=1)
    assert len(result.entries) == generated.entries
    benchmark.extra_info["entries_per_s"] = generated.entries / benchmark.stats.stats.mean


# -- script ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    import psutil

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--camt-entries", type=int, default=100_000)
    parser.add_argument(
        "--mt940-lines", type=int, default=100_000, help="total :61: lines (100 per statement)"
    )
    args = parser.parse_args(argv)
    process = psutil.Process()
    with tempfile.TemporaryDirectory(prefix="silink-bench-") as tmp:
        runs = [
            ("camt.054", make_camt054(Path(tmp) / "camt054.xml", args.camt_entries)),
            ("mt940", make_mt940(Path(tmp) / "stmt.sta", max(1, args.mt940_lines // 100), 100)),
        ]
        for name, generated in runs:
            size = generated.path.stat().st_size
            rss_before = process.memory_info().rss
            elapsed, result = _timed(generated.path)
            rss_after = process.memory_info().rss  # with the result still held
            count = len(result.entries)
            assert count == generated.entries
            del result
            print(
                json.dumps(
                    {
                        "format": name,
                        "entries": count,
                        "file_mb": round(size / 1e6, 1),
                        "seconds": round(elapsed, 3),
                        "entries_per_s": round(count / elapsed),
                        "rss_growth_with_result_mb": round((rss_after - rss_before) / 1e6, 1),
                    }
                )
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
