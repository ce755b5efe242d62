"""Entities in a shopper's message: order numbers, e-mails, phone numbers, tracking numbers, products.

Extraction runs in a fixed order and each step blanks out what it took, so one string is never two
entities: e-mails, then tracking numbers with an unmistakable shape (UPS ``1Z...``, USPS ``9x...``,
``AB123456789US``, cue "tracking ..."), then phone numbers (``+`` / ``00`` international, formatted
national, or digits after a cue like "phone" / "call me on"), then the remaining tracking shapes
(FedEx 12/15 digits, DHL 10 digits, long digit runs, 10-30 letters+digits), and last order numbers.

Order numbers are 3-7 digits or ``PREFIX-digits`` (up to 15 digits after ``#``, "order" or "purchase", or
when padded with zeros); each mention yields candidates, most specific first: "DS-1042" -> ["DS-1042",
"1042"], "#1001" / "order no. 1001" / "1001" -> ["1001"], "00004587345" -> ["00004587345", "4587345"]. SKUs of the catalogue
("ES-900") are products, not orders. Bare numbers that are years, prices, quantities with a unit, times,
street numbers or postcodes (after "zip"/"postcode") are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.nlu.products import ProductMatcher, ProductRef


@dataclass(slots=True)
class Entities:
    """What was found in one message, without duplicates.

    Lists are in order of appearance, except ``order_numbers``: explicit forms ("#1001", "order 1001",
    "DS-1042" with its bare digits right after) come before bare numbers -- try them in this order.
    """

    order_numbers: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    tracking_numbers: list[str] = field(default_factory=list)
    products: list[ProductRef] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON form (products as ``{"sku", "name", "category"}``)."""
        return {
            "order_numbers": list(self.order_numbers),
            "emails": list(self.emails),
            "phones": list(self.phones),
            "tracking_numbers": list(self.tracking_numbers),
            "products": [product.to_dict() for product in self.products],
        }

    def is_empty(self) -> bool:
        """True when nothing at all was found."""
        return not (
            self.order_numbers or self.emails or self.phones or self.tracking_numbers or self.products
        )


_I = re.IGNORECASE
EMAIL = re.compile(r"(?<![\w.+-])[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}", _I)
_URL = re.compile(r"(?:https?://|www\.)\S+", _I)

_TRACKING_CUE = (
    r"(?:tracking|track|trk|waybill|awb|consignment)\s*(?:number|num|no|nr|code|id|#)?\.?\s*[:#]?\s*"
)
TRACKING_STRONG: tuple[re.Pattern[str], ...] = (
    re.compile(r"\b1Z(?:\s?[0-9A-Z]){16}\b", _I),  # UPS
    re.compile(r"\b9[1-5]\d{18,24}\b"),  # USPS
    re.compile(r"\b9[1-5]\d{2}(?: \d{4}){4} \d{2,6}\b"),  # USPS as printed, in groups of four
    re.compile(r"\b[A-Z]{2}\d{9}[A-Z]{2}\b", _I),  # UPU S10 (international post)
    re.compile(_TRACKING_CUE + r"(?P<code>(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{6,33}[A-Z0-9])\b", _I),
)
TRACKING_WEAK: tuple[re.Pattern[str], ...] = (
    re.compile(r"\b\d{4} \d{4} \d{4}\b"),  # FedEx as printed
    re.compile(r"(?<![\d+])\b(?:\d{10}|\d{12}|\d{15}|\d{16,30})\b"),  # DHL / FedEx / long numbers
    re.compile(r"\b(?=[A-Z]*\d)(?=\d*[A-Z])(?=(?:[A-Z]*\d){5})[A-Z0-9]{10,30}\b", _I),  # carrier codes
)

