"""The translator between FFI protocol versions, on the real descriptors of livekit releases
(tests/versions/protocols.tar.xz) and lkemu's own (livekit 1.2.1's).

Requests go from the SDK's version to lkemu's, responses and events the other way; kinds
that read alike in that direction pass untouched, the others are decoded with the writer's
descriptors and re-encoded with the reader's, by field name.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import DecodeError

from lkemu.bindings.versions import Bridge, ProtocolAdapter, leading_field
from lkemu.bindings.versions.support import NEWEST, OLDEST, is_supported, release
from lkemu.bindings.versions.translate import enum_of, message_of
from lkemu.proto import (
    data_track_pb2,
    e2ee_pb2,
    ffi_pb2,
    participant_pb2,
    room_pb2,
    track_pb2,
    video_frame_pb2,
)
from tests.versions.protocols import adapter, message, pool, versions


def _room_event(fill: Any) -> bytes:
    event = ffi_pb2.FfiEvent()
    event.room_event.room_handle = 3
    fill(event.room_event)
    return event.SerializeToString()


def _participant(info: participant_pb2.ParticipantInfo) -> None:
    info.sid, info.name, info.identity = "PA_1", "User", "user"
    info.state = participant_pb2.PARTICIPANT_STATE_ACTIVE
    info.metadata = "the metadata"
    info.attributes.update({"lk.agent.state": "listening", "x": "y"})
    info.kind = participant_pb2.PARTICIPANT_KIND_AGENT
    info.disconnect_reason = participant_pb2.ROOM_DELETED
    info.joined_at = 1_700_000_000
    info.client_protocol = 2
    info.kind_details.append(participant_pb2.PARTICIPANT_KIND_DETAIL_FORWARDED)
    info.permission.CopyFrom(
        participant_pb2.ParticipantPermission(
            can_subscribe=True, can_publish=True, can_publish_data=False, hidden=False,
            can_update_metadata=True, can_subscribe_metrics=False, can_manage_agent_session=True,
        )
    )  # fmt: skip
    info.permission.can_publish_sources.append(track_pb2.SOURCE_MICROPHONE)


def _connected(room_event: room_pb2.RoomEvent) -> None:
    owned = room_event.participant_connected.info
    owned.handle.id = 42
    _participant(owned.info)


# --- the supported range and the snapshot -------------------------------------------------


def test_the_snapshot_holds_every_release_of_the_range() -> None:
    held = versions()
    assert held[0] == OLDEST and held[-1] == NEWEST
    assert all(is_supported(v) for v in held)
    # livekit-agents' pins are all there
    for pinned in ("1.0.23", "1.0.25", "1.1.2", "1.1.5", "1.1.8", "1.1.13", "1.1.14", "1.1.21"):
        assert pinned in held


def test_releases_from_1_1_20_need_no_translation() -> None:
    """Their protocols differ from 1.2.1's only by what lkemu may write and they ignore
    (screen capture), so every kind passes untouched."""
    for version in versions():
        translates = adapter(version).translates()
        assert translates == (release(version) < (1, 1, 20)), version


def test_every_release_carries_the_hot_path_untouched() -> None:
    """Audio capture and audio stream events are the same bytes on every release."""
    for version in versions():
        routes = adapter(version).routes()
        for kind in ("capture_audio_frame", "new_audio_stream", "new_audio_resampler"):
            assert kind not in routes["request"] and kind not in routes["response"], version
        for kind in ("audio_stream_event", "capture_audio_frame", "logs"):
            assert kind not in routes["event"], version


def test_differences_are_exactly_the_known_ones() -> None:
    """Renames (matched by number), conversions and fills, over all releases: a new one
    must be looked at (and added here), never pass by accident."""
    renamed, converted, filled, unconvertible = set(), set(), set(), set()
    for version in versions():
        for direction, differences in adapter(version).differences().items():
            for difference in differences:
                entry = (direction, difference.where, difference.what)
                if "renamed" in difference.what:
                    renamed.add(entry)
                elif difference.what.startswith("converted"):
                    converted.add(entry)
                elif difference.what.startswith(("filled", "set to")):
                    filled.add(entry)
                elif difference.what == "dropped (no conversion)":
                    unconvertible.add(entry)
    assert renamed == {
        ("event", "TrackPublicationInfo.frame_metadata_features",
         "renamed packet_trailer_features"),
        ("event", "TrackPublicationInfo.frame_metadata_features=FMF_FRAME_ID",
         "value renamed PTF_FRAME_ID"),
        ("event", "TrackPublicationInfo.frame_metadata_features=FMF_USER_TIMESTAMP",
         "value renamed PTF_USER_TIMESTAMP"),
    }  # fmt: skip
    assert converted == {
        ("event", "DataTrackStreamEOS.error", "converted SubscribeDataTrackError -> string")
    }
    assert filled == {
        ("request", "KeyProviderOptions.key_ring_size", "filled with 16"),
        ("request", "KeyProviderOptions.key_derivation_function", "filled with 0"),
        ("request", "RoomOptions.data_stream",
         "set to {'use_legacy_client_implementation': True}"),
    }  # fmt: skip
    assert unconvertible == set()


# --- a renumbered field crosses both ways ---------------------------------------------------


def test_a_renumbered_field_reaches_an_older_sdk() -> None:
    """livekit 1.1.4 renumbered ParticipantInfo 4-9: an event lkemu writes reads right in
    1.1.3 only translated (untouched, its metadata would land in another field)."""
    payload = _room_event(_connected)
    Event = message("1.1.3", "FfiEvent")
    with pytest.raises(DecodeError):  # why it cannot pass untouched (attributes is 5 there)
        Event.FromString(payload)

    translated = adapter("1.1.3").event(payload)
    assert translated is not None
    event = Event.FromString(translated)
    assert event.IsInitialized()
    info = event.room_event.participant_connected.info.info
    assert (info.sid, info.name, info.identity, info.metadata) == (
        "PA_1", "User", "user", "the metadata",
    )  # fmt: skip
    assert dict(info.attributes) == {"lk.agent.state": "listening", "x": "y"}
    kinds = pool("1.1.3").FindEnumTypeByName("livekit.proto.ParticipantKind")
    assert info.kind == kinds.values_by_name["PARTICIPANT_KIND_AGENT"].number
    assert info.disconnect_reason == participant_pb2.ROOM_DELETED  # same number there
    assert list(info.kind_details) == [participant_pb2.PARTICIPANT_KIND_DETAIL_FORWARDED]
    assert info.permission.can_publish is True
    assert event.room_event.participant_connected.info.handle.id == 42


def test_a_renumbered_field_reaches_lkemu_from_an_older_sdk() -> None:
    """The same message the other way, and the fields lkemu requires that 1.1.3 lacks
    (state, joined_at, client_protocol) filled with zero values."""
    Info = message("1.1.3", "ParticipantInfo")
    old = Info(sid="PA_2", name="N", identity="caller", metadata="m", kind=3,
               disconnect_reason=participant_pb2.ROOM_DELETED)  # fmt: skip
    old.attributes["k"] = "v"
    old.kind_details.append(participant_pb2.PARTICIPANT_KIND_DETAIL_CLOUD_AGENT)
    plan = Bridge().plan(
        Info.DESCRIPTOR, cast(Descriptor, participant_pb2.ParticipantInfo.DESCRIPTOR)
    )
    ours = plan.convert(old)
    assert ours.IsInitialized()
    assert (ours.sid, ours.identity, ours.metadata, dict(ours.attributes)) == (
        "PA_2", "caller", "m", {"k": "v"},
    )  # fmt: skip
    assert ours.kind == participant_pb2.PARTICIPANT_KIND_SIP
    assert list(ours.kind_details) == [participant_pb2.PARTICIPANT_KIND_DETAIL_CLOUD_AGENT]
    assert (ours.state, ours.joined_at, ours.client_protocol) == (0, 0, 0)
    assert ours.HasField("state") and ours.HasField("client_protocol")


# --- required fields one side lacks ----------------------------------------------------------


def test_required_fields_an_older_sdk_cannot_send_are_filled_as_its_core_did() -> None:
    """livekit 1.1.3 made key_ring_size and key_derivation_function required; 1.1.2's core
    left them to webrtc's defaults: a ring of 16 keys, PBKDF2."""
    Request = message("1.1.2", "FfiRequest")
    old = Request()
    old.connect.url, old.connect.token = "ws://lkemu", "token"
    e2ee = old.connect.options.e2ee
    e2ee.encryption_type = e2ee_pb2.GCM
    keys = e2ee.key_provider_options
    keys.shared_key, keys.ratchet_window_size, keys.failure_tolerance = b"k", 8, -1
    keys.ratchet_salt = b"salt"
    data, ours = adapter("1.1.2").request(old.SerializeToString())
    assert ours is not None and ours.IsInitialized()
    assert ffi_pb2.FfiRequest.FromString(data) == ours
    got = ours.connect.options.e2ee.key_provider_options
    assert (got.shared_key, got.ratchet_window_size, got.ratchet_salt, got.failure_tolerance) == (
        b"k", 8, b"salt", -1,
    )  # fmt: skip
    assert (got.key_ring_size, got.key_derivation_function) == (16, e2ee_pb2.PBKDF2)
    assert ours.connect.options.e2ee.encryption_type == e2ee_pb2.GCM
    # its SDK reads data streams itself: its participant advertises no data streams v2
    assert ours.connect.options.data_stream.use_legacy_client_implementation is True


