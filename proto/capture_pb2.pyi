from lkemu.proto import handle_pb2 as _handle_pb2
from lkemu.proto import room_pb2 as _room_pb2
from lkemu.proto import video_frame_pb2 as _video_frame_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GstreamerBitrateUnit(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GSTREAMER_BITRATE_UNIT_BPS: _ClassVar[GstreamerBitrateUnit]
    GSTREAMER_BITRATE_UNIT_KBPS: _ClassVar[GstreamerBitrateUnit]

class Pattern(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PATTERN_GRADIENT: _ClassVar[Pattern]
    PATTERN_LOGO: _ClassVar[Pattern]

class CaptureSourceKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAPTURE_SOURCE_PIXEL: _ClassVar[CaptureSourceKind]
    CAPTURE_SOURCE_ENCODED: _ClassVar[CaptureSourceKind]

class CaptureExit(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAPTURE_EXIT_STOPPED: _ClassVar[CaptureExit]
    CAPTURE_EXIT_END_OF_STREAM: _ClassVar[CaptureExit]

class CaptureErrorKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAPTURE_ERROR_KIND_SOURCE: _ClassVar[CaptureErrorKind]
    CAPTURE_ERROR_KIND_RTC: _ClassVar[CaptureErrorKind]
    CAPTURE_ERROR_KIND_PANICKED: _ClassVar[CaptureErrorKind]
GSTREAMER_BITRATE_UNIT_BPS: GstreamerBitrateUnit
GSTREAMER_BITRATE_UNIT_KBPS: GstreamerBitrateUnit
PATTERN_GRADIENT: Pattern
PATTERN_LOGO: Pattern
CAPTURE_SOURCE_PIXEL: CaptureSourceKind
CAPTURE_SOURCE_ENCODED: CaptureSourceKind
CAPTURE_EXIT_STOPPED: CaptureExit
CAPTURE_EXIT_END_OF_STREAM: CaptureExit
CAPTURE_ERROR_KIND_SOURCE: CaptureErrorKind
CAPTURE_ERROR_KIND_RTC: CaptureErrorKind
CAPTURE_ERROR_KIND_PANICKED: CaptureErrorKind

class GstreamerRateControl(_message.Message):
    __slots__ = ("element", "property", "unit")
    ELEMENT_FIELD_NUMBER: _ClassVar[int]
    PROPERTY_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    element: str
    property: str
    unit: GstreamerBitrateUnit
    def __init__(self, element: _Optional[str] = ..., property: _Optional[str] = ..., unit: _Optional[_Union[GstreamerBitrateUnit, str]] = ...) -> None: ...

class GstreamerVideoSourceConfig(_message.Message):
    __slots__ = ("pipeline", "codec", "resolution", "rate_control")
    PIPELINE_FIELD_NUMBER: _ClassVar[int]
    CODEC_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    RATE_CONTROL_FIELD_NUMBER: _ClassVar[int]
    pipeline: str
    codec: _video_frame_pb2.VideoCodec
    resolution: _video_frame_pb2.VideoSourceResolution
    rate_control: GstreamerRateControl
    def __init__(self, pipeline: _Optional[str] = ..., codec: _Optional[_Union[_video_frame_pb2.VideoCodec, str]] = ..., resolution: _Optional[_Union[_video_frame_pb2.VideoSourceResolution, _Mapping]] = ..., rate_control: _Optional[_Union[GstreamerRateControl, _Mapping]] = ...) -> None: ...

class PatternVideoSourceConfig(_message.Message):
    __slots__ = ("resolution", "framerate_fps", "pattern")
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    FRAMERATE_FPS_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    resolution: _video_frame_pb2.VideoSourceResolution
    framerate_fps: int
    pattern: Pattern
    def __init__(self, resolution: _Optional[_Union[_video_frame_pb2.VideoSourceResolution, _Mapping]] = ..., framerate_fps: _Optional[int] = ..., pattern: _Optional[_Union[Pattern, str]] = ...) -> None: ...

class ClockVideoSourceConfig(_message.Message):
    __slots__ = ("resolution", "framerate_fps")
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    FRAMERATE_FPS_FIELD_NUMBER: _ClassVar[int]
    resolution: _video_frame_pb2.VideoSourceResolution
    framerate_fps: int
    def __init__(self, resolution: _Optional[_Union[_video_frame_pb2.VideoSourceResolution, _Mapping]] = ..., framerate_fps: _Optional[int] = ...) -> None: ...

class CaptureSourceInfo(_message.Message):
    __slots__ = ("kind", "resolution", "codec", "recommended_publish_options", "video_source")
    KIND_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    CODEC_FIELD_NUMBER: _ClassVar[int]
    RECOMMENDED_PUBLISH_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    VIDEO_SOURCE_FIELD_NUMBER: _ClassVar[int]
    kind: CaptureSourceKind
    resolution: _video_frame_pb2.VideoSourceResolution
    codec: _video_frame_pb2.VideoCodec
    recommended_publish_options: _room_pb2.TrackPublishOptions
    video_source: _video_frame_pb2.OwnedVideoSource
    def __init__(self, kind: _Optional[_Union[CaptureSourceKind, str]] = ..., resolution: _Optional[_Union[_video_frame_pb2.VideoSourceResolution, _Mapping]] = ..., codec: _Optional[_Union[_video_frame_pb2.VideoCodec, str]] = ..., recommended_publish_options: _Optional[_Union[_room_pb2.TrackPublishOptions, _Mapping]] = ..., video_source: _Optional[_Union[_video_frame_pb2.OwnedVideoSource, _Mapping]] = ...) -> None: ...

class OwnedCaptureSource(_message.Message):
    __slots__ = ("handle", "info")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    info: CaptureSourceInfo
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., info: _Optional[_Union[CaptureSourceInfo, _Mapping]] = ...) -> None: ...

class NewCaptureSourceRequest(_message.Message):
    __slots__ = ("gstreamer", "pattern", "clock", "request_async_id")
    GSTREAMER_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    gstreamer: GstreamerVideoSourceConfig
    pattern: PatternVideoSourceConfig
    clock: ClockVideoSourceConfig
    request_async_id: int
    def __init__(self, gstreamer: _Optional[_Union[GstreamerVideoSourceConfig, _Mapping]] = ..., pattern: _Optional[_Union[PatternVideoSourceConfig, _Mapping]] = ..., clock: _Optional[_Union[ClockVideoSourceConfig, _Mapping]] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class NewCaptureSourceResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class NewCaptureSourceCallback(_message.Message):
    __slots__ = ("async_id", "error", "source")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: str
    source: OwnedCaptureSource
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[str] = ..., source: _Optional[_Union[OwnedCaptureSource, _Mapping]] = ...) -> None: ...

class StartCaptureRequest(_message.Message):
    __slots__ = ("capture_handle",)
    CAPTURE_HANDLE_FIELD_NUMBER: _ClassVar[int]
    capture_handle: int
    def __init__(self, capture_handle: _Optional[int] = ...) -> None: ...

class StartCaptureResponse(_message.Message):
    __slots__ = ("error",)
    ERROR_FIELD_NUMBER: _ClassVar[int]
    error: str
    def __init__(self, error: _Optional[str] = ...) -> None: ...

class StopCaptureRequest(_message.Message):
    __slots__ = ("capture_handle",)
    CAPTURE_HANDLE_FIELD_NUMBER: _ClassVar[int]
    capture_handle: int
    def __init__(self, capture_handle: _Optional[int] = ...) -> None: ...

class StopCaptureResponse(_message.Message):
    __slots__ = ("error",)
    ERROR_FIELD_NUMBER: _ClassVar[int]
    error: str
    def __init__(self, error: _Optional[str] = ...) -> None: ...

class CaptureFinished(_message.Message):
    __slots__ = ("frames_captured", "exit")
    FRAMES_CAPTURED_FIELD_NUMBER: _ClassVar[int]
    EXIT_FIELD_NUMBER: _ClassVar[int]
    frames_captured: int
    exit: CaptureExit
    def __init__(self, frames_captured: _Optional[int] = ..., exit: _Optional[_Union[CaptureExit, str]] = ...) -> None: ...

class CaptureError(_message.Message):
    __slots__ = ("error", "kind")
    ERROR_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    error: str
    kind: CaptureErrorKind
    def __init__(self, error: _Optional[str] = ..., kind: _Optional[_Union[CaptureErrorKind, str]] = ...) -> None: ...

class CaptureSourceEvent(_message.Message):
    __slots__ = ("capture_handle", "finished", "error")
    CAPTURE_HANDLE_FIELD_NUMBER: _ClassVar[int]
    FINISHED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    capture_handle: int
    finished: CaptureFinished
    error: CaptureError
    def __init__(self, capture_handle: _Optional[int] = ..., finished: _Optional[_Union[CaptureFinished, _Mapping]] = ..., error: _Optional[_Union[CaptureError, _Mapping]] = ...) -> None: ...