_NOT_A_PHONE_NUMBER = (
    r"(?<!order )(?<!tracking )(?<!track )(?<!reference )(?<!ref )(?<!confirmation )(?<!account )"
)
_PHONE_CUE = (
    r"\b(?:phone|mobile|cell|tel|telephone|whatsapp|sms|call me(?: on| at)?|text me(?: on| at)?|"
    r"reach me(?: on| at)?|my number|" + _NOT_A_PHONE_NUMBER + r"number is)\b"
    r"(?:(?!order|track|#)[^\d+]){0,12}"  # a gap that does not name an order ("phone in order 1002345")
)
PHONES: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?<![\w+])(?:\+|00)\d[\d\s().-]{5,18}\d(?!\d)"),  # international
    re.compile(r"(?<![\w])\(\d{3}\)\s?\d{3}[\s.-]\d{4}\b"),  # (555) 010-0199
    re.compile(r"(?<![\w-])\d{3}[.-]\d{3}[.-]\d{4}\b"),  # 555-010-0199
    re.compile(r"(?<![\w-])\d{3} \d{3} \d{4}\b"),  # 555 010 0199
    re.compile(r"(?<![\w-])0\d{2,4}[\s-]\d{3,4}[\s-]?\d{3,4}\b"),  # 07700 900123, 020 7946 0958
    re.compile(_PHONE_CUE + r"(?P<code>\+?\d[\d\s().-]{5,16}\d)", _I),  # digits after a cue
)

ORDER_CODE = re.compile(r"\b(?P<prefix>[A-Z]{1,4})-?(?P<digits>\d{3,7})\b", _I)
ORDER_HASH = re.compile(r"#\s?(?P<digits>\d{3,15})\b")
ORDER_CUE = re.compile(
    r"\b(?:order|purchase)\s*(?:number|num|no|nr|id|#)?\.?\s*[:#]?\s*(?P<digits>\d{3,15})\b", _I
)
#: an order number in two parts after "order" ("order no. 55-1234"): as written, then its digits run together
ORDER_DASHED = re.compile(
    r"\b(?:order|purchase)\s*(?:number|num|no|nr|id|#)?\.?\s*[:#]?\s*(?P<digits>\d{2,6}-\d{2,8})\b(?!-\d)", _I
)
#: code prefixes of documents other than the order ("INV-77421")
_NOT_ORDER_PREFIXES = frozenset({"INV", "INVOICE", "RMA", "CASE", "TKT", "TICKET", "REF"})
_INVOICE_BEFORE = re.compile(r"\b(?:invoice|receipt|ticket|case|rma|return)\s*(?:number|no|nr|#)?\.?\s*[:#]?\s*$", _I)
#: a postcode talked about: its digits are no order number ("the postcode is wrong, it's 2000 not 2600")
_POSTCODE_TALK = re.compile(r"\b(?:post ?codes?|postal codes?|zip(?: ?codes?)?|pin ?codes?)\b", _I)
#: long order numbers (8-15 digits) padded with zeros ("00004587345"), after "#" or after "order" /
#: "purchase": taken before phones and tracking numbers, which such digit runs would otherwise look like
ORDER_LONG: tuple[re.Pattern[str], ...] = (
    re.compile(r"#\s?(?P<digits>\d{8,15})\b"),
    re.compile(r"\b(?:order|purchase)\s*(?:number|num|no|nr|id|#)?\.?\s*[:#]?\s*(?P<digits>\d{8,15})\b", _I),
    re.compile(r"(?<![\w+#])(?P<digits>00+[1-9]\d{5,12})\b"),
)
ORDER_BARE = re.compile(r"(?<![\w$£€#.,:/+-])(?P<digits>\d{3,7})(?![\w%]|[.,:/-]\d)")
_NOT_ORDER_AFTER = re.compile(
    r"\s*(?:ml|l|mm|cm|m|km|kg|g|lbs?|oz|w|watts?|v|volts?|mah|gb|tb|mb|hz|rpm|dollars?|usd|eur|euros?|"
    r"pounds?|gbp|bucks|%|percent|pm|am|hours?|hrs?|minutes?|mins?|seconds?|secs?|days?|weeks?|months?|"
    r"years?|times|calories|miles?|feet|ft|inch(?:es)?|items?|pieces?|pcs|units?)\b",
    _I,
)
_STREET_AFTER = re.compile(
    r"\s+(?:[a-z]+\s+){0,2}(?:st|street|ave|avenue|road|rd|lane|ln|blvd|boulevard|drive|dr|way|court|ct|"
    r"place|pl|terrace|close|crescent|highway|hwy)\b",
    _I,
)
#: the postcode closing an address: a street, then a town ("45 Oak Road, Denver, 80203")
_ADDRESS_BEFORE = re.compile(
    r"\b(?:st|street|ave|avenue|road|rd|lane|ln|blvd|boulevard|drive|dr|way|court|ct|place|pl|terrace|close|"
    r"crescent|highway|hwy)\b\.?,\s*[a-z][a-z .'-]{1,40},?\s*$|"
    # without commas: "22 birch ln apt 3 newton ma 02458" (a flat, one or two words of town, a state)
    r"\b\d+\s+[a-z]+\s+(?:st|street|ave|avenue|road|rd|lane|ln|blvd|boulevard|drive|dr|way|court|ct|place|pl|"
    r"terrace|crescent)\b\.?(?:\s+(?:apt|apartment|unit|suite|flat)\.?\s*\w+)?"
    r"(?:\s+(?!order\b|number\b|no\b)[a-z]+){1,2}(?:\s+[a-z]{2})?\s*$",
    _I,
)
_NOT_ORDER_BEFORE = re.compile(
    r"(?:zip|zipcode|postcode|postal code|post code|apt|apartment|suite|unit|flat|room|floor|pin|code|"
    r"size|model|error|version|invoice|receipt|ticket|rma|\$|£|€|usd|eur)\s*(?:code|number|no\.?|is|was|:)?\s*$",
    _I,
)