def test_an_sdk_that_sends_what_lkemu_requires_passes_untouched() -> None:
    Request = message("1.1.14", "FfiRequest")
    old = Request()
    old.connect.url, old.connect.token = "ws://lkemu", "token"
    old.connect.options.data_stream.use_legacy_client_implementation = True
    raw = old.SerializeToString()
    data, decoded = adapter("1.1.14").request(raw)
    assert data is raw and decoded is None


# --- enum values renamed or removed -----------------------------------------------------------


def test_a_renamed_enum_type_and_values_pass_by_number() -> None:
    """livekit 1.1.12 renamed PacketTrailerFeature (PTF_*) to FrameMetadataFeature (FMF_*)
    and packet_trailer_features to frame_metadata_features, numbers kept."""
    Request = message("1.1.10", "FfiRequest")
    old = Request()
    old.publish_track.track_handle, old.publish_track.local_participant_handle = 1, 2
    # PTF_FRAME_ID, PTF_USER_TIMESTAMP
    old.publish_track.options.packet_trailer_features.extend([1, 0])
    raw = old.SerializeToString()
    data, decoded = adapter("1.1.10").request(raw)
    assert data is raw and decoded is None  # the same wire: untouched
    ours = ffi_pb2.FfiRequest.FromString(data)
    assert list(ours.publish_track.options.frame_metadata_features) == [
        track_pb2.FMF_FRAME_ID, track_pb2.FMF_USER_TIMESTAMP,
    ]  # fmt: skip

    # lkemu's FMF_USER_DATA (1.1.13) has no counterpart in 1.1.10: left out
    event = ffi_pb2.FfiEvent()
    event.publish_track.async_id = 7
    event.publish_track.publication.handle.id = 8
    info = event.publish_track.publication.info
    info.sid, info.name, info.kind = "TR_1", "mic", track_pb2.KIND_VIDEO
    info.source = track_pb2.SOURCE_CAMERA
    info.simulcasted, info.width, info.height, info.mime_type = False, 64, 48, "video/vp8"
    info.muted, info.remote = False, False
    info.encryption_type = e2ee_pb2.NONE
    info.frame_metadata_features.extend(
        [track_pb2.FMF_USER_TIMESTAMP, track_pb2.FMF_USER_DATA, track_pb2.FMF_FRAME_ID]
    )
    translated = adapter("1.1.10").event(event.SerializeToString())
    assert translated is not None
    old_info = message("1.1.10", "FfiEvent").FromString(translated).publish_track.publication.info
    assert list(old_info.packet_trailer_features) == [0, 1]
    assert (old_info.sid, old_info.width, old_info.mime_type) == ("TR_1", 64, "video/vp8")


