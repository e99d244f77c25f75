"""Signed, expiring tokens (JWT, HS256 via PyJWT) for agents and for host-site customers.

Two kinds share one secret (``settings.secret_key``) but never each other's audience, so a
customer token can never be replayed as an agent token or the other way round.

* Agent tokens are what ``POST /api/v1/auth/login`` hands out; the REST API reads them from
  ``Authorization: Bearer <token>``.
* Customer tokens let a host site that already knows who its visitor is pass that identity
  to the chat: the site's backend calls ``sign_customer_token(customer_id, secret, ttl)``
  and puts the result in the widget's metadata; kefu calls ``verify_customer_token``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt

from crm_core.errors import Unauthenticated

ALGORITHM = "HS256"
ISSUER = "kefu"
AGENT_AUDIENCE = "kefu:agent"
CUSTOMER_AUDIENCE = "kefu:customer"
DEFAULT_AGENT_TTL = 8 * 3600
DEFAULT_CUSTOMER_TTL = 3600
# Small allowance for clocks of a host site and kefu drifting apart.
LEEWAY_SECONDS = 30


class InvalidToken(Unauthenticated):
    """The token is malformed, forged, expired or meant for another audience."""

    code = "invalid_token"


@dataclass(frozen=True, slots=True)
class AgentClaims:
    """What a verified agent token says about its bearer."""

    agent_id: int
    role: str
    expires_at: int
    # The agent's ``token_version`` when signed; tokens from before versions read as 0.
    version: int = 0


def _secret(secret: Any) -> str:
    """Accept a plain string or pydantic ``SecretStr``; refuse an empty key."""
    value = secret.get_secret_value() if hasattr(secret, "get_secret_value") else secret
    if not value:
        raise ValueError("a non-empty secret key is required to sign tokens")
    return str(value)


def _encode(subject: str, audience: str, secret: Any, ttl: int, extra: dict[str, Any]) -> str:
    if ttl <= 0:
        raise ValueError("ttl must be a positive number of seconds")
    now = int(time.time())
    claims = {"sub": subject, "aud": audience, "iss": ISSUER, "iat": now, "exp": now + ttl}
    return jwt.encode({**claims, **extra}, _secret(secret), algorithm=ALGORITHM)


def _decode(token: str, audience: str, secret: Any) -> dict[str, Any]:
    try:
        return jwt.decode(
            token, _secret(secret), algorithms=[ALGORITHM], audience=audience, issuer=ISSUER,
            leeway=LEEWAY_SECONDS, options={"require": ["sub", "exp", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("The token has expired; sign in again.") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken("The token is not valid.", details={"reason": str(exc)}) from exc


def sign_agent_token(agent_id: int, role: str, secret: Any, ttl: int = DEFAULT_AGENT_TTL,
                     version: int = 0) -> str:
    """A bearer token for one agent and role, valid for ``ttl`` seconds, carrying the
    agent's token ``version`` (``ver``): bumping the version in the CRM revokes it."""
    return _encode(str(agent_id), AGENT_AUDIENCE, secret, ttl,
                   {"role": str(role), "ver": int(version)})


def verify_agent_token(token: str, secret: Any) -> AgentClaims:
    """The claims of a valid agent token; ``InvalidToken`` (401) otherwise."""
    claims = _decode(token, AGENT_AUDIENCE, secret)
    try:
        version = claims.get("ver", 0)
        if isinstance(version, bool) or not isinstance(version, int):
            raise ValueError("ver must be an integer")
        return AgentClaims(int(claims["sub"]), str(claims["role"]), int(claims["exp"]),
                           version)
    except (KeyError, ValueError) as exc:
        raise InvalidToken("The token is not valid.", details={"reason": "bad claims"}) from exc


def sign_customer_token(customer_id: int, secret: Any, ttl: int = DEFAULT_CUSTOMER_TTL) -> str:
    """A token a host site gives the chat widget to say "this visitor is customer N"."""
    return _encode(str(customer_id), CUSTOMER_AUDIENCE, secret, ttl, {})


def verify_customer_token(token: str, secret: Any) -> int:
    """The customer id inside a valid customer token; ``InvalidToken`` (401) otherwise."""
    claims = _decode(token, CUSTOMER_AUDIENCE, secret)
    try:
        return int(claims["sub"])
    except ValueError as exc:
        raise InvalidToken("The token is not valid.", details={"reason": "bad subject"}) from exc