#: a number taken back at once: "1020 sorry no 1002", "1020, I mean 1002"
_CORRECTED = re.compile(
    r"(?<![\w#])(?P<wrong>\d{3,7})\W+(?:(?:sorry|oops|wait|no|nope|i mean|i meant|actually|correction|not that)\W+)+"
    r"(?:(?:it'?s|its|it is)\W+)?#?\d{3,7}\b",
    _I,
)
#: an address spelled out: "chloe dot murphy1002 at example dot com"
_SPELLED_EMAIL = re.compile(
    r"\b[a-z0-9._%+-]+(?:\s+dot\s+[a-z0-9_%+-]+)*\s+at\s+[a-z0-9-]+(?:\s+dot\s+[a-z0-9-]+)*\s+dot\s+[a-z]{2,}\b",
    _I,
)
#: the end of a number only ("the one ending 442", "last 4 digits 7781"): not the whole order number
_PARTIAL_BEFORE = re.compile(
    r"\b(?:ending|ends|end)(?: (?:in|with))?\s*$|\blast (?:\w+ )?(?:digits|numbers)(?: (?:are|is|of it))?\s*:?\s*$", _I
)
#: a model number: right after a capitalised name ("the Philips 3200", "a Bosch 500"), or the model it is
#: set against ("not the 2200"); the cue words and greetings that come before order numbers are no names
_MODEL_BEFORE = re.compile(r"\b(?P<name>[A-Z][a-z]{2,})\s+$")
_NOT_A_NAME = frozenset(
    {"order", "orders", "number", "no", "nr", "ref", "reference", "purchase", "hi", "hello", "hey", "thanks",
     "thank", "sorry", "yes", "yeah", "ok", "okay", "please", "its", "it's", "is", "was", "for", "about", "and",
     "but", "also", "my", "the", "invoice", "receipt", "confirmation", "id", "dear", "re"}
)
_AGAINST_BEFORE = re.compile(r"\b(?:not|instead of|rather than|than) (?:the|a|an)\s*$", _I)

#: a bare number right after a phone word ("my mobile is 0100") is part of a phone number, never an order
_PHONE_BEFORE = re.compile(
    r"\b(?:phone|mobile|cell|tel|telephone|whatsapp|sms)\b\s*(?:number|no\.?|nr|#)?\s*(?:is|was|:)?\s*$", _I
)


def _with_unpadded(digits: str) -> list[str]:
    """The number as written, then without its leading zeros ("0001002" is order 1002 where the shop has none)."""
    unpadded = digits.lstrip("0")
    return [digits, unpadded] if unpadded != digits and len(unpadded) >= 3 else [digits]


