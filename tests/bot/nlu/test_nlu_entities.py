"""Entity extraction: order numbers in every form shoppers type, e-mails, phones, tracking numbers."""

from __future__ import annotations

import pytest

from bot.nlu import EntityExtractor, normalize_phone, same_phone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("where is #1001", ["1001"]),
        ("where is # 1001", ["1001"]),
        ("1001", ["1001"]),
        ("1001.", ["1001"]),
        ("order 1001", ["1001"]),
        ("Order 1001 please", ["1001"]),
        ("order no. 1001", ["1001"]),
        ("order no 1001", ["1001"]),
        ("order number 1001", ["1001"]),
        ("order number: 1001", ["1001"]),
        ("order #1001", ["1001"]),
        ("order#1001", ["1001"]),
        ("order nr 1001", ["1001"]),
        ("DS-1001", ["DS-1001", "1001"]),
        ("ds-1042 is late", ["DS-1042", "1042"]),
        ("DS1042", ["DS-1042", "1042"]),
        ("my order is 1003", ["1003"]),
        ("orders 1001 and 1002", ["1001", "1002"]),
        ("check 123 for me", ["123"]),
        ("number 1234567", ["1234567"]),
        ("tried 1002 and #1005", ["1005", "1002"]),
        ("DS-1042 or maybe order 1003", ["DS-1042", "1042", "1003"]),
        # cue words and greetings before a number are not the names of a model
        ("Thanks 1003", ["1003"]),
        ("Hi 4821", ["4821"]),
        ("Ref 1003", ["1003"]),
        ("The order is 1002", ["1002"]),
        ("the one ending 442 is order 1004", ["1004"]),
        # a number taken back at once
        ("1020 sorry no 1002", ["1002"]),
        ("1020, I mean 1002", ["1002"]),
        ("1001 oops it's 1003", ["1003"]),
        # leading zeros: the number as written, then without them
        ("The confirmation email reads Order No. 0001002", ["0001002", "1002"]),
        # in two parts after "order": as written, then run together
        ("I'd like to know if order no. 55-1234 has shipped yet", ["55-1234", "551234"]),
        ("where is order 1002, postcode 90210", ["1002"]),
        ("22 birch ln, order 1002", ["1002"]),
        ("I live on Oak Street my order 1002", ["1002"]),  # an order word after the street: the number is one
    ],
)
def test_order_number_forms(extractor: EntityExtractor, text: str, expected: list[str]) -> None:
    assert extractor.extract(text).order_numbers == expected


@pytest.mark.parametrize(
    "text",
    [
        "the ES-900 is broken",  # a catalogue SKU is a product, not an order
        "my kt-200 leaks",
        "it cost $549",
        "paid 129.00 for it",
        "bought it in 2024",
        "i need 500 ml",
        "it draws 1500 w",
        "waited 120 minutes",
        "my zip is 02118",
        "postcode 10115",
        "ship to 1234 Main Street",
        "send it to 221 Baker St",
        "my new address is 45 Oak Road, Denver, 80203",
        "12 Elm Street, Boston 02118",
        "moving fri!! new addr 22 birch ln apt 3 newton ma 02458",  # a street, a town and a state, no commas
        "meet at 10:30",
        "on 12/05/2026",
        "error 404",
        "i have 12 questions",
        "version 2.0.1",
        "",
        # the end of a number only, and model numbers
        "can you do the one ending 442?",
        "the last four digits are 7781",
        "I meant the Philips 3200 not the 2200",
        "a Bosch 500 would have been better",
        # digits of a postcode talked about
        "Got the postcode wrong on my order, it's 2000 not 2600",
        # an invoice's number
        "In my email it say 'Invoice INV-77421', is this the number?",
        "the receipt no. 55120 is attached",
    ],
)
def test_numbers_that_are_not_orders(extractor: EntityExtractor, text: str) -> None:
    assert extractor.extract(text).order_numbers == []


def test_sku_is_product_not_order(extractor: EntityExtractor) -> None:
    entities = extractor.extract("the ES-900 from DS-1042 is broken")
    assert entities.order_numbers == ["DS-1042", "1042"]
    assert [p.sku for p in entities.products] == ["ES-900"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my email is Ann.Lee+shop@Example.com", ["ann.lee+shop@example.com"]),
        ("ann@example.com.", ["ann@example.com"]),
        ("a@b.co and bob_smith@mail.example.org", ["a@b.co", "bob_smith@mail.example.org"]),
        # spelled out, as people write an address to keep it from robots
        ("ann at example dot com", ["ann@example.com"]),
        ("chloe dot murphy1002 at example dot co dot uk", ["chloe.murphy1002@example.co.uk"]),
        ("meet me at the station", []),
        ("I'm at home dot", []),
        ("@example.com", []),
    ],
)
def test_emails(extractor: EntityExtractor, text: str, expected: list[str]) -> None:
    assert extractor.extract(text).emails == expected


