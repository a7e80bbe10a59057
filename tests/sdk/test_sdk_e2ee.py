"""End-to-end encryption between participants, through the public livekit.rtc API only:
the upstream SDK's scenarios (livekit-rtc/tests/test_e2ee_shared_key.py and
test_e2ee_per_participant.py, rewritten with a microphone instead of a camera, and what a
subscriber hears checked too): matching keys are heard, a wrong key is silence with
DECRYPTION_FAILED once failure_tolerance is exhausted, a ratchet on the publisher is
followed by its subscribers (KEY_RATCHETED), per-participant keys and key indexes.

Written for a LiveKit server too: with LIVEKIT_URL (and LIVEKIT_API_KEY /
LIVEKIT_API_SECRET) set it runs natively there; without it, only under --lkemu.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

import numpy as np
import pytest
from livekit import rtc

from tests.helpers import make_token
from tests.sdk.sdk_support import SDK_VERSION

URL = os.environ.get("LIVEKIT_URL", "ws://localhost:7880")
KEY = os.environ.get("LIVEKIT_API_KEY", "devkey")
SECRET = os.environ.get("LIVEKIT_API_SECRET", "secret")

pytestmark = [] if os.environ.get("LIVEKIT_URL") else [pytest.mark.lkemu_only]

SHARED_KEY = b"12345678"
WRONG_KEY = b"wrongkey"
PUBLISHER = "e2ee-publisher"
RATE = 48000
OK = rtc.EncryptionState.OK
DECRYPTION_FAILED = rtc.EncryptionState.DECRYPTION_FAILED
KEY_RATCHETED = rtc.EncryptionState.KEY_RATCHETED
MISSING_KEY = rtc.EncryptionState.MISSING_KEY

# What an older SDK's own Python code cannot say (it would fail natively alike): 1.0.25's
# Room.connect copies shared_key even when it is None, and its frame_cryptors() sends an
# e2ee request with no message in it ("message is empty").
OPTIONAL_SHARED_KEY = "shared_key is not None" in inspect.getsource(rtc.Room.connect)
LISTS_CRYPTORS = "SetInParent" in inspect.getsource(rtc.E2EEManager.frame_cryptors)
needs_optional_shared_key = pytest.mark.skipif(
    not OPTIONAL_SHARED_KEY,
    reason=f"livekit {SDK_VERSION} cannot connect without a shared key (it sends None)",
)


def _options(shared_key: bytes | None = SHARED_KEY) -> rtc.E2EEOptions:
    options = rtc.E2EEOptions()
    options.key_provider_options.shared_key = shared_key
    options.key_provider_options.ratchet_window_size = 16
    # 0 or more for DECRYPTION_FAILED to be reported at all (the default -1 never does).
    options.key_provider_options.failure_tolerance = 3
    return options


class Side:
    """One participant: its room, the e2ee states it was told about the publisher, and
    (for a subscriber) what it hears of the publisher's microphone."""

    def __init__(self, identity: str) -> None:
        self.identity = identity
        self.room = rtc.Room()
        self.states: list[int] = []
        self.changed = asyncio.Event()
        self.heard: list[np.ndarray] = []
        self.reader: asyncio.Task[None] | None = None
        self.room.on("e2ee_state_changed", self._state)
        self.room.on("track_subscribed", self._subscribed)

    def _state(self, participant: rtc.Participant, state: int) -> None:
        if participant is not None and participant.identity == PUBLISHER:
            self.states.append(state)
            self.changed.set()

    def _subscribed(self, track: rtc.Track, *_: Any) -> None:
        if track.kind == rtc.TrackKind.KIND_AUDIO and self.reader is None:
            stream = rtc.AudioStream(track, sample_rate=RATE, num_channels=1)
            self.reader = asyncio.create_task(self._read(stream))

    async def _read(self, stream: rtc.AudioStream) -> None:
        async for event in stream:
            self.heard.append(np.frombuffer(bytes(event.frame.data), dtype=np.int16))

    @property
    def key_provider(self) -> rtc.KeyProvider:
        provider = self.room.e2ee_manager.key_provider
        assert provider is not None
        return provider

    async def until_state(self, state: int, timeout: float = 15.0) -> None:
        async def seen() -> None:
            while state not in self.states:
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(seen(), timeout)

    async def listen(self, frames: int = 30, timeout: float = 10.0) -> np.ndarray:
        """The next `frames` 10 ms frames heard."""
        start = len(self.heard)

        async def enough() -> None:
            while len(self.heard) < start + frames:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(enough(), timeout)
        return np.concatenate(self.heard[start : start + frames])

    async def until_heard(self, timeout: float = 10.0) -> None:
        """Until a frame with sound arrives (a change of keys takes a packet or two)."""

        async def voiced() -> None:
            while not (await self.listen(5)).any():
                pass

        await asyncio.wait_for(voiced(), timeout)


