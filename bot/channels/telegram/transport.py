"""The HTTP transport python-telegram-bot uses to reach the Bot API (a ``telegram.request.BaseRequest``).

Every reply is one Bot API call, so this is on the hot path. An aiohttp ``ClientSession`` request
costs about 130 µs of CPU; this client writes each request in one piece on a pooled HTTP/1.1
keep-alive connection (asyncio's protocol API, no streams) and reads the answer by
``Content-Length``, chunked encoding, or until the server closes. That costs a fraction of the
CPU. ``https://`` uses the system's default TLS context.

Parameters go as one JSON body, or as ``multipart/form-data`` when files are uploaded. PTB turns
the Bot API's answers into its errors (``RetryAfter``, ``Forbidden``, ...). Connection failures
become ``NetworkError`` and timeouts ``TimedOut``, here and nowhere else (:func:`_failure`). A
request that fails midway closes its connection, so a later request never reads a stale answer.
"""

from __future__ import annotations

import asyncio
import secrets
import ssl
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

#: seconds; PTB's own defaults are 5 everywhere
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 10.0
#: uploads get this much longer than the read timeout to be answered
UPLOAD_EXTRA_SECONDS = 20.0
#: an answer whose header is longer than this is refused
MAX_HEADER_BYTES = 64 * 1024
_HEADER_END = b"\r\n\r\n"


class _ProtocolError(Exception):
    """The server's answer is not HTTP/1.1 this client understands."""


def _seconds(value: object, default: float | None) -> float | None:
    if value is BaseRequest.DEFAULT_NONE:
        return default
    return value  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class _Target:
    """Where a URL's request goes."""

    https: bool
    host: str
    port: int
    #: path and query, as sent in the request line
    path: str
    #: the Host header's value
    authority: str


@lru_cache(maxsize=256)
def _target(url: str) -> _Target:
    """The parts of ``url`` a request needs (PTB calls a handful of fixed URLs)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NetworkError(f"unsupported Bot API URL scheme: {parts.scheme or 'none'}")
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    host = parts.hostname
    shown = f"[{host}]" if ":" in host else host
    authority = shown if port == (443 if https else 80) else f"{shown}:{port}"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(https, host, port, path, authority)


def _quoted(value: str) -> str:
    """A multipart header parameter value without quotes or line breaks."""
    return value.replace('"', "%22").replace("\r", "").replace("\n", "")


def _multipart(data: RequestData) -> tuple[bytes, str]:
    """``data`` as a ``multipart/form-data`` body, and its content type."""
    boundary = secrets.token_hex(16)
    parts: list[bytes] = []
    for name, value in data.json_parameters.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"\r\n\r\n'
        parts += [head.encode("utf-8"), value.encode("utf-8"), b"\r\n"]
    for name, (filename, content, mime_type) in data.multipart_data.items():
        body = content if isinstance(content, bytes) else content.read()
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"; '
            f'filename="{_quoted(filename or name)}"\r\n'
            f"Content-Type: {mime_type or 'application/octet-stream'}\r\n\r\n"
        )
        parts += [head.encode("utf-8"), body, b"\r\n"]
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def request_bytes(method: str, target: _Target, data: RequestData | None, user_agent: str) -> bytes:
    """The whole HTTP/1.1 request for one Bot API call."""
    body = b""
    content_type = ""
    if data is not None and data.contains_files:
        body, content_type = _multipart(data)
    elif data is not None and data.parameters:
        body, content_type = data.json_payload, "application/json"
    head = (
        f"{method} {target.path} HTTP/1.1\r\nHost: {target.authority}\r\n"
        f"User-Agent: {user_agent}\r\nConnection: keep-alive\r\n"
    )
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    if body or method == "POST":
        head += f"Content-Length: {len(body)}\r\n"
    return (head + "\r\n").encode("latin-1") + body


@dataclass(slots=True)
class _Head:
    """The status line and the headers of an answer that say how its body ends."""

    status: int
    length: int | None
    chunked: bool
    keep_alive: bool
    body_start: int


def _read_head(buffer: bytearray) -> _Head | None:
    """The answer's head, once all of it arrived (None before); informational answers are dropped."""
    while True:
        end = buffer.find(_HEADER_END)
        if end < 0:
            if len(buffer) > MAX_HEADER_BYTES:
                raise _ProtocolError("answer header too long")
            return None
        lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/1.") or not code.isdigit():
            raise _ProtocolError(f"not an HTTP/1.x answer: {lines[0][:40]!r}")
        status = int(code)
        if 100 <= status < 200:  # 100 Continue and the like: the real answer follows
            del buffer[: end + 4]
            continue
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        connection = headers.get("connection", "").lower()
        keep_alive = "close" not in connection and (version == "HTTP/1.1" or "keep-alive" in connection)
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        length: int | None = None
        if status in (204, 304):
            length = 0
        elif not chunked and "content-length" in headers:
            try:
                length = int(headers["content-length"])
            except ValueError as exc:
                raise _ProtocolError("bad Content-Length") from exc
        if length is None and not chunked:
            keep_alive = False  # the body ends when the server closes
        return _Head(status, length, chunked, keep_alive, end + 4)


