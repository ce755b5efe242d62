"""``setup_help``: the product's setup article as short numbered steps, or its troubleshooting for a symptom."""

from __future__ import annotations

import re
from collections.abc import Iterable

from handlers.articles import (
    FROM_THE_HELP_CENTRE,
    MIN_TOP_SCORE,
    answers_the_point,
    article_reply,
    passage_reply,
    point_terms,
    unknown_point_terms,
)
from handlers.context import HandlerContext, OrderNeed, Outcome
from handlers.mentions import other_product, product_alone
from handlers.messages import Button, Link, Reply
from handlers.smalltalk import closes_the_matter
from handlers.troubleshooting import (
    Section,
    asks_for_remedy,
    best_section,
    describes_symptom,
    faulty_and_wants_remedy,
    says_faulty,
    section_of_passage,
    sections,
)
from handlers.wording import HUMAN_BUTTON, agreement
from knowledge.article import Article
from knowledge.search import SearchHit
from storage.models import OrderItem

#: how many of the verified shopper's recent orders are searched for a product to help with
RECENT_ORDERS = 5
#: at most this many products are offered as buttons
MAX_PRODUCT_BUTTONS = 5
#: offered under troubleshooting advice
STILL_STUCK_BUTTON = Button("Still stuck: get a person", "intent:human_agent")
#: at most this many sections of a troubleshooting guide are listed to pick from
MAX_TOPICS = 8
#: a picked topic: its number in the list
_TOPIC_NUMBER = re.compile(r"^\W*(?:number |no\.? ?|#)?(\d{1,2})\W*$", re.I)
#: symptoms of an electrical or fire risk: unplug first
_UNSAFE = re.compile(
    r"\btrip(?:s|ped|ping)? (?:the |my |our )?(?:breaker|circuit|fuse|electrics?|power)|burning smell|"
    r"smells? (?:of |like )?(?:burning|burnt|burned|scorched)|\bsmok(?:e|es|ed|ing|y)\b|\bsparks?\b|\bsparking\b|electric shock|shocked me|"
    r"\bmelt(?:s|ed|ing)?\b|\bfire\b|\bflames?\b",
    re.I,
)
WARRANTY_ARTICLE = "warranty"
#: "how do I turn off noise cancelling": a question how to do something
_HOW_DO_I = re.compile(r"^\W*(?:(?:hi|hey|hello|so|and|ok)\W+)*how (?:do|can|should|would) (?:i|you|we|u)\b|^\W*how to\b", re.I)
#: "it broke", "it stopped working", "it died": the product has failed, not a symptom to troubleshoot
_BROKE = re.compile(
    r"\b(?:broke|broken|stopped working|(?:has |just )?died|packed (?:in|up)|gave up|conked out|quit working|"
    r"doesn'?t work any ?more|no longer works|stopped (?:turning|switching) on|dead)\b",
    re.I,
)
#: what a warranty claim gives, as the warranty article's "Making a claim" says (a test keeps them in step)
WARRANTY_CLAIM = (
    "A fault like this should be covered by our warranty: a person on our team will decide with you whether "
    "a repair, a replacement or a refund is best, and we collect the product or send a prepaid label, so "
    "you pay nothing for shipping. Within 30 days of delivery you can also simply return it."
)
WARRANTY_CLAIM_BUTTON = Button("Make a warranty claim", "intent:human_agent")
SAFETY_FIRST = "For your safety, please unplug it and don't use it until it's been checked."
#: "how do I set it up", "how do I connect it", "instructions": the setup steps themselves
_SETUP_REQUEST = re.compile(
    r"\b(?:set(?:ting)?[- ]?(?:it |them |this )?up|install\w*|get (?:it |this |them )?(?:started|going|working|running)|"
    r"start(?:ed)? using|first (?:time|use)|unbox\w*|assembl\w*|put (?:it |them )?together|connect\w*|pair\w*|"
    r"link\w*|how (?:do|to|can|should) (?:i |we )?(?:use|start|begin)|instructions?|manual|guide|steps?)\b",
    re.I,
)
#: "I tried that", "that didn't help", "I restarted it already": the advice given did not fix it
_TRIED = re.compile(
    r"\b(?:tried (?:that|this|it|them|those|everything|all (?:of )?(?:that|those|them))|"
    r"already (?:tried|did|done|do|have)|(?:did|done|tried) (?:that|this|it|them|those|all (?:of )?(?:that|this)|"
    r"everything) (?:already|before)|(?:did|done|tried) (?:all (?:of )?(?:this|that|it)|everything|it all)\b|"
    r"\b(?:do|did|done|tried) (?:this|that|it) (?:\w+ )?(?:twice|two times|three times|\d times|again) already\b|"
    r"did(?:n'?t| not) (?:help|work|fix|change)|no luck|"
    r"still (?:the same|cold|hot|broken|nothing|dead|off|stuck)|same (?:thing|problem|issue|again)|"
    r"(?:restarted|rebooted|reset|unplugged|replugged|cleaned|descaled|charged|updated) (?:it|them|the \w+) already|"
    r"already (?:restarted|rebooted|reset|unplugged|cleaned|descaled|charged|updated)|"
    r"tried (?:a |another |a different |the other |other |every |all the )\w+|^\W*tried\b|"
    r"(?:socket|outlet|plug|power point|fuse) (?:is |was |'s )?(?:fine|ok(?:ay)?|working|good))\b",
    re.I,
)
#: "oh it works now", "that did it": the advice fixed it
_FIXED = re.compile(
    r"\b(?:works|working) (?:now|again|fine now)\b|\b(?:that|this|it) (?:did it|did the trick|worked|fixed it|helped|"
    r"sorted it)\b|\b(?:fixed|sorted) (?:it|now)\b|\ball good now\b|\bproblem solved\b",
    re.I,
)
#: ... said without "not" or "still" ("it's still not working now")
_NOT_FIXED = re.compile(r"\b(?:not|n'?t|never|still|no)\b", re.I)
#: "ok", "thanks, I'll try that": the advice taken, nothing new said
_ACKNOWLEDGED = re.compile(
    r"^\W*(?:ok(?:ay)?|k|alright|all right|right|sure|will do|(?:i'?ll|i will|let me|gonna) (?:try|give) (?:that|it|this)"
    r"(?: a go)?|thanks?|thank you|thx|ty|cheers|got it|understood|noted)(?:\W+(?:thanks?|thank you|thx|i'?ll try "
    r"(?:that|it)|will try|will do|then))*\W*$",
    re.I,
)
FIXED_REPLY = "Glad it's working now! If anything else comes up, just message me here."
TRY_IT_REPLY = "OK. If it still doesn't work after that, tell me and I'll get you a person."
#: a question ("how do I clean it", "can I ...?"), not more detail about the trouble ("it's plugged in")
_QUESTION = re.compile(
    r"\?\s*$|^\W*(?:how|what|which|where|when|why|who|can|could|do|does|is|are|should|will|would)\b", re.I
)
ASK_PRODUCT = (
    'Which product do you need help with? Tell me its name (e.g. "Kettle Pro 200") or your order number.'
)


