"""The dialogue engine: one message in, the bot's replies out, state and transcript saved.

Per message, in ONE transaction: resolve the chat identity, load the conversation, understand
the message (button payload or NLU), apply the dialogue policy (handoff quiet mode, global
commands, button routing, the flow waiting for an answer, topic switches), pass the order
gate when the handler needs an order, run the handler, drop the message if its id was seen
before (inbox), then save the state (optimistic concurrency) and the transcript. A lost race
on the conversation row is retried once from the start. Hooks hear about handoffs and
verifications after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta

from bot.clock import Clock
from bot.engine.errors import ConcurrentUpdateError, HandlerSetupError
from bot.engine.followups import (
    asks_for_other_order,
    carrier_follow_up,
    chooses_a_remedy,
    follow_up_intent,
    names_a_parcel,
    preferences_follow_up,
    refund_follow_up,
    status_follow_up,
    why_not_follow_up,
)
from bot.engine.gate import OrderGate
from bot.engine.hooks import HookSet
from bot.engine.policy import (
    GREETING,
    HUMAN_AGENT,
    LEAVE_HANDOFF_PAYLOAD,
    MIN_CONFIDENCE,
    NOTIFICATION_PREFERENCES,
    OUT_OF_SCOPE,
    asks_for_a_person,
    clear_request,
    contact_only,
    idle_intent,
    picks_from_a_list,
    says_misunderstood,
    says_resolved,
    shop_question_topic,
    takes_offered_person,
    topic_switch,
    wants_cancel,
    wants_human,
    wants_menu,
    wants_preferences,
    wants_stop_notifications,
    wants_to_leave_handoff,
)
from bot.engine.state import DialogueState, PendingOrder
from bot.engine.turn import Turn
from bot.engine.typed_buttons import offered_buttons, typed_button
from bot.engine.understanding import Parser, from_payload, understand
from bot.report.turns import turn_facts
from handlers.context import Handler, HandlerContext, Knowledge, OrderNeed, ProductMention, Understanding
from handlers.fallback import expired_button_reply
from handlers.human_agent import ALREADY_WAITING, LEAVE_BUTTON
from handlers.messages import IncomingMessage, Reply
from handlers.registry import default_handlers
from handlers.smalltalk import (
    TAKE_YOUR_TIME,
    asks_who_answers,
    closes_the_matter,
    menu_reply,
    takes_time,
    who_answers_reply,
)
from handlers.support import DEFAULT_DISCLOSURE, SupportDesk, with_disclosure
from handlers.wording import HUMAN_BUTTON, MENU_BUTTON
from storage.domain import ShipmentStatus
from storage.errors import StaleWriteError
from storage.repositories.conversations import TranscriptLine
from storage.repositories.support import OPEN_HANDOFF_STATUSES
from storage.store import Store

log = logging.getLogger(__name__)

#: checks a signed link token; answers the customer id it names, or None
LinkVerifier = Callable[[str], int | None]

#: ``order:other`` asks for another order than the one in context
OTHER_ORDER = "other"
#: topics that stay the same when the shopper asks about another order (others fall back to order_status)
ORDER_TOPICS = frozenset(
    {"order_status", "delivery_problem", "return_request", "refund_status", "cancel_order", "change_order"}
)
CANCELLED = "OK, I've stopped that. Is there anything else I can help with?"
NOTHING_TO_CANCEL = "No problem. Is there anything else I can help with?"
RESOLVED = "Glad it's sorted! Is there anything else I can help with?"
MISUNDERSTOOD = (
    "Sorry, I got that wrong. Could you tell me what you need in other words? Or a person from our team "
    "can help."
)
HANDOFF_ACK = "Thanks, I've passed that on. A person from our support team will reply right here."
STILL_WAITING = (
    "Your request for a person is still open: they'll reply right here. "
    "If you no longer need them, press “Back to the bot”."
)
LEFT_HANDOFF = (
    "OK, I've withdrawn your request for a person: you're back with the assistant. What can I do for you?"
)
NOT_IN_HANDOFF = "You're already chatting with the assistant. What can I do for you?"
LINK_OK = "Thanks{name}, you're all set: I can now answer questions about your orders. What can I do for you?"
LINK_BAD = (
    "That link has expired or isn't valid, but I can still help: I'll just ask for your order number "
    "and email when needed. What can I do for you?"
)


@dataclass(slots=True)
class EngineResult:
    """What the engine answered: replies to render, the intent served, the conversation's id."""

    replies: list[Reply]
    intent: str | None
    conversation_id: int
    duplicate: bool = False


