"""Dialogue policy: global commands and when a message switches topic mid-flow.

Pure functions over :class:`~handlers.context.Understanding` so the rules are easy to read
and to test on their own.
"""

from __future__ import annotations

import re

from bot.engine.state import DialogueState
from bot.nlu.classifier import DEFAULT_THRESHOLD
from bot.nlu.topics import PRODUCT_CARE, NearDomainTopic, near_domain_topic
from handlers.context import Understanding
from handlers.delivery_problem import (
    detect_kind,
    reports_damage_on_arrival,
    reports_damaged_parcel,
    says_promised_day_passed,
    says_wrong_item,
)
from handlers.exchanges import fits_badly, wants_exchange
from handlers.human_agent import asks_support_hours
from handlers.mentions import product_alone
from handlers.near_domain import (
    asks_about_carriers,
    asks_what_was_paid,
    asks_when_charged,
    asks_where_we_ship,
)
from handlers.order_changes import (
    asks_about_delivery_instructions,
    asks_for_another_day,
    asks_for_pickup_point,
    asks_to_ship_part_first,
    says_nobody_home,
)
from handlers.order_status import (
    asks_for_a_deadline,
    asks_for_carrier_contact,
    asks_if_the_carrier_calls,
    question_focus,
)
from handlers.preference_requests import parse_text
from handlers.preferences import asks_for_delivery_news, asks_why_messaged
from handlers.returns import asks_about_shipping_refund, asks_where_returns_go
from handlers.smalltalk import (
    LEAD_INS,
    PRAISE_WORDS,
    asks_for_help,
    dismissed,
    frustrated,
    greets_and_nothing_more,
    introduced_name,
    only_thanks,
    thanks_and_nothing_more,
    threatens,
    wrong_chat,
)
from handlers.troubleshooting import faulty_and_wants_remedy

OUT_OF_SCOPE = "out_of_scope"
HUMAN_AGENT = "human_agent"
GREETING = "greeting"
NOTIFICATION_PREFERENCES = "notification_preferences"
#: the flow that answers "can you compensate me?" (not an NLU intent: routed by :func:`wants_compensation`)
COMPENSATION = "compensation"
#: the button on handoff acknowledgements that gives the conversation back to the bot
LEAVE_HANDOFF_PAYLOAD = "handoff:leave"
#: intents clear enough to be answered while the shopper waits for a person
CLEAR_REQUEST_INTENTS = frozenset(
    {
        "order_status",
        "delivery_problem",
        "return_request",
        "refund_status",
        "return_policy",
        "cancel_order",
        "change_order",
        "setup_help",
    }
)
#: intents a compensation request may be read as (besides unclear and out-of-scope readings)
COMPENSATION_READINGS = frozenset(
    {"refund_status", "delivery_problem", "order_status", "return_request", "return_policy"}
)

#: below this confidence an idle message goes to the fallback: the NLU's own out-of-scope threshold, so the
#: engine honours every intent the classifier gives (its confidence is the intent family's probability)
MIN_CONFIDENCE = DEFAULT_THRESHOLD
#: a new intent this confident interrupts the flow that waits for an answer
SWITCH_CONFIDENCE = 0.7
#: ... and this confident when the flow waits for free text (a description, an address)
FREE_TEXT_SWITCH_CONFIDENCE = 0.9
#: an unrelated question this clearly out of scope leaves a flow (not a free-text step) for the fallback
OUT_OF_SCOPE_SWITCH_CONFIDENCE = 0.9

_SHORT_ANSWER = re.compile(
    r"^\W*(?:y|n|yes|no|yeah|yep|yup|nope|nah|ok|okay|sure|fine|right|correct|both|all|none|neither|"
    r"all of them|the first one|the second one|first|second|third|last|this one|that one|\d{1,2})\W*$",
    re.I,
)

#: picks from a list just shown: "not the kettle", "the first one", "that one that's expiring soon"
_PICK = re.compile(
    r"^\W*(?:not (?:the|that|this|my) \w+(?: \w+)?|(?:just|only) (?:the |my |one |that |this )?"
    r"(?!(?:cancel|stop|return|want|need|wanted|checking|asking|looking|wondering|browsing)\b)\w+(?: \w+)?|"
    r"(?:just |only )?(?:the |that )?(?:first|second|third|last)(?: one)?|"
    r"(?:that|the) one (?:that'?s|which is|that is|expiring|ending|closing)\b[^?]*)\W*$",
    re.I,
)
def picks_from_a_list(text: str) -> bool:
    """ "The second one", "not the kettle", "just the mugs": a pick from a list just shown."""
    return bool(_PICK.match(text))


#: "I can't find it", "don't have it", "lost the email": an answer to "what's your order number?"
#: (it is not at hand), not a new question about a parcel that can't be found
#: "it's under my husband's name", "my wife ordered it": whose order it is, said while asked for its number
_SOMEONE_ELSES_ORDER = re.compile(
    r"\b(?:under|in|on) (?:my |the )?(?:\w+(?:'s|s)? )?name\b|"
    r"\b(?:my|our) (?:husband|wife|partner|mum|mom|dad|father|mother|son|daughter|friend|boyfriend|girlfriend|"
    r"brother|sister|colleague|boss|flatmate|roommate)\b.{0,20}\b(?:ordered|bought|placed|paid|account)\b|"
    r"\b(?:someone|somebody) else\b.{0,20}\b(?:ordered|bought|placed|paid)\b|"
    r"\b(?:ordered|bought|placed)\b.{0,20}\b(?:for|by) (?:me|someone else|somebody else)\b|"
    r"\b(?:it'?s|its|it is|it was|that'?s) (?:my|our) (?:husband|wife|partner|mum|mom|dad|father|mother|son|daughter|"
    r"friend|boyfriend|girlfriend|brother|sister|colleague|boss)'?s? (?:e-?mail|account|phone|number)\b",
    re.I,
)


def about_someone_elses_order(text: str) -> bool:
    """ "It's under my husband's name", "my wife ordered it": whose order it is, not another question."""
    return bool(_SOMEONE_ELSES_ORDER.search(text))


#: "where do I find my order number", "what does an order number look like", and, asked for it, "where do
#: I find that": where the number is, not the question "what's your order number?" again
_WHERE_IS_NUMBER = re.compile(
    r"\b(?:where|how)\b.{0,25}\b(?:find|get|see|look up|locate|check)\b.{0,20}\border\s+(?:number|no\b|#|id\b)|"
    r"\bwhere(?:'s| is| would| will| can| do)\b.{0,12}\b(?:the|an?|my)\s+order\s+(?:number|no\b|id\b)(?!\W*\d)|"
    r"\bwhat(?:'?s)?\b.{0,12}\border\s+(?:number|no\b|id\b).{0,12}\blook like\b|"
    r"\bwhat (?:is|'s|s) an order (?:number|no\b)|"
    r"\b(?:which|what)\s+(?:one|number|code)\b.{0,20}\b(?:is|'s)\s+(?:the|my)\s+order\s+(?:number|no\b|id\b)",
    re.I,
)
#: "where do I find that", said when asked for the order number
_WHERE_DO_I_FIND_IT = re.compile(
    r"^\W*(?:and\s+|so\s+|um+\s+|sorry\W+)?(?:where|how)\s+(?:do|can|would|will|should)\s+i\s+(?:find|get|see|look|check)"
    r"(?:\s+(?:for\s+)?(?:it|that|this|one|them))?(?:\s+(?:again|then|please))?\W*$",
    re.I,
)


#: "why do you need that", "can't you look me up by my name": why the number is asked for
_WHY_NEEDED = re.compile(
    r"\b(?:is (?:this|it|that) (?:safe|secure)|safe to (?:give|share|send|tell)|"
    r"(?:don'?t|do not) want to (?:give|share|send))\b|"
    r"\bwhy (?:(?:do|would|should|d'?) ?)?(?:you|u|ya) (?:need|want)\b|\bwhat do (?:you|u) need (?:it|that) for\b|"
    r"\b(?:look|find|search|check) (?:me|it|my order|my details) up (?:by|with|from) (?:my )?(?:name|account)\b|"
    r"\b(?:by|with|from|under) my (?:name|account)\b.{0,20}\?|\bcan'?t (?:you|u) (?:just )?(?:look|find|search|check)\b|"
    # "why is that necessary?", "I'd rather not type my email into a chat. Is this actually the shop?"
    r"\bwhy (?:is|would) (?:that|this|it) (?:be )?(?:necessary|needed|required)\b|"
    r"\b(?:i'?d|i would) rather not (?:type|give|share|send|put|enter)\b|"
    r"\bis (?:this|it) (?:actually |really |even )?(?:the shop|the store|you guys|legit|legitimate|a scam|real)\b|"
    # "please confirm how it will be stored and whether it is shared with any third party"
    r"\bhow (?:will|is|would) (?:it|my \w+|that|this) (?:be )?(?:stored|used|kept|handled)\b|\bshared with\b|"
    r"\bthird[- ]part(?:y|ies)\b|\bpersonal (?:data|information|details)\b|\b(?:gdpr|privacy)\b",
    re.I,
)


def asks_why_details_needed(text: str) -> bool:
    """ "Why do you need that?", "can't you look me up by my name?", "is this safe?": asked for an order number
    or a contact, why it is needed (an answer to the question asked, not a new topic)."""
    return bool(_WHY_NEEDED.search(text))


def asks_where_the_order_number_is(text: str, *, asked: bool = False) -> bool:
    """ "Where do I find my order number?", "what does an order number look like?"; when the number was just
    ``asked`` for, also "where do I find it?"."""
    return bool(_WHERE_IS_NUMBER.search(text) or (asked and _WHERE_DO_I_FIND_IT.search(text)))


