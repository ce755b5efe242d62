"""Text analysis for search: tokenize, drop stop words, stem (a small English suffix stripper)."""

from __future__ import annotations

import re

_TOKEN_RE = re.compile(r"[^\W_]+")
_APOSTROPHE_RE = re.compile(r"['’]")

#: multi-word spellings folded into one search term before tokenizing (group name -> term)
_PHRASE_RE = re.compile(
    r"\b(?:"
    r"(?P<setup>set(?:ting|s)?[\s-]+(?:it\s+|them\s+|this\s+)?up)"
    r"|(?P<wifi>wi-?fi)"
    r"|(?P<email>e-mail)"
    r"|(?P<checkout>check[\s-]+out)"
    r"|(?P<pickup>pick[\s-]+up)"
    r"|(?P<login>log[\s-]?in|sign[\s-]?in)"
    r"|(?P<now>right\s+(?:now|away))"
    r")\b"
)
_LINK_TARGET_RE = re.compile(r"\]\([^)\s]*\)")


def _phrase_term(match: re.Match[str]) -> str:
    return match.lastgroup or match.group(0)


STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before being
    below between both but by can cannot could did didnt do does doesnt doing dont down during each
    few for from further get gets getting got had hadnt has hasnt have havent having he her here hers
    herself him himself his how i id ill im ive if in into is isnt it its itself just let lets me
    more most my myself no nor not now of off on once only or other ought our ours ourselves out
    over own please same shall she should so some such than thank thanks that thats the their
    theirs them themselves then there theres these they this those through to too under until up
    us very want wanted was wasnt we were what whats when where which while who whom why will with
    wont would wouldnt you youd youll your youre yours yourself yourselves hi hello hey ok okay
    cant couldnt wheres hows whos heres whats say says said yet already still really many much
    """.split()
)

#: words of chat messages that say nothing about the topic; dropped from queries only
QUERY_FILLERS = frozenset(
    """
    actually anymore basically guys anything something everything know tell need needed wondering
    wonder trying gonna wanna ago today yesterday tomorrow tonight asap pls plz urgent urgently
    kindly dear sir madam yes yeah hiya
    work works working take takes taking took make makes making go goes going gone went seem seems
    seemed happen happens happened like
    """.split()
)


def stem(word: str) -> str:
    """A light, consistent English stem: ``deliveries``/``delivered``/``delivery`` -> ``deliver``.

    The stems need not be words; they only have to agree across a word's forms.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    w = word
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w.endswith("ly") and len(w) > 5 and w[-3] in "bpkg" and w[-4] not in "aeiouc":
        w = w[:-1]  # "wobbly", "crumbly", "simply": the adjective of "wobble", "crumble", "simple"
    for suffix in ("ation", "ing", "ed", "ly"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and any(c in "aeiouy" for c in w[: -len(suffix)]):
            w = w[: -len(suffix)]
            break
    if len(w) > 3 and w[-1] in "ey":
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiousz":
        w = w[:-1]
    return w


class Analyzer:
    """Turns text into search terms; remembers the stem of every word it has seen (per instance)."""

    def __init__(self) -> None:
        self._stems: dict[str, str] = {}

    def words(self, text: str) -> list[str]:
        """Lower-case words of ``text`` (Markdown link targets dropped, phrases folded, stop words kept)."""
        text = _LINK_TARGET_RE.sub("] ", _APOSTROPHE_RE.sub("", text.casefold()))
        return _TOKEN_RE.findall(_PHRASE_RE.sub(_phrase_term, text))

    def term(self, word: str) -> str:
        """The search term (stem) of one lower-case word."""
        cached = self._stems.get(word)
        if cached is None:
            cached = self._stems[word] = stem(word)
        return cached

    def terms(self, text: str) -> list[str]:
        """Search terms of ``text`` in order, stop words dropped, repeats kept."""
        stems = self._stems
        out: list[str] = []
        for word in self.words(text):
            if word in STOP_WORDS:
                continue
            term = stems.get(word)
            if term is None:
                term = stems[word] = stem(word)
            out.append(term)
        return out