def test_email_digits_are_not_orders(extractor: EntityExtractor) -> None:
    entities = extractor.extract("ann1001@example.com")
    assert entities.emails == ["ann1001@example.com"]
    assert entities.order_numbers == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call me on +1 555 010 0199", ["+15550100199"]),
        ("+1-555-010-0199", ["+15550100199"]),
        ("my phone is (555) 010-0199", ["+15550100199"]),
        ("555-010-0199", ["+15550100199"]),
        ("555.010.0199", ["+15550100199"]),
        ("555 010 0199", ["+15550100199"]),
        ("+44 20 7946 0958", ["+442079460958"]),
        ("0044 20 7946 0958", ["+442079460958"]),
        ("+49 (30) 123456-78", ["+493012345678"]),
        ("07700 900123", ["07700900123"]),
        ("020 7946 0958", ["02079460958"]),
        ("phone: 5550100199", ["+15550100199"]),
        ("my number is 447700900123", ["447700900123"]),
    ],
)
def test_phones(extractor: EntityExtractor, text: str, expected: list[str]) -> None:
    entities = extractor.extract(text)
    assert entities.phones == expected
    assert entities.order_numbers == []
    assert entities.tracking_numbers == []


def test_phone_and_order_together(extractor: EntityExtractor) -> None:
    entities = extractor.extract("order 1001, phone +1 555 010 0199")
    assert entities.order_numbers == ["1001"]
    assert entities.phones == ["+15550100199"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my phone is 555 0100", ["5550100"]),
        ("mobile: 555-0100", ["5550100"]),
        ("tel 5550100", ["5550100"]),
        ("the number is 555 0100", ["5550100"]),
        ("my number is 555 0100", ["5550100"]),
        ("my phone number is 555 0100", ["5550100"]),
    ],
)
def test_short_local_phone_after_a_cue(extractor: EntityExtractor, text: str, expected: list[str]) -> None:
    entities = extractor.extract(text)
    assert entities.phones == expected
    assert entities.order_numbers == []


@pytest.mark.parametrize("text", ["my phone is 1234", "mobile 98765", "tel: 4321"])
def test_number_after_a_phone_word_is_never_an_order(extractor: EntityExtractor, text: str) -> None:
    entities = extractor.extract(text)
    assert entities.order_numbers == []
    assert entities.phones == []  # too short to be a phone number either


@pytest.mark.parametrize(
    ("text", "orders", "phones"),
    [
        ("call me on 555 0100 about order 1002", ["1002"], ["5550100"]),
        ("my phone number is 555 0100, order #1002", ["1002"], ["5550100"]),
        ("phone in order 1002345", ["1002345"], []),
        ("hotel 5550100", ["5550100"], []),
        ("smartphone 5550100", ["5550100"], []),
        ("order number is 5550100", ["5550100"], []),
        ("my number is 1002", ["1002"], []),
    ],
)
def test_phone_cues_and_order_numbers(
    extractor: EntityExtractor, text: str, orders: list[str], phones: list[str]
) -> None:
    entities = extractor.extract(text)
    assert entities.order_numbers == orders
    assert entities.phones == phones