#: "wait please, I'm searching my email", "one moment": said while asked for the order number, which is still coming
_FINDING_IT = re.compile(
    r"\b(?:wait|hold on|hang on|one (?:moment|minute|min|sec(?:ond)?)|just a (?:moment|minute|min|sec(?:ond)?)|"
    r"give me a (?:moment|minute|min|sec(?:ond)?|bit)|bear with me|"
    r"(?:searching|looking|checking|digging)(?: for it)?(?: through| in)? (?:my |the )?(?:e-?mails?|inbox|messages)|"
    r"let me (?:find|look for|search for|dig out|dig up|get) (?:it|that|the number|the e-?mail))\b",
    re.I,
)
#: "I placed 2 orders, which one do you need": any of them
_SEVERAL_ORDERS = re.compile(
    r"\b(?:two|2|three|3|several|multiple|a few|many|more than one)\s+(?:orders|purchases)\b", re.I
)
#: a number long enough to be an order number: given after all
_NUMBER_GIVEN = re.compile(r"\d{3,}")
#: "it's the one with the blender": the order described instead of numbered
_DESCRIBED_ORDER = re.compile(
    r"(?:^\W*|\b(?:it'?s|its|it is|it was)\s+)(?:the|my)\s+(?:one|order)\s+(?:with|for|where|that (?:had|has|was))\b", re.I
)
#: "Invoice INV-77421, is this the number?": an invoice's number offered for the order's
_INVOICE_NUMBER = re.compile(r"\binvoice\b|\bINV-?\d", re.I)


def offers_an_invoice_number(text: str) -> bool:
    """ "In my email it says 'Invoice INV-77421', is this the number?": the invoice's number, not the order's."""
    return bool(_INVOICE_NUMBER.search(text))


def finding_the_number(text: str) -> bool:
    """ "Wait please, I'm searching my email", "one moment": asked for the order number, the shopper is looking."""
    return bool(_FINDING_IT.search(text)) and not _NUMBER_GIVEN.search(text)


def asks_which_of_several_orders(text: str) -> bool:
    """ "I placed 2 orders last week, which one do you need?": asked for the order number, any one will do."""
    return bool(_SEVERAL_ORDERS.search(text)) and not _NUMBER_GIVEN.search(text)


def describes_the_order(text: str) -> bool:
    """ "It's the one with the blender": the order described, said when asked for its number."""
    return bool(_DESCRIBED_ORDER.search(text))


_NOT_AT_HAND = re.compile(
    r"^\W*(?:i\s+)?(?:(?:can'?t|cannot|can not|couldn'?t)\s+find|(?:don'?t|do not)\s+(?:have|know|remember))"
    r"\s+(?:it|that|one|the (?:number|email|confirmation))(?:\s+(?:anywhere|sorry|now))?\W*$|"
    r"^\W*(?:i\s+)?(?:lost|deleted)\s+(?:it|the (?:email|confirmation))\W*$",
    re.I,
)

_HUMAN = re.compile(
    r"^\W*(?:(?:i want|i need|can i|could i|let me|please)?\s*(?:to\s+)?(?:talk|speak|chat)\s+(?:to|with)\s+)?"
    r"(?:an?\s+|the\s+|some\s+)?(?:agent|human|person|real person|human being|operator|representative|rep|"
    r"live agent|customer service|support agent|someone real|somebody real)(?:\s+please)?\W*$",
    re.I,
)
_CANCEL = re.compile(
    r"^\W*(?:cancel|cancel that|cancel this|stop|stop that|stop this|start over|quit|abort|"
    + LEAD_INS
    + r"(?:never ?mind|nvm|forget it|forget about it|leave it)"
    r"(?:\W+(?:then|please|thanks|thank you))?)\W*$",
    re.I,
)
#: "nevermind, I found the tracking link in the email, thanks though": the same, with a reason after it ...
_NEVER_MIND_LEAD = re.compile(r"^\W*(?:(?:oh|ah|ok(?:ay)?|actually)\W+)?(?:never ?mind|nvm|forget it|forget about it)\b", re.I)
#: ... unless something else is asked after it ("never mind, where's my refund?")
_ASKS_ON = re.compile(r"\?|\b(?:but|can you|could you|please|pls|where|when|how|why|what|want|need)\b", re.I)
#: "found it", "actually it's fine", "it turned up": said while the bot waits for an answer, the question is gone
_RESOLVED = re.compile(
    r"^\W*(?:(?:oh|ah|wait|sorry|actually|ok(?:ay)?|oops|haha)\W+)*(?:i\s+)?(?:just\s+)?"
    r"(?:found it|i found it|it'?s (?:fine|ok(?:ay)?|sorted|all good|here|arrived)|all good|it turned up|"
    r"it (?:just )?(?:arrived|came|turned up)|it'?s just arrived|no need|sorted)"
    r"(?:\W+(?:now|then|thanks|thank you|sorry|after all|never ?mind))*\W*$",
    re.I,
)
_STOP_NOTIFICATIONS = re.compile(
    r"^\W*(?:/stop|stop|unsubscribe|stop messaging me|stop texting me)\W*$", re.I
)
_PREFERENCES = re.compile(
    r"\b(?:stop|unsubscribe|no more|don'?t (?:send|message|text)|do not (?:send|message|text)|opt ?out|turn off|"
    r"switch off|mute|start|resume|turn on|switch on)\b.{0,40}\b(?:updates?|messages|notifications?|guides?|"
    r"review requests?|reviews|texts|emails|alerts|reminders)\b|"
    # "the bot keeps messaging me “Rate your delivery!”, can you make it stop?"
    r"\b(?:keeps?|keep on) (?:messaging|texting|sending|pinging|emailing|notifying|bugging) (?:me|us)\b.{0,80}"
    r"\b(?:stop|turn (?:it|them|that|this) off|mute|unsubscribe)\b",
    re.I,
)
_MENU = re.compile(
    r"^\W*(?:(?:hi|hello|hey|hiya|ok|okay|so|um|erm)\W+)*(?:/start|/help|help|menu|main menu|options|start|"
    r"(?:i )?need (?:some |your )?(?:help|assistance)(?: (?:please|pls|with something))?|"
    r"(?:i )?(?:need|want|would like|'d like) (?:some |your )?(?:help|assistance) (?:with|about|regarding|on) "
    r"(?:an?|my|the|one of my|our) (?:order|purchase|delivery|parcel|package)s?(?: (?:please|pls))?|"

    r"help me(?: (?:please|pls|out))?|please help(?: me)?|"
    r"(?:can|could) (?:you|u|someone|anyone|somebody) help(?: me)?(?: (?:please|pls|out|with something))?|"
    r"i (?:have|got|'ve got) (?:a|an|some) (?:quick |small |little )?(?:questions?|problems?|issues?)|what can you do|"
    r"what do you do|how does this work)\W*$",
    re.I,
)
_LEAVE_HANDOFF = re.compile(
    r"^\W*(?:(?:go |take me |i want to go |let me go )?back to (?:the )?(?:bot|assistant|chat ?bot|menu)|"
    r"cancel|cancel (?:that|it|this|the request|my request|the handoff)|main menu|menu|/start|/menu|"
    r"never ?mind|nvm|forget it|"
    r"(?:i )?(?:don'?t|do not|no longer) need (?:a person|a human|an agent|anyone|someone|help)(?: any ?more)?)"
    r"\W*$",
    re.I,
)
_COMPENSATION = re.compile(
    r"\b(?:compensat\w*|recompense|goodwill (?:gesture|credit|payment)|make (?:it|this|that) up to me|"
    r"(?:money|something) back for (?:the|this|my) (?:delay|damage|trouble|wait)|"
    r"\b(?:discount|voucher|coupon|credit|money off|partial refund|something)\b.{0,25}\b(?:for|because of|due to|"
    r"after) (?:the|this|my|all (?:the|this)) (?:delay|wait(?:ing)?|trouble|inconvenience|hassle|late delivery))",
    re.I,
)


#: "yes", "yes please", "sure, a person please": taking an offer made in the last answer
_TAKES_OFFER = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|ya|sure|please|please do|do it|go ahead|that would be (?:great|good)|"
    r"yes,? please|sure,? please)(?:\W+(?:a |get (?:me )?a |to a )?(?:person|human|agent|someone))?"
    r"(?:\W+(?:please|pls|thanks|thank you))?\W*$",
    re.I,
)


def takes_offered_person(understanding: Understanding, state: DialogueState) -> bool:
    """ "Yes" (typed, no button) right after an answer that offered a person: the shopper takes it."""
    return state.offered_person and understanding.payload is None and bool(_TAKES_OFFER.match(understanding.text))


#: "that's not what I asked", "you didn't understand": the last answer missed the question
_MISUNDERSTOOD = re.compile(
    r"\b(?:that'?s|that is|this is|thats|it'?s) not what i (?:asked|meant|wanted|said|need(?:ed)?)\b|"
    r"^\W*not what i (?:asked|meant)\b|\byou (?:didn'?t|did not|don'?t|do not) (?:understand|get it|get me)\b|"
    r"\b(?:that|this) (?:doesn'?t|does not|didn'?t|did not) answer (?:my|the) question\b|"
    r"\bwrong answer\b|\byou misunderstood\b|\bthat'?s not (?:what i|my question)\b|"
    r"\b(?:you'?re|you are|ur|u r|you) (?:not|still not|n'?t) (?:answering|listening to|reading) (?:my|the) (?:question|message)\b|"
    r"\b(?:stop|quit) (?:giving|sending|telling) me the same (?:answer|thing|reply|message)\b|"
    r"\b(?:same|that) (?:answer|reply) again\b|\byou(?:'ve| have)? (?:already )?(?:said|told me) that\b",
    re.I,
)


#: a message that ends on a farewell ...
_SIGN_OFF = re.compile(r"\b(?:good ?bye|bye(?: ?bye)?|see (?:you|ya)|take care|ciao|cya)\W*$", re.I)
#: ... after thanks or an acceptance ...
_CLOSING = re.compile(
    r"\b(?:thanks?|thank you|thx|ty|cheers|ok(?:ay)?|perfect|great|sorted|(?:i'?ll|i will) wait|fine|alright|"
    r"all right|understood|got it|noted)\b",
    re.I,
)
#: ... and asks nothing more
_STILL_ASKING = re.compile(
    r"\?|\b(?:cancel|return|refund|change|send|want|need|please|pls|can you|could you|where|when|why|how|but)\b",
    re.I,
)


