"""The one settings object of payroll validation (moov-io/ach style: options in one documented place)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from gateway.errors import InvalidInput
from gateway.intake.banks import BANKS, DEFAULT_BINS
from gateway.intake.benefits import BENEFITS, DEFAULT_CEILINGS_FEN, FUNDS
from gateway.intake.periods import add_months


@dataclass(frozen=True)
class ValidationSettings:
    """How strict payroll validation is. Every field has a safe default; instances are immutable.

    ceilings_fen
        Highest accepted amount per line, in fen, per benefit code (defaults:
        :data:`~gateway.intake.benefits.DEFAULT_CEILINGS_FEN`). A benefit missing here has no ceiling.
    banks
        Known banks: 3-digit CNAPS code → (short name, Chinese name). Default: DOMAIN.md §5.
    bin_table
        Card BIN prefix (any length; longest wins) → bank code, used when a line has no bank_code.
    reference_date
        "Today" for the birth-date check (no birth in the future) and the period window. Fixed in tests
        and benchmarks so results do not depend on the day they run.
    earliest_birth_date
        Birth dates before it are refused. The default (1850) admits the standard's own 1880 example;
        whether a payee is plausibly alive is a matter for the person-status feed, not the ID format.
    max_person_name_length / max_enterprise_name_length
        Longest accepted name for a resident-ID payee / a USCC payee.
    earliest_period / max_future_months
        The accepted period window: from ``earliest_period`` (YYYY-MM) to the reference month plus
        ``max_future_months``.
    fund
        When set, every line's benefit must belong to this fund (a batch is bound to one fund).
    check_duplicates
        Report DUPLICATE_IN_FILE for a repeated (id_number, benefit, period). Memory grows by about
        100 bytes per distinct key (a 16-byte keyed BLAKE2b digest in a set), never by the clear values.
    """

    ceilings_fen: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_CEILINGS_FEN))
    banks: Mapping[str, tuple[str, str]] = field(default_factory=lambda: dict(BANKS))
    bin_table: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_BINS))
    reference_date: date = field(default_factory=date.today)
    earliest_birth_date: date = date(1850, 1, 1)
    max_person_name_length: int = 30
    max_enterprise_name_length: int = 100
    earliest_period: str = "1990-01"
    max_future_months: int = 12
    fund: str | None = None
    check_duplicates: bool = True

    def __post_init__(self) -> None:
        # Freeze the mappings too, so a settings object shared by threads cannot change under them.
        for name in ("ceilings_fen", "banks", "bin_table"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        unknown = set(self.ceilings_fen) - set(BENEFITS)
        if unknown:
            raise InvalidInput(
                f"ceilings_fen names unknown benefits: {sorted(unknown)}", reason="SETTINGS_INVALID"
            )
        if any(not isinstance(v, int) or isinstance(v, bool) or v <= 0 for v in self.ceilings_fen.values()):
            raise InvalidInput(
                "ceilings_fen values must be positive integers (fen)", reason="SETTINGS_INVALID"
            )
        for prefix, code in self.bin_table.items():
            if not (prefix.isascii() and prefix.isdigit()) or code not in self.banks:
                raise InvalidInput(
                    f"bin_table entry {prefix!r} → {code!r} is not digits → known bank",
                    reason="SETTINGS_INVALID",
                )
        if self.fund is not None and self.fund not in FUNDS:
            raise InvalidInput(f"fund must be one of {sorted(FUNDS)}", reason="SETTINGS_INVALID")
        if self.earliest_birth_date > self.reference_date:
            raise InvalidInput("earliest_birth_date is after reference_date", reason="SETTINGS_INVALID")

    @property
    def latest_period(self) -> str:
        """The last accepted period: the reference month plus ``max_future_months``."""
        return add_months(self.reference_date.strftime("%Y-%m"), self.max_future_months)
