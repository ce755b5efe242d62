"""Handoffs to support staff, whatever desk they work at (Slack, the operator console, the API).

:class:`~bot.handoffs.service.HandoffService` is the one place that relays a staff reply to the
shopper, keeps an internal note, claims, resolves and gives a conversation back to the bot; the
desks only translate their requests into its calls and its outcomes into their answers.
"""
