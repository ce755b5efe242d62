"""Answers for shop questions doorstep does not handle itself (``Understanding.topic``).

An out-of-scope message about an account password, a payment method, an invoice or the newsletter
is still about the shop: it gets the right help article (title and link) and the offer of a
person, never "I can't help with that". Topics without an article (jobs, stores, loyalty, product
advice) get a short honest answer and the same offer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.articles import MIN_TOP_SCORE, answers_the_point, article_link, passage_reply, point_terms
from handlers.context import HandlerContext, ProductMention
from handlers.messages import Link, Reply
from handlers.wording import HUMAN_BUTTON, MENU_BUTTON

OFFER_PERSON = "If that doesn't answer it, I can get you a person."
OFFER_PERSON_ONLY = "A person from our team can help you with that if you like."
SIZE_GUIDE = "Our size guide has the measurements of our clothes and shoes, and how they fit:"
_SIZE = re.compile(r"\b(?:size|sizes|sizing|fit|fits)\b", re.I)
#: "how long does shipping take": the delivery times article answers better than the shipping policy
_HOW_LONG = re.compile(
    r"\bhow (?:long|many (?:business )?days|quick(?:ly)?|soon|fast)\b|"
    r"\bwhen (?:will|would|does|do|could|can)\b.{0,30}\b(?:arrive|come|get (?:here|to (?:me|us))|be (?:delivered|here))\b|"
    r"\b(?:get here|arrive|be here|be delivered) (?:by|before|on|in time)\b|"
    r"\b(?:get|have|receive) (?:it|them) (?:by|before|in time)\b|\blast (?:day|date|time|chance) (?:to|for) (?:order|buy)\b",
    re.I,
)

#: "how much did I pay", "what was my order total": what the receipt (the confirmation email) lists
_WHAT_WAS_PAID = re.compile(
    r"\bhow much (?:was|were|did|have) (?:it|that|they|i|we|my order|the order|the \w+)\b(?: (?:pay|paid|spend|spent|cost))?|"
    r"\bwhat (?:did|have) (?:i|we) (?:pay|paid|spend|spent)\b|\b(?:my |the )?order total\b|\bhow much i paid\b",
    re.I,
)
#: the words the receipts article's passage on what the confirmation email lists is found with
PAID_QUERY = "price taxes shipping cost"
#: the lead of the answer to "how much did I pay?"
PAID_LEAD = "I can't see what you paid from this chat, but your receipt has it:"


def asks_what_was_paid(text: str) -> bool:
    """ "How much was it?", "what did I pay?": the amount paid, which the order confirmation email lists."""
    return bool(_WHAT_WAS_PAID.search(text))


#: the article on how long delivery takes (general delivery-time questions)
DELIVERY_TIMES = "delivery-times"
#: the article on the countries the shop ships to
INTERNATIONAL = "international-shipping"
#: "what courier do you use", "can I choose the carrier": the shipping policy's carriers
_CARRIERS = re.compile(
    r"\b(?:which|what) (?:couriers?|carriers?|delivery (?:company|companies|service)|shipping (?:company|companies))"
    r" (?:do|does) (?:you|u)\b|\b(?:couriers?|carriers?) (?:do|does) (?:you|u) (?:use|ship with)\b|"
    r"\bdo (?:you|u) (?:use|ship with|send with|deliver with) (?:ups|fedex|usps|dhl|royal mail|dpd)\b|"
    r"\b(?:choose|pick|select) (?:the|my|a|which) (?:courier|carrier)\b",
    re.I,
)
#: the leads of the answers on carriers and on where the shop delivers
CARRIERS_LEAD = "Here's who delivers our parcels:"
WHERE_WE_SHIP_LEAD = "Here's where we deliver:"
#: "how much is express": a price asked, which shares no word with the passage on costs
_HOW_MUCH = re.compile(r"\bhow much\b|\bwhat (?:do|does) (?:it|you|u) charge\b", re.I)
#: the words the passage on shipping costs is found with
COST_WORDS = "costs cost"
#: the words of the shipping policy's passage on carriers
CARRIERS_QUERY = "carriers UPS FedEx USPS DHL carrier per parcel"
#: "do you ship to hawaii", "can you deliver to australia": where the shop ships (a place, not "my house")
_WHERE_WE_SHIP = re.compile(
    r"\b(?:do|can|will|does) (?:you|u|your (?:shop|store)) (?:ship|deliver|send|post)(?: orders| parcels| items)? "
    r"to(?! (?:my|the|a|an|your|our|this|that|his|her|their|po|p\.o\.|hotels?|work|office|home|house|neighbou?r)\b)"
    r"(?!.*\b(?:customs|duties|duty|tax|taxes|vat)\b)",
    re.I,
)


def asks_price(text: str) -> bool:
    """ "How much is express?": a price asked (the passage on costs shares no word with it)."""
    return bool(_HOW_MUCH.search(text))


def price_query(text: str) -> str:
    """The words to find a passage with: "how much is express" also looks for the passage on costs."""
    return f"{text} {COST_WORDS}" if asks_price(text) else text


#: "will I be charged now or when it ships": when the card is charged
_WHEN_CHARGED = re.compile(
    r"\b(?:be|get|am i|was i|is my card|will my card be) (?:charged|billed)\b.{0,25}\b(?:now|when|before|after|until|yet)\b|"
    r"\bwhen (?:will|do|does|did) (?:you|u|my card|i|the payment) (?:charge|bill|get charged|be charged|go through|come out)\b",
    re.I,
)
#: the words of the payment article's passage on when the payment is taken
WHEN_CHARGED_QUERY = "temporary hold take the payment when your order ships"


def asks_when_charged(text: str) -> bool:
    """ "Will I be charged now or when it ships?", "when will you charge my card?"."""
    return bool(_WHEN_CHARGED.search(text))


def asks_about_carriers(text: str) -> bool:
    """ "What courier do you use?", "can I choose the carrier?": the carriers the shop ships with."""
    return bool(_CARRIERS.search(text))


def asks_where_we_ship(text: str) -> bool:
    """ "Do you ship to Hawaii?": the places the shop ships to."""
    return bool(_WHERE_WE_SHIP.search(text))


@dataclass(frozen=True, slots=True)
class TopicAnswer:
    """What to say about one near-domain topic, and the article that says the rest."""

    text: str
    article: str | None = None
    #: the text already offers a person, so the reply doesn't offer one again
    offers_person: bool = False


NEAR_DOMAIN: dict[str, TopicAnswer] = {
    "account": TopicAnswer(
        "Your account, signing in and your password are handled on our website, not in this chat "
        "(and I'll never ask you for your password). This article shows how to reset a password or "
        "change your details:",
        "account-and-password",
    ),
    "payment": TopicAnswer(
        "Here are the payment methods we accept and when your card or account is charged:",
        "payment-methods",
    ),
    "invoice": TopicAnswer(
        "Your order confirmation email is your receipt, and we can send a formal invoice too. "
        "This article explains how:",
        "receipts-and-invoices",
    ),
    "newsletter": TopicAnswer(
        "You can unsubscribe from our newsletter, or sign up for it, at any time; it is separate from "
        "the messages about your orders. Here's how:",
        "newsletter-and-marketing-email",
    ),
    "discount": TopicAnswer(
        "Here's how promo codes work, and what happens when a price drops after you've bought:",
        "promo-codes-and-price-changes",
    ),
    "privacy": TopicAnswer(
        "Here's how we use your data in chat, and how to get a copy of it or have it deleted:",
        "privacy-and-your-data",
    ),
    "shipping_options": TopicAnswer(
        "Here are our delivery options, how long each one takes and what it costs:",
        "shipping-policy",
    ),
    "insurance": TopicAnswer("You don't need to insure your parcel:", "shipping-policy"),
    "gift": TopicAnswer(
        "I can't add gift wrapping, a gift message or a gift receipt from this chat. If your order hasn't "
        "shipped yet, a person on our team can check what's still possible.",
        offers_person=True,
    ),
    "ordering": TopicAnswer(
        "I can't place orders in this chat: you can order on our website at any time, including anything "
        "you've bought before."
    ),
    "product_advice": TopicAnswer(
        "I'm the assistant for orders you've already placed, so I'm not the right one to recommend "
        "products or check stock; the product pages on our website show what's available."
    ),
    "stores": TopicAnswer(
        "I don't have information about shop locations or opening hours here: I look after online "
        "orders, deliveries and returns."
    ),
    "jobs": TopicAnswer(
        "Jobs and applications aren't something I handle: I look after orders, deliveries and returns. "
        "Open positions are listed on the careers page of our website."
    ),
    "confirmation": TopicAnswer(
        "Here's what to do when the order confirmation email hasn't come:", "order-confirmation"
    ),
    "payment_at_door": TopicAnswer(
        "There's nothing to pay on delivery in the US, Canada, the UK, the EU or Australia: the price at checkout "
        "covers delivery and any import duties. Only for Switzerland, Norway and New Zealand may the carrier "
        "collect import duties before delivering. If a driver, a text or an email asks you for money otherwise, "
        "please don't pay or click its link, as it may be a scam. A person on our team can check with the "
        "carrier for you.",
        offers_person=True,
    ),
    "review": TopicAnswer(
        "Thank you, we'd love to hear what you think! After your order is delivered we send you a link here to "
        "review what you bought, and you can also leave a review on each product's page on our website.",
        offers_person=True,
    ),
    "overcharged": TopicAnswer(
        "I'm sorry about that. I can't see payments from this chat, but a person on our team can check what you "
        "were charged against your order and refund any difference. If you see two amounts, one is usually a "
        "temporary hold that your bank releases within 3 to 5 business days.",
        offers_person=True,
    ),
    "praise": TopicAnswer(
        "That's lovely to hear, thank you! If you'd like to tell other shoppers too, you can leave a review on "
        "the product's page on our website.",
        offers_person=True,
    ),
    "loyalty": TopicAnswer(
        "I can't see loyalty points or membership details in this chat. You'll find your points when "
        "you sign in to your account on our website."
    ),
}


#: "is the kettle in stock", "which one should I buy", "how much is it": choosing, stocking or pricing
#: products, not one's details
_CHOOSING = re.compile(
    r"\b(?:recommend|suggest|which (?:one|model|size|colou?r)|(?:in|out of|back in) stock|restock|compare|"
    r"difference between|(?:anything|something) similar|before (?:i )?buy|thinking (?:of|about) buying|pre-?order|"
    r"price|cost|how much (?:is|are|for|does|do)\b)",
    re.I,
)
#: a question, by its mark or its first word
_QUESTION = re.compile(
    r"\?|^\W*(?:how|what|whats|which|is|are|does|do|can|could|will|would|should|has|have)\b", re.I
)
#: the answer to a question about a product's details that its help articles don't give
NOT_IN_HELP = (
    "I couldn't find that in our help articles for the {name}. Its product page on our website lists its "
    "details, and a person on our team can check for you."
)


def asks_about_product(ctx: HandlerContext) -> ProductMention | None:
    """The one product a question asks a detail of ("is the jacket waterproof?"), unless it asks which
    to buy or whether it's in stock, or about the product as a whole ("how do gift cards work")."""
    products = ctx.understanding.products
    if len(products) != 1 or not _QUESTION.search(ctx.text) or _CHOOSING.search(ctx.text):
        return None
    if not point_terms(ctx.text, products[0].name):  # "how do gift cards work": the product as a whole
        return None
    return products[0]