#: a greeting in another language, alone: "Assalamu alaikum", "Bonjour", "Hola, good afternoon"
_OTHER_GREETING = re.compile(
    r"^\W*(?:(?:hi|hello|hey)\W+)?(?:as+-?s?alam+u?\W*(?:o|u)?\W*alaik(?:um|om)|salam(?:\W+alaik(?:um|om))?|salaam|"
    r"bonjour|bonsoir|salut|hola|buen[oa]s (?:d[ií]as|tardes|noches)|buenas|hallo|guten (?:tag|morgen|abend)|servus|"
    r"moin|ciao|buongiorno|buonasera|ol[aá]|oi|bom dia|boa (?:tarde|noite)|hoi|goedemorgen|goedemiddag|merhaba|"
    r"namaste|namaskar|shalom|konnichiwa|ni ?hao|privet|zdravstvuyte|hej|hei|ahoj|cze[sś][cć]|jambo|habari|"
    r"kamusta|kumusta|sawasdee|xin ch[aà]o|howzit|heita|sawubona|molo|dumela|kia ora|aloha)"
    r"(?:\W+(?:(?:good )?(?:morning|afternoon|evening|day)|there|everyone|all|team|bot))?\W*$",
    re.I,
)
#: thanks and farewells in other languages, alone: "Obrigada, tchau!", "merci, au revoir", "gracias"
_OTHER_GOODBYE_WORDS = (
    r"obrigad[oa]|tchau|adi[oó]s|gracias|muchas gracias|merci(?: beaucoup)?|au revoir|[àa] bient[ôo]t|danke(?: sch[öo]n)?|"
    r"tsch[üu]ss?|auf wiedersehen|grazie(?: mille)?|arrivederci|dank je(?: wel)?|bedankt|doei|shukran|"
    r"dhanyavaa?d|shukriya|spasibo|poka|xie ?xie|arigato|teşekkürler|tesekkurler|salamat|ciao|"
    r"bye|thanks?|thank you|ok(?:ay)?"
)
_OTHER_GOODBYE = re.compile(rf"^\W*(?:(?:{_OTHER_GOODBYE_WORDS})\W*)+$", re.I)
_ENGLISH_ONLY_GOODBYE = re.compile(r"^\W*(?:(?:bye|thanks?|thank you|ok(?:ay)?)\W*)+$", re.I)


#: "why is everything so expensive here": the shop's prices in general
_PRICE_COMPLAINT = re.compile(
    r"\b(?:so|too|really|very|way too|crazy|ridiculously|super) (?:expensive|pricey|dear)\b|\boverpriced\b|"
    r"\bprices? (?:are|is) (?:so |too |way too |really )?(?:high|crazy|ridiculous|insane)\b",
    re.I,
)


def greeting_or_goodbye_in_another_language(text: str) -> str | None:
    """``greeting`` for a greeting alone in another language ("Assalamu alaikum", "Bonjour"), ``goodbye`` for
    thanks or a farewell alone ("Obrigada, tchau!", "merci, au revoir"), else None."""
    if _OTHER_GREETING.match(text):
        return "greeting"
    if _OTHER_GOODBYE.match(text) and not _ENGLISH_ONLY_GOODBYE.match(text):
        return "goodbye"
    return None


def signs_off(text: str) -> bool:
    """ "Okay thank you, I will wait then. Bye": thanks or an acceptance, then a farewell, and no question
    or request left (the NLU may read the order words in it as a status question)."""
    return bool(_SIGN_OFF.search(text) and _CLOSING.search(text)) and not _STILL_ASKING.search(text)


def says_misunderstood(understanding: Understanding) -> bool:
    """ "That's not what I asked", typed: the last answer missed the question."""
    return understanding.payload is None and bool(_MISUNDERSTOOD.search(understanding.text))


#: "put me through to a real person", "can I speak with someone": a person asked for inside a longer message
_PERSON_ASKED = re.compile(
    r"\b(?:put me through|connect me|transfer me|pass me|talk|speak|chat)\b.{0,20}\b(?:real |actual |live |human )?"
    r"(?:person|human|agent|someone|somebody|representative|rep|operator)\b",
    re.I,
)


def asks_for_a_person(text: str) -> bool:
    """ "Can you put me through to a real person, I want to ask about ...": a person asked for, whatever else the
    message goes on to say (checked with the NLU's reading)."""
    return bool(_PERSON_ASKED.search(text))


def wants_human(understanding: Understanding) -> bool:
    """ "agent", "human", "talk to a person" ...: honoured at any point of any flow."""
    return bool(understanding.text) and bool(_HUMAN.match(understanding.text))


def wants_cancel(understanding: Understanding) -> bool:
    """ "cancel", "stop that", "never mind" ...: drops the flow that waits for an answer."""
    if understanding.payload == "cancel":
        return True
    text = understanding.text
    return bool(text) and bool(_CANCEL.match(text) or (_NEVER_MIND_LEAD.match(text) and not _ASKS_ON.search(text)))


def says_resolved(understanding: Understanding) -> bool:
    """ "found it", "actually it's fine": the shopper no longer needs what the bot is asking for."""
    return understanding.payload is None and bool(understanding.text) and bool(_RESOLVED.match(understanding.text))


def wants_stop_notifications(understanding: Understanding) -> bool:
    """``/stop`` (any time) or a bare "stop" / "unsubscribe" when nothing is in progress."""
    return bool(understanding.text) and bool(_STOP_NOTIFICATIONS.match(understanding.text))


def wants_preferences(understanding: Understanding) -> bool:
    """ "stop shipping updates", "no more review requests": opt-outs are honoured whatever the NLU thinks.

    Marketing email ("unsubscribe me from your promotional emails") is the newsletter, a near-domain topic,
    not doorstep's order updates: it never turns those off.
    """
    if understanding.topic == "newsletter":
        return False
    return bool(understanding.text) and bool(_PREFERENCES.search(understanding.text))


def wants_menu(understanding: Understanding) -> bool:
    """``/start``, "help", "menu", "I need help", "can you help me?", "hi, my name is Sam": show what the
    bot can do."""
    text = understanding.text
    return bool(text) and (bool(_MENU.match(text)) or introduced_name(text) is not None)


def wants_to_leave_handoff(understanding: Understanding) -> bool:
    """ "back to the bot", "cancel", "main menu" or the button: the shopper no longer waits for a person."""
    if understanding.payload is not None:
        return understanding.payload in (LEAVE_HANDOFF_PAYLOAD, "cancel", "intent:greeting")
    return bool(understanding.text) and bool(_LEAVE_HANDOFF.match(understanding.text))


def clear_request(understanding: Understanding) -> bool:
    """A typed question the bot can answer itself, confidently understood (not small talk, not a person).

    While a person is awaited such a question is answered at once instead of waiting in the queue.
    """
    if understanding.payload is not None or not understanding.text:
        return False
    if wants_compensation(understanding):
        return True
    return understanding.intent in CLEAR_REQUEST_INTENTS and understanding.confidence >= SWITCH_CONFIDENCE


def wants_compensation(understanding: Understanding) -> bool:
    """ "can you compensate me?", "I want compensation for the delay": the compensation flow.

    Only when the NLU read the message as a refund, a delivery problem, an order question, or
    nothing clear: "cancel my order, no compensation needed" stays a cancellation.
    """
    if understanding.payload is not None or not understanding.text:
        return False
    if not _COMPENSATION.search(understanding.text):
        return False
    intent = understanding.intent
    return (
        intent is None
        or intent == OUT_OF_SCOPE
        or intent in COMPENSATION_READINGS
        or understanding.confidence < SWITCH_CONFIDENCE
    )


_ENTITY_TEXT = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\+?\d[\d\s().-]*\d|#?\b[a-z]{0,4}-?\d+\b|\b(?:order|number|no|nr|num|my|is|it'?s|its|"
    r"email|e-mail|mail|phone|mobile|tracking|and|the|for|of|on|it|here|ok|okay|sure|thanks|please|"
    r"address|was|used|i|me)\b|[^\w]",
    re.I,
)


def entity_only(understanding: Understanding) -> bool:
    """True when the message is just an order number, email, phone or tracking number (and filler)."""
    has_entity = understanding.order_numbers or understanding.has_contact or understanding.tracking_numbers
    return bool(has_entity) and not _ENTITY_TEXT.sub("", understanding.text).strip()


def contact_only(understanding: Understanding) -> bool:
    """True when the message is just an email or phone (and filler): no order or tracking number."""
    return (
        understanding.has_contact
        and not understanding.order_numbers
        and not understanding.tracking_numbers
        and entity_only(understanding)
    )


