"""Telling a symptom from a setup question, and picking the part of a troubleshooting article that fits.

"The descale light is on", "my router won't connect to wifi" and "it makes a weird smell" describe
something going wrong: they get the product's troubleshooting article, not its setup guide. The
words come from the ``symptom`` concept of the shared shopper lexicon (``knowledge/lexicon.yaml``)
plus a few negated verbs ("doesn't charge", "isn't heating") that the lexicon keeps as phrases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from knowledge.article import Article, shorten
from knowledge.lexicon import Lexicon
from knowledge.markdown import passages
from knowledge.text import Analyzer

_WORD = re.compile(r"[^\W_]+")
_APOSTROPHE = re.compile(r"['’]")
#: "doesn't charge", "is not heating", "can't connect", "stopped spinning", "weird smell" ...
_NEGATED = re.compile(
    r"\b(?:doesnt|does not|dont|do not|didnt|isnt|is not|arent|are not|wont|will not|cant|cannot|can not|"
    r"not|no longer|stopped|stops)\s+(?:\w+\s+)?(?:work|turn|switch|start|connect|heat|boil|charge|pair|power|"
    r"respond|spin|suck|clean|froth|brew|cool|hold|stay|print|play|sync|load|open|close|lock|move)\w*\b"
    r"|\b(?:weird|strange|funny|burning|loud|grinding|rattling|clicking)\s+(?:smell|noise|sound|taste|light)\b",
    re.I,
)
#: signs on the product itself: an error code ("E2", "error 17"), a wrong Wi-Fi password, a flicker,
#: "what does the orange light mean"
_SIGNS = re.compile(
    r"\b(?:e|f|err|error|code)[\s-]?\d{1,3}\b|\b(?:wrong|incorrect|invalid) (?:wi-?fi |network )?password\b|"
    r"\bflicker\w*|\bwhat does (?:the |this |that |a |my )?(?:\w+ ){0,2}(?:light|code|error|message|symbol|icon|"
    r"beeps?|beeping|display|screen|sound)\b.{0,25}\bmean\b|\bsays? (?:error|failed|offline|no signal)\b|"
    r"\b(?:randomly|keeps|keep|just) (?:turn|switch|shut|power)(?:s|ing)? (?:off|down)\b|"
    r"\b(?:packed|packs|packing) (?:in|up)\b|\b(?:gave|given) up\b|\bconked out\b|\bgone kaput\b|"
    r"\bnothing happens\b|\bdoes nothing\b|\bclicks? (?:off|itself off)\b",
    re.I,
)
#: concepts that make a symptom word about the parcel, not the product ("the box is leaking")
_PARCEL_CONCEPTS = frozenset({"damage", "loss", "lateness", "tracking", "arrival", "dispatch", "wrong_item"})
#: words that fit any trouble ("it says wrong password" is not "the temperature reading seems wrong")
WEAK_WORDS = ("wrong", "problem", "issue", "properly", "right", "bad", "say", "says", "show", "shows", "seem", "seems")
WEAK_WEIGHT = 0.5
#: a section of at most this many characters is shown in chat; the link has the rest
SECTION_CHARS = 700


def _words(text: str) -> list[str]:
    return _WORD.findall(_APOSTROPHE.sub("", text.casefold()))


def describes_symptom(text: str, lexicon: Lexicon | None = None) -> bool:
    """Whether the shopper describes something going wrong with a product (not how to set it up)."""
    if not text:
        return False
    concepts = (lexicon or Lexicon.bundled()).concepts(_words(text))
    if "symptom" in concepts:
        return True
    plain = _APOSTROPHE.sub("", text)
    return bool(_NEGATED.search(plain) or _SIGNS.search(plain))


#: "can I get a replacement", "will you repair it", "is it under warranty", "I want my money back"
_REMEDY = re.compile(
    r"\b(?:replacement|replace (?:it|them|this|that|the \w+)|(?:a |another |brand )new one|repair(?:ed|s)?|"
    r"warrant(?:y|ee)|guarantee|money back|refund(?:ed)?|(?:send|get|ship)(?: me| us)? (?:a )?(?:new|replacement|spare) "
    r"(?:base|lid|part|cable|charger|plug|jug|filter|battery|one))\b",
    re.I,
)
#: a product that went wrong in use: "it stopped working", "it's faulty", "broke after 3 months"
_FAULT = re.compile(
    r"\b(?:faulty|defective|broke(?:n)? down|broke|broken|stopped working|stops working|quit working|"
    r"(?:doesn'?t|does not|won'?t|isn'?t|is not) work(?:ing)?|not working|died|dead|packed (?:up|in)|conked out|snapped|"
    r"came off|fell off|fell apart|falling apart|come loose|came loose)\b",
    re.I,
)
#: words of a parcel damaged on the way ("it arrived broken"): a delivery problem, not a fault in use
_ON_ARRIVAL = re.compile(
    r"\b(?:arrived|came|delivered|turned up|in the post|in transit|smashed|cracked|dented|shattered|"
    r"box|packaging|parcel|package)\b",
    re.I,
)


#: things that "don't work" without being a product: codes, the website, payments, the tracking link
_NOT_A_PRODUCT = re.compile(
    r"\b(?:code|coupon|discount|voucher|gift ?card|promo|website|site|app|link|payment|card|checkout|tracking|"
    r"account|password|login)\b",
    re.I,
)


def asks_for_remedy(text: str) -> bool:
    """Whether the shopper asks for a replacement, a repair, a refund or the warranty."""
    return bool(_REMEDY.search(text))


def says_faulty(text: str) -> bool:
    """ "It's faulty", "it stopped working": a fault in use (not damage on arrival, nor a code or a link)."""
    return bool(_FAULT.search(text)) and not _NOT_A_PRODUCT.search(text) and not _ON_ARRIVAL.search(text)


def faulty_and_wants_remedy(text: str) -> bool:
    """ "My kettle stopped working, I want a replacement": a fault in use and a remedy asked for (a
    warranty claim), not damage on arrival."""
    if _NOT_A_PRODUCT.search(text):  # "the discount code doesn't work, refund the difference"
        return False
    return bool(_FAULT.search(text)) and asks_for_remedy(text) and not _ON_ARRIVAL.search(text)


def about_the_parcel(text: str, lexicon: Lexicon | None = None) -> bool:
    """Whether the words are about a delivery (damage, loss, lateness, tracking) rather than a product."""
    concepts = (lexicon or Lexicon.bundled()).concepts(_words(text))
    return any(concept in _PARCEL_CONCEPTS for concept in concepts)


@dataclass(frozen=True, slots=True)
class Section:
    """One heading of an article and the plain text under it."""

    heading: str
    lines: tuple[str, ...]

    def text(self, max_chars: int = SECTION_CHARS) -> str:
        """The section's passages, one per line, cut to ``max_chars``."""
        return shorten("\n".join(self.lines), max_chars)


