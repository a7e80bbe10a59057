"""End-to-end encryption in the engine: the key provider's derivations and rings, the
`e2ee` request, and what frame cryptors let through, with the states they report (the
native rules of frame_crypto_transformer.cc that the SDK-level suite cannot reach)."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pytest

from lkemu.engine.core import dispatch
from lkemu.engine.core.memory import Memory
from lkemu.engine.core.runtime import EngineRuntime
from lkemu.engine.rooms import e2ee_keys
from lkemu.engine.rooms.e2ee_keys import KeyOptions, KeyProvider, OutsideRing
from lkemu.proto import audio_frame_pb2, e2ee_pb2, engine_pb2, track_pb2, video_frame_pb2

from .conftest import (
    INPUT_ADDRESS,
    int16_memory,
    next_event,
    queued_events,
    request_of,
    settle,
    token,
)
from .test_rooms import ROOM, Peer, _development_keys

__all__ = ["_development_keys"]  # the fixture, used here too

State = e2ee_pb2.EncryptionState
SHARED = b"12345678"
SALT = b"LKFrameEncryptionKey"
RATE = 48000
PACKET = RATE // 50  # 20 ms


# -- key derivation and key rings ---------------------------------------------------------


def test_hkdf_matches_rfc_5869_case_1() -> None:
    okm = e2ee_keys.hkdf_sha256(bytes([0x0B] * 22), bytes(range(13)), bytes(range(0xF0, 0xFA)), 42)
    assert okm.hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )


def test_keys_are_pbkdf2_sha256_with_100000_iterations_or_hkdf_with_zero_info() -> None:
    pbkdf2 = KeyOptions(shared_key=True)
    key_set = pbkdf2.key_set(SHARED)
    assert key_set.encryption_key == hashlib.pbkdf2_hmac("sha256", SHARED, SALT, 100_000, 16)
    assert pbkdf2.ratchet(SHARED) == hashlib.pbkdf2_hmac("sha256", SHARED, SALT, 100_000, 32)
    hkdf = KeyOptions(kdf=e2ee_pb2.HKDF, ratchet_salt=b"salt")
    assert hkdf.key_set(SHARED).encryption_key == e2ee_keys.hkdf_sha256(
        SHARED, b"salt", bytes(128), 16
    )
    assert hkdf.ratchet(SHARED) == e2ee_keys.hkdf_sha256(SHARED, b"salt", bytes(128), 32)


def test_the_shared_key_is_copied_per_participant_and_followed_by_every_copy() -> None:
    options = KeyOptions(shared_key=True, kdf=e2ee_pb2.HKDF)
    provider = KeyProvider(options)
    assert provider.shared_handler("alice") is None  # no shared key set yet
    assert provider.set_shared_key(0, SHARED)
    alice = provider.shared_handler("alice")
    assert alice is not None and alice.valid
    assert alice.key_set(0) == options.key_set(SHARED)
    new = provider.ratchet_shared_key(0)
    assert new == options.ratchet(SHARED) and len(new) == 32
    assert alice.key_set(0) == options.key_set(new)  # the copy follows
    assert provider.export_shared_key(0) == new
    assert provider.export_shared_key(1) == b""  # an empty slot: no key
    assert provider.ratchet_shared_key(1) == b""


def test_without_a_shared_key_set_shared_key_does_nothing() -> None:
    provider = KeyProvider(KeyOptions(shared_key=False))
    assert not provider.set_shared_key(0, SHARED)
    assert provider.export_shared_key(0) == b"" and provider.ratchet_shared_key(0) == b""
    assert provider.set_key("bob", 2, b"bobkey")
    assert provider.export_key("bob", 2) == b"bobkey"
    assert provider.export_key("bob", 0) == b"" and provider.export_key("nobody", 2) == b""


def test_the_key_ring_wraps_on_set_and_refuses_reads_outside_it() -> None:
    options = KeyOptions(key_ring_size=4, kdf=e2ee_pb2.HKDF)
    provider = KeyProvider(options)
    provider.set_key("bob", 6, b"k")  # stored at 6 % 4
    assert provider.export_key("bob", 2) == b"k"
    assert provider.export_key("bob", -1) == b"k"  # -1: the current slot
    with pytest.raises(OutsideRing):
        provider.export_key("bob", 4)
    handler = e2ee_keys.KeyHandler(KeyOptions(key_ring_size=0))
    assert len(handler.ring) == 16  # 0 or less: webrtc's default
    assert len(e2ee_keys.KeyHandler(KeyOptions(key_ring_size=1000)).ring) == 255


def test_failures_past_the_tolerance_invalidate_the_key() -> None:
    handler = e2ee_keys.KeyHandler(KeyOptions(failure_tolerance=2, kdf=e2ee_pb2.HKDF))
    handler.set_key(b"k", 0)
    assert [handler.decryption_failure() for _ in range(3)] == [False, False, True]
    assert not handler.valid
    handler.set_key(b"k", 0)
    assert handler.valid and handler.failures == 0
    never = e2ee_keys.KeyHandler(KeyOptions(failure_tolerance=-1))
    assert not any(never.decryption_failure() for _ in range(50))


# -- rooms ----------------------------------------------------------------------------


def e2ee_options(
    shared_key: bytes | None = SHARED,
    failure_tolerance: int = 3,
    kdf: int = e2ee_pb2.HKDF,
    window: int = 16,
    encryption_type: int = e2ee_pb2.GCM,
) -> dict[str, Any]:
    provider: dict[str, Any] = {
        "ratchet_window_size": window,
        "ratchet_salt": SALT,
        "failure_tolerance": failure_tolerance,
        "key_ring_size": 16,
        "key_derivation_function": kdf,
    }
    if shared_key is not None:
        provider["shared_key"] = shared_key
    return {"encryption_type": encryption_type, "key_provider_options": provider}


async def connect(peer: Peer, encryption: dict[str, Any] | None, field: str = "encryption") -> None:
    options: dict[str, Any] = {"auto_subscribe": True}
    if encryption is not None:
        options[field] = encryption
    request = request_of(
        "connect", url="ws://lkemu", token=token(peer.identity, ROOM), options=options
    )
    done = await peer.call(request)
    assert done.WhichOneof("message") == "result", done.error
    peer.joined = done.result
    peer.room = done.result.room.handle.id
    peer.local = done.result.local_participant.handle.id


def e2ee(peer: Peer, **message: Any) -> Any:
    return peer.run(request_of("e2ee", room_handle=peer.room, **message))


class Publishing:
    """A publisher's audio track and a subscriber's stream on it."""

    def __init__(self, publisher: Peer, subscriber: Peer) -> None:
        self.publisher, self.subscriber = publisher, subscriber
        self.source = self.stream = 0
        self.sid = ""

    async def start(self) -> None:
        self.source, track = self.publisher.new_track(RATE)
        done = await self.publisher.publish(track)
        assert not done.HasField("error"), done.error
        self.sid = done.publication.info.sid
        self.local_info = done.publication.info
        published = await self.subscriber.event("track_published")
        self.remote_info = published.publication.info
        subscribed = await self.subscriber.event("track_subscribed")
        request = request_of(
            "new_audio_stream",
            track_handle=subscribed.track.handle.id,
            type=audio_frame_pb2.AUDIO_STREAM_NATIVE,
            sample_rate=RATE,
            num_channels=1,
        )
        self.stream = self.subscriber.run(request).stream.handle.id

    async def play(self, packets: int) -> np.ndarray:
        """Capture `packets` x 20 ms of a loud ramp; what the subscriber's stream gives."""
        samples = (np.arange(packets * PACKET) % 20000 + 1000).astype(np.int16)
        buffer = {
            "data_ptr": INPUT_ADDRESS,
            "num_channels": 1,
            "sample_rate": RATE,
            "samples_per_channel": len(samples),
        }
        request = request_of("capture_audio_frame", source_handle=self.source, buffer=buffer)
        captured = await self.publisher.call(request, int16_memory(samples))
        assert not captured.HasField("error")
        heard = []
        for _ in range(packets * 2):  # 10 ms frames
            received = await next_event(
                self.subscriber.session,
                lambda e: (
                    e.audio_stream_event.stream_handle == self.stream
                    and e.audio_stream_event.HasField("frame_received")
                ),
            )
            info = received.event.audio_stream_event.frame_received.frame.info
            heard.append(np.frombuffer(received.blob(info.data_ptr), dtype=np.int16))
        return np.concatenate(heard)


