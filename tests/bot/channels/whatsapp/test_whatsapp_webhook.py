"""``GET`` / ``POST /whatsapp/webhook``: the subscription check, signatures, and bad input (never a 500)."""

from __future__ import annotations

import json

import pytest

from bot.channels.whatsapp.wording import UNSUPPORTED_TEXT
from tests.bot.channels.whatsapp.conftest import ANN, VERIFY_TOKEN, ServerFactory
from tests.fakes.whatsapp_payloads import encode, notification, sign_body

PATH = "/whatsapp/webhook"


async def test_subscription_check_echoes_the_challenge_for_the_right_token(
    whatsapp_server: ServerFactory,
) -> None:
    wa = await whatsapp_server()
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    response = await wa.client.get(PATH, params=params)
    assert response.status == 200
    assert await response.text() == "1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN + "x", "hub.challenge": "1"},
    ],
)
async def test_subscription_check_with_a_wrong_token_is_403(
    whatsapp_server: ServerFactory, params: dict[str, str]
) -> None:
    wa = await whatsapp_server()
    response = await wa.client.get(PATH, params=params)
    assert response.status == 403
    assert "1" != await response.text()


async def test_subscription_check_without_challenge_is_400(whatsapp_server: ServerFactory) -> None:
    wa = await whatsapp_server()
    response = await wa.client.get(PATH, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN})
    assert response.status == 400


async def test_good_signature_is_answered(whatsapp_server: ServerFactory) -> None:
    wa = await whatsapp_server()
    status, _ = await wa.fake.send_text(ANN, "hi")
    assert status == 200
    assert len(wa.texts(ANN)) == 1


@pytest.mark.parametrize(
    "signature",
    [
        None,  # missing
        "sha256=" + "0" * 64,  # wrong
        "sha1=abcdef",  # another scheme
        "",  # empty header
        "sha256=ünïcode",  # not ASCII
    ],
)
async def test_bad_or_missing_signature_is_401_and_nothing_is_answered(
    whatsapp_server: ServerFactory, signature: str | None
) -> None:
    wa = await whatsapp_server()
    status, body = await wa.fake.deliver(wa.fake.text_message(ANN, "hi"), signature=signature)
    assert status == 401
    assert "X-Hub-Signature-256" in json.loads(body)["error"]
    assert wa.fake.sent == []
    assert await wa.identity(ANN) is None


async def test_altered_body_is_401(whatsapp_server: ServerFactory) -> None:
    wa = await whatsapp_server()
    original = encode(wa.fake.text_message(ANN, "hi"))
    signature = wa.fake.signature(original)
    altered = original.replace(b'"hi"', b'"hu"')
    status, _ = await wa.fake.deliver(altered, signature=signature)
    assert status == 401
    assert wa.fake.sent == []


async def test_signature_with_another_app_secret_is_401(whatsapp_server: ServerFactory) -> None:
    wa = await whatsapp_server()
    body = encode(wa.fake.text_message(ANN, "hi"))
    status, _ = await wa.fake.deliver(body, signature=sign_body(body, "another-secret"))
    assert status == 401


async def test_empty_body(whatsapp_server: ServerFactory) -> None:
    wa = await whatsapp_server()
    assert (await wa.fake.deliver(b"", signature=None))[0] == 401
    status, body = await wa.fake.deliver(b"")  # correctly signed, but empty
    assert status == 400
    assert json.loads(body)["error"] == "the body is not JSON"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "the body is not JSON"),
        (b"\xff\xfe\x00", "the body is not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "the body is not JSON"),
        (b"[]", "not a WhatsApp Business Account notification"),
        (b'{"object": "page", "entry": []}', "not a WhatsApp Business Account notification"),
        (
            b'{"object": "whatsapp_business_account", "entry": {}}',
            "not a WhatsApp Business Account notification",
        ),
    ],
)
async def test_malformed_signed_bodies_are_400_with_the_reason(
    whatsapp_server: ServerFactory, body: bytes, reason: str
) -> None:
    wa = await whatsapp_server()
    status, text = await wa.fake.deliver(body)
    assert status == 400
    assert json.loads(text)["error"] == reason


@pytest.mark.parametrize(
    "odd",
    [
        {"object": "whatsapp_business_account", "entry": [None, 1, "x", {"changes": "no"}]},
        {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": []}]}]},
        {
            "object": "whatsapp_business_account",
            "entry": [{"changes": [{"field": "account_update", "value": {}}]}],
        },
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "metadata": {"phone_number_id": "106540352242922"},
                                "messages": [
                                    None,
                                    {"from": "not-a-number", "id": "wamid.1", "type": "text"},
                                    {"from": ANN, "type": "text", "text": {"body": "no id"}},
                                    {"from": ANN, "id": "wamid.2", "type": "text", "text": "not an object"},
                                    {"from": ANN, "id": "wamid.3", "type": "interactive", "interactive": 5},
                                    {"from": ANN, "id": "wamid.4", "type": "image", "image": {}},
                                    {"from": ANN, "id": "wamid.5", "type": "reaction", "reaction": {}},
                                ],
                                "statuses": [None, {"id": 5}, {"id": "wamid.9", "status": "exploded"}],
                                "contacts": "nobody",
                            },
                        }
                    ]
                }
            ],
        },
    ],
)
async def test_odd_shapes_inside_a_notification_never_give_500(
    whatsapp_server: ServerFactory, odd: dict[str, object]
) -> None:
    wa = await whatsapp_server()
    status, _ = await wa.fake.deliver(odd)
    assert status == 200
    # unreadable messages (text not an object, no button payload, an image without id) get the
    # friendly answer, once each; reactions and items without sender or id get nothing
    expected = 3 if "statuses" in json.dumps(odd) else 0
    assert wa.texts(ANN) == [UNSUPPORTED_TEXT] * expected
    assert len(wa.fake.sent) == expected


async def test_another_phone_number_is_ignored(whatsapp_server: ServerFactory) -> None:
    wa = await whatsapp_server()
    other = notification(
        "999999999",
        "15550999",
        messages=[{"from": ANN, "id": "wamid.X", "timestamp": "1", "type": "text", "text": {"body": "hi"}}],
    )
    assert (await wa.fake.deliver(other))[0] == 200
    assert wa.fake.sent == []


async def test_body_over_the_limit_is_413(whatsapp_server: ServerFactory) -> None:
    wa = await whatsapp_server(max_body_bytes=4096)
    body = encode(wa.fake.text_message(ANN, "x" * 5000))
    status, _ = await wa.fake.deliver(body)
    assert status == 413
    assert wa.fake.sent == []


async def test_webhook_is_absent_when_whatsapp_is_off(whatsapp_server: ServerFactory) -> None:
    wa = await whatsapp_server(whatsapp_token=None)
    response = await wa.client.get(PATH, params={"hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"})
    assert response.status == 404
