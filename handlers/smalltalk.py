"""``greeting`` (the help menu) and ``goodbye``; a shopper fed up with the bot, or waving it off."""

from __future__ import annotations

import re

from handlers.context import HandlerContext, OrderNeed, Outcome
from handlers.language import english_only_reply, other_language
from handlers.messages import Button, Reply
from handlers.wording import HUMAN_BUTTON, MENU_BUTTON

_FRUSTRATED = re.compile(
    r"\b(useless|stupid|dumb|terrible|awful|rubbish|garbage|pointless|hopeless|ridiculous|pathetic|"
    r"unhelpful|not (?:very |at all )?helpful|(?:no|zero) help|(?:doesn'?t|does not|didn'?t|did not) help|"
    r"waste of (?:my )?time|hate (?:you|this|talking)|worst (?:bot|chat|assistant|service)|"
    r"thanks? for nothing|thank you for nothing|you'?re no use|you are no use|what a joke|are you even listening|"
    r"(?:do|does|did) (?:you|u|anyone|anybody) (?:even |actually |ever )?read|"
    r"(?:are|is) (?:you|u|anyone|anybody) (?:even |actually )?reading)\b",
    re.I,
)
#: "this is unacceptable", "I'm really disappointed": upset with the shop, with nothing said yet of why
_UPSET = re.compile(
    r"\b(unacceptable|disgraceful|appalling|shocking|outrageous|this is a joke|fed up|sick of|"
    r"(?:you|u)(?: guys)? suck|this sucks|so (?:annoyed|angry|frustrated|disappointed|upset)|furious|"
    r"(?:very|really|extremely|so) (?:disappointed|unhappy|upset)|not happy|not impressed|not good enough|"
    r"(?:really |so |very |extremely )?disappointing|let (?:me|us) down|"
    r"(?:second|third|2nd|3rd|another) time (?:this|that|it) (?:happens|has happened|happened)|"
    r"(?:this|it) (?:keeps|always) happen\w*|"
    r"(?:you|u)(?: guys)? (?:are|r) (?:the worst|terrible|awful|a joke|a disgrace|hopeless)|"
    r"(?:this|your) (?:shop|company|store|service) (?:is|was) (?:the worst|terrible|awful|a joke|a disgrace|hopeless)|"
    r"(?:nobody|no one|no-one|noone) (?:is |has |ever |will )?(?:answer|repl|respond|get(?:ting)? back|got back|"
    r"call(?:ed|ing)? (?:me )?back)\w*|"
    r"(?:never|haven'?t|have not|didn'?t|did not) (?:heard back|got(?:ten)? (?:a |any )?(?:reply|response|answer))|"
    r"(?:been )?waiting (?:for )?(?:over |more than |nearly |almost )?(?:\d+|an?|one|two|ten|twenty) (?:minutes?|mins?|hours?|hrs?|days?) "
    r"(?:for (?:a |an |any |your )?(?:reply|response|answer|someone|somebody)|and (?:nobody|no one|no-one|nothing))|"
    r"still (?:waiting|no) (?:for |on )?(?:a |an |any |your )?(?:reply|response|answer))\b",
    re.I,
)
#: words that praise a product ("the kettle is amazing"): a regex group
PRAISE_WORDS = (
    r"(?:great|perfect|lovely|amazing|brilliant|excellent|fantastic|awesome|wonderful|superb|gorgeous|beautiful|"
    r"stunning)"
)
#: "sorry, wrong chat": the message was meant for someone else (dismissed without fuss)
_WRONG_CHAT_WORDS = r"wrong (?:chat|number|person|conversation|window|page|account|tab)"
#: "what?", "huh", "test": nothing asked yet
_PUZZLED_WORDS = r"what|wut|huh|test(?:ing)?(?: \d+)?"
#: words a shopper puts before "never mind" or "that's all" ("oh, ok, never mind"): a regex group
LEAD_INS = r"(?:(?:oh|ok|okay|actually|no|nah|well|erm|um|sorry|fine|alright|right|cool|great|perfect|got it)\W+)*"
_DISMISSED_WORDS = (
    r"(?:(?:it )?doesn'?t matter|no worries|that'?s all|nothing(?: else)?|all good|it'?s fine|its fine|"
    r"i'?m (?:good|fine)|no thanks?|nope|nah|not now|no rush|no hurry|that'?s (?:ok|okay|fine|alright)|fair enough|"
    r"(?:\w+ (?:is|'s) (?:fine|ok|okay|good|great|perfect)(?: (?:then|by me|for me|with me))?)|"
    r"(?:i guess |guess )?i'?ll (?:just )?(?:wait(?: for (?:it|them|the \w+)| and see| (?:until|till|til) \w+)?|be patient|"
    r"keep an eye (?:on it|out)|"
    r"keep checking|check (?:back|again)(?: later| tomorrow)?)(?: then)?|"
    + _WRONG_CHAT_WORDS
    + r")"
)
_DISMISSED = re.compile(
    r"^\W*" + LEAD_INS + _DISMISSED_WORDS + r"(?:\W+" + _DISMISSED_WORDS + r")?"
    r"(?:\W+(?:thanks?|thank you|thx|ty|cheers|ta))?\W*$",
    re.I,
)
#: a message that is only puzzlement gets what the bot does
_PUZZLED = re.compile(r"^\W*(?:" + _PUZZLED_WORDS + r")\W*$", re.I)
_WRONG_CHAT = re.compile(r"\b" + _WRONG_CHAT_WORDS, re.I)
_THANKS = re.compile(
    r"\b(thanks?|thank you|thx|ty|cheers|appreciated?|grateful|ta|salamat|gracias|merci|danke|obrigad[oa]|grazie|"
    r"dzi[eę]kuj[eę]|shukran|asante|dhanyavaad?)\b",
    re.I,
)
#: "brill ta", "lovely, cheers", "ace, thanks a lot": nothing but thanks and praise
_ONLY_THANKS = re.compile(
    r"^\W*(?:(?:thanks?|thank you|thx|ty|tysm|cheers|ta|much appreciated|appreciated?|brill(?:iant)?|lovely|great|"
    r"perfect|ace|sound|cool|awesome|amazing|fab(?:ulous)?|super|nice(?: one)?|legend|you'?re a (?:star|legend)|"
    r"wicked|sweet|good stuff|excellent|wonderful|so much|a lot|very much|mate|buddy|again|then|ok(?:ay)?|"
    r"oh|ah+|noted|got it|understood|all ?right|i see|fine|sure|sige|po|naman|salamat|gracias|merci|danke|"
    r"obrigad[oa]|grazie|dzi[eę]kuj[eę]|shukran|asante|dhanyavaad?|"
    # "ok... I'll just wait then. sorry for all the questions": waiting, and sorry for asking
    r"(?:i'?ll|i will|will) (?:just )?wait(?: for it)?|sorry for (?:all )?(?:the|my|so many) questions|"
    r"for (?:your|the) help|for helping|no worries)\W*)+$",
    re.I,
)


