"""End-to-end encryption of media: the `e2ee` request (manager, frame cryptors, key
provider), RoomOptions' `encryption` (and the deprecated `e2ee`), the frame cryptors that
encrypt what a participant publishes and decrypt what another receives, and the
e2ee_state_changed room events they report.

As the native core runs it (livekit-ffi's server/requests.rs on_e2ee_request, livekit's
room/e2ee/manager.rs, webrtc-sys's frame_cryptor.cpp and the LiveKit fork of libwebrtc's
frame_crypto_transformer.cc, for livekit 1.2.1):
- A room connected with encryption options has an E2EE manager and a key provider
  (rooms/e2ee_keys.py), the shared key set at index 0 when the options carry one. The
  manager is enabled from the start; `manager_set_enabled` switches every frame cryptor.
  Without the options, the key requests do nothing and answer no key.
- A track published by such a participant is announced with the options' encryption
  type (GCM: `TrackPublicationInfo.encryption_type` on every side). For each one the
  manager makes a frame cryptor: a sender cryptor for its own publications (named by its
  own identity), a receiver cryptor for each subscription to an encrypted publication
  (named by the publisher's identity). They go with the publication or the subscription,
  and all of them when the room is left. `manager_get_frame_cryptors` lists them
  (identity, track sid, key index, enabled); `cryptor_set_enabled` and
  `cryptor_set_key_index` change the one named, if there is one (a track sid without its
  TR_ prefix makes native panic; lkemu refuses the request).
- A sender cryptor encrypts each frame with the key at its key index (0 unless set) of
  its own ring, and stamps that index in the frame; with no key there the frame is not
  sent (MISSING_KEY). Disabled, it sends frames in the clear.
- A receiver cryptor decrypts each frame with the key at the frame's index in its ring for
  the publisher: no such key (or an index past `key_ring_size`) is MISSING_KEY; a key that
  fails is ratcheted forward up to `ratchet_window_size` times, and one that then works
  replaces it (KEY_RATCHETED, then OK); otherwise the key is put back and the failure
  counted: past `failure_tolerance` the state is DECRYPTION_FAILED and, until a key is set
  or ratcheted into that ring, frames are dropped without trying. A frame in the clear
  fails at once (DECRYPTION_FAILED, no tolerance). Disabled, it passes frames through
  as they are, which the decoder cannot read if they were encrypted. Only what decrypted
  is decoded: a subscriber hears silence and sees no frames for the rest.
- A room tells participant_encryption_status_changed when another participant's status
  changes: encrypted while it has publications and all of them are encrypted (before the
  track_published or track_unpublished that changed it; at connect for those already
  there). Native also counts its data packets (all must have been encrypted too); lkemu,
  which sends data in the clear, judges by the tracks alone.
- Each cryptor reports its state when it changes (NEW, then OK, MISSING_KEY,
  DECRYPTION_FAILED, KEY_RATCHETED...), to its own room as e2ee_state_changed with the
  cryptor's participant identity, if that participant is the local one or one the room
  knows.

How lkemu simulates it: media is not encrypted byte by byte. A sent frame carries the
encryption key it was sealed with (and the material, salt and derivation it came from);
a receiver's key opens it when the two keys are equal, which is when AES-GCM opens a
frame. A ratchet window's search follows the ratchet steps key providers took
(e2ee_keys.descends) instead of deriving the candidates again: a key made outside lkemu
as a ratchet of another (computed by the application and set with set_key) is not found
by the window, where native would find it. Audio frames are 20 ms packets; a receiver
cryptor judges a packet when it starts, before the network (rooms/network.py) loses
or delays it, so a lost packet still counts as a decryption attempt. What does not
decrypt plays silence (native conceals, then plays silence). Data packets, data streams
and data tracks are not encrypted by lkemu yet (native 1.2.1 encrypts them under
`RoomOptions.encryption`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lkemu.proto import e2ee_pb2, room_pb2

from ..core.call import Call, field_or
from ..core.errors import InvalidRequest
from ..core.registry import handles
from .e2ee_keys import (
    DEFAULT_FAILURE_TOLERANCE,
    DEFAULT_KEY_RING_SIZE,
    DEFAULT_RATCHET_SALT,
    DEFAULT_RATCHET_WINDOW_SIZE,
    KeyOptions,
    KeyProvider,
    KeySet,
    OutsideRing,
    descends,
)
from .model import PUBLICATIONS_CHANGED, Member, RoomTrack, RoomView
from .network import PACKET_MS

State = e2ee_pb2.EncryptionState
TRACK_PREFIX = "TR_"
RECENT_PACKETS = 8  # packets a sender cryptor remembers the seals of


@dataclass(frozen=True, slots=True)
class Sealed:
    """A frame as a sender cryptor sent it: encrypted with `key`, stamped `index`."""

    key: bytes
    index: int  # the frame trailer's key index byte
    material: bytes
    salt: bytes
    kdf: int


class _Dropped:
    """A frame the sender cryptor did not send (no key)."""


DROPPED = _Dropped()
Seal = Sealed | _Dropped | None  # None: sent in the clear


class E2eeManager:
    """One room connection's E2EE manager (RoomView.state): options, key provider and
    frame cryptors."""

    def __init__(self, view: RoomView) -> None:
        self.view = view
        self.encryption_type: int = e2ee_pb2.NONE  # what its publications announce
        self.provider: KeyProvider | None = None  # None: the room has no E2EE options
        self.enabled = False
        self.cryptors: dict[tuple[str, str], FrameCryptor] = {}
        self.encrypted: dict[str, bool] = {}  # what it was told of each participant

    def configure(self, options: e2ee_pb2.E2eeOptions) -> None:
        kp = options.key_provider_options
        self.encryption_type = options.encryption_type
        self.provider = KeyProvider(
            KeyOptions(
                shared_key=kp.HasField("shared_key"),
                ratchet_salt=field_or(kp, "ratchet_salt", DEFAULT_RATCHET_SALT),
                ratchet_window_size=field_or(
                    kp, "ratchet_window_size", DEFAULT_RATCHET_WINDOW_SIZE
                ),
                failure_tolerance=field_or(kp, "failure_tolerance", DEFAULT_FAILURE_TOLERANCE),
                key_ring_size=field_or(kp, "key_ring_size", DEFAULT_KEY_RING_SIZE),
                kdf=field_or(kp, "key_derivation_function", e2ee_pb2.PBKDF2),
            )
        )
        if kp.HasField("shared_key"):
            self.provider.set_shared_key(0, kp.shared_key)
        self.enabled = True

    def set_enabled(self, enabled: bool) -> None:
        if enabled == self.enabled:
            return
        self.enabled = enabled
        for cryptor in self.cryptors.values():
            cryptor.enabled = enabled

    def add_cryptor(self, identity: str, sid: str) -> FrameCryptor | None:
        if self.provider is None:
            return None
        cryptor = FrameCryptor(self, identity, sid)
        self.cryptors[(identity, sid)] = cryptor
        return cryptor

    def remove_cryptor(self, cryptor: FrameCryptor) -> None:
        key = (cryptor.identity, cryptor.sid)
        if self.cryptors.get(key) is cryptor:
            del self.cryptors[key]

    def tell(self, identity: str, state: int) -> None:
        """e2ee_state_changed, for a participant this room knows (native ignores others)."""
        me = self.view.member
        if (me is None or identity != me.identity) and identity not in self.view.remote_handles:
            return

        def fill(e: room_pb2.RoomEvent) -> None:
            e.e2ee_state_changed.participant_identity = identity
            e.e2ee_state_changed.state = state  # type: ignore[assignment]

        self.view.emit(fill)

    def peer_left(self, identity: str) -> None:
        self.encrypted.pop(identity, None)  # its publications' cryptors go with them

    def closed(self) -> None:
        """The room was left: every cryptor is disabled and forgotten (manager cleanup)."""
        for cryptor in self.cryptors.values():
            cryptor.enabled = False
        self.cryptors.clear()


class FrameCryptor:
    """One frame cryptor: a sender's (its own identity) or a receiver's (the publisher's)."""

    def __init__(self, manager: E2eeManager, identity: str, sid: str) -> None:
        self.manager, self.identity, self.sid = manager, identity, sid
        self.enabled = manager.enabled
        self.key_index = 0
        self.state: int = State.NEW

    def report(self, state: int) -> None:
        if state != self.state:
            self.state = state
            self.manager.tell(self.identity, state)

    def _key_set(self, index: int) -> KeySet | None:
        provider = self.manager.provider
        handler = provider.handler_for(self.identity) if provider is not None else None
        if handler is None:
            return None
        try:
            return handler.key_set(index)
        except OutsideRing:
            return None  # native reads past its ring here; lkemu: no key

    def encrypt(self) -> Seal:
        """encryptFrame: how this sender cryptor sends its next frame."""
        provider = self.manager.provider
        if not self.enabled or provider is None:
            return None
        found = self._key_set(self.key_index)
        if found is None:
            self.report(State.MISSING_KEY)
            return DROPPED
        self.report(State.OK)
        options = provider.options
        return Sealed(
            found.encryption_key,
            self.key_index & 0xFF,
            found.material,
            options.ratchet_salt,
            options.kdf,
        )

    def decrypt(self, seal: Seal) -> bool:
        """decryptFrame: whether this receiver cryptor lets the frame through decrypted."""
        provider = self.manager.provider
        if seal is DROPPED:
            return False
        if not self.enabled or provider is None:
            return seal is None  # passed through as it is: readable only if in the clear
        if not isinstance(seal, Sealed):  # in the clear: its trailer is no IV length
            self.report(State.DECRYPTION_FAILED)
            return False
        options = provider.options
        handler = provider.handler_for(self.identity)
        found = (
            self._key_set(seal.index)
            if handler is not None and seal.index < options.key_ring_size
            else None
        )
        if handler is None or found is None:
            self.report(State.MISSING_KEY)
            return False
        if self.state == State.DECRYPTION_FAILED and not handler.valid:
            return False
        if found.encryption_key != seal.key:
            steps = 0
            if options.ratchet_window_size > 0:
                if (seal.salt, seal.kdf) == (options.ratchet_salt, options.kdf):
                    window = options.ratchet_window_size
                    steps = descends(seal.material, found.material, options, window)
                if steps:
                    handler.set_from_material(seal.material, seal.index)
                    handler.set_valid()
                    self.report(State.KEY_RATCHETED)
                else:
                    handler.set_from_material(found.material, seal.index)  # back to it
            if not steps:
                if handler.decryption_failure():
                    self.report(State.DECRYPTION_FAILED)
                return False
        self.report(State.OK)
        return True


class SenderSeal:
    """A sink on a published track, ahead of its relays: its sender cryptor seals each
    frame (each 20 ms audio packet) once, for every subscriber."""

    def __init__(self, cryptor: FrameCryptor, published: RoomTrack) -> None:
        self.cryptor, self.published = cryptor, published
        self.seals: dict[int, Seal] = {}

    def _seal(self, packets: range) -> None:
        """Seal the frames starting now; forget those long gone (every relay has judged
        them: relays take a chunk right after this sink)."""
        for old in [p for p in self.seals if p < packets.start - RECENT_PACKETS]:
            del self.seals[old]
        for packet in packets:
            self.seals[packet] = self.cryptor.encrypt()

    def on_audio(self, chunk: np.ndarray, sample_rate: int, num_channels: int) -> None:
        size = max(1, sample_rate * PACKET_MS // 1000)
        start = self.published.track.sent_units - len(chunk)
        self._seal(range(-(-start // size), -(-(start + len(chunk)) // size)))

    def on_frame(self, frame: Any) -> None:
        index = self.published.track.sent_units - 1
        self._seal(range(index, index + 1))

    def ready(self) -> bool:
        return True

    def on_end(self) -> None:
        """Unpublished (or the track ended): its cryptor goes."""
        self.cryptor.manager.remove_cryptor(self.cryptor)


class MediaGate:
    """What one subscriber decodes of an encrypted publication: its receiver cryptor (if
    its room has E2EE) judges each frame the sender sealed."""

    def __init__(self, sender: SenderSeal | None, cryptor: FrameCryptor | None) -> None:
        self.sender, self.cryptor = sender, cryptor
        self.judged: dict[int, bool] = {}

    def _judge(self, packet: int) -> bool:
        found = self.judged.get(packet)
        if found is None:
            seal = self.sender.seals.get(packet) if self.sender is not None else None
            # Without a cryptor only frames in the clear decode.
            found = self.cryptor.decrypt(seal) if self.cryptor is not None else seal is None
            self.judged[packet] = found
        return found

    def _forget_before(self, packet: int) -> None:
        for old in [p for p in self.judged if p < packet - RECENT_PACKETS]:
            del self.judged[old]

    def audio(self, chunk: np.ndarray, sample_rate: int, start: int) -> np.ndarray:
        """`chunk` (frames start.. of the track) with what did not decrypt silenced."""
        frames = len(chunk)
        if not frames:
            return chunk
        size = max(1, sample_rate * PACKET_MS // 1000)
        first = start // size
        self._forget_before(first)
        decoded = np.array(
            [self._judge(p) for p in range(first, (start + frames - 1) // size + 1)], bool
        )
        if decoded.all():
            return chunk
        keep = decoded[np.arange(start, start + frames) // size - first]
        return np.where(keep.reshape(-1, *([1] * (chunk.ndim - 1))), chunk, 0).astype(chunk.dtype)

    def video(self, index: int) -> bool:
        self._forget_before(index)
        return self._judge(index)

    def close(self) -> None:
        """The subscription ended: its receiver cryptor goes."""
        if self.cryptor is not None:
            self.cryptor.manager.remove_cryptor(self.cryptor)


def configure(view: RoomView, options: room_pb2.RoomOptions) -> None:
    """A connecting room's E2EE, from `encryption`, else the deprecated `e2ee`."""
    chosen = "encryption" if options.HasField("encryption") else "e2ee"
    if options.HasField(chosen):
        view.state(E2eeManager).configure(getattr(options, chosen))


def on_published(view: RoomView, member: Member, published: RoomTrack) -> None:
    """A local track was published: its encryption type, and its sender cryptor."""
    manager = view.state(E2eeManager)
    published.encryption = manager.encryption_type
    if manager.provider is None or published.encryption == e2ee_pb2.NONE:
        return
    cryptor = manager.add_cryptor(member.identity, published.sid)
    if cryptor is not None:
        sender = SenderSeal(cryptor, published)
        published.cryptor = sender
        published.track.add_sink(sender)


def gate(view: RoomView, publisher: str, published: RoomTrack) -> MediaGate | None:
    """A subscription begins: the gate its media crosses (None for a publication in the
    clear), with a receiver cryptor when this room has E2EE."""
    if published.encryption == e2ee_pb2.NONE:
        return None
    manager = view.state(E2eeManager)
    cryptor = manager.add_cryptor(publisher, published.sid)
    sender = published.cryptor if isinstance(published.cryptor, SenderSeal) else None
    return MediaGate(sender, cryptor)


def status_changed(view: RoomView, member: Member) -> None:
    """participant_encryption_status_changed when `member`'s status, as `view` sees it,
    changes: encrypted when it has publications and all of them are encrypted."""
    manager = view.state(E2eeManager)
    publications = member.publications.values()
    encrypted = bool(publications) and all(p.encryption != e2ee_pb2.NONE for p in publications)
    if encrypted == manager.encrypted.get(member.identity, False):
        return
    manager.encrypted[member.identity] = encrypted

    def fill(e: room_pb2.RoomEvent) -> None:
        e.participant_encryption_status_changed.participant_identity = member.identity
        e.participant_encryption_status_changed.is_encrypted = encrypted

    view.emit(fill)


PUBLICATIONS_CHANGED.append(status_changed)


def _find_cryptor(manager: E2eeManager, identity: str, sid: str) -> FrameCryptor | None:
    if not sid.startswith(TRACK_PREFIX):
        raise InvalidRequest(
            f"track_sid {sid!r} is not a track sid: native panics here (TrackSid::try_from)"
        )
    return manager.cryptors.get((identity, sid))


def _key(material: bytes) -> dict[str, bytes]:
    """A response's optional key: absent when the provider found none."""
    return {"key": material} if material else {}


@handles("e2ee")
def on_e2ee(call: Call, request: e2ee_pb2.E2eeRequest) -> e2ee_pb2.E2eeResponse:
    view = call.get(request.room_handle, RoomView)
    manager = view.state(E2eeManager)
    provider = manager.provider
    which = request.WhichOneof("message")
    response = e2ee_pb2.E2eeResponse()
    try:
        if which is None:
            raise InvalidRequest("message is empty")
        if which == "manager_set_enabled":
            manager.set_enabled(bool(request.manager_set_enabled.enabled))
            response.manager_set_enabled.SetInParent()
        elif which == "manager_get_frame_cryptors":
            listed = response.manager_get_frame_cryptors
            listed.SetInParent()
            for (identity, sid), each in manager.cryptors.items():
                listed.frame_cryptors.add(
                    participant_identity=identity,
                    track_sid=sid,
                    key_index=each.key_index,
                    enabled=each.enabled,
                )
        elif which == "cryptor_set_enabled":
            asked = request.cryptor_set_enabled
            cryptor = _find_cryptor(manager, asked.participant_identity, asked.track_sid)
            if cryptor is not None:
                cryptor.enabled = bool(asked.enabled)
            response.cryptor_set_enabled.SetInParent()
        elif which == "cryptor_set_key_index":
            index_asked = request.cryptor_set_key_index
            cryptor = _find_cryptor(
                manager, index_asked.participant_identity, index_asked.track_sid
            )
            if cryptor is not None:
                cryptor.key_index = index_asked.key_index
            response.cryptor_set_key_index.SetInParent()
        elif which == "set_shared_key":
            shared = request.set_shared_key
            if provider is not None:
                provider.latest_key_index = shared.key_index
                provider.set_shared_key(shared.key_index, shared.shared_key)
            response.set_shared_key.SetInParent()
        elif which == "ratchet_shared_key":
            index = request.ratchet_shared_key.key_index
            new = provider.ratchet_shared_key(index) if provider is not None else b""
            response.ratchet_shared_key.SetInParent()
            if new:
                response.ratchet_shared_key.new_key = new
        elif which == "get_shared_key":
            index = request.get_shared_key.key_index
            found = provider.export_shared_key(index) if provider is not None else b""
            response.get_shared_key.CopyFrom(e2ee_pb2.GetSharedKeyResponse(**_key(found)))
        elif which == "set_key":
            key = request.set_key
            if provider is not None:
                provider.latest_key_index = key.key_index
                provider.set_key(key.participant_identity, key.key_index, key.key)
            response.set_key.SetInParent()
        elif which == "ratchet_key":
            ratchet = request.ratchet_key
            new = (
                provider.ratchet_key(ratchet.participant_identity, ratchet.key_index)
                if provider is not None
                else b""
            )
            response.ratchet_key.SetInParent()
            if new:
                response.ratchet_key.new_key = new
        else:  # get_key
            get = request.get_key
            found = (
                provider.export_key(get.participant_identity, get.key_index)
                if provider is not None
                else b""
            )
            response.get_key.CopyFrom(e2ee_pb2.GetKeyResponse(**_key(found)))
    except OutsideRing as error:
        raise InvalidRequest(str(error)) from None
    return response
