"""Building an :class:`Engine` with its knowledge base, search index and NLU (server and terminal)."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from bot.clock import Clock
from bot.config import Settings
from bot.demo.catalogue import CATALOGUE
from bot.engine.engine import Engine, LinkVerifier
from bot.nlu import IntentClassifier, Nlu, ProductRef, build_default_nlu, load_classifier, product_refs
from handlers.context import Knowledge
from handlers.support import SupportDesk, SupportHours
from knowledge import SearchIndex, default_kb_dir, load_knowledge_base
from storage.store import Store

log = logging.getLogger(__name__)


def load_knowledge(kb_dir: Path | None) -> Knowledge:
    """The knowledge base in ``kb_dir`` (the bundled demo KB when None) and its search index."""
    base = load_knowledge_base(kb_dir or default_kb_dir())
    return Knowledge(base=base, index=SearchIndex.build(base.articles))


#: at most this many of the shop's own products (from its orders) are taught to the NLU
MAX_STORED_PRODUCTS = 500


def build_nlu() -> Nlu:
    """The NLU trained on the bundled examples, knowing the demo catalogue's products."""
    return build_default_nlu(product_refs(CATALOGUE))


def intent_classifier() -> IntentClassifier:
    """The shipped intent model (``bot/nlu/data/intent_model.bin``, made by ``doorstep nlu train``)."""
    return load_classifier()


async def stored_products(store: Store) -> list[ProductRef]:
    """Products the shop has sold that the demo catalogue does not know (one grouped query)."""
    known = {product.sku for product in CATALOGUE}
    async with store.transaction() as repos:
        rows = await repos.orders.distinct_products(limit=MAX_STORED_PRODUCTS + len(known))
    return [ProductRef(sku, name, category) for sku, name, category in rows if sku not in known][
        :MAX_STORED_PRODUCTS
    ]


def settings_link_verifier(settings: Settings, clock: Clock) -> LinkVerifier:
    """Checks signed link tokens (Telegram ``/start`` deep links, web chat links) with the server secret."""
    from bot.links import verify_link

    def verify(token: str) -> int | None:
        return verify_link(token, settings.secret_key, clock.now())

    return verify


def support_desk(settings: Settings, *, console: bool = False) -> SupportDesk:
    """The support desk the settings describe; staffed when a staff channel is configured: Slack, or
    (``console``) the operator console's handoff inbox, which runs when a login for it is set."""
    return SupportDesk(
        hours=SupportHours.parse(settings.support_hours),
        timezone=settings.shop_timezone,
        email=settings.support_email,
        phone=settings.support_phone,
        staffed=settings.slack_enabled or (console and settings.console_enabled),
    )


async def build_engine(
    store: Store,
    settings: Settings,
    clock: Clock,
    *,
    link_verifier: LinkVerifier | None = None,
    console: bool = False,
) -> Engine:
    """Load the knowledge base and train the NLU (in worker threads), then create the engine.

    ``link_verifier`` defaults to :func:`settings_link_verifier` (signed links of ``bot.links``);
    ``console`` says the operator console (a staff desk) is mounted.
    """
    started = time.perf_counter()
    knowledge, classifier, products = await asyncio.gather(
        asyncio.to_thread(load_knowledge, settings.kb_dir),
        asyncio.to_thread(intent_classifier),
        stored_products(store),
    )
    nlu = Nlu(classifier, [*product_refs(CATALOGUE), *products])
    log.info(
        "conversation engine ready: %d articles, %d extra products, NLU loaded (%.1f s)",
        len(knowledge.base),
        len(products),
        time.perf_counter() - started,
    )
    return Engine(
        store=store,
        nlu=nlu,
        knowledge=knowledge,
        clock=clock,
        link_verifier=link_verifier or settings_link_verifier(settings, clock),
        support=support_desk(settings, console=console),
        disclosure=settings.disclosure_text,
    )
