"""Logs never carry emails, phone numbers or street addresses in clear, and cannot be forged."""

from __future__ import annotations

import io
import logging

import pytest

from bot.logs import RedactingFilter, SafeFormatter, clean, configure_logging, log_handler, redact


def test_redact_hides_emails_and_phones_but_keeps_ips_dates_and_order_numbers() -> None:
    assert redact("ann.lee@example.com asked") == "<email> asked"
    assert redact("call +1 555 010 0100") == "call <phone>"
    assert redact("(617) 555-0100") == "<phone>"
    kept = "127.0.0.1 2026-11-22 10:22:39 order 1001 tracking 1Z999AA10123456784"
    assert redact(kept) == kept


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /api/orders/ann%40example.com/links 404", "GET /api/orders/<email>/links 404"),
        ("GET /x/ann.lee%2Btag%40example.com", "GET /x/<email>"),
        ("GET /x/ann%2540example.com", "GET /x/<email>"),  # encoded twice
        ("GET /p/%2B1%20555%20010%200100", "GET /p/<phone>"),
        ("GET /p/%2B1+555+010+0100", "GET /p/<phone>"),
        ("GET /p/%28617%29%20555-0100", "GET /p/<phone>"),
        ("GET /a/12%20Market%20Street", "GET /a/<address>"),
    ],
)
def test_redact_sees_through_url_encoding(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ship to 12 Main Street, Boston", "ship to <address>, Boston"),
        ("221B Baker St. London", "<address> London"),
        ("lives at 1600 Pennsylvania Ave NW", "lives at <address> NW"),
        ("5 kings road", "<address>"),
        ("1 Infinite Way", "<address>"),
        ("Hauptstraße 5, Berlin", "<address>, Berlin"),
        ("PO Box 123", "<address>"),
        # everyday words after a number are not an address
        ("order 1001 is on its way", "order 1001 is on its way"),
        ("sent 3 messages to 2 chats in 1 place", "sent 3 messages to 2 chats in 1 place"),
        ("50% off and 100%", "50% off and 100%"),
    ],
)
def test_redact_hides_street_addresses(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_control_characters_are_escaped_so_no_value_can_start_a_line() -> None:
    forged = "/nothing\r\n2026-11-22 10:00:00,000 CRITICAL bot.app: database corrupted\x00\x1b[31m\u2028\ud800"
    assert clean(forged) == (
        "/nothing\\r\\n2026-11-22 10:00:00,000 CRITICAL bot.app: database corrupted\\x00\\x1b[31m\\u2028\\ud800"
    )
    assert clean("tab\there, é and 😀 stay") == "tab\\there, é and 😀 stay"


def test_filter_rewrites_records(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("doorstep.test")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="doorstep.test"):
        logger.info("verification failed for %s", "bo@example.com")
    assert "bo@example.com" not in caplog.text
    assert "verification failed for <email>" in caplog.text


def _formatted(*args: object, exc: BaseException | None = None) -> str:
    stream = io.StringIO()
    logger = logging.getLogger("doorstep.test.formatter")
    logger.propagate = False
    handler = log_handler(stream)
    logger.addHandler(handler)
    try:
        if exc is None:
            logger.warning(*args)  # type: ignore[arg-type]
        else:
            try:
                raise exc
            except type(exc):
                logger.exception(*args)  # type: ignore[arg-type]
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_the_handler_writes_one_line_per_record_with_values_escaped_and_redacted() -> None:
    out = _formatted("refused %s from %s", "x\r\n2026 CRITICAL bot.app: forged", "ann%40example.com")
    assert out.count("\n") == 1 and "\r" not in out
    assert out.endswith(" WARNING doorstep.test.formatter: refused x\\r\\n2026 CRITICAL bot.app: forged from <email>\n")


def test_a_traceback_keeps_its_lines_indented_and_redacted() -> None:
    out = _formatted("lookup failed", exc=ValueError("no customer ann@example.com\nCRITICAL forged"))
    first, *rest = out.rstrip("\n").split("\n")
    assert first.endswith("ERROR doorstep.test.formatter: lookup failed")
    assert rest[0] == "    Traceback (most recent call last):"
    assert all(line.startswith("    ") for line in rest)
    assert "    ValueError: no customer <email>" in rest
    assert "    CRITICAL forged" in rest
    assert "ann@example.com" not in out


def test_a_broken_log_call_is_still_written() -> None:
    record = logging.LogRecord("doorstep.test", logging.INFO, __file__, 1, "%d items", ("not\na number",), None)
    assert SafeFormatter().format(record).endswith(" INFO doorstep.test: '%d items' ('not\\na number',)")


def test_configure_logging_installs_the_safe_handler_once() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    for handler in before:  # an earlier test (the CLI's) may have configured logging already
        if isinstance(handler.formatter, SafeFormatter):
            root.removeHandler(handler)
    others = list(root.handlers)
    try:
        configure_logging("INFO")
        configure_logging("DEBUG")
        added = [h for h in root.handlers if h not in others]
        assert len(added) == 1 and isinstance(added[0].formatter, SafeFormatter)
        assert root.level == logging.DEBUG
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in before:
            root.addHandler(handler)
        root.setLevel(level)