#: "is this a bot?", "am I talking to a real person?": who is answering
_WHO_ANSWERS = re.compile(
    r"^\W*(?:(?:hi|hello|hey|wait|so|sorry|um|erm)\W+)*(?:is this|are you|am i (?:talking|chatting|speaking) "
    r"(?:to|with)|is that|is it) (?:a |an |actually a |even a |just a )?(?:bot|robot|chat ?bot|ai|machine|computer|"
    r"real person|real human|human|person|automated|automatic|live agent|real|chat ?gpt|gpt|an ai|artificial "
    r"intelligence)(?: or (?:a )?(?:bot|robot|human|"
    r"person|real person|ai))?\W*$|^\W*are you real\W*$|"
    r"^\W*(?:(?:hi|hello|hey|so|sorry|um|erm)\W+)*(?:what|who) (?:are|r) (?:you|u)(?: exactly)?\W*$|"
    r"^\W*(?:(?:hi|hello|hey|so|and|ok)\W+)*(?:what(?:'s| is|s) your name|do you have a name|who am i (?:talking|speaking|"
    r"chatting) (?:to|with))\W*$",
    re.I,
)
#: the answer to thanks
YOU_ARE_WELCOME = "You're welcome! If anything else comes up, just message me here. Have a great day."
#: what the bot does, as the menu says it
WHAT_I_DO = (
    "I can track your order, sort out a delivery problem, start a return, help you set up a product or get you "
    "a person."
)
BOT_DISCLOSURE = f"I'm an automated assistant, not a person. {WHAT_I_DO}"


