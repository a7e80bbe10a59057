"""LiveKit access tokens, minted with livekit-api, checked as a server checks them."""

from __future__ import annotations

import datetime

import pytest

from lkemu.engine.rooms.tokens import KeyPair, TokenError, verify

api = pytest.importorskip("livekit.api", reason="livekit-api (parity extra) not installed")

KEYS = KeyPair("devkey", "secret")


def _token(room: str = "studio", secret: str = "secret", ttl_s: int = 600, **grant: bool) -> str:
    grants = api.VideoGrants(room_join=grant.pop("room_join", True), room=room, **grant)
    return (
        api.AccessToken("devkey", secret)
        .with_identity("alice")
        .with_name("Alice")
        .with_metadata("hello")
        .with_attributes({"role": "agent"})
        .with_ttl(datetime.timedelta(seconds=ttl_s))
        .with_grants(grants)
        .to_jwt()
    )


def test_a_valid_token_gives_identity_and_grants() -> None:
    who = verify(_token(can_publish=False), KEYS, room="studio")
    assert (who.identity, who.name, who.metadata) == ("alice", "Alice", "hello")
    assert who.attributes == {"role": "agent"}
    assert who.grant.room == "studio" and not who.grant.can_publish
    assert who.grant.can_subscribe and who.grant.can_publish_data


def test_expired() -> None:
    token = _token(ttl_s=60)
    import time

    with pytest.raises(TokenError, match="token expired"):
        verify(token, KEYS, now=time.time() + 3600)


def test_wrong_secret() -> None:
    with pytest.raises(TokenError, match="invalid token signature"):
        verify(_token(secret="another-secret"), KEYS)


def test_wrong_room() -> None:
    with pytest.raises(TokenError, match="token is for room 'studio', not 'lobby'"):
        verify(_token(), KEYS, room="lobby")


def test_no_join_grant() -> None:
    with pytest.raises(TokenError, match="no roomJoin grant"):
        verify(_token(room_join=False), KEYS)


@pytest.mark.parametrize("garbage", ["", "not-a-jwt", "a.b.c"])
def test_garbage(garbage: str) -> None:
    with pytest.raises(TokenError):
        verify(garbage, KEYS)


def test_other_api_key() -> None:
    with pytest.raises(TokenError, match="issued for API key 'devkey'"):
        verify(_token(), KeyPair("otherkey", "secret"))


def _signed(claims: dict[str, object]) -> str:
    import time as clock

    import jwt

    now = int(clock.time())
    base: dict[str, object] = {"iss": "devkey", "sub": "alice", "exp": now + 600, "nbf": now - 5}
    base["video"] = {"roomJoin": True, "room": "studio"}
    base.update(claims)
    return jwt.encode(base, "secret", algorithm="HS256")


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": "abc"}, "claim 'exp' must be a number"),
        ({"exp": None}, "claim 'exp' must be a number"),
        ({"nbf": {}}, "claim 'nbf' must be a number"),
        ({"video": "x"}, "claim 'video' must be an object"),
        ({"video": {"roomJoin": "false", "room": "studio"}}, "'video.roomJoin' must be true or"),
        ({"video": {"roomJoin": True, "room": "studio", "canPublishSources": 5}}, "a list of"),
        ({"attributes": ["a", "b"]}, "claim 'attributes' must be an object of strings"),
        ({"name": 7}, "claim 'name' must be a string"),
    ],
)
def test_claims_of_the_wrong_type_are_refused_with_the_reason(
    claims: dict[str, object], reason: str
) -> None:
    with pytest.raises(TokenError, match=reason):
        verify(_signed(claims), KEYS)


def test_well_typed_claims_pass() -> None:
    who = verify(_signed({"attributes": {"a": "b"}, "kind": "agent"}), KEYS)
    assert who.kind == "agent" and who.attributes == {"a": "b"}
