"""Conversation stories as data: every ``stories/*.yaml`` story runs against the story shop.

A story is a list of steps (``say`` text or ``press`` a payload, ``restart`` the engine,
``advance`` the clock) with expectations on each answer, then expectations on the rows written.
See ``stories/README.md`` for the format.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from bot.engine.engine import EngineResult
from handlers.support import SupportDesk, SupportHours
from storage.models import (
    Case,
    ChannelIdentity,
    Conversation,
    Customer,
    Handoff,
    NotificationPreference,
    Order,
    ReturnRequest,
    TranscriptMessage,
    VerificationAttempt,
)
from tests.handlers.conversation_kit import CHANNEL, DEFAULT_USER, Harness

STORIES_DIR = Path(__file__).parent / "stories"
STORY_KEYS = {"name", "user", "verified_as", "support", "steps", "rows", "notes"}
STEP_KEYS = {"say", "press", "user", "message_id", "expect", "restart", "advance", "attach"}
EXPECT_KEYS = {
    "intent",
    "contains",
    "not_contains",
    "buttons",
    "no_buttons",
    "button_titles",
    "links",
    "no_links",
    "replies",
    "duplicate",
    "state",
}
ROW_KEYS = {
    "cases",
    "handoffs",
    "returns",
    "orders",
    "identity",
    "preferences",
    "verification_failures",
    "hooks",
    "transcript",
}


def _load() -> list[dict[str, Any]]:
    stories: list[dict[str, Any]] = []
    for path in sorted(STORIES_DIR.glob("*.yaml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            story["_file"] = path.name
            stories.append(story)
    return stories


STORIES = _load()


def test_story_names_are_unique_and_plenty() -> None:
    names = [s["name"] for s in STORIES]
    assert len(names) == len(set(names)), "two stories share a name"
    assert len(STORIES) >= 60


def test_stories_use_only_known_keys() -> None:
    for story in STORIES:
        assert set(story) - {"_file"} <= STORY_KEYS, story["name"]
        for step in story["steps"]:
            assert set(step) <= STEP_KEYS, (story["name"], step)
            assert set(step.get("expect") or {}) <= EXPECT_KEYS, (story["name"], step)
        assert set(story.get("rows") or {}) <= ROW_KEYS, story["name"]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


async def _state(kit: Harness, user: str) -> str:
    async with kit.store.transaction() as repos:
        conversation = await repos.conversations.get(channel=CHANNEL, external_id=user)
        return conversation.state if conversation is not None else "none"


async def _check_answer(
    kit: Harness, result: EngineResult, expect: dict[str, Any], user: str, where: str
) -> None:
    text = "\n".join(r.text for r in result.replies)
    low = text.lower()
    payloads = [b.payload for r in result.replies for b in r.buttons]
    titles = [b.title for r in result.replies for b in r.buttons]
    urls = [link.url for r in result.replies for link in r.links]
    shown = f"{where}\n--- replies ---\n{text}\nbuttons={payloads}\nlinks={urls}\nintent={result.intent}"
    if "intent" in expect:
        assert result.intent == expect["intent"], shown
    for needle in _as_list(expect.get("contains")):
        assert str(needle).lower() in low, f"missing {needle!r}\n{shown}"
    for needle in _as_list(expect.get("not_contains")):
        assert str(needle).lower() not in low, f"unexpected {needle!r}\n{shown}"
    for payload in _as_list(expect.get("buttons")):
        assert payload in payloads, f"no button {payload!r}\n{shown}"
    for payload in _as_list(expect.get("no_buttons")):
        assert payload not in payloads, f"unexpected button {payload!r}\n{shown}"
    for title in _as_list(expect.get("button_titles")):
        assert title in titles, f"no button titled {title!r}\n{shown}"
    for url in _as_list(expect.get("links")):
        assert any(str(url) in u for u in urls), f"no link {url!r}\n{shown}"
    if expect.get("no_links") is True:
        assert not urls, shown
    else:  # a list: none of these links
        for url in _as_list(expect.get("no_links")):
            assert not any(str(url) in u for u in urls), f"unexpected link {url!r}\n{shown}"
    if "replies" in expect:
        assert len(result.replies) == expect["replies"], shown
    if "duplicate" in expect:
        assert result.duplicate is expect["duplicate"], shown
    if "state" in expect:
        assert await _state(kit, user) == expect["state"], shown


def _support_desk(spec: dict[str, Any]) -> SupportDesk:
    """The story's ``support`` mapping: staffed, hours, timezone, email, phone (defaults as SupportDesk)."""
    assert set(spec) <= {"staffed", "hours", "timezone", "email", "phone"}, spec
    desk = SupportDesk()
    return SupportDesk(
        hours=SupportHours.parse(spec["hours"]) if "hours" in spec else desk.hours,
        timezone=spec.get("timezone", desk.timezone),
        email=spec.get("email"),
        phone=spec.get("phone"),
        staffed=spec.get("staffed", True),
    )


