"""What media flows into: the sink contracts that tracks feed (streams, relays into rooms,
speaker meters), and the frame a video sink receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from lkemu.proto import video_frame_pb2

from ..video.layout import VideoImage


class Ending(Protocol):
    def on_end(self) -> None:
        """The track will send nothing more."""


class AudioSink(Ending, Protocol):
    def on_audio(self, chunk: np.ndarray, sample_rate: int, num_channels: int) -> None:
        """A whole number of 10 ms chunks, int16 frames of shape (samples, channels)."""

    def ready(self) -> bool:
        """False while the sink's consumer is behind (the virtual clock then waits)."""


@dataclass
class CapturedFrame:
    image: VideoImage
    timestamp_us: int
    rotation: video_frame_pb2.VideoRotation
    metadata: video_frame_pb2.FrameMetadata | None
    remote: bool = False  # came through a room (its metadata then reaches streams)


class VideoSink(Ending, Protocol):
    def on_frame(self, frame: CapturedFrame) -> None: ...


class MediaSink(AudioSink, VideoSink, Protocol):
    """A sink that takes either kind (relays, participant feeds)."""


class Wakeable(Protocol):
    """A source the virtual clock can wake when a consumer catches up."""

    def wake(self) -> None: ...


class IdleSource:
    """The source of a track that has none (yet): nothing to wake."""

    def wake(self) -> None:
        pass