def _dechunk(buffer: bytearray, start: int) -> bytes | None:
    """The body of a chunked answer starting at ``start`` (None while incomplete)."""
    pieces: list[bytes] = []
    at = start
    while True:
        line_end = buffer.find(b"\r\n", at)
        if line_end < 0:
            return None
        size_text = bytes(buffer[at:line_end]).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError as exc:
            raise _ProtocolError("bad chunk size") from exc
        at = line_end + 2
        if size == 0:
            if buffer[at : at + 2] == b"\r\n":
                return b"".join(pieces)
            return b"".join(pieces) if buffer.find(_HEADER_END, at - 2) >= 0 else None
        if len(buffer) < at + size + 2:
            return None
        pieces.append(bytes(buffer[at : at + size]))
        at += size + 2


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: one request at a time, its answer handed to a future."""

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._head: _Head | None = None
        self._answer: asyncio.Future[tuple[int, bytes]] | None = None
        #: whether another request may follow on this connection
        self.reusable = False
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport."""
        self._transport = transport  # type: ignore[assignment]

    def send(self, payload: bytes) -> asyncio.Future[tuple[int, bytes]]:
        """Write one request; the future gets (status, body)."""
        assert self._transport is not None
        self.reusable = False
        self._buffer.clear()
        self._head = None
        self._answer = asyncio.get_running_loop().create_future()
        self._transport.write(payload)
        return self._answer

    def data_received(self, data: bytes) -> None:
        """Collect the answer; hand it over once complete."""
        answer = self._answer
        if answer is None or answer.done():  # nobody asked: the connection cannot be trusted
            self.abort()
            return
        self._buffer += data
        try:
            self._complete(answer)
        except _ProtocolError as exc:
            answer.set_exception(exc)
            self.abort()

    def _complete(self, answer: asyncio.Future[tuple[int, bytes]]) -> None:
        head = self._head
        if head is None:
            head = self._head = _read_head(self._buffer)
            if head is None:
                return
        if head.chunked:
            body = _dechunk(self._buffer, head.body_start)
            if body is None:
                return
        elif head.length is not None:
            end = head.body_start + head.length
            if len(self._buffer) < end:
                return
            body = bytes(self._buffer[head.body_start : end])
        else:
            return  # read until the server closes
        self._answer = None
        self.reusable = head.keep_alive
        answer.set_result((head.status, body))
        if not head.keep_alive:
            self.abort()

    def eof_received(self) -> bool:
        """The server closed its side: close ours too."""
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """Finish an answer read until close, or fail the one still expected."""
        self.closed = True
        self.reusable = False
        answer, self._answer = self._answer, None
        if answer is None or answer.done():
            return
        head = self._head
        if head is not None and head.length is None and not head.chunked:
            answer.set_result((head.status, bytes(self._buffer[head.body_start :])))
            return
        answer.set_exception(exc or ConnectionResetError("the Bot API closed the connection"))

    def abort(self) -> None:
        """Close the connection now."""
        self.reusable = False
        if self._transport is not None and not self.closed:
            self._transport.close()