#: how long a proactive message stays the context of the shopper's reply to it
PUSH_CONTEXT = timedelta(days=3)
#: intents whose answer never depends on an order in context
_NO_ORDER_CONTEXT = frozenset({GREETING, "goodbye", HUMAN_AGENT, NOTIFICATION_PREFERENCES})


def _offers_person(replies: list[Reply]) -> bool:
    """Whether an answer offered a person (its "Talk to a person" button)."""
    return any(button.payload == HUMAN_BUTTON.payload for reply in replies for button in reply.buttons)


def _drop_flow(turn: Turn, text: str) -> None:
    """Leave the flow in hand and answer ``text`` with the menu ("that fixed it", "let me think about it")."""
    turn.state.clear_flow()
    turn.say(menu_reply(text))


class _Duplicate(Exception):
    """Raised inside the transaction to roll back a turn whose message id was seen before."""

    def __init__(self, conversation_id: int) -> None:
        super().__init__(conversation_id)
        self.conversation_id = conversation_id


@dataclass(slots=True)
class _Routing:
    by_intent: dict[str, Handler] = field(default_factory=dict)
    by_prefix: dict[str, Handler] = field(default_factory=dict)
    by_name: dict[str, Handler] = field(default_factory=dict)

    @classmethod
    def of(cls, handlers: Iterable[Handler]) -> _Routing:
        routing = cls()
        for handler in handlers:
            for table, keys in (
                (routing.by_name, (handler.name,)),
                (routing.by_intent, handler.intents),
                (routing.by_prefix, handler.payload_prefixes),
            ):
                for key in keys:
                    if key in table:
                        raise HandlerSetupError(f"{key!r} is claimed by two handlers")
                    table[key] = handler
        if OUT_OF_SCOPE not in routing.by_intent:
            raise HandlerSetupError("no handler answers out_of_scope (the fallback)")
        return routing


