"""Synthetic payrolls for tests, benchmarks and demos (``silink gen payroll``).

Deterministic: the same :class:`PayrollSpec` gives a byte-identical file (Mersenne Twister seeded with
``seed``; nothing depends on the clock, the platform or hash randomisation). Streaming: lines are written
in blocks, and the bad-line sidecar is written as it goes, so a 30-million-line file needs no more memory
than a small one.

Payees are spread over the Shandong regions of DOMAIN.md §9. Resident IDs start with real district codes,
carry birth dates fitting the benefit (pensioners 60-95 years old at the period) and are unique by
construction: line ``i`` takes the ``(i·A + B) mod M``-th combination of district × birth date × sequence
number (A coprime with M), a permutation, so no two good lines share an ID whatever ``payees`` is. Names
are a surname and one or two given-name characters; cards use real BINs of each bank and pass Luhn; about
1 payee in 64 is paid into a passbook (not Luhn). Enterprise refunds (``STABILIZATION_REFUND``) get unique
USCCs, firm names and corporate accounts.

``bad_rate`` turns that share of lines into bad ones, cycling through every kind of error the validator
detects (see :data:`BAD_KINDS`), and the sidecar ``FILE.bad.json`` maps each bad line number to the one
reason code it must be rejected with. Every bad line carries exactly one error, so a test can require the
validator to report exactly the sidecar and nothing else.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from gateway.errors import InvalidInput
from gateway.intake import reasons as R
from gateway.intake.accounts import luhn_check_digit
from gateway.intake.amounts import format_yuan
from gateway.intake.benefits import BENEFITS, DEFAULT_CEILINGS_FEN, USCC
from gateway.intake.identity import RESIDENT_ID_CHECK, USCC_ALPHABET, uscc_check_char
from gateway.intake.records import COLUMNS
from gateway.intake.regions import SHANDONG_REGIONS
from gateway.intake.sample_data import (
    AGE_RANGES,
    AMOUNT_RANGES_FEN,
    FIRM_WORDS,
    GENERATOR_BANKS,
    GIVEN,
    INDUSTRIES,
    SURNAMES,
)

ENCODINGS = ("utf-8", "gbk")
_SPEC_INVALID = "GENERATOR_SPEC_INVALID"
ZH_HEADER = (
    "证件类型",
    "证件号码",
    "姓名",
    "银行账号",
    "账户类型",
    "银行代码",
    "发放金额",
    "待遇类型",
    "所属期",
    "行政区划",
    "业务流水号",
)
_BLOCK_LINES = 8192
# Stands for an undecodable byte in a LINE_ENCODING bad line: an ASCII control character cannot occur
# inside a multi-byte sequence of UTF-8 or GBK, so replacing it in the encoded block hits only that spot.
_BAD_BYTE_MARK = "\x01"
# A LINE_ENCODING line is only injected after this many lines, so the encoding sniffer has seen plenty
# of good text first (it decides on the first non-ASCII block).
_ENCODING_BAD_AFTER = 1000

# Positions of the columns in a generated line (canonical COLUMNS order).
I_ID_TYPE, I_ID, I_NAME, I_ACCOUNT = (COLUMNS.index(c) for c in ("id_type", "id_number", "name", "account"))
I_ACCOUNT_TYPE, I_BANK, I_AMOUNT = (COLUMNS.index(c) for c in ("account_type", "bank_code", "amount"))
I_BENEFIT, I_PERIOD, I_REGION, I_REF = (COLUMNS.index(c) for c in ("benefit", "period", "region", "ref"))
_DOUBLED = bytes.maketrans(b"0123456789", b"0246813579")
# Check character of a resident ID from (its 17 digits in base 13) mod 11; see identity.py.
_CHECK_OF_BASE13_MOD11 = "".join(RESIDENT_ID_CHECK[2 * k % 11] for k in range(11))


@dataclass(frozen=True)
class PayrollSpec:
    """What to generate. ``header`` is ``en`` (column names) or ``zh`` (Chinese aliases and Chinese
    values); by default ``zh`` for GBK files, as Chinese office exports are, and ``en`` for UTF-8."""

    payees: int
    seed: int = 1
    banks: int = len(GENERATOR_BANKS)
    bad_rate: float = 0.0
    benefit: str = "PENSION_EMPLOYEE"
    period: str = "2024-05"
    encoding: str = "utf-8"
    header: str | None = None
    # Pay into exactly these banks (3-digit codes of GENERATOR_BANKS) instead of the first ``banks``.
    bank_codes: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.bank_codes is not None:
            known = {code for code, *_ in GENERATOR_BANKS}
            if not self.bank_codes or not set(self.bank_codes) <= known:
                raise InvalidInput(
                    f"bank codes must be among {', '.join(sorted(known))}", reason=_SPEC_INVALID
                )
        if self.payees < 1:
            raise InvalidInput("payees must be at least 1", reason=_SPEC_INVALID)
        if not 1 <= self.banks <= len(GENERATOR_BANKS):
            raise InvalidInput(f"banks must be 1-{len(GENERATOR_BANKS)}", reason=_SPEC_INVALID)
        if not 0.0 <= self.bad_rate <= 1.0:
            raise InvalidInput("bad-rate must be between 0 and 1", reason=_SPEC_INVALID)
        if self.benefit not in BENEFITS:
            raise InvalidInput(f"benefit must be one of {', '.join(BENEFITS)}", reason=_SPEC_INVALID)
        p = self.period
        if not (
            len(p) == 7 and p[4] == "-" and p[:4].isdigit() and p[5:].isdigit() and "01" <= p[5:] <= "12"
        ):
            raise InvalidInput("period must be YYYY-MM", reason=_SPEC_INVALID)
        if self.encoding not in ENCODINGS:
            raise InvalidInput(f"encoding must be one of {', '.join(ENCODINGS)}", reason=_SPEC_INVALID)
        if self.header not in (None, "en", "zh"):
            raise InvalidInput("header must be en or zh", reason=_SPEC_INVALID)

    @property
    def header_language(self) -> str:
        return self.header or ("zh" if self.encoding == "gbk" else "en")


@dataclass
class GenerationSummary:
    path: Path
    sidecar: Path | None
    lines: int
    bad: int
    good_fen: int  # total of the good lines, what validation must report as its total
    seconds: float
    bad_by_reason: Counter[str] = field(default_factory=Counter)

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.seconds if self.seconds else float("inf")


def sidecar_path(path: str | Path) -> Path:
    """``p.csv`` → ``p.bad.json``."""
    return Path(path).with_suffix(".bad.json")


def read_expected_bad(path: str | Path) -> dict[int, str]:
    """The sidecar of a generated file as {line number: reason}; {} when the file has no sidecar."""
    side = sidecar_path(path)
    if not side.exists():
        return {}
    data = json.loads(side.read_text(encoding="utf-8"))
    return {int(k): v for k, v in data["bad"].items()}


def _coprime_multiplier(rng: random.Random, modulus: int) -> int:
    while True:
        a = rng.randrange(modulus // 3, modulus) | 1
        if math.gcd(a, modulus) == 1:
            return a


def _weighted_table(weights: list[int], size: int = 256) -> tuple[int, ...]:
    """Indexes repeated in proportion to ``weights``: one random byte picks an index."""
    total = sum(weights)
    table: list[int] = []
    for i, w in enumerate(weights):
        table.extend([i] * round(size * w / total))
    while len(table) < size:
        table.append(0)
    return tuple(table[:size])


class _Generator:
    def __init__(self, spec: PayrollSpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)  # noqa: S311 - synthetic data must be reproducible from a seed
        self.benefit = BENEFITS[spec.benefit]
        self.enterprise = self.benefit.id_type == USCC
        self.zh = spec.header_language == "zh"
        self.districts = [d for _, (_, ds) in sorted(SHANDONG_REGIONS.items()) for d in ds]
        self.cities = {d: SHANDONG_REGIONS[d[:4]][0] for d in self.districts}
        banks = (
            tuple(b for b in GENERATOR_BANKS if b[0] in spec.bank_codes)
            if spec.bank_codes
            else GENERATOR_BANKS[: spec.banks]
        )
        self.banks = banks
        self.bank_pick = _weighted_table([b[3] for b in banks])
        # Surnames weighted by rank (1/sqrt(rank)), given-name characters uniform.
        rank_weights = [round(1000 / math.sqrt(rank + 1)) for rank in range(len(SURNAMES))]
        self.surname_pick = tuple(SURNAMES[i] for i in _weighted_table(rank_weights))
        self.given_pick = tuple(GIVEN[(i * 7) % len(GIVEN)] for i in range(256))
        lo, hi = AMOUNT_RANGES_FEN[spec.benefit]
        self.amount_lo, self.amount_span = lo, hi - lo + 1
        self.ceiling = DEFAULT_CEILINGS_FEN[spec.benefit]
        year, month = int(spec.period[:4]), int(spec.period[5:])
        if not self.enterprise:
            young, old = AGE_RANGES[spec.benefit]
            first = date(year - old, month, 1)
            last = date(year - young, month, 1) - timedelta(days=1)
            self.birth_dates = [
                (first + timedelta(days=k)).strftime("%Y%m%d") for k in range((last - first).days + 1)
            ]
            self.modulus = len(self.districts) * len(self.birth_dates) * 1000
        else:
            self.modulus = len(USCC_ALPHABET) ** 9
        self.mult = _coprime_multiplier(self.rng, self.modulus)
        self.offset = self.rng.randrange(self.modulus)
        self.bad_threshold = int(spec.bad_rate * (1 << 32))
        self.kind_index = 0
        self.last_good_id: str | None = None
        self.good_fen = 0
        self.bad_by_reason: Counter[str] = Counter()
        self.bad_count_written = 0
        self.marked = False  # the current block holds a LINE_ENCODING line to corrupt when encoded
        self.codec = "gbk" if spec.encoding == "gbk" else "utf-8"
        self.newline = "\r\n" if spec.encoding == "gbk" else "\n"
        self.out: BinaryIO | None = None
        self.sidefh: Any = None
        self.block: list[str] = []
        self.benefit_text = self.benefit.chinese if self.zh else self.benefit.code
        zh_id_type = "统一社会信用代码" if self.enterprise else "居民身份证"
        self.id_type_text = zh_id_type if self.zh else self.benefit.id_type
        self.card_text = "银行卡" if self.zh else "CARD"
        self.passbook_text = "存折" if self.zh else "PASSBOOK"
        self.corporate_text = "对公账户" if self.zh else "CORPORATE"

    # -- good lines ------------------------------------------------------------------------------------
    # Persons are generated inline in _run_persons (the hot loop: 30 million lines must not take an hour);
    # firms, a few thousand per payroll, here.

    def firm(self, i: int) -> list[str]:
        getbits = self.rng.getrandbits
        r = getbits(64)
        s = (i * self.mult + self.offset) % self.modulus
        org = ""
        for _ in range(9):
            s, k = divmod(s, len(USCC_ALPHABET))
            org += USCC_ALPHABET[k]
        district = self.districts[r % len(self.districts)]
        body = "91" + district + org
        uscc = body + uscc_check_char(body)
        name = (
            self.cities[district]
            + FIRM_WORDS[(r >> 8) % len(FIRM_WORDS)]
            + INDUSTRIES[(r >> 16) % len(INDUSTRIES)]
            + "有限公司"
        )
        code = self.banks[self.bank_pick[(r >> 26) & 255]][0]
        width = 16 + (r >> 34) % 5
        account = str(10**width + getbits(70) % 10**width)[1:]
        fen = self.amount_lo + getbits(40) % self.amount_span
        return [
            self.id_type_text,
            uscc,
            name,
            account,
            self.corporate_text,
            code,
            f"{fen // 100}.{fen % 100:02d}",
            self.benefit_text,
            self.spec.period,
            district[:4],
            f"E{self.spec.seed % 1000:03d}{i + 1:010d}",
        ]

    # -- bad lines -------------------------------------------------------------------------------------

    def make_bad(self, fields: list[str], i: int) -> str:
        """Turn ``fields`` into the next applicable kind of bad line; returns its reason."""
        for _ in range(len(BAD_KINDS)):
            kind = BAD_KINDS[self.kind_index % len(BAD_KINDS)]
            self.kind_index += 1
            reason = kind(self, fields, i)
            if reason is not None:
                return reason
        raise AssertionError("no bad-line kind applies")  # pragma: no cover - NAME_MISSING always applies

    def run(self, path: Path) -> GenerationSummary:
        spec = self.spec
        started = time.perf_counter()
        side = sidecar_path(path) if spec.bad_rate > 0 else None
        with path.open("wb") as out, side.open("w", encoding="utf-8") if side else _NullFile() as sidefh:
            # The sidecar is streamed: its opening, one entry per bad line, then the closing counts.
            opening = {"file": path.name, "seed": spec.seed, "payees": spec.payees, "bad_rate": spec.bad_rate}
            sidefh.write(json.dumps(opening)[:-1] + ', "bad": {')
            self.out = out
            self.sidefh = sidefh
            self.block = [",".join(ZH_HEADER if self.zh else COLUMNS)]
            if self.enterprise:
                self._run_firms()
            else:
                self._run_persons()
            self._flush()
            sidefh.write(f'}}, "bad_count": {sum(self.bad_by_reason.values())}}}\n')
        return GenerationSummary(
            path=path,
            sidecar=side,
            lines=spec.payees,
            bad=sum(self.bad_by_reason.values()),
            good_fen=self.good_fen,
            seconds=time.perf_counter() - started,
            bad_by_reason=self.bad_by_reason,
        )

    def _bad_line(self, fields: list[str], i: int) -> str:
        """Turn a generated line into the next kind of bad line, record it in the sidecar, return its text."""
        reason = self.make_bad(fields, i)
        self.bad_by_reason[reason] += 1
        if reason == R.LINE_ENCODING:
            self.marked = True
        self.sidefh.write(("" if self.bad_count_written == 0 else ", ") + f'"{i + 2}": "{reason}"')
        self.bad_count_written += 1
        return ",".join(fields)

    def _run_firms(self) -> None:
        getbits = self.rng.getrandbits
        threshold = self.bad_threshold
        block = self.block
        for i in range(self.spec.payees):
            fields = self.firm(i)
            if threshold and getbits(32) < threshold:
                block.append(self._bad_line(fields, i))
            else:
                self.good_fen += int(fields[I_AMOUNT].replace(".", ""))
                self.last_good_id = fields[I_ID]
                block.append(",".join(fields))
            if len(block) >= _BLOCK_LINES:
                self._flush()

    def _run_persons(self) -> None:
        # Everything the loop touches is a local: attribute and global lookups cost as much as the work.
        getbits = self.rng.getrandbits
        threshold = self.bad_threshold
        block = self.block
        append = block.append
        mult, offset, modulus = self.mult, self.offset, self.modulus
        districts = self.districts
        regions = [d[:4] for d in districts]
        n_districts = len(districts)
        births = self.birth_dates
        n_births = len(births)
        seq3 = [f"{k:03d}" for k in range(1000)]
        check = _CHECK_OF_BASE13_MOD11
        surnames, given = self.surname_pick, self.given_pick
        # Per bank: code, its BINs, and 10**(digits between BIN and check digit) for zero-padded draws.
        banks = [(code, bins, 10 ** (length - len(bins[0]) - 1)) for code, bins, length, _ in self.banks]
        bank_pick = self.bank_pick
        doubled, luhn_fix = _DOUBLED, "0987654321"
        passbook_mod = 10**17
        ref_mod = 10**10
        lo, span = self.amount_lo, self.amount_span
        card, passbook = self.card_text, self.passbook_text
        head = self.id_type_text + ","
        tail = f",{self.benefit_text},{self.spec.period},"
        ref_prefix = f"L{self.spec.seed % 1000:03d}"
        good_fen = 0
        last_good_id = None
        for i in range(self.spec.payees):
            r = getbits(64)
            r2 = getbits(64)
            s, d = divmod((i * mult + offset) % modulus, n_districts)
            seq, b = divmod(s, n_births)
            body = districts[d] + births[b] + seq3[seq]
            id_number = body + check[int(body, 13) % 11]
            name = surnames[r & 255] + given[(r >> 8) & 255]
            if (r >> 16) & 3:
                name += given[(r >> 18) & 255]
            code, bins, mod = banks[bank_pick[(r >> 26) & 255]]
            if (r >> 34) & 63:
                payload = bins[(r >> 40) % len(bins)] + str(mod + r2 % mod)[1:]
                pb = payload.encode()
                account = payload + luhn_fix[int(pb[::-2].translate(doubled) + pb[-2::-2], 11) % 10]
                account_type = card
            else:
                account = str(passbook_mod + r2 % passbook_mod)[1:]
                account_type = passbook
            fen = lo + (r2 >> 20) % span
            amount = str(fen)
            amount = amount[:-2] + "." + amount[-2:]
            ref = ref_prefix + str(ref_mod + i + 1)[1:]
            if threshold and getbits(32) < threshold:
                values = (id_number, name, account, account_type, code, amount, self.benefit_text)
                fields = [self.id_type_text, *values, self.spec.period, regions[d], ref]
                self.last_good_id = last_good_id
                append(self._bad_line(fields, i))
            else:
                good_fen += fen
                last_good_id = id_number
                append(
                    f"{head}{id_number},{name},{account},{account_type},{code},{amount}{tail}{regions[d]},{ref}"
                )
            if len(block) >= _BLOCK_LINES:
                self._flush()
        self.good_fen += good_fen
        self.last_good_id = last_good_id

    def _flush(self) -> None:
        block = self.block
        if block:
            data = (self.newline.join(block) + self.newline).encode(self.codec)
            if self.marked:
                data = data.replace(_BAD_BYTE_MARK.encode(), b"\xff")
                self.marked = False
            self.out.write(data)
            block.clear()


class _NullFile:
    def __enter__(self) -> _NullFile:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def write(self, text: str) -> int:
        return 0


# -- the kinds of bad line, cycled in this order ------------------------------------------------------------
# Each mutates a good line's fields so that exactly one check fails, and returns that reason (or None when
# the kind does not apply to this payroll, e.g. Luhn for corporate accounts).

BadKind = Callable[[_Generator, list[str], int], "str | None"]


def _turn(g: _Generator) -> int:
    """How many times the kinds have cycled: picks the variant of a kind, so every variant appears."""
    return (g.kind_index - 1) // len(BAD_KINDS)


def _with_check(body: str) -> str:
    return body + RESIDENT_ID_CHECK[int(body, 13) * 2 % 11]


def _bad_check_digit(g: _Generator, f: list[str], i: int) -> str:
    current = f[I_ID][17]
    alphabet = USCC_ALPHABET if g.enterprise else RESIDENT_ID_CHECK
    f[I_ID] = f[I_ID][:17] + alphabet[(alphabet.index(current) + 1) % len(alphabet)]
    return R.ID_CHECK_DIGIT


def _bad_birth_date(g: _Generator, f: list[str], i: int) -> str | None:
    if g.enterprise:
        return None
    # Rotates through: no 30 February, no month 13, in the future, before the 1850 floor.
    variants = ("19510230", "19521301", "20990101", "18491231")
    bad_date = variants[_turn(g) % len(variants)]
    f[I_ID] = _with_check(f[I_ID][:6] + bad_date + f[I_ID][14:17])
    return R.ID_BIRTH_DATE


def _bad_id_format(g: _Generator, f: list[str], i: int) -> str:
    f[I_ID] = f[I_ID][:16] if _turn(g) % 2 else f[I_ID][:10] + "I" + f[I_ID][11:]
    return R.ID_FORMAT


def _bad_area_code(g: _Generator, f: list[str], i: int) -> str | None:
    if g.enterprise:
        return None
    f[I_ID] = _with_check("99" + f[I_ID][2:17])
    return R.ID_AREA_CODE


def _bad_luhn(g: _Generator, f: list[str], i: int) -> str | None:
    if f[I_ACCOUNT_TYPE] != g.card_text:
        return None
    acct = f[I_ACCOUNT]
    f[I_ACCOUNT] = acct[:-1] + str((int(acct[-1]) + 1) % 10)
    return R.ACCOUNT_LUHN


def _bad_account_length(g: _Generator, f: list[str], i: int) -> str:
    f[I_ACCOUNT] = f[I_ACCOUNT][:15] if f[I_ACCOUNT_TYPE] == g.card_text else f[I_ACCOUNT][:7]
    return R.ACCOUNT_LENGTH


def _bad_account_format(g: _Generator, f: list[str], i: int) -> str:
    acct = f[I_ACCOUNT]
    f[I_ACCOUNT] = acct[:8] + "A" + acct[9:]
    return R.ACCOUNT_FORMAT


def _bad_bank_code(g: _Generator, f: list[str], i: int) -> str:
    f[I_BANK] = "999"
    return R.BANK_CODE_UNKNOWN


def _bad_unknown_bin(g: _Generator, f: list[str], i: int) -> str:
    f[I_BANK] = ""
    if f[I_ACCOUNT_TYPE] == g.card_text:
        payload = "999999" + f[I_ACCOUNT][6:-1]
        f[I_ACCOUNT] = payload + luhn_check_digit(payload)
    else:
        f[I_ACCOUNT] = "999" + f[I_ACCOUNT][3:]  # no BIN starts with 999
    return R.BANK_UNKNOWN


def _bad_not_positive(g: _Generator, f: list[str], i: int) -> str:
    f[I_AMOUNT] = ("0.00", "-5.00", "0", "-0.01")[_turn(g) % 4]
    return R.AMOUNT_NOT_POSITIVE


def _bad_decimals(g: _Generator, f: list[str], i: int) -> str:
    f[I_AMOUNT] = f[I_AMOUNT] + "5"
    return R.AMOUNT_DECIMALS


def _bad_over_ceiling(g: _Generator, f: list[str], i: int) -> str:
    f[I_AMOUNT] = format_yuan(g.ceiling + 1, grouping=False)
    return R.AMOUNT_OVER_CEILING


def _bad_amount_format(g: _Generator, f: list[str], i: int) -> str:
    # A quoted thousands separator is one CSV field, which the amount check must still refuse.
    f[I_AMOUNT] = ("1e3", '"1,000.00"', "100.00元", "+100.00")[_turn(g) % 4]
    return R.AMOUNT_FORMAT


def _bad_benefit(g: _Generator, f: list[str], i: int) -> str:
    f[I_BENEFIT] = "养老补贴" if g.zh else "PENSION_OTHER"
    return R.BENEFIT_UNKNOWN


def _bad_period_format(g: _Generator, f: list[str], i: int) -> str:
    f[I_PERIOD] = (g.spec.period[:4] + "-13", g.spec.period.replace("-", "/"), "24-05")[_turn(g) % 3]
    return R.PERIOD_FORMAT


def _bad_period_range(g: _Generator, f: list[str], i: int) -> str:
    f[I_PERIOD] = "1989-12"
    return R.PERIOD_OUT_OF_RANGE


def _bad_name_missing(g: _Generator, f: list[str], i: int) -> str:
    f[I_NAME] = ""
    return R.NAME_MISSING


def _bad_name_invalid(g: _Generator, f: list[str], i: int) -> str:
    f[I_NAME] = "=" + f[I_NAME] if g.enterprise or _turn(g) % 2 else f[I_NAME] + "2"
    return R.NAME_INVALID


def _bad_name_long(g: _Generator, f: list[str], i: int) -> str:
    f[I_NAME] = f[I_NAME][0] + "华" * (100 if g.enterprise else 30)
    return R.NAME_TOO_LONG


def _bad_duplicate(g: _Generator, f: list[str], i: int) -> str | None:
    if g.last_good_id is None:
        return None
    f[I_ID] = g.last_good_id
    return R.DUPLICATE_IN_FILE


def _bad_payee(g: _Generator, f: list[str], i: int) -> str:
    # An enterprise refund paid to a person, or a personal benefit paid to a firm: the wrong fund's money.
    if g.enterprise:
        f[I_BENEFIT] = "失业保险金" if g.zh else "UNEMPLOYMENT"
        f[I_AMOUNT] = "1000.00"
    else:
        f[I_BENEFIT] = "稳岗返还" if g.zh else "STABILIZATION_REFUND"
    return R.BENEFIT_PAYEE_MISMATCH


def _bad_id_type(g: _Generator, f: list[str], i: int) -> str:
    f[I_ID_TYPE] = "护照" if g.zh else "PASSPORT"
    return R.ID_TYPE_UNKNOWN


def _bad_account_type(g: _Generator, f: list[str], i: int) -> str:
    f[I_ACCOUNT_TYPE] = "支票" if g.zh else "CHEQUE"
    return R.ACCOUNT_TYPE_UNKNOWN


def _bad_region(g: _Generator, f: list[str], i: int) -> str:
    f[I_REGION] = "37A1"
    return R.REGION_FORMAT


def _bad_ref(g: _Generator, f: list[str], i: int) -> str:
    f[I_REF] = f[I_REF] + " #2" if _turn(g) % 2 else f[I_REF] * 3
    return R.REF_FORMAT


def _bad_missing(g: _Generator, f: list[str], i: int) -> str:
    column, reason = (
        (I_ID, R.ID_MISSING),
        (I_ACCOUNT, R.ACCOUNT_MISSING),
        (I_AMOUNT, R.AMOUNT_MISSING),
        (I_BENEFIT, R.BENEFIT_MISSING),
        (I_PERIOD, R.PERIOD_MISSING),
    )[_turn(g) % 5]
    f[column] = ""
    return reason


def _bad_column_count(g: _Generator, f: list[str], i: int) -> str:
    f.pop()
    return R.COLUMN_COUNT


def _bad_quote(g: _Generator, f: list[str], i: int) -> str:
    f[I_NAME] = '"' + f[I_NAME]
    return R.QUOTE_UNCLOSED


def _bad_encoding(g: _Generator, f: list[str], i: int) -> str | None:
    if i < _ENCODING_BAD_AFTER:
        return None
    f[I_NAME] = f[I_NAME][:1] + _BAD_BYTE_MARK + f[I_NAME][1:]
    return R.LINE_ENCODING


BAD_KINDS: tuple[BadKind, ...] = (
    _bad_check_digit,
    _bad_birth_date,
    _bad_luhn,
    _bad_bank_code,
    _bad_not_positive,
    _bad_decimals,
    _bad_over_ceiling,
    _bad_benefit,
    _bad_period_format,
    _bad_name_missing,
    _bad_duplicate,
    _bad_payee,
    _bad_unknown_bin,
    _bad_amount_format,
    _bad_id_format,
    _bad_area_code,
    _bad_account_length,
    _bad_account_format,
    _bad_period_range,
    _bad_name_invalid,
    _bad_name_long,
    _bad_id_type,
    _bad_account_type,
    _bad_region,
    _bad_ref,
    _bad_missing,
    _bad_column_count,
    _bad_quote,
    _bad_encoding,
)


def generate_payroll(path: str | Path, spec: PayrollSpec) -> GenerationSummary:
    """Write the payroll described by ``spec`` to ``path`` (and its ``.bad.json`` sidecar when
    ``spec.bad_rate`` > 0)."""
    return _Generator(spec).run(Path(path))


__all__ = [
    "BAD_KINDS",
    "GenerationSummary",
    "PayrollSpec",
    "generate_payroll",
    "read_expected_bad",
    "sidecar_path",
]