def _model_name_before(before: str) -> bool:
    """Whether the text before a number ends with a product or brand name ("the Philips" of "the Philips 3200")."""
    name = _MODEL_BEFORE.search(before)
    return name is not None and name.group("name").lower() not in _NOT_A_NAME


def _add(items: list[str], value: str) -> None:
    if value not in items:
        items.append(value)


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def normalize_phone(raw: str, *, cued: bool = False) -> str | None:
    """Phone number as digits: ``+`` and country code when known (international input, or 10-digit
    North American), national numbers with a trunk ``0`` as typed. None when it is not a phone number.
    ``cued`` (a word like "phone" came before) also accepts 7-15 plain digits (local numbers such as
    "555 0100")."""
    digits = re.sub(r"\D", "", raw)
    stripped = raw.strip()
    if stripped.startswith("+"):
        return "+" + digits if 8 <= len(digits) <= 15 else None
    if stripped.startswith("00"):
        return "+" + digits[2:] if 10 <= len(digits) <= 17 else None
    if len(digits) == 10 and digits[0] in "23456789":
        return "+1" + digits
    if len(digits) == 11 and digits[0] == "1":
        return "+" + digits
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        return digits
    if cued and 7 <= len(digits) <= 15:
        return digits
    return None


def same_phone(a: str, b: str) -> bool:
    """Whether two phone numbers are the same line: equal once normalized, or same last 9 digits."""
    da, db = re.sub(r"\D", "", a), re.sub(r"\D", "", b)
    if not da or not db:
        return False
    return da == db or (min(len(da), len(db)) >= 9 and da[-9:] == db[-9:])


