"""Signature schemes of the three providers: known answers, and every way to fail."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.integrations import (
    SignatureError,
    sign_aftership,
    sign_easypost,
    sign_shopify,
    verify_aftership,
    verify_easypost,
    verify_shopify,
)

BODY = b'{"id":1,"topic":"orders/create"}'
SECRET = "hush-hush"

# computed independently with `openssl dgst -sha256 -hmac hush-hush -binary | base64`
OPENSSL_BASE64 = "m6YKVExSOlTe9RVD+Si2yu7g1oMf4Gg0LTQfLIf2PqM="
# "s\u00e9cret\ufb01" NFKD-normalises to "se\u0301cretfi"; openssl HMAC with that key (hex):
EASYPOST_NFKD_HEX = "4a8fba4025be7c66023a866a8dd3ca0821a872f457fbc975bf840e62eab59907"
# the same secret without normalisation gives a different MAC (proves NFKD is applied)
UNNORMALISED_HEX = "6532d331b02f7f6e6ec3f1e86a5deff91ac006d5065240afb9851287cbb958e6"

Verify = Callable[[bytes, str | None, str | None], None]
Sign = Callable[[bytes, str], str]
SCHEMES: list[tuple[str, Sign, Verify]] = [
    ("shopify", sign_shopify, verify_shopify),
    ("easypost", sign_easypost, verify_easypost),
    ("aftership", sign_aftership, verify_aftership),
]
ids = [name for name, _, _ in SCHEMES]


def test_shopify_signature_matches_openssl() -> None:
    assert sign_shopify(BODY, SECRET) == OPENSSL_BASE64
    verify_shopify(BODY, OPENSSL_BASE64, SECRET)


def test_aftership_signature_matches_openssl() -> None:
    assert sign_aftership(BODY, SECRET) == OPENSSL_BASE64
    verify_aftership(BODY, OPENSSL_BASE64, SECRET)


def test_easypost_signature_is_prefixed_hex_with_nfkd_secret() -> None:
    composed_secret = "s\u00e9cret\ufb01"
    assert sign_easypost(BODY, composed_secret) == f"hmac-sha256-hex={EASYPOST_NFKD_HEX}"
    verify_easypost(BODY, f"hmac-sha256-hex={EASYPOST_NFKD_HEX}", composed_secret)
    with pytest.raises(SignatureError):
        verify_easypost(BODY, f"hmac-sha256-hex={UNNORMALISED_HEX}", composed_secret)


def test_easypost_header_without_prefix_is_rejected() -> None:
    bare_hex = sign_easypost(BODY, SECRET).removeprefix("hmac-sha256-hex=")
    with pytest.raises(SignatureError, match="signature mismatch"):
        verify_easypost(BODY, bare_hex, SECRET)


@pytest.mark.parametrize(("name", "sign", "verify"), SCHEMES, ids=ids)
def test_good_signature_passes_even_with_surrounding_spaces(name: str, sign: Sign, verify: Verify) -> None:
    verify(BODY, sign(BODY, SECRET), SECRET)
    verify(BODY, f"  {sign(BODY, SECRET)} ", SECRET)


@pytest.mark.parametrize(("name", "sign", "verify"), SCHEMES, ids=ids)
def test_tampered_body_fails(name: str, sign: Sign, verify: Verify) -> None:
    with pytest.raises(SignatureError) as caught:
        verify(BODY + b" ", sign(BODY, SECRET), SECRET)
    assert caught.value.reason == "signature mismatch"


@pytest.mark.parametrize(("name", "sign", "verify"), SCHEMES, ids=ids)
def test_wrong_secret_fails(name: str, sign: Sign, verify: Verify) -> None:
    with pytest.raises(SignatureError) as caught:
        verify(BODY, sign(BODY, "another-secret"), SECRET)
    assert caught.value.reason == "signature mismatch"


@pytest.mark.parametrize(("name", "sign", "verify"), SCHEMES, ids=ids)
@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_header_fails(name: str, sign: Sign, verify: Verify, header: str | None) -> None:
    with pytest.raises(SignatureError) as caught:
        verify(BODY, header, SECRET)
    assert caught.value.reason == "missing signature header"


@pytest.mark.parametrize(("name", "sign", "verify"), SCHEMES, ids=ids)
def test_empty_body_fails_even_when_correctly_signed(name: str, sign: Sign, verify: Verify) -> None:
    with pytest.raises(SignatureError) as caught:
        verify(b"", sign(b"", SECRET), SECRET)
    assert caught.value.reason == "empty body"


@pytest.mark.parametrize(("name", "sign", "verify"), SCHEMES, ids=ids)
@pytest.mark.parametrize("secret", [None, ""])
def test_unset_secret_fails_before_anything_else(
    name: str, sign: Sign, verify: Verify, secret: str | None
) -> None:
    with pytest.raises(SignatureError) as caught:
        verify(BODY, sign(BODY, "x"), secret)
    assert caught.value.reason == "webhook secret not configured"


@pytest.mark.parametrize(("name", "sign", "verify"), SCHEMES, ids=ids)
@pytest.mark.parametrize("header", ["not base64 at all", "é\u2603 ünïcode", "\ud800", "x" * 10_000])
def test_garbage_header_is_a_signature_error(name: str, sign: Sign, verify: Verify, header: str) -> None:
    with pytest.raises(SignatureError, match="signature mismatch"):
        verify(BODY, header, SECRET)


@pytest.mark.parametrize(("name", "sign", "verify"), SCHEMES, ids=ids)
def test_signature_of_other_provider_fails(name: str, sign: Sign, verify: Verify) -> None:
    others = [other_sign for other_name, other_sign, _ in SCHEMES if other_name != name]
    for other_sign in others:
        if other_sign(BODY, SECRET) == sign(BODY, SECRET):
            continue  # Shopify and AfterShip share a scheme on purpose
        with pytest.raises(SignatureError):
            verify(BODY, other_sign(BODY, SECRET), SECRET)


def test_bytearray_body_is_accepted() -> None:
    verify_shopify(bytearray(BODY), sign_shopify(BODY, SECRET), SECRET)
