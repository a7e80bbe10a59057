"""Encoded video sources: their refusals (compared with native livekit 1.2.1's), what a local
stream gets of an access unit, and a pre-encoded publication's pass-through encoder: what
subscribers receive and the feedback it gives the source."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from lkemu.engine.core import dispatch
from lkemu.engine.core.memory import Memory
from lkemu.engine.core.runtime import EngineRuntime
from lkemu.engine.core.session import Session
from lkemu.engine.rooms import simulcast
from lkemu.engine.video.layers import MIME_TYPES
from lkemu.proto import engine_pb2, ffi_pb2, room_pb2, track_pb2, video_frame_pb2
from tests.native import run_native

from .conftest import INPUT_ADDRESS, request_of, run, settle
from .video_peers import VideoPeer, i420_planes, pair, subscribed_track

H264 = video_frame_pb2.H264
PRE_ENCODED = room_pb2.ENCODER_BACKEND_PRE_ENCODED


@pytest.fixture(autouse=True)
def _development_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("LIVEKIT_API_KEY", raising=False)
    monkeypatch.delenv("LIVEKIT_API_SECRET", raising=False)
    yield


def _source(runtime: EngineRuntime, session: Session, kind: int, size: int = 64) -> int:
    request = request_of("new_video_source", type=kind, resolution={"width": size, "height": size})
    response = run(runtime, session, request)
    assert response.source.info.type == kind
    handle: int = response.source.handle.id
    return handle


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _unknown_enum(request: ffi_pb2.FfiRequest, field_number: int, value: int) -> ffi_pb2.FfiRequest:
    """`request` (a capture_encoded_video_frame) with a value its enum field lacks, as a
    client's bytes can carry one."""
    inner = request.capture_encoded_video_frame.SerializePartialToString()
    inner += _varint(field_number << 3) + _varint(value)  # a varint field
    number = ffi_pb2.FfiRequest.DESCRIPTOR.fields_by_name["capture_encoded_video_frame"].number
    outer = _varint(number << 3 | 2) + _varint(len(inner)) + inner  # a length-delimited one
    return ffi_pb2.FfiRequest.FromString(outer)


# The same requests natively: each one's error (the log line's InvalidRequest text) or "ok".
NATIVE_REFUSALS = """
import ctypes, logging, re, time
from livekit.rtc._ffi_client import FfiClient
from livekit.rtc._proto import ffi_pb2, video_frame_pb2 as vf

errors = []
class Catch(logging.Handler):
    def emit(self, record):
        found = re.search(r'InvalidRequest\\("(.*)"\\)', record.getMessage())
        if found:
            errors.append(found.group(1))
logging.getLogger("livekit").addHandler(Catch())
payload = ctypes.create_string_buffer(b"\\x00\\x00\\x00\\x01\\x65abc", 8)

def ask(fill):
    request = ffi_pb2.FfiRequest()
    fill(request)
    before = len(errors)
    try:
        response = FfiClient.instance.request(request)
    except Exception:
        response = None
    for _ in range(100):  # the error log comes through the event callback
        if len(errors) > before or response is not None:
            break
        time.sleep(0.01)
    return errors[-1] if len(errors) > before else "ok"

handles = {}
for name, kind in (("native", vf.VIDEO_SOURCE_NATIVE), ("encoded", vf.VIDEO_SOURCE_ENCODED)):
    request = ffi_pb2.FfiRequest()
    request.new_video_source.type = kind
    request.new_video_source.resolution.width = 64
    request.new_video_source.resolution.height = 64
    handles[name] = FfiClient.instance.request(request).new_video_source.source.handle.id

def capture(handle, width=64, height=64, ptr=None, size=8):
    def fill(r):
        c = r.capture_encoded_video_frame
        c.source_handle = handle
        c.buffer.data_ptr = ctypes.addressof(payload) if ptr is None else ptr
        c.buffer.data_len = size
        c.codec = vf.H264
        c.frame_type = vf.ENCODED_FRAME_KEY
        c.width, c.height, c.timestamp_us = width, height, 1
    return fill

def feedback(handle):
    def fill(r):
        r.take_encoded_video_source_feedback.source_handle = handle
    return fill

frame = (ctypes.c_uint8 * (64 * 64 * 4))()
def raw(handle):
    def fill(r):
        c = r.capture_video_frame
        c.source_handle = handle
        c.buffer.type = vf.RGBA
        c.buffer.width = c.buffer.height = 64
        c.buffer.data_ptr = ctypes.addressof(frame)
        c.buffer.stride = 256
        c.rotation = 0
        c.timestamp_us = 1
    return fill

outputs["results"] = [
    ask(capture(0)),
    ask(feedback(0)),
    ask(capture(handles["native"])),
    ask(feedback(handles["native"])),
    ask(raw(handles["encoded"])),
    ask(capture(handles["encoded"], width=0)),
    ask(capture(handles["encoded"], height=0)),
    ask(capture(handles["encoded"], ptr=0)),
    ask(capture(handles["encoded"], size=0)),
    ask(capture(handles["encoded"])),
    ask(feedback(handles["encoded"])),
]
"""


