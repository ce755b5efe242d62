"""Logs never carry emails or phone numbers in clear."""

from __future__ import annotations

import logging

import pytest

from bot.logs import RedactingFilter, redact


def test_redact_hides_emails_and_phones_but_keeps_ips_dates_and_order_numbers() -> None:
    assert redact("ann.lee@example.com asked") == "<email> asked"
    assert redact("call +1 555 010 0100") == "call <phone>"
    assert redact("(617) 555-0100") == "<phone>"
    kept = "127.0.0.1 2026-11-22 10:22:39 order 1001 tracking 1Z999AA10123456784"
    assert redact(kept) == kept


def test_filter_rewrites_records(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("doorstep.test")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="doorstep.test"):
        logger.info("verification failed for %s", "bo@example.com")
    assert "bo@example.com" not in caplog.text
    assert "verification failed for <email>" in caplog.text
