"""The key provider of end-to-end encryption: key rings, key derivation and ratcheting,
as livekit 1.2.1's webrtc runs them (the LiveKit fork of libwebrtc's
api/crypto/frame_crypto_transformer.h/.cc, wrapped by webrtc-sys's frame_cryptor.h and
livekit's room/e2ee/key_provider.rs).

- A participant's keys are a ring of `key_ring_size` slots (0 or less: 16; more than 255:
  255). Setting a key at index i stores, at i modulo the ring's size (a negative i: the
  current slot), the key's material and the encryption key derived from it: 16 bytes of
  PBKDF2-HMAC-SHA256 (100000 iterations) or HKDF-SHA256 (with 128 zero bytes of info),
  salted with `ratchet_salt`, per `key_derivation_function`. That slot becomes current.
- Ratcheting a slot replaces its material by 32 bytes derived from it the same way, and
  answers the new material: so a key ratcheted on two sides is the same key on both.
- The shared key (`KeyProviderOptions.shared_key`, set_shared_key) lives under the name
  "shared"; each participant's keys are a copy of it made the first time a cryptor asks
  for them, and every later set_shared_key or ratchet_shared_key is applied to every copy
  (a participant named "shared" is that ring). set_key makes a participant's own ring, in
  either mode. Without a shared key in the options, set_shared_key does nothing.
- Reading a key (export, ratchet) answers nothing for an empty slot; the SDK then gets no
  key (`None` in the response, `b""` in livekit.rtc).
- A key handler counts decryption failures: past `failure_tolerance` (negative: never) its
  key is no longer valid, until a key is set or ratcheted into it.

What lkemu does differently: an index outside the ring (below -1, or past its size) makes
native read past its key ring (undefined behaviour, a crash with Chromium's hardened
libc++); lkemu raises OutsideRing instead, which requests answer as an error and the media
path treats as a missing key. Derived keys are cached, as the same inputs give the same
bytes; each ratchet step is remembered (`ratcheted_from`) so that a cryptor's ratchet
window can find whether a key descends from its own without deriving the steps again
(frame cryptors, rooms/e2ee.py).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict
from dataclasses import dataclass

from lkemu.proto import e2ee_pb2

PBKDF2_ITERATIONS = 100_000
HKDF_INFO = bytes(128)  # "128 bytes of zeros padded as info"
ENCRYPTION_KEY_BITS = 128  # SetKeyFromMaterial derives AES-128-GCM keys
RATCHET_BITS = 256  # RatchetKey / RatchetKeyMaterial derive 32 bytes of new material
DEFAULT_KEY_RING_SIZE = 16
MAX_KEY_RING_SIZE = 255
SHARED = "shared"  # the shared key's name among the participants' rings

# webrtc's own defaults where KeyProviderOptions comes with nothing (livekit's
# key_provider.rs, the SDK's e2ee.py): what a caller without a field gets.
DEFAULT_RATCHET_SALT = b"LKFrameEncryptionKey"
DEFAULT_RATCHET_WINDOW_SIZE = 16
DEFAULT_FAILURE_TOLERANCE = -1

_CACHE_SIZE = 4096
_derived: OrderedDict[tuple[int, bytes, bytes, int], bytes] = OrderedDict()
# A ratchet step's result -> (the material it came from, salt, derivation): the lineage a
# ratchet window looks up (every step a key provider took, engine-wide).
ratcheted_from: dict[tuple[bytes, bytes, int], bytes] = {}


def hkdf_sha256(secret: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """RFC 5869 HKDF with SHA-256 (an empty salt is HashLen zeros, the same HMAC key)."""
    prk = hmac.new(salt, secret, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def derive(kdf: int, material: bytes, salt: bytes, bits: int) -> bytes:
    """DoKeyDerivation: `bits` of key from `material` and `salt` (cached)."""
    cache_key = (kdf, material, salt, bits)
    found = _derived.get(cache_key)
    if found is not None:
        _derived.move_to_end(cache_key)
        return found
    if kdf == e2ee_pb2.HKDF:
        result = hkdf_sha256(material, salt, HKDF_INFO, bits // 8)
    else:
        result = hashlib.pbkdf2_hmac("sha256", material, salt, PBKDF2_ITERATIONS, bits // 8)
    _derived[cache_key] = result
    if len(_derived) > _CACHE_SIZE:
        _derived.popitem(last=False)
    return result


@dataclass(frozen=True, slots=True)
class KeyOptions:
    """KeyProviderOptions as webrtc holds them."""

    shared_key: bool = False
    ratchet_salt: bytes = DEFAULT_RATCHET_SALT
    ratchet_window_size: int = DEFAULT_RATCHET_WINDOW_SIZE
    failure_tolerance: int = DEFAULT_FAILURE_TOLERANCE
    key_ring_size: int = DEFAULT_KEY_RING_SIZE
    kdf: int = e2ee_pb2.PBKDF2

    def ratchet(self, material: bytes) -> bytes:
        """RatchetKeyMaterial: the next material (and its lineage remembered)."""
        new = derive(self.kdf, material, self.ratchet_salt, RATCHET_BITS)
        ratcheted_from[(new, self.ratchet_salt, self.kdf)] = material
        return new

    def key_set(self, material: bytes) -> KeySet:
        """DeriveKeys: the material and the encryption key made from it."""
        return KeySet(material, derive(self.kdf, material, self.ratchet_salt, ENCRYPTION_KEY_BITS))


@dataclass(frozen=True, slots=True)
class KeySet:
    material: bytes
    encryption_key: bytes


class OutsideRing(IndexError):
    """A key index that native would read past its key ring with."""

    def __init__(self, index: int, size: int) -> None:
        super().__init__(
            f"key_index {index} is outside the key ring ({size} keys): native reads past "
            "its key ring there (undefined behaviour)"
        )


class KeyHandler:
    """ParticipantKeyHandler: one participant's (or the shared) key ring."""

    def __init__(self, options: KeyOptions) -> None:
        self.options = options
        size = options.key_ring_size
        size = DEFAULT_KEY_RING_SIZE if size <= 0 else min(size, MAX_KEY_RING_SIZE)
        self.ring: list[KeySet | None] = [None] * size
        self.current = 0
        self.valid = False
        self.failures = 0

    def clone(self) -> KeyHandler:
        copy = KeyHandler(self.options)
        copy.ring, copy.current, copy.valid = list(self.ring), self.current, self.valid
        return copy

    def key_set(self, index: int) -> KeySet | None:
        slot = self.current if index == -1 else index
        if not 0 <= slot < len(self.ring):
            raise OutsideRing(index, len(self.ring))
        return self.ring[slot]

    def set_from_material(self, material: bytes, index: int) -> None:
        if index >= 0:
            self.current = index % len(self.ring)
        self.ring[self.current] = self.options.key_set(material)

    def set_key(self, material: bytes, index: int) -> None:
        self.set_from_material(material, index)
        self.set_valid()

    def set_valid(self) -> None:
        self.failures = 0
        self.valid = True

    def ratchet(self, index: int) -> bytes:
        """RatchetKey: the new material, b"" when the slot is empty."""
        found = self.key_set(index)
        if found is None:
            return b""
        new = self.options.ratchet(found.material)
        self.set_from_material(new, self.current if index == -1 else index)
        self.set_valid()
        return new

    def decryption_failure(self) -> bool:
        """One more frame that did not decrypt: True once past the failure tolerance."""
        if self.options.failure_tolerance < 0:
            return False
        self.failures += 1
        if self.failures > self.options.failure_tolerance:
            self.valid = False
            return True
        return False