#: "what's the status of my return", "has my return been processed": the return's refund status
_RETURN_STATUS = re.compile(
    r"\b(?:i|we)(?:'ve| have)? (?:sent|posted|mailed|returned|dropped off|shipped) (?:it|them|the \w+|my \w+)(?: back)?"
    r"(?: (?:off|in))? (?:over |about |nearly |almost )?(?:\d+|a|an|one|two|three|four|a few|several|a couple of) "
    r"(?:days?|weeks?|months?) ago\b|"
    r"\b(?:status|update|news|progress)\b.{0,25}\bmy return\b|\bmy return\b.{0,25}\b(?:status|processed|received|"
    r"arrived|going|done|got there)\b|^\W*return status\W*$|\bstatus of (?:the|my) return\b|"
    r"\b(?:track|trace|follow|check on) (?:the|my) return(?:ed (?:parcel|package|item))?\b|"
    r"\bwhere(?:'s| is) my return(?:ed (?:parcel|package|item))?\b(?! label)",
    re.I,
)
#: "still waiting on my refund", "where's the refund for ...": a refund already under way
_REFUND_AWAITED = re.compile(
    r"\b(?:waiting|waited) (?:on|for) (?:my|the|a|your|our) refund\b|\bwhere(?:'s| is) (?:my|the|our) refund\b|"
    r"\b(?:haven'?t|have not|hasn'?t|has not|never|not yet) (?:got|gotten|received|seen|had) (?:my|the|a|our) refund\b",
    re.I,
)
#: readings of such a message that it overrides (a return, or nothing clear)
_RETURN_STATUS_READINGS = frozenset({"return_request", "return_policy", "refund_status", OUT_OF_SCOPE, None})
#: "why is it being returned", "why was my order sent back": the parcel is going back to us (not a return
#: the shopper makes)
_SENT_BACK = re.compile(
    r"\b(?:says?|said|shows?|showing|status)\b.{0,20}\breturn(?:ed|ing)? to (?:the )?sender\b|\bwhy\b(?: \w+)?? (?:is|was|are|were|has|have|did|does) (?:it|they|this|that|(?:the|my|our) \w+(?: \w+)?) "
    r"(?:being |been |getting |got |get )?(?:returned|sent back|going back|coming back)\b|"
    r"\b(?:got|was|been|being|is|has been) (?:returned|sent back) to (?:you|u|the sender|sender|the shop|your warehouse)\b",
    re.I,
)
#: "I never got an order confirmation", "no confirmation email": the confirmation email, not a parcel
_NO_CONFIRMATION = re.compile(
    r"\b(?:no|never|not|didn'?t|did not|haven'?t|have not|hasn'?t|has not)\b.{0,30}\b(?:order )?"
    r"(?<!delivery )(?<!shipping )(?<!dispatch )confirmation\b(?! of (?:delivery|shipping|dispatch))|"
    r"\b(?<!delivery )(?<!shipping )(?<!dispatch )confirmation (?:e-?mail )?(?:never|didn'?t|did not|hasn'?t|has not)\b",
    re.I,
)
#: "can I get it sent to my dad directly": another address for the order, asked for
_SEND_ELSEWHERE = re.compile(
    r"\b(?:send|ship|deliver|post|sent|shipped|delivered|posted)\b(?: (?:it|them|this|the \w+|my \w+))? (?:straight |direct(?:ly)? )?"
    r"to (?:him|her|them|my (?:dad|mum|mom|mother|father|parents|friend|sister|brother|son|daughter|office|work|"
    r"partner|wife|husband|grandma|grandmother|grandad|grandfather|gran|nan|aunt|uncle|cousin|boss|colleague)|"
    r"(?:his|her|their) (?:house|place|address|home))\b",
    re.I,
)
#: ... said as a request, not as what happened ("it was sent to my neighbour" is a delivery problem)
_REQUESTED = re.compile(r"\b(?:can|could|would|want|wanna|like|please|possible|instead|direct(?:ly)?|need)\b", re.I)
#: a return already made, so the refund is the question ("I returned it because it arrived broken")
_RETURNED_ALREADY = re.compile(r"\b(?:returned|sent (?:it |them )?back|posted (?:it |them )?back)\b", re.I)
#: readings of "it's fine, no rush" or "no worries" that its waving off overrides
_DISMISSED_READINGS = frozenset(
    {"delivery_problem", "order_status", "refund_status", "setup_help", GREETING, "goodbye", OUT_OF_SCOPE, None}
)
#: "replacement", "can I get a new one sent out": a replacement asked with nothing said of why
_REPLACEMENT = re.compile(
    r"^\W*(?:(?:a|i need a|i want a|need a|want a)\s+)?replacement(?:\s+please)?\W*$|"
    r"\b(?:send|get|have|ship)\b(?: me)? (?:a )?(?:new one|replacement|another one)(?: (?:sent|shipped|out))*\b",
    re.I,
)
#: "do you have it in blue", "does it come in a large": a question before buying, not an exchange
_BEFORE_BUYING = re.compile(
    r"\b(?:do|does) (?:you|u|it|they|the \w+) (?:have|sell|do|make|come)\b|\bin stock\b|\bavailable\b", re.I
)
#: "how do I use it", "setup help for order 1014", "how do I set it all up": setting up what was bought
_SETUP_ASKED = re.compile(
    r"\bhow (?:do|can|should) (?:i|we) (?:use|start using|set up|install|assemble) (?:it|them|this|these|everything|"
    r"my (?:order|stuff|things))\b|\bset (?:it|them|this|everything) (?:all )?up\b|"
    r"\b(?:set ?up|installation|assembly) (?:help|instructions|guide)\b|\bhelp (?:with )?(?:the )?(?:set ?up|setting"
    r" (?:it |them )?up)\b",
    re.I,
)
#: "how do I set the thermostat schedule", "how can I adjust the chair": working a product (nothing of the
#: order named in the question: "how do I set the delivery date" is an order change)
_PRODUCT_HOW_TO = re.compile(
    r"\bhow (?:do|can|should|would) (?:i|we|you|u) (?:set|program|adjust|schedule|use|make|turn|reset|clean|connect|"
    r"pair|calibrate|tilt|raise|lower)\b"
    r"(?![^.,!?]{0,40}\b(?:address|size|colou?r|deliver\w*|ship\w*|order|postcode|date|day|courier|driver)\b)",
    re.I,
)
#: readings, unsure or unrelated, that a setup question's words override
_SETUP_READINGS = frozenset({OUT_OF_SCOPE, "order_status", "notification_preferences", GREETING, None})
#: "where are my headphones", "so where's the kettle": where the product is, with nothing else asked of it
_WHERE_IS = re.compile(
    r"^\W*(?:(?:and|so|ok|okay|but|hi|hey|hello)\W+)*where(?:'s| is| are|s|re| r)? (?:my|the|our) (?P<rest>.+?)"
    r"(?:\s+(?:now|at|then|please|pls))?\W*$",
    re.I,
)
#: "where's my refund for the thermostat", "where is the return label for the kettle": not the parcel asked for
_NOT_THE_PARCEL = re.compile(
    r"\b(?:refunds?|money|credit|return(?:s|ed)?|exchanges?|replacements?|labels?|receipts?|invoices?|warranty)\b", re.I
)
#: "is the kettle in this order", "was the blender part of my order": which items the order holds
_PART_OF_ORDER = re.compile(
    r"\b(?:is|are|was|were) (?:the|my) .{1,40}\b(?:in|part of|included in|on) (?:this|my|the|that) "
    r"(?:order|parcel|package|box|delivery|shipment)\b",
    re.I,
)


def asks_where_the_product_is(understanding: Understanding) -> bool:
    """ "Where are my headphones?", "is the kettle in this order?": the status of the parcel holding a product
    (not its guide, which "where is the serial number on my kettle" asks for)."""
    text = understanding.text
    if _PART_OF_ORDER.search(text):
        return True
    found = _WHERE_IS.match(text)
    if found is None or _NOT_THE_PARCEL.search(found["rest"]):
        return False  # "where's my refund for the thermostat": the refund, not the parcel
    return product_alone(understanding.products, found["rest"]) is not None


