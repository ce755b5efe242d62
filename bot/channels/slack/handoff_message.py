"""The Slack message that represents a handoff: who, why, the order context, the transcript, the buttons."""

from __future__ import annotations

from bot.channels.slack.blocks import (
    Block,
    button,
    channel_name,
    clip,
    context,
    divider,
    escape,
    header,
    limited,
    order_summary,
    section,
)
from bot.channels.slack.context import HandoffContext
from storage.models import Handoff, TranscriptMessage

ACTION_CLAIM = "handoff_claim"
ACTION_RESOLVE = "handoff_resolve"
ACTION_BACK_TO_BOT = "handoff_back_to_bot"
ACTIONS_BLOCK_ID = "handoff_actions"
#: characters of one transcript line shown in the handoff message
TRANSCRIPT_LINE_CHARS = 300

_SPEAKERS = {"in": "Shopper", "out": "Bot", "staff": "Staff", "note": "Note"}


def transcript_line(message: TranscriptMessage) -> str:
    """`*Shopper:* where is my parcel?` (staff lines carry the agent's name)."""
    speaker = _SPEAKERS.get(message.direction, message.direction)
    if message.direction in ("staff", "note") and message.author:
        speaker = f"{speaker} ({escape(message.author)})"
    text = message.text or (f"[button {message.payload}]" if message.payload else "")
    return f"*{speaker}:* {escape(clip(text, TRANSCRIPT_LINE_CHARS))}"


def status_line(handoff: Handoff) -> str:
    """Where the handoff stands, in words."""
    who = escape(handoff.claimed_by or "staff")
    if handoff.status == "claimed":
        return f":raising_hand: Claimed by {who}"
    if handoff.status == "resolved":
        return f":white_check_mark: Resolved by {who}"
    if handoff.status == "returned":
        return (
            f":robot_face: Back with the bot ({who})"
            if handoff.claimed_by
            else ":robot_face: Back with the bot"
        )
    return ":hourglass_flowing_sand: Waiting for someone to claim it"


def short_summary(summary: str, limit: int = 500) -> str:
    """The summary without what the message shows anyway (reason, channel, recent messages)."""
    kept: list[str] = []
    for line in summary.splitlines():
        if line.startswith("Recent messages"):
            break
        if line.startswith(("Reason:", "Channel:")) or not line.strip():
            continue
        kept.append(line.strip())
    return clip("\n".join(kept), limit)


def handoff_text(ctx: HandoffContext) -> str:
    """The notification fallback text of the handoff message."""
    order = f" · order {ctx.order.details.number}" if ctx.order else ""
    return f"Handoff #{ctx.handoff_id} from {channel_name(ctx.conversation.channel)}: {ctx.handoff.reason}{order}"


def handoff_blocks(ctx: HandoffContext) -> list[Block]:
    """The handoff message's blocks for the handoff's current status."""
    handoff = ctx.handoff
    blocks: list[Block] = [
        header(f"Handoff #{ctx.handoff_id} · {channel_name(ctx.conversation.channel)} shopper"),
        section(
            f"*Reason:* {escape(handoff.reason)}\n*Summary:* {escape(short_summary(handoff.summary) or '—')}"
        ),
    ]
    if ctx.order is not None:
        blocks.append(section(order_summary(ctx.order.details, ctx.order.open_cases)))
    else:
        blocks.append(section("_No order in this conversation yet._"))
    if ctx.transcript:
        lines = "\n".join(transcript_line(message) for message in ctx.transcript)
        blocks.append(section(f"*Last messages*\n{lines}"))
    if handoff.attachments:
        blocks.append(context(f":paperclip: {len(handoff.attachments)} attachment(s) from the shopper"))
    blocks.append(divider())
    blocks.append(context(status_line(handoff)))
    actions = _actions(handoff)
    if actions:
        blocks.append({"type": "actions", "block_id": ACTIONS_BLOCK_ID, "elements": actions})
    return limited(blocks)


def _actions(handoff: Handoff) -> list[dict[str, object]]:
    value = str(handoff.id)
    if handoff.status == "open":
        return [
            button("Claim", ACTION_CLAIM, value, style="primary"),
            button("Resolve", ACTION_RESOLVE, value),
            button("Back to bot", ACTION_BACK_TO_BOT, value, style="danger"),
        ]
    if handoff.status == "claimed":
        return [
            button("Resolve", ACTION_RESOLVE, value, style="primary"),
            button("Back to bot", ACTION_BACK_TO_BOT, value, style="danger"),
        ]
    return []
