"""Proposals -> policy -> outbox rows and decision log entries, in the caller's transaction."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import datetime

from bot.notify.facts import OrderFacts, load_facts
from bot.notify.policy import Decision, NotificationPolicy, Plan, PolicyOutcome
from handlers.journey.proposals import MessageKind, ProposedMessage
from storage.repositories.outbox import NewDecision
from storage.store import Repositories

log = logging.getLogger(__name__)


async def write_plan(repos: Repositories, plan: Plan, now: datetime) -> set[str]:
    """Write a plan; returns the dedupe keys of the outbox rows actually inserted."""
    if not (plan.new_messages or plan.cancellations or plan.decisions):
        return set()
    rows = plan.new_rows()
    inserted = await repos.outbox.enqueue_many(rows)
    lost = {r.dedupe_key for r in rows} - inserted  # another writer queued the same key first
    existing = {m.id: (m, order_id, reason) for m, order_id, reason in plan.cancellations if m.id is not None}
    decisions = [
        d
        for d in plan.decisions
        if not (d.dedupe_key in lost and d.decision in (Decision.QUEUED, Decision.DEFERRED))
    ]
    if existing:
        done = await repos.outbox.cancel_each(reasons={i: reason for i, (_, _, reason) in existing.items()})
        decisions.extend(
            NewDecision(
                kind=existing[i][0].kind,
                decision=Decision.CANCELLED.value,
                reason=existing[i][2],
                created_at=now,
                order_id=existing[i][1],
                dedupe_key=existing[i][0].dedupe_key,
            )
            for i in done
        )
    await repos.decisions.add_many(decisions)
    return inserted


async def enqueue_proposals(
    repos: Repositories,
    proposals: Sequence[ProposedMessage],
    *,
    now: datetime,
    policy: NotificationPolicy,
    touched_orders: Collection[int] = (),
) -> list[PolicyOutcome]:
    """Run the policy on ``proposals`` and write the outcome; pending messages of ``touched_orders``
    (orders an event changed) that became stale are cancelled first. Outcomes follow ``proposals``."""
    order_ids = list(dict.fromkeys([*touched_orders, *(p.order_id for p in proposals)]))
    if not order_ids:
        return []
    reviews = {p.order_id for p in proposals if p.kind == MessageKind.REVIEW_REQUEST}
    delays = {p.order_id for p in proposals if p.kind == MessageKind.DELAYED}
    facts = await load_facts(
        repos, order_ids, guard_for=reviews, decide_for={p.order_id for p in proposals}, waiting_for=delays
    )
    plan = Plan()
    outcomes = decide_all(policy, facts, proposals, plan, now, touched_orders=touched_orders)
    await write_plan(repos, plan, now)
    return outcomes


def decide_all(
    policy: NotificationPolicy,
    facts: dict[int, OrderFacts],
    proposals: Sequence[ProposedMessage],
    plan: Plan,
    now: datetime,
    *,
    touched_orders: Collection[int] = (),
) -> list[PolicyOutcome]:
    """Supersede stale pending messages of touched orders, then decide every proposal in order."""
    for order_id in dict.fromkeys(touched_orders):
        if order_id in facts:
            policy.supersede_pending(facts[order_id], plan, now)
    outcomes: list[PolicyOutcome] = []
    for proposal in proposals:
        order = facts.get(proposal.order_id)
        if order is None:
            log.warning("proposal %s for unknown order id %s dropped", proposal.kind, proposal.order_id)
            outcomes.append(
                PolicyOutcome(proposal.kind.value, proposal.dedupe_key, Decision.SUPPRESSED, "unknown order")
            )
            continue
        outcomes.append(policy.decide(proposal, order, plan, now))
    return outcomes
