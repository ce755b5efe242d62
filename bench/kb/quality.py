"""Search quality on shopper wording: top-1 and top-3 accuracy, doorstep beside bm25s.

The questions in ``bench/kb/questions/`` are written the way shoppers write ("the courier left a
card", "hoover keeps getting stuck under the sofa"), not in the articles' words; each is labelled
with the article id(s) that answer it. ``tuning.jsonl`` is the set the ranking was tuned on (it
includes the first held-out set and a later fresh set, each used up once its figure had been read
while tuning); the bundled articles carry its questions as their example ``questions``, which the
question model (:mod:`knowledge.questions`) is trained on, so its figure says little.

The held-out sets are only ever measured (never tuned on, their misses never printed), each written
from scratch before a round of changes: ``heldout2.jsonl`` before the lexicon's last rounds,
``heldout3.jsonl`` before the question model. Both are reported, and the target is judged on the
two together.

Both engines search the bundled help centre. bm25s gets the very same terms from our analyzer and
the same text (title, tags, products and body), without field weights, lexicon or boosts.

    .venv/bin/python -m bench.kb.quality [--misses]    # --misses lists the tuning set's misses
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s

from knowledge import Article, SearchIndex, default_kb_dir, load_knowledge_base
from knowledge.text import Analyzer

QUESTIONS_DIR = Path(__file__).resolve().parent / "questions"
#: the held-out splits: measured, never tuned on (their misses are never printed)
HELD_OUT = ("heldout2", "heldout3")
SPLITS = ("tuning", *HELD_OUT)
#: what the held-out top-1 accuracy of doorstep's search must reach
TARGET_TOP1 = 0.9

Ranker = Callable[[str], Sequence[str]]


@dataclass(frozen=True, slots=True)
class Question:
    """A shopper's question and the ids of the articles that answer it (any of them is right)."""

    text: str
    articles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Accuracy:
    """Top-1 and top-3 accuracy over ``total`` questions; ``misses`` are (question, top 3 ids)."""

    top1: float
    top3: float
    total: int
    misses: tuple[tuple[Question, tuple[str, ...]], ...]


def load_questions(split: str, *, known: Sequence[str] | None = None) -> list[Question]:
    """The questions of ``split`` (one of :data:`SPLITS`).

    With ``known`` article ids, questions none of whose answers is known are left out (a set may
    name an article a smaller knowledge base lacks).
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")
    questions = []
    for line in (QUESTIONS_DIR / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            questions.append(Question(text=row["text"], articles=tuple(row["articles"])))
    if known is not None:
        ids = set(known)
        questions = [q for q in questions if ids.intersection(q.articles)]
    return questions


def accuracy(questions: Sequence[Question], rank: Ranker) -> Accuracy:
    """How often ``rank`` puts a right article first, and among its first three."""
    top1 = top3 = 0
    misses = []
    for question in questions:
        ranked = tuple(rank(question.text))[:3]
        if ranked[:1] and ranked[0] in question.articles:
            top1 += 1
        else:
            misses.append((question, ranked))
        if any(article_id in question.articles for article_id in ranked):
            top3 += 1
    total = len(questions) or 1
    return Accuracy(top1=top1 / total, top3=top3 / total, total=len(questions), misses=tuple(misses))


def doorstep_ranker(index: SearchIndex) -> Ranker:
    """Article ids from doorstep's search, best first."""
    return lambda text: [hit.article.id for hit in index.search(text, limit=3)]


def bm25s_ranker(articles: Sequence[Article]) -> Ranker:
    """Article ids from bm25s over the same text and the same analyzer terms, best first."""
    analyzer = Analyzer()
    retriever = bm25s.BM25()
    retriever.index(
        [
            analyzer.terms(" ".join((a.title, " ".join(a.tags), " ".join(a.products), a.body)))
            for a in articles
        ],
        show_progress=False,
    )

    def rank(text: str) -> list[str]:
        terms = analyzer.terms(text)
        if not terms:
            return []
        documents, scores = retriever.retrieve([terms], k=min(3, len(articles)), show_progress=False)
        return [articles[int(d)].id for d, s in zip(documents[0], scores[0], strict=True) if s > 0]

    return rank


def measure(articles: Sequence[Article] | None = None) -> dict[str, dict[str, Accuracy]]:
    """``{split: {"doorstep": Accuracy, "bm25s": Accuracy}}`` over ``articles`` (default: bundled)."""
    if articles is None:
        articles = load_knowledge_base(default_kb_dir()).articles
    rankers = {"doorstep": doorstep_ranker(SearchIndex.build(articles)), "bm25s": bm25s_ranker(articles)}
    known = [a.id for a in articles]
    out: dict[str, dict[str, Accuracy]] = {}
    for split in SPLITS:
        questions = load_questions(split, known=known)
        out[split] = {name: accuracy(questions, rank) for name, rank in rankers.items()}
    return out


def pooled(results: Sequence[Accuracy]) -> Accuracy:
    """The accuracy over several question sets taken together."""
    total = sum(result.total for result in results) or 1
    return Accuracy(
        top1=sum(result.top1 * result.total for result in results) / total,
        top3=sum(result.top3 * result.total for result in results) / total,
        total=sum(result.total for result in results),
        misses=tuple(miss for result in results for miss in result.misses),
    )


def report(figures: dict[str, dict[str, Accuracy]]) -> None:
    """Print the figures, held-out first (the ones that count), then both held-out sets together."""
    print("search quality on shopper wording (bundled help centre; right article first / in top 3):")
    for split in (*HELD_OUT, "tuning"):
        by_engine = figures[split]
        total = next(iter(by_engine.values())).total
        label = f"held-out ({split})" if split in HELD_OUT else "tuning (ranking tuned and trained on it)"
        print(f"  {label}, {total} questions:")
        for name, result in by_engine.items():
            print(f"    {name:<9} top-1 {result.top1:.3f}   top-3 {result.top3:.3f}")
    ours = pooled([figures[split]["doorstep"] for split in HELD_OUT])
    peer = pooled([figures[split]["bm25s"] for split in HELD_OUT])
    print(f"  held-out sets together, {ours.total} questions:")
    for name, result in (("doorstep", ours), ("bm25s", peer)):
        print(f"    {name:<9} top-1 {result.top1:.3f}   top-3 {result.top3:.3f}")
    verdict = "OK" if ours.top1 >= TARGET_TOP1 else "BELOW TARGET"
    print(
        f"  held-out top-1: doorstep {ours.top1:.3f} vs bm25s {peer.top1:.3f} "
        f"({ours.top1 - peer.top1:+.3f}); target >= {TARGET_TOP1}: {verdict}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the tuning set's misses")
    args = parser.parse_args(argv)
    figures = measure()
    report(figures)
    if args.misses:
        print("\ntuning misses (question -> expected | got):")
        for question, got in figures["tuning"]["doorstep"].misses:
            print(f"  {question.text!r} -> {','.join(question.articles)} | {', '.join(got)}")


if __name__ == "__main__":
    main()