#: "hi, my name is Sam", "hello, I'm Sam Lee": a shopper introducing themselves
_INTRODUCTION = re.compile(
    r"^\W*(?:(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening))\W+(?:there\W+)?(?:my name is|my name'?s|i'?m|"
    r"i am|this is|it'?s)|my name is|my name'?s)\s+([A-Za-z][\w'-]*)(?:\s+[A-Za-z][\w'-]*)?\W*$",
    re.I,
)
#: words after "hi, I'm" that are no name ("hi, I'm back", "hello, it's me")
_NOT_NAMES = frozenset(
    "back here again me fine good ok okay well new lost confused annoyed waiting still just sorry not the a an "
    "after about from so very really quite sure done ready happy unhappy upset angry worried concerned curious "
    "frustrated disappointed interested afraid glad stuck unable also only trying hoping".split()
)


#: "yo can u help me with smth", "could you help me out please": help asked, nothing said yet of what
_HELP_ASKED = re.compile(
    r"^\W*(?:(?:hi|hey|yo|hello|hiya|ok|okay|so|um+|please|pls)\W+)*(?:can|could|would|will) (?:you|u|ya|someone|"
    r"anyone|somebody) (?:please |pls )?help(?: me| us)?(?: out)?(?: (?:with|on))?(?: (?:something|smth|sth|"
    r"somethin|stuff|a (?:question|problem|thing|few things|quick question)|an issue|my (?:issue|problem)))?"
    r"(?:\W+(?:please|pls|plz|thanks|thx))?\W*$|"
    r"^\W*(?:(?:hi|hey|yo|hello|hiya|ok|okay|so|um+|please|pls)\W+)*(?:i (?:need|want|would like|'d like) |need |"
    r"(?:can|could) i (?:get|have) (?:some )?|looking for )?(?:some )?help (?:with|on|about) (?:an?|my|our|the) "
    r"(?:order|purchase|delivery|account|issue|problem)(?:\W+(?:please|pls|plz|thanks|thx))?\W*$",
    re.I,
)


def asks_for_help(text: str) -> bool:
    """Whether the whole message asks for help without saying with what ("can u help me with smth")."""
    return bool(_HELP_ASKED.match(text))


def introduced_name(text: str) -> str | None:
    """The first name in a greeting that introduces the shopper ("hi, my name is sam" -> "Sam"), or None."""
    found = _INTRODUCTION.match(text)
    if found is None or found[1].lower() in _NOT_NAMES or found[1].lower().endswith("ing"):
        return None  # "hey im having issues" introduces nobody
    return found[1][:1].upper() + found[1][1:]


#: "lol", "hmm", "cool", or only emoji and punctuation: no question in it
_FILLER = re.compile(
    r"^\W*(?:lol|lmao|rofl|ha(?:ha)+|he(?:he)+|hmm+|mm+|k|kk|okie|cool|nice|wow|oh|ah+|oops|right|alright|yay|"
    r"ugh|meh|ty|np|yes|yeah|yep|yup|ya|sure|" + _PUZZLED_WORDS + r")?\W*$",
    re.I,
)


#: a question mark, or a question-mark emoji ("📦❓")
_QUESTION_MARKS = ("?", "\u2753", "\u2754", "\uff1f")


def only_thanks(text: str) -> bool:
    """Whether the whole message is thanks, with praise around it ("brill ta", "lovely, cheers"), or an
    acknowledgement that closes ("ok... I'll just wait then. sorry for all the questions")."""
    return bool(_ONLY_THANKS.match(text)) and bool(_THANKS.search(text) or _CLOSING.search(text))


#: an acknowledgement that closes the matter without thanks: waiting, sorry for asking
_CLOSING = re.compile(r"\b(?:i'?ll|i will|will) (?:just )?wait\b|\bsorry for (?:all )?(?:the|my|so many) questions\b", re.I)
#: "Ahh okay po, akala ko na-ship na. Thank you po!": a short message that ends with thanks
_ENDS_WITH_THANKS = re.compile(
    r"(?:\bthank(?:s| you)(?: (?:so|very) much| a lot)?|\bthx|\bty|\bcheers|\bsalamat|\bgracias|\bmerci|\bdanke)"
    r"(?:\W+(?:po|again|mate|so much))*\W*$",
    re.I,
)
#: a message this long at most can be thanks with a clause in another language or of no consequence before it
_THANKS_WORDS = 12


