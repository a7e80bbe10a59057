"""Access tokens for `connect`: well-formed ones, and every way a token's claims, header or
signature can be wrong. A server refuses a bad one with the reason, at once; lkemu must too
(issue 16: malformed claims once left Room.connect waiting forever)."""

from __future__ import annotations

import base64
import json
import random
import time
from typing import Any

import jwt

API_KEY, API_SECRET = "devkey", "secret"  # the engine's default key pair (livekit --dev)

# Claims of the wrong type or shape, each the way a buggy token minter would write them.
BAD_CLAIMS: list[dict[str, Any]] = [
    {"exp": "abc"},
    {"exp": None},
    {"exp": {}},
    {"exp": []},
    {"exp": True},
    {"exp": 1e309},
    {"exp": 2**70},
    {"exp": -1},
    {"exp": 0},
    {"nbf": {}},
    {"nbf": "x"},
    {"nbf": 2**62},
    {"nbf": None},
    {"iat": "x"},
    {"sub": 5},
    {"sub": None},
    {"sub": ""},
    {"sub": "x" * 10_000},
    {"iss": 7},
    {"iss": "otherkey"},
    {"name": 7},
    {"name": {}},
    {"metadata": []},
    {"metadata": 5},
    {"kind": 7},
    {"kind": "robot"},
    {"attributes": ["a", "b"]},
    {"attributes": {"a": 1}},
    {"attributes": "x"},
    {"attributes": {"": ""}},
    {"video": "x"},
    {"video": 5},
    {"video": []},
    {"video": None},
    {"video": {}},
    {"video": {"roomJoin": "false", "room": "{room}"}},
    {"video": {"roomJoin": 1, "room": "{room}"}},
    {"video": {"roomJoin": None, "room": "{room}"}},
    {"video": {"roomJoin": True, "room": 5}},
    {"video": {"roomJoin": True, "room": ""}},
    {"video": {"roomJoin": True, "room": "{room}", "canPublishSources": 5}},
    {"video": {"roomJoin": True, "room": "{room}", "canPublishSources": "camera"}},
    {"video": {"roomJoin": True, "room": "{room}", "canPublishSources": [1, 2]}},
    {"video": {"roomJoin": True, "room": "{room}", "canPublishSources": ["nothing"]}},
    {"video": {"roomJoin": True, "room": "{room}", "canPublish": "yes"}},
    {"video": {"roomJoin": True, "room": "{room}", "canSubscribe": 0}},
    {"video": {"roomJoin": True, "room": "{room}", "hidden": "true"}},
    {"video": {"roomJoin": True, "room": "{room}", "canUpdateOwnMetadata": []}},
    {"video": {"roomJoin": True, "room": "{room}", "canPublishData": {}}},
    {"video": {"roomJoin": True, "room": "{room}", "agent": "x"}},
    {"video": {"roomJoin": False, "room": "{room}"}},
    {"sip": "x"},
    {"roomConfig": 5},
    {"roomPreset": []},
    {"sha256": 5},
]


def _base64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def valid(identity: str, room: str, ttl_s: int = 600, **grants: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": API_KEY,
        "sub": identity,
        "nbf": now - 5,
        "exp": now + ttl_s,
        "video": {"roomJoin": True, "room": room, **grants},
    }
    return jwt.encode(claims, API_SECRET, algorithm="HS256")


def malformed(rng: random.Random, identity: str, room: str) -> str:
    """A token that must be refused (or, for a few, accepted with what it grants), at once."""
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": API_KEY,
        "sub": identity,
        "nbf": now - 5,
        "exp": now + 600,
        "video": {"roomJoin": True, "room": room},
    }
    roll = rng.random()
    if roll < 0.55:
        claims = json.loads(json.dumps(rng.choice(BAD_CLAIMS)).replace("{room}", room))
        for _ in range(rng.randint(0, 2) if rng.random() < 0.2 else 0):
            claims.update(json.loads(json.dumps(rng.choice(BAD_CLAIMS)).replace("{room}", room)))
        base.update(claims)
        if rng.random() < 0.1:
            del base[rng.choice(list(base))]
        return _sign(base)
    if roll < 0.62:  # claims nested so deep a recursive decoder would give up
        depth = rng.choice([100, 1000, 5000])
        nested = '{"a":' * depth + "1" + "}" * depth
        where = "metadata" if rng.random() < 0.5 else "video"
        base[where] = "NESTED"
        return _sign_raw(json.dumps(base, separators=(",", ":")).replace('"NESTED"', nested))
    if roll < 0.70:  # signed with another secret, or not at all, or another algorithm
        choice = rng.randrange(4)
        if choice == 0:
            return jwt.encode(base, "not-the-secret", algorithm="HS256")
        if choice == 1:
            return _sign_raw(json.dumps(base), algorithm="none", signature=b"")
        if choice == 2:
            return jwt.encode(base, API_SECRET, algorithm="HS512")
        return _sign_raw(json.dumps(base), algorithm="RS256")
    if roll < 0.78:  # not JSON, or JSON that is not an object
        body = rng.choice(["[1,2]", "5", '"x"', "null", "{", "{'a': 1}", "\xff\xfe", ""])
        return _sign_raw(body)
    if roll < 0.86:  # expired or not yet valid
        base["exp" if rng.random() < 0.5 else "nbf"] = (
            now - 3600 if rng.random() < 0.5 else now + 3600
        )
        return _sign(base)
    if roll < 0.93:  # garbage
        return rng.choice(
            [
                "",
                ".",
                "..",
                "a.b.c",
                "a.b",
                "x" * 5000,
                "\x00",
                "eyJ.eyJ.sig",
                _base64(rng.randbytes(40)) + "." + _base64(rng.randbytes(40)) + "." + "sig",
            ]
        )
    # Huge but well-formed: a big metadata claim.
    base["metadata"] = "m" * rng.choice([10_000, 1_000_000])
    return _sign(base)


def _sign(claims: dict[str, Any]) -> str:
    return _sign_raw(json.dumps(claims, separators=(",", ":")))


def _sign_raw(body: str, algorithm: str = "HS256", signature: bytes | None = None) -> str:
    """A JWT over any body text, signed with the key pair's secret (HS256) unless told."""
    import hashlib
    import hmac

    header = _base64(json.dumps({"alg": algorithm, "typ": "JWT"}).encode())
    payload = _base64(body.encode("utf-8", "surrogatepass"))
    signing_input = f"{header}.{payload}".encode()
    if signature is None:
        signature = hmac.new(API_SECRET.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_base64(signature)}"