#: readings of a product named alone ("blender", "the jacket") that the product's menu overrides
_PRODUCT_ALONE_READINGS = frozenset({"setup_help", "return_request", GREETING, OUT_OF_SCOPE, None})
#: readings an angry message can get from its words ("these messages", "my bank"), which its anger overrides
_ANGER_READINGS = frozenset(
    {OUT_OF_SCOPE, GREETING, "goodbye", "notification_preferences", "refund_status", None}
)
#: "you took my money and sent nothing": the order never came (not a refund under way)
_NOTHING_CAME = re.compile(
    r"\b(?:sent|shipped|delivered) (?:me )?nothing\b|\bnothing (?:has )?(?:came|come|arrived|was sent|was delivered|"
    r"turned up|showed up)\b|\b(?:received|got|had) nothing\b|\bhaven'?t (?:received|got|had) (?:anything|a thing)\b|"
    r"\bnever (?:got|received) (?:anything|my (?:order|parcel|package|stuff)|the (?:order|parcel|package|goods))\b",
    re.I,
)
#: "I think my order was sent to my old address": an address to change or redirect, not a lost parcel
_OLD_ADDRESS = re.compile(
    r"\b(?:sent|shipped|going|heading|posted|addressed|on (?:its|the) way)\b.{0,20}\b(?:my |an |the )?"
    r"(?:old|previous|former|wrong) address\b",
    re.I,
)
_CONFIRMATION_READINGS = frozenset({"delivery_problem", "order_status", "refund_status", OUT_OF_SCOPE, None})
#: readings of "it stopped working, I want a replacement" that the warranty claim overrides
_FAULT_READINGS = frozenset(
    {"return_request", "refund_status", "delivery_problem", "compensation", OUT_OF_SCOPE, None}
)
#: "what did I order", "what's in my order": the order's contents, which its status lists
_WHAT_I_ORDERED = re.compile(
    r"\bwhat (?:did |have )?(?:i|we) (?:order|buy|bought|purchase)(?:ed|d)?\b|"
    r"\bwhat(?:'s| is| was) in (?:my|the|our) (?:order|parcel|package|box)\b",
    re.I,
)
#: "I was charged but my order was cancelled": the refund of a cancelled order, not cancelling it
_CHARGED_FOR_CANCELLED = re.compile(
    r"\b(?:charged|paid|debited|took (?:my|the) money|taken (?:my|the) money)\b.{0,40}\bcancel(?:l?ed)\b|"
    r"\bcancel(?:l?ed)\b.{0,40}\b(?:charged|debited|took (?:my|the) money|still (?:paid|charged))\b",
    re.I,
)
#: "the driver asked me to pay extra on delivery", "they want a fee before delivering it": money asked at the door
_ASKED_TO_PAY_AT_DOOR = re.compile(
    r"\b(?:driver|courier|postman|delivery (?:guy|man|person)|carrier)\b.{0,20}\b(?:asked|asking|asks|wants?|"
    r"wanted|demand\w*|charg\w*|requested)\b.{0,20}\b(?:pay|payment|money|cash|fee|extra)\b|"
    r"\b(?:they|he|she)\b.{0,20}\b(?:asked|asking|asks|wants?|wanted|demand\w*|requested)\b.{0,20}\b(?:pay|payment|money|"
    r"cash|fee)\b.{0,30}\b(?:on delivery|at the door|to deliver|before)\b|"
    r"\b(?:pay|fee|charge)\w*\b.{0,20}\bbefore (?:they|he|she|the driver|the courier|it|you) (?:deliver|hand|release|can)|"
    r"\b(?:text|sms|e-?mail|message)\b.{0,25}\b(?:pay|payment|fee)\b.{0,40}\b(?:deliver\w*|parcel|package|redeliver\w*|release)\b",
    re.I,
)
#: "can you call me", "I'd rather talk on the phone": a person, the only one who could
_CALL_ME = re.compile(
    r"\b(?:call|phone|ring) (?:me|us)\b|\bgive (?:me|us) a (?:call|ring|bell)\b|\b(?:speak|talk|chat) (?:to (?:someone|somebody|a person|"
    r"an agent) )?(?:on|over|by) the phone\b|\bphone (?:call|support)\b|\bcall ?back\b",
    re.I,
)
#: "question about my delivery", "I have a query about my order": nothing said yet but that it's the order's
_QUESTION_ABOUT_ORDER = re.compile(
    r"^\W*(?:(?:hi|hey|hello|hiya|ok|so)\W+)*(?:i (?:have|had|got|'ve got) )?(?:a |one |quick |small |little )*"
    r"(?:question|query|enquiry|inquiry)s? (?:about|regarding|re|on|for|with) (?:my|an|the|our) "
    r"(?:order|delivery|parcel|package|shipment)\W*$",
    re.I,
)
#: "can you track something for me", "how much longer": where an order is, said without the usual words
_TRACK_FOR_ME = re.compile(
    r"\btrack (?:something|smth|sth|a (?:parcel|package|delivery|shipment|order)|my (?:\w+ )?(?:parcel|package|"
    r"delivery|shipment|order|stuff|things))\b|"
    r"^\W*(?:(?:so|ok|okay|and|well)\W+)?how (?:much|many (?:more )?days) longer\W*$|^\W*how long (?:now|still|more)\W*$",
    re.I,
)
#: "I don't like it", "I don't want them any more": a change of mind, which a return answers
_DONT_LIKE_IT = re.compile(
    r"^\W*(?:(?:honestly|tbh|sorry|um+|well|so|but|and)\W+)*(?:i|we) (?:really |just )?(?:don'?t|do not|dont) "
    r"(?:like|love|want|need) (?:it|them|this|these|that|those|the \w+|my \w+)(?: (?:any ?more|after all|now))?\W*$",
    re.I,
)
#: "the kettle is amazing, love it": praise, with nothing asked and nothing wrong
_PRAISE = re.compile(
    r"\b(?:is|are|was|were|it'?s|its|they'?re|looks?|feels?) (?:so |really |absolutely |just |truly )?"
    + PRAISE_WORDS
    + r"\b|"
    r"\b(?:i |we )?(?:really |absolutely )?love (?:it|them|my \w+|the \w+)\b|\bworks? (?:great|perfectly|brilliantly|"
    r"like a charm|a treat)\b|\b(?:very|so|really) (?:happy|pleased) with\b",
    re.I,
)
#: ... and what would make it more than praise: a question, a "but", a problem
_NOT_ONLY_PRAISE = re.compile(
    r"\?|\b(?:but|however|except|although|though|how|where|when|why|what|which|can|could|would|will|should|"
    r"do|does|did|is it|are they|help|problem|issue|broke\w*|not|n'?t|return|refund|exchange)\b",
    re.I,
)
#: "... but I don't like the mugs": one named item not liked
_DONT_LIKE_THE = re.compile(r"\b(?:i|we) (?:really |just )?(?:don'?t|do not|dont) (?:like|love|want) (?:the|my) \w+", re.I)
#: the warranty named: its terms (the return policy handler answers from the warranty article)
_WARRANTY_ASKED = re.compile(r"\bwarr[ae]nt(?:y|ies|ee|ie)\b", re.I)
#: "can you uncancel it", "undo the cancellation": a cancelled order back, which a person may arrange
_UNCANCEL = re.compile(
    r"\bun-?cancel\w*|\b(?:undo|reverse|revert|take back) (?:the |my |that )?cancel\w*|"
    r"\b(?:restore|reinstate|reactivate|re-?open) (?:it|my order|the order|order \d+)\b",
    re.I,
)
#: a parcel's status named ("you messaged me that it's out for delivery but ..."): the parcel, not the settings
_STATUS_NAMED = re.compile(
    r"\b(?:out for delivery|delivered|delayed|dispatched|shipped|on (?:its|the) way|in transit|arriving)\b", re.I
)
#: "can you pick up the desk from my house": collecting a return from home
_COLLECT_FROM_HOME = re.compile(
    r"\b(?:pick|collect|fetch)\w*\b.{0,25}\bfrom (?:my|our) (?:house|home|place|flat|apartment|address|door)\b",
    re.I,
)
#: "I placed an order by mistake", "I ordered the same thing twice", "scratch that order": an order to cancel
_ORDERED_BY_MISTAKE = re.compile(
    r"\b(?:ordered|placed|bought|made|put in|submitted)\b.{0,30}\b(?:by (?:mistake|accident)|twice|two times)\b|"
    r"\b(?:accidentally|mistakenly|by (?:mistake|accident)) (?:ordered|placed|bought|made|submitted)\b|"
    r"\bdid(?:n'?t| not) (?:mean|want|intend) to (?:order|buy|place|check ?out)\b|"
    r"\b(?:duplicate|double) order\b|"
    r"\b(?:hit|clicked|pressed|tapped) (?:the )?(?:buy|order|pay|checkout|purchase|submit)(?: now)?(?: button)? twice\b|"
    r"\b(?:get rid of|cancel|delete|remove|scrap) (?:the |one of the )?duplicates?\b|"
    # "scratch that order I placed this morning", "call off my order"
    r"^\W*(?:(?:please|pls|can you|could you|just)\W+)*(?:scratch|scrap|ditch|call off|kill|void|annul|undo) "
    r"(?:that|the|my|this|our) (?:last |new |latest |recent )?(?:order|purchase)\b",
    re.I,
)
#: "the link in the email doesn't work", "the tracking page won't load", "my tracking number doesn't work": the
#: tracking, which a status answer gives again (not a product that doesn't work)
_BROKEN_TRACKING_LINK = re.compile(
    r"\b(?:tracking )?(?:link|url)\b.{0,30}\b(?:doesn'?t|does not|won'?t|will not|isn'?t|is not|not|never|can'?t)"
    r" (?:work\w*|load\w*|open\w*|go anywhere)|"
    r"\btracking (?:page|site|website)\b.{0,20}\b(?:doesn'?t|does not|won'?t|isn'?t|not) (?:work|load|open)|"
    r"\btracking (?:number|code|no)\b.{0,20}\b(?:(?:doesn'?t|does not|won'?t|isn'?t|is not|not) (?:work\w*|valid"
    r"|recogni[sz]ed|found|exist\w*|com\w+ up)|(?:is )?invalid|says not found|(?:shows|gives|returns) (?:an )?error)",
    re.I,
)
#: "the link in the setup guide doesn't work": the guide's link, not the tracking's
_GUIDE_WORDS = re.compile(r"\b(?:setup|set-up|set up|guide|manual|instructions?|how-to)\b", re.I)
#: readings of "this isn't what I ordered" that the wrong item's problem overrides
_WRONG_ITEM_READINGS = frozenset({"order_status", "greeting", OUT_OF_SCOPE, None})
#: readings of such a message that it overrides (an item changed is :data:`change_order`'s, and stays)
_BY_MISTAKE_READINGS = frozenset({"order_status", "greeting", OUT_OF_SCOPE, None})
#: readings of "let me know when it arrives" that the shipping-updates answer overrides
#: "the 'your parcel is on its way' emails keep landing in our shared inbox, can you stop those?": the messages
_STOP_MESSAGES = re.compile(
    r"\b(?:stop|turn off|switch off|disable|mute|block)\b.{0,60}\b(?:e-?mails?|messages|texts|notifications|updates|"
    r"alerts)\b|\b(?:e-?mails?|messages|texts|notifications|updates|alerts)\b.{0,80}\b(?:stop|turn off|switch off|"
    r"disable|mute|block) (?:those|these|them|it|that)\b",
    re.I,
)
#: ... but not the parcel itself ("stop the delivery")
_STOP_DELIVERY = re.compile(
    r"\b(?:stop|block)\b (?:the |my )?(?:delivery|order|parcel|package|shipment)\b", re.I
)
#: a status reading this unsure gives way to a request about the messages
UNSURE_STATUS = 0.6
_NEWS_READINGS = frozenset({"order_status", "notification_preferences", OUT_OF_SCOPE, None})


