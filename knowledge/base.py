"""The loaded knowledge base: articles plus lookups by id, product, intent and policy."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .article import Article
from .errors import ArticleNotFoundError, DuplicateIdError, PolicyNotFoundError
from .policies import RETURN_POLICY_ID, SHIPPING_POLICY_ID, ReturnPolicy, ShippingPolicy


class KnowledgeBase:
    """An immutable set of articles with unique ids (build it with ``load_knowledge_base``).

    Constructing one directly from articles with a repeated id raises ``DuplicateIdError``.
    """

    def __init__(self, articles: Iterable[Article]) -> None:
        self._articles = tuple(articles)
        self._by_id: dict[str, Article] = {}
        self._by_product: dict[str, list[Article]] = {}
        for article in self._articles:
            if article.id in self._by_id:
                raise DuplicateIdError(f"duplicate article id {article.id!r}", path=article.path)
            self._by_id[article.id] = article
            for sku in article.products:
                self._by_product.setdefault(sku.upper(), []).append(article)

    @property
    def articles(self) -> tuple[Article, ...]:
        """All articles, in load order (file path order)."""
        return self._articles

    def __len__(self) -> int:
        return len(self._articles)

    def __iter__(self) -> Iterator[Article]:
        return iter(self._articles)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._by_id

    def get(self, article_id: str) -> Article | None:
        """The article with ``article_id``, or ``None``."""
        return self._by_id.get(article_id)

    def by_id(self, article_id: str) -> Article:
        """The article with ``article_id``; raises ``ArticleNotFoundError`` if there is none."""
        article = self._by_id.get(article_id)
        if article is None:
            raise ArticleNotFoundError(f"no article has id {article_id!r}")
        return article

    def for_product(self, sku: str, kind: str | None = None) -> list[Article]:
        """Articles listing ``sku`` in ``products`` (case-insensitive), optionally only of ``kind``."""
        articles = self._by_product.get(sku.upper(), [])
        return [a for a in articles if kind is None or a.kind == kind]

    def for_intent(self, intent: str) -> list[Article]:
        """Articles tagged with ``intent`` (an ``Intent`` or its name)."""
        return [a for a in self._articles if intent in a.intents]

    def policy(self, name: str) -> Mapping[str, Any]:
        """The ``policy`` mapping of article ``name`` (or ``name + '-policy'``, so ``'return'`` works).

        Raises ``PolicyNotFoundError`` if no such article carries a policy mapping.
        """
        for candidate in (name, f"{name}-policy"):
            article = self._by_id.get(candidate)
            if article is not None and article.policy is not None:
                return article.policy
        raise PolicyNotFoundError(f"no article defines a policy named {name!r}")

    def return_policy(self) -> ReturnPolicy:
        """The typed return policy from the ``return-policy`` article."""
        return ReturnPolicy.from_mapping(self.policy(RETURN_POLICY_ID))

    def shipping_policy(self) -> ShippingPolicy:
        """The typed shipping policy from the ``shipping-policy`` article."""
        return ShippingPolicy.from_mapping(self.policy(SHIPPING_POLICY_ID))