def _lkemu_refusals(runtime: EngineRuntime, session: Session) -> list[str]:
    native = _source(runtime, session, video_frame_pb2.VIDEO_SOURCE_NATIVE)
    encoded = _source(runtime, session, video_frame_pb2.VIDEO_SOURCE_ENCODED)
    payload = b"\x00\x00\x00\x01\x65abc"

    def capture(
        handle: int, width: int = 64, height: int = 64, ptr: int = INPUT_ADDRESS, size: int = 8
    ) -> tuple[ffi_pb2.FfiRequest, Memory]:
        request = request_of(
            "capture_encoded_video_frame",
            source_handle=handle,
            buffer={"data_ptr": ptr, "data_len": size},
            codec=H264,
            frame_type=video_frame_pb2.ENCODED_FRAME_KEY,
            width=width,
            height=height,
            timestamp_us=1,
        )
        return request, Memory(inputs=[engine_pb2.Blob(address=INPUT_ADDRESS, data=payload)])

    def feedback(handle: int) -> tuple[ffi_pb2.FfiRequest, Memory]:
        return request_of("take_encoded_video_source_feedback", source_handle=handle), Memory()

    rgba = bytes(64 * 64 * 4)
    raw = request_of(
        "capture_video_frame",
        source_handle=encoded,
        buffer={"type": video_frame_pb2.RGBA, "width": 64, "height": 64,
                "data_ptr": INPUT_ADDRESS, "stride": 256},
        timestamp_us=1,
    )  # fmt: skip
    asked = [
        capture(0),
        feedback(0),
        capture(native),
        feedback(native),
        (raw, Memory(inputs=[engine_pb2.Blob(address=INPUT_ADDRESS, data=rgba)])),
        capture(encoded, width=0),
        capture(encoded, height=0),
        capture(encoded, ptr=0),
        capture(encoded, size=0),
        capture(encoded),
        feedback(encoded),
    ]
    results = []
    for request, memory in asked:
        try:
            run(runtime, session, request, memory)
            results.append("ok")
        except dispatch.RequestFailed as failed:
            results.append(failed.message.split(": ", 1)[1])
    return results


async def test_refusals_are_natives(runtime: EngineRuntime, session: Session) -> None:
    ours = _lkemu_refusals(runtime, session)
    assert ours == [
        "handle is invalid",
        "handle is invalid",
        "encoded frames require an encoded video source",
        "encoded feedback requires an encoded video source",
        "raw frames require a native video source",
        "encoded frame dimensions must be non-zero",
        "encoded frame dimensions must be non-zero",
        "encoded frame payload pointer must be non-null",
        "ok",  # an empty access unit is accepted (the encoder drops it later)
        "ok",
        "ok",
    ]
    native = run_native(NATIVE_REFUSALS)
    assert [str(r) for r in native["results"]] == ours


async def test_a_codec_or_frame_type_value_the_enum_lacks_is_refused(
    runtime: EngineRuntime, session: Session
) -> None:
    encoded = _source(runtime, session, video_frame_pb2.VIDEO_SOURCE_ENCODED)
    request = request_of(
        "capture_encoded_video_frame",
        source_handle=encoded,
        buffer={"data_ptr": INPUT_ADDRESS, "data_len": 1},
        width=2,
        height=2,
        timestamp_us=1,
    )
    memory = Memory(inputs=[engine_pb2.Blob(address=INPUT_ADDRESS, data=b"x")])
    for field_number, message in (
        (3, "unknown encoded video codec"),
        (4, "unknown encoded frame type"),
    ):
        with pytest.raises(dispatch.RequestFailed) as failed:
            run(runtime, session, _unknown_enum(request, field_number, 9), memory)
        assert failed.value.message.endswith(message)