class SetupHelpHandler:
    """Finds the product (named, or in the shopper's order) and answers with its setup guide."""

    name = "setup_help"
    intents = ("setup_help",)
    payload_prefixes = ("setup",)
    free_text_steps: tuple[str, ...] = ()

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """An order number given needs verification; otherwise the order in context is used if any.

        A named product (or a product button) needs no order at all, so anyone gets setup help.
        """
        if ctx.understanding.order_numbers and not (ctx.payload or ctx.understanding.products):
            return OrderNeed.REQUIRED
        return OrderNeed.OPTIONAL

    def accepts(self, ctx: HandlerContext) -> bool:
        """A product name answers "which product?"; a number picks a topic of the troubleshooting guide;
        after a guide, a question its product's own guides answer ("what if I don't have a microSD
        card?"), or after troubleshooting, saying it was tried ("did that already"), is a follow-up,
        whatever else the classifier reads in it."""
        if ctx.step == "followup":
            if ctx.data.get("topics") and _TOPIC_NUMBER.match(ctx.text) is not None:
                return True
            sku = str(ctx.data.get("sku") or "")
            # "did that already, still nothing" (the advice didn't help) or "the display lights up but the water
            # never gets hot" (another symptom of it), whatever the NLU reads
            if sku and ctx.data.get("troubleshot") and ctx.payload is None:
                if _TRIED.search(ctx.text) or self._names_a_symptom(ctx, sku):
                    return True
            unread = ctx.understanding.intent in (None, "out_of_scope")  # another intent is a change of topic
            return bool(sku) and unread and ctx.payload is None and _own_guide_hit(ctx, sku) is not None
        return ctx.step == "product" and bool(ctx.understanding.products)

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """Setup steps, or troubleshooting when the shopper describes a symptom, for the right product.

        The product is the one named (or pressed), the one the flow is about, the only one of the
        order in context that needs setting up, or the only such product the verified shopper
        bought recently; with several, the shopper picks. Trouble again after troubleshooting, with
        nothing new a section covers, gets the offer of a person.
        """
        payload = ctx.payload or ""
        if payload.startswith("setup:troubleshoot:"):
            return self._troubleshoot(ctx, payload.removeprefix("setup:troubleshoot:"))
        if payload.startswith("setup:product:"):
            return self._setup(ctx, payload.removeprefix("setup:product:"))
        trouble = (
            describes_symptom(ctx.text)
            or faulty_and_wants_remedy(ctx.text)
            or (not payload and says_faulty(ctx.text))  # "the lid hinge snapped after 2 months"
            or bool(ctx.step == "product" and ctx.data.get("trouble"))
        )
        answer = self._troubleshoot if trouble else self._setup
        named = ctx.understanding.products
        # the product the troubleshooting is about, named again ("tried another socket but the kettle doesn't"),
        # is a follow-up on it, not a new question
        again = (
            ctx.step == "followup"
            and bool(ctx.data.get("troubleshot"))
            and bool(named)
            and named[0].sku == ctx.data.get("sku")
            and product_alone(named, ctx.text) is None
        )
        if named and not again:
            return answer(ctx, named[0].sku)
        picked = _TOPIC_NUMBER.match(ctx.text) if ctx.step == "followup" and ctx.data.get("topics") else None
        if picked is not None:
            return self._topic(ctx, str(ctx.data.get("sku") or ""), int(picked[1]))
        if ctx.step == "followup" and ctx.text and ctx.data.get("sku"):
            sku = str(ctx.data["sku"])
            step = _step_asked(ctx, sku)
            if step is not None:  # "step 3 doesn't make sense": that step in full, and a person
                return step
            if _FIXED.search(ctx.text) and not _NOT_FIXED.search(ctx.text):  # "oh it works now, thanks!"
                return Outcome.say(FIXED_REPLY)
            if closes_the_matter(ctx.text) and not _NOT_FIXED.search(ctx.text):  # "done ✅ tea time finally"
                return Outcome.say(FIXED_REPLY)
            if _ACKNOWLEDGED.match(ctx.text):  # "ok", "thanks, I'll try that": nothing new to answer
                return Outcome(replies=[Reply(TRY_IT_REPLY)], await_step="followup", data=dict(ctx.data))
            if ctx.data.get("troubleshot") and asks_for_remedy(ctx.text):  # "can you send me a new base?"
                return self._troubleshoot(ctx, sku)  # the warranty claim
            tried = trouble or bool(_TRIED.search(ctx.text))  # "I tried that", "I restarted it already"
            # what was tried names no new symptom ("I already descaled it" is the remedy, not the trouble)
            if tried and ctx.data.get("troubleshot") and not self._names_a_symptom(ctx, sku, _TRIED.sub(" ", ctx.text)):
                return self._still_stuck(ctx)
            if trouble:
                return self._troubleshoot(ctx, sku)
            return self._task(ctx, sku, _item_name(ctx, sku)) or self._search(ctx, sku)
        if ctx.order is not None:
            needing = _needing_setup(ctx.order.items)
            other = _other_product(ctx, [item.name for item in ctx.order.items])
            if other is not None:  # "how do I charge the earbuds" about an order of a kettle
                return _no_guide_for(other, needing, trouble)
            if len(needing) == 1:
                return answer(ctx, needing[0].sku)
            if needing:
                return _which(f"Which one from order #{ctx.order.number}", needing, trouble)
            if ctx.step != "product":
                return Outcome(
                    replies=[Reply(f"Nothing in order #{ctx.order.number} needs setting up. " + ASK_PRODUCT)],
                    await_step="product",
                    data={"trouble": trouble},
                )
        elif ctx.customer_id is not None and ctx.step != "product":
            bought = await _bought_needing_setup(ctx, ctx.customer_id)
            other = _other_product(ctx, [item.name for item in bought])
            if other is not None:
                return _no_guide_for(other, bought, trouble)
            if len(bought) == 1:
                ctx.data["names"] = {bought[0].sku: bought[0].name}
                return answer(ctx, bought[0].sku)
            if bought:
                return _which("Which one", bought, trouble)
        other = _other_product(ctx, [])
        if other is not None and ctx.step != "product":  # "how do I clean the filter of my Dyson"
            return _no_guide_for(other, [], trouble)  # (not a help article that shares a word with it)
        general = _general_answer(ctx)
        if general is not None:  # "how do I print the label": a help article answers, not a product guide
            return Outcome(replies=[general])
        if ctx.step == "product":
            return Outcome.say(
                "Sorry, I don't know that product. You'll find every guide in our help centre, or a person can help.",
                buttons=[HUMAN_BUTTON],
            )
        remedy = ctx.payload is None and asks_for_remedy(ctx.text)
        return Outcome(
            replies=[Reply(ASK_PRODUCT)], await_step="product", data={"trouble": trouble, "remedy": remedy}
        )

    def _setup(self, ctx: HandlerContext, sku: str) -> Outcome:
        articles = ctx.knowledge.base.for_product(sku, kind="setup")
        name = _item_name(ctx, sku)
        typed = (  # "the kettle I mean" only says which product: its setup steps
            ctx.text
            and ctx.payload is None
            and ctx.step != "product"
            and product_alone(ctx.understanding.products, ctx.text) is None
        )
        task = self._task(ctx, sku, name) if typed else None
        if task is not None:
            return task
        missing = _feature_not_in_guides(ctx, sku) if typed else None
        if missing is not None and articles:  # "connect my coffee machine to wifi": its guides never mention it
            return _not_in_guides(missing, sku, name, articles[0])
        if typed and articles and _QUESTION.search(ctx.text) and not _SETUP_REQUEST.search(ctx.text):
            if unknown_point_terms(ctx.text, name, ctx.knowledge.base.for_product(sku)):
                return _not_in_guides("that", sku, name, articles[0])  # "make the desk remember my height"
        if not articles:  # a question of its own ("the blender is too loud") searches for itself
            asked = typed and not _SETUP_REQUEST.search(ctx.text) and bool(point_terms(ctx.text, name or sku))
            return self._search(ctx, sku, None if asked else f"set up {name or sku}")
        article = articles[0]
        passage = _guide_passage(ctx, article, name) if typed and not _SETUP_REQUEST.search(ctx.text) else None
        if passage is not None:  # "how often should I clean the brushes": that part of the guide
            reply = Reply(
                f"From the setup guide for your {name or 'product'}: {passage}",
                buttons=[Button("Show the setup steps", f"setup:product:{sku}"), HUMAN_BUTTON],
                links=[Link(article.title, article.url)],
            )
            return Outcome(replies=[reply], await_step="followup", data={"sku": sku, "name": name or ""})
        intro = f"Here's how to set up your {name}:" if name else f"{article.title}:"
        reply = article_reply(article, intro)
        reply.buttons = [Button("Still not working?", f"setup:troubleshoot:{sku}"), HUMAN_BUTTON]
        return Outcome(replies=[reply], await_step="followup", data={"sku": sku, "name": name or ""})

    def _troubleshoot(self, ctx: HandlerContext, sku: str) -> Outcome:
        articles = ctx.knowledge.base.for_product(sku, kind="troubleshooting")
        name = (
            _item_name(ctx, sku)
            or (str(ctx.data.get("name") or "") if ctx.data.get("sku") == sku else "")
            or None
        )
        sorry = (
            "Sorry it's giving you trouble."
            if name is None
            else f"Sorry your {name} {agreement([1], [name]).be} giving you trouble."
        )
        if _UNSAFE.search(ctx.text):
            sorry = f"{sorry} {SAFETY_FIRST}"
        data: dict[str, object] = {"sku": sku, "name": name or "", "troubleshot": True}
        remedy = asks_for_remedy(ctx.text) or (ctx.step == "product" and ctx.data.get("remedy"))
        if ctx.payload is None and remedy:
            return _warranty_claim(ctx, sorry, articles, data)
        missing = _feature_not_in_guides(ctx, sku) if ctx.payload is None and _QUESTION.search(ctx.text) else None
        if missing is not None:  # "how do I reset the thermostat to factory settings": no guide says how
            guides = ctx.knowledge.base.for_product(sku, kind="setup") or articles
            if guides:
                return _not_in_guides(missing, sku, name, guides[0])
        if not articles:
            if ctx.payload is None and _BROKE.search(ctx.text) and says_faulty(ctx.text):
                return _warranty_claim(ctx, sorry, articles, data)  # "my blender broke after 3 months"
            return self._without_a_troubleshooting_guide(ctx, sku, sorry, data)
        article = articles[0]
        section = best_section(article, ctx.text, name) if ctx.text else None
        if section is None and ctx.text:  # no shared words: the search's passage, if it is from this guide
            hit = _top_guide_hit(ctx, sku)
            if hit is not None and hit.article == article:
                section = section_of_passage(article, hit.snippet, ctx.text, name)
        topics = sections(article)[:MAX_TOPICS]
        if section is not None:
            reply = _section_reply(sorry, article.title, article.url, section)
            data["section"] = section.heading  # a "tried that" naming this section again names nothing new
        elif topics:  # nothing fits (or nothing said): what the guide covers, to pick from
            lines = [f"{n}. {topic.heading}" for n, topic in enumerate(topics, start=1)]
            reply = Reply(
                "\n".join([f"{sorry} Its troubleshooting guide covers:", *lines])
                + "\nWhich is closest? Send its number or tell me more. If it's none of these, a person on our "
                "team can help.",
                links=[Link(article.title, article.url)],
            )
            data["topics"] = True
        else:
            reply = article_reply(article, f"{sorry} Try these, in order:")
        reply.buttons = [STILL_STUCK_BUTTON]
        return Outcome(replies=[reply], await_step="followup", data=data)

    def _topic(self, ctx: HandlerContext, sku: str, number: int) -> Outcome:
        """The section the shopper picked by its number in the list of the guide's topics."""
        articles = ctx.knowledge.base.for_product(sku, kind="troubleshooting")
        topics = sections(articles[0])[:MAX_TOPICS] if articles else []
        if not 1 <= number <= len(topics):
            return Outcome(
                replies=[Reply(f"Please send a number from 1 to {len(topics)}, or tell me more.", buttons=[HUMAN_BUTTON])],
                await_step="followup",
                data=dict(ctx.data),
            )
        name = str(ctx.data.get("name") or "") or None
        sorry = "Here's what to do." if name is None else f"Here's what to do about your {name}."
        reply = _section_reply(sorry, articles[0].title, articles[0].url, topics[number - 1])
        reply.buttons = [STILL_STUCK_BUTTON]
        data = {k: v for k, v in ctx.data.items() if k != "topics"}
        return Outcome(replies=[reply], await_step="followup", data=data)

    def _without_a_troubleshooting_guide(
        self, ctx: HandlerContext, sku: str, sorry: str, data: dict[str, object]
    ) -> Outcome:
        """The section of the product's other guides that fits the symptom; else an honest "no guide"."""
        guides = ctx.knowledge.base.for_product(sku)
        for article in guides:
            section = best_section(article, ctx.text, str(data["name"]) or None) if ctx.text else None
            if section is not None:
                if _HOW_DO_I.search(ctx.text):  # "how do I turn off noise cancelling": a how-to, not a fault
                    sorry = f"Here's how, for your {data['name']}." if data["name"] else "Here's how."
                reply = _section_reply(sorry, article.title, article.url, section, "From its guide:")
                reply.buttons = [STILL_STUCK_BUTTON]
                return Outcome(replies=[reply], await_step="followup", data=data)
        return Outcome(
            replies=[
                Reply(
                    f"{sorry} I don't have a troubleshooting guide for it, but a person on our team can help."
                    + (f" Its other guide, “{guides[0].title}”, is linked below in case it helps." if guides else ""),
                    links=[Link(article.title, article.url) for article in guides[:1]],
                    buttons=[HUMAN_BUTTON],
                )
            ],
            await_step="followup",
            data=data,
        )

    def _task(self, ctx: HandlerContext, sku: str, name: str | None) -> Outcome | None:
        """A task another of the product's guides explains ("how do I descale the kettle", "reset the
        router"): that guide's section, when the product's best search hit is not its setup guide."""
        found = _searched_section(ctx, sku, name)
        if found is None or found[0].kind == "setup":
            return None
        article, section = found
        lead = f"Here's how, for your {name}." if name else "Here's how."
        reply = _section_reply(lead, article.title, article.url, section, f"From {article.title}:")
        reply.buttons = [Button("Still not working?", f"setup:troubleshoot:{sku}"), HUMAN_BUTTON]
        data: dict[str, object] = {"sku": sku, "name": name or ""}
        if article.kind == "troubleshooting":  # a fix was given: "I already did that" next is still stuck
            data["troubleshot"] = True
            data["section"] = section.heading  # "it still switches off": the same symptom, not a new one
        return Outcome(replies=[reply], await_step="followup", data=data)

    def _names_a_symptom(self, ctx: HandlerContext, sku: str, text: str | None = None) -> bool:
        """Whether the message (or ``text``) names a symptom one of the product's troubleshooting sections covers."""
        name = str(ctx.data.get("name") or "") or None
        said = ctx.text if text is None else text
        shown = ctx.data.get("section")
        for article in ctx.knowledge.base.for_product(sku, kind="troubleshooting"):
            section = best_section(article, said, name)
            if section is not None and section.heading != shown:
                return True
        return False

    def _still_stuck(self, ctx: HandlerContext) -> Outcome:
        """The troubleshooting did not help and the shopper names nothing new: a person is next."""
        name = str(ctx.data.get("name") or "") or None
        what = f"your {name}" if name else "it"
        return Outcome(
            replies=[
                Reply(
                    f"Sorry that didn't fix it. A person on our team can take a closer look at {what}; "
                    "they'll see this conversation, so you won't have to explain it again.",
                    buttons=[HUMAN_BUTTON],
                )
            ],
            await_step="followup",
            data=dict(ctx.data),
        )

    def _search(self, ctx: HandlerContext, sku: str, query: str | None = None) -> Outcome:
        """The best passage of the help articles about the product, or about no product, with their links."""
        hits = ctx.knowledge.index.search(query or ctx.text, limit=5, products=[sku], intent="setup_help")
        # another product's guide ("how do I clean it" about a kettle: the blender's) is no answer, and the
        # product's own guides come first ("it asks for a wifi password": not the shop account's password)
        own = [hit for hit in hits if sku in hit.article.products]
        general = [hit for hit in hits if not hit.article.products]
        if not own and ctx.data.get("troubleshot") and query is None:
            # after troubleshooting, a general article sharing a word ("plug types abroad" for "it's
            # plugged in") is no answer: a question gets "not in the guides", more detail a person
            if not _QUESTION.search(ctx.text):
                return self._still_stuck(ctx)
            general = []
        hits = (own or general)[:3]
        if not hits:
            name = _item_name(ctx, sku)
            where = f"the guides for your {name}" if name else "our guides"
            return Outcome.say(
                f"I couldn't find that in {where}. A person on our team can help.", buttons=[HUMAN_BUTTON]
            )
        top = hits[0]
        name = _item_name(ctx, sku) or str(ctx.data.get("name") or "") or None
        if query is None and ctx.text and not answers_the_point(ctx.text, name, top.snippet):
            where = f"the guides for your {name}" if name else "our guides"  # "blender is too loud": nothing on it
            return Outcome.say(
                f"I couldn't find that in {where}. A person on our team can help.",
                buttons=[HUMAN_BUTTON],
                links=[Link(hit.article.title, hit.article.url) for hit in hits[:1]],
            )
        return Outcome(
            replies=[
                Reply(
                    f"This might help: {top.snippet}",
                    links=[Link(hit.article.title, hit.article.url) for hit in hits],
                    buttons=[STILL_STUCK_BUTTON],
                )
            ],
            await_step="followup",
            data=_followup_data(ctx, sku),
        )