#: "how long does shipping take", "how many days does delivery to Canada take": the shop's delivery times
#: in general, not one order's (no "my", no "it", no order number)
_SHIPPING_TIMES = re.compile(
    r"^\W*(?:(?:and|so|ok|okay|hi|hey|hello)\W+)?(?:roughly |usually |normally )?how (?:long|many (?:business )?days) "
    r"(?:does|do|will|would|is) (?:the |your |an? )?(?:(?:standard|express|international|normal|regular) )?"
    r"(?:shipping|delivery|postage|orders?|parcels?|packages?)(?: (?:to|within|in) [a-z]+(?: [a-z]+)?)? "
    r"(?:usually |normally |generally |typically )?(?:take|last)\b[^#\d]*$",
    re.I,
)
#: "if I order today when will it arrive", "when would it come if I buy it now": delivery times before
#: an order exists
_BEFORE_ORDERING = re.compile(
    r"\b(?:if|once|before) (?:i|we) (?:order|buy|purchase|place (?:an|the|my) order|check ?out)\b"
    r"(?:(?!\b(?:my|our) (?:order|parcel|package)\b).)*$",
    re.I,
)
#: "can I change my email address", "update my name": the shop account's details (not an order's)
_ACCOUNT_CHANGE = re.compile(
    r"\b(?:change|update|edit|correct|fix) (?:my|the) (?:e-?mail(?: address)?|name|password|user ?name|login|"
    r"(?:account |contact |personal )?details)\b(?!.{0,40}\b(?:order|parcel|package|delivery|shipment)\b)",
    re.I,
)
#: "I'd like to order another kettle", "can I buy one more": a new order, placed on the website
_WANTS_TO_ORDER = re.compile(
    r"\b(?:i'?d like|i would like|i want|i wanna|can i|could i|how (?:do|can) i|i need|i'?d love) to "
    r"(?:order|buy|purchase|re-?order) (?:another|one more|more|a second|a new|two|2|three|3|some more)\b|"
    r"\b(?:re-?order|order (?:it|the same thing|the same) again|buy (?:it|the same thing) again)\b",
    re.I,
)
#: "is the blender in stock", "do you sell the kettle in black": what the shop sells (not an order's item)
_IN_STOCK = re.compile(
    r"\b(?:is|are|do (?:you|u) have|have (?:you|u) got)\b[^.?!]{0,50}(?<!back )\bin stock\b|"
    r"\b(?:do|does|will) (?:you|u|they) (?:have|sell|stock|carry|do|make)\b.{0,40}\bin (?:white|black|gr[ae]y|blue|red|"
    r"green|pink|silver|gold|beige|navy|brown|other colou?rs|another colou?r|a different colou?r)\b",
    re.I,
)
#: "how much is the blender", "what's the price of the kettle": a product's price (not shipping's)
_PRICE = re.compile(
    r"\b(?:how much (?:is|are|does|do|for|would)|price|prices|priced|cost|costs)\b"
    r"(?!.{0,30}\b(?:shipping|delivery|postage|express|return|send|ship)\b)",
    re.I,
)
#: words of the contact or number the bot asks for ("I used my work email"), said without giving it
_ABOUT_CONTACT = re.compile(r"\b(?:e-?mails?|phones?|mobile|cell|numbers?)\b", re.I)
#: "it doesn't match the description", "not as pictured": an item to send back
_NOT_AS_DESCRIBED = re.compile(
    r"\b(?:doesn'?t|does not|didn'?t|did not|don'?t|do not) (?:match|look like) (?:the |its |their |your )?"
    r"(?:description|photos?|pictures?|pics?|images?|listing|website|advert|ad)\b|"
    r"\bnot as (?:described|pictured|advertised|shown)\b|"
    r"\b(?:different|differs?) (?:from|to|than) (?:the |its |their |your )?(?:description|photos?|pictures?|pics?|"
    r"images?|listing|website)\b|"
    r"\b(?:colou?r|shade|looks?|material|fabric|quality)\b.{0,25}\b(?:from|than|to|in|on|as) (?:the |its |their |your )?"
    r"(?:description|photos?|pictures?|pics?|images?|listing|website)\b|"
    r"\bnothing like (?:the |its |their |your )?(?:description|photos?|pictures?|pics?|images?|listing|website)\b|"
    r"\bnot (?:what|how) (?:i|we) (?:expected|imagined|thought|pictured)\b|\bnot as (?:good as )?(?:i |we )?expected\b",
    re.I,
)
#: "I ordered 2 but only want 1": fewer of an item, an order change for a person
_FEWER_ITEMS = re.compile(
    r"\bordered (?:\d+|two|three|four|several)\b.{0,25}\b(?:only |just )?(?:want|need) (?:\d+|one|two|1)\b", re.I
)
#: "can you hold my parcel until I'm back": where or when it is delivered, which the carrier's page sets
_HOLD_IT = re.compile(
    r"\bhold (?:on to |onto )?(?:it|them|my (?:parcel|package|order|delivery)|the (?:parcel|package|order|delivery))\b"
    r".{0,30}\b(?:until|till|til|while)\b|"
    r"\b(?:delay|postpone|push back|hold off)\b(?: (?:the|my))? (?:shipping|shipment|delivery|dispatch|sending)\b|"
    r"\b(?:ship|send|deliver|dispatch) (?:it|them|my order|the order) later\b",
    re.I,
)
#: "I entered the wrong email at checkout", "my phone number on the order is wrong": contact details to correct
_WRONG_CONTACT = re.compile(
    r"\b(?:wrong|incorrect|misspel\w*|old) (?:e-?mail|phone|mobile)\b|"
    r"\b(?:e-?mail|phone|mobile)(?: address| number)? (?:was |is )?(?:wrong|incorrect|misspel\w*)\b|"
    r"\btypo in (?:my|the) (?:e-?mail|phone)\b",
    re.I,
)
#: "what time do you dispatch orders", "when do you ship orders": the shop's dispatch times
_DISPATCH_TIME = re.compile(
    r"\b(?:what time|when|how (?:soon|quickly|fast)) (?:do|does) (?:you|u|your warehouse|the warehouse) "
    r"(?:dispatch|ship|send out|post)(?: (?:orders|parcels|packages|things|stuff))?\W*$|"
    r"\b(?:stop taking orders|(?:order|ordered) by what time|what time (?:do|should|must|can) (?:i|we) order)\b|"
    r"\bsame[- ]day (?:dispatch|shipping)\b",
    re.I,
)
#: "why was I charged for shipping": what shipping costs (not where the parcel is)
_SHIPPING_CHARGED = re.compile(
    r"\b(?:charged?|charging|paid|pay|paying|billed)\b(?: me| us)?(?: \$?\d+(?:\.\d\d)?)? for "
    r"(?:the )?(?:shipping|delivery|postage)\b(?! (?:address|date|day|time))",
    re.I,
)
#: a product's care or materials ("can I put the mugs in the microwave"), which the NLU can read as a change
_PRODUCT_CARE = re.compile(r"\b(?:" + PRODUCT_CARE + r")", re.I)
#: words of a parcel's arrival (with :data:`_BEFORE_ORDERING`, a delivery-times question the NLU left unread)
_ARRIVAL = re.compile(
    r"\b(?:arrive|come|get (?:here|to|it|them)|receive (?:it|them)|have (?:it|them)|delivered|delivery|be here|take|"
    r"dispatch(?:ed)?|ship(?:ped)?)\b",
    re.I,
)
#: "what's the last day to order for Christmas": when an order must be placed to arrive in time
_ORDER_DEADLINE = re.compile(
    r"\blast (?:day|date|time|chance) (?:to|for) (?:order|buy|get)|\b(?:order(?:ing)?|shipping|delivery) "
    r"(?:cut-?off|deadline)s?\b|\bcut-?off (?:date|time|day)s?\b|\border by when\b",
    re.I,
)
#: near-domain topics whose questions the NLU can read as status questions ("is my parcel insured")
_STATUS_LOOKALIKE_TOPICS = frozenset({NearDomainTopic.INSURANCE})


def praises(text: str) -> bool:
    """ "Just wanted to say the kettle is amazing": praise alone, nothing asked and nothing wrong (the callers
    also want a product named, so that "it's perfect, thanks" stays thanks)."""
    return bool(_PRAISE.search(text)) and not _NOT_ONLY_PRAISE.search(text) and detect_kind(text) is None


def shop_question_topic(understanding: Understanding) -> str | None:
    """The near-domain topic of a question about the shop's delivery in general that the NLU read as a
    status question: "how long does shipping take?" or "if I order today, when will it arrive?"
    (``shipping_options``), "is my parcel insured?" (``insurance``); of "can I change my email
    address" read as an order change (``account``), and of "I'd like to order another kettle" or "how
    much is the blender" left unread (``ordering``, ``product_advice``). None for anything else, and for a message naming an order."""
    if understanding.payload is not None or understanding.order_numbers or understanding.tracking_numbers:
        return None
    text = understanding.text
    if understanding.intent in ("setup_help", OUT_OF_SCOPE, GREETING, "goodbye", None) and understanding.products and praises(text):
        return NearDomainTopic.PRAISE.value  # "the kettle is amazing, love it": thank you
    if understanding.intent in ("delivery_problem", OUT_OF_SCOPE, None) and _ASKED_TO_PAY_AT_DOOR.search(text):
        return NearDomainTopic.PAYMENT_AT_DOOR.value  # "the driver asked me to pay extra": nothing is owed
    if understanding.intent in _CONFIRMATION_READINGS and _NO_CONFIRMATION.search(text):
        return NearDomainTopic.CONFIRMATION.value  # "I never got a confirmation email but money was taken"
    if understanding.intent in (OUT_OF_SCOPE, None, "change_order") and _ACCOUNT_CHANGE.search(text):
        return NearDomainTopic.ACCOUNT.value  # "can I change my email address": the account, on the website
    if understanding.intent == "change_order" and understanding.products and _PRODUCT_CARE.search(text):
        return NearDomainTopic.PRODUCT_ADVICE.value  # "can I put the mugs in the microwave": not an order change
    if understanding.intent in ("change_order", "order_status") and asks_about_carriers(text):
        return NearDomainTopic.SHIPPING_OPTIONS.value  # "can I choose the courier": the shop picks per parcel
    if understanding.intent in (OUT_OF_SCOPE, None):
        if _BEFORE_ORDERING.search(text) and _ARRIVAL.search(text):  # "when would it come if I buy it now"
            return NearDomainTopic.SHIPPING_OPTIONS.value
        if _ORDER_DEADLINE.search(text):  # "what's the last day to order for christmas"
            return NearDomainTopic.SHIPPING_OPTIONS.value
        if asks_about_carriers(text) or asks_where_we_ship(text) or _DISPATCH_TIME.search(text):
            return NearDomainTopic.SHIPPING_OPTIONS.value  # "what courier do you use", "do you ship to hawaii"
        if _WANTS_TO_ORDER.search(text):  # "I'd like to order another kettle"
            return NearDomainTopic.ORDERING.value
        if understanding.products and _PRICE.search(text):  # "how much is the blender": the product pages
            return NearDomainTopic.PRODUCT_ADVICE.value
        if _IN_STOCK.search(text):  # "do you have the headphones in stock in white": the product pages
            return NearDomainTopic.PRODUCT_ADVICE.value
        if asks_what_was_paid(text):  # "how much did I pay": the order confirmation email lists it
            return NearDomainTopic.INVOICE.value
        if asks_when_charged(text):  # "when will you charge my card"
            return NearDomainTopic.PAYMENT.value
        return None
    if understanding.intent != "order_status":
        return None
    if asks_when_charged(text):  # "will I be charged now or when it ships": the payment article
        return NearDomainTopic.PAYMENT.value
    if (
        _SHIPPING_TIMES.search(text)
        or _BEFORE_ORDERING.search(text)
        or _SHIPPING_CHARGED.search(text)
        or _DISPATCH_TIME.search(text)
    ):
        return NearDomainTopic.SHIPPING_OPTIONS.value
    topic = near_domain_topic(text)
    return topic.value if topic in _STATUS_LOOKALIKE_TOPICS else None


#: what the NLU can read into a greeting with an introduction ("Hello! Bit frazzled, big birthday this weekend")
_HELLO_READINGS = frozenset({OUT_OF_SCOPE, GREETING, HUMAN_AGENT, None})