NEW_ROW_TABLES = {"cases": Case, "handoffs": Handoff, "returns": ReturnRequest}


async def _max_ids(kit: Harness) -> dict[str, int]:
    """The highest id of each table whose story rows are compared (rows seeded before the story are ignored)."""
    async with kit.store.engine.connect() as conn:
        return {
            key: int((await conn.execute(select(func.max(model.id)))).scalar_one() or 0)
            for key, model in NEW_ROW_TABLES.items()
        }


async def _check_rows(
    kit: Harness, rows: dict[str, Any], user: str, name: str, before: dict[str, int]
) -> None:
    async with kit.store.engine.connect() as conn:

        async def all_of(model: Any, *where: Any) -> list[Any]:
            return list((await conn.execute(select(model).where(*where))).mappings())

        async def new_rows(key: str) -> list[Any]:
            model = NEW_ROW_TABLES[key]
            return await all_of(model.__table__, model.id > before[key])

        orders = {r["id"]: r for r in await all_of(Order.__table__)}
        number_of = {oid: r["order_number"] for oid, r in orders.items()}

        if "cases" in rows:
            cases = await new_rows("cases")
            expected = _as_list(rows["cases"])
            assert len(cases) == len(expected), (name, cases)
            for want, got in zip(expected, cases, strict=True):
                assert number_of[got["order_id"]] == str(want["order"]), (name, got)
                assert got["kind"] == want["kind"], (name, got)
                for needle in _as_list(want.get("description_contains")):
                    assert needle.lower() in got["description"].lower(), (name, got)
                if "attachments" in want:
                    assert len(got["attachments"]) == want["attachments"], (name, got)
                if "updates" in want:
                    assert len(got["updates"]) == want["updates"], (name, got)
        if "handoffs" in rows:
            handoffs = await new_rows("handoffs")
            expected = _as_list(rows["handoffs"])
            assert len(handoffs) == len(expected), (name, handoffs)
            for want, got in zip(expected, handoffs, strict=True):
                for needle in _as_list(want.get("reason_contains")):
                    assert needle.lower() in got["reason"].lower(), (name, got["reason"])
                for needle in _as_list(want.get("summary_contains")):
                    assert needle.lower() in got["summary"].lower(), (name, got["summary"])
                if "status" in want:
                    assert got["status"] == want["status"], (name, got["status"])
                if "order" in want:
                    assert number_of.get(got["order_id"]) == (
                        str(want["order"]) if want["order"] else None
                    ), name
        if "returns" in rows:
            returns = await new_rows("returns")
            expected = _as_list(rows["returns"])
            assert len(returns) == len(expected), (name, returns)
            for want, got in zip(expected, returns, strict=True):
                assert number_of[got["order_id"]] == str(want["order"]), (name, got)
                assert sorted(got["skus"]) == sorted(want["skus"]), (name, got)
                assert got["exchange_for"] == want.get("exchange_for"), (name, got)
                for needle in _as_list(want.get("reason_contains")):
                    assert needle.lower() in (got["reason"] or "").lower(), (name, got)
        for number, want in (rows.get("orders") or {}).items():
            order = next(r for r in orders.values() if r["order_number"] == str(number))
            for key, value in want.items():
                assert order[key] == value, (name, number, key, order[key])
        if "identity" in rows:
            want = rows["identity"]
            identity = (await all_of(ChannelIdentity.__table__, ChannelIdentity.external_id == user))[0]
            if "verified" in want:
                assert identity["verified"] is want["verified"], (name, identity)
            if "customer" in want:
                customer = await all_of(Customer.__table__, Customer.id == identity["customer_id"])
                assert customer and customer[0]["email"] == want["customer"], (name, identity)
            if "opted_out" in want:
                assert sorted(identity["opted_out_categories"]) == sorted(want["opted_out"]), (name, identity)
            if "accepted_updates" in want:
                assert identity["accepted_updates"] is want["accepted_updates"], (name, identity)
        if "preferences" in rows:
            want = rows["preferences"]
            customer = (await all_of(Customer.__table__, Customer.email == want["customer"]))[0]
            prefs = await all_of(
                NotificationPreference.__table__, NotificationPreference.customer_id == customer["id"]
            )
            if want.get("absent"):
                assert not prefs, (name, prefs)
            else:
                assert prefs, name
                for key in ("quiet_start", "quiet_end"):
                    if key in want:
                        assert prefs[0][key] == want[key], (name, prefs[0])
                if "opted_out" in want:
                    assert sorted(prefs[0]["opted_out_categories"]) == sorted(want["opted_out"]), (
                        name,
                        prefs[0],
                    )
                if want.get("preferred_is_this_chat"):
                    identity = (await all_of(ChannelIdentity.__table__, ChannelIdentity.external_id == user))[
                        0
                    ]
                    assert prefs[0]["preferred_identity_id"] == identity["id"], (name, prefs[0])
        if "verification_failures" in rows:
            count = (
                await conn.execute(
                    select(func.count())
                    .select_from(VerificationAttempt)
                    .where(VerificationAttempt.external_id == user)
                )
            ).scalar_one()
            assert count == rows["verification_failures"], (name, count)
        if "transcript" in rows:
            conversation = (await all_of(Conversation.__table__, Conversation.external_id == user))[0]
            lines = await all_of(
                TranscriptMessage.__table__, TranscriptMessage.conversation_id == conversation["id"]
            )
            for direction, count in rows["transcript"].items():
                assert sum(1 for line in lines if line["direction"] == direction) == count, (name, direction)
    if "hooks" in rows:
        for key, count in rows["hooks"].items():
            assert len(getattr(kit.hooks, key)) == count, (name, key, getattr(kit.hooks, key))