def _expire(answer: asyncio.Future[tuple[int, bytes]]) -> None:
    if not answer.done():
        answer.set_exception(TimeoutError())


def _failure(exc: BaseException, what: str) -> NetworkError:
    """The PTB error for a failed request (the only place transport errors are translated)."""
    if isinstance(exc, TimeoutError):
        return TimedOut(f"{what} timed out")
    return NetworkError(f"{what} failed: {type(exc).__name__}: {exc}")


class KeepAliveRequest(BaseRequest):
    """PTB requests over pooled keep-alive HTTP/1.1 connections (at most ``pool_size`` in use)."""

    __slots__ = ("_connect_timeout", "_idle", "_pool_size", "_read_timeout", "_slots", "_tls")

    def __init__(
        self,
        *,
        pool_size: int = 64,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float | None = DEFAULT_READ_TIMEOUT,
    ) -> None:
        self._pool_size = pool_size
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._idle: dict[tuple[bool, str, int], list[_Connection]] = {}
        self._slots: asyncio.Semaphore | None = None
        self._tls: ssl.SSLContext | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout in seconds."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Ready the pool (connections open on first use)."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._pool_size)

    async def shutdown(self) -> None:
        """Close every idle connection; the pool can be initialized again."""
        idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.abort()
        self._slots = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | None = BaseRequest.DEFAULT_NONE,  # type: ignore[assignment]
        write_timeout: float | None = BaseRequest.DEFAULT_NONE,  # type: ignore[assignment]
        connect_timeout: float | None = BaseRequest.DEFAULT_NONE,  # type: ignore[assignment]
        pool_timeout: float | None = BaseRequest.DEFAULT_NONE,  # type: ignore[assignment]
    ) -> tuple[int, bytes]:
        """Send one Bot API request; answers (HTTP status, body)."""
        slots = self._slots
        if slots is None:
            raise RuntimeError("KeepAliveRequest is not initialized")
        target = _target(url)
        payload = request_bytes(method, target, request_data, self.USER_AGENT)
        if slots.locked():
            try:
                await asyncio.wait_for(slots.acquire(), _seconds(pool_timeout, None))
            except TimeoutError as exc:
                raise TimedOut("no free connection to the Bot API (pool timeout)") from exc
        else:
            await slots.acquire()
        read = _seconds(read_timeout, self._read_timeout)
        if read is not None and request_data is not None and request_data.contains_files:
            read += UPLOAD_EXTRA_SECONDS
        try:
            return await self._exchange(
                target, payload, read, _seconds(connect_timeout, self._connect_timeout)
            )
        finally:
            slots.release()

    async def _exchange(
        self, target: _Target, payload: bytes, read: float | None, connect: float | None
    ) -> tuple[int, bytes]:
        key = (target.https, target.host, target.port)
        connection = self._reuse(key)
        try:
            if connection is None:
                connection = await self._connect(target, connect)
            answer = connection.send(payload)
            timer = None if read is None else asyncio.get_running_loop().call_later(read, _expire, answer)
            try:
                status, body = await answer
            finally:
                if timer is not None:
                    timer.cancel()
        except BaseException as exc:
            if connection is not None:
                connection.abort()
            if isinstance(exc, (OSError, TimeoutError, _ProtocolError)):
                raise _failure(exc, f"Bot API request to {target.authority}") from exc
            raise
        if connection.reusable and not connection.closed:
            self._idle.setdefault(key, []).append(connection)
        else:
            connection.abort()
        return status, body

    def _reuse(self, key: tuple[bool, str, int]) -> _Connection | None:
        idle = self._idle.get(key)
        while idle:
            connection = idle.pop()
            if not connection.closed:
                return connection
        return None

    async def _connect(self, target: _Target, within: float | None) -> _Connection:
        loop = asyncio.get_running_loop()
        tls = None
        if target.https:
            if self._tls is None:
                self._tls = ssl.create_default_context()
            tls = self._tls
        _, connection = await asyncio.wait_for(
            loop.create_connection(
                _Connection, target.host, target.port, ssl=tls, server_hostname=target.host if tls else None
            ),
            within,
        )
        return connection
