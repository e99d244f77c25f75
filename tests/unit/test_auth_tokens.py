"""Signed tokens: round trips, expiry, tampering, and audiences that never mix."""

from __future__ import annotations

import time

import jwt
import pytest
from pydantic import SecretStr

from bot.gateway.tokens import (
    InvalidToken,
    sign_agent_token,
    sign_customer_token,
    verify_agent_token,
    verify_customer_token,
)
from crm_core.errors import Unauthenticated

SECRET = "unit-test-secret-0123456789abcdef"


def test_customer_token_round_trip() -> None:
    token = sign_customer_token(42, SECRET, ttl=60)
    assert verify_customer_token(token, SECRET) == 42


def test_secretstr_is_accepted() -> None:
    token = sign_customer_token(7, SecretStr(SECRET))
    assert verify_customer_token(token, SecretStr(SECRET)) == 7


def test_agent_token_round_trip_carries_role_and_expiry() -> None:
    before = int(time.time())
    claims = verify_agent_token(sign_agent_token(3, "supervisor", SECRET, ttl=120), SECRET)
    assert (claims.agent_id, claims.role) == (3, "supervisor")
    assert before + 119 <= claims.expires_at <= int(time.time()) + 120


def test_wrong_secret_is_rejected() -> None:
    token = sign_customer_token(42, SECRET)
    with pytest.raises(InvalidToken):
        verify_customer_token(token, "another-secret-another-secret-xx")


def test_expired_token_is_rejected_with_clear_message() -> None:
    # Expired well beyond the clock-skew leeway.
    token = jwt.encode(
        {"sub": "42", "aud": "kefu:customer", "iss": "kefu", "exp": int(time.time()) - 600},
        SECRET, algorithm="HS256",
    )
    with pytest.raises(InvalidToken, match="expired"):
        verify_customer_token(token, SECRET)


def test_tampered_payload_is_rejected() -> None:
    header, payload, signature = sign_customer_token(42, SECRET).split(".")
    forged = jwt.encode({"sub": "1", "aud": "kefu:customer", "iss": "kefu",
                         "exp": int(time.time()) + 60}, "x" * 32, algorithm="HS256")
    with pytest.raises(InvalidToken):
        verify_customer_token(".".join([header, forged.split(".")[1], signature]), SECRET)


def test_audiences_do_not_mix() -> None:
    with pytest.raises(InvalidToken):
        verify_agent_token(sign_customer_token(1, SECRET), SECRET)
    with pytest.raises(InvalidToken):
        verify_customer_token(sign_agent_token(1, "admin", SECRET), SECRET)


def test_unsigned_token_is_rejected() -> None:
    token = jwt.encode({"sub": "1", "aud": "kefu:agent", "iss": "kefu", "role": "admin",
                        "exp": int(time.time()) + 60}, None, algorithm="none")
    with pytest.raises(InvalidToken):
        verify_agent_token(token, SECRET)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "🙂.🙂.🙂"])
def test_garbage_is_an_auth_error_not_a_crash(garbage: str) -> None:
    with pytest.raises(Unauthenticated):
        verify_customer_token(garbage, SECRET)


def test_signing_needs_a_secret_and_positive_ttl() -> None:
    with pytest.raises(ValueError):
        sign_customer_token(1, "")
    with pytest.raises(ValueError):
        sign_customer_token(1, SECRET, ttl=0)


def test_agent_token_carries_its_version_and_old_tokens_read_as_zero() -> None:
    assert verify_agent_token(sign_agent_token(3, "agent", SECRET, version=7),
                              SECRET).version == 7
    now = int(time.time())
    legacy = jwt.encode({"sub": "3", "role": "agent", "aud": "kefu:agent", "iss": "kefu",
                         "iat": now, "exp": now + 60}, SECRET, algorithm="HS256")
    assert verify_agent_token(legacy, SECRET).version == 0


@pytest.mark.parametrize("ver", [True, "2", 1.5, None])
def test_a_version_that_is_not_an_integer_is_invalid(ver: object) -> None:
    now = int(time.time())
    token = jwt.encode({"sub": "3", "role": "agent", "aud": "kefu:agent", "iss": "kefu",
                        "iat": now, "exp": now + 60, "ver": ver}, SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken):
        verify_agent_token(token, SECRET)