@pytest.mark.parametrize("story", STORIES, ids=[s["name"] for s in STORIES])
async def test_story(story: dict[str, Any], harness: Harness) -> None:
    from handlers.messages import Attachment

    kit = harness
    if "support" in story:
        kit.support = _support_desk(story["support"])
        await kit.restart()
    default_user = story.get("user", DEFAULT_USER)
    if "verified_as" in story:
        await kit.verify_as(story["verified_as"], default_user)
    before = await _max_ids(kit)
    for number, step in enumerate(story["steps"], start=1):
        where = f"[{story['_file']}] {story['name']} step {number}: {step}"
        if step.get("restart"):
            await kit.restart()
        if "advance" in step:
            kit.clock.advance(timedelta(**step["advance"]))
        if "say" not in step and "press" not in step:
            continue
        assert isinstance(step.get("say", ""), str), (
            f"{where}: quote the text (YAML reads yes/no as booleans)"
        )
        user = step.get("user", default_user)
        attachments = tuple(Attachment(kind="photo", file_id=f) for f in _as_list(step.get("attach")))
        result = await kit.send(
            str(step.get("say", "")),
            payload=step.get("press"),
            user=user,
            message_id=step.get("message_id"),
            attachments=attachments,
        )
        await _check_answer(kit, result, step.get("expect") or {}, user, where)
    await _check_rows(kit, story.get("rows") or {}, default_user, story["name"], before)