class EntityExtractor:
    """Extracts :class:`Entities` from text; knows the catalogue (for products and to skip SKUs)."""

    def __init__(self, catalogue: Sequence[ProductRef] = (), known_words: Sequence[str] = ()) -> None:
        self._products = ProductMatcher(catalogue, known_words)
        self._skus = frozenset(re.sub(r"[^A-Z0-9]", "", product.sku.upper()) for product in catalogue)

    def extract(self, text: str) -> Entities:
        """All entities in ``text``."""
        entities = Entities()
        links = [(m.start(), m.end()) for m in _URL.finditer(text)]
        if links:  # a pasted tracking link: its carrier-format tracking number counts, nothing else in it does
            only_links = [" "] * len(text)
            for start, end in links:
                only_links[start:end] = re.sub(r"[/?=&#.:_]", " ", text[start:end])
            self._tracking("".join(only_links), entities, TRACKING_STRONG)
        work = _URL.sub(lambda m: " " * len(m.group(0)), text)
        for match in _CORRECTED.finditer(work):  # "1020 sorry no 1002": the number taken back is no entity
            work = _blank(work, match.start("wrong"), match.end("wrong"))
        work = self._emails(self._spelled_emails(work), entities)
        work = self._tracking(work, entities, TRACKING_STRONG)
        long_orders: list[tuple[int, int, list[str]]] = []
        for pattern in ORDER_LONG:
            for match in pattern.finditer(work):
                digits = match.group("digits")
                unpadded = digits.lstrip("0")
                candidates = [digits, unpadded] if unpadded != digits and len(unpadded) >= 3 else [digits]
                long_orders.append((match.start("digits"), 0, candidates))
                work = _blank(work, match.start("digits"), match.end("digits"))
        work = self._phones(work, entities)
        work = self._tracking(work, entities, TRACKING_WEAK)
        self._orders(work, entities, long_orders)
        entities.products = self._products.find(text)
        return entities

    @staticmethod
    def _spelled_emails(work: str) -> str:
        """ "chloe dot murphy at example dot com" written as an address (same length, so positions hold)."""

        def written(match: re.Match[str]) -> str:
            address = re.sub(r"\s+(?:dot|\.)\s+", ".", re.sub(r"\s+at\s+", "@", match.group(0), flags=_I), flags=_I)
            return address + " " * (len(match.group(0)) - len(address))

        return _SPELLED_EMAIL.sub(written, work)

    @staticmethod
    def _emails(work: str, entities: Entities) -> str:
        for match in EMAIL.finditer(work):
            _add(entities.emails, match.group(0).rstrip(".").lower())
            work = _blank(work, match.start(), match.end())
        return work

    @staticmethod
    def _tracking(work: str, entities: Entities, patterns: tuple[re.Pattern[str], ...]) -> str:
        found: list[tuple[int, str]] = []
        for pattern in patterns:
            for match in pattern.finditer(work):
                group = "code" if "code" in pattern.groupindex else 0
                value = re.sub(r"[\s-]", "", match.group(group)).upper()
                if len(value) < 8:
                    continue
                found.append((match.start(group), value))
                work = _blank(work, match.start(group), match.end(group))
        for _, value in sorted(found):
            _add(entities.tracking_numbers, value)
        return work

    @staticmethod
    def _phones(work: str, entities: Entities) -> str:
        found: list[tuple[int, str]] = []
        for pattern in PHONES:
            for match in pattern.finditer(work):
                cued = "code" in pattern.groupindex
                group = "code" if cued else 0
                phone = normalize_phone(match.group(group), cued=cued)
                if phone is None:
                    continue
                found.append((match.start(group), phone))
                work = _blank(work, match.start(group), match.end(group))
        for _, phone in sorted(found):
            _add(entities.phones, phone)
        return work

    def _orders(self, work: str, entities: Entities, found: list[tuple[int, int, list[str]]]) -> None:
        """Order numbers into ``entities``; ``found`` holds those taken earlier (position, rank, candidates),
        explicit forms rank 0."""
        for match in ORDER_CODE.finditer(work):
            prefix, digits = match.group("prefix").upper(), match.group("digits")
            if prefix + digits in self._skus:
                work = _blank(work, match.start(), match.end())
                continue
            if "-" not in match.group(0) and len(digits) < 4:
                continue  # "abc123" is too weak without the hyphen
            if prefix in _NOT_ORDER_PREFIXES or _INVOICE_BEFORE.search(work[: match.start()]):
                work = _blank(work, match.start(), match.end())
                continue  # "Invoice INV-77421": an invoice's number, not the order's
            found.append((match.start(), 0, [f"{prefix}-{digits}", digits]))
            work = _blank(work, match.start(), match.end())
        for match in ORDER_DASHED.finditer(work):  # "order no. 55-1234"
            dashed = match.group("digits")
            found.append((match.start("digits"), 0, [dashed, dashed.replace("-", "")]))
            work = _blank(work, match.start("digits"), match.end("digits"))
        for pattern in (ORDER_HASH, ORDER_CUE):
            for match in pattern.finditer(work):
                found.append((match.start("digits"), 0, _with_unpadded(match.group("digits"))))
                work = _blank(work, match.start("digits"), match.end("digits"))
        only_number = re.fullmatch(r"\s*\d{3,7}\s*[.!?]?\s*", work) is not None
        for match in ORDER_BARE.finditer(work):
            digits = match.group("digits")
            if not only_number and self._not_an_order(work, match, digits):
                continue
            found.append((match.start(), 1, _with_unpadded(digits)))
        for _, _, candidates in sorted(found, key=lambda item: (item[1], item[0])):
            for candidate in candidates:
                _add(entities.order_numbers, candidate)

    @staticmethod
    def _not_an_order(work: str, match: re.Match[str], digits: str) -> bool:
        if len(digits) == 4 and digits[:2] in ("19", "20"):
            return True  # a year
        after = work[match.end() :]
        before = work[: match.start()]
        return bool(
            _POSTCODE_TALK.search(work)
            or _NOT_ORDER_AFTER.match(after)
            or _STREET_AFTER.match(after)
            or _NOT_ORDER_BEFORE.search(before)
            or _ADDRESS_BEFORE.search(before)
            or _PHONE_BEFORE.search(before)
            or re.search(r"[$£€]\s*$", before)
            or _PARTIAL_BEFORE.search(before)
            or _AGAINST_BEFORE.search(before)
            or _model_name_before(before)
        )
