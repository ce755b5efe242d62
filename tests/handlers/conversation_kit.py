"""A fixed shop and a harness for conversation tests: stories, handler and engine tests share it.

The shop's orders are dated around ``TODAY`` (Monday 23 November 2026) and cover every state a
shopper asks about. Each test gets its own copy of a SQLite file seeded once per session, a
FakeClock at 15:00 UTC on ``TODAY``, the real NLU and the bundled knowledge base.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.engine.engine import Engine, EngineResult
from bot.engine.factory import build_nlu, load_knowledge
from bot.imports.orders import import_orders
from bot.nlu import Nlu
from handlers.context import HandlerContext, Knowledge, OrderNeed, Outcome
from handlers.messages import Attachment, IncomingMessage
from handlers.registry import default_handlers
from handlers.support import SupportDesk
from storage.migrate import upgrade
from storage.store import Store
from tests.builders import order_line

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
DEFAULT_USER = "shopper-1"
CHANNEL = "rest"


def _item(sku: str, name: str, category: str, requires_setup: bool = False) -> dict[str, Any]:
    return {"sku": sku, "name": name, "category": category, "quantity": 1, "requires_setup": requires_setup}


KETTLE = _item("KT-200", "Kettle Pro 200", "kitchen-appliance", True)
ESPRESSO = _item("ES-900", "Barista Pro Espresso Machine", "kitchen-appliance", True)
MUGS = _item("MG-12", "Stoneware Mug Set of 4", "homeware")
DESK = _item("SD-140", "LiftDesk Standing Desk 140", "furniture", True)
GIFT_CARD = _item("GC-50", "Gift Card 50", "gift-card")
SHIRT = _item("TS-01", "Organic Cotton T-Shirt", "apparel")
THERMOSTAT = _item("TH-100", "HomeSense Smart Thermostat", "smart-home", True)
VACUUM = _item("VC-800", "RoboClean 800 Robot Vacuum", "home-appliance", True)
CAMERA = _item("CM-20", "SecureView Indoor Camera", "smart-home", True)
ROUTER = _item("RT-600", "MeshLink Wi-Fi 6 Router", "networking", True)
JACKET = _item("JK-22", "TrailShell Rain Jacket", "apparel")
SHOES = _item("SN-42", "CloudRun Running Shoes", "footwear")
HEADPHONES = _item("HP-70", "QuietTone Noise-Cancelling Headphones", "audio")
SPEAKER = _item("SP-10", "AuraSound Smart Speaker", "audio", True)
CHAIR = _item("CH-50", "ErgoSeat Office Chair", "furniture", True)
BLENDER = _item("BL-300", "PowerBlend 300 Blender", "kitchen-appliance")


def _ship(
    number: str,
    status: str,
    items: list[dict[str, Any]],
    *,
    carrier: str = "UPS",
    eta: str | None = None,
    promised_by: str | None = None,
    shipped_at: str = "2026-11-20T09:00:00Z",
    delivered_at: str | None = None,
    suffix: str = "",
) -> dict[str, Any]:
    tracking = f"1Z999AA1{int(number):010d}{suffix}"
    return {
        "carrier": carrier,
        "tracking_number": tracking,
        "tracking_url": f"https://track.example.test/{tracking}",
        "status": status,
        "eta": eta,
        "promised_by": promised_by,
        "shipped_at": shipped_at,
        "delivered_at": delivered_at,
        "skus": [i["sku"] for i in items],
    }


def _order(
    number: str,
    email: str,
    phone: str | None,
    items: list[dict[str, Any]],
    shipments: list[dict[str, Any]],
    *,
    placed_at: str = "2026-11-19T14:00:00Z",
    timezone: str = "America/New_York",
    **extra: Any,
) -> dict[str, Any]:
    line = order_line(
        number, email=email, phone=phone, items=items, placed_at=placed_at, timezone=timezone, **extra
    )
    line["shipments"] = shipments
    line["customer"]["name"] = email.split("@")[0].capitalize() + " Tester"
    return line


ANN, BOB, CARLA, DEV, ELIF, FARAH = (
    "ann@example.com",
    "bob@example.com",
    "carla@example.com",
    "dev@example.com",
    "elif@example.com",
    "farah@example.com",
)
GUS = "gus@example.com"


def shop_orders() -> list[dict[str, Any]]:
    """The story shop: order number -> state is listed in tests/handlers/stories/README.md."""
    return [
        # Ann: one on its way, one delivered (returnable), one not shipped yet
        _order(
            "1001",
            ANN,
            "+1 617 555 0100",
            [KETTLE],
            [_ship("1001", "in_transit", [KETTLE], eta="2026-11-25", promised_by="2026-11-26")],
        ),
        _order(
            "1002",
            ANN,
            "+1 617 555 0100",
            [ESPRESSO, MUGS],
            [
                _ship(
                    "1002",
                    "delivered",
                    [ESPRESSO, MUGS],
                    eta="2026-11-22",
                    promised_by="2026-11-23",
                    delivered_at="2026-11-22T15:00:00Z",
                )
            ],
            placed_at="2026-11-17T10:00:00Z",
        ),
        _order(
            "1003",
            ANN,
            "+1 617 555 0100",
            [DESK],
            [],
            placed_at="2026-11-22T18:00:00Z",
            expected_ship_date="2026-11-24",
        ),
        # Bob: a late parcel, and an old order (window closed, gift card)
        _order(
            "1004",
            BOB,
            "+44 7700 900123",
            [ROUTER],
            [
                _ship(
                    "1004",
                    "in_transit",
                    [ROUTER],
                    carrier="DHL",
                    eta="2026-11-25",
                    promised_by="2026-11-21",
                    shipped_at="2026-11-16T09:00:00Z",
                )
            ],
            timezone="Europe/London",
        ),
        _order(
            "1005",
            BOB,
            "+44 7700 900123",
            [GIFT_CARD, SHIRT],
            [
                _ship(
                    "1005",
                    "delivered",
                    [GIFT_CARD, SHIRT],
                    eta="2026-09-01",
                    promised_by="2026-09-02",
                    shipped_at="2026-08-29T09:00:00Z",
                    delivered_at="2026-09-01T12:00:00Z",
                )
            ],
            placed_at="2026-08-28T10:00:00Z",
            timezone="Europe/London",
        ),
        # Carla: cancelled and refunded; backordered
        _order("1006", CARLA, "+1 555 0300", [BLENDER], [], status="cancelled", refund_status="issued"),
        _order(
            "1007",
            CARLA,
            "+1 555 0300",
            [THERMOSTAT],
            [],
            placed_at="2026-11-20T10:00:00Z",
            backordered_until="2026-12-05",
            expected_ship_date="2026-12-05",
        ),
        # Dev: two parcels (one delivered, one travelling); a lost parcel
        _order(
            "1008",
            DEV,
            "+1 555 0400",
            [VACUUM, CAMERA],
            [
                _ship(
                    "1008",
                    "delivered",
                    [VACUUM],
                    eta="2026-11-22",
                    delivered_at="2026-11-22T13:00:00Z",
                    suffix="A",
                ),
                _ship(
                    "1008",
                    "in_transit",
                    [CAMERA],
                    carrier="FedEx",
                    eta="2026-11-25",
                    promised_by="2026-11-26",
                    shipped_at="2026-11-22T09:00:00Z",
                    suffix="B",
                ),
            ],
        ),
        _order(
            "1009",
            DEV,
            "+1 555 0400",
            [SPEAKER],
            [
                _ship(
                    "1009",
                    "lost",
                    [SPEAKER],
                    eta="2026-11-20",
                    promised_by="2026-11-21",
                    shipped_at="2026-11-15T09:00:00Z",
                )
            ],
        ),
        # Elif: out for delivery; refund pending; a return already under way
        _order(
            "1010",
            ELIF,
            "+1 555 0500",
            [CHAIR],
            [_ship("1010", "out_for_delivery", [CHAIR], eta="2026-11-23", promised_by="2026-11-24")],
        ),
        _order(
            "1011",
            ELIF,
            "+1 555 0500",
            [JACKET],
            [
                _ship(
                    "1011",
                    "delivered",
                    [JACKET],
                    eta="2026-11-15",
                    delivered_at="2026-11-15T12:00:00Z",
                    shipped_at="2026-11-12T09:00:00Z",
                )
            ],
            placed_at="2026-11-10T10:00:00Z",
            refund_status="pending",
        ),
        _order(
            "1012",
            ELIF,
            "+1 555 0500",
            [SHOES],
            [
                _ship(
                    "1012",
                    "delivered",
                    [SHOES],
                    eta="2026-11-10",
                    delivered_at="2026-11-10T12:00:00Z",
                    shipped_at="2026-11-07T09:00:00Z",
                )
            ],
            placed_at="2026-11-05T10:00:00Z",
        ),
        # Farah: the carrier's trouble states, and a parcel "delivered" days ago
        _order(
            "1013",
            FARAH,
            "+1 555 0600",
            [BLENDER],
            [_ship("1013", "exception", [BLENDER], eta="2026-11-24", promised_by="2026-11-25")],
        ),
        _order(
            "1014",
            FARAH,
            "+1 555 0600",
            [MUGS],
            [_ship("1014", "available_for_pickup", [MUGS], eta="2026-11-22", promised_by="2026-11-24")],
        ),
        _order(
            "1015",
            FARAH,
            "+1 555 0600",
            [SHIRT],
            [_ship("1015", "attempt_failed", [SHIRT], eta="2026-11-23", promised_by="2026-11-24")],
        ),
        _order(
            "1016",
            FARAH,
            "+1 555 0600",
            [HEADPHONES],
            [_ship("1016", "returned_to_sender", [HEADPHONES], eta="2026-11-21", promised_by="2026-11-22")],
        ),
        _order(
            "1017",
            FARAH,
            "+1 555 0600",
            [HEADPHONES],
            [
                _ship(
                    "1017",
                    "delivered",
                    [HEADPHONES],
                    eta="2026-11-19",
                    delivered_at="2026-11-19T16:00:00Z",
                    shipped_at="2026-11-16T09:00:00Z",
                )
            ],
            placed_at="2026-11-15T10:00:00Z",
        ),
        # Gus: two items, not shipped yet (cancelling only some of them)
        _order(
            "1018",
            GUS,
            "+1 555 0700",
            [KETTLE, BLENDER],
            [],
            placed_at="2026-11-23T09:00:00Z",
            expected_ship_date="2026-11-24",
        ),
    ]


async def seed_shop(url: str) -> None:
    """Migrate ``url`` and load the shop, plus a last scan on 1001 and a return on 1012."""
    await upgrade(url)
    async with Store(url) as store:
        report = await import_orders(store, [json.dumps(line) for line in shop_orders()])
        assert report.rejected == 0, report.errors
        async with store.transaction() as repos:
            shipment = await repos.orders.shipment_by_tracking(tracking_number="1Z999AA10000001001")
            assert shipment is not None and shipment.id is not None
            await repos.orders.update_shipment(
                shipment_id=shipment.id,
                location="Hartford, CT",
                event_at=datetime(2026, 11, 23, 11, 12, tzinfo=UTC),
            )
            order = await repos.orders.by_number(order_number="1012")
            assert order is not None and order.id is not None
            await repos.returns.create(
                order_id=order.id, customer_id=order.customer_id, skus=["SN-42"], reason="Too small"
            )


@cache
def shared_nlu() -> Nlu:
    """The real NLU, trained once per test session."""
    return build_nlu()


@cache
def shared_knowledge() -> Knowledge:
    """The bundled knowledge base and its index, loaded once per test session."""
    return load_knowledge(None)


@dataclass
class RecordingHooks:
    """Engine hooks that remember what they were told (the channel side of the contract)."""

    handoffs_created: list[int] = field(default_factory=list)
    during_handoff: list[tuple[int, str]] = field(default_factory=list)
    verified: list[tuple[str, str, int]] = field(default_factory=list)
    handoffs_left: list[int] = field(default_factory=list)

    async def on_handoff_created(self, handoff_id: int) -> None:
        self.handoffs_created.append(handoff_id)

    async def on_message_during_handoff(self, handoff_id: int, message: IncomingMessage) -> None:
        self.during_handoff.append((handoff_id, message.text or message.payload or ""))

    async def on_identity_verified(self, channel: str, external_id: str, customer_id: int) -> None:
        self.verified.append((channel, external_id, customer_id))

    async def on_handoff_left(self, handoff_id: int) -> None:
        self.handoffs_left.append(handoff_id)


class Harness:
    """An engine over a private copy of the shop database, with a fake clock and recording hooks."""

    def __init__(self, url: str, *, link_verifier: Any = None) -> None:
        self.url = url
        self.clock = FakeClock(NOW)
        self.hooks = RecordingHooks()
        self.store = Store(url)
        self.link_verifier = link_verifier
        #: the support desk the engine is told about (staffed, Mon-Fri 09:00-17:00 UTC by default)
        self.support = SupportDesk()
        self.engine = self._new_engine()
        self._sent = 0

    def _new_engine(self) -> Engine:
        engine = Engine(
            store=self.store,
            nlu=shared_nlu(),
            knowledge=shared_knowledge(),
            clock=self.clock,
            link_verifier=self.link_verifier,
            support=self.support,
        )
        engine.add_hooks(self.hooks)
        return engine

    async def restart(self) -> None:
        """Drop the engine and its store, as a process restart would, and start new ones on the same file."""
        await self.store.aclose()
        self.store = Store(self.url)
        self.engine = self._new_engine()

    async def send(
        self,
        text: str = "",
        *,
        payload: str | None = None,
        user: str = DEFAULT_USER,
        message_id: str | None = None,
        attachments: tuple[Attachment, ...] = (),
        link_token: str | None = None,
    ) -> EngineResult:
        """One shopper message through the engine."""
        self._sent += 1
        return await self.engine.handle(
            IncomingMessage(
                channel=CHANNEL,
                external_id=user,
                text=text,
                payload=payload,
                message_id=message_id or f"m{self._sent}",
                attachments=attachments,
                link_token=link_token,
            )
        )

    async def verify_as(self, email: str, user: str = DEFAULT_USER) -> int:
        """Link the chat identity to the customer with ``email`` (as a signed link would)."""
        async with self.store.transaction() as repos:
            customer = await repos.customers.by_email(email=email)
            assert customer is not None and customer.id is not None
            identity = await repos.identities.get_or_create(channel=CHANNEL, external_id=user)
            assert identity.id is not None
            await repos.identities.link(identity_id=identity.id, customer_id=customer.id, at=NOW)
            return customer.id


def text_of(result: EngineResult) -> str:
    """All reply texts of a result, joined."""
    return "\n".join(reply.text for reply in result.replies)


def payloads_of(result: EngineResult) -> list[str]:
    """Every button payload of a result."""
    return [button.payload for reply in result.replies for button in reply.buttons]


def _seed_template(directory: Path) -> Path:
    path = directory / "shop.db"
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, seed_shop(f"sqlite+aiosqlite:///{path}")).result()
    return path


@pytest.fixture(scope="session")
def shop_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the shop loaded, made once per session."""
    return _seed_template(tmp_path_factory.mktemp("shop"))


