"""Access tokens for the participants of an agent test, as livekit-api's AccessToken mints
them (HS256 JWTs), signed with the key pair an lkemu engine checks."""

from __future__ import annotations

import os
import time
import warnings
from typing import Any

import jwt
from jwt.warnings import InsecureKeyLengthWarning

# LiveKit's development pair (`livekit-server --dev`), the engine's default too.
DEV_API_KEY, DEV_API_SECRET = "devkey", "secret"


def access_token(
    identity: str,
    room: str,
    *,
    name: str = "",
    kind: str = "",
    metadata: str = "",
    attributes: dict[str, str] | None = None,
    ttl_s: int = 3600,
    api_key: str | None = None,
    api_secret: str | None = None,
    **grants: object,
) -> str:
    """A token for `identity` to join `room`.

    Signed with `api_key`/`api_secret`, else LIVEKIT_API_KEY/LIVEKIT_API_SECRET, else
    devkey/secret (as the engine checks). `kind` is the participant kind ("agent", "sip",
    ...); `grants` go into the `video` claim under LiveKit's own names (canPublish=False,
    canUpdateOwnMetadata=True, ...).
    """
    key = api_key or os.environ.get("LIVEKIT_API_KEY") or DEV_API_KEY
    secret = api_secret or os.environ.get("LIVEKIT_API_SECRET") or DEV_API_SECRET
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": key,
        "sub": identity,
        "nbf": now,
        "exp": now + ttl_s,
        "video": {"roomJoin": True, "room": room, **grants},
    }
    for claim, value in (("kind", kind), ("name", name), ("metadata", metadata)):
        if value:
            claims[claim] = value
    if attributes:
        claims["attributes"] = dict(attributes)
    with warnings.catch_warnings():
        # the development secret is short on purpose (PyJWT warns below 32 bytes)
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims, secret, algorithm="HS256")
