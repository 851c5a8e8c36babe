"""Regions: the optional ``region`` column (a 4-digit prefix of the administrative area code, e.g. 3701 济南)
and the Shandong regions of DOMAIN.md §9 with some of their district codes (used by the generator)."""

from __future__ import annotations

from types import MappingProxyType

from gateway.errors import LineRejected
from gateway.intake import reasons as R
from gateway.intake.identity import PROVINCE_CODES

# 4-digit prefix -> (city, 6-digit district codes that resident IDs of the city start with).
SHANDONG_REGIONS: MappingProxyType[str, tuple[str, tuple[str, ...]]] = MappingProxyType(
    {
        "3701": ("济南", ("370102", "370103", "370104", "370105", "370112", "370113", "370114")),
        "3702": ("青岛", ("370202", "370203", "370211", "370212", "370213", "370214", "370281", "370283")),
        "3703": ("淄博", ("370302", "370303", "370304", "370305", "370306")),
        "3704": ("枣庄", ("370402", "370403", "370404", "370405", "370481")),
        "3705": ("东营", ("370502", "370503", "370505", "370522", "370523")),
        "3706": ("烟台", ("370602", "370611", "370612", "370613", "370681", "370682", "370683", "370687")),
        "3707": ("潍坊", ("370702", "370703", "370704", "370705", "370781", "370782", "370783")),
        "3708": ("济宁", ("370811", "370812", "370826", "370881", "370883")),
        "3709": ("泰安", ("370902", "370911", "370921", "370923", "370982", "370983")),
        "3710": ("威海", ("371002", "371003", "371082", "371083")),
        "3711": ("日照", ("371102", "371103", "371121", "371122")),
        "3713": ("临沂", ("371302", "371311", "371312", "371321", "371322", "371323")),
        "3714": ("德州", ("371402", "371403", "371481", "371482")),
        "3715": ("聊城", ("371502", "371503", "371581")),
        "3716": ("滨州", ("371602", "371603", "371621", "371625")),
        "3717": ("菏泽", ("371702", "371703", "371721", "371722")),
    }
)


def normalise_region(text: str) -> str:
    """``""`` when absent, else the 4-digit region prefix, or LineRejected(REGION_FORMAT)."""
    value = text.strip()
    if not value:
        return ""
    if len(value) != 4 or not (value.isascii() and value.isdigit()) or value[:2] not in PROVINCE_CODES:
        raise LineRejected("region must be a 4-digit area-code prefix such as 3701", reason=R.REGION_FORMAT)
    return value