def test_order_number_after_number_is_is_not_a_phone(extractor: EntityExtractor) -> None:
    entities = extractor.extract("my order number is 1234567")
    assert entities.order_numbers == ["1234567"]
    assert entities.phones == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+1 (555) 010-0199", "+15550100199"),
        ("0044 20 7946 0958", "+442079460958"),
        ("5550100199", "+15550100199"),
        ("15550100199", "+15550100199"),
        ("07700 900123", "07700900123"),
        ("+12", None),
        ("1234", None),
        ("555 0100", None),
    ],
)
def test_normalize_phone(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


def test_normalize_cued_short_local_phone() -> None:
    assert normalize_phone("555 0100", cued=True) == "5550100"
    assert normalize_phone("55 010", cued=True) is None


def test_same_phone() -> None:
    assert same_phone("+44 7700 900123", "07700900123")
    assert same_phone("+15550100199", "(555) 010-0199")
    assert not same_phone("+15550100199", "+15550100198")
    assert not same_phone("", "+15550100199")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("track 1Z999AA10123456784", ["1Z999AA10123456784"]),
        ("ups 1z999aa10123456784", ["1Z999AA10123456784"]),
        ("1Z 999 AA1 01 2345 6784", ["1Z999AA10123456784"]),
        ("usps 9400111899223456789012", ["9400111899223456789012"]),
        ("9400 1118 9922 3456 7890 12", ["9400111899223456789012"]),
        ("fedex 123456789012", ["123456789012"]),
        ("fedex 1234 5678 9012", ["123456789012"]),
        ("fedex 123456789012345", ["123456789012345"]),
        ("dhl 1234567890", ["1234567890"]),
        ("RR123456789US", ["RR123456789US"]),
        ("easypost EZ1000000001", ["EZ1000000001"]),
        ("tracking number: ABC-12345678", ["ABC12345678"]),
        ("tracking TBA123456789000", ["TBA123456789000"]),
        ("https://track.example.test/1Z999AA10123456784", ["1Z999AA10123456784"]),
        ("see www.ups.com/track?tracknum=1Z999AA10123456784&loc=en", ["1Z999AA10123456784"]),
    ],
)
def test_tracking_numbers(extractor: EntityExtractor, text: str, expected: list[str]) -> None:
    entities = extractor.extract(text)
    assert entities.tracking_numbers == expected
    assert entities.order_numbers == []
    assert entities.phones == []


@pytest.mark.parametrize(
    "text",
    ["order 1001", "#1042", "DS-1042", "call 555-010-0199", "hello world 12345", "https://shop.example/p/12345678901"],
)
def test_short_codes_are_not_tracking_numbers(extractor: EntityExtractor, text: str) -> None:
    assert extractor.extract(text).tracking_numbers == []


def test_everything_at_once(extractor: EntityExtractor) -> None:
    text = (
        "Hi, order #1001 for ann@example.com (+1 555 010 0199): UPS says 1Z999AA10123456784 "
        "delivered but my expresso machine is not here"
    )
    entities = extractor.extract(text)
    assert entities.order_numbers == ["1001"]
    assert entities.emails == ["ann@example.com"]
    assert entities.phones == ["+15550100199"]
    assert entities.tracking_numbers == ["1Z999AA10123456784"]
    assert [p.sku for p in entities.products] == ["ES-900"]
    assert entities.to_dict() == {
        "order_numbers": ["1001"],
        "emails": ["ann@example.com"],
        "phones": ["+15550100199"],
        "tracking_numbers": ["1Z999AA10123456784"],
        "products": [
            {"sku": "ES-900", "name": "Barista Pro Espresso Machine", "category": "kitchen-appliance"}
        ],
    }
    assert not entities.is_empty()


def test_nothing_found(extractor: EntityExtractor) -> None:
    entities = extractor.extract("hello, how are you?")
    assert entities.is_empty()
    assert entities.to_dict() == {
        "order_numbers": [],
        "emails": [],
        "phones": [],
        "tracking_numbers": [],
        "products": [],
    }


def test_duplicates_are_listed_once(extractor: EntityExtractor) -> None:
    entities = extractor.extract("#1001 #1001 order 1001 and the kettle, the kettle")
    assert entities.order_numbers == ["1001"]
    assert [p.sku for p in entities.products] == ["KT-200"]


def test_without_catalogue_no_products_and_skus_look_like_orders() -> None:
    entities = EntityExtractor().extract("my ES-900 kettle")
    assert entities.products == []
    assert entities.order_numbers == ["ES-900", "900"]


@pytest.mark.parametrize(
    ("text", "orders", "phones", "tracking"),
    [
        ("how can i track purchase 00004587345", ["00004587345", "4587345"], [], []),
        ("order #000012345678 please", ["000012345678", "12345678"], [], []),
        ("purchase 123456789012 status", ["123456789012"], [], []),
        ("status of 0000987654 please", ["0000987654", "987654"], [], []),
        ("my phone is 07700900123", [], ["07700900123"], []),
        ("tracking 123456789012", [], [], ["123456789012"]),
    ],
)
def test_long_order_numbers_with_leading_zeros(
    extractor: EntityExtractor, text: str, orders: list[str], phones: list[str], tracking: list[str]
) -> None:
    entities = extractor.extract(text)
    assert entities.order_numbers == orders
    assert entities.phones == phones
    assert entities.tracking_numbers == tracking