class Engine:
    """Answers shoppers' messages; see the module docstring for the flow of one message."""

    def __init__(
        self,
        *,
        store: Store,
        nlu: Parser,
        knowledge: Knowledge,
        clock: Clock,
        handlers: Iterable[Handler] | None = None,
        link_verifier: LinkVerifier | None = None,
        support: SupportDesk | None = None,
        disclosure: str = DEFAULT_DISCLOSURE,
    ) -> None:
        self._store = store
        self._nlu = nlu
        self._knowledge = knowledge
        self._clock = clock
        self._routing = _Routing.of(handlers if handlers is not None else default_handlers())
        self._link_verifier = link_verifier
        self._hooks = HookSet()
        self._gate = OrderGate()
        self._support = support or SupportDesk()
        self._disclosure = disclosure.strip()

    @property
    def knowledge(self) -> Knowledge:
        """The knowledge base and search index the handlers use."""
        return self._knowledge

    def add_hooks(self, hooks: object) -> None:
        """Register an :class:`~bot.engine.hooks.EngineHooks` implementation (any subset of its methods)."""
        self._hooks.add(hooks)

    async def handle(self, message: IncomingMessage) -> EngineResult:
        """Answer one message. A message id seen before on the channel answers ``duplicate=True``."""
        try:
            return await self._handle_once(message)
        except StaleWriteError:
            log.info("a %s conversation changed while answering; retrying once", message.channel)
        try:
            return await self._handle_once(message)
        except StaleWriteError as exc:
            raise ConcurrentUpdateError(
                "the conversation kept changing; please send the message again"
            ) from exc

    async def return_to_bot(self, conversation_id: int) -> None:
        """Leave handoff quiet mode: the bot answers the shopper again (staff finished)."""
        for _ in range(2):
            async with self._store.transaction() as repos:
                conversation = await repos.conversations.by_id(conversation_id=conversation_id)
                if conversation is None:
                    return
                state = DialogueState.from_slots(conversation.slots)
                if state.handoff_id is None:
                    return
                state.handoff_id = None
                state.clear_flow()
                try:
                    await repos.conversations.save(
                        conversation_id=conversation_id,
                        expected_version=conversation.version,
                        state=state.name,
                        slots=state.to_slots(),
                    )
                except StaleWriteError:
                    continue
                return
        raise ConcurrentUpdateError(f"conversation {conversation_id} kept changing")

    # ------------------------------------------------------------------ one attempt
    async def _handle_once(self, message: IncomingMessage) -> EngineResult:
        try:
            async with self._store.transaction() as repos:
                identity, conversation = await repos.conversations.chat(
                    channel=message.channel, external_id=message.external_id
                )
                if identity is None or conversation is None:
                    identity, conversation = await repos.conversations.open_chat(
                        channel=message.channel,
                        external_id=message.external_id,
                        display_name=message.display_name,
                    )
                if identity.unreachable:
                    # a shopper who had blocked the bot writes again: proactive messages may go out again
                    await repos.identities.mark_reachable(identity_id=identity.id)
                    identity.unreachable = False
                turn = Turn(
                    message=message,
                    repos=repos,
                    identity=identity,
                    conversation=conversation,
                    state=DialogueState.from_slots(conversation.slots),
                    understanding=understand(message, self._nlu),
                    now=self._clock.now(),
                )
                offered_before = turn.state.offered_person
                intent = await self._respond(turn)
                turn.state.offered_person = (offered_before and not turn.replies) or _offers_person(turn.replies)
                if turn.replies:
                    turn.state.buttons = offered_buttons(turn.replies)
                self._disclose(turn)
                if message.message_id and not await repos.inbox.record(
                    source=f"chat:{message.channel}", external_id=message.message_id[:200]
                ):
                    raise _Duplicate(turn.conversation_id)
                await repos.conversations.save(
                    conversation_id=turn.conversation_id,
                    expected_version=conversation.version,
                    state=turn.state.name,
                    slots=turn.state.to_slots(),
                )
                await repos.transcript.add_many(self._transcript(turn, intent))
                await repos.conversation_days.record(turn_facts(turn, intent))
        except _Duplicate as duplicate:
            return EngineResult(
                replies=[], intent=None, conversation_id=duplicate.conversation_id, duplicate=True
            )
        await self._hooks.deliver(turn.events)
        return EngineResult(replies=turn.replies, intent=intent, conversation_id=turn.conversation_id)

    def _disclose(self, turn: Turn) -> None:
        """The first reply of a conversation says that an automated assistant answers (once per conversation)."""
        if turn.state.disclosed or not turn.replies or not self._disclosure:
            return
        first = turn.replies[0]
        turn.replies[0] = replace(first, text=with_disclosure(first.text, self._disclosure))
        turn.state.disclosed = True

    def _transcript(self, turn: Turn, intent: str | None) -> list[TranscriptLine]:
        message, understanding = turn.message, turn.understanding
        lines = [
            TranscriptLine(
                conversation_id=turn.conversation_id,
                direction="in",
                text=understanding.text,
                payload=understanding.payload,
                intent=understanding.intent,
                author=message.display_name,
                created_at=turn.now,
            )
        ]
        lines += [
            TranscriptLine(
                conversation_id=turn.conversation_id,
                direction="out",
                text=reply.text,
                intent=intent,
                created_at=turn.now,
            )
            for reply in turn.replies
        ]
        return lines

    # ------------------------------------------------------------------ dialogue policy
    async def _respond(self, turn: Turn) -> str | None:
        state = turn.state
        if turn.message.link_token and await self._link(turn):
            return GREETING
        if state.handoff_id is not None:
            handoff = await turn.repos.handoffs.get(handoff_id=state.handoff_id)
            if handoff is not None and handoff.status in OPEN_HANDOFF_STATUSES:
                return await self._during_handoff(turn, state.handoff_id)
            state.handoff_id = None
        return await self._answer(turn)

    async def _answer(self, turn: Turn) -> str | None:
        state, understanding = turn.state, turn.understanding
        if not understanding.text and not understanding.payload:
            if understanding.attachments and state.flow is not None:
                return await self._resume(turn, self._routing.by_name[state.flow])
            return await self._start(turn, GREETING)

        if understanding.payload is None and (pressed := typed_button(understanding.text, state.buttons)):
            turn.understanding = understanding = replace(understanding, payload=pressed)  # "send it again"
        if understanding.payload is None:
            text = understanding.text.strip().lower()
            if asks_who_answers(understanding.text):  # "is this a bot?": said plainly; the flow waits on
                turn.say(who_answers_reply())
                return None
            if wants_human(understanding):
                state.clear_flow()
                return await self._start(turn, HUMAN_AGENT)
            if text == "/stop" or (not state.busy and wants_stop_notifications(understanding)):
                state.clear_flow()
                turn.understanding = replace(understanding, payload="prefs:stop:all")
                return await self._start(turn, NOTIFICATION_PREFERENCES)
            if says_misunderstood(understanding):  # "that's not what I asked": say sorry, ask again
                state.clear_flow()
                turn.say(Reply(MISUNDERSTOOD, buttons=[HUMAN_BUTTON, MENU_BUTTON]))
                return None
            if state.busy and says_resolved(understanding):
                _drop_flow(turn, RESOLVED)
                return None
            if state.busy and state.pending is None and takes_time(understanding.text):  # "hmm, let me think about it"
                _drop_flow(turn, TAKE_YOUR_TIME)
                return None
            if wants_cancel(understanding) and (state.busy or text != "cancel"):
                _drop_flow(turn, CANCELLED if state.busy else NOTHING_TO_CANCEL)
                return None
            if wants_preferences(understanding) and state.flow != NOTIFICATION_PREFERENCES:
                state.clear_flow()
                return await self._start(turn, NOTIFICATION_PREFERENCES)
            if wants_menu(understanding):
                state.clear_flow()
                return await self._start(turn, GREETING)
            return await self._typed(turn)
        return await self._pressed(turn)

    async def _adopt_pushed_order(self, turn: Turn) -> None:
        """A reply to a proactive message is about that message's order.

        The latest proactive message sent to this chat within :data:`PUSH_CONTEXT` about one of the
        verified shopper's orders, not taken up yet, becomes the order in context, as after a status
        answer: "why?" after a delay message, or "it's not here" after a delivered one, is understood.
        Looked up only for a message that names no order and that the order in context may not
        already answer (unread, or no order in context yet); greetings and settings never need it.
        """
        state, understanding = turn.state, turn.understanding
        customer_id = turn.customer_id
        if customer_id is None or understanding.payload is not None:
            return
        if understanding.order_numbers or understanding.tracking_numbers:
            return
        intent = understanding.intent
        if intent in _NO_ORDER_CONTEXT:
            return
        unread = intent in (None, OUT_OF_SCOPE) or understanding.confidence < MIN_CONFIDENCE
        if state.order_number is not None and not unread:
            return
        pushed = await turn.repos.outbox.last_pushed(
            customer_id=customer_id,
            channel=turn.message.channel,
            recipient=turn.message.external_id,
            since=turn.now - PUSH_CONTEXT,
        )
        if pushed is None or pushed.message_id == state.taken_push:
            return
        state.taken_push = pushed.message_id
        state.order_number = pushed.order_number
        state.last_intent = "order_status"

    async def _typed(self, turn: Turn) -> str | None:
        state, understanding = turn.state, turn.understanding
        if state.pending is not None:
            switch = topic_switch(
                understanding, current=(state.pending.intent,), free_text=False, expects_entities=True
            )
            if switch is None:
                return await self._gate_then_run(turn, self._handler_for(state.pending.intent), state.pending)
            state.clear_flow()
            return await self._start(turn, switch)
        if contact_only(understanding) and not self._waits_for_free_text(state):
            if turn.customer_id is None:
                state.clear_flow()
                return await self._contact_given(turn)
            if state.flow is None:
                return await self._start(turn, "order_status")  # verified already: their orders
        # "the second one" while a flow waits for a pick from its list is that pick, not another order
        picking = state.flow is not None and state.step is not None and picks_from_a_list(understanding.text)
        if asks_for_other_order(understanding) and not self._waits_for_free_text(state) and not picking:
            if names_a_parcel(understanding) and await self._order_in_context_is_split(turn):
                state.clear_flow()
                return await self._start(turn, "order_status")  # the rest of the order in context
            return await self._other_order(turn)
        if state.flow is not None:
            handler = self._routing.by_name[state.flow]
            free = state.step in getattr(handler, "free_text_steps", ())
            switch = topic_switch(
                understanding, current=handler.intents, free_text=free, expects_entities=False
            )
            if switch is None or self._accepts(turn, handler):
                return await self._resume(turn, handler)
            state.clear_flow()
            return await self._start(turn, switch)
        if understanding.payload is None and takes_time(understanding.text):
            turn.say(menu_reply(TAKE_YOUR_TIME))  # "my neighbour might have it, let me check first"
            return None
        if (
            understanding.payload is None
            and state.last_intent is not None
            and len(understanding.text.split()) > 1  # a bare "ok" keeps its own answers (a person offered ...)
            and closes_the_matter(understanding.text)
            and not takes_offered_person(understanding, state)
        ):
            return await self._start(turn, "goodbye")  # "yep got it thx!!", "done ✅ tea time finally", after an answer
        await self._adopt_pushed_order(turn)
        intent = idle_intent(understanding)
        shop_topic = shop_question_topic(understanding)
        if takes_offered_person(understanding, state):
            intent = HUMAN_AGENT  # "yes" after "... I can get you a person"
        elif intent == HUMAN_AGENT and asks_for_a_person(understanding.text):
            pass  # "put me through to a real person, I want to ask about another refund": the person, not the refund
        elif shop_topic is not None:  # "how long does shipping take": the shop's delivery in general
            turn.understanding = replace(understanding, intent=OUT_OF_SCOPE, topic=shop_topic)
            intent = OUT_OF_SCOPE
        elif preferences_follow_up(understanding, state):
            intent = NOTIFICATION_PREFERENCES  # "and the setup guides too" after stopping the review requests
        elif refund_follow_up(understanding, state):
            intent = "refund_status"  # "it's been a week" after a refund answer: the money isn't there
        elif why_not_follow_up(understanding, state):
            intent = state.last_intent or "cancel_order"  # "why not?" after "I can't cancel it any more": why
        elif status_follow_up(understanding, state):
            intent = "order_status"  # "and the headphones?", "I need it by friday" after a status answer
        elif carrier_follow_up(understanding, state):
            intent = "delivery_problem"  # "can you check with DHL what the problem is" after a status answer
        elif intent in (OUT_OF_SCOPE, "greeting", "goodbye"):
            # checked before the fallback (or a greeting or goodbye, which "what's going on with it?" and
            # "ok so what now" can look like):
            # a short follow-up the NLU cannot read on its own
            intent = follow_up_intent(understanding, state, verified=turn.customer_id is not None) or intent
        if chooses_a_remedy(understanding, state) and await self._order_in_context_is_lost(turn):
            intent = "return_request"  # "replacement pls" after a lost parcel's status: that remedy, reported
        return await self._start(turn, intent)

    async def _contact_given(self, turn: Turn) -> str | None:
        """An email or phone sent on its own by a shopper not yet verified: the start of a look-up.

        The contact is kept and the order number asked for (:class:`OrderGate`); once it comes, the
        two are checked together and the last order topic of the conversation is answered.
        """
        state = turn.state
        handler = self._handler_for(state.last_intent if state.last_intent in ORDER_TOPICS else "order_status")
        pending = PendingOrder(intent=handler.name, step="start")  # the topic's own question, not the email
        return await self._gate_then_run(turn, handler, pending)

    async def _order_in_context_is_split(self, turn: Turn) -> bool:
        """Whether the order in context, the shopper verified for it, travels in several parcels."""
        details = await self._gate.context_order(turn)
        return details is not None and len(details.shipments) > 1

    async def _order_in_context_is_lost(self, turn: Turn) -> bool:
        """Whether the order in context, the shopper verified for it, has a parcel the carrier lost."""
        details = await self._gate.context_order(turn)
        return details is not None and any(s.status == ShipmentStatus.LOST for s in details.shipments)

    def _waits_for_free_text(self, state: DialogueState) -> bool:
        """Whether the waiting flow asked for free text (a description, an address)."""
        if state.flow is None:
            return False
        return state.step in getattr(self._routing.by_name[state.flow], "free_text_steps", ())

    async def _other_order(self, turn: Turn) -> str | None:
        """ "A different order" (the button, or "and my other order?"): another of the shopper's orders.

        A verified shopper is offered their other orders (most recent first; the only other one is
        answered at once) for the same topic as before; anyone else is asked for the order number.
        """
        state = turn.state
        previous = state.order_number
        topic = state.last_intent if state.last_intent in ORDER_TOPICS else "order_status"
        state.clear_flow()
        state.order_number = None
        handler = self._handler_for(topic)
        customer_id = turn.customer_id
        if customer_id is None:
            return await self._run_fresh(turn, handler)
        details = await self._gate.other_order(turn, self._pending_for(turn, handler), customer_id, previous)
        if details is None:
            state.last_intent = handler.name
            return handler.name
        ctx = self._context(turn, handler, step=None, data={})
        ctx.order = details
        ctx.last_intent = None  # the first answer about this order, not a follow-up
        return await self._run(turn, handler, ctx)

    def _accepts(self, turn: Turn, handler: Handler) -> bool:
        """Whether the waiting flow recognises the message as its answer (then it is no topic switch)."""
        accepts = getattr(handler, "accepts", None)
        if accepts is None:
            return False
        return bool(accepts(self._context(turn, handler, step=turn.state.step, data=turn.state.data)))

    async def _pressed(self, turn: Turn) -> str | None:
        state, payload = turn.state, turn.understanding.payload or ""
        kind, _, rest = payload.partition(":")
        if kind == "cancel":
            _drop_flow(turn, CANCELLED)
            return None
        if payload == LEAVE_HANDOFF_PAYLOAD:
            turn.say(menu_reply(NOT_IN_HANDOFF))
            return None
        if kind == "intent":
            if rest not in self._routing.by_intent:
                turn.say(expired_button_reply())
                return None
            state.clear_flow()
            return await self._start(turn, rest)
        if kind == "order" and rest == OTHER_ORDER:
            return await self._other_order(turn)
        if kind == "order":
            if state.pending is not None:
                return await self._gate_then_run(turn, self._handler_for(state.pending.intent), state.pending)
            state.clear_flow()
            return await self._start(turn, "order_status")
        if kind == "confirm":
            if state.flow is None:
                turn.say(expired_button_reply())
                return None
            return await self._resume(turn, self._routing.by_name[state.flow])
        handler = self._routing.by_prefix.get(kind)
        if handler is None:
            turn.say(expired_button_reply())
            return None
        if state.flow == handler.name:
            return await self._resume(turn, handler)
        state.clear_flow()
        return await self._run_fresh(turn, handler)

    async def _during_handoff(self, turn: Turn, handoff_id: int) -> str | None:
        """A message while a person is awaited.

        Opt-outs are honoured; "back to the bot", "cancel", "main menu" or the button give the
        conversation back to the bot (the handoff is released as staff would); a clear question,
        a button of the bot's own answer, or the answer to a question the bot asked meanwhile are
        answered at once (the handoff stays open); anything else waits for the person.
        Everything the shopper sends is copied to the handoff.
        """
        state, understanding = turn.state, turn.understanding
        text = understanding.text.strip().lower()
        if text == "/stop" or wants_preferences(understanding):
            # opt-outs are honoured at once, even while a person has the conversation
            if text == "/stop":
                turn.understanding = replace(understanding, payload="prefs:stop:all")
            return await self._start(turn, NOTIFICATION_PREFERENCES)
        if state.busy and wants_cancel(understanding):
            # "cancel" stops the question the bot asked meanwhile; the person is still awaited
            state.clear_flow()
            turn.say(Reply(f"OK, I've stopped that. {STILL_WAITING}", buttons=[LEAVE_BUTTON]))
            return None
        if wants_to_leave_handoff(understanding):
            return await self._leave_handoff(turn, handoff_id)
        await self._copy_to_handoff(turn, handoff_id)
        if understanding.payload == "intent:human_agent" or wants_human(understanding):
            turn.say(Reply(ALREADY_WAITING, buttons=[LEAVE_BUTTON]))
            return HUMAN_AGENT
        if understanding.payload is not None or state.busy or clear_request(understanding):
            intent = await self._answer(turn)
            if turn.state.handoff_id == handoff_id and intent != HUMAN_AGENT:
                turn.say(Reply(STILL_WAITING, buttons=[LEAVE_BUTTON]))
            return intent
        turn.say(Reply(HANDOFF_ACK, buttons=[LEAVE_BUTTON]))
        return HUMAN_AGENT

    async def _leave_handoff(self, turn: Turn, handoff_id: int) -> str | None:
        """The shopper no longer waits for a person: release the handoff and answer again."""
        await turn.repos.handoffs.set_status(handoff_id=handoff_id, status="returned", at=turn.now)
        turn.state.handoff_id = None
        turn.state.clear_flow()
        turn.events.handoffs_left.append(handoff_id)
        log.info("handoff %d: the shopper went back to the bot (%s chat)", handoff_id, turn.message.channel)
        turn.say(menu_reply(LEFT_HANDOFF))
        return GREETING

    async def _copy_to_handoff(self, turn: Turn, handoff_id: int) -> None:
        """Keep the shopper's files with the handoff and let the staff channel show the message."""
        for attachment in turn.understanding.attachments:
            await turn.repos.handoffs.attach(
                handoff_id=handoff_id,
                attachment={
                    "kind": attachment.kind,
                    "file_id": attachment.file_id,
                    "file_name": attachment.file_name,
                },
            )
        turn.events.during_handoff.append((handoff_id, turn.message))

    async def _link(self, turn: Turn) -> bool:
        """Verify a signed link token; True when the turn is fully answered by it."""
        token = turn.message.link_token or ""
        customer_id = self._link_verifier(token) if self._link_verifier is not None else None
        customer = await turn.repos.customers.get(customer_id=customer_id) if customer_id else None
        bare = not turn.understanding.text and not turn.understanding.payload
        if customer is None:
            if bare:
                turn.say(menu_reply(LINK_BAD))
            return bare
        await turn.repos.identities.link(
            identity_id=turn.identity.id, customer_id=int(customer.id or 0), at=turn.now
        )
        turn.identity.customer_id = customer.id
        turn.identity.customer_name = customer.name
        turn.identity.verified = True
        turn.events.verified.append((turn.message.channel, turn.message.external_id, int(customer.id or 0)))
        if bare:
            first = f", {customer.name.split()[0]}" if customer.name else ""
            turn.say(menu_reply(LINK_OK.format(name=first)))
        return bare

    # ------------------------------------------------------------------ running handlers
    def _handler_for(self, intent: str) -> Handler:
        return (
            self._routing.by_intent.get(intent)
            or self._routing.by_name.get(intent)
            or self._routing.by_intent[OUT_OF_SCOPE]
        )

    async def _start(self, turn: Turn, intent: str) -> str | None:
        return await self._run_fresh(turn, self._handler_for(intent))

    def _context(
        self, turn: Turn, handler: Handler, *, step: str | None, data: dict[str, object]
    ) -> HandlerContext:
        return HandlerContext(
            repos=turn.repos,
            knowledge=self._knowledge,
            clock=self._clock,
            channel=turn.message.channel,
            external_id=turn.message.external_id,
            identity_id=turn.identity.id,
            conversation_id=turn.conversation_id,
            understanding=turn.understanding,
            customer_id=turn.customer_id,
            customer_name=turn.identity.customer_name if turn.customer_id is not None else None,
            step=step,
            data=dict(data),
            last_intent=turn.state.last_intent,
            last_article=turn.state.last_article,
            support=self._support,
        )

    async def _run_fresh(self, turn: Turn, handler: Handler) -> str | None:
        ctx = self._context(turn, handler, step=None, data={})
        need = handler.order_need(ctx)
        if need is OrderNeed.REQUIRED:
            return await self._gate_then_run(turn, handler, self._pending_for(turn, handler))
        if need is OrderNeed.OPTIONAL:
            ctx.order = await self._gate.context_order(turn)
        return await self._run(turn, handler, ctx)

    async def _resume(self, turn: Turn, handler: Handler) -> str | None:
        state = turn.state
        ctx = self._context(turn, handler, step=state.step, data=state.data)
        need = handler.order_need(ctx)
        if need is not OrderNeed.NONE:
            ctx.order = await self._gate.context_order(turn)
            if need is OrderNeed.REQUIRED and ctx.order is None:
                state.clear_flow()
                return await self._gate_then_run(turn, handler, self._pending_for(turn, handler))
        return await self._run(turn, handler, ctx)

    @staticmethod
    def _pending_for(turn: Turn, handler: Handler) -> PendingOrder:
        understanding = turn.understanding
        return PendingOrder(
            intent=handler.name,
            step="start",
            text=understanding.text[:500],
            payload=understanding.payload,
            products=[[p.sku, p.name] for p in understanding.products],
        )

    async def _gate_then_run(self, turn: Turn, handler: Handler, pending: PendingOrder) -> str | None:
        details = await self._gate.resolve(turn, pending)
        if details is None:
            turn.state.flow, turn.state.step, turn.state.data = None, None, {}
            turn.state.last_intent, turn.state.last_article = handler.name, None
            return handler.name
        later = pending.step != "start"
        if later:
            # the order arrived in a later message: answer the question the shopper first asked
            turn.understanding = _original(pending, turn.understanding)
        ctx = self._context(turn, handler, step=None, data={})
        ctx.order = details
        if later:
            ctx.last_intent = None  # the turns before only asked for the order: this is the first answer
        return await self._run(turn, handler, ctx)

    async def _run(self, turn: Turn, handler: Handler, ctx: HandlerContext) -> str | None:
        outcome = await handler.handle(ctx)
        state = turn.state
        turn.say(*outcome.replies)
        state.pending = None
        if outcome.await_step is not None:
            state.flow, state.step, state.data = handler.name, outcome.await_step, dict(outcome.data)
        else:
            state.flow, state.step, state.data = None, None, {}
        if ctx.order is not None:
            state.order_number = ctx.order.number
        if ctx.handoff is not None:
            state.clear_flow()
            state.handoff_id = ctx.handoff.handoff_id
            if ctx.handoff.created:
                turn.events.handoffs_created.append(ctx.handoff.handoff_id)
        state.last_intent = handler.name
        state.last_article = outcome.article
        return handler.name


def _original(pending: PendingOrder, now: Understanding) -> Understanding:
    """The first message of a pending intent, rebuilt (attachments of the current one kept)."""
    base = from_payload(pending.payload) if pending.payload else Understanding(text=pending.text)
    products = tuple(ProductMention(sku=p[0], name=p[1]) for p in pending.products if len(p) == 2)
    return replace(
        base, intent=pending.intent, confidence=1.0, products=products, attachments=now.attachments
    )
