"""Reading a delivery address typed on one line: ``street, city, postcode[, country]``."""

from __future__ import annotations

import re
from dataclasses import dataclass

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_POSTCODE = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9 -]{1,9}$")
#: "please send it to 5 Oak Lane" -> "5 Oak Lane"
_LEAD_IN = re.compile(r"^.*?\b(?:to|is|at|address|it'?s|its|here'?s|now|new one)\s*:?\s+(?=\d)", re.I)
#: words of a sentence, not of a street or town: "I'm moving house, can I change the address on 1013"
_NOT_AN_ADDRESS = re.compile(
    r"\b(?:i|i'?m|im|i'?ve|me|we'?re|you|can|could|would|should|please|pls|want|need|change|changing|"
    r"address|order|moving|move|thanks|thank)\b",
    re.I,
)
#: at most this many words in a town's name
MAX_CITY_WORDS = 4
#: a British or Canadian postcode, which starts with letters ("NW1 6XE", "K1A 0B1")
_UK_POSTCODE = r"[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}"
_CA_POSTCODE = r"[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d"
_LETTERS_FIRST = _UK_POSTCODE + "|" + _CA_POSTCODE
#: the country a letters-first postcode belongs to, when the address names none
_POSTCODE_COUNTRY = ((re.compile(f"^(?:{_UK_POSTCODE})$"), "GB"), (re.compile(f"^(?:{_CA_POSTCODE})$"), "CA"))
_CITY_POSTCODE = re.compile(
    r"^(?P<city>[^\d]+?)\s+(?P<postcode>\d[\dA-Za-z -]{2,9}|" + _LETTERS_FIRST + r")$"
)
#: countries written out, as the ISO code the order stores
COUNTRY_NAMES = {
    "united kingdom": "GB", "uk": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "united states": "US", "usa": "US", "united states of america": "US", "america": "US", "canada": "CA",
    "ireland": "IE", "germany": "DE", "france": "FR", "spain": "ES", "italy": "IT", "netherlands": "NL",
    "australia": "AU", "new zealand": "NZ", "belgium": "BE", "austria": "AT", "switzerland": "CH",
}


@dataclass(frozen=True, slots=True)
class Address:
    """A delivery address as the order stores it."""

    line1: str
    city: str
    postcode: str
    country: str | None

    def one_line(self) -> str:
        """``12 Elm Street, Boston 02118, US``."""
        country = f", {self.country}" if self.country else ""
        return f"{self.line1}, {self.city} {self.postcode}{country}"


def parse_address(text: str, default_country: str | None = None) -> Address | None:
    """The address in ``text``, or None when street, city and postcode can't all be found.

    Accepts ``12 Elm St, Boston, 02118, US``, ``12 Elm St, Boston 02118``,
    ``Flat 2, 12 Elm St, London, EC1A 1BB, GB`` (extra leading parts join the street),
    ``12 Baker Street, London NW1 6XE`` and a country written out (``..., United Kingdom``).
    """
    parts = [p.strip() for p in re.split(r"[,\n;]", text.strip().rstrip("?.! ")) if p.strip()]
    if len(parts) < 2:
        return None
    country, given = default_country, False
    named = COUNTRY_NAMES.get(parts[-1].lower().removeprefix("the ").strip(".")) if len(parts) >= 3 else None
    if named is not None:
        parts.pop()
        country, given = named, True
    elif len(parts) >= 3 and _COUNTRY.match(parts[-1]):
        country, given = parts.pop().upper(), True
    postcode: str | None = None
    if _POSTCODE.match(parts[-1]) and len(parts) >= 3:
        postcode = parts.pop()
        city = parts.pop()
    else:
        joined = _CITY_POSTCODE.match(parts[-1])
        if joined is None:
            return None
        city, postcode = joined.group("city").strip(), joined.group("postcode").strip()
        parts.pop()
    if not parts or not city or not postcode:
        return None
    line1 = _LEAD_IN.sub("", ", ".join(parts))
    if not any(ch.isalpha() for ch in line1) or len(line1) > 300 or len(city) > 120:
        return None
    if len(city.split()) > MAX_CITY_WORDS or _NOT_AN_ADDRESS.search(city) or _NOT_AN_ADDRESS.search(line1):
        return None
    if not given:  # "London NW1 6XE": a British postcode says the country the order's own doesn't
        country = next((code for pattern, code in _POSTCODE_COUNTRY if pattern.match(postcode)), country)
    return Address(line1=line1, city=city, postcode=postcode.upper(), country=country)
