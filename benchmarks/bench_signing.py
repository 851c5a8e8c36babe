"""Batch signing at province scale: canonical lines → leaf hashes → Merkle root → one signature a chunk.

``measure_signing()`` is the reusable entry point (``silink bench`` or a notebook can call it; run this file
with ``python -m benchmarks.bench_signing`` for JSON). It signs ``lines`` payment lines in chunks of
``chunk`` (one signed manifest per chunk, as release does per submission), once with SHA-256 + RSA-2048-PSS
and once with SM3 + SM2, on the calling thread (one core), and compares with the naive alternative — one
RSA-2048 signature per line — measured on a sample. Row generation is excluded from the timings: in
production rows stream from the database. Figures are given in wall time and in CPU time of this process
(``cpu_lines_per_s``: what one core does, whatever else the machine is running), with the 1-minute load
average, and ``native`` says whether the C extension (``keys._native``) did the hashing.

The pytest-benchmark functions below time the same pieces separately (``make bench``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable

import pytest

from keys import merkle
from keys.algorithms import SignatureAlgorithm, Signer, get_backend
from keys.canonical import PaymentLine, canonical_row
from keys.manifest import ManifestFields, sign_manifest, verify_manifest
from keys.merkle import leaf_hashes, root_from_leaf_hashes, row_leaf_hashes

BANK = "102100099996"
FUND = "3301000000123"
_NAMES = ("张三", "李四", "王五", "赵六", "欧阳娜娜", "司马相如", "陈静", "刘洋")
_BENEFITS = ("PENSION_EMPLOYEE", "PENSION_RESIDENT", "UNEMPLOYMENT", "WORK_INJURY")


def payroll_rows(n: int, start: int = 1) -> list[PaymentLine]:
    """``n`` deterministic, realistic-looking lines numbered from ``start`` (Chinese names, 18-digit IDs)."""
    return [
        PaymentLine(
            i,
            f"E{i:015d}",
            BANK,
            f"6222020200{i:09d}",
            "CARD",
            _NAMES[i % len(_NAMES)],
            "RESIDENT_ID",
            f"3301{19400101 + i % 500000:08d}{i % 10000:04d}"[:17] + "X",
            100_000 + (i * 7919) % 500_000,
            _BENEFITS[i % len(_BENEFITS)],
            "2026-05",
            FUND,
        )
        for i in range(start, start + n)
    ]


def sign_chunk(rows: list[PaymentLine], hash_alg: str, signer: Signer, chunk_no: int = 0):
    """Canonicalise, hash, build the tree and sign one chunk's manifest: exactly what release does."""
    fields = ManifestFields.for_lines(
        submission_id=f"BENCH-{chunk_no:06d}",
        bank_code=BANK,
        fund_account=FUND,
        rows=rows,
        hash_alg=hash_alg,
        key_id="bench",
        key_version=1,
    )
    return sign_manifest(fields, signer)


def _per_second(fn: Callable[[], object], seconds: float = 1.0) -> float:
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        n += 1
    return n / elapsed


def _stages(rows: list[PaymentLine], hash_alg: str, signer: Signer, chunk_no: int) -> tuple[float, ...]:
    """CPU seconds for canonicalising, leaf hashing, and tree-from-leaf-hashes + signing, separately.

    With the C extension release canonicalises and leaf-hashes in one call (``row_leaf_hashes``), so the
    first figure is that fused step and the second is 0."""
    clock = time.process_time
    t0 = clock()
    if merkle.NATIVE:
        hashes = row_leaf_hashes(rows, hash_alg)
        t1 = t2 = clock()
    else:
        lines = list(map(canonical_row, rows))
        t1 = clock()
        hashes = leaf_hashes(lines, hash_alg)
        t2 = clock()
    fields = ManifestFields(
        submission_id=f"BENCH-{chunk_no:06d}",
        bank_code=BANK,
        fund_account=FUND,
        line_count=len(rows),
        control_sum_fen=0,  # from the database's SUM() in this variant; not the point here
        merkle_root=root_from_leaf_hashes(hashes, hash_alg).hex(),
        hash_alg=hash_alg,
        key_id="bench",
        key_version=1,
    )
    sign_manifest(fields, signer)
    t3 = clock()
    return t1 - t0, t2 - t1, t3 - t2