#: "step 3 doesn't make sense", "I'm stuck at step 4"
_STEP_REF = re.compile(r"\bstep (?:number |no\.? ?)?(\d{1,2})\b", re.I)


def _step_asked(ctx: HandlerContext, sku: str) -> Outcome | None:
    """A step of the product's setup guide the shopper refers to by number, in full, with a person."""
    found = _STEP_REF.search(ctx.text)
    guides = ctx.knowledge.base.for_product(sku, kind="setup")
    if found is None or not guides:
        return None
    steps = guides[0].steps()
    number = int(found.group(1))
    if not 1 <= number <= len(steps):
        return None
    return Outcome(
        replies=[
            Reply(
                f"Step {number} of the guide says:\n{steps[number - 1]}\nIf it's still unclear, a person on our "
                "team can walk you through it.",
                buttons=[HUMAN_BUTTON],
                links=[Link(guides[0].title, guides[0].url)],
            )
        ],
        await_step="followup",
        data=dict(ctx.data),
    )


def _warranty_claim(
    ctx: HandlerContext, sorry: str, guides: list[Article], data: dict[str, object]
) -> Outcome:
    """ "It stopped working, can I get a replacement?": what the warranty gives and a person to claim it,
    with the product's troubleshooting guide for a quick fix first."""
    text = f"{sorry} {WARRANTY_CLAIM}"
    buttons = [WARRANTY_CLAIM_BUTTON, Button("Return it", "intent:return_request")]
    links: list[Link] = []
    if guides:
        text += " Many faults have a quick fix, so its troubleshooting guide is worth a look first."
        buttons.append(Button("Troubleshooting tips", f"setup:troubleshoot:{data['sku']}"))
        links.append(Link(guides[0].title, guides[0].url))
    warranty = ctx.knowledge.base.get(WARRANTY_ARTICLE)
    if warranty is not None:
        links.append(Link(warranty.title, warranty.url))
    return Outcome(replies=[Reply(text, buttons=buttons, links=links)], await_step="followup", data=data)


