"""pywa's HTTP underneath: one pooled ``aiohttp`` session, and a short path for pywa's JSON calls.

pywa talks to the Graph API through an ``httpx.AsyncClient``. Two layers of httpx cost more CPU
than the rest of a reply, measured in ``bench/whatsapp_webhook`` (two Graph API calls per shopper
message: the read mark and the reply):

- httpx's own transport (httpcore) walks its whole connection pool for every request and probes
  each connection's socket: about 1.5 ms per call with a 64-connection pool.
  :class:`AiohttpTransport` hands each request to aiohttp, doorstep's HTTP stack, over keep-alive
  connections (``httpx.AsyncClient(transport=...)`` is httpx's documented way to replace the
  network layer).
- httpx's client builds every request anew: the endpoint is parsed and joined to the base URL
  (two URL parses), the headers merged, then the response's cookies are read through ``urllib``
  and ``email`` compatibility objects: about 0.25 ms per call, for calls whose URL, headers and
  (absent) cookies are always the same. :class:`GraphSession` is the ``httpx.AsyncClient`` handed
  to pywa; the calls pywa makes with a JSON body or none (messages, read marks, typing) go straight
  to the same aiohttp session, with the client's headers (the token pywa set) and its base URL,
  and come back as the ``httpx.Response`` pywa reads. Anything else pywa sends (media uploads,
  query parameters, streams) takes httpx's full path over :class:`AiohttpTransport`.

Responses are small JSON documents: they are asked for uncompressed and read whole, their text
decoded with the charset the server named (UTF-8 by default, as for JSON). The ``httpx.Response``
is handed the body already read (:func:`_read_response`) rather than streaming it through httpx's
decoder chain again, which cost ~20 µs per call; the session keeps no cookie jar (httpx's client
keeps cookies on its full path, and the Graph API sets none), and the short path reuses the
request headers and the base URL until pywa changes them. aiohttp's errors become
the httpx errors pywa expects (timeouts as ``httpx.TimeoutException``, the rest as
``httpx.TransportError``), so :func:`bot.channels.whatsapp.client.translate_error` sees the same
types on either path.
"""

from __future__ import annotations

import asyncio
import codecs
import json as jsonlib
from collections.abc import Callable
from typing import Any

import aiohttp
import httpx

#: request headers aiohttp writes itself
_SKIPPED = frozenset({b"host", b"content-length", b"transfer-encoding", b"connection", b"accept-encoding"})
#: response headers that describe an encoding already undone
_DROPPED = frozenset({b"content-encoding", b"transfer-encoding"})
_Headers = list[tuple[str, str]]
_RawHeaders = list[tuple[bytes, bytes]]
#: request bodies encoded as httpx encodes ``json=`` (made once: json.dumps with options makes one per call)
_JSON = jsonlib.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _request_headers(raw: list[tuple[bytes, bytes]]) -> _Headers:
    """httpx's raw request headers as aiohttp takes them, asking for an uncompressed answer."""
    headers = [
        (key.decode("latin-1"), value.decode("latin-1")) for key, value in raw if key.lower() not in _SKIPPED
    ]
    headers.append(("Accept-Encoding", "identity"))
    return headers


def _read_response(status: int, headers: _RawHeaders, content: bytes, charset: str | None) -> httpx.Response:
    """An ``httpx.Response`` holding ``content``, read and closed, as httpx leaves a response it read.

    ``httpx.Response(content=...)`` would stream the bytes it was given through its chunker and
    decoders (nothing to decode: the answer was asked for uncompressed and aiohttp undid any
    transfer encoding); the body is attached as httpx's ``read()`` stores it instead.
    """
    encoding = _known_charset(charset)
    response = httpx.Response(status, headers=headers, stream=httpx.ByteStream(content))
    response.encoding = encoding  # before the text: httpx refuses a new encoding once text was read
    response._content = content  # what Response.read() stores; content, text and json() read it
    # what the ``text`` property stores (pywa reads it for every call, for a debug log line)
    response._text = content.decode(encoding, errors="replace")
    response.is_stream_consumed = True
    response.is_closed = True
    return response


def _known_charset(charset: str | None) -> str:
    """The response's declared charset when Python knows it, else UTF-8 (JSON's encoding)."""
    if charset:
        try:
            codecs.lookup(charset)
        except LookupError:
            return "utf-8"
        return charset
    return "utf-8"


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
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` and read the whole answer."""
        body = await request.aread()
        response = await self.exchange(
            request.method, str(request.url), _request_headers(request.headers.raw), body, lambda: request
        )
        response.request = request
        return response

    async def exchange(
        self,
        method: str,
        url: str,
        headers: _Headers,
        body: bytes | None,
        request: Callable[[], httpx.Request],
    ) -> httpx.Response:
        """One exchange over the pooled session; ``request`` makes the httpx request an error names."""
        try:
            async with self._client().request(method, url, headers=headers, data=body or None) as response:
                content = await response.read()
                status, raw_headers, charset = response.status, response.raw_headers, response.charset
        except TimeoutError as exc:
            failed = request()
            raise httpx.ReadTimeout(f"no answer from {failed.url.host}", request=failed) from exc
        except (aiohttp.ClientError, OSError, asyncio.IncompleteReadError) as exc:
            raise httpx.NetworkError(f"{type(exc).__name__}: {exc}", request=request()) from exc
        kept = [(key, value) for key, value in raw_headers if key.lower() not in _DROPPED]
        return _read_response(status, kept, content, charset)

    async def aclose(self) -> None:
        """Close the aiohttp session (and its connections)."""
        if self._session is not None:
            await self._session.close()
            self._session = None


class GraphSession(httpx.AsyncClient):
    """The ``httpx.AsyncClient`` pywa sends with; its JSON calls take the short path (module docstring)."""

    def __init__(self, *, transport: AiohttpTransport, timeout: httpx.Timeout) -> None:
        super().__init__(timeout=timeout, transport=transport)
        self._wire = transport
        #: the client's headers as last seen, and as aiohttp takes them (pywa sets them in place)
        self._raw_seen: list[tuple[bytes, bytes]] = []
        self._wire_headers: _Headers = []
        #: the base URL as last seen, and as text
        self._base_seen: httpx.URL | None = None
        self._base_text = ""

    def _short_path_prefix(self) -> tuple[_Headers, str]:
        """The request headers (a fresh list) and the base URL text, remade only when they changed."""
        raw = self.headers.raw
        if raw != self._raw_seen:
            self._raw_seen, self._wire_headers = raw, _request_headers(raw)
        base = self.base_url
        if base is not self._base_seen:
            self._base_seen, self._base_text = base, str(base)  # httpx keeps it with a trailing slash
        return list(self._wire_headers), self._base_text

    async def request(  # type: ignore[override]
        self, method: str, url: httpx.URL | str, *, json: Any = None, **kwargs: Any
    ) -> httpx.Response:
        """pywa's call: a relative endpoint with a JSON body or none goes straight to aiohttp."""
        if kwargs or not isinstance(url, str) or not url.startswith("/") or self.is_closed:
            return await super().request(method, url, json=json, **kwargs)
        headers, base = self._short_path_prefix()
        body: bytes | None = None
        if json is not None:  # encoded as httpx does
            body = _JSON.encode(json).encode()
            headers.append(("Content-Type", "application/json"))

        def built() -> httpx.Request:
            return self.build_request(method, url, json=json)

        response = await self._wire.exchange(method, base + url[1:], headers, body, built)
        if response.is_error:  # pywa keeps the response on the error it raises
            response.request = built()
        return response