def measure_signing(lines: int = 1_000_000, chunk: int = 10_000, rsa_sample: int = 2_000) -> dict:
    """Lines per second for chunked Merkle signing (SHA-256/RSA and SM3/SM2) against RSA-per-line.

    For each suite: ``lines_per_s`` (wall) and ``cpu_lines_per_s`` (CPU time of this process) are the
    whole release step from rows (canonicalise, leaf-hash, tree, count, control sum, sign); ``stages``
    splits it (CPU time), and ``from_stored_leaf_hashes_per_s`` is the release step when the leaf hashes
    were stored at approval time (tree + signature only).
    """
    backend = get_backend()
    suites = {
        "SHA-256": backend.generate(SignatureAlgorithm.RSA_PSS_SHA256),
        "SM3": backend.generate(SignatureAlgorithm.SM2_SM3),
    }
    out: dict = {
        "lines": lines,
        "chunk": chunk,
        "native": merkle.NATIVE,
        "sha256_impl": merkle._native.SHA256_IMPL if merkle.NATIVE else "hashlib",
        "sm3_impl": merkle._native.SM3_IMPL if merkle.NATIVE else "hashlib",
        "load_average_1min_start": round(os.getloadavg()[0], 2),
    }
    for hash_alg, signer in suites.items():
        busy = cpu = 0.0
        stages = [0.0, 0.0, 0.0]
        manifests = 0
        for c, start in enumerate(range(1, lines + 1, chunk)):
            rows = payroll_rows(min(chunk, lines + 1 - start), start)
            t0, c0 = time.perf_counter(), time.process_time()
            sign_chunk(rows, hash_alg, signer, c)
            busy += time.perf_counter() - t0
            cpu += time.process_time() - c0
            manifests += 1
            for i, seconds in enumerate(_stages(rows, hash_alg, signer, c)):
                stages[i] += seconds
        out[hash_alg] = {
            "signature_alg": str(signer.algorithm),
            "signatures": manifests,
            "seconds": round(busy, 3),
            "cpu_seconds": round(cpu, 3),
            "lines_per_s": round(lines / busy),
            "cpu_lines_per_s": round(lines / cpu),
            "stages_cpu_lines_per_s": (
                {"canonicalise_and_leaf_hash": round(lines / stages[0])}
                if merkle.NATIVE
                else {"canonicalise": round(lines / stages[0]), "leaf_hash": round(lines / stages[1])}
            )
            | {"tree_and_sign": round(lines / stages[2])},
            "from_stored_leaf_hashes_per_s": round(lines / stages[2]),
        }
    rsa = suites["SHA-256"]
    sample = payroll_rows(rsa_sample)
    t0, c0 = time.perf_counter(), time.process_time()
    for row in sample:
        rsa.sign(canonical_row(row))
    per_line = rsa_sample / (time.perf_counter() - t0)
    cpu_per_line = rsa_sample / (time.process_time() - c0)
    out["RSA-2048 per line"] = {
        "sample": rsa_sample,
        "lines_per_s": round(per_line),
        "cpu_lines_per_s": round(cpu_per_line),
    }
    # Both ratios in CPU time (wall time on a shared machine mixes in other processes' work).
    out["ratio SHA-256 chunked / RSA per line"] = round(out["SHA-256"]["cpu_lines_per_s"] / cpu_per_line, 1)
    out["ratio SM3 chunked / RSA per line"] = round(out["SM3"]["cpu_lines_per_s"] / cpu_per_line, 1)
    sm2 = suites["SM3"]
    msg = b"x" * 200
    sig = sm2.sign(msg)
    out["SM2 sign per s"] = round(_per_second(lambda: sm2.sign(msg)))
    out["SM2 verify per s"] = round(_per_second(lambda: sm2.verify(msg, sig)))
    out["load_average_1min_end"] = round(os.getloadavg()[0], 2)
    return out


# --- pytest-benchmark ------------------------------------------------------------------------------

CHUNK_ROWS = payroll_rows(10_000)


@pytest.fixture(scope="module")
def rsa_signer() -> Signer:
    return get_backend().generate(SignatureAlgorithm.RSA_PSS_SHA256)


@pytest.fixture(scope="module")
def sm2_signer() -> Signer:
    return get_backend().generate(SignatureAlgorithm.SM2_SM3)


def test_chunk_sha256_rsa(benchmark, rsa_signer: Signer) -> None:
    """One 10,000-line chunk with SHA-256 and an RSA-2048-PSS manifest signature; the manifest verifies."""
    m = benchmark(sign_chunk, CHUNK_ROWS, "SHA-256", rsa_signer)
    benchmark.extra_info["lines_per_s"] = round(len(CHUNK_ROWS) / benchmark.stats["mean"])
    assert verify_manifest(m, rsa_signer, CHUNK_ROWS)


def test_chunk_sm3_sm2(benchmark, sm2_signer: Signer) -> None:
    """One 10,000-line chunk with SM3 and an SM2 manifest signature; the manifest verifies."""
    m = benchmark(sign_chunk, CHUNK_ROWS, "SM3", sm2_signer)
    benchmark.extra_info["lines_per_s"] = round(len(CHUNK_ROWS) / benchmark.stats["mean"])
    assert verify_manifest(m, sm2_signer, CHUNK_ROWS)


def test_rsa_signature_per_line(benchmark, rsa_signer: Signer) -> None:
    """The naive alternative: one RSA-2048 signature for each of 2,000 lines."""
    sample = CHUNK_ROWS[:2_000]
    sigs = benchmark.pedantic(lambda: [rsa_signer.sign(canonical_row(r)) for r in sample], rounds=3)
    benchmark.extra_info["lines_per_s"] = round(len(sample) / benchmark.stats["mean"])
    assert len(sigs) == 2_000


def test_sm2_sign(benchmark, sm2_signer: Signer) -> None:
    """SM2 signatures of a 200-byte message through the libcrypto wrapper."""
    assert benchmark(sm2_signer.sign, b"x" * 200)


def test_sm2_verify(benchmark, sm2_signer: Signer) -> None:
    """SM2 verification of a 200-byte message through the libcrypto wrapper."""
    sig = sm2_signer.sign(b"x" * 200)
    assert benchmark(sm2_signer.verify, b"x" * 200, sig)


def test_million_lines(benchmark) -> None:
    """The full province-scale run: 1,000,000 lines, 100 chunks, both suites, the RSA-per-line ratio."""
    figures = benchmark.pedantic(measure_signing, rounds=1, iterations=1)
    benchmark.extra_info.update(figures)
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    assert figures["SHA-256"]["signatures"] == figures["SM3"]["signatures"] == 100
    assert figures["ratio SHA-256 chunked / RSA per line"] > 10


if __name__ == "__main__":
    print(json.dumps(measure_signing(), ensure_ascii=False, indent=2))
