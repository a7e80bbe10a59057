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