def test_an_enum_value_lkemu_removed_leaves_the_field_unset() -> None:
    """livekit 1.1.14 removed DEGRADATION_PREFERENCE_DISABLED: a 1.1.13 request asking for
    it reaches lkemu as a proto2 reader would read an unknown value (unset); the others
    cross."""
    Request = message("1.1.13", "FfiRequest")
    values = pool("1.1.13").FindEnumTypeByName("livekit.proto.DegradationPreference")
    for name, expected in (
        ("DEGRADATION_PREFERENCE_DISABLED", None),
        ("DEGRADATION_PREFERENCE_MAINTAIN_RESOLUTION",
         "DEGRADATION_PREFERENCE_MAINTAIN_RESOLUTION"),
    ):  # fmt: skip
        old = Request()
        old.publish_track.track_handle, old.publish_track.local_participant_handle = 1, 2
        old.publish_track.options.degradation_preference = values.values_by_name[name].number
        _, ours = adapter("1.1.13").request(old.SerializeToString())
        assert ours is not None
        options = ours.publish_track.options
        if expected is None:
            assert not options.HasField("degradation_preference")
        else:
            assert room_pb2.DegradationPreference.Name(options.degradation_preference) == expected


def test_an_enum_value_an_older_sdk_lacks_becomes_its_default() -> None:
    """A required enum with a value the SDK's version does not have reads as its default,
    as prost's accessor gives an unknown value: PARTICIPANT_KIND_BRIDGE (new in 1.1.2) in
    1.0.25, AGENT_ERROR (new in 1.1.3) in 1.1.2."""

    def bridge(room_event: room_pb2.RoomEvent) -> None:
        _connected(room_event)
        info = room_event.participant_connected.info.info
        info.kind = participant_pb2.PARTICIPANT_KIND_BRIDGE
        info.disconnect_reason = participant_pb2.AGENT_ERROR

    for version, kind in (("1.0.25", 0), ("1.1.2", participant_pb2.PARTICIPANT_KIND_BRIDGE)):
        translated = adapter(version).event(_room_event(bridge))
        assert translated is not None
        event = message(version, "FfiEvent").FromString(translated)
        info = event.room_event.participant_connected.info.info
        assert info.HasField("kind") and info.kind == kind  # 0: PARTICIPANT_KIND_STANDARD
        assert info.HasField("disconnect_reason") and info.disconnect_reason == 0  # UNKNOWN
        assert info.identity == "user"

    def disconnected(room_event: room_pb2.RoomEvent) -> None:
        room_event.participant_disconnected.participant_identity = "user"
        room_event.participant_disconnected.disconnect_reason = participant_pb2.AGENT_ERROR

    translated = adapter("1.1.2").event(_room_event(disconnected))
    assert translated is not None
    gone = message("1.1.2", "FfiEvent").FromString(translated).room_event
    assert gone.participant_disconnected.participant_identity == "user"
    assert gone.participant_disconnected.disconnect_reason == 0