@cache
def _analyzer() -> Analyzer:
    return Analyzer()


def sections(article: Article) -> list[Section]:
    """The article's sections in order (passages grouped by the heading they sit under)."""
    found: list[Section] = []
    heading: str | None = None
    lines: list[str] = []
    for passage in passages(article.body):
        if passage.heading != heading:
            if heading is not None and lines:
                found.append(Section(heading, tuple(lines)))
            heading, lines = passage.heading, []
        lines.append(passage.text)
    if heading is not None and lines:
        found.append(Section(heading, tuple(lines)))
    return found


def best_section(article: Article, symptom: str, product_name: str | None = None) -> Section | None:
    """The section whose heading and text share the most words with the symptom, or None.

    Words of the product's name (default: the article's title), and of the words the shopper named
    its kind with ("coffee machine": a product type of the lexicon), say nothing about the symptom and
    are left out. A word in the heading counts twice: headings name the symptom ("The display shows
    E1"). A symptom word of the lexicon ("leaks", "beeping") counts once more than a plain word
    ("water"); a word that fits any trouble (:data:`WEAK_WORDS`: "wrong", "problem") counts half.
    A section must share a heading word or two words of its text to count.
    """
    analyzer = _analyzer()
    found = sections(article)
    # a word of the name that a heading names is a feature ("Noise cancelling" of the noise-cancelling headphones)
    headed = {term for section in found for term in analyzer.terms(section.heading)}
    naming = (set(analyzer.terms(product_name or article.title)) - headed) | _product_type_terms(symptom, analyzer)
    wanted = set(analyzer.terms(symptom)) - naming
    if not wanted:
        return None
    telling = _symptom_terms(symptom, analyzer) & wanted
    weak = _weak_terms(analyzer)

    def weight(terms: set[str]) -> float:
        return sum(WEAK_WEIGHT if term in weak else 1.0 for term in terms)

    best: Section | None = None
    best_score = 1.0
    for section in found:
        heading_terms = set(analyzer.terms(section.heading))
        body_terms = set(analyzer.terms(" ".join(section.lines))) - heading_terms
        in_heading, in_body = wanted & heading_terms, wanted & body_terms
        score = 2 * weight(in_heading) + weight(in_body) + len(telling & (in_heading | in_body))
        if score > best_score and (in_heading or len(in_body) >= 2):
            best, best_score = section, score
    return best


@cache
def _weak_terms(analyzer: Analyzer) -> frozenset[str]:
    return frozenset(term for word in WEAK_WORDS for term in analyzer.terms(word))


def section_of_passage(article: Article, passage: str, question: str, product_name: str | None = None) -> Section | None:
    """The section of ``article`` holding ``passage`` (a search hit's snippet), when the passage itself
    shares a word with ``question`` beyond the words naming the product; else None.

    A search ranks whole articles, so a product's guide can score high on the product's name alone
    while its best passage is unrelated; the shared words are what make the passage an answer, so they
    must be more than half of the question's words beyond the product's name.
    """
    analyzer = _analyzer()
    naming = set(analyzer.terms(product_name or article.title)) | _product_type_terms(question, analyzer)
    wanted = set(analyzer.terms(question)) - naming
    shared = wanted & set(analyzer.terms(passage))
    if not shared or (2 * len(shared) <= len(wanted) and len(wanted) > 1):
        return None  # "make the desk remember my height" is not answered by a passage saying only "height"
    head = passage.strip()[:60]
    return next((section for section in sections(article) if any(head in line for line in section.lines)), None)


def _product_type_terms(text: str, analyzer: Analyzer) -> set[str]:
    """The search terms of the phrases of ``text`` that name a kind of product ("coffee machine")."""
    lexicon = Lexicon.bundled()
    types = lexicon.product_types
    return {term for match in lexicon.matches(_words(text)) if match.concept in types for term in analyzer.terms(match.phrase)}


def _symptom_terms(text: str, analyzer: Analyzer) -> set[str]:
    """The search terms of the words and phrases of ``text`` that the lexicon calls symptoms."""
    lexicon = Lexicon.bundled()
    matches = lexicon.matches(_words(text))
    return {term for match in matches if match.concept == "symptom" for term in analyzer.terms(match.phrase)}
