"""Deterministic synthetic help articles for benchmarks (a large shop's help centre, made up).

``generate_articles(n, seed)`` returns ``n`` articles whose vocabulary mixes what real help
centres are made of: setup guides with numbered steps, troubleshooting pages, FAQs and order,
delivery and returns policies for regions and carriers, about a few hundred made-up products.
The same ``(n, seed)`` always gives the same articles.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from storage.domain import Intent

from .article import Article

_BASE_URL = "https://help.doorstep-demo.shop/articles/"

#: (product type, category, components)
_PRODUCT_TYPES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "air purifier",
        "home-appliance",
        ("HEPA filter", "pre-filter", "fan", "air quality sensor", "touch panel"),
    ),
    ("coffee grinder", "kitchen-appliance", ("burr set", "hopper", "grind dial", "dosing cup", "motor")),
    (
        "toaster oven",
        "kitchen-appliance",
        ("crumb tray", "heating element", "timer dial", "wire rack", "door"),
    ),
    ("rice cooker", "kitchen-appliance", ("inner pot", "steam vent", "lid gasket", "keep-warm switch")),
    ("stand mixer", "kitchen-appliance", ("mixing bowl", "dough hook", "speed dial", "tilt head", "whisk")),
    ("food processor", "kitchen-appliance", ("blade", "feed tube", "safety lock", "lid", "bowl")),
    ("milk frother", "kitchen-appliance", ("whisk", "jug", "base", "power button")),
    ("air fryer", "kitchen-appliance", ("basket", "drawer", "heating element", "temperature dial", "fan")),
    (
        "dishwasher",
        "home-appliance",
        ("spray arm", "filter", "rinse aid dispenser", "door seal", "cutlery basket"),
    ),
    (
        "washing machine",
        "home-appliance",
        ("drum", "detergent drawer", "drain pump", "door seal", "program dial"),
    ),
    ("dehumidifier", "home-appliance", ("water tank", "filter", "humidity sensor", "drain hose", "fan")),
    ("cordless vacuum", "home-appliance", ("battery", "dust bin", "brush roll", "filter", "wall dock")),
    ("steam mop", "home-appliance", ("water tank", "mop pad", "steam trigger", "cable", "head")),
    ("smart plug", "smart-home", ("relay", "status light", "app", "Wi-Fi module", "schedule")),
    ("video doorbell", "smart-home", ("camera", "chime", "battery", "motion sensor", "mounting plate")),
    ("smart lock", "smart-home", ("keypad", "deadbolt", "batteries", "fingerprint reader", "app")),
    ("motion sensor", "smart-home", ("battery", "hub", "pairing button", "mount")),
    ("smart bulb", "smart-home", ("LED", "app", "dimmer", "scene", "hub")),
    ("baby monitor", "smart-home", ("parent unit", "camera", "night vision", "microphone", "charger")),
    ("mesh extender", "networking", ("Ethernet port", "status light", "app", "firmware", "antenna")),
    ("network switch", "networking", ("Ethernet port", "power adapter", "link light", "uplink port")),
    ("soundbar", "audio", ("subwoofer", "HDMI cable", "optical cable", "remote", "Bluetooth")),
    ("wireless earbuds", "audio", ("charging case", "ear tips", "touch controls", "microphone", "Bluetooth")),
    ("turntable", "audio", ("stylus", "tonearm", "platter", "belt", "preamp")),
    ("monitor", "electronics", ("stand", "HDMI port", "USB-C port", "OSD menu", "panel")),
    ("mechanical keyboard", "electronics", ("keycaps", "USB-C cable", "backlight", "switches", "receiver")),
    ("webcam", "electronics", ("lens", "privacy shutter", "clip", "microphone", "USB cable")),
    ("printer", "electronics", ("ink cartridge", "paper tray", "print head", "Wi-Fi module", "scanner lid")),
    ("projector", "electronics", ("lamp", "lens", "remote", "HDMI port", "focus ring")),
    ("e-reader", "electronics", ("screen", "battery", "USB-C port", "cover", "front light")),
    ("fitness tracker", "wearables", ("strap", "charger", "heart rate sensor", "app", "display")),
    ("smartwatch", "wearables", ("band", "charging puck", "crown", "app", "display")),
    ("electric toothbrush", "personal-care", ("brush head", "charger", "pressure sensor", "timer")),
    ("hair dryer", "personal-care", ("nozzle", "diffuser", "filter", "heat setting", "cable")),
    ("electric bike", "outdoor", ("battery", "charger", "display", "brake pads", "chain")),
    ("camping tent", "outdoor", ("poles", "rain fly", "pegs", "zip", "groundsheet")),
    ("office desk", "furniture", ("desktop", "legs", "cable tray", "screws", "feet")),
    ("bookshelf", "furniture", ("shelves", "back panel", "wall anchor", "dowels", "screws")),
    ("sofa bed", "furniture", ("mattress", "frame", "cushions", "legs", "cover")),
    ("mattress", "furniture", ("cover", "foam layer", "zip", "base")),
    ("desk lamp", "homeware", ("shade", "arm", "bulb", "dimmer", "base")),
    ("cookware set", "homeware", ("frying pan", "lid", "handle", "saucepan")),
    ("rain jacket", "apparel", ("hood", "zip", "cuffs", "seams", "pockets")),
    ("hiking boots", "footwear", ("laces", "insole", "sole", "tongue", "heel")),
    ("yoga mat", "sports", ("surface", "strap", "carry bag")),
)

_BRANDS = (
    "Aero",
    "Nimbus",
    "Volta",
    "Kinetic",
    "Halo",
    "Pulse",
    "Terra",
    "Lumen",
    "Brio",
    "Nova",
    "Crest",
    "Arlo",
    "Zephyr",
    "Mako",
    "Orbit",
    "Summit",
    "Tandem",
    "Vireo",
    "Quill",
    "Ember",
)
_SERIES = ("One", "Pro", "Max", "Lite", "Plus", "Air", "Studio", "Flex", "Go", "Mini", "Ultra", "Edge")

_CARRIERS = ("UPS", "FedEx", "DHL", "USPS", "DPD", "GLS", "Royal Mail", "Canada Post", "PostNL", "Evri")
_REGIONS = (
    "the United States",
    "Canada",
    "the United Kingdom",
    "Germany",
    "France",
    "the Netherlands",
    "Spain",
    "Italy",
    "Ireland",
    "Australia",
    "New Zealand",
    "Sweden",
    "Denmark",
    "Poland",
    "Austria",
    "Belgium",
    "Japan",
    "Switzerland",
    "Norway",
    "Portugal",
)
_SYMPTOMS = (
    "will not turn on",
    "turns off by itself",
    "makes a clicking noise",
    "makes a rattling sound",
    "loses its Wi-Fi connection",
    "does not show up in the app",
    "shows error code E{n}",
    "gets very hot",
    "smells of burning plastic",
    "leaks water",
    "drains its battery quickly",
    "does not charge",
    "keeps restarting",
    "responds slowly",
    "blinks red",
    "vibrates more than usual",
    "will not pair",
    "stops halfway through a cycle",
    "shows the wrong time",
    "is louder than expected",
)
_CAUSES = (
    "a loose power connection",
    "a blocked {component}",
    "outdated firmware",
    "a weak Wi-Fi signal",
    "a worn {component}",
    "a tripped safety switch",
    "a full {component}",
    "low battery charge",
    "a faulty wall socket",
    "an interrupted update",
    "dust around the {component}",
    "a misaligned {component}",
)
_FIXES = (
    "Unplug the {product} for thirty seconds, then plug it back in.",
    "Check that the {component} is seated correctly and clicks into place.",
    "Clean the {component} with a soft, dry cloth.",
    "Update the firmware from the settings page of the app.",
    "Move the {product} closer to your router, or add a mesh extender.",
    "Hold the reset button for ten seconds until the light flashes white.",
    "Try a different wall socket and avoid extension leads.",
    "Charge the {product} fully before using it again.",
    "Remove the {component}, rinse it under warm water and let it dry for 24 hours.",
    "Make sure the {component} is not blocked by packaging material.",
    "Restart your phone and open the app again.",
    "Replace the {component}; spare parts are listed on the product page.",
)
_SETUP_STEPS = (
    "Unpack the {product} and remove all tape and protective film.",
    "Place the {product} on a flat, stable surface near a power socket.",
    "Attach the {component} until it clicks into place.",
    "Plug in the power adapter and switch the {product} on.",
    "Download the companion app and create an account.",
    "Tap Add device in the app and follow the pairing instructions.",
    "Connect the {product} to your 2.4 GHz Wi-Fi network.",
    "Install the latest firmware update when the app offers it.",
    "Charge the {component} for at least two hours before first use.",
    "Run a short test cycle to check that everything works.",
    "Register your {product} to activate the two-year warranty.",
    "Tighten every screw by hand first, then with the supplied Allen key.",
    "Adjust the {component} to a comfortable position.",
    "Rinse the {component} with clean water before the first use.",
)
_POLICY_TOPICS: tuple[tuple[str, tuple[Intent, ...], tuple[str, ...]], ...] = (
    ("Delivery times to {region}", (Intent.ORDER_STATUS,), ("delivery", "shipping", "times")),
    ("Shipping {region} orders with {carrier}", (Intent.ORDER_STATUS, Intent.DELIVERY_PROBLEM), ("carrier",)),
    (
        "Customs and import duties for {region}",
        (Intent.ORDER_STATUS,),
        ("customs", "duties", "international"),
    ),
    ("Returning a {product} from {region}", (Intent.RETURN_REQUEST, Intent.RETURN_POLICY), ("returns",)),
    ("Refund times for {region}", (Intent.REFUND_STATUS,), ("refund", "payment")),
    ("{carrier} tracking statuses explained", (Intent.ORDER_STATUS,), ("tracking", "status")),
    ("When {carrier} cannot deliver your parcel", (Intent.DELIVERY_PROBLEM,), ("failed delivery",)),
    ("Cancelling an order shipped to {region}", (Intent.CANCEL_ORDER,), ("cancel", "order")),
    ("Changing the delivery address for {region}", (Intent.CHANGE_ORDER,), ("address", "change")),
)
_POLICY_SENTENCES = (
    "Orders to {region} usually arrive within {days} business days of dispatch.",
    "{carrier} updates the tracking page a few hours after each scan, so the latest status can lag behind.",
    "If your parcel has not moved for {days} days, contact us and we will open an investigation with {carrier}.",
    "Returns from {region} are free when you use the prepaid label from your returns page.",
    "Refunds go back to the original payment method within {days} business days after we receive the item.",
    "Import duties and taxes for {region} are included in the price shown at checkout.",
    "You can cancel an order free of charge until it is packed; after that, return it instead.",
    "We can change the delivery address while the order status is still Processing.",
    "{carrier} makes up to {attempts} delivery attempts before returning the parcel to our warehouse.",
    "Parcels that need a signature are held at the nearest pickup point after a missed attempt.",
    "Express orders placed before 2 pm ship the same day from our {region} warehouse.",
    "A notification with the tracking link is sent as soon as the label is scanned.",
    "Gift cards and opened hygiene items cannot be returned.",
    "Please keep the original packaging until the return window has closed.",
    "If a parcel arrives damaged, take photos of the box and the item before you unpack everything.",
)
_FAQ_QUESTIONS = (
    ("Can I use the {product} outdoors?", "The {product} is designed for indoor use in dry rooms only."),
    (
        "How often should I replace the {component}?",
        "Replace the {component} every {months} months, or sooner with heavy use.",
    ),
    (
        "Is the {product} compatible with voice assistants?",
        "Yes, it works with the common voice assistants once linked in the app.",
    ),
    (
        "What does the warranty on the {product} cover?",
        "The warranty covers manufacturing faults for {years} years from delivery.",
    ),
    ("How much power does the {product} use?", "In standby the {product} uses less than half a watt."),
    (
        "Can I order a spare {component}?",
        "Spare parts ship separately and usually arrive within {days} business days.",
    ),
    (
        "Why is my {product} warm after use?",
        "Some warmth around the {component} is normal during and after use.",
    ),
    (
        "Does the {product} work without Wi-Fi?",
        "Basic functions work offline; schedules and remote control need Wi-Fi.",
    ),
    (
        "How do I clean the {component}?",
        "Wipe the {component} with a damp cloth and mild soap; never use solvents.",
    ),
    (
        "Where is the serial number of my {product}?",
        "The serial number is printed on a label under the {component}.",
    ),
)

_FAQ_ANSWERS = tuple(answer for _, answer in _FAQ_QUESTIONS)


@dataclass(frozen=True, slots=True)
class _Product:
    sku: str
    name: str
    kind: str
    category: str
    components: tuple[str, ...]


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.casefold()).split())


def _catalogue(rng: random.Random, size: int) -> list[_Product]:
    products: list[_Product] = []
    seen: set[str] = set()
    while len(products) < size:
        kind, category, components = rng.choice(_PRODUCT_TYPES)
        name = f"{rng.choice(_BRANDS)} {rng.choice(_SERIES)} {rng.randrange(100, 990, 10)} {kind.title()}"
        prefix = "".join(word[0] for word in kind.split())[:2].upper().ljust(2, "X")
        sku = f"{prefix}-{rng.randrange(1000, 9999)}"
        if sku in seen or name in seen:
            continue
        seen.update((sku, name))
        products.append(_Product(sku, name, kind, category, components))
    return products


class _Writer:
    """Fills templates for one article with consistent product, component and numbers."""

    def __init__(self, rng: random.Random, product: _Product) -> None:
        self.rng = rng
        self.product = product

    def fill(self, template: str) -> str:
        rng = self.rng
        return template.format(
            product=self.product.kind,
            component=rng.choice(self.product.components),
            region=rng.choice(_REGIONS),
            carrier=rng.choice(_CARRIERS),
            days=rng.randint(2, 14),
            months=rng.choice((3, 6, 12)),
            years=rng.choice((1, 2, 3)),
            attempts=rng.choice((2, 3)),
            n=rng.randint(1, 99),
        )

    def paragraph(self, pool: Sequence[str], sentences: int) -> str:
        return " ".join(self.fill(t) for t in self.rng.sample(pool, min(sentences, len(pool))))


def _setup(
    rng: random.Random, product: _Product, w: _Writer
) -> tuple[str, str, list[str], tuple[Intent, ...]]:
    steps = rng.sample(_SETUP_STEPS, rng.randint(4, 8))
    body = (
        f"This guide walks you through setting up your {product.name} ({product.sku}). "
        f"It takes about {rng.choice((5, 10, 15, 20, 30))} minutes.\n\n"
        + "\n".join(f"{i}. {w.fill(step)}" for i, step in enumerate(steps, 1))
        + "\n\n## Before you start\n\n"
        + w.paragraph(_FAQ_ANSWERS, 2)
        + "\n\nIf the setup does not finish, see the troubleshooting guide for your "
        + f"{product.kind} or contact support with your order number."
    )
    return (
        f"Set up your {product.name}",
        body,
        ["setup", "getting started", product.kind],
        (Intent.SETUP_HELP,),
    )


def _troubleshooting(
    rng: random.Random, product: _Product, w: _Writer
) -> tuple[str, str, list[str], tuple[Intent, ...]]:
    symptom = w.fill(rng.choice(_SYMPTOMS))
    causes = [w.fill(c) for c in rng.sample(_CAUSES, 3)]
    fixes = rng.sample(_FIXES, rng.randint(3, 5))
    body = (
        f"If your {product.name} {symptom}, the most common causes are {causes[0]}, {causes[1]} or {causes[2]}.\n\n"
        "## What to try\n\n"
        + "\n".join(f"- {w.fill(f)}" for f in fixes)
        + "\n\n## Still not working?\n\n"
        + w.paragraph(_FAQ_ANSWERS, 2)
        + " If none of this helps, contact support: we will arrange a repair or a replacement under warranty."
    )
    title = f"{product.name} {symptom}"
    return (
        title[0].upper() + title[1:],
        body,
        ["troubleshooting", product.kind, "repair"],
        (Intent.SETUP_HELP,),
    )


def _faq(rng: random.Random, product: _Product, w: _Writer) -> tuple[str, str, list[str], tuple[Intent, ...]]:
    pairs = rng.sample(_FAQ_QUESTIONS, rng.randint(3, 5))
    body = f"Answers to common questions about the {product.name}.\n\n" + "\n\n".join(
        f"## {w.fill(q)}\n\n{w.fill(a)} {w.fill(rng.choice(_FIXES))}" for q, a in pairs
    )
    return f"{product.name}: frequently asked questions", body, ["faq", product.kind], (Intent.SETUP_HELP,)


def _policy(
    rng: random.Random, product: _Product, w: _Writer
) -> tuple[str, str, list[str], tuple[Intent, ...]]:
    title_template, intents, tags = rng.choice(_POLICY_TOPICS)
    body = (
        w.paragraph(_POLICY_SENTENCES, rng.randint(3, 5))
        + "\n\n## Good to know\n\n"
        + w.paragraph(_POLICY_SENTENCES, rng.randint(2, 4))
        + "\n\nYou can always see the current status of your order on the order page or by asking in chat."
    )
    return w.fill(title_template), body, [*tags, "policy"], intents


_KINDS: tuple[tuple[str, Callable[..., tuple[str, str, list[str], tuple[Intent, ...]]], int], ...] = (
    ("setup", _setup, 3),
    ("troubleshooting", _troubleshooting, 4),
    ("faq", _faq, 2),
    ("policy", _policy, 2),
)


def generate_articles(n: int, seed: int = 0) -> list[Article]:
    """``n`` made-up but realistic help articles; deterministic for a given ``(n, seed)``.

    Ids are ``syn-<number>-<slug>`` and never collide with the bundled articles' ids.
    """
    rng = random.Random(seed)
    catalogue = _catalogue(rng, max(20, min(600, n // 15)))
    kinds = [(name, make) for name, make, weight in _KINDS for _ in range(weight)]
    articles: list[Article] = []
    for number in range(n):
        product = rng.choice(catalogue)
        kind, make = rng.choice(kinds)
        title, body, tags, intents = make(rng, product, _Writer(rng, product))
        article_id = f"syn-{number:05d}-{_slug(title)[:48].rstrip('-')}"
        is_product_article = kind != "policy"
        articles.append(
            Article(
                id=article_id,
                title=title,
                tags=tuple(tags),
                intents=intents,
                products=(product.sku,) if is_product_article else (),
                categories=(product.category,),
                url=_BASE_URL + article_id,
                locale="en",
                kind=kind,
                body=body,
            )
        )
    return articles