def not_in_help_reply(ctx: HandlerContext, product: ProductMention) -> Reply:
    """A question about a product's details that its help articles don't answer: say so, with its
    guides' links and the offer of a person."""
    guides = ctx.knowledge.base.for_product(product.sku)[:2]
    return Reply(
        NOT_IN_HELP.format(name=product.name),
        links=[Link(guide.title, guide.url) for guide in guides],
        buttons=[HUMAN_BUTTON, MENU_BUTTON],
    )


def topic_article(ctx: HandlerContext) -> str | None:
    """The help article that answers the message's near-domain topic, if it has one."""
    topic = ctx.understanding.topic
    answer = NEAR_DOMAIN.get(topic or "")
    if answer is None:
        return None
    if topic == "product_advice" and _SIZE.search(ctx.text):
        return "size-guide"
    if topic == "shipping_options" and _HOW_LONG.search(ctx.text) and ctx.knowledge.base.get(DELIVERY_TIMES):
        return DELIVERY_TIMES
    if topic == "shipping_options" and asks_where_we_ship(ctx.text) and ctx.knowledge.base.get(INTERNATIONAL):
        return INTERNATIONAL
    return answer.article


def _own_guide_answer(ctx: HandlerContext) -> Reply | None:
    """A question about a named product that one of its own guides answers ("is the blender dishwasher
    safe?"): that guide's passage, or None."""
    if not ctx.understanding.products:
        return None
    sku = ctx.understanding.products[0].sku
    hits = ctx.knowledge.index.search(ctx.text, limit=3, products=[sku])
    own = [hit for hit in hits if sku in hit.article.products and hit.score >= MIN_TOP_SCORE]
    if not own or not answers_the_point(ctx.text, ctx.understanding.products[0].name, own[0].snippet):
        return None
    reply = passage_reply(own[0], f"From “{own[0].article.title}”:")
    reply.buttons = [HUMAN_BUTTON, MENU_BUTTON]
    return reply


