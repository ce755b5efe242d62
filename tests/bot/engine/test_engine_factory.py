"""build_engine: the knowledge base, the NLU with the shop's own products, the signed-link verifier."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock
from bot.config import Settings
from bot.engine.factory import build_engine, settings_link_verifier
from bot.imports.orders import import_orders
from bot.links import sign_link
from handlers.messages import IncomingMessage
from storage.store import Store
from tests.builders import order_line

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


async def test_products_sold_by_the_shop_are_recognised(sqlite_store: Store, sqlite_url: str) -> None:
    item = {"sku": "ZG-7", "name": "Microplane Zest Grater", "category": "kitchen", "quantity": 1}
    await import_orders(sqlite_store, [json.dumps(order_line("1001", items=[item]))])
    started = time.perf_counter()
    engine = await build_engine(sqlite_store, Settings(database_url=sqlite_url), FakeClock(NOW))
    assert time.perf_counter() - started < 5.0
    understood = engine._nlu.parse("my zest grater is blunt")
    assert [p.sku for p in understood.entities.products] == ["ZG-7"]
    assert len(engine.knowledge.base) >= 40


def test_the_link_verifier_checks_the_server_secret() -> None:
    settings = Settings(secret_key="s3cret-for-tests")
    clock = FakeClock(NOW)
    verify = settings_link_verifier(settings, clock)
    token = sign_link(42, "s3cret-for-tests", NOW + timedelta(hours=1))
    assert verify(token) == 42
    assert verify(sign_link(42, "another-secret", NOW + timedelta(hours=1))) is None
    clock.advance(timedelta(hours=2))
    assert verify(token) is None


async def test_a_signed_link_verifies_through_the_built_engine(sqlite_store: Store, sqlite_url: str) -> None:
    await import_orders(sqlite_store, [json.dumps(order_line("1001"))])
    async with sqlite_store.transaction() as repos:
        customer = await repos.customers.by_email(email="ann@example.com")
    assert customer is not None and customer.id is not None
    settings = Settings(database_url=sqlite_url, secret_key="s3cret-for-tests")
    engine = await build_engine(sqlite_store, settings, FakeClock(NOW))
    token = sign_link(customer.id, "s3cret-for-tests", NOW + timedelta(days=1))
    result = await engine.handle(IncomingMessage(channel="telegram", external_id="77", link_token=token))
    assert result.replies[0].text.startswith(f"{settings.disclosure_text}\n\nThanks, Ann, you're all set")
