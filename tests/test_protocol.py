"""lkemu's FFI protocol is wire-identical to livekit 1.2.1's."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from google.protobuf import descriptor_pb2

pytest.importorskip("livekit.rtc._proto.ffi_pb2", reason="livekit (parity extra) not installed")

from livekit.rtc._proto import audio_frame_pb2 as upstream_audio
from livekit.rtc._proto import ffi_pb2 as upstream_ffi

from lkemu.proto import ffi_pb2
from tools.protocol_diff import file_diff, protocol_pairs


def _count_messages(messages: list[descriptor_pb2.DescriptorProto]) -> int:
    return sum(
        0 if m.options.map_entry else 1 + _count_messages(list(m.nested_type)) for m in messages
    )


def test_every_file_matches_livekit_field_by_field() -> None:
    pairs = protocol_pairs()
    assert len(pairs) == 14
    problems = [p for ours, theirs in pairs for p in file_diff(ours, theirs)]
    assert problems == []


def test_protocol_sizes() -> None:
    pairs = protocol_pairs()
    assert sum(len(ours.message_type) for ours, _ in pairs) == 412  # top-level messages
    assert sum(_count_messages(list(ours.message_type)) for ours, _ in pairs) == 437
    fields = {
        name: len(ffi_pb2.DESCRIPTOR.message_types_by_name[name].fields)
        for name in ("FfiRequest", "FfiResponse", "FfiEvent")
    }
    assert fields == {"FfiRequest": 90, "FfiResponse": 89, "FfiEvent": 47}


def test_own_package_and_file_names_so_both_load_in_one_process() -> None:
    assert ffi_pb2.DESCRIPTOR.package == "lkemu.ffi"
    assert ffi_pb2.DESCRIPTOR.name == "lkemu/proto/ffi.proto"
    assert upstream_ffi.DESCRIPTOR.package == "livekit.proto"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda fd: setattr(fd.message_type[0].field[0], "number", 99),
        lambda fd: setattr(fd.message_type[0].field[0], "type", 9),
        lambda fd: fd.message_type[0].field.pop(),
    ],
    ids=["field-number", "field-type", "missing-field"],
)
def test_comparison_catches_a_changed_field(
    mutate: Callable[[descriptor_pb2.FileDescriptorProto], object],
) -> None:
    ours, theirs = next((o, t) for o, t in protocol_pairs() if t.name == "audio_frame.proto")
    mutated = descriptor_pb2.FileDescriptorProto()
    mutated.CopyFrom(ours)
    mutate(mutated)
    assert file_diff(mutated, theirs) != []


def test_bytes_cross_both_ways_unchanged() -> None:
    theirs = upstream_ffi.FfiRequest()
    theirs.new_audio_stream.track_handle = 7
    theirs.new_audio_stream.type = upstream_audio.AUDIO_STREAM_NATIVE
    theirs.new_audio_stream.sample_rate = 16000
    theirs.new_audio_stream.num_channels = 1
    theirs.new_audio_stream.frame_size_ms = 20
    theirs.new_audio_stream.audio_filter_module_id = "nc"
    theirs.new_audio_stream.audio_filter_options = '{"modelPath": "x"}'
    wire = theirs.SerializeToString()
    ours = ffi_pb2.FfiRequest.FromString(wire)
    assert ours.new_audio_stream.frame_size_ms == 20
    assert ours.new_audio_stream.audio_filter_options == '{"modelPath": "x"}'
    assert ours.SerializeToString() == wire

    theirs = upstream_ffi.FfiRequest()
    theirs.capture_audio_frame.source_handle = 3
    theirs.capture_audio_frame.buffer.data_ptr = 0xDEADBEEF
    theirs.capture_audio_frame.buffer.num_channels = 2
    theirs.capture_audio_frame.buffer.sample_rate = 48000
    theirs.capture_audio_frame.buffer.samples_per_channel = 480
    theirs.capture_audio_frame.request_async_id = 42
    wire = theirs.SerializeToString()
    ours = ffi_pb2.FfiRequest.FromString(wire)
    assert ours.capture_audio_frame.request_async_id == 42
    assert ours.capture_audio_frame.buffer.data_ptr == 0xDEADBEEF
    assert ours.SerializeToString() == wire


def test_generated_code_is_current() -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, str(root / "tools" / "sync_protocol.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
