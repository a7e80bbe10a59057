"""What the installed livekit SDK can express.

tests/sdk runs on every livekit version of the CI matrix (tests/versions/test_sdk_matrix.py),
not only on 1.2.1. A test that needs an API its version lacks, or that a bug of that
version's own Python code would hang, is skipped there with the reason; everything the
version can express runs.
"""

from __future__ import annotations

import inspect
import re

import pytest
from livekit import rtc
from livekit.rtc._proto import room_pb2, video_frame_pb2
from livekit.rtc.version import __version__ as SDK_VERSION


def _release(version: str) -> tuple[int, ...]:
    match = re.match(r"\d+(?:\.\d+)*", version)
    return tuple(int(part) for part in match.group(0).split(".")) if match else ()


def requires(available: bool, what: str) -> pytest.MarkDecorator:
    """Skip unless the SDK has `what`."""
    return pytest.mark.skipif(not available, reason=f"livekit {SDK_VERSION} has no {what}")


def since(version: str, why: str) -> pytest.MarkDecorator:
    """Skip on SDKs older than `version`, for the reason `why`."""
    return pytest.mark.skipif(
        _release(SDK_VERSION) < _release(version),
        reason=f"livekit {SDK_VERSION} < {version}: {why}",
    )


def _has_parameter(function: object, name: str) -> bool:
    return name in inspect.signature(function).parameters  # type: ignore[arg-type]


HAS_MAX_ROUND_TRIP_LATENCY = _has_parameter(
    rtc.LocalParticipant.perform_rpc, "max_round_trip_latency"
)
HAS_SEND_BYTES = hasattr(rtc.LocalParticipant, "send_bytes")
HAS_STREAM_ERROR = hasattr(rtc, "StreamError")
HAS_PARTICIPANT_STATE = hasattr(rtc, "ParticipantState")
HAS_SIMULATE_SCENARIO = hasattr(rtc.Room, "simulate_scenario")
HAS_FRAME_METADATA = hasattr(video_frame_pb2, "FrameMetadata")
HAS_FRAME_METADATA_FEATURES = (
    "frame_metadata_features" in room_pb2.TrackPublishOptions.DESCRIPTOR.fields_by_name
)
HAS_VIDEO_QUALITY = hasattr(rtc.RemoteTrackPublication, "set_video_quality")
HAS_SCALABILITY_MODE = "scalability_mode" in room_pb2.TrackPublishOptions.DESCRIPTOR.fields_by_name
HAS_ENCODED_VIDEO = hasattr(rtc, "EncodedVideoSource")
