"""The deliberately straightforward way to do silink's core work, as a yardstick for `silink bench province`.

What a first version written without thought for volume would do, with the same checks and the same
protection of personal data, so that the ratio measures the engineering and not skipped work:

* ingest and validate — ``csv.DictReader``, one row at a time, each field checked with its own function
  (ID checksum, bank-card Luhn check, amount parsed with ``Decimal``);
* persist — for every line, its personal data sealed with AES-256-GCM and a keyed hash of the ID number,
  then one ``INSERT`` statement (inside one transaction: committing per line would be slower still);
* sign — one RSA-2048-PSS signature per line over a formatted line, on the first ``sign_lines`` lines
  (a million RSA signatures take most of an hour on one core; the rate is what is compared).

``run_baseline`` runs the three on the province benchmark's own payroll file and returns each stage's
lines/s with the ratio of silink's stage to it.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import os
import re
import sqlite3
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_BANKS = {"102", "103", "104", "105", "301", "308", "403"}
_BENEFITS = {"PENSION_EMPLOYEE", "PENSION_RESIDENT", "UNEMPLOYMENT", "WORK_INJURY"}


def _id_ok(value: str) -> bool:
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


def _luhn_ok(value: str) -> bool:
    if not re.fullmatch(r"\d{12,19}", value):
        return False
    total = 0
    for i, ch in enumerate(reversed(value)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _fen(value: str) -> int | None:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)


def _validate(row: dict[str, str]) -> dict[str, Any] | None:
    fen = _fen(row["amount"])
    ok = (
        row["id_type"] == "RESIDENT_ID"
        and _id_ok(row["id_number"])
        and 1 <= len(row["name"].strip()) <= 30
        and _luhn_ok(row["account"])
        and row["bank_code"] in _BANKS
        and row["benefit"] in _BENEFITS
        and re.fullmatch(r"\d{4}-\d{2}", row["period"]) is not None
        and fen is not None
    )
    return {**row, "amount_fen": fen} if ok else None


def _rows(payroll: Path):
    with open(payroll, encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def run_baseline(payroll: Path, db_path: Path, *, sign_lines: int, ours: list) -> dict[str, Any]:
    """Each stage streams the payroll again, so the baseline too holds no batch in memory; the persist
    stage times only its own work (sealing and inserting), not the re-reading."""
    stages: dict[str, dict[str, Any]] = {}

    t0 = time.perf_counter()
    lines = 0
    for row in _rows(payroll):
        _validate(row)
        lines += 1
    seconds = time.perf_counter() - t0
    stages["ingest"] = {"lines": lines, "seconds": round(seconds, 3), "lines_per_s": round(lines / seconds)}

    key, mac_key = AESGCM(os.urandom(32)), os.urandom(32)
    db = sqlite3.connect(db_path)
    db.execute(
        "CREATE TABLE lines (id INTEGER PRIMARY KEY, id_hash TEXT, pii BLOB, bank_code TEXT,"
        " amount_fen INTEGER, benefit TEXT, period TEXT, ref TEXT)"
    )
    seconds, stored = 0.0, 0
    clock = time.perf_counter
    for row in _rows(payroll):
        line = _validate(row)
        if line is None:
            continue
        t0 = clock()
        nonce = os.urandom(12)
        pii = json.dumps([line["id_number"], line["name"], line["account"]]).encode()
        db.execute(
            "INSERT INTO lines (id_hash, pii, bank_code, amount_fen, benefit, period, ref)"
            " VALUES (?,?,?,?,?,?,?)",
            (
                hmac.new(mac_key, line["id_number"].encode(), hashlib.sha256).hexdigest(),
                nonce + key.encrypt(nonce, pii, None),
                line["bank_code"],
                line["amount_fen"],
                line["benefit"],
                line["period"],
                line["ref"],
            ),
        )
        seconds += clock() - t0
        stored += 1
    t0 = clock()
    db.commit()
    seconds += clock() - t0
    db.close()
    stages["persist"] = {
        "lines": stored,
        "seconds": round(seconds, 3),
        "lines_per_s": round(stored / seconds) if seconds else None,
    }

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
    signed = 0
    t0 = time.perf_counter()
    for n, row in enumerate(_rows(payroll), 1):
        if signed >= sign_lines:
            break
        line = _validate(row)
        if line is None:
            continue
        text = f"{n}|{line['ref']}|{line['bank_code']}|{line['account']}|{line['name']}|{line['amount_fen']}"
        private.sign(text.encode(), pss, hashes.SHA256())
        signed += 1
    seconds = time.perf_counter() - t0
    stages["sign"] = {
        "lines": signed,
        "seconds": round(seconds, 3),
        "lines_per_s": round(signed / seconds) if seconds else None,
        "note": f"one RSA-2048-PSS signature per line, on the first {signed:,} lines",
    }

    mine = {s.name: s for s in ours}
    for name, figures in stages.items():
        stage = mine.get(name)
        if stage is not None and stage.seconds > 0 and figures["lines_per_s"]:
            figures["silink_lines_per_s"] = round(stage.lines / stage.seconds)
            figures["ratio"] = round(stage.lines / stage.seconds / figures["lines_per_s"], 1)
    return {
        "what": "row-at-a-time csv and validation, one INSERT per line, one RSA-2048 signature per line",
        "stages": stages,
    }
