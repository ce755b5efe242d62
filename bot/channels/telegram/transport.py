"""The HTTP transport python-telegram-bot uses to reach the Bot API: a ``telegram.request.BaseRequest``
on aiohttp's ``ClientSession``.

Connections are pooled and kept alive by aiohttp's connector (at most ``pool_size`` open at once;
a request waits for a free one). Parameters go as one JSON body, or as ``multipart/form-data`` when
files are uploaded. Timeouts:

- ``connect_timeout`` bounds opening a connection (TCP and TLS);
- ``read_timeout`` bounds each wait for the answer's bytes once the request is written; a request
  that uploads files gets :data:`UPLOAD_EXTRA_SECONDS` more;
- ``pool_timeout`` (when PTB passes one) bounds the wait for a free connection when all
  ``pool_size`` are busy (unbounded otherwise).

PTB turns the Bot API's answers into its errors (``RetryAfter``, ``Forbidden``, ...). Transport
failures are translated here and nowhere else (:func:`_failure`): timeouts become ``TimedOut``, any
other connection or protocol error ``NetworkError``. aiohttp never reuses a connection whose answer
failed midway, so a later request cannot read a stale answer.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

#: seconds; PTB's own defaults are 5 everywhere
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 10.0
#: uploads get this much longer than the read timeout to be answered
UPLOAD_EXTRA_SECONDS = 20.0
#: idle keep-alive connections are closed after this many seconds
KEEPALIVE_SECONDS = 30.0


def _seconds(value: object, default: float | None) -> float | None:
    """A timeout PTB passed, or ``default`` when it passed none (``DEFAULT_NONE``)."""
    if value is BaseRequest.DEFAULT_NONE:
        return default
    return value  # type: ignore[return-value]


def _body(data: RequestData | None) -> tuple[Any, dict[str, str]]:
    """The request body for ``data`` (JSON, multipart or none) and the headers it needs."""
    if data is None:
        return None, {}
    if data.contains_files:
        form = aiohttp.FormData(quote_fields=False)
        for name, value in data.json_parameters.items():
            form.add_field(name, value)
        for name, (filename, content, mime_type) in data.multipart_data.items():
            form.add_field(
                name,
                content,
                filename=filename or name,
                content_type=mime_type or "application/octet-stream",
            )
        return form, {}
    if data.parameters:
        return data.json_payload, {"Content-Type": "application/json"}
    return None, {}


def _failure(exc: BaseException, url: str) -> NetworkError:
    """The PTB error for a failed request (the only place transport errors are translated).

    The message names the host only: the URL's path carries the bot token.
    """
    scheme, _, rest = url.partition("://")
    host = rest.partition("/")[0] or "?"
    what = f"Bot API request to {host}"
    if isinstance(exc, TimeoutError):  # aiohttp's timeouts are TimeoutErrors too
        return TimedOut(f"{what} timed out")
    detail = str(exc).replace(url, f"{scheme}://{host}/…")
    return NetworkError(f"{what} failed: {type(exc).__name__}: {detail}")


class AiohttpRequest(BaseRequest):
    """PTB requests through one aiohttp ``ClientSession`` (pooled keep-alive connections).

    The session is made by :meth:`initialize` (on the running loop) and closed by :meth:`shutdown`;
    the request can be initialized again afterwards.
    """

    __slots__ = ("_connect_timeout", "_pool_size", "_read_timeout", "_session", "_slots")

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
        self._session: aiohttp.ClientSession | None = None
        #: one per connection in use, so a pool timeout bounds only the wait for a free one
        self._slots: asyncio.Semaphore | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout in seconds."""
        return self._read_timeout

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The session requests go through (None before :meth:`initialize`)."""
        return self._session

    async def initialize(self) -> None:
        """Open the session (connections open on first use)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._pool_size, limit_per_host=self._pool_size, keepalive_timeout=KEEPALIVE_SECONDS
            )
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=None), raise_for_status=False
            )
            self._slots = asyncio.Semaphore(self._pool_size)

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        session, self._session, self._slots = self._session, None, None
        if session is not None and not session.closed:
            await session.close()

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
        """Send one Bot API request; answers (HTTP status, body).

        ``write_timeout`` is not used: the read timeout starts once the request is written.
        """
        session, slots = self._session, self._slots
        if session is None or slots is None or session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        read = _seconds(read_timeout, self._read_timeout)
        if read is not None and request_data is not None and request_data.contains_files:
            read += UPLOAD_EXTRA_SECONDS
        connect = _seconds(connect_timeout, self._connect_timeout)
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=read)
        body, headers = _body(request_data)
        headers["User-Agent"] = self.USER_AGENT
        if slots.locked():
            try:
                await asyncio.wait_for(slots.acquire(), _seconds(pool_timeout, None))
            except TimeoutError as exc:
                raise TimedOut("no free connection to the Bot API (pool timeout); nothing was sent") from exc
        else:
            await slots.acquire()
        try:
            async with session.request(method, url, data=body, headers=headers, timeout=timeout) as answer:
                return answer.status, await answer.read()
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise _failure(exc, url) from exc
        finally:
            slots.release()
