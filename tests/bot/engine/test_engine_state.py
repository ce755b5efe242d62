"""Dialogue state round-trips through the conversation row's JSON slots."""

from __future__ import annotations

from bot.engine.state import DialogueState, PendingOrder


def test_round_trip_keeps_everything() -> None:
    state = DialogueState(
        flow="return_request",
        step="pick",
        data={"reason": "too big"},
        pending=None,
        order_number="1002",
        last_intent="return_request",
        last_article="gift-cards",
        disclosed=True,
        offered_person=True,
    )
    again = DialogueState.from_slots(state.to_slots())
    assert again == state
    assert again.name == "return_request.pick"


def test_pending_verification_and_handoff_names() -> None:
    pending = PendingOrder(
        intent="order_status",
        step="contact",
        order_number="1001",
        products=[["KT-200", "Kettle"]],
        contact="ann@example.com",
    )
    state = DialogueState(pending=pending)
    assert state.name == "verify.contact" and state.busy
    assert DialogueState.from_slots(state.to_slots()).pending == pending
    state.handoff_id = 7
    assert state.name == "handoff"


def test_empty_slots_are_idle_and_clear_flow_keeps_the_order() -> None:
    state = DialogueState.from_slots({})
    assert state.name == "idle" and not state.busy
    state.flow, state.step, state.order_number = "cancel_order", "confirm", "1003"
    state.clear_flow()
    assert state.name == "idle" and state.order_number == "1003"
    assert state.to_slots() == {"order": "1003"}