def _section_reply(
    lead: str, title: str, url: str, section: Section, source: str = "From its troubleshooting guide:"
) -> Reply:
    """One section of a guide, under ``lead``, with the guide's link."""
    return Reply(f"{lead} {source}\n{section.heading}\n{section.text()}", links=[Link(title, url)])


def _general_answer(ctx: HandlerContext) -> Reply | None:
    """The passage of a help article about no product that clearly answers the message (it scores
    :data:`MIN_TOP_SCORE` and at least twice the next hit), for a how-to question naming no product."""
    hits = ctx.knowledge.index.search(ctx.text, limit=2) if ctx.text.strip() else []
    if not hits or hits[0].score < MIN_TOP_SCORE or hits[0].article.products:
        return None
    if len(hits) > 1 and hits[1].score * 2 > hits[0].score:
        return None
    reply = passage_reply(hits[0], FROM_THE_HELP_CENTRE)
    reply.buttons = [HUMAN_BUTTON]
    return reply


def _top_guide_hit(ctx: HandlerContext, sku: str) -> SearchHit | None:
    """The product's own guide that the search ranks first for the message, if it scores
    :data:`MIN_TOP_SCORE`."""
    hits = ctx.knowledge.index.search(ctx.text, limit=3, products=[sku], intent="setup_help")
    own = [hit for hit in hits if sku in hit.article.products]
    return own[0] if own and own[0].score >= MIN_TOP_SCORE else None


