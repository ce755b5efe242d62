"""Who is connected to this process, how stored messages reach them, and :class:`WebChatSender`.

A message for a visitor that is not an answer on the visitor's own open page (a proactive push, a
staff reply, an answer whose page closed meanwhile) is stored first in the visitor's mailbox
(:mod:`.mailbox`), numbered per visitor. Then the process holding the visitor's page is woken:

- in this process, at once (:meth:`WebChatHub.push`);
- in the other processes of a PostgreSQL deployment, by the ``NOTIFY`` the store sends at commit,
  which their :class:`storage.listen.Listener` turns into :meth:`WebChatHub.wake`.

Each open page has a cursor: the number of the last stored message sent on it. A wake-up sends the
page what follows its cursor, in order; wake-ups that arrive while that runs cost one more read, not
one each. A page that connects starts from the higher of the number it says it has shown and the
number its visitor acknowledged, so nothing is shown twice and nothing missed, whichever process it
reaches and whatever restarted meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from aiohttp import web

from bot.channels.base import PermanentFailure, SendResult
from bot.channels.webchat.mailbox import Mailbox
from bot.channels.webchat.protocol import CHANNEL, numbered, ready_frame, reply_frame, visitor_of
from handlers.messages import Reply
from storage.repositories.webchat import StoredFrame

log = logging.getLogger(__name__)

Frame = dict[str, object]
#: stored messages read at once for one page
BATCH = 100


def short(visitor_id: str) -> str:
    """A visitor id shortened for logs (the full id lets anyone read the conversation)."""
    return visitor_id[:6] + "…"


class VisitorSocket:
    """One open page: a WebSocket whose sends are serialised (replies and pushes may interleave),
    and how far the visitor's stored messages have been sent on it."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self._ws = ws
        self._lock = asyncio.Lock()
        #: the number of the last stored message sent on this page
        self.cursor = 0
        #: held while stored messages are read and sent to this page
        self.delivering = asyncio.Lock()
        #: wake-ups not yet served by a read
        self.wanted = 0

    @property
    def closed(self) -> bool:
        """True once the socket is closing or closed."""
        return self._ws.closed

    async def send(self, frame: Frame) -> None:
        """Send one JSON frame; raises :class:`ConnectionError` when the socket is gone."""
        await self.send_many([frame])

    async def send_many(self, frames: list[Frame]) -> None:
        """Send frames back to back, with no other frame in between."""
        async with self._lock:
            for frame in frames:
                if self._ws.closed:
                    raise ConnectionResetError("web chat socket is closed")
                await self._ws.send_json(frame)

    async def close(self, code: int, message: str) -> None:
        """Close the socket with a WebSocket close code."""
        await self._ws.close(code=code, message=message.encode())


def _delivered(frames: Iterable[StoredFrame]) -> list[Frame]:
    return [numbered(stored.frame, stored.seq) for stored in frames]