# --- a type change, and what an older SDK cannot express --------------------------------------


def test_a_message_that_was_a_string_crosses_as_its_text() -> None:
    """livekit 1.1.8 made DataTrackStreamEOS.error a SubscribeDataTrackError; 1.1.5's core
    sent the error's text, which is now its `message`."""
    event = ffi_pb2.FfiEvent()
    event.data_track_stream_event.stream_handle = 9
    error = event.data_track_stream_event.eos.error
    error.code = data_track_pb2.SUBSCRIBE_DATA_TRACK_ERROR_CODE_TIMEOUT
    error.message = "subscription timed out"
    translated = adapter("1.1.5").event(event.SerializeToString())
    assert translated is not None
    eos = message("1.1.5", "FfiEvent").FromString(translated).data_track_stream_event
    assert eos.stream_handle == 9 and eos.eos.error == "subscription timed out"

    event.data_track_stream_event.eos.ClearField("error")  # ended normally
    translated = adapter("1.1.5").event(event.SerializeToString())
    assert translated is not None
    eos = message("1.1.5", "FfiEvent").FromString(translated).data_track_stream_event
    assert eos.HasField("eos") and not eos.eos.HasField("error")


def test_events_an_older_sdk_cannot_express_never_reach_it() -> None:
    def active(room_event: room_pb2.RoomEvent) -> None:
        room_event.participant_active.participant_identity = "user"

    assert adapter("1.1.3").event(_room_event(active)) is None  # participant_active: 1.1.4
    assert adapter("1.1.4").event(_room_event(active)) is not None
    capture = ffi_pb2.FfiEvent()
    capture.capture_source_event.capture_handle = 1
    capture.capture_source_event.finished.SetInParent()
    assert adapter("1.1.17").event(capture.SerializePartialToString()) is None  # capture: 1.1.20


def test_kinds_that_read_alike_pass_as_the_same_object() -> None:
    event = ffi_pb2.FfiEvent()
    frame = event.audio_stream_event.frame_received.frame
    event.audio_stream_event.stream_handle = 5
    frame.handle.id = 6
    frame.info.data_ptr, frame.info.num_channels = 1 << 40, 1
    frame.info.sample_rate, frame.info.samples_per_channel = 48000, 480
    payload = event.SerializeToString()
    video = ffi_pb2.FfiEvent()
    video.video_stream_event.stream_handle = 5
    received = video.video_stream_event.frame_received
    received.buffer.handle.id = 7
    info = received.buffer.info
    info.type, info.width, info.height, info.data_ptr = video_frame_pb2.RGBA, 2, 2, 1 << 40
    received.timestamp_us, received.rotation = 5, video_frame_pb2.VIDEO_ROTATION_0
    received.metadata.user_timestamp = 3  # unknown before 1.1.8: ignored there
    for version in versions():
        assert adapter(version).event(payload) is payload
        assert adapter(version).event(video.SerializeToString()) is not None