#: connectivity a shopper may ask a product about, by the words its guides would use
_FEATURES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Wi-Fi", re.compile(r"\bwi-?fi\b|\bwireless(?:ly)?\b|\bwlan\b", re.I)),
    ("Bluetooth", re.compile(r"\bbluetooth\b", re.I)),
    ("an app", re.compile(r"\b(?:the |an |your )?(?:phone |smartphone |mobile )?app\b", re.I)),
    ("voice assistants", re.compile(r"\balexa\b|\bgoogle (?:home|assistant|nest)\b|\bsiri\b|\bhomekit\b", re.I)),
    ("a reset", re.compile(r"\bfactory[- ]?(?:reset|settings|defaults?)\b|\breset(?:s|ting)?\b", re.I)),
)


def _not_in_guides(feature: str, sku: str, name: str | None, guide: Article) -> Outcome:
    """The product's guides never mention ``feature``: a person can check, the setup guide a button away."""
    what = f"your {name}" if name else "it"
    return Outcome.say(
        f"I couldn't find anything about {feature} in the guides for {what}. A person on our team can check "
        "that for you.",
        buttons=[HUMAN_BUTTON, Button("Show the setup guide", f"setup:product:{sku}")],
        links=[Link(guide.title, guide.url)],
    )


def _followup_data(ctx: HandlerContext, sku: str) -> dict[str, object]:
    """What a follow-up about ``sku`` keeps: its name, and whether it was troubleshot already."""
    data: dict[str, object] = {"sku": sku, "name": _item_name(ctx, sku) or str(ctx.data.get("name") or "")}
    if ctx.data.get("troubleshot") and ctx.data.get("sku") == sku:
        data["troubleshot"] = True
    return data


