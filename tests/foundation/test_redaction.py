"""The log redactor and the log scanner: the two nets that keep personal data out of logs."""

from __future__ import annotations

import io
import json

from gateway.logs import configure_logging, get_logger
from gateway.pii import mask_name, mask_number
from gateway.redaction import redact_value
from tests.support.logscan import scan_text

ID = "11010519491231002X"
CARD = "6222020200112233445"
PASSBOOK = "370102000123456789012"


def test_masks_keep_first_six_and_last_four():
    """A card number shows only its first 6 and last 4 digits; a name only its first character."""
    assert mask_number(CARD) == "622202*********3445"
    assert mask_number(ID) == "110105********002X"
    assert mask_name("张三丰") == "张**"


def test_short_values_never_come_out_nearly_clear():
    """A short (bad) value is masked to at most a third of its characters."""
    masked = mask_number("12345678")
    assert sum(c != "*" for c in masked) <= 8 // 3


def test_personal_keys_are_masked_whatever_their_shape():
    """Values under personal keys are masked, nested containers included, originals untouched."""
    event = {"name": "李四", "nested": {"account": "123", "items": [{"id_number": ID}]}, "count": 3}
    out = redact_value(event)
    assert out["name"] == "李*"
    assert out["nested"]["account"] != "123"
    assert ID not in json.dumps(out, ensure_ascii=False)
    assert event["nested"]["items"][0]["id_number"] == ID
    assert out["count"] == 3


def test_numbers_inside_free_text_are_masked():
    """IDs, cards and long passbook numbers inside messages are masked by shape."""
    text = f"payee {ID} card {CARD} passbook {PASSBOOK} amount 123456"
    out = redact_value(text)
    for clear in (ID, CARD, PASSBOOK):
        assert clear not in out
    assert "123456" in out  # amounts and short numbers stay readable


def test_configured_logger_never_writes_clear_values():
    """Through the real structlog pipeline, a careless log call still comes out masked."""
    buf = io.StringIO()
    configure_logging(json=True, stream=buf)
    try:
        get_logger("t").info("careless", payee_account=CARD, detail=f"id={ID}", name="王五")
    finally:
        from tests.conftest import _inproc_log

        configure_logging(json=True, stream=_inproc_log)
    line = buf.getvalue()
    assert scan_text(line) == []
    assert "王五" not in line


def test_scanner_finds_what_it_must():
    """The session-end scanner flags a clear ID or account and passes masked ones."""
    assert scan_text(f"x {CARD} y") and scan_text(f'"{ID}"') and scan_text(PASSBOOK)
    assert scan_text(f"{mask_number(CARD)} {mask_number(ID)} 2026-11-25T08:00:00Z 0.123") == []
