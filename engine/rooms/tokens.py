"""LiveKit access tokens: HS256 JWTs, checked the way a LiveKit server checks them.

The engine's key pair comes from LIVEKIT_API_KEY / LIVEKIT_API_SECRET (or `lkemu serve`
flags); by default it is LiveKit's development pair, "devkey" / "secret", the one
`livekit-server --dev` uses. A token that fails a check is refused with the reason, as a
server refuses a join.
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import jwt

DEV_API_KEY = "devkey"
DEV_API_SECRET = "secret"
LEEWAY_S = 10  # clock skew a server tolerates
# lkemu's limit on a token's size. PyJWT checks a token's characters one at a time in
# Python, about 90 ms a megabyte on the engine's loop (measured); real tokens are a few KB,
# and a server takes none past its 1 MB of HTTP headers. This keeps one check within ~25 ms.
MAX_TOKEN_BYTES = 256 * 1024
PARTICIPANT_KINDS = ("standard", "ingress", "egress", "sip", "agent", "connector", "bridge")


class TokenError(ValueError):
    """Why a token was refused."""


@dataclass(frozen=True)
class VideoGrant:
    room_join: bool = False
    room: str = ""
    can_publish: bool = True
    can_subscribe: bool = True
    can_publish_data: bool = True
    can_publish_sources: tuple[str, ...] = ()  # empty: every source
    hidden: bool = False
    can_update_own_metadata: bool = False
    agent: bool = False  # the deprecated video grant that makes an agent

    @classmethod
    def from_claim(cls, claim: dict[str, Any]) -> VideoGrant:
        def flag(name: str, default: bool) -> bool:
            value = claim.get(name)
            return default if value is None else bool(value)

        return cls(
            room_join=flag("roomJoin", False),
            room=str(claim.get("room", "")),
            can_publish=flag("canPublish", True),
            can_subscribe=flag("canSubscribe", True),
            can_publish_data=flag("canPublishData", True),
            can_publish_sources=tuple(str(s) for s in claim.get("canPublishSources") or ()),
            hidden=flag("hidden", False),
            can_update_own_metadata=flag("canUpdateOwnMetadata", False),
            agent=flag("agent", False),
        )


@dataclass(frozen=True)
class Identity:
    """Who a valid token says the participant is, and what they may do."""

    identity: str
    name: str
    metadata: str
    attributes: dict[str, str] = field(default_factory=dict)
    grant: VideoGrant = field(default_factory=VideoGrant)
    # The participant kind (the "kind" claim, as livekit-api's AccessToken.with_kind sets
    # it): "standard", "ingress", "egress", "sip", "agent", "connector" or "bridge".
    kind: str = "standard"


@dataclass(frozen=True)
class KeyPair:
    api_key: str
    api_secret: str

    @classmethod
    def from_environment(cls) -> KeyPair:
        return cls(
            os.environ.get("LIVEKIT_API_KEY") or DEV_API_KEY,
            os.environ.get("LIVEKIT_API_SECRET") or DEV_API_SECRET,
        )


# The claims a server reads, with their JSON types: a token whose claims have other types
# does not parse into a server's ClaimGrants, and its join is refused.
_NUMBER_CLAIMS = ("exp", "nbf", "iat")
_STRING_CLAIMS = ("iss", "sub", "name", "metadata", "kind", "sha256")
_BOOL_GRANTS = (
    "roomCreate", "roomJoin", "roomList", "roomRecord", "roomAdmin", "ingressAdmin",
    "canPublish", "canSubscribe", "canPublishData", "canUpdateOwnMetadata", "hidden",
    "recorder", "agent", "canSubscribeMetrics",
)  # fmt: skip


def _check_types(claims: dict[str, Any]) -> None:
    def refuse(name: str, kind: str) -> TokenError:
        return TokenError(f"invalid token: claim {name!r} must be {kind}")

    for name in _NUMBER_CLAIMS:
        value = claims.get(name)
        if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise refuse(name, "a number")
    for name in _STRING_CLAIMS:
        if name in claims and not isinstance(claims[name], str):
            raise refuse(name, "a string")
    attributes = claims.get("attributes", {})
    if not isinstance(attributes, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in attributes.items()
    ):
        raise refuse("attributes", "an object of strings")
    video = claims.get("video", {})
    if not isinstance(video, dict):
        raise refuse("video", "an object")
    for name in _BOOL_GRANTS:
        if name in video and not isinstance(video[name], bool):
            raise refuse(f"video.{name}", "true or false")
    if "room" in video and not isinstance(video["room"], str):
        raise refuse("video.room", "a string")
    sources = video.get("canPublishSources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise refuse("video.canPublishSources", "a list of strings")


def verify(
    token: str, keys: KeyPair, room: str | None = None, now: float | None = None
) -> Identity:
    """Check a token for joining `room` (the token's own room if None); raise TokenError."""
    if not token:
        raise TokenError("no access token")
    if len(token) > MAX_TOKEN_BYTES:
        raise TokenError(
            f"access token of {len(token)} bytes: lkemu accepts up to {MAX_TOKEN_BYTES} bytes"
        )
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise TokenError(f"malformed access token: {error}") from None
    if header.get("alg") != "HS256":
        raise TokenError(f"unsupported token algorithm {header.get('alg')!r} (LiveKit uses HS256)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the development secret is short, on purpose
        try:
            claims = jwt.decode(
                token,
                keys.api_secret,
                algorithms=["HS256"],
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
        except jwt.InvalidSignatureError:
            raise TokenError("invalid token signature: not signed with this API secret") from None
        except jwt.PyJWTError as error:
            raise TokenError(f"invalid access token: {error}") from None
    _check_types(claims)
    if claims.get("iss") != keys.api_key:
        raise TokenError(f"token issued for API key {claims.get('iss')!r}, not {keys.api_key!r}")
    moment = time.time() if now is None else now
    if "exp" in claims and moment > float(claims["exp"]) + LEEWAY_S:
        raise TokenError("token expired")
    if "nbf" in claims and moment < float(claims["nbf"]) - LEEWAY_S:
        raise TokenError("token not valid yet (nbf is in the future)")
    identity = str(claims.get("sub", ""))
    if not identity:
        raise TokenError("token has no identity (sub)")
    grant = VideoGrant.from_claim(claims.get("video") or {})
    if not grant.room_join:
        raise TokenError("token has no roomJoin grant")
    if room is not None and grant.room and grant.room != room:
        raise TokenError(f"token is for room {grant.room!r}, not {room!r}")
    if not grant.room:
        raise TokenError("token names no room")
    attributes = claims.get("attributes") or {}
    # A server looks the kind up by name: an unknown one is the zero value, standard. With
    # no kind claim, the deprecated video grant `agent` still makes an agent.
    kind = str(claims.get("kind") or "").lower()
    if kind not in PARTICIPANT_KINDS:
        kind = "agent" if not kind and grant.agent else "standard"
    return Identity(
        identity=identity,
        name=str(claims.get("name", "")),
        metadata=str(claims.get("metadata", "")),
        attributes={str(k): str(v) for k, v in attributes.items()},
        grant=grant,
        kind=kind,
    )
