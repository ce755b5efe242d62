"""Help articles: the Markdown + YAML front matter format, its loader, search, and the demo KB.

Typical use::

    kb = load_knowledge_base(default_kb_dir())
    index = SearchIndex.build(kb.articles)
    hits = index.search("how do I descale my espresso machine", products=["ES-900"])
"""

from .article import Article
from .base import KnowledgeBase
from .errors import (
    ArticleNotFoundError,
    BrokenLinkError,
    DuplicateIdError,
    EmptyBodyError,
    FieldTypeError,
    FrontMatterSyntaxError,
    InvalidFieldError,
    KnowledgeDirectoryError,
    KnowledgeError,
    MissingFieldError,
    MissingFrontMatterError,
    MissingStepsError,
    PolicyError,
    PolicyNotFoundError,
    UnknownFieldError,
    UnknownIntentError,
    UnreadableArticleError,
)
from .loader import check_knowledge_base, load_knowledge_base
from .policies import ReturnPolicy, ShippingPolicy
from .resources import default_kb_dir
from .search import SearchConfig, SearchHit, SearchIndex

__all__ = [
    "Article",
    "ArticleNotFoundError",
    "BrokenLinkError",
    "DuplicateIdError",
    "EmptyBodyError",
    "FieldTypeError",
    "FrontMatterSyntaxError",
    "InvalidFieldError",
    "KnowledgeBase",
    "KnowledgeDirectoryError",
    "KnowledgeError",
    "MissingFieldError",
    "MissingFrontMatterError",
    "MissingStepsError",
    "PolicyError",
    "PolicyNotFoundError",
    "ReturnPolicy",
    "SearchConfig",
    "SearchHit",
    "SearchIndex",
    "ShippingPolicy",
    "UnknownFieldError",
    "UnknownIntentError",
    "UnreadableArticleError",
    "check_knowledge_base",
    "default_kb_dir",
    "load_knowledge_base",
]