async def test_a_local_stream_gets_a_black_frame_of_each_access_units_size(
    runtime: EngineRuntime,
) -> None:
    peer = VideoPeer(runtime, "solo")
    source, track = peer.new_video(640, 360, encoded=True)
    stream = peer.stream(track)
    answer = peer.capture_encoded(
        source, b"\x01\x02", width=322, height=240, timestamp_us=5, metadata={"frame_id": 3}
    )
    assert answer.accepted
    frame = await peer.frame(stream)
    assert (frame.width, frame.height, frame.kind) == (322, 240, video_frame_pb2.I420)
    assert (frame.timestamp_us, frame.metadata) == (5, None)
    y, u, v = frame.planes
    assert (int(y.max()), int(u.min()), int(u.max()), int(v.min())) == (0, 128, 128, 128)


async def _pre_encoded(
    runtime: EngineRuntime, **options: object
) -> tuple[VideoPeer, VideoPeer, int, int, int]:
    """A sender publishing an encoded source pre-encoded in H264 (unless `options` say
    otherwise) and a subscribed receiver: the source, the receiver's stream and its
    remote track."""
    sender, receiver = await pair(runtime, "encoded")
    source, track = sender.new_video(640, 360, encoded=True)
    await sender.publish_video(
        track, video_codec=H264, video_encoder=PRE_ENCODED, simulcast=False, **options
    )
    remote_track, _, info = await subscribed_track(receiver)
    assert (info.mime_type, info.simulcasted) == (MIME_TYPES[H264], False)
    return sender, receiver, source, receiver.stream(remote_track), remote_track


async def test_a_subscriber_decodes_from_the_first_key_frame_with_timestamps_and_metadata(
    runtime: EngineRuntime,
) -> None:
    sender, receiver, source, stream, _ = await _pre_encoded(
        runtime, frame_metadata_features=[track_pb2.FMF_USER_TIMESTAMP]
    )
    sender.capture_encoded(source, b"d0", key=False, timestamp_us=100)  # before any key
    sender.capture_encoded(source, b"k1", key=True, timestamp_us=200,
                           metadata={"user_timestamp": 7, "frame_id": 9})  # fmt: skip
    sender.capture_encoded(source, b"d2", key=False, timestamp_us=300, width=320, height=180)
    first, second = await receiver.frame(stream), await receiver.frame(stream)
    assert (first.timestamp_us, first.width, first.height) == (200, 640, 360)
    assert first.metadata is not None and first.metadata.user_timestamp == 7
    assert not first.metadata.HasField("frame_id")  # not a published feature
    assert (second.timestamp_us, second.width, second.height) == (300, 320, 180)
    assert int(second.planes[0].max()) == 0


async def test_feedback_asks_for_key_frames_and_gives_the_rates(runtime: EngineRuntime) -> None:
    sender, _, source, _, _ = await _pre_encoded(runtime)
    fresh = sender.feedback(source)
    assert not fresh.keyframe_requested and not fresh.HasField("rate_control")
    sender.capture_encoded(source, b"d0", key=False)  # the encoder's first frame should be key
    feedback = sender.feedback(source)
    assert feedback.keyframe_requested
    # its rate target: the encoding's (640x360 in H264: h540's 800 kbps at 25 fps)
    assert (feedback.rate_control.target_bitrate_bps, feedback.rate_control.framerate_fps) == (
        800_000,
        25.0,
    )
    again = sender.feedback(source)  # taken: cleared
    assert not again.keyframe_requested and not again.HasField("rate_control")
    sender.capture_encoded(source, b"k1", key=True)
    sender.capture_encoded(source, b"d2", key=False)
    assert not sender.feedback(source).keyframe_requested
    # a second subscriber joins: the server asks the publisher for a key frame
    late = VideoPeer(runtime, "late")
    await late.connect("encoded")  # told of the publication in its connect callback
    await late.event("track_subscribed")
    sender.capture_encoded(source, b"d3", key=False)
    assert sender.feedback(source).keyframe_requested
    # its decoder waits for a key frame, asking again at each delta frame
    sender.capture_encoded(source, b"d4", key=False)
    assert sender.feedback(source).keyframe_requested
    sender.capture_encoded(source, b"k5", key=True)
    sender.capture_encoded(source, b"d6", key=False)
    assert not sender.feedback(source).keyframe_requested
    await settle()