def test_leading_field_reads_one_two_and_three_byte_keys() -> None:
    assert leading_field(b"") == 0
    for number in (1, 15, 16, 70, 2047, 2048, 100_000):
        event = ffi_pb2.FfiEvent()
        key = (number << 3) | 2
        encoded = bytearray()
        while True:
            byte, key = key & 0x7F, key >> 7
            encoded.append(byte | (0x80 if key else 0))
            if not key:
                break
        assert leading_field(bytes(encoded) + b"\x00") == number
        del event
    request = ffi_pb2.FfiRequest()
    request.capture_audio_frame.source_handle = 1
    number = ffi_pb2.FfiRequest.DESCRIPTOR.fields_by_name["capture_audio_frame"].number
    assert leading_field(request.SerializePartialToString()) == number


# --- no data loss, on random messages of every translated kind --------------------------------

_RNG_SEED = 20261124
_INT_LIMITS = {
    FieldDescriptor.TYPE_INT32: 2**31, FieldDescriptor.TYPE_SINT32: 2**31,
    FieldDescriptor.TYPE_SFIXED32: 2**31, FieldDescriptor.TYPE_UINT32: 2**32,
    FieldDescriptor.TYPE_FIXED32: 2**32, FieldDescriptor.TYPE_INT64: 2**63,
    FieldDescriptor.TYPE_SINT64: 2**63, FieldDescriptor.TYPE_SFIXED64: 2**63,
    FieldDescriptor.TYPE_UINT64: 2**64, FieldDescriptor.TYPE_FIXED64: 2**64,
}  # fmt: skip
_SIGNED = {
    FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SFIXED32,
    FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_SINT64, FieldDescriptor.TYPE_SFIXED64,
}  # fmt: skip


def _is_repeated(f: FieldDescriptor) -> bool:
    return bool(f.is_repeated) if hasattr(f, "is_repeated") else f.label == 3  # type: ignore[attr-defined,unused-ignore]


def _is_required(f: FieldDescriptor) -> bool:
    return bool(f.is_required) if hasattr(f, "is_required") else f.label == 2  # type: ignore[attr-defined,unused-ignore]


def _value(f: FieldDescriptor, rng: Any) -> Any:
    if f.type == FieldDescriptor.TYPE_ENUM:
        return rng.choice([v.number for v in enum_of(f).values])
    if f.type == FieldDescriptor.TYPE_BOOL:
        return rng.random() < 0.5
    if f.type == FieldDescriptor.TYPE_STRING:
        return rng.choice(["", "a", "é€", "lk.chat", "x" * 40])
    if f.type == FieldDescriptor.TYPE_BYTES:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(5)))
    if f.type in (FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE):
        return float(rng.randrange(-1000, 1000)) / 4
    limit = _INT_LIMITS[f.type]
    return rng.randrange(-limit, limit) if f.type in _SIGNED else rng.randrange(limit)


def _fill(msg: Any, rng: Any, depth: int = 0, member: str | None = None) -> None:
    """Every field of `msg` set at random: one member of each oneof (`member` if given),
    up to 2 repetitions."""
    descriptor = msg.DESCRIPTOR
    chosen = {o.name: rng.choice(o.fields) for o in descriptor.oneofs}
    if member is not None:
        forced = descriptor.fields_by_name[member]
        chosen[forced.containing_oneof.name] = forced
    for f in descriptor.fields:
        if f.containing_oneof is not None and chosen[f.containing_oneof.name] is not f:
            continue
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            value_field = f.message_type.fields_by_name["value"]
            for _ in range(rng.randrange(3)):
                key = _value(f.message_type.fields_by_name["key"], rng)
                if value_field.message_type is None:
                    getattr(msg, f.name)[key] = _value(value_field, rng)
                elif depth < 5:
                    _fill(getattr(msg, f.name)[key], rng, depth + 1)
        elif f.message_type is not None:
            if depth >= 5:
                continue
            if _is_repeated(f):
                for _ in range(rng.randrange(3)):
                    _fill(getattr(msg, f.name).add(), rng, depth + 1)
            else:
                getattr(msg, f.name).SetInParent()
                _fill(getattr(msg, f.name), rng, depth + 1)
        elif _is_repeated(f):
            getattr(msg, f.name).extend(_value(f, rng) for _ in range(rng.randrange(3)))
        else:
            setattr(msg, f.name, _value(f, rng))