def _guide_passage(ctx: HandlerContext, article: Article, name: str | None) -> str | None:
    """The passage of the setup guide that answers a question other than how to set the product up,
    when it is not one of the numbered steps (those are shown in full) and shares the question's point."""
    passage = ctx.knowledge.index.passage(article, ctx.text)
    if passage is None or not answers_the_point(ctx.text, name, passage):
        return None
    if any(passage.startswith(step[:40]) or step.startswith(passage[:40]) for step in article.steps()):
        return None
    return passage


def _own_guide_hit(ctx: HandlerContext, sku: str) -> SearchHit | None:
    """The search's best hit among the product's own guides, when it answers the message's point."""
    hits = ctx.knowledge.index.search(ctx.text, limit=1, products=[sku], intent="setup_help")
    if not hits or sku not in hits[0].article.products:  # another article ranks first: not the guides' question
        return None
    name = str(ctx.data.get("name") or "") or None
    return hits[0] if answers_the_point(ctx.text, name, hits[0].snippet) else None


def _feature_not_in_guides(ctx: HandlerContext, sku: str) -> str | None:
    """The feature the shopper asks about ("wifi", "the app") when none of the product's guides mention it."""
    guides = ctx.knowledge.base.for_product(sku)
    for feature, pattern in _FEATURES:
        if pattern.search(ctx.text) and guides and not any(pattern.search(a.body) for a in guides):
            return feature
    return None


