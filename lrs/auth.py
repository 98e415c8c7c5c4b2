"""Credentials: keys and hashed secrets, the scopes they grant, the authority they stamp.

Secrets are random keys we generate (not passwords people choose), so a salted keyed hash
(HMAC-SHA-256) is the right tool: it costs microseconds per request where a slow password
hash would cost a hundred milliseconds.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lrs.errors import BadRequest, Forbidden, Unauthorized

# xAPI 1.0.3 Communication 4.2 (OAuth scope), used here for Basic credentials too.
SCOPES = (
    "statements/write",
    "statements/read/mine",
    "statements/read",
    "state",
    "define",
    "profile",
    "all/read",
    "all",
    "analytics",
)

# What each kind of access accepts. `statements/read/mine` reads only statements the
# credential itself wrote; the statements resource applies that restriction.
STATEMENTS_WRITE = frozenset({"statements/write", "all"})
STATEMENTS_READ = frozenset({"statements/read", "statements/read/mine", "all/read", "all"})
STATE_WRITE = frozenset({"state", "all"})
STATE_READ = frozenset({"state", "all/read", "all"})
PROFILE_WRITE = frozenset({"profile", "all"})
PROFILE_READ = frozenset({"profile", "all/read", "all"})
DEFINE_READ = frozenset({"define", "statements/read", "all/read", "all"})
# Not an xAPI scope: the derived learner figures under /analytics/ (time-on-task,
# click-through flags, skill evidence). `all` and `all/read` deliberately do NOT grant it.
# They are the xAPI scopes handed to LMSs, content players and integrations, which need the
# statements, not a profile of every learner in the store; learner analytics serve the
# learners' development, not surveillance, so reading them must be granted on purpose and
# is visible as such in `lrs credentials list` (and every read is recorded, see
# lrs/api/analytics.py).
ANALYTICS_READ = frozenset({"analytics"})


@dataclass(frozen=True, slots=True)
class Credential:
    key: str
    tenant: str
    name: str
    scopes: frozenset[str]
    salt: bytes
    secret_hash: bytes

    def authority(self, homepage: str) -> dict[str, Any]:
        return {
            "objectType": "Agent",
            "name": self.name,
            "account": {"homePage": homepage, "name": self.key},
        }

    def verify(self, secret: str) -> bool:
        return hmac.compare_digest(hash_secret(self.salt, secret), self.secret_hash)

    def require(self, accepted: frozenset[str]) -> None:
        if not self.scopes & accepted:
            raise Forbidden(
                f"credential {self.key!r} lacks a scope for this request "
                f"(needs one of: {', '.join(sorted(accepted))})"
            )

    @property
    def reads_only_own(self) -> bool:
        """True when the credential may read statements only under its own authority."""
        return not self.scopes & (STATEMENTS_READ - {"statements/read/mine"})


@dataclass(frozen=True, slots=True)
class NewCredential:
    """A credential just made: the only moment its secret is known in clear."""

    credential: Credential
    secret: str


def hash_secret(salt: bytes, secret: str) -> bytes:
    return hmac.new(salt, secret.encode(), hashlib.sha256).digest()


def check_scopes(scopes: Iterable[str]) -> frozenset[str]:
    result = frozenset(scopes)
    unknown = sorted(result - set(SCOPES))
    if unknown:
        raise BadRequest(f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    if not result:
        raise BadRequest("a credential needs at least one scope")
    return result


def new_credential(name: str, scopes: Iterable[str], tenant: str) -> NewCredential:
    key = secrets.token_hex(10)
    secret = secrets.token_urlsafe(30)
    salt = secrets.token_bytes(16)
    credential = Credential(
        key=key,
        tenant=tenant,
        name=name,
        scopes=check_scopes(scopes),
        salt=salt,
        secret_hash=hash_secret(salt, secret),
    )
    return NewCredential(credential, secret)


def parse_basic(header: str | None) -> tuple[str, str]:
    """(key, secret) from an `Authorization: Basic ...` header."""
    if not header:
        raise Unauthorized("missing Authorization header (HTTP Basic)")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        raise Unauthorized("Authorization must use the Basic scheme")
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise Unauthorized("malformed Basic credentials") from exc
    key, sep, secret = decoded.partition(":")
    if not sep:
        raise Unauthorized("malformed Basic credentials")
    return key, secret