def ends_with_thanks(text: str) -> bool:
    """ "Ahh okay po, akala ko na-ship na. Thank you po!": a short message, no question in it, that ends with
    thanks (for a message the NLU found no request in)."""
    return (
        len(text.split()) <= _THANKS_WORDS
        and not any(mark in text for mark in _QUESTION_MARKS)
        and bool(_ENDS_WITH_THANKS.search(text))
    )


#: thanks, or word that it's done: the shopper has what they needed ("yep got it thx", "done ✅", "Splendid news");
#: "fine", "no rush" and "ok" alone have answers of their own (:func:`dismissed`, :func:`filler_reply`)
_ACKNOWLEDGES = re.compile(
    r"\b(?:thanks?|thank you|thx|ty|tysm|cheers|ta|salamat|gracias|merci|danke|dhanyavaa?d|shukriya|got it|done|"
    r"all good|all sorted|sorted|splendid|bye|goodbye|bye bye|see ya|take care)\b|✅|👍",
    re.I,
)
#: a question, a request or a problem: the matter is not closed ("ok thanks but it's still not here")
_STILL_OPEN = re.compile(
    r"\?|\b(?:can you|could you|would you|will you|can u|please|pls|plz|cancel\w*|return\w*|refund\w*|change|send|"
    r"help (?:me|us|with)|need (?:some |your )?help|where|when|how|why|which|what|who|not|n'?t|never|nothing|but|broken|"
    r"broke|wrong|missing|damaged|problem|issue|leak\w*|error|late|lost|stuck|still waiting|money|put|give|send me|"
    r"crush\w*|dent\w*|crack\w*|smash\w*|torn|ripped|soak\w*|fault\w*|defect\w*|dead|burn\w*|stolen)\b|"
    r"\bno (?!matter|worries|problem|rush|hurry)\w+|"
    # a question without its mark: "will the driver ring me first", "is the blender ok"
    r"\b(?:will|would|do|does|did|is|are|am|should|shall|may|might|must|has|have)\s+(?:the|they|he|she|it|i|we|you|u|"
    r"my|someone|anyone|anybody|somebody|this|that)\b",
    re.I,
)
#: a message this long at most can close a matter (a letter with greetings and a signature included)
_CLOSING_WORDS = 40


#: thanks or a farewell, which a first message that closes a matter has ("Parcel arrived, size is perfect, thanks
#: for the help, that's everything", "Dhanyavaad, bas itna hi tha. Bye!")
_THANKS_OR_BYE = re.compile(
    r"\b(?:thanks?|thank you|thx|ty|tysm|cheers|salamat|gracias|merci|danke|dhanyavaa?d|shukriya|bye|goodbye)\b", re.I
)
#: "hello, this is Sarah, I help my grandad with his orders": a greeting and an introduction, nothing asked yet
_HELLO = re.compile(r"^\W*(?:hi+|hello|hey+|hiya|howzit|good (?:morning|afternoon|evening)|greetings)\b", re.I)
#: a message this long at most can be a greeting with an introduction
_HELLO_WORDS = 20


def thanks_and_nothing_more(text: str) -> bool:
    """ "Tracking just flipped to 'Delivered' and it's on my doorstep. Cheers, all good!": thanks or a farewell
    closing the matter, as a first message (:func:`closes_the_matter` with thanks or a farewell in it)."""
    return closes_the_matter(text) and bool(_THANKS_OR_BYE.search(text))


#: something wanted, said without a request verb ("je voudrais the updates par email only, merci!")
_WANTS_SOMETHING = re.compile(
    r"\b(?:updates?|e-?mails?|sms|texts?|whatsapp|notif\w*|messages?|want|would like|i'?d like|need|prefer|voudrais|"
    r"quiero|möchte)\b",
    re.I,
)


def greets_and_nothing_more(text: str) -> bool:
    """ "Hello, this is Sarah — I help my grandad with his orders", "Hello! Bit frazzled, big birthday this
    weekend": a greeting, maybe with an introduction, and no question, request or problem yet."""
    return (
        bool(_HELLO.match(text))
        and len(text.split()) <= _HELLO_WORDS
        and not _STILL_OPEN.search(text)
        and not _REQUEST_WORDS.search(text)
    )


#: what a message asks for besides the words that keep a matter open: an order, a parcel, tracking ...
_REQUEST_WORDS = re.compile(
    r"\b(?:order (?:number|no)|#\d|\d{3,}|track\w*|deliver\w*|parcel|package|status|arriv\w*|ship\w*|exchange|"
    r"swap|manual|set ?up|install|agent|person|human|unsubscribe|stop)\b",
    re.I,
)


