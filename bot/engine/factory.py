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
from bot.nlu import Nlu, build_default_nlu, product_refs
from handlers.context import Knowledge
from knowledge import SearchIndex, default_kb_dir, load_knowledge_base
from storage.store import Store

log = logging.getLogger(__name__)


def load_knowledge(kb_dir: Path | None) -> Knowledge:
    """The knowledge base in ``kb_dir`` (the bundled demo KB when None) and its search index."""
    base = load_knowledge_base(kb_dir or default_kb_dir())
    return Knowledge(base=base, index=SearchIndex.build(base.articles))


def build_nlu() -> Nlu:
    """The NLU trained on the bundled examples, knowing the demo catalogue's products."""
    return build_default_nlu(product_refs(CATALOGUE))


async def build_engine(
    store: Store, settings: Settings, clock: Clock, *, link_verifier: LinkVerifier | None = None
) -> Engine:
    """Load the knowledge base and train the NLU (in worker threads), then create the engine."""
    started = time.perf_counter()
    knowledge, nlu = await asyncio.gather(
        asyncio.to_thread(load_knowledge, settings.kb_dir), asyncio.to_thread(build_nlu)
    )
    log.info(
        "conversation engine ready: %d articles, NLU trained (%.1f s)",
        len(knowledge.base),
        time.perf_counter() - started,
    )
    return Engine(
        store=store,
        nlu=nlu,
        knowledge=knowledge,
        clock=clock,
        link_verifier=link_verifier,
    )