def _searched_section(ctx: HandlerContext, sku: str, name: str | None) -> tuple[Article, Section] | None:
    """The product's guide that the search ranks first for the message, and its section that answers:
    the best one by shared words, else the one holding the search's passage if that passage shares a
    word with the message."""
    hit = _top_guide_hit(ctx, sku)
    if hit is None:
        return None
    article = hit.article
    section = best_section(article, ctx.text, name) or section_of_passage(article, hit.snippet, ctx.text, name)
    return (article, section) if section is not None else None


def _needing_setup(items: Iterable[OrderItem]) -> list[OrderItem]:
    """The lines that need setting up, each product once."""
    found: dict[str, OrderItem] = {}
    for item in items:
        if item.requires_setup and item.sku not in found:
            found[item.sku] = item
    return list(found.values())


async def _bought_needing_setup(ctx: HandlerContext, customer_id: int) -> list[OrderItem]:
    """Products needing setup in the shopper's recent orders, most recent first, each once."""
    orders = await ctx.repos.orders.for_customer(customer_id=customer_id, limit=RECENT_ORDERS)
    return _needing_setup(item for details in orders for item in details.items)[:MAX_PRODUCT_BUTTONS]


def _other_product(ctx: HandlerContext, names: list[str]) -> str | None:
    """A thing the typed message is about that is none of ``names`` ("the wardrobe"), or None."""
    if ctx.payload is not None or not ctx.text or ctx.step == "followup":
        return None
    return other_product(ctx.text, names)