def closes_the_matter(text: str) -> bool:
    """ "yep got it thx!! hiding it from the little one lol", "done ✅ tea time finally", "Dear Sir, Splendid
    news. Thank you most kindly ... Yours sincerely": an acknowledgement with no question, request or problem in
    it, said after an answer (the NLU reads the words around it: the order, the product)."""
    return (
        bool(text.strip())
        and len(text.split()) <= _CLOSING_WORDS
        and bool(_ACKNOWLEDGES.search(text))
        and not _STILL_OPEN.search(text)
        and not _WANTS_SOMETHING.search(text)
    )


def filler_reply(text: str) -> Reply | None:
    """The menu for a message with nothing to answer ("?", "lol", "👍"), or None for anything else."""
    if not text.strip() or not _FILLER.match(text):
        return None
    asks = any(mark in text for mark in _QUESTION_MARKS)
    if (asks and not any(ch.isalnum() for ch in text)) or _PUZZLED.match(text):
        return menu_reply(f"What can I help you with? {WHAT_I_DO}")
    return menu_reply("Is there anything else I can help with?")


def asks_who_answers(text: str) -> bool:
    """Whether the shopper asks if they are talking to a bot or a person."""
    return bool(_WHO_ANSWERS.match(text))


def who_answers_reply() -> Reply:
    """That the shopper is talking to an automated assistant, with the menu and a person."""
    return Reply(BOT_DISCLOSURE, buttons=[*MENU_BUTTONS[:4], HUMAN_BUTTON])


def frustrated(text: str) -> bool:
    """Whether the shopper says the bot is no help ("you're useless")."""
    return bool(_FRUSTRATED.search(text))


def wrong_chat(text: str) -> bool:
    """Whether the shopper says the message was meant for someone else ("sorry, wrong chat")."""
    return bool(_WRONG_CHAT.search(text)) and dismissed(text)


def dismissed(text: str) -> bool:
    """Whether the whole message waves the bot off ("that's all", "no thanks"; the engine takes "never
    mind" as cancelling whatever is going on)."""
    return bool(_DISMISSED.match(text)) or takes_time(text)


#: "let me think about it", "my neighbour might have it, let me check first", "let me think about it for a
#: moment, I may keep it after all": the shopper comes back later
_TAKES_TIME = re.compile(
    r"\b(?:let me|lemme|i'?ll|i will|i'?m going to|gonna|i need to) (?:have a )?(?:think(?: about it| it over)?|check|look|"
    r"have a look|ask (?:him|her|them|my \w+)|talk to (?:him|her|them|my \w+)|sleep on it)"
    r"(?: first| again| later| and (?:get|come) back(?: to you)?| with (?:him|her|them|my \w+))?"
    r"(?: for a (?:moment|minute|bit|sec(?:ond)?|while|day or two))?"
    # the end, or a sentence after it with no number or address in it ("..., I may keep it after all.")
    r"(?:\W*$|\s*[,.;!]+\s+(?=[^\d@]*$)|"
    # or a few words with no question in them ("let me ask my husband first kung okay. Babalik ako")
    r"\s+(?=(?:[^\d@?\s]+\s*){1,4}$))",
    re.I,
)
TAKE_YOUR_TIME = "No problem, take your time. Just message me here when you're ready."


#: "could I have a moment to check with my husband before deciding?", "I will decide at the weekend": asked, but
#: only for time
_MOMENT = re.compile(
    r"\b(?:a (?:moment|minute|sec(?:ond)?|bit|day)|some time|time) to (?:think|check|ask|decide|talk)\b|"
    r"\b(?:check|talk|speak) (?:with|to) my \w+ (?:first|before)\b|"
    r"\b(?:let me|lemme|i'?ll|i need to|i want to) (?:think|sleep)(?: (?:about|on|it over)\b(?:(?! (?:cancel|return|send))[^.?!]){0,30})?"
    r"\s*[.?!,]|\bi'?ll (?:come|get) back (?:to you|later|on this)\b|"
    r"\b(?:i'?ll|i will|let me|gonna|i'?m going to|(?:can|could|may) i) decide (?:later|tomorrow|at (?:the )?weekend|this weekend|"
    r"over the weekend|on \w+day|next week|in a (?:bit|few days))\b",
    re.I,
)


