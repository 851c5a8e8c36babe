"""A bank's direct-link settings (``[banks.X]`` in silink.toml), read once into a frozen profile."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from adapters.contract import Action, AmountUnit, LineOutcome
from adapters.failure_texts import FailureTexts, table_for
from gateway.errors import InvalidInput
from keys.algorithms import CipherAlgorithm

from ._codes import LINE_STATUSES

CONFIG_INVALID = "CONFIG_INVALID"
DEFAULT_MAX_LINES = 6000
DEFAULT_BASE_PATH = "/silink-cdl/v1"
DEFAULT_MAX_CLOCK_SKEW_S = 300
_CIPHERS = (CipherAlgorithm.SM4_GCM, CipherAlgorithm.SM4_CBC)


def _bad(key: str, why: str) -> InvalidInput:
    return InvalidInput(f"direct-link setting {key!r} {why}", CONFIG_INVALID, metadata={"setting": key})


def _get_bool(settings: Mapping[str, object], key: str, default: bool) -> bool:
    value = settings.get(key, default)
    if not isinstance(value, bool):
        raise _bad(key, "must be true or false")
    return value


def _get_int(settings: Mapping[str, object], key: str, default: int, low: int, high: int) -> int:
    value = settings.get(key, default)
    if type(value) is not int or not low <= value <= high:
        raise _bad(key, f"must be an integer from {low} to {high}")
    return value


def _get_str(settings: Mapping[str, object], key: str, default: str) -> str:
    value = settings.get(key, default)
    if not isinstance(value, str):
        raise _bad(key, "must be text")
    return value


@dataclass(frozen=True)
class DirectLinkProfile:
    """Everything that differs between banks speaking the direct-link JSON protocol.

    ===================  =============  ==========================================================
    setting              default        meaning
    ===================  =============  ==========================================================
    ``bank_code``        ``""``         3-digit bank code; picks the failure-text dictionary
    ``user_id``          ``""``         our user id at the bank (``head.userid``); required to send
    ``amount_unit``      ``"yuan"``     ``"yuan"`` (text with 2 decimals) or ``"fen"`` (integer text)
    ``cipher``           ``"SM4-GCM"``  body cipher: ``"SM4-GCM"`` or ``"SM4-CBC"``
    ``max_lines``        6000           most lines in one PAYROLL_SUBMIT request (continuation above)
    ``send_id``          false          send the payee's ID type/number with each line
    ``name_check``       true           ask the bank to check name against account (with ``send_id``)
    ``send_manifest``    false          put the signed manifest into the first part's summary
    ``base_path``        see code       URL path prefix; the funcode in lower case is appended
    ``max_clock_skew_s`` 300            answers stamped further from our clock are refused; 0: off
    ``status_aliases``   ``{}``         bank status → A/E/S/R, for banks with their own letters
    ``return_codes``     ``{}``         extra or overriding return codes → retry/inquire/manual/terminal
    ``failure_texts``    ``{}``         extra failure texts → FailureReason name, searched first
    ===================  =============  ==========================================================
    """

    bank_code: str = ""
    user_id: str = ""
    amount_unit: AmountUnit = AmountUnit.YUAN
    cipher: CipherAlgorithm = CipherAlgorithm.SM4_GCM
    max_lines: int = DEFAULT_MAX_LINES
    send_id: bool = False
    name_check: bool = True
    send_manifest: bool = False
    base_path: str = DEFAULT_BASE_PATH
    max_clock_skew_s: int = DEFAULT_MAX_CLOCK_SKEW_S
    status_table: Mapping[str, LineOutcome] = field(default_factory=lambda: LINE_STATUSES)
    return_code_overrides: Mapping[str, Action] = field(default_factory=dict)
    failure_texts: FailureTexts = field(default_factory=lambda: table_for(""))

    @classmethod
    def from_settings(cls, settings: Mapping[str, object] | None) -> DirectLinkProfile:
        """Read and check the settings; every problem is ``InvalidInput(CONFIG_INVALID)`` naming the key."""
        s = settings or {}
        bank_code = _get_str(s, "bank_code", "")
        unit_text = _get_str(s, "amount_unit", "yuan")
        try:
            unit = AmountUnit(unit_text)
        except ValueError:
            raise _bad("amount_unit", 'must be "yuan" or "fen"') from None
        cipher_text = _get_str(s, "cipher", CipherAlgorithm.SM4_GCM.value)
        if cipher_text not in {c.value for c in _CIPHERS}:
            raise _bad("cipher", 'must be "SM4-GCM" or "SM4-CBC"')
        base_path = _get_str(s, "base_path", DEFAULT_BASE_PATH)
        if not base_path.startswith("/"):
            raise _bad("base_path", "must start with /")

        aliases = s.get("status_aliases", {})
        if not isinstance(aliases, Mapping):
            raise _bad("status_aliases", "must be a table")
        status_table = dict(LINE_STATUSES)
        for raw, letter in aliases.items():
            if letter not in LINE_STATUSES:
                raise _bad("status_aliases", f"maps {raw!r} to {letter!r}, not one of A/E/S/R")
            status_table[str(raw)] = LINE_STATUSES[letter]

        codes = s.get("return_codes", {})
        if not isinstance(codes, Mapping):
            raise _bad("return_codes", "must be a table")
        overrides: dict[str, Action] = {}
        for code, action in codes.items():
            try:
                overrides[str(code)] = Action(action)
            except ValueError:
                raise _bad("return_codes", f"maps {code!r} to {action!r}, not an action") from None

        texts = s.get("failure_texts", {})
        if not isinstance(texts, Mapping):
            raise _bad("failure_texts", "must be a table")
        table = table_for(bank_code)
        if texts:
            table = table.extended(texts)  # type: ignore[arg-type]  # checked entry by entry inside

        return cls(
            bank_code=bank_code,
            user_id=_get_str(s, "user_id", ""),
            amount_unit=unit,
            cipher=CipherAlgorithm(cipher_text),
            max_lines=_get_int(s, "max_lines", DEFAULT_MAX_LINES, 1, 1_000_000),
            send_id=_get_bool(s, "send_id", False),
            name_check=_get_bool(s, "name_check", True),
            send_manifest=_get_bool(s, "send_manifest", False),
            base_path=base_path.rstrip("/"),
            max_clock_skew_s=_get_int(s, "max_clock_skew_s", DEFAULT_MAX_CLOCK_SKEW_S, 0, 86_400),
            status_table=MappingProxyType(status_table),
            return_code_overrides=MappingProxyType(overrides),
            failure_texts=table,
        )
