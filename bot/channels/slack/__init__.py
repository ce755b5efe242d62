"""Slack for support staff: handoff threads, staff replies relayed to shoppers, slash commands, alerts.

``slack_feature`` (in :mod:`bot.channels.slack.feature`) mounts slack_bolt's AsyncApp at
``POST /slack/events`` inside the doorstep aiohttp app. Running objects live under the
``SLACK`` (:class:`~bot.channels.slack.feature.SlackChannel`) and ``SLACK_ALERTS``
(:class:`~bot.channels.slack.alerts.SlackAlerts`) app keys.
"""