async def _speak(source: rtc.AudioSource, stop: asyncio.Event) -> None:
    t = np.arange(RATE // 100) / RATE
    tone = (np.sin(2 * np.pi * 440 * t) * 10000).astype(np.int16)
    while not stop.is_set():
        await source.capture_frame(rtc.AudioFrame(tone.tobytes(), RATE, 1, len(tone)))


@asynccontextmanager
async def _room(
    subscriber_options: Callable[[], rtc.E2EEOptions] = _options,
    publisher_options: Callable[[], rtc.E2EEOptions] = _options,
    subscribers: int = 1,
) -> AsyncIterator[tuple[Side, list[Side], rtc.LocalTrackPublication]]:
    """A publisher speaking on an encrypted microphone and subscribers listening."""
    name = f"e2ee-{uuid.uuid4().hex[:8]}"
    publisher = Side(PUBLISHER)
    listeners = [Side(f"receiver{i + 1}") for i in range(subscribers)]
    stop = asyncio.Event()
    speaking: asyncio.Task[None] | None = None
    try:
        for side, options in [(publisher, publisher_options)] + [
            (s, subscriber_options) for s in listeners
        ]:
            token = make_token(side.identity, name, api_key=KEY, secret=SECRET)
            await side.room.connect(
                URL, token, rtc.RoomOptions(auto_subscribe=True, encryption=options())
            )
        source = rtc.AudioSource(RATE, 1)
        track = rtc.LocalAudioTrack.create_audio_track("mic", source)
        publish_options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        publication = await publisher.room.local_participant.publish_track(track, publish_options)
        speaking = asyncio.create_task(_speak(source, stop))
        yield publisher, listeners, publication
    finally:
        stop.set()
        if speaking is not None:
            with suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(speaking, 2.0)
        for side in [publisher, *listeners]:
            if side.reader is not None:
                side.reader.cancel()
            await side.room.disconnect()


def _remote_publications(side: Side) -> list[rtc.RemoteTrackPublication]:
    return [
        publication
        for participant in side.room.remote_participants.values()
        for publication in participant.track_publications.values()
    ]


async def test_matching_shared_keys_are_heard_and_announced_gcm() -> None:
    async with _room(subscribers=2) as (publisher, receivers, publication):
        assert publication.encryption_type == rtc.EncryptionType.GCM
        for receiver in receivers:
            await receiver.until_state(OK)
            await receiver.until_heard()
            remote = _remote_publications(receiver)
            assert [p.encryption_type for p in remote] == [rtc.EncryptionType.GCM]
            if not LISTS_CRYPTORS:
                continue
            cryptors = receiver.room.e2ee_manager.frame_cryptors()
            assert [(c.participant_identity, c.track_sid) for c in cryptors] == [
                (PUBLISHER, publication.sid)
            ]
            assert cryptors[0].enabled
        if not LISTS_CRYPTORS:
            return
        mine = publisher.room.e2ee_manager.frame_cryptors()
        assert [(c.participant_identity, c.track_sid) for c in mine] == [
            (PUBLISHER, publication.sid)
        ]


async def test_a_wrong_key_is_silent_with_decryption_failed_until_the_key_matches() -> None:
    async with _room(subscriber_options=lambda: _options(WRONG_KEY)) as (_, receivers, _pub):
        receiver = receivers[0]
        await receiver.until_state(DECRYPTION_FAILED)
        assert OK not in receiver.states
        assert not (await receiver.listen(30)).any()  # 300 ms of silence
        # Past the tolerance the cryptor stops trying: the right key, installed again,
        # brings the media back.
        receiver.key_provider.set_shared_key(SHARED_KEY, key_index=0)
        await receiver.until_state(OK)
        await receiver.until_heard()


async def test_a_ratchet_on_the_publisher_then_the_subscriber_keeps_the_media() -> None:
    async with _room() as (publisher, receivers, _pub):
        receiver = receivers[0]
        await receiver.until_state(OK)
        await receiver.until_heard()
        receiver.states.clear()
        new_key = publisher.key_provider.ratchet_shared_key(key_index=0)
        assert len(new_key) == 32
        await receiver.until_state(KEY_RATCHETED)
        await receiver.until_heard()
        # The subscriber ratchets its own shared key: the same bytes, and the media goes on.
        assert receiver.key_provider.ratchet_shared_key(key_index=0) == new_key
        assert publisher.key_provider.export_shared_key(key_index=0) == new_key
        assert (await receiver.listen(20)).any()
        # The publisher swaps its key for a wrong one: the subscribers stop hearing it.
        receiver.states.clear()
        publisher.key_provider.set_shared_key(WRONG_KEY, key_index=0)
        await receiver.until_state(DECRYPTION_FAILED)
        await receiver.listen(5)
        assert not (await receiver.listen(20)).any()
        publisher.key_provider.set_shared_key(SHARED_KEY, key_index=0)
        receiver.key_provider.set_shared_key(SHARED_KEY, key_index=0)
        await receiver.until_state(OK)
        await receiver.until_heard()


PUBLISHER_KEYS = [(b"12345678", 0), (b"abcdefgh", 1), (b"ijklmnop", 2)]


def _per_participant() -> rtc.E2EEOptions:
    return _options(shared_key=None)


def _install_publisher_keys(side: Side) -> None:
    for key, index in PUBLISHER_KEYS:
        side.key_provider.set_key(PUBLISHER, key, index)


def _set_key_index(side: Side, index: int) -> None:
    for cryptor in side.room.e2ee_manager.frame_cryptors():
        cryptor.set_key_index(index)


@needs_optional_shared_key
async def test_per_participant_keys_and_key_indexes() -> None:
    async with _room(_per_participant, _per_participant, subscribers=2) as (
        publisher,
        receivers,
        _pub,
    ):
        for side in [publisher, *receivers]:
            _install_publisher_keys(side)
        for receiver in receivers:
            await receiver.until_state(OK)
            await receiver.until_heard()
            assert receiver.key_provider.export_key(PUBLISHER, key_index=1) == b"abcdefgh"
        # The publisher encrypts with key index 1, then ratchets it: its receivers follow.
        _set_key_index(publisher, 1)
        for receiver in receivers:
            receiver.states.clear()
            await receiver.until_heard()
        new_key = publisher.key_provider.ratchet_key(PUBLISHER, key_index=1)
        assert len(new_key) == 32
        for receiver in receivers:
            await receiver.until_state(KEY_RATCHETED)
            await receiver.until_heard()
        # A wrong key at index 1 on the publisher: DECRYPTION_FAILED, silence.
        for receiver in receivers:
            receiver.states.clear()
        publisher.key_provider.set_key(PUBLISHER, b"wrong!!!", 1)
        for receiver in receivers:
            await receiver.until_state(DECRYPTION_FAILED)
        # Index 2, which the receivers have: they stopped trying, so they install it again.
        _set_key_index(publisher, 2)
        for receiver in receivers:
            receiver.states.clear()
            receiver.key_provider.set_key(PUBLISHER, b"ijklmnop", 2)
            await receiver.until_state(OK)
            await receiver.until_heard()


@needs_optional_shared_key
async def test_a_receiver_without_the_publishers_key_reports_missing_key() -> None:
    async with _room(_per_participant, _per_participant) as (publisher, receivers, _pub):
        _install_publisher_keys(publisher)
        receiver = receivers[0]
        await receiver.until_state(MISSING_KEY)
        assert not (await receiver.listen(20)).any()
        _install_publisher_keys(receiver)
        await receiver.until_state(OK)
        await receiver.until_heard()
