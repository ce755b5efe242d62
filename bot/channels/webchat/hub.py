"""Who is connected: each visitor's open sockets, the replies queued for absent visitors, and
:class:`WebChatSender`, which pushes replies to them.

Queueing is in memory only (a restart forgets it) and bounded: at most ``queue_limit`` replies
per visitor (the oldest are dropped first) and at most ``max_queued_visitors`` visitors with a
queue (the visitor who queued least recently loses theirs). A queue is delivered, in order, when
the visitor's page next connects.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import OrderedDict, deque

from aiohttp import web

from bot.channels.base import PermanentFailure, SendResult
from bot.channels.webchat.protocol import CHANNEL, reply_frame, visitor_of
from handlers.messages import Reply

log = logging.getLogger(__name__)

Frame = dict[str, object]


def short(visitor_id: str) -> str:
    """A visitor id shortened for logs (the full id lets anyone read the conversation)."""
    return visitor_id[:6] + "…"


class VisitorSocket:
    """One open page: a WebSocket whose sends are serialised (replies and pushes may interleave)."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self._ws = ws
        self._lock = asyncio.Lock()

    @property
    def closed(self) -> bool:
        """True once the socket is closing or closed."""
        return self._ws.closed

    async def send(self, frame: Frame) -> None:
        """Send one JSON frame; raises :class:`ConnectionError` when the socket is gone."""
        async with self._lock:
            if self._ws.closed:
                raise ConnectionResetError("web chat socket is closed")
            await self._ws.send_json(frame)

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


class WebChatHub:
    """The visitors' open sockets and the bounded queues of replies waiting for them."""

    def __init__(self, *, queue_limit: int = 50, max_queued_visitors: int = 10_000) -> None:
        self._sockets: dict[str, set[VisitorSocket]] = {}
        self._queues: OrderedDict[str, deque[Frame]] = OrderedDict()
        self._queue_limit = queue_limit
        self._max_queued_visitors = max_queued_visitors

    def attach(self, visitor_id: str, socket: VisitorSocket) -> list[Frame]:
        """Register an open page; returns (and forgets) the frames queued for the visitor."""
        self._sockets.setdefault(visitor_id, set()).add(socket)
        return list(self._queues.pop(visitor_id, ()))

    def detach(self, visitor_id: str, socket: VisitorSocket) -> None:
        """Forget a page that closed."""
        sockets = self._sockets.get(visitor_id)
        if sockets is None:
            return
        sockets.discard(socket)
        if not sockets:
            del self._sockets[visitor_id]

    def is_online(self, visitor_id: str) -> bool:
        """True when the visitor has at least one open page."""
        return bool(self._sockets.get(visitor_id))

    def queued(self, visitor_id: str) -> int:
        """How many frames wait for the visitor's next connection."""
        return len(self._queues.get(visitor_id, ()))

    async def deliver(self, visitor_id: str, frame: Frame) -> bool:
        """Send ``frame`` to every open page of the visitor; True if one got it, else it is queued."""
        delivered = False
        for socket in list(self._sockets.get(visitor_id, ())):
            try:
                await socket.send(frame)
            except ConnectionError:
                self.detach(visitor_id, socket)
            else:
                delivered = True
        if not delivered:
            self._enqueue(visitor_id, frame)
        return delivered

    async def send_or_deliver(self, visitor_id: str, socket: VisitorSocket, frame: Frame) -> None:
        """Send to the page that asked; if it has gone, to the visitor's other pages or the queue."""
        try:
            await socket.send(frame)
        except ConnectionError:
            self.detach(visitor_id, socket)
            if frame.get("type") == "reply":
                await self.deliver(visitor_id, frame)

    async def close_visitor(self, visitor_id: str, *, code: int = 1012, message: str = "restarting") -> int:
        """Close the visitor's open pages (they reconnect by themselves); returns how many."""
        sockets = list(self._sockets.pop(visitor_id, ()))
        for socket in sockets:
            await socket.close(code, message)
        return len(sockets)

    async def close_all(self, *, code: int = 1001, message: str = "server shutdown") -> None:
        """Close every open page (at shutdown)."""
        for visitor_id in list(self._sockets):
            await self.close_visitor(visitor_id, code=code, message=message)

    def _enqueue(self, visitor_id: str, frame: Frame) -> None:
        queue = self._queues.get(visitor_id)
        if queue is None:
            queue = self._queues[visitor_id] = deque(maxlen=self._queue_limit)
            while len(self._queues) > self._max_queued_visitors:
                dropped, frames = self._queues.popitem(last=False)
                log.warning("web chat queue full: dropped %d replies for %s", len(frames), short(dropped))
        else:
            self._queues.move_to_end(visitor_id)
        if len(queue) == queue.maxlen:
            log.warning(
                "web chat: %s has %d queued replies; dropping the oldest", short(visitor_id), len(queue)
            )
        queue.append(frame)


class WebChatSender:
    """The web chat's :class:`bot.channels.base.Sender`: pushes a reply to a visitor's open pages.

    ``recipient`` is the identity's external id, ``web:<visitor id>``. When no page is open the
    reply is queued (see the module docstring) and delivered on the next connection; either way
    the send succeeds. ``provider_message_id`` is ``web-live-<n>`` or ``web-queued-<n>``.
    """

    channel = CHANNEL

    def __init__(self, hub: WebChatHub) -> None:
        self._hub = hub
        self._counter = itertools.count(1)

    async def send(self, recipient: str, reply: Reply) -> SendResult:
        """Deliver ``reply`` now or queue it; raises :class:`PermanentFailure` for a malformed recipient."""
        visitor_id = visitor_of(recipient)
        if visitor_id is None:
            raise PermanentFailure(
                f"not a web chat recipient (expected web:<visitor id>): {recipient[:20]!r}"
            )
        delivered = await self._hub.deliver(visitor_id, reply_frame(reply, pushed=True))
        state = "live" if delivered else "queued"
        return SendResult(provider_message_id=f"web-{state}-{next(self._counter)}")