def idle_intent(understanding: Understanding) -> str:
    """The intent to start for a message that arrives while nothing is in progress.

    Unclear or unrelated messages go to the fallback; a message that is just an order (or
    tracking) number means "what about this order?". A few narrow phrasings are routed by rule rather
    than taught to the classifier (teaching them raised its false accepts on unrelated text): the
    status of a return is a refund-status question, "why is it being returned" is about a parcel
    coming back to us, "what did I order" is a status question (the answer names the items), being
    charged for a cancelled order asks where the refund is, "I placed an order by mistake" asks to
    cancel it, "can you pick it up from my house" is a return, "let me know when it arrives" asks about shipping updates, "are you
    open on sunday" asks for the team's hours, and "it stopped working, I want a replacement" is a warranty claim, answered
    with the product's troubleshooting.
    """
    intent = understanding.intent
    if understanding.payload is None and intent != "goodbye" and signs_off(understanding.text):
        return "goodbye"  # "okay thank you, I will wait then. Bye", "so #4821 is sorted then. Thanks, bye!"
    if understanding.payload is None and intent == OUT_OF_SCOPE:
        other = greeting_or_goodbye_in_another_language(understanding.text)
        if other is not None:
            return other  # "Assalamu alaikum", "Howzit!" (the NLU's confidence in out of scope stays low)
    if understanding.payload is None and intent != "goodbye" and thanks_and_nothing_more(understanding.text):
        return "goodbye"  # "tracking just flipped to delivered and it's on my doorstep. Cheers, all good!"
    if understanding.payload is None and intent in _HELLO_READINGS and greets_and_nothing_more(understanding.text):
        return GREETING  # "Hello, this is Sarah — I help my grandad with his orders": what the bot can do
    if (
        understanding.payload is None
        and intent == "order_status"
        and not understanding.order_numbers
        and _PRICE_COMPLAINT.search(understanding.text)
    ):
        intent = OUT_OF_SCOPE  # "why is everything so expensive here": the shop's prices, no order to look up
    if (
        understanding.payload is None
        and not understanding.order_numbers
        and asks_where_the_order_number_is(understanding.text)
    ):
        return "order_status"  # "where do I find my order number": the gate says where, then asks for it
    if (
        understanding.payload is None
        and intent in _SETUP_READINGS
        and _SETUP_ASKED.search(understanding.text)
    ):
        return "setup_help"  # "how do I use it", "setup help for order 1014", "how do I set it all up"
    if (
        understanding.payload is None
        and intent == "change_order"
        and understanding.products
        and _PRODUCT_HOW_TO.search(understanding.text)
    ):
        return "setup_help"  # "how do I set the thermostat schedule": using the product, not changing the order
    if understanding.payload is None and understanding.products and asks_where_the_product_is(understanding):
        return "order_status"  # "where are my headphones", "is the kettle in this order": the parcels' status
    if (
        understanding.payload is None
        and not understanding.order_numbers
        and intent in _PRODUCT_ALONE_READINGS
        and product_alone(understanding.products, understanding.text) is not None
    ):
        return OUT_OF_SCOPE  # "blender": what the shopper can do with it (the NLU reads a bare name any way)
    if (
        understanding.payload is None
        and intent in _FAULT_READINGS
        and faulty_and_wants_remedy(understanding.text)
        and not _REFUND_AWAITED.search(understanding.text)  # "still waiting on my refund for the broken kettle"
    ):
        return "setup_help"  # "my kettle stopped working, I want a replacement": the warranty, not a return
    if (
        understanding.payload is None
        and not understanding.order_numbers
        and intent in _CONFIRMATION_READINGS
        and _NO_CONFIRMATION.search(understanding.text)
    ):
        return OUT_OF_SCOPE  # "I never got an order confirmation": the order-confirmation article
    if (
        understanding.payload is None
        and intent in ("delivery_problem", "order_status", OUT_OF_SCOPE, None)
        and _OLD_ADDRESS.search(understanding.text)
    ):
        return "change_order"  # "it was sent to my old address": the address, which may still be redirected
    if (
        understanding.payload is None
        and intent in (OUT_OF_SCOPE, "delivery_problem", "order_status", None)
        and _SEND_ELSEWHERE.search(understanding.text)
        and _REQUESTED.search(understanding.text)
    ):
        return "change_order"  # "can I get it sent to my dad directly": the order's address
    if (
        understanding.payload is None
        and intent in ("refund_status", "return_request")
        and reports_damage_on_arrival(understanding.text)
        and not _RETURNED_ALREADY.search(understanding.text)
    ):
        return "delivery_problem"  # "the kettle arrived broken and I want a refund": a free replacement or refund
    if (
        understanding.payload is None
        and intent in _WRONG_ITEM_READINGS
        and says_wrong_item(understanding.text)
        and not _NOT_AS_DESCRIBED.search(understanding.text)  # "the wrong colour from the photos": not another item
    ):
        if asks_why_messaged(understanding.text):  # "I didn't order this, why are you messaging me"
            return NOTIFICATION_PREFERENCES
        return "delivery_problem"  # "this isn't what I ordered": the wrong item came
    if (
        understanding.payload is None
        and intent in ("setup_help", "order_status", OUT_OF_SCOPE, None)
        and asks_to_ship_part_first(understanding.text)
    ):
        return "change_order"  # "can you send the kettle first and the blender later?": a person may split it
    if (
        understanding.payload is None
        and intent == "return_request"
        and _ALREADY_SENT_BACK.search(understanding.text)
        and _MONEY_NOT_BACK.search(understanding.text)
    ):
        return "refund_status"  # "I return the goods already, money still not come back": the refund
    if (
        understanding.payload is None
        and intent in _BY_MISTAKE_READINGS
        and _ORDERED_BY_MISTAKE.search(understanding.text)
    ):
        return "cancel_order"  # "I placed an order by mistake": cancelling it, if it's not too late
    if (
        understanding.payload is None
        and intent in (OUT_OF_SCOPE, GREETING, None)
        and asks_why_messaged(understanding.text)
    ):
        return NOTIFICATION_PREFERENCES  # "what's this message about": what the updates are
    if (
        understanding.payload is None
        and intent in ("setup_help", "delivery_problem", OUT_OF_SCOPE, None)
        and _BROKEN_TRACKING_LINK.search(understanding.text)
        and not _GUIDE_WORDS.search(understanding.text)
    ):
        return "order_status"  # "the link in the email doesn't work": the tracking, given again
    if (
        understanding.payload is None
        and intent in (OUT_OF_SCOPE, HUMAN_AGENT, "delivery_problem", None)
        and asks_for_carrier_contact(understanding.text)
    ):
        return "order_status"  # "the courier's phone number": the carrier and its tracking page
    if (
        understanding.payload is None
        and intent in (OUT_OF_SCOPE, None)
        and not understanding.products
        and says_nobody_home(understanding.text)
    ):
        return "change_order"  # "what if I'm not in": the delivery instructions the carrier takes
    if (
        understanding.payload is None
        and intent == "setup_help"
        and (
            reports_damaged_parcel(understanding.text)
            or reports_damage_on_arrival(understanding.text)
            or detect_kind(understanding.text) == "missing_item"
        )
    ):
        return "delivery_problem"  # "the box was wet and the kettle won't turn on", "got the machine but no mugs"
    if (
        understanding.payload is None
        and intent == "delivery_problem"
        and question_focus(understanding.text) == "meaning"
        and not detect_kind(understanding.text)
    ):
        return "order_status"  # "fedex says delivery exception, what does that mean": the status explained
    if understanding.payload is None and intent == "delivery_problem" and _QUESTION_ABOUT_ORDER.match(understanding.text):
        return "order_status"  # "question about my delivery": no problem said yet, so the order's status first
    if (
        understanding.payload is None
        and intent in ("setup_help", OUT_OF_SCOPE, GREETING, "goodbye", None)
        and understanding.products
        and praises(understanding.text)
    ):
        return OUT_OF_SCOPE  # "the kettle is amazing, love it": thanks (shop_question_topic: praise)
    if understanding.payload is None and intent in ("setup_help", "order_status") and _DONT_LIKE_THE.search(understanding.text):
        return "return_request"  # "the kettle is fine but I don't like the mugs": the mugs go back
    if understanding.payload is None and intent in (OUT_OF_SCOPE, None) and _UNCANCEL.search(understanding.text):
        return "cancel_order"  # "can you uncancel it": what a cancelled order allows (a person, ordering again)
    if understanding.payload is None and intent in (OUT_OF_SCOPE, None) and _DONT_LIKE_IT.match(understanding.text):
        return "return_request"  # "I don't like it": sending it back
    if (
        understanding.payload is None
        and intent in (OUT_OF_SCOPE, None)
        and not understanding.order_numbers
        and _WARRANTY_ASKED.search(understanding.text)
    ):
        return "return_policy"  # "do I need to register the product for warranty": the warranty's terms
    if understanding.payload is None and intent in (OUT_OF_SCOPE, None) and _TRACK_FOR_ME.search(understanding.text):
        return "order_status"  # "can you track something for me", "how much longer"
    if (
        understanding.payload is None
        and intent in (OUT_OF_SCOPE, GREETING, None)
        and _CALL_ME.search(understanding.text)
        and not asks_if_the_carrier_calls(understanding.text)  # "will the driver ring me first": the carrier's
    ):
        return HUMAN_AGENT  # "can you call me": a person (the team answers in the chat)
    if (
        understanding.payload is None
        and intent in ("setup_help", "order_status", "change_order", OUT_OF_SCOPE, None)
        and fits_badly(understanding.text)
    ):
        return "return_request"  # "the kettle is great but the jacket doesn't fit": an exchange or return
    if (
        understanding.payload is None
        and intent == NOTIFICATION_PREFERENCES
        and _STATUS_NAMED.search(understanding.text)
        and parse_text(understanding.text).empty
        and not asks_why_messaged(understanding.text)
        and not asks_for_delivery_news(understanding.text)  # "only tell me when it's delivered"
    ):
        return "order_status"  # "you messaged me it's out for delivery but it's been 10 hours": where it is
    if (
        understanding.payload is None
        and intent in ("return_policy", "return_request")
        and asks_about_delivery_instructions(understanding.text)
        and says_nobody_home(understanding.text)
    ):
        return "change_order"  # "I'm at work, can they come back later": a delivery day (not a return)
    if (
        understanding.payload is None
        and intent in ("return_request", OUT_OF_SCOPE, None)
        and asks_where_returns_go(understanding.text)
    ):
        return "return_policy"  # "can I return it in the shop or only by post?": how returns are sent
    if (
        understanding.payload is None
        and intent in (OUT_OF_SCOPE, "delivery_problem", "order_status", None)
        and asks_for_pickup_point(understanding.text)
    ):
        return "change_order"  # "can I get it delivered to a locker": the carrier's delivery options
    if (
        understanding.payload is None
        and intent in (OUT_OF_SCOPE, "order_status", None)
        and says_promised_day_passed(understanding.text)
    ):
        return "delivery_problem"  # "you told me it would come yesterday and it didn't": it's late
    if (
        understanding.payload is None
        and intent in ("delivery_problem", OUT_OF_SCOPE, None)
        and _ASKED_TO_PAY_AT_DOOR.search(understanding.text)
    ):
        return OUT_OF_SCOPE  # "the driver asked me to pay extra": the customs article (nothing is owed)
    if (
        understanding.payload is None
        and intent in (OUT_OF_SCOPE, None)
        and reports_damage_on_arrival(understanding.text)
    ):
        return "delivery_problem"  # "the box is break and the leg is bend": it arrived damaged
    if wants_compensation(understanding):
        return COMPENSATION
    if (
        understanding.payload is None
        and intent in (OUT_OF_SCOPE, "order_status", None)
        and asks_about_shipping_refund(understanding.text)
    ):
        return "refund_status"  # "will I get the shipping cost back": the shipping fee's part of a refund
    if understanding.payload is None and intent in _ANGER_READINGS and frustrated(understanding.text):
        return OUT_OF_SCOPE  # "do you even read these messages": sorry, and a person (not the settings)
    if (
        understanding.payload is None
        and intent in ("return_policy", OUT_OF_SCOPE, None)
        and asks_for_a_deadline(understanding.text)
    ):
        return "order_status"  # "it's for a birthday on saturday", "can you guarantee it arrives tomorrow"
    if (
        understanding.payload is None
        and intent in _ANGER_READINGS
        and asks_for_a_deadline(understanding.text)
    ):
        return "order_status"  # "if I don't get my order by friday I'm leaving a 1 star review": when it comes
    if understanding.payload is None and intent == "refund_status" and _NOTHING_CAME.search(understanding.text):
        return "order_status"  # "you took my money and sent nothing": where the order is
    if understanding.payload is None and intent in _ANGER_READINGS and threatens(understanding.text):
        return OUT_OF_SCOPE  # "I'll report you to trading standards": sorry, and a person
    if (
        understanding.payload is None
        and intent in (OUT_OF_SCOPE, None)
        and wants_exchange(understanding.text)
        and not _BEFORE_BUYING.search(understanding.text)
    ):
        return "return_request"  # "can I get the same thing in blue": an exchange
    if understanding.payload is None and intent in (OUT_OF_SCOPE, None) and _REPLACEMENT.search(understanding.text):
        return "delivery_problem"  # "replacement", "can I get a new one sent out": what went wrong, then its case
    if understanding.payload is None and intent in (OUT_OF_SCOPE, None) and asks_for_help(understanding.text):
        return GREETING  # "yo can u help me with smth": what the bot can do
    if understanding.payload is None and intent in _DISMISSED_READINGS and dismissed(understanding.text):
        return OUT_OF_SCOPE  # "it's fine, no rush" after a late answer: no fuss (not the problem menu)
    if understanding.payload is None and wrong_chat(understanding.text):
        return OUT_OF_SCOPE  # "sorry, wrong chat": no fuss
    if (
        understanding.payload is None
        and intent in (OUT_OF_SCOPE, "delivery_problem", None)
        and _NOT_AS_DESCRIBED.search(understanding.text)
    ):
        return "return_request"  # "it doesn't match the description": a free return
    if (
        understanding.payload is None
        and intent in (OUT_OF_SCOPE, "delivery_problem", "refund_status", "order_status", None)
        and (_FEWER_ITEMS.search(understanding.text) or _HOLD_IT.search(understanding.text))
    ):
        return "change_order"  # "I ordered 2 but only want 1", "can you hold my parcel until I'm back"
    if (
        understanding.payload is None
        and intent in (OUT_OF_SCOPE, None)
        and _WRONG_CONTACT.search(understanding.text)
    ):
        return "change_order"  # "I entered the wrong email at checkout": the order's contact details
    if (
        understanding.payload is None
        and not understanding.order_numbers
        and (intent in (OUT_OF_SCOPE, GREETING, "goodbye", None) or understanding.confidence < MIN_CONFIDENCE)
        and asks_support_hours(understanding.text)
    ):
        return HUMAN_AGENT  # "are you open on sunday": the team's hours, and the offer of a person
    if (
        understanding.payload is None
        and intent in _RETURN_STATUS_READINGS
        and _RETURN_STATUS.search(understanding.text)
    ):
        return "refund_status"  # "what's the status of my return": where the return and its refund are
    if (
        understanding.payload is None
        and intent in _RETURN_STATUS_READINGS
        and _SENT_BACK.search(understanding.text)
    ):
        return "delivery_problem"  # "why is it being returned": a parcel on its way back to us
    if (
        understanding.payload is None
        and intent in (OUT_OF_SCOPE, "change_order", None)
        and _WHAT_I_ORDERED.search(understanding.text)
    ):
        return "order_status"  # "what did I order": the status answer names the order's items
    if (
        understanding.payload is None
        and intent in ("setup_help", "change_order", "order_status", OUT_OF_SCOPE)
        and _COLLECT_FROM_HOME.search(understanding.text)
    ):
        return "return_request"  # "can you pick up the desk from my house": a return collected from home
    if (
        understanding.payload is None
        and intent == "cancel_order"
        and _CHARGED_FOR_CANCELLED.search(understanding.text)
    ):
        return "refund_status"  # "I was charged but my order was cancelled": where the refund is
    if (
        understanding.payload is None
        and (intent in (OUT_OF_SCOPE, None) or (intent == "order_status" and understanding.confidence < UNSURE_STATUS))
        and _STOP_MESSAGES.search(understanding.text)
        and not _STOP_DELIVERY.search(understanding.text)
    ):
        return "notification_preferences"  # "the 'on its way' emails ruin the surprise, can you stop those?"
    if (
        understanding.payload is None
        and intent in ("order_status", OUT_OF_SCOPE, None)
        and asks_for_another_day(understanding.text)
    ):
        return "change_order"  # "can it come on Saturday instead of Thursday": the delivery day (the carrier's)
    if (
        understanding.payload is None
        and intent in _NEWS_READINGS
        and asks_for_delivery_news(understanding.text)
    ):
        return "notification_preferences"  # "will you let me know when it arrives": the shipping updates
    about_order = bool(understanding.order_numbers or understanding.tracking_numbers)
    unclear = (
        intent in (None, OUT_OF_SCOPE, "greeting", "goodbye") or understanding.confidence < MIN_CONFIDENCE
    )
    if (
        about_order
        and (unclear or intent == "order_status")
        and understanding.payload is None
        and near_domain_topic(understanding.text) is NearDomainTopic.GIFT
    ):
        return "change_order"  # "gift wrap for order 1003": what can still be added to that order
    if about_order and unclear and understanding.topic is not None and not entity_only(understanding):
        return OUT_OF_SCOPE  # "I need a receipt for order 1002": the receipts article, not the parcel's status
    if about_order and (unclear or entity_only(understanding)):
        return "order_status"
    if intent is None or intent == OUT_OF_SCOPE or understanding.confidence < MIN_CONFIDENCE:
        return OUT_OF_SCOPE
    return intent