RENAMES = {"packet_trailer_features": "frame_metadata_features"}
RENAMES.update({new: old for old, new in RENAMES.items()})


def _counterpart(descriptor: Any, name: str) -> Any:
    fields = descriptor.fields_by_name
    return fields.get(name) or fields.get(RENAMES.get(name, ""))


def _enum_name(f: FieldDescriptor, number: int) -> str:
    return str(enum_of(f).values_by_number[number].name).replace("PTF_", "FMF_")


def _assert_carried(src: Any, dst: Any, where: str) -> None:
    """Every field `src` set that `dst`'s type also has (by name) carries its value:
    written independently of the translator, by names only."""
    for f, value in src.ListFields():
        g = _counterpart(dst.DESCRIPTOR, f.name)
        here = f"{where}.{f.name}"
        if g is None:
            continue
        got = getattr(dst, g.name)
        if f.type == FieldDescriptor.TYPE_MESSAGE and g.type == FieldDescriptor.TYPE_STRING:
            assert got == value.message, here
        elif f.type == FieldDescriptor.TYPE_MESSAGE and f.message_type.GetOptions().map_entry:
            if f.message_type.fields_by_name["value"].message_type is None:
                assert dict(got) == dict(value), here
            else:
                assert set(got) == set(value), here
                for key in value:
                    _assert_carried(value[key], got[key], f"{here}[{key}]")
        elif f.type == FieldDescriptor.TYPE_MESSAGE:
            if _is_repeated(f):
                assert len(got) == len(value), here
                for index, (a, b) in enumerate(zip(value, got, strict=True)):
                    _assert_carried(a, b, f"{here}[{index}]")
            else:
                assert dst.HasField(g.name), here
                _assert_carried(value, got, here)
        elif f.type == FieldDescriptor.TYPE_ENUM:
            names = {_enum_name(g, v.number) for v in g.enum_type.values}
            if _is_repeated(f):
                expected = [_enum_name(f, v) for v in value if _enum_name(f, v) in names]
                assert [_enum_name(g, v) for v in got] == expected, here
            elif _enum_name(f, value) in names:
                assert _enum_name(g, got) == _enum_name(f, value), here
            elif _is_required(g):  # unknown to the reader: its default if required
                assert dst.HasField(g.name) and got == g.default_value, here
            else:  # else unset
                assert not dst.HasField(g.name), here
        else:
            assert list(got) == list(value) if _is_repeated(f) else got == value, here


@pytest.mark.parametrize("version", ["1.0.23", "1.0.25", "1.1.2", "1.1.3", "1.1.5", "1.1.8",
                                     "1.1.10", "1.1.13", "1.1.14", "1.1.17"])  # fmt: skip
def test_random_messages_of_every_translated_kind_lose_nothing_both_sides_have(
    version: str,
) -> None:
    import random

    rng = random.Random(f"{_RNG_SEED}-{version}")
    translator: ProtocolAdapter = adapter(version)
    routes = translator.routes()
    checked = dropped = 0
    for direction, kinds in routes.items():
        for kind, route in kinds.items():
            if route != "translated":
                continue
            if direction == "request":
                Top, Reader = message(version, "FfiRequest"), ffi_pb2.FfiRequest
            elif direction == "response":
                Top, Reader = ffi_pb2.FfiResponse, message(version, "FfiResponse")
            else:
                Top, Reader = ffi_pb2.FfiEvent, message(version, "FfiEvent")
            inner = Top.DESCRIPTOR.fields_by_name[kind].message_type
            members = [f.name for o in inner.oneofs for f in o.fields] or [None]
            for member in members * 3:  # every member of its oneofs, three times
                source = Top()
                getattr(source, kind).SetInParent()
                _fill(getattr(source, kind), rng, member=member)
                data = source.SerializePartialToString()
                if direction == "request":
                    out, _ = translator.request(data)
                elif direction == "response":
                    out = translator.response(data)
                else:
                    maybe = translator.event(data)
                    if maybe is None:  # dropped: the member chosen is unknown to the SDK
                        field = cast(FieldDescriptor, Reader.DESCRIPTOR.fields_by_name[kind])
                        sdk_kind = message_of(field)
                        assert member not in sdk_kind.fields_by_name, (version, kind, member)
                        dropped += 1
                        continue
                    out = maybe
                read = Reader.FromString(out)
                assert read.IsInitialized(), (version, kind)
                _assert_carried(source, read, f"{version} {direction} {kind}")
                checked += 1
    assert checked > dropped
