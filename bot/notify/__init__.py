"""Proactive notifications: policy, outbox writer, dispatcher, scheduler and the order timeline.

Flow: ``ingest_events`` (pipeline) applies events and turns journey proposals into outbox rows
through the :mod:`bot.notify.policy`; the :mod:`bot.notify.dispatcher` sends due rows through the
channel senders; the :mod:`bot.notify.scheduler` sweeps for overdue shipments. ``notify_feature``
(:mod:`bot.notify.feature`) wires the dispatcher and scheduler into the app.
"""