def states(peer: Peer, about: str | None = None) -> list[int]:
    """The e2ee_state_changed states queued for `peer` (about one identity, or any)."""
    found: list[int] = []
    for received in queued_events(peer.session):
        event = received.event
        if event.HasField("room_event") and event.room_event.HasField("e2ee_state_changed"):
            changed = event.room_event.e2ee_state_changed
            if about is None or changed.participant_identity == about:
                found.append(changed.state)
    return found


async def pair(
    runtime: EngineRuntime,
    publisher_options: dict[str, Any] | None,
    subscriber_options: dict[str, Any] | None,
) -> Publishing:
    publisher, subscriber = Peer(runtime, "pub"), Peer(runtime, "sub")
    await connect(publisher, publisher_options)
    await connect(subscriber, subscriber_options)
    await settle()
    queued_events(publisher.session)
    queued_events(subscriber.session)
    publishing = Publishing(publisher, subscriber)
    await publishing.start()
    return publishing


async def test_matching_shared_keys_hear_each_other_and_publications_are_gcm(
    runtime: EngineRuntime,
) -> None:
    media = await pair(runtime, e2ee_options(), e2ee_options())
    assert media.local_info.encryption_type == e2ee_pb2.GCM
    assert media.remote_info.encryption_type == e2ee_pb2.GCM
    heard = await media.play(3)
    np.testing.assert_array_equal(heard, (np.arange(3 * PACKET) % 20000 + 1000))
    assert states(media.subscriber, "pub") == [State.OK]
    assert states(media.publisher, "pub") == [State.OK]  # its sender cryptor


