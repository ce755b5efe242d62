"""Messages written in another language than English, the only one doorstep chats in.

The check looks for the short everyday words of the languages shoppers of a European shop write in
most often ("où est ma commande", "wo ist meine Bestellung"): a message counts as written in one of
them when at least two of its words are that language's and English words do not outnumber them.
Each list leaves out words that are also English ("is", "die", "no", "me"), so a typo or a product
name does not make an English message foreign.
"""

from __future__ import annotations

import re

from handlers.messages import Reply
from handlers.wording import HUMAN_BUTTON, MENU_BUTTON

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")

#: common words of each language that English messages do not use
_LANGUAGES: dict[str, frozenset[str]] = {
    "French": frozenset(
        "bonjour salut merci où ou est ma mon mes commande colis livraison je j'ai j’ai pas les des une avec "
        "quand reçu recu suis vous c'est c’est qu'est qu’est mais toujours encore aujourd'hui aujourd’hui "
        "rembourser remboursement retour n'ai n’ai rien s'il s’il plaît plait svp".split()
    ),
    "Spanish": frozenset(
        "hola gracias dónde donde está esta mi pedido paquete cuándo cuando envío envio recibido tengo quiero "
        "por el los las una es qué que todavía todavia llega llegado devolver devolución reembolso "
        "buenos buenas días dias tardes".split()
    ),
    "German": frozenset(
        "hallo guten danke wo ist meine mein bestellung paket wann kommt ich nicht habe der das und "
        "lieferung bitte noch mir sie erhalten zurück zurueck rückgabe geld sendung warum".split()
    ),
    "Italian": frozenset(
        "ciao buongiorno grazie dov'è dov’è il mio ordine pacco quando arriva ho spedizione ancora "
        "ricevuto rimborso reso perché perche".split()
    ),
    "Portuguese": frozenset(
        "olá ola obrigado obrigada onde está meu minha encomenda quando chega não nao recebi ainda "
        "reembolso devolução entrega".split()
    ),
    "Dutch": frozenset(
        "hallo goedemorgen dank bedankt waar mijn bestelling pakket wanneer komt niet ik heb het een "
        "bezorging nog geen terugsturen geld".split()
    ),
}
#: English words that say a message is (also) English
_ENGLISH = frozenset(
    "the my where is it i you to a and of what when how can do please hi hello thanks order parcel package "
    "delivery refund return help with for not yet still did has have was this that".split()
)


def other_language(text: str) -> str | None:
    """The language ``text`` is written in when it is one of the common non-English ones; else None."""
    words = [word.replace("’", "'") for word in _WORD.findall(text.lower())]
    if len(words) < 2:
        return None
    english = sum(word in _ENGLISH for word in words)
    best, hits = None, 0
    for language, vocabulary in _LANGUAGES.items():
        count = sum(word in vocabulary for word in words)
        if count > hits:
            best, hits = language, count
    if best is None or hits < 2 or hits < 2 * english or hits * 5 < len(words) * 2:
        return None
    return best


#: "can you help me in spanish", "do you speak german": a language asked for by name
_LANGUAGE_NAMES = (
    r"(?P<language>spanish|french|german|italian|portuguese|dutch|espa[nñ]ol|fran[cç]ais|deutsch|italiano|"
    r"portugu[eê]s|nederlands)"
)
_ASKED_FOR = re.compile(
    r"\b(?:speak|talk|chat|write|reply|respond|answer|help(?: me| us)?|continue|switch)\b"
    r"(?: to me| with me| me| to you| with you| to u| with u)?"
    r"(?: in| to)? " + _LANGUAGE_NAMES + r"\b|\bin " + _LANGUAGE_NAMES.replace("language", "other")
    + r" (?:please|pls|por favor|bitte|s'?il vous pla[iî]t)\b",
    re.I,
)
#: a language's name in its own words, as English names it
_ENGLISH_NAMES = {
    "espanol": "Spanish", "español": "Spanish", "francais": "French", "français": "French", "deutsch": "German",
    "italiano": "Italian", "portugues": "Portuguese", "português": "Portuguese", "nederlands": "Dutch",
}


def asked_language(text: str) -> str | None:
    """The language the shopper asks to be answered in, by name ("in spanish"), or None."""
    found = _ASKED_FOR.search(text)
    if found is None:
        return None
    name = (found.group("language") or found.group("other")).lower()
    return _ENGLISH_NAMES.get(name, name.capitalize())


def english_only_reply(language: str) -> Reply:
    """What a message in ``language`` gets: the bot chats in English; a person may help."""
    return Reply(
        f"It looks like you wrote in {language}. Sorry, I can only chat in English for now: you can ask me in "
        "English, or a person from our team can help.",
        buttons=[HUMAN_BUTTON, MENU_BUTTON],
    )


def english_only_asked_reply(language: str) -> Reply:
    """What asking for ``language`` by name gets: the bot chats in English; a person may help."""
    return Reply(
        f"Sorry, I can only chat in English for now, not in {language}. A person from our team may be able "
        "to help you in your language.",
        buttons=[HUMAN_BUTTON, MENU_BUTTON],
    )