def _lead(answer: TopicAnswer, article: str | None, *, paid: bool, carriers: bool) -> str:
    """The words before the article's passage: the topic's own, or those of the narrower question."""
    if article == "size-guide":
        return SIZE_GUIDE
    if paid:
        return PAID_LEAD
    if carriers:
        return CARRIERS_LEAD
    if article == INTERNATIONAL:
        return WHERE_WE_SHIP_LEAD
    return answer.text


def near_domain_reply(ctx: HandlerContext) -> Reply | None:
    """The specific answer for the message's near-domain topic, or None when it has none: the topic's
    words, the passage of its help article that matches the question best (when one does), and the link."""
    topic = ctx.understanding.topic
    answer = NEAR_DOMAIN.get(topic or "")
    if answer is None:
        return None
    if topic == "product_advice":
        own = _own_guide_answer(ctx)
        if own is not None:  # "is the blender dishwasher safe": the product's own guide says
            return own
        product = asks_about_product(ctx)
        if product is not None and not _SIZE.search(ctx.text):  # "is the kettle dishwasher safe": not said
            return not_in_help_reply(ctx, product)
    article = topic_article(ctx)
    links = article_link(ctx.knowledge.base, article) if article else []
    buttons = [HUMAN_BUTTON, MENU_BUTTON]
    if article and not links:  # the shop's own knowledge base has no such article
        return Reply(OFFER_PERSON_ONLY, buttons=buttons)
    paid = topic == "invoice" and asks_what_was_paid(ctx.text)
    carriers = topic == "shipping_options" and asks_about_carriers(ctx.text)
    text = _lead(answer, article, paid=paid, carriers=carriers)
    if links:
        found = ctx.knowledge.base.get(article) if article else None
        asked = PAID_QUERY if paid else CARRIERS_QUERY if carriers else ctx.text
        if topic == "shipping_options":  # "how much is express": its cost
            asked = price_query(asked)
        if topic == "payment" and asks_when_charged(ctx.text):  # "when will you charge my card"
            asked = WHEN_CHARGED_QUERY
        passage = ctx.knowledge.index.passage(found, asked) if found is not None else None
        if passage is None and found is not None and article in (DELIVERY_TIMES, INTERNATIONAL):
            # "when would it come if I buy it now" shares no word with it: its opening answers
            passage = ctx.knowledge.index.passage(found, found.title)
        if passage:  # the part of the article that answers the question, before its link
            text = f"{text}\n{passage}"
        elif text.endswith(":"):  # nothing in it matches the question: the link says it
            text = f"{text[:-1]}: see the article below."
        return Reply(f"{text}\n{OFFER_PERSON}", links=links, buttons=buttons)
    if answer.offers_person:
        return Reply(text, buttons=buttons)
    return Reply(f"{text} {OFFER_PERSON_ONLY}", buttons=buttons)
