"""pywa's HTTP underneath: an ``httpx`` transport that sends through one pooled ``aiohttp`` session.

pywa talks to the Graph API through an ``httpx.AsyncClient``. httpx's own transport (httpcore)
walks its whole connection pool for every request and probes each connection's socket, which
cost doorstep about 1.5 ms of CPU per call with a 64-connection pool (measured in
``bench/whatsapp_webhook``), more than the rest of a reply. This transport hands each request to
aiohttp, doorstep's HTTP stack, over keep-alive connections; pywa and httpx above it are
unchanged (``httpx.AsyncClient(transport=AiohttpTransport(...))`` is httpx's documented way to
replace the network layer).

Responses are small JSON documents: they are asked for uncompressed and read whole. aiohttp's
errors become the httpx errors pywa expects (timeouts as ``httpx.TimeoutException``, the rest as
``httpx.TransportError``), so :func:`bot.channels.whatsapp.client.translate_error` sees the same
types either way.
"""

from __future__ import annotations

import asyncio

import aiohttp
import httpx

#: request headers aiohttp writes itself
_SKIPPED = frozenset({b"host", b"content-length", b"transfer-encoding", b"connection", b"accept-encoding"})


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Sends httpx requests with an ``aiohttp.ClientSession`` made on first use (inside the loop)."""

    def __init__(self, *, pool_size: int, connect_timeout: float, read_timeout: float) -> None:
        self._pool_size = pool_size
        self._timeout = aiohttp.ClientTimeout(total=read_timeout, connect=connect_timeout)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=self._pool_size),
                timeout=self._timeout,
                auto_decompress=False,
                skip_auto_headers=("Accept-Encoding",),
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` and read the whole answer."""
        headers = [
            (key.decode("latin-1"), value.decode("latin-1"))
            for key, value in request.headers.raw
            if key.lower() not in _SKIPPED
        ]
        headers.append(("Accept-Encoding", "identity"))
        body = await request.aread()
        try:
            async with self._client().request(
                request.method, str(request.url), headers=headers, data=body or None
            ) as response:
                content = await response.read()
                status, raw_headers = response.status, response.raw_headers
        except TimeoutError as exc:
            raise httpx.ReadTimeout(f"no answer from {request.url.host}", request=request) from exc
        except (aiohttp.ClientError, OSError, asyncio.IncompleteReadError) as exc:
            raise httpx.NetworkError(f"{type(exc).__name__}: {exc}", request=request) from exc
        kept = [
            (key, value)
            for key, value in raw_headers
            if key.lower() not in (b"content-encoding", b"transfer-encoding")
        ]
        return httpx.Response(status, headers=kept, content=content, request=request)

    async def aclose(self) -> None:
        """Close the aiohttp session (and its connections)."""
        if self._session is not None:
            await self._session.close()
            self._session = None
