"""Fixtures for the fakes' own tests."""

from tests.fakes.fixtures import fake_slack, fake_telegram, slack_client, telegram_bot

__all__ = ["fake_slack", "fake_telegram", "slack_client", "telegram_bot"]