class WebChatHub:
    """This process's open pages, and delivery of the visitors' stored messages to them."""

    def __init__(self, mailbox: Mailbox) -> None:
        self._mailbox = mailbox
        self._sockets: dict[str, set[VisitorSocket]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def mailbox(self) -> Mailbox:
        """Where the visitors' messages are stored."""
        return self._mailbox

    async def connect(self, visitor_id: str, socket: VisitorSocket, shown: int | None) -> int:
        """Register an open page and send it ``ready`` and the stored messages it has not shown;
        answers how many were sent. ``shown`` is the last number the page says it has shown."""
        async with socket.delivering:
            position = await self._mailbox.position(visitor_id)
            cursor = position.acked_seq
            if shown is not None and shown <= position.last_seq:
                cursor = max(cursor, shown)
            socket.cursor = cursor
            self._attach(visitor_id, socket)
            frames = await self._mailbox.after(visitor_id, cursor, limit=BATCH)
            await socket.send_many([ready_frame(visitor_id, len(frames), cursor), *_delivered(frames)])
            if frames:
                socket.cursor = frames[-1].seq
        if len(frames) == BATCH:
            self._schedule(visitor_id, socket)
        return len(frames)

    def detach(self, visitor_id: str, socket: VisitorSocket) -> None:
        """Forget a page that closed."""
        sockets = self._sockets.get(visitor_id)
        if sockets is None:
            return
        sockets.discard(socket)
        if not sockets:
            del self._sockets[visitor_id]

    def is_online(self, visitor_id: str) -> bool:
        """True when the visitor has at least one open page in this process."""
        return bool(self._sockets.get(visitor_id))

    async def push(self, visitor_id: str, frame: Frame) -> StoredFrame:
        """Store ``frame`` for the visitor, then send it to their open pages in this process (the
        other processes are woken by the store's notification)."""
        stored = await self._mailbox.put(visitor_id, frame)
        self.wake(visitor_id)
        return stored

    def wake(self, visitor_id: str) -> None:
        """New messages were stored for the visitor: send them to the visitor's pages here."""
        for socket in list(self._sockets.get(visitor_id, ())):
            self._schedule(visitor_id, socket)

    def wake_all(self) -> None:
        """Look for new messages for every page here (wake-ups may have been missed)."""
        for visitor_id in list(self._sockets):
            self.wake(visitor_id)

    async def send_or_store(self, visitor_id: str, socket: VisitorSocket, frame: Frame) -> None:
        """Send to the page that asked; if it has gone, store a reply for the visitor (it reaches
        their other pages now, or the next one that connects)."""
        try:
            await socket.send(frame)
        except ConnectionError:
            self.detach(visitor_id, socket)
            if frame.get("type") == "reply":
                await self.push(visitor_id, {**frame, "pushed": True})

    async def acknowledge(self, visitor_id: str, seq: int) -> None:
        """The visitor's page has shown every stored message up to ``seq``."""
        await self._mailbox.acknowledge(visitor_id, seq)

    async def close_visitor(self, visitor_id: str, *, code: int = 1012, message: str = "restarting") -> int:
        """Close the visitor's open pages (they reconnect by themselves); returns how many."""
        sockets = list(self._sockets.pop(visitor_id, ()))
        for socket in sockets:
            await socket.close(code, message)
        return len(sockets)

    async def close_all(self, *, code: int = 1001, message: str = "server shutdown") -> None:
        """Close every open page and stop delivering (at shutdown)."""
        for visitor_id in list(self._sockets):
            await self.close_visitor(visitor_id, code=code, message=message)
        tasks, self._tasks = list(self._tasks), set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def idle(self) -> None:
        """Wait until every delivery started so far has finished (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _attach(self, visitor_id: str, socket: VisitorSocket) -> None:
        self._sockets.setdefault(visitor_id, set()).add(socket)

    def _schedule(self, visitor_id: str, socket: VisitorSocket) -> None:
        socket.wanted += 1
        if socket.wanted > 1:
            return  # a delivery for this page is already on its way and will read again
        task = asyncio.get_running_loop().create_task(self._deliver(visitor_id, socket))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, visitor_id: str, socket: VisitorSocket) -> None:
        """Send the page every stored message after its cursor, reading again while wake-ups came."""
        async with socket.delivering:
            try:
                while socket.wanted and not socket.closed:
                    socket.wanted = 1
                    frames = await self._mailbox.after(visitor_id, socket.cursor, limit=BATCH)
                    if frames:
                        await socket.send_many(_delivered(frames))
                        socket.cursor = frames[-1].seq
                    if len(frames) < BATCH:
                        socket.wanted -= 1
            except ConnectionError:
                self.detach(visitor_id, socket)
            except Exception:
                # the boundary of a background delivery; the messages stay stored, and the next
                # wake-up or connection delivers them
                log.exception("web chat: stored messages for %s could not be delivered", short(visitor_id))
            finally:
                socket.wanted = 0


class WebChatSender:
    """The web chat's :class:`bot.channels.base.Sender`: stores a reply for a visitor and wakes the
    process holding their page (see the module docstring).

    ``recipient`` is the identity's external id, ``web:<visitor id>``. The send succeeds once the
    message is stored; ``provider_message_id`` is ``web-<stored row id>``.
    """

    channel = CHANNEL

    def __init__(self, hub: WebChatHub) -> None:
        self._hub = hub

    async def send(self, recipient: str, reply: Reply) -> SendResult:
        """Store ``reply`` for the visitor; raises :class:`PermanentFailure` for a malformed recipient."""
        visitor_id = visitor_of(recipient)
        if visitor_id is None:
            raise PermanentFailure(
                f"not a web chat recipient (expected web:<visitor id>): {recipient[:20]!r}"
            )
        stored = await self._hub.push(visitor_id, reply_frame(reply, pushed=True))
        return SendResult(provider_message_id=f"web-{stored.id}")