def _no_guide_for(thing: str, items: list[OrderItem], trouble: bool) -> Outcome:
    """No guide for ``thing`` (not a product we sell or the shopper bought): a person, or the shopper's
    own products if one of them was meant."""
    kind = "troubleshoot" if trouble else "product"
    buttons = [Button(item.name, f"setup:{kind}:{item.sku}") for item in items[:MAX_PRODUCT_BUTTONS]]
    mine = " If you meant one of your products below, pick it." if buttons else ""
    return Outcome(
        replies=[
            Reply(
                f"I don't have a guide for the {thing}: I only have guides for the products we sell. A person on "
                f"our team can help with it.{mine}",
                buttons=[*buttons, HUMAN_BUTTON],
            )
        ],
        await_step="product",
        data={"trouble": trouble, "names": {item.sku: item.name for item in items}},
    )


def _which(lead: str, items: list[OrderItem], trouble: bool) -> Outcome:
    """Ask which product, with a button each (troubleshooting buttons for a symptom)."""
    kind = "troubleshoot" if trouble else "product"
    question = f"{lead} is giving you trouble?" if trouble else f"{lead} do you need help with?"
    return Outcome(
        replies=[Reply(question, buttons=[Button(item.name, f"setup:{kind}:{item.sku}") for item in items])],
        await_step="product",
        data={"trouble": trouble, "names": {item.sku: item.name for item in items}},
    )


def _item_name(ctx: HandlerContext, sku: str) -> str | None:
    items: list[OrderItem] = list(ctx.order.items) if ctx.order is not None else []
    for item in items:
        if item.sku == sku:
            return item.name
    for product in ctx.understanding.products:
        if product.sku == sku:
            return product.name
    offered = ctx.data.get("names")
    if isinstance(offered, dict) and isinstance(offered.get(sku), str):
        return str(offered[sku])
    if ctx.data.get("sku") == sku and ctx.data.get("name"):  # the product the flow is about
        return str(ctx.data["name"])
    return None