@pytest.fixture
async def harness(shop_template: Path, tmp_path: Path) -> AsyncIterator[Harness]:
    """A fresh copy of the shop and an engine on it."""
    path = tmp_path / "shop.db"
    shutil.copyfile(shop_template, path)
    kit = Harness(f"sqlite+aiosqlite:///{path}")
    yield kit
    await kit.store.aclose()


async def handler_context(
    kit: Harness,
    repos: Any,
    *,
    text: str = "",
    payload: str | None = None,
    intent: str | None = None,
    order_number: str | None = None,
    verified_as: str | None = None,
    step: str | None = None,
    data: dict[str, Any] | None = None,
    products: tuple[Any, ...] = (),
    attachments: tuple[Attachment, ...] = (),
    user: str = DEFAULT_USER,
) -> Any:
    """A HandlerContext for calling one handler directly, inside ``repos``' transaction."""
    from handlers.context import HandlerContext, Understanding

    identity = await repos.identities.get_or_create(channel=CHANNEL, external_id=user)
    conversation = await repos.conversations.get_or_create(channel=CHANNEL, external_id=user)
    customer_id = customer_name = None
    if verified_as is not None:
        customer = await repos.customers.by_email(email=verified_as)
        customer_id, customer_name = customer.id, customer.name
    order = await repos.orders.details_by_number(order_number=order_number) if order_number else None
    return HandlerContext(
        repos=repos,
        knowledge=shared_knowledge(),
        clock=kit.clock,
        channel=CHANNEL,
        external_id=user,
        identity_id=identity.id,
        conversation_id=conversation.id,
        understanding=Understanding(
            text=text,
            payload=payload,
            intent=intent,
            confidence=1.0,
            products=products,
            attachments=attachments,
        ),
        customer_id=customer_id,
        customer_name=customer_name,
        order=order,
        step=step,
        data=dict(data or {}),
    )


class RacingHandler:
    """A greeting handler that, the first ``races`` times, lets another writer bump the conversation."""

    name = "greeting"
    intents = ("greeting",)
    payload_prefixes: tuple[str, ...] = ()

    def __init__(self, url: str, races: int) -> None:
        self.url = url
        self.races = races
        self.calls = 0

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        return OrderNeed.NONE

    async def handle(self, ctx: HandlerContext) -> Outcome:
        self.calls += 1
        if self.calls <= self.races:
            async with Store(self.url) as other, other.transaction() as repos:
                row = await repos.conversations.by_id(conversation_id=ctx.conversation_id)
                assert row is not None
                await repos.conversations.save(
                    conversation_id=ctx.conversation_id,
                    expected_version=row.version,
                    state="idle",
                    slots=row.slots,
                )
        return Outcome.say(f"hello #{self.calls}")


def engine_with(kit: Harness, handler: Any) -> Engine:
    """An engine on the harness store with ``handler`` in place of the default of the same name."""
    handlers = [h for h in default_handlers() if h.name != handler.name] + [handler]
    return Engine(
        store=kit.store, nlu=shared_nlu(), knowledge=shared_knowledge(), clock=kit.clock, handlers=handlers
    )
