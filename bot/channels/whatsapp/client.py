"""The pywa client for the Cloud API, and the one place its errors become doorstep's send errors.

pywa (``pywa_async.WhatsApp``) sends through an ``httpx.AsyncClient`` and fixes that client's base
URL to ``https://graph.facebook.com/v<version>`` when it is constructed; it has no option for
another host. doorstep hands pywa its own ``httpx.AsyncClient`` and sets the base URL back to
``DOORSTEP_WHATSAPP_API_BASE_URL`` right after, so tests and benchmarks drive the real client
against a fake Graph API on loopback. Everything else (messages, templates, read marks, typing)
goes through pywa's public methods; underneath, the client's JSON calls go straight to aiohttp
and the rest through httpx over aiohttp (:mod:`bot.channels.whatsapp.transport`).

Meta's error codes (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes):

- 131047 re-engagement required (the 24-hour window is closed) -> :class:`WindowClosed`;
- 130429 throughput, 4 / 80007 API call rate, HTTP 429 -> retry later, the whole number paused a second;
- 131056 pair rate (too many to one shopper), 131048 spam rate limit -> retry later with backoff;
- 131026 undeliverable (blocked us, not on WhatsApp, old app), 131030 not an allowed recipient
  -> the identity is unreachable;
- 5xx, 1 / 2 / 131000 / 131016 / 133004 (service errors), errors Meta marks transient, timeouts
  and network errors -> retry later;
- 0, 10, 190 and 2xx (token and permissions) -> retry later: a configuration problem must not
  drop messages;
- 132015 template paused -> retry later; anything else (bad parameters, other template errors)
  -> permanent failure.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from pywa import utils as pywa_utils
from pywa.errors import WhatsAppError
from pywa_async import WhatsApp

from bot.channels.base import PermanentFailure, RetryLater, SendError, Unreachable
from bot.channels.whatsapp.errors import WindowClosed
from bot.channels.whatsapp.transport import AiohttpTransport, GraphSession
from bot.config import Settings

#: connections to the Graph API (replies of many shoppers go out concurrently)
POOL_SIZE = 64
#: seconds to wait for the Graph API (connect, and the whole answer)
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
#: the loggers pywa writes to
PYWA_LOGGERS = ("pywa", "pywa_async")
#: the Graph API version pywa is written for
API_VERSION = str(pywa_utils.Version.GRAPH_API)

RE_ENGAGEMENT = 131047
_NUMBER_PAUSED = frozenset({4, 80007, 130429, 429})
_BACK_OFF = frozenset({131056, 131048})
_UNREACHABLE = frozenset({131026, 131030})
_SERVICE = frozenset({1, 2, 131000, 131016, 133004, 132015})
_AUTH = frozenset({0, 3, 10, 190})
#: how long the number is paused after a throughput error (Meta counts per second)
THROUGHPUT_PAUSE = 1.0


def build_client(settings: Settings) -> tuple[WhatsApp, httpx.AsyncClient]:
    """The pywa client for ``settings`` and the HTTP client it sends with (close it on shutdown).

    pywa's loggers are kept at WARNING: at DEBUG they write every request body (shoppers' numbers
    and the texts sent to them).
    """
    for name in PYWA_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    session = GraphSession(
        timeout=httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT),
        transport=AiohttpTransport(
            pool_size=POOL_SIZE, connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT
        ),
    )
    client = WhatsApp(
        phone_id=settings.whatsapp_phone_number_id,
        token=settings.whatsapp_token,
        session=session,
        verify_token=settings.whatsapp_verify_token,
        app_secret=settings.whatsapp_app_secret,
        api_version=API_VERSION,
    )
    session.base_url = f"{settings.whatsapp_api_base_url.rstrip('/')}/v{API_VERSION}"
    return client, session


def translate_error(error: Exception) -> SendError:
    """The doorstep error for a pywa / httpx error (the only place that maps them)."""
    if isinstance(error, httpx.TransportError):
        return RetryLater(f"whatsapp unavailable: {type(error).__name__}: {error}")
    if not isinstance(error, WhatsAppError):
        return PermanentFailure(f"whatsapp refused the message: {error}")
    code, status = error.code, error.status_code or 0
    reason = f"whatsapp {code}: {error.message}"[:300]
    if code == RE_ENGAGEMENT:
        return WindowClosed(reason)
    if code in _NUMBER_PAUSED or status == 429:
        return RetryLater(reason, THROUGHPUT_PAUSE)
    if code in _BACK_OFF:
        return RetryLater(reason)
    if code in _UNREACHABLE:
        return Unreachable(reason)
    if code in _SERVICE or status >= 500 or error.is_transient:
        return RetryLater(reason)
    if code in _AUTH or 200 <= code < 300:
        return RetryLater(f"whatsapp refused the access token or permissions: {reason}")
    return PermanentFailure(f"whatsapp rejected the message: {reason}")


@contextmanager
def whatsapp_errors() -> Iterator[None]:
    """Re-raise pywa and httpx errors as :class:`~bot.channels.base.SendError`."""
    try:
        yield
    except (WhatsAppError, httpx.HTTPError, ValueError) as error:
        raise translate_error(error) from error