class KeyProvider:
    """DefaultKeyProviderImpl, with the Rust wrapper's latest key index (the index data
    packets are encrypted with: the last set_key or set_shared_key)."""

    def __init__(self, options: KeyOptions) -> None:
        self.options = options
        self.keys: dict[str, KeyHandler] = {}
        self.latest_key_index = 0

    def set_shared_key(self, index: int, key: bytes) -> bool:
        if not self.options.shared_key:
            return False
        shared = self.keys.setdefault(SHARED, KeyHandler(self.options))
        shared.set_key(key, index)
        for name, handler in self.keys.items():
            if name != SHARED:
                handler.set_key(key, index)
        return True

    def ratchet_shared_key(self, index: int) -> bytes:
        shared = self.keys.get(SHARED)
        if shared is None:
            return b""
        new = shared.ratchet(index)
        if self.options.shared_key:
            for name, handler in self.keys.items():
                if name != SHARED:
                    handler.set_key(new, index)  # even b"" when the ratchet found nothing
        return new

    def export_shared_key(self, index: int) -> bytes:
        shared = self.keys.get(SHARED)
        found = shared.key_set(index) if shared is not None else None
        return found.material if found is not None else b""

    def shared_handler(self, identity: str) -> KeyHandler | None:
        """GetSharedKey: `identity`'s copy of the shared ring (made on first use)."""
        if not self.options.shared_key or SHARED not in self.keys:
            return None
        found = self.keys.get(identity)
        if found is None:
            found = self.keys[identity] = self.keys[SHARED].clone()
        return found

    def set_key(self, identity: str, index: int, key: bytes) -> bool:
        self.keys.setdefault(identity, KeyHandler(self.options)).set_key(key, index)
        return True

    def ratchet_key(self, identity: str, index: int) -> bytes:
        handler = self.keys.get(identity)
        return handler.ratchet(index) if handler is not None else b""

    def export_key(self, identity: str, index: int) -> bytes:
        handler = self.keys.get(identity)
        found = handler.key_set(index) if handler is not None else None
        return found.material if found is not None else b""

    def handler_for(self, identity: str) -> KeyHandler | None:
        """The ring a cryptor of `identity` uses: the shared copy, or its own."""
        if self.options.shared_key:
            return self.shared_handler(identity)
        return self.keys.get(identity)


def descends(material: bytes, ancestor: bytes, options: KeyOptions, steps: int) -> int:
    """How many ratchet steps (1..steps) lead from `ancestor` to `material` with these
    options, or 0: a ratchet window's search, read from the steps taken so far. A step
    nobody has taken gives a material nobody encrypts with, so it cannot match."""
    for depth in range(1, steps + 1):
        parent = ratcheted_from.get((material, options.ratchet_salt, options.kdf))
        if parent is None:
            return 0
        if parent == ancestor:
            return depth
        material = parent
    return 0
