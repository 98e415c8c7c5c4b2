"""What every resource needs: the settings, the store, and who is asking."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from starlette.requests import Request

from lrs.auth import Credential, parse_basic
from lrs.config import Settings
from lrs.errors import Unauthorized
from lrs.store import Store
from lrs.xapi.versions import XAPIVersion


@dataclass
class Authenticator:
    """Checks Basic credentials against the store, trusting a verified key for a short while."""

    store: Store
    cache_seconds: float
    _cache: dict[str, tuple[Credential, float]] = field(default_factory=dict)

    async def authenticate(self, header: str | None) -> Credential:
        key, secret = parse_basic(header)
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is not None and cached[1] > now:
            credential: Credential | None = cached[0]
        else:
            credential = await self.store.get_credential(key)
            if credential is None:
                self._cache.pop(key, None)
            else:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[key] = (credential, now + self.cache_seconds)
        if credential is None or not credential.verify(secret):
            raise Unauthorized("unknown key or wrong secret")
        return credential


@dataclass
class LRS:
    settings: Settings
    store: Store
    authenticator: Authenticator


def lrs_of(request: Request) -> LRS:
    lrs: LRS = request.app.state.lrs
    return lrs


def version_of(request: Request) -> XAPIVersion:
    version: XAPIVersion = request.scope["xapi_version"]
    return version


async def credential_of(request: Request) -> Credential:
    return await lrs_of(request).authenticator.authenticate(request.headers.get("authorization"))