def takes_time(text: str) -> bool:
    """ "Hmm, let me think about it", "let me check first": nothing to answer now, the shopper comes back."""
    return bool(_MOMENT.search(text)) or ("?" not in text and bool(_TAKES_TIME.search(text)))


def frustration_reply() -> Reply:
    """An apology and a person, for a shopper fed up with the bot."""
    return Reply(
        "I'm sorry I haven't been much help. A person from our team can take over, or tell me again what you "
        "need and I'll do my best.",
        buttons=[HUMAN_BUTTON, MENU_BUTTON],
    )


#: "I'll report you to trading standards", "I'm filing a chargeback": a threat, said in anger
_THREAT = re.compile(
    r"\b(?:report (?:you|u|this|your (?:shop|company|store))|trading standards|consumer (?:protection|rights|council|"
    r"agency)|ombudsman|better business bureau|\bbbb\b|(?:my |a )?(?:lawyer|solicitor|attorney)|sue (?:you|u|your)|"
    r"legal action|small claims|charge ?back|dispute (?:the|this|a) (?:charge|payment|transaction)|"
    r"(?:1|one)[- ]star|(?:bad|negative|terrible) review|review (?:you|this shop|your (?:shop|company|store)))\b",
    re.I,
)


def upset(text: str) -> bool:
    """Whether the shopper says they are upset with the shop without saying why ("this is unacceptable",
    "I'll report you to trading standards")."""
    return bool(_UPSET.search(text) or _THREAT.search(text))


def threatens(text: str) -> bool:
    """Whether the shopper threatens the shop ("I'll report you", "I'm filing a chargeback", "1 star review")."""
    return bool(_THREAT.search(text))


def upset_reply() -> Reply:
    """An apology, and the two ways forward: say what happened, or a person."""
    return Reply(
        "I'm sorry: that's not how it should be. Tell me what happened and I'll sort out what I can, or a "
        "person from our team can take over.",
        buttons=[HUMAN_BUTTON, MENU_BUTTON],
    )


def dismissal_reply() -> Reply:
    """What "that's all" gets: no fuss, and the way back."""
    return Reply("No problem. If you need anything else, just message me here.", buttons=[MENU_BUTTON])

MENU_BUTTONS = [
    Button("Where is my order?", "intent:order_status"),
    Button("Report a delivery problem", "intent:delivery_problem"),
    Button("Return an item", "intent:return_request"),
    Button("Help setting up a product", "intent:setup_help"),
    Button("Notification settings", "intent:notification_preferences"),
    Button("Talk to a person", "intent:human_agent"),
]


def menu_reply(head: str) -> Reply:
    """``head`` followed by what the bot can do, as buttons."""
    return Reply(head, buttons=list(MENU_BUTTONS))


class GreetingHandler:
    """Says hello and shows the menu."""

    name = "greeting"
    intents = ("greeting",)
    payload_prefixes = ("menu",)

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """No order needed."""
        return OrderNeed.NONE

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """Greet by first name when the shopper is verified, or by the name they give ("hi, I'm Sam"); say
        that the bot chats in English to a greeting in another language ("Hallo, wo ist meine Bestellung?")."""
        language = other_language(ctx.text)
        if language is not None:
            return Outcome(replies=[english_only_reply(language)])
        words = (ctx.customer_name or "").split() if ctx.customer_id is not None else []
        given = introduced_name(ctx.text)
        first = f" {words[0]}" if words else f" {given}" if given else ""
        return Outcome(
            replies=[
                menu_reply(f"Hi{first}! {WHAT_I_DO} What can I do for you?")
            ]
        )


class GoodbyeHandler:
    """Says goodbye; the conversation goes back to idle."""

    name = "goodbye"
    intents = ("goodbye",)
    payload_prefixes: tuple[str, ...] = ()

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """No order needed."""
        return OrderNeed.NONE

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """A short, warm goodbye ("you're welcome" only after thanks); an apology and a person when the
        message says the bot was no help."""
        if frustrated(ctx.text):
            return Outcome(replies=[frustration_reply()])
        if _THANKS.search(ctx.text) or not ctx.text.strip():
            return Outcome.say(YOU_ARE_WELCOME)
        return Outcome.say("Bye for now! If anything else comes up, just message me here. Have a great day.")
