"""The agency's 代发 agreement with a partner bank: when it is in force, which funds and regions it covers.

A bank pays our beneficiaries only under a signed payroll agreement. Outside its dates, or for a fund or
region it does not cover, the bank has no mandate to credit the money, so release refuses the batch
before anything is signed or queued (the release transaction rolls back: nothing is half-written).

    [banks."103"]
    agreement_start = "2026-01-01"
    agreement_end = "2028-12-31"                       # inclusive
    agreement_funds = ["PENSION_EMPLOYEE", "PENSION_RESIDENT"]   # absent: every fund
    agreement_regions = ["3701", "3702"]                # 4-digit area-code prefixes; absent: every region

When ``agreement_regions`` is set, a line must carry a region inside it: a line without a region cannot
be shown to be covered, and is refused like one outside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gateway.errors import Conflict, InvalidInput

NOT_IN_FORCE = "AGREEMENT_NOT_IN_FORCE"
FUND_NOT_COVERED = "AGREEMENT_FUND_NOT_COVERED"
REGION_NOT_COVERED = "AGREEMENT_REGION_NOT_COVERED"
INVALID = "AGREEMENT_INVALID"
# Regions listed in one error: enough to act on, short enough for a gRPC status.
_REGIONS_SHOWN = 12


@dataclass(frozen=True)
class Agreement:
    bank_code: str
    start: dt.date | None = None
    end: dt.date | None = None
    funds: frozenset[str] | None = None
    regions: tuple[str, ...] | None = None

    @classmethod
    def from_config(cls, code: str, raw: Mapping[str, Any]) -> Agreement:
        """Read ``[banks.<code>]``; a malformed entry is a configuration error naming the key."""
        return cls(
            bank_code=code,
            start=_date(code, raw, "agreement_start"),
            end=_date(code, raw, "agreement_end"),
            funds=_names(code, raw, "agreement_funds"),
            regions=_regions(code, raw),
        )

    @property
    def span(self) -> str:
        return f"{self.start or '…'} to {self.end or '…'}"

    def in_force(self, today: dt.date) -> bool:
        return not ((self.start and today < self.start) or (self.end and today > self.end))

    def check_in_force(self, today: dt.date) -> None:
        if not self.in_force(today):
            raise Conflict(
                f"the payroll agreement with bank {self.bank_code} is not in force today "
                f"({today}; it runs {self.span})",
                NOT_IN_FORCE,
                metadata={"bank_code": self.bank_code, "agreement": self.span},
            )

    def check_fund(self, fund: str) -> None:
        if self.funds is not None and fund not in self.funds:
            raise Conflict(
                f"the payroll agreement with bank {self.bank_code} does not cover fund {fund} "
                f"(it covers {', '.join(sorted(self.funds)) or 'no fund'})",
                FUND_NOT_COVERED,
                metadata={"bank_code": self.bank_code, "fund": fund},
            )

    def covers_region(self, region: str) -> bool:
        return self.regions is None or (bool(region) and region.startswith(self.regions))


def refuse_uncovered_regions(uncovered: Mapping[str, Mapping[str, int]]) -> None:
    """``uncovered``: bank → region ("" for none) → lines. Raise one error naming all of them."""
    if not uncovered:
        return
    parts = []
    for bank in sorted(uncovered):
        regions = uncovered[bank]
        shown = [f"{r or '(no region)'}: {n}" for r, n in sorted(regions.items())[:_REGIONS_SHOWN]]
        more = len(regions) - len(shown)
        parts.append(f"bank {bank} ({', '.join(shown)}{f', and {more} more regions' if more else ''})")
    lines = sum(sum(r.values()) for r in uncovered.values())
    raise Conflict(
        f"{lines} line(s) fall outside the regions of their bank's payroll agreement: {'; '.join(parts)}; "
        "hold those lines or extend the agreement",
        REGION_NOT_COVERED,
        metadata={"banks": ",".join(sorted(uncovered)), "lines": str(lines)},
    )


def _invalid(code: str, key: str, reason: str) -> InvalidInput:
    return InvalidInput(f'banks."{code}".{key}: {reason}', INVALID, metadata={"key": f'banks."{code}".{key}'})


def _date(code: str, raw: Mapping[str, Any], key: str) -> dt.date | None:
    value = raw.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _invalid(code, key, f"{value!r} is not a date YYYY-MM-DD") from None


def _names(code: str, raw: Mapping[str, Any], key: str) -> frozenset[str] | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise _invalid(code, key, "must be a list of names")
    return frozenset(str(v) for v in value)


def _regions(code: str, raw: Mapping[str, Any]) -> tuple[str, ...] | None:
    names = _names(code, raw, "agreement_regions")
    if names is None:
        return None
    bad = sorted(r for r in names if not (r.isdigit() and 2 <= len(r) <= 4))
    if bad:
        reason = f"{', '.join(bad)}: each must be a 2- to 4-digit area-code prefix"
        raise _invalid(code, "agreement_regions", reason)
    return tuple(sorted(names))