async def test_a_room_without_encryption_publishes_in_the_clear(runtime: EngineRuntime) -> None:
    media = await pair(runtime, None, e2ee_options())
    assert media.remote_info.encryption_type == e2ee_pb2.NONE
    heard = await media.play(2)
    assert np.count_nonzero(heard) == len(heard)
    assert states(media.subscriber) == [] and states(media.publisher) == []
    listed = e2ee(media.subscriber, manager_get_frame_cryptors={})
    assert list(listed.manager_get_frame_cryptors.frame_cryptors) == []


async def test_a_wrong_key_is_silence_and_decryption_failed_after_the_tolerance(
    runtime: EngineRuntime,
) -> None:
    media = await pair(runtime, e2ee_options(), e2ee_options(shared_key=b"wrongkey"))
    heard = await media.play(4)  # failure_tolerance 3: the fourth packet's failure tells
    assert not heard.any()
    assert states(media.subscriber, "pub") == [State.DECRYPTION_FAILED]
    heard = await media.play(3)
    assert not heard.any() and states(media.subscriber) == []  # no more tries, no events
    # The right key again: frames decrypt at once.
    e2ee(media.subscriber, set_shared_key={"shared_key": SHARED, "key_index": 0})
    heard = await media.play(2)
    assert np.count_nonzero(heard) == len(heard)
    assert states(media.subscriber, "pub") == [State.OK]


async def test_three_failures_are_not_enough_with_a_tolerance_of_three(
    runtime: EngineRuntime,
) -> None:
    media = await pair(runtime, e2ee_options(), e2ee_options(shared_key=b"wrongkey"))
    assert not (await media.play(3)).any()
    assert states(media.subscriber, "pub") == []
    assert not (await media.play(1)).any()
    assert states(media.subscriber, "pub") == [State.DECRYPTION_FAILED]


async def test_a_negative_tolerance_never_reports_a_failure(runtime: EngineRuntime) -> None:
    media = await pair(
        runtime, e2ee_options(), e2ee_options(shared_key=b"other", failure_tolerance=-1)
    )
    assert not (await media.play(10)).any()
    assert states(media.subscriber) == []


async def test_a_ratchet_on_the_publisher_is_followed_by_the_subscriber(
    runtime: EngineRuntime,
) -> None:
    media = await pair(runtime, e2ee_options(), e2ee_options())
    await media.play(1)
    states(media.subscriber)
    new = e2ee(media.publisher, ratchet_shared_key={"key_index": 0}).ratchet_shared_key.new_key
    assert new == e2ee_keys.hkdf_sha256(SHARED, SALT, bytes(128), 32)
    heard = await media.play(2)
    assert np.count_nonzero(heard) == len(heard)  # no packet lost: the window found it
    assert states(media.subscriber, "pub") == [State.KEY_RATCHETED, State.OK]
    # The subscriber's copy for the publisher moved on; its shared key did not.
    assert e2ee(media.subscriber, get_shared_key={"key_index": 0}).get_shared_key.key == SHARED
    # Ratcheting on the subscriber's side too keeps the media (both now agree).
    again = e2ee(media.subscriber, ratchet_shared_key={"key_index": 0}).ratchet_shared_key
    assert again.new_key == new
    assert np.count_nonzero(await media.play(2)) == 2 * PACKET
    assert states(media.subscriber, "pub") == []


async def test_a_stale_key_past_the_window_fails(runtime: EngineRuntime) -> None:
    media = await pair(runtime, e2ee_options(window=2), e2ee_options(window=2))
    for _ in range(3):
        e2ee(media.publisher, ratchet_shared_key={"key_index": 0})
    assert not (await media.play(4)).any()
    assert states(media.subscriber, "pub") == [State.DECRYPTION_FAILED]