#: "I sent it back two weeks ago": a return already made (said while asking about the refund)
_ALREADY_SENT_BACK = re.compile(
    r"\b(?:i|we)(?:'ve| have)? (?:already |just )?(?:sent|posted|mailed|returned|dropped off|shipped|brought|return) "
    r"(?:it|them|the \w+|my \w+|everything)(?: back)?(?: already)?\b",
    re.I,
)
#: "money still not come back", "no refund yet": the money of a return has not come
_MONEY_NOT_BACK = re.compile(
    r"\b(?:money|refund|payment)\b.{0,25}\b(?:not|never|no|yet|still)\b|\b(?:no|not (?:got|received|seen) (?:my|the|a|any))"
    r" (?:money|refund)\b|\bwhere(?:'s| is) (?:my|the) (?:money|refund)\b",
    re.I,
)


def topic_switch(
    understanding: Understanding, *, current: tuple[str, ...], free_text: bool, expects_entities: bool
) -> str | None:
    """The new intent when the message leaves the current flow, else None (it answers the flow).

    ``current`` are the intents of the waiting flow; ``free_text`` says the flow waits for a
    description or an address; ``expects_entities`` says it waits for an order number or a
    contact, so a message carrying one, or saying it is not at hand ("I can't find it"), is
    always an answer. Short answers ("yes", "both", "2") and messages that are only entities
    always answer the flow. A clearly unrelated question (out of scope with high confidence)
    goes to the fallback unless the flow waits for free text.
    """
    intent = understanding.intent
    if COMPENSATION not in current and not free_text and wants_compensation(understanding):
        return COMPENSATION
    if understanding.payload is not None or intent is None or intent in current:
        return None
    if expects_entities and (
        understanding.order_numbers
        or understanding.has_contact
        or _NOT_AT_HAND.match(understanding.text)
        or _SOMEONE_ELSES_ORDER.search(understanding.text)
        or only_thanks(understanding.text)  # "thanks" while asked for a number: the question still stands
        or asks_why_details_needed(understanding.text)  # "why do you need that": the gate says why
        or finding_the_number(understanding.text)  # "wait, I'm searching my email"
        or asks_which_of_several_orders(understanding.text)  # "I placed 2 orders, which one do you need"
        or describes_the_order(understanding.text)  # "it's the one with the blender"
        or offers_an_invoice_number(understanding.text)  # "it says Invoice INV-77421, is this the number?"
    ):
        return None
    if entity_only(understanding) or _SHORT_ANSWER.match(understanding.text) or _PICK.match(understanding.text):
        return None
    if (
        "refund_status" in current
        and intent == "return_request"
        and _ALREADY_SENT_BACK.search(understanding.text)
    ):
        return None  # "I sent it back two weeks ago": why the refund is due, not a new return
    if intent == OUT_OF_SCOPE:
        if free_text or understanding.products or understanding.confidence < OUT_OF_SCOPE_SWITCH_CONFIDENCE:
            return None
        if expects_entities and _ABOUT_CONTACT.search(understanding.text):
            return None  # "I used my work email I think": about the contact asked for, which is asked again
        return OUT_OF_SCOPE
    threshold = FREE_TEXT_SWITCH_CONFIDENCE if free_text else SWITCH_CONFIDENCE
    if understanding.confidence < threshold:
        return None
    return COMPENSATION if COMPENSATION not in current and wants_compensation(understanding) else intent