async def test_the_encoder_drops_another_codec_and_empty_frames(runtime: EngineRuntime) -> None:
    sender, receiver, source, stream, _ = await _pre_encoded(runtime)
    assert sender.capture_encoded(
        source, b"vp8", codec=video_frame_pb2.VP8, timestamp_us=1
    ).accepted
    assert sender.capture_encoded(source, b"", timestamp_us=2).accepted
    sender.capture_encoded(source, b"h264", timestamp_us=3)
    frame = await receiver.frame(stream)
    assert frame.timestamp_us == 3


async def test_raw_frames_never_pass_a_pre_encoded_sender(runtime: EngineRuntime) -> None:
    sender, receiver = await pair(runtime, "raw")
    source, track = sender.new_video(64, 64)
    await sender.publish_video(track, video_encoder=PRE_ENCODED, simulcast=False)
    remote_track, _, _ = await subscribed_track(receiver)
    stream = receiver.stream(remote_track)
    sender.capture(source, i420_planes(64, 64), timestamp_us=1)
    await settle()
    other_source, other = sender.new_video(64, 64)
    await sender.publish_video(other, simulcast=False)  # an ordinary sender, for contrast
    other_remote, _, _ = await subscribed_track(receiver)
    other_stream = receiver.stream(other_remote)
    sender.capture(other_source, i420_planes(64, 64), timestamp_us=2)
    frame = await receiver.frame(other_stream)
    assert frame.timestamp_us == 2
    assert not [r for r in _queued_frames(receiver) if r.video_stream_event.stream_handle == stream]


def _queued_frames(peer: VideoPeer) -> list[ffi_pb2.FfiEvent]:
    from .conftest import queued_events

    return [r.event for r in queued_events(peer.session) if r.event.HasField("video_stream_event")]


async def test_an_encoded_source_on_another_backend_sends_black_at_each_layer(
    runtime: EngineRuntime,
) -> None:
    sender, receiver = await pair(runtime, "black")
    source, track = sender.new_video(1280, 720, encoded=True)
    await sender.publish_video(track, video_codec=H264)  # a real encoder, simulcast
    remote_track, _, info = await subscribed_track(receiver)
    assert info.simulcasted
    stream = receiver.stream(remote_track)
    sender.capture_encoded(source, b"d", key=False, width=1280, height=720, timestamp_us=1)
    frame = await receiver.frame(stream)
    assert (frame.width, frame.height, int(frame.planes[0].max())) == (1280, 720, 0)
    assert np.all(frame.planes[1] == 128)
    assert not sender.feedback(source).keyframe_requested  # no pass-through encoder


async def test_the_control_service_feeds_back_to_a_pre_encoded_publication(
    runtime: EngineRuntime,
) -> None:
    sender, _, source, _, _ = await _pre_encoded(runtime)
    _, raw = sender.new_video(64, 64)
    raw_publication = await sender.publish_video(raw, simulcast=False)
    sender.capture_encoded(source, b"k0", key=True)
    sender.feedback(source)

    def feedback(**fields: object) -> str:
        request = engine_pb2.SendEncoderFeedbackRequest(room="encoded", identity="sender")
        for name, value in fields.items():
            setattr(request, name, value)
        return simulcast.send_encoder_feedback(runtime, request)

    for fields, refusal in (
        ({"room": "nowhere"}, "no room named 'nowhere'"),
        ({"identity": "nobody"}, "no participant 'nobody' in room 'encoded'"),
        ({"target_bitrate_bps": 1}, "target_bitrate_bps and framerate_fps are set together"),
        ({"target_bitrate_bps": 0, "framerate_fps": 1.0}, "target_bitrate_bps must be at least 1"),
        ({"track_sid": raw_publication.info.sid}, "is not a pre-encoded video publication"),
        ({"track_sid": "TR_none"}, "publishes no track 'TR_none'"),
    ):
        with pytest.raises(simulcast.FeedbackRefused, match=refusal):
            feedback(**fields)
    sid = feedback(keyframe=True, target_bitrate_bps=300_000, framerate_fps=10.0)
    assert sid.startswith("TR_") and sid != raw_publication.info.sid
    untouched = sender.feedback(source)
    assert not untouched.keyframe_requested and not untouched.HasField("rate_control")
    sender.capture_encoded(source, b"d1", key=False)  # the encoder takes both with it
    heard = sender.feedback(source)
    assert heard.keyframe_requested
    rates = heard.rate_control
    assert (rates.target_bitrate_bps, rates.framerate_fps) == (300_000, 10.0)
