"""The Bot API transport (PTB on aiohttp): a real PTB Bot against FakeTelegram, and raw HTTP servers on
127.0.0.1 answering the ways HTTP/1.1 allows (chunked, until close, 100 Continue, Connection: close,
garbage), slowly, or not at all."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram.transport import AiohttpRequest
from tests.fakes.fixtures import FAKE_TELEGRAM_TOKEN
from tests.fakes.telegram import FakeTelegram


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    bot = Bot(
        FAKE_TELEGRAM_TOKEN,
        base_url=fake_telegram.api_base_url,
        base_file_url=fake_telegram.file_base_url,
        request=AiohttpRequest(read_timeout=1.0),
    )
    async with bot:
        yield bot


async def test_json_call_round_trip(bot: Bot, fake_telegram: FakeTelegram) -> None:
    message = await bot.send_message(chat_id=77, text="héllo ✓")
    assert message.text == "héllo ✓" and message.chat.id == 77
    (call,) = fake_telegram.calls_to("sendMessage")
    assert call.params == {"chat_id": 77, "text": "héllo ✓"}
    assert bot.username == "doorstep_test_bot"


async def test_file_upload_goes_as_multipart(bot: Bot, fake_telegram: FakeTelegram) -> None:
    await bot.send_document(chat_id=77, document=b"%PDF-1.4 receipt", filename="receipt.pdf", caption="here")
    (call,) = fake_telegram.calls_to("sendDocument")
    assert call.status == 200
    assert call.params["caption"] == "here"
    assert (call.params["document"].filename, call.params["document"].data) == (
        "receipt.pdf",
        b"%PDF-1.4 receipt",
    )


async def test_download_a_file(bot: Bot, fake_telegram: FakeTelegram) -> None:
    fake_telegram.add_file("FILE-1", b"\x89PNG fake", "photos/file_1.png")
    file = await bot.get_file("FILE-1")
    assert bytes(await file.download_as_bytearray()) == b"\x89PNG fake"


async def test_errors_become_ptb_errors(bot: Bot, fake_telegram: FakeTelegram) -> None:
    fake_telegram.fail_next("sendMessage", 429, retry_after=3)
    with pytest.raises(RetryAfter) as throttled:
        await bot.send_message(chat_id=77, text="a")
    assert throttled.value._retry_after == timedelta(seconds=3)
    fake_telegram.block_chat(78)
    with pytest.raises(Forbidden):
        await bot.send_message(chat_id=78, text="a")
    with pytest.raises(BadRequest):
        await bot.send_message(chat_id=77, text="")


async def test_a_hanging_call_times_out(bot: Bot, fake_telegram: FakeTelegram) -> None:
    fake_telegram.fail_next("sendMessage", timeout=True)
    with pytest.raises(TimedOut):
        await bot.send_message(chat_id=77, text="a")


async def test_the_bot_uses_the_aiohttp_transport(bot: Bot, fake_telegram: FakeTelegram) -> None:
    request = bot.request
    assert isinstance(request, AiohttpRequest)
    assert request.session is not None and not request.session.closed
    for index in range(5):
        await bot.send_message(chat_id=77, text=f"m{index}")
    assert [call.params["text"] for call in fake_telegram.calls_to("sendMessage")] == [
        f"m{index}" for index in range(5)
    ]


OK_BODY = json.dumps(
    {"ok": True, "result": {"message_id": 9, "date": 0, "chat": {"id": 77, "type": "private"}}}
)

#: how a raw server answers: the bytes to write for one request (None: close without answering)
Answer = Callable[[bytes], bytes | None]


class RawServer:
    """An HTTP server written by hand: records each request and each connection."""

    def __init__(self, answer: Answer, *, close_after: bool = False, delay: float = 0.0) -> None:
        self.answer = answer
        self.close_after = close_after
        #: seconds to wait before each answer
        self.delay = delay
        self.requests: list[bytes] = []
        self.connections = 0
        #: connections open now, and the most open at once
        self.open = 0
        self.most_open = 0
        self.server: asyncio.Server | None = None
        self.handlers: set[asyncio.Task[None]] = set()

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/bot"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    ),
                    0,
                )
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                if self.delay:
                    await asyncio.sleep(self.delay)
                reply = self.answer(request)
                if reply is None:
                    break
                writer.write(reply)
                await writer.drain()
                if self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open -= 1
        writer.close()

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for task in self.handlers:
            task.cancel()
        await asyncio.gather(*self.handlers, return_exceptions=True)
        await self.server.wait_closed()


async def _send_through(server: RawServer, *texts: str) -> list[int]:
    base_url = await server.start()
    request = AiohttpRequest(read_timeout=1.0)
    bot = Bot(FAKE_TELEGRAM_TOKEN, base_url=base_url, request=request)
    await request.initialize()
    try:
        return [(await bot.send_message(chat_id=77, text=text)).message_id for text in texts]
    finally:
        await request.shutdown()
        await server.stop()


def _with_length(body: str, extra: str = "") -> bytes:
    data = body.encode()
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{extra}Content-Length: {len(data)}\r\n\r\n".encode()
        + data
    )


async def test_the_request_is_one_json_post_with_host_and_length() -> None:
    server = RawServer(lambda request: _with_length(OK_BODY))
    assert await _send_through(server, "héllo") == [9]
    (request,) = server.requests
    head, _, body = request.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == f"POST /bot{FAKE_TELEGRAM_TOKEN}/sendMessage HTTP/1.1"
    assert "Content-Type: application/json" in lines
    assert f"Content-Length: {len(body)}" in lines
    assert any(line.startswith("Host: 127.0.0.1:") for line in lines)
    assert json.loads(body) == {"chat_id": "77", "text": "héllo"}  # PTB sends values JSON-encoded


async def test_a_chunked_answer_is_read_and_the_connection_kept() -> None:
    def chunked(request: bytes) -> bytes:
        data = OK_BODY.encode()
        pieces = [data[:10], data[10:]]
        body = b"".join(f"{len(p):x};ext=1\r\n".encode() + p + b"\r\n" for p in pieces) + b"0\r\n\r\n"
        return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body

    server = RawServer(chunked)
    assert await _send_through(server, "a", "b", "c") == [9, 9, 9]
    assert server.connections == 1


async def test_an_answer_read_until_close_and_connection_close_open_a_new_connection() -> None:
    until_close = RawServer(lambda request: b"HTTP/1.1 200 OK\r\n\r\n" + OK_BODY.encode(), close_after=True)
    assert await _send_through(until_close, "a", "b") == [9, 9]
    assert until_close.connections == 2
    closing = RawServer(lambda request: _with_length(OK_BODY, "Connection: close\r\n"), close_after=True)
    assert await _send_through(closing, "a", "b") == [9, 9]
    assert closing.connections == 2


async def test_an_informational_answer_before_the_real_one_is_skipped() -> None:
    server = RawServer(lambda request: b"HTTP/1.1 100 Continue\r\n\r\n" + _with_length(OK_BODY))
    assert await _send_through(server, "a", "b") == [9, 9]
    assert server.connections == 1


@pytest.mark.parametrize(
    "answer",
    [
        lambda request: None,  # the server drops the connection
        lambda request: b"SMTP ready\r\n\r\n",  # not HTTP
        lambda request: b"HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\n{}",
        lambda request: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
    ids=["dropped", "not-http", "bad-length", "bad-chunk"],
)
async def test_a_broken_answer_is_a_network_error_and_the_next_call_works(answer: Answer) -> None:
    calls = 0

    def first_broken(request: bytes) -> bytes | None:
        nonlocal calls
        calls += 1
        return answer(request) if calls == 1 else _with_length(OK_BODY)

    server = RawServer(first_broken)
    base_url = await server.start()
    request = AiohttpRequest(read_timeout=1.0)
    bot = Bot(FAKE_TELEGRAM_TOKEN, base_url=base_url, request=request)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as failed:
            await bot.send_message(chat_id=77, text="a")
        assert not isinstance(failed.value, TimedOut)
        assert (await bot.send_message(chat_id=77, text="b")).message_id == 9
    finally:
        await request.shutdown()
        await server.stop()
    assert server.connections == 2  # the broken connection was not used again


async def test_nothing_listening_is_a_network_error() -> None:
    server = RawServer(lambda request: None)
    base_url = await server.start()
    await server.stop()
    request = AiohttpRequest(connect_timeout=1.0)
    await request.initialize()
    bot = Bot(FAKE_TELEGRAM_TOKEN, base_url=base_url, request=request)
    with pytest.raises(NetworkError):
        await bot.send_message(chat_id=77, text="a")
    await request.shutdown()


async def test_calls_one_after_another_share_one_keep_alive_connection() -> None:
    server = RawServer(lambda request: _with_length(OK_BODY))
    assert await _send_through(server, *"abcde") == [9] * 5
    assert (len(server.requests), server.connections) == (5, 1)


async def test_concurrent_calls_open_at_most_pool_size_connections() -> None:
    server = RawServer(lambda request: _with_length(OK_BODY), delay=0.2)
    base_url = await server.start()
    request = AiohttpRequest(pool_size=2, read_timeout=2.0)
    bot = Bot(FAKE_TELEGRAM_TOKEN, base_url=base_url, request=request)
    await request.initialize()
    try:
        sent = await asyncio.gather(*(bot.send_message(chat_id=77, text=str(n)) for n in range(6)))
    finally:
        await request.shutdown()
        await server.stop()
    assert [message.message_id for message in sent] == [9] * 6
    assert len(server.requests) == 6
    assert server.most_open == 2 and server.connections == 2


async def test_no_free_connection_within_the_pool_timeout_is_timed_out() -> None:
    server = RawServer(lambda request: _with_length(OK_BODY), delay=0.5)
    base_url = await server.start()
    request = AiohttpRequest(pool_size=1, read_timeout=2.0)
    bot = Bot(FAKE_TELEGRAM_TOKEN, base_url=base_url, request=request)
    await request.initialize()
    try:
        first = asyncio.create_task(bot.send_message(chat_id=77, text="first"))
        await asyncio.sleep(0.1)
        with pytest.raises(TimedOut):
            await bot.send_message(chat_id=77, text="second", pool_timeout=0.1)
        assert (await first).message_id == 9
    finally:
        await request.shutdown()
        await server.stop()
    assert len(server.requests) == 1  # the second call never reached the server


async def test_an_upload_gets_longer_than_the_read_timeout_to_be_answered() -> None:
    server = RawServer(lambda request: _with_length(OK_BODY), delay=0.6)
    base_url = await server.start()
    request = AiohttpRequest(read_timeout=0.3)
    bot = Bot(FAKE_TELEGRAM_TOKEN, base_url=base_url, request=request)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await bot.send_message(chat_id=77, text="slow")
        document = await bot.send_document(chat_id=77, document=b"%PDF-1.4", filename="r.pdf")
    finally:
        await request.shutdown()
        await server.stop()
    assert document.message_id == 9
    upload = server.requests[-1]
    assert b"Content-Type: multipart/form-data; boundary=" in upload
    assert b'filename="r.pdf"' in upload and b"%PDF-1.4" in upload


async def test_a_failure_names_the_host_never_the_token() -> None:
    server = RawServer(lambda request: None)
    base_url = await server.start()
    await server.stop()
    request = AiohttpRequest(connect_timeout=1.0)
    await request.initialize()
    bot = Bot(FAKE_TELEGRAM_TOKEN, base_url=base_url, request=request)
    try:
        with pytest.raises(NetworkError) as failed:
            await bot.send_message(chat_id=77, text="a")
    finally:
        await request.shutdown()
    assert "127.0.0.1:" in str(failed.value)
    assert FAKE_TELEGRAM_TOKEN not in str(failed.value)


async def test_a_request_can_be_initialized_again_after_shutdown(bot: Bot) -> None:
    request = bot.request
    assert isinstance(request, AiohttpRequest)
    await request.shutdown()
    assert request.session is None
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:1/bot/getMe", "POST")
    await request.initialize()
    assert (await bot.get_me()).username == "doorstep_test_bot"