async def test_a_subscriber_without_the_publishers_key_reports_missing_key(
    runtime: EngineRuntime,
) -> None:
    media = await pair(runtime, e2ee_options(shared_key=None), e2ee_options(shared_key=None))
    assert not (await media.play(1)).any()
    assert states(media.publisher, "pub") == [State.MISSING_KEY]  # nothing to encrypt with
    e2ee(media.publisher, set_key={"participant_identity": "pub", "key": b"pk", "key_index": 0})
    assert not (await media.play(1)).any()
    assert states(media.publisher, "pub") == [State.OK]
    assert states(media.subscriber, "pub") == [State.MISSING_KEY]
    e2ee(media.subscriber, set_key={"participant_identity": "pub", "key": b"pk", "key_index": 0})
    assert np.count_nonzero(await media.play(1)) == PACKET
    assert states(media.subscriber, "pub") == [State.OK]


async def test_key_indexes_and_cryptors(runtime: EngineRuntime) -> None:
    media = await pair(runtime, e2ee_options(shared_key=None), e2ee_options(shared_key=None))
    for peer in (media.publisher, media.subscriber):
        for index, key in ((0, b"k0"), (1, b"k1")):
            e2ee(peer, set_key={"participant_identity": "pub", "key": key, "key_index": index})
    listed = e2ee(media.publisher, manager_get_frame_cryptors={}).manager_get_frame_cryptors
    assert [
        (c.participant_identity, c.track_sid, c.key_index, c.enabled) for c in listed.frame_cryptors
    ] == [("pub", media.sid, 0, True)]
    e2ee(
        media.publisher,
        cryptor_set_key_index={
            "participant_identity": "pub",
            "track_sid": media.sid,
            "key_index": 1,
        },
    )
    assert np.count_nonzero(await media.play(1)) == PACKET  # index 1 on both sides
    e2ee(
        media.publisher,
        cryptor_set_key_index={
            "participant_identity": "pub",
            "track_sid": media.sid,
            "key_index": 5,
        },
    )
    states(media.publisher)
    assert not (await media.play(1)).any()
    assert states(media.publisher, "pub") == [State.MISSING_KEY]  # no key at 5: not sent
    listed = e2ee(media.publisher, manager_get_frame_cryptors={}).manager_get_frame_cryptors
    assert listed.frame_cryptors[0].key_index == 5
    with pytest.raises(dispatch.RequestFailed, match="is not a track sid"):
        e2ee(
            media.publisher,
            cryptor_set_enabled={"participant_identity": "pub", "track_sid": "x", "enabled": True},
        )
    with pytest.raises(dispatch.RequestFailed, match="outside the key ring"):
        e2ee(media.publisher, get_key={"participant_identity": "pub", "key_index": 16})
    with pytest.raises(dispatch.RequestFailed, match="message is empty"):
        e2ee(media.publisher)


async def test_a_sender_disabled_sends_in_the_clear(runtime: EngineRuntime) -> None:
    media = await pair(runtime, e2ee_options(), e2ee_options())
    await media.play(1)
    states(media.subscriber)
    e2ee(media.publisher, manager_set_enabled={"enabled": False})
    assert not (await media.play(1)).any()  # the subscriber still decrypts: it fails
    assert states(media.subscriber, "pub") == [State.DECRYPTION_FAILED]
    e2ee(media.subscriber, manager_set_enabled={"enabled": False})
    assert np.count_nonzero(await media.play(1)) == PACKET  # both in the clear


async def test_a_subscriber_without_e2ee_cannot_decode_encrypted_media(
    runtime: EngineRuntime,
) -> None:
    media = await pair(runtime, e2ee_options(), None)
    assert media.remote_info.encryption_type == e2ee_pb2.GCM
    assert not (await media.play(2)).any()
    assert states(media.subscriber) == []
    # Its key requests do nothing and find no key.
    assert not e2ee(media.subscriber, get_shared_key={"key_index": 0}).get_shared_key.HasField(
        "key"
    )


async def test_the_deprecated_e2ee_field_configures_the_same(runtime: EngineRuntime) -> None:
    publisher, subscriber = Peer(runtime, "pub"), Peer(runtime, "sub")
    await connect(publisher, e2ee_options(), field="e2ee")
    await connect(subscriber, e2ee_options(), field="e2ee")
    media = Publishing(publisher, subscriber)
    await media.start()
    assert media.remote_info.encryption_type == e2ee_pb2.GCM
    assert np.count_nonzero(await media.play(1)) == PACKET


