"""Fake Telegram Bot API and Slack Web API servers for tests and benchmarks.

`tests.fakes.telegram.FakeTelegram` and `tests.fakes.slack.FakeSlack` serve on 127.0.0.1 so the real
python-telegram-bot and slack_sdk / slack_bolt clients can be driven over HTTP.
"""
