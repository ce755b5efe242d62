"""The ``GET /ws`` WebSocket: reads the page's frames, asks the engine, writes the replies.

Translation only: frames become :class:`IncomingMessage` (see :mod:`.protocol`), the engine's
replies become ``reply`` frames. A bad frame gets an ``error`` frame and the socket stays open;
a failure of the server's own closes the socket with 1011 (never an HTTP answer written into it).
"""

from __future__ import annotations

import logging
import math
from typing import Protocol

from aiohttp import WSCloseCode, WSMsgType, web

from bot.channels.webchat.errors import BadFrame
from bot.channels.webchat.hub import VisitorSocket, WebChatHub, short
from bot.channels.webchat.protocol import (
    Ack,
    ChatFrame,
    Hello,
    done_frame,
    error_frame,
    new_visitor_id,
    parse_client_frame,
    reply_frame,
    to_incoming,
    typing_frame,
)
from bot.clock import Clock
from bot.engine.errors import ConcurrentUpdateError
from handlers.messages import IncomingMessage, Reply

log = logging.getLogger(__name__)

#: frames larger than this close the socket (code 1009); 2,000 characters fit with room to spare
MAX_FRAME_BYTES = 64 * 1024
#: seconds between server pings, so dead connections are noticed
HEARTBEAT_SECONDS = 30.0
ENGINE_FAILED = "Sorry, something went wrong on our side. Please try again in a moment."
BUSY = "This conversation is busy with another message; please send yours again."
TOO_FAST = "You're sending messages a little too fast. Please wait {seconds} seconds and try again."


class ChatResult(Protocol):
    """What the engine answers (``bot.engine.EngineResult``)."""

    replies: list[Reply]
    duplicate: bool


class ChatEngine(Protocol):
    """The conversation engine as the web chat uses it."""

    async def handle(self, message: IncomingMessage) -> ChatResult:
        """Answer one shopper message."""
        ...


class RateLimiter(Protocol):
    """Per-user message limit (``bot.channels.rest.ChatRateLimiter``)."""

    def retry_after(self, user_id: str) -> float | None:
        """Seconds to wait, or None when the message is allowed (it is then counted)."""
        ...


class WebChatEndpoint:
    """Serves the web chat WebSocket for one app: the engine to ask, the hub of open pages."""

    def __init__(
        self, *, engine: ChatEngine, hub: WebChatHub, clock: Clock, limiter: RateLimiter | None = None
    ) -> None:
        self._engine = engine
        self._hub = hub
        self._clock = clock
        self._limiter = limiter

    async def handle_socket(self, request: web.Request) -> web.WebSocketResponse:
        """Run one page's connection until it closes."""
        ws = web.WebSocketResponse(heartbeat=HEARTBEAT_SECONDS, max_msg_size=MAX_FRAME_BYTES)
        await ws.prepare(request)
        socket = VisitorSocket(ws)
        visitor_id: str | None = None
        try:
            async for message in ws:
                if message.type == WSMsgType.BINARY:
                    await socket.send(error_frame("binary frames are not accepted; send JSON text"))
                    continue
                if message.type != WSMsgType.TEXT:
                    break
                visitor_id = await self._on_text(socket, visitor_id, message.data)
        except ConnectionError:
            log.info("web chat socket dropped")
        except Exception:
            # the upgraded socket is no place for an HTTP 500: log it and close with 1011
            log.exception("web chat: a frame could not be handled; closing the socket")
            await ws.close(code=WSCloseCode.INTERNAL_ERROR, message=b"internal error")
        finally:
            if visitor_id is not None:
                self._hub.detach(visitor_id, socket)
        return ws

    async def _on_text(self, socket: VisitorSocket, visitor_id: str | None, raw: str) -> str | None:
        """Handle one text frame; returns the connection's visitor id (set by hello)."""
        try:
            frame = parse_client_frame(raw)
        except BadFrame as exc:
            await socket.send(error_frame(exc.reason, exc.frame_id))
            return visitor_id
        if isinstance(frame, Hello):
            if visitor_id is not None:
                await socket.send(error_frame("hello was already sent on this connection"))
                return visitor_id
            return await self._greet(socket, frame)
        if visitor_id is None:
            frame_id = frame.id if isinstance(frame, ChatFrame) else None
            await socket.send(error_frame("send hello with your visitor_id first", frame_id))
            return None
        if isinstance(frame, Ack):
            await self._hub.acknowledge(visitor_id, frame.seq)
            return visitor_id
        await self._answer(socket, visitor_id, frame)
        return visitor_id

    async def _greet(self, socket: VisitorSocket, hello: Hello) -> str:
        visitor_id = hello.visitor_id or new_visitor_id()
        delivered = await self._hub.connect(visitor_id, socket, hello.last_seq)
        log.info("web chat: %s connected (%d stored messages delivered)", short(visitor_id), delivered)
        return visitor_id

    async def _answer(self, socket: VisitorSocket, visitor_id: str, frame: ChatFrame) -> None:
        message = to_incoming(frame, visitor_id, self._clock.now())
        wait = self._limiter.retry_after(message.external_id) if self._limiter is not None else None
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            await socket.send(error_frame(TOO_FAST.format(seconds=seconds), frame.id, retry_after=seconds))
            return
        await self._hub.send_or_store(visitor_id, socket, typing_frame(frame.id))
        try:
            result = await self._engine.handle(message)
        except ConcurrentUpdateError:
            await self._hub.send_or_store(visitor_id, socket, error_frame(BUSY, frame.id))
            return
        except Exception:
            # the boundary of the channel: logged with its traceback, the shopper is told
            log.exception("web chat: the engine failed on a message from %s", short(visitor_id))
            await self._hub.send_or_store(visitor_id, socket, error_frame(ENGINE_FAILED, frame.id))
            return
        for reply in result.replies:
            await self._hub.send_or_store(visitor_id, socket, reply_frame(reply, in_reply_to=frame.id))
        await self._hub.send_or_store(visitor_id, socket, done_frame(frame.id, duplicate=result.duplicate))
