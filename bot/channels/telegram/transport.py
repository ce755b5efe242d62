"""An aiohttp transport for python-telegram-bot (``telegram.request.BaseRequest``).

PTB's default transport (httpx) costs noticeably more CPU per call than aiohttp's client; the
bot already runs inside aiohttp, so its replies go out through an aiohttp ``ClientSession``.
Parameters are sent as one JSON body (or multipart when files are uploaded); PTB turns the
answers into its usual errors (``RetryAfter``, ``Forbidden``, ...).
"""

from __future__ import annotations

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

#: seconds; PTB's own defaults are 5 everywhere
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 10.0


def _seconds(value: object, default: float | None) -> float | None:
    if value is BaseRequest.DEFAULT_NONE:
        return default
    return value  # type: ignore[return-value]


class AiohttpRequest(BaseRequest):
    """PTB requests over one pooled ``aiohttp.ClientSession`` (created in :meth:`initialize`)."""

    __slots__ = ("_connect_timeout", "_pool_size", "_read_timeout", "_session")

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

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout in seconds."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the connection pool."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                skip_auto_headers=("Accept-Encoding",),
            )

    async def shutdown(self) -> None:
        """Close the connection pool."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

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
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        read = _seconds(read_timeout, self._read_timeout)
        connect = _seconds(connect_timeout, self._connect_timeout)
        pool = _seconds(pool_timeout, None)
        timeout = aiohttp.ClientTimeout(total=None, connect=pool, sock_connect=connect, sock_read=read)
        kwargs: dict[str, object] = {}
        if request_data is not None and request_data.contains_files:
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mime_type) in request_data.multipart_data.items():
                form.add_field(name, content, filename=filename or name, content_type=mime_type)
            kwargs["data"] = form
        elif request_data is not None and request_data.parameters:
            kwargs["data"] = request_data.json_payload
            kwargs["headers"] = {"Content-Type": "application/json"}
        try:
            async with session.request(method, url, timeout=timeout, **kwargs) as response:  # type: ignore[arg-type]
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