async def test_unsubscribing_and_leaving_take_the_cryptors(runtime: EngineRuntime) -> None:
    media = await pair(runtime, e2ee_options(), e2ee_options())
    listed = e2ee(media.subscriber, manager_get_frame_cryptors={}).manager_get_frame_cryptors
    assert [c.participant_identity for c in listed.frame_cryptors] == ["pub"]
    request = request_of(
        "unpublish_track", local_participant_handle=media.publisher.local, track_sid=media.sid
    )
    await media.publisher.call(request)
    await settle()
    for peer in (media.publisher, media.subscriber):
        cryptors = e2ee(peer, manager_get_frame_cryptors={}).manager_get_frame_cryptors
        assert list(cryptors.frame_cryptors) == []


async def test_encrypted_video_frames_do_not_reach_a_subscriber_with_a_wrong_key(
    runtime: EngineRuntime,
) -> None:
    publisher, subscriber = Peer(runtime, "pub"), Peer(runtime, "sub")
    await connect(publisher, e2ee_options())
    await connect(subscriber, e2ee_options(shared_key=b"wrong", failure_tolerance=0))
    width, height = 4, 2
    request = request_of(
        "new_video_source",
        type=video_frame_pb2.VIDEO_SOURCE_NATIVE,
        resolution={"width": width, "height": height},
    )
    source = publisher.run(request).source.handle.id
    track = publisher.run(request_of("create_video_track", name="cam", source_handle=source))
    request = request_of(
        "publish_track",
        local_participant_handle=publisher.local,
        track_handle=track.track.handle.id,
        options={"source": track_pb2.SOURCE_CAMERA},
    )
    await publisher.call(request)
    subscribed = await subscriber.event("track_subscribed")
    request = request_of(
        "new_video_stream",
        track_handle=subscribed.track.handle.id,
        type=video_frame_pb2.VIDEO_STREAM_NATIVE,
    )
    stream = subscriber.run(request).stream.handle.id
    rgba = np.full((height, width, 4), 255, dtype=np.uint8)
    buffer = {
        "type": video_frame_pb2.RGBA,
        "width": width,
        "height": height,
        "data_ptr": INPUT_ADDRESS,
        "stride": width * 4,
    }

    def capture() -> None:
        memory = Memory(inputs=[engine_pb2.Blob(address=INPUT_ADDRESS, data=rgba.tobytes())])
        publisher.run(
            request_of("capture_video_frame", source_handle=source, buffer=buffer, timestamp_us=1),
            memory,
        )

    capture()
    await settle()
    events = [r.event for r in queued_events(subscriber.session)]
    assert not [e for e in events if e.HasField("video_stream_event")]
    told = [
        e.room_event.e2ee_state_changed
        for e in events
        if e.room_event.HasField("e2ee_state_changed")
    ]
    assert [(t.participant_identity, t.state) for t in told] == [("pub", State.DECRYPTION_FAILED)]
    e2ee(subscriber, set_shared_key={"shared_key": SHARED, "key_index": 0})
    capture()
    received = await next_event(subscriber.session, lambda e: e.HasField("video_stream_event"))
    assert received.event.video_stream_event.stream_handle == stream
    assert states(subscriber, "pub") == [State.OK]


async def test_participant_encryption_status_follows_the_publications(
    runtime: EngineRuntime,
) -> None:
    media = await pair(runtime, e2ee_options(), e2ee_options())
    late = Peer(runtime, "late")
    await connect(late, None)
    changed = await late.event("participant_encryption_status_changed")
    assert (changed.participant_identity, changed.is_encrypted) == ("pub", True)
    request = request_of(
        "unpublish_track", local_participant_handle=media.publisher.local, track_sid=media.sid
    )
    await media.publisher.call(request)
    await settle()
    kinds = [
        (r.event.room_event.WhichOneof("message"), r.event.room_event)
        for r in queued_events(late.session)
        if r.event.HasField("room_event")
    ]
    names = [k for k, _ in kinds]
    status = names.index("participant_encryption_status_changed")
    assert status < names.index("track_unpublished")
    assert kinds[status][1].participant_encryption_status_changed.is_encrypted is False


async def test_the_status_is_told_before_track_published(runtime: EngineRuntime) -> None:
    publisher, subscriber = Peer(runtime, "pub"), Peer(runtime, "sub")
    await connect(publisher, e2ee_options())
    await connect(subscriber, None)
    await settle()
    queued_events(subscriber.session)
    _, track = publisher.new_track(RATE)
    await publisher.publish(track)
    await settle()
    names = [
        r.event.room_event.WhichOneof("message")
        for r in queued_events(subscriber.session)
        if r.event.HasField("room_event")
    ]
    assert names[:2] == ["participant_encryption_status_changed", "track_published"]
