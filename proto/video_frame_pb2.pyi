from lkemu.proto import handle_pb2 as _handle_pb2
from lkemu.proto import track_pb2 as _track_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class VideoCodec(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VP8: _ClassVar[VideoCodec]
    H264: _ClassVar[VideoCodec]
    AV1: _ClassVar[VideoCodec]
    VP9: _ClassVar[VideoCodec]
    H265: _ClassVar[VideoCodec]

class EncodedFrameType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENCODED_FRAME_KEY: _ClassVar[EncodedFrameType]
    ENCODED_FRAME_DELTA: _ClassVar[EncodedFrameType]

class VideoRotation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VIDEO_ROTATION_0: _ClassVar[VideoRotation]
    VIDEO_ROTATION_90: _ClassVar[VideoRotation]
    VIDEO_ROTATION_180: _ClassVar[VideoRotation]
    VIDEO_ROTATION_270: _ClassVar[VideoRotation]

class VideoBufferType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RGBA: _ClassVar[VideoBufferType]
    ABGR: _ClassVar[VideoBufferType]
    ARGB: _ClassVar[VideoBufferType]
    BGRA: _ClassVar[VideoBufferType]
    RGB24: _ClassVar[VideoBufferType]
    I420: _ClassVar[VideoBufferType]
    I420A: _ClassVar[VideoBufferType]
    I422: _ClassVar[VideoBufferType]
    I444: _ClassVar[VideoBufferType]
    I010: _ClassVar[VideoBufferType]
    NV12: _ClassVar[VideoBufferType]

class VideoStreamType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VIDEO_STREAM_NATIVE: _ClassVar[VideoStreamType]
    VIDEO_STREAM_WEBGL: _ClassVar[VideoStreamType]
    VIDEO_STREAM_HTML: _ClassVar[VideoStreamType]

class VideoSourceType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VIDEO_SOURCE_NATIVE: _ClassVar[VideoSourceType]
    VIDEO_SOURCE_ENCODED: _ClassVar[VideoSourceType]
VP8: VideoCodec
H264: VideoCodec
AV1: VideoCodec
VP9: VideoCodec
H265: VideoCodec
ENCODED_FRAME_KEY: EncodedFrameType
ENCODED_FRAME_DELTA: EncodedFrameType
VIDEO_ROTATION_0: VideoRotation
VIDEO_ROTATION_90: VideoRotation
VIDEO_ROTATION_180: VideoRotation
VIDEO_ROTATION_270: VideoRotation
RGBA: VideoBufferType
ABGR: VideoBufferType
ARGB: VideoBufferType
BGRA: VideoBufferType
RGB24: VideoBufferType
I420: VideoBufferType
I420A: VideoBufferType
I422: VideoBufferType
I444: VideoBufferType
I010: VideoBufferType
NV12: VideoBufferType
VIDEO_STREAM_NATIVE: VideoStreamType
VIDEO_STREAM_WEBGL: VideoStreamType
VIDEO_STREAM_HTML: VideoStreamType
VIDEO_SOURCE_NATIVE: VideoSourceType
VIDEO_SOURCE_ENCODED: VideoSourceType

class NewVideoStreamRequest(_message.Message):
    __slots__ = ("track_handle", "type", "format", "normalize_stride", "queue_size_frames")
    TRACK_HANDLE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    NORMALIZE_STRIDE_FIELD_NUMBER: _ClassVar[int]
    QUEUE_SIZE_FRAMES_FIELD_NUMBER: _ClassVar[int]
    track_handle: int
    type: VideoStreamType
    format: VideoBufferType
    normalize_stride: bool
    queue_size_frames: int
    def __init__(self, track_handle: _Optional[int] = ..., type: _Optional[_Union[VideoStreamType, str]] = ..., format: _Optional[_Union[VideoBufferType, str]] = ..., normalize_stride: _Optional[bool] = ..., queue_size_frames: _Optional[int] = ...) -> None: ...

class NewVideoStreamResponse(_message.Message):
    __slots__ = ("stream",)
    STREAM_FIELD_NUMBER: _ClassVar[int]
    stream: OwnedVideoStream
    def __init__(self, stream: _Optional[_Union[OwnedVideoStream, _Mapping]] = ...) -> None: ...

class VideoStreamFromParticipantRequest(_message.Message):
    __slots__ = ("participant_handle", "type", "track_source", "format", "normalize_stride", "queue_size_frames")
    PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TRACK_SOURCE_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    NORMALIZE_STRIDE_FIELD_NUMBER: _ClassVar[int]
    QUEUE_SIZE_FRAMES_FIELD_NUMBER: _ClassVar[int]
    participant_handle: int
    type: VideoStreamType
    track_source: _track_pb2.TrackSource
    format: VideoBufferType
    normalize_stride: bool
    queue_size_frames: int
    def __init__(self, participant_handle: _Optional[int] = ..., type: _Optional[_Union[VideoStreamType, str]] = ..., track_source: _Optional[_Union[_track_pb2.TrackSource, str]] = ..., format: _Optional[_Union[VideoBufferType, str]] = ..., normalize_stride: _Optional[bool] = ..., queue_size_frames: _Optional[int] = ...) -> None: ...

class VideoStreamFromParticipantResponse(_message.Message):
    __slots__ = ("stream",)
    STREAM_FIELD_NUMBER: _ClassVar[int]
    stream: OwnedVideoStream
    def __init__(self, stream: _Optional[_Union[OwnedVideoStream, _Mapping]] = ...) -> None: ...

class NewVideoSourceRequest(_message.Message):
    __slots__ = ("type", "resolution", "is_screencast")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    IS_SCREENCAST_FIELD_NUMBER: _ClassVar[int]
    type: VideoSourceType
    resolution: VideoSourceResolution
    is_screencast: bool
    def __init__(self, type: _Optional[_Union[VideoSourceType, str]] = ..., resolution: _Optional[_Union[VideoSourceResolution, _Mapping]] = ..., is_screencast: _Optional[bool] = ...) -> None: ...

class NewVideoSourceResponse(_message.Message):
    __slots__ = ("source",)
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    source: OwnedVideoSource
    def __init__(self, source: _Optional[_Union[OwnedVideoSource, _Mapping]] = ...) -> None: ...

class CaptureVideoFrameRequest(_message.Message):
    __slots__ = ("source_handle", "buffer", "timestamp_us", "rotation", "metadata")
    SOURCE_HANDLE_FIELD_NUMBER: _ClassVar[int]
    BUFFER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_US_FIELD_NUMBER: _ClassVar[int]
    ROTATION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    source_handle: int
    buffer: VideoBufferInfo
    timestamp_us: int
    rotation: VideoRotation
    metadata: FrameMetadata
    def __init__(self, source_handle: _Optional[int] = ..., buffer: _Optional[_Union[VideoBufferInfo, _Mapping]] = ..., timestamp_us: _Optional[int] = ..., rotation: _Optional[_Union[VideoRotation, str]] = ..., metadata: _Optional[_Union[FrameMetadata, _Mapping]] = ...) -> None: ...

class CaptureVideoFrameResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class EncodedVideoBufferInfo(_message.Message):
    __slots__ = ("data_ptr", "data_len")
    DATA_PTR_FIELD_NUMBER: _ClassVar[int]
    DATA_LEN_FIELD_NUMBER: _ClassVar[int]
    data_ptr: int
    data_len: int
    def __init__(self, data_ptr: _Optional[int] = ..., data_len: _Optional[int] = ...) -> None: ...

class CaptureEncodedVideoFrameRequest(_message.Message):
    __slots__ = ("source_handle", "buffer", "codec", "frame_type", "width", "height", "timestamp_us", "metadata")
    SOURCE_HANDLE_FIELD_NUMBER: _ClassVar[int]
    BUFFER_FIELD_NUMBER: _ClassVar[int]
    CODEC_FIELD_NUMBER: _ClassVar[int]
    FRAME_TYPE_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_US_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    source_handle: int
    buffer: EncodedVideoBufferInfo
    codec: VideoCodec
    frame_type: EncodedFrameType
    width: int
    height: int
    timestamp_us: int
    metadata: FrameMetadata
    def __init__(self, source_handle: _Optional[int] = ..., buffer: _Optional[_Union[EncodedVideoBufferInfo, _Mapping]] = ..., codec: _Optional[_Union[VideoCodec, str]] = ..., frame_type: _Optional[_Union[EncodedFrameType, str]] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., timestamp_us: _Optional[int] = ..., metadata: _Optional[_Union[FrameMetadata, _Mapping]] = ...) -> None: ...

class CaptureEncodedVideoFrameResponse(_message.Message):
    __slots__ = ("accepted",)
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    accepted: bool
    def __init__(self, accepted: _Optional[bool] = ...) -> None: ...

class TakeEncodedVideoSourceFeedbackRequest(_message.Message):
    __slots__ = ("source_handle",)
    SOURCE_HANDLE_FIELD_NUMBER: _ClassVar[int]
    source_handle: int
    def __init__(self, source_handle: _Optional[int] = ...) -> None: ...

class EncodedRateControl(_message.Message):
    __slots__ = ("target_bitrate_bps", "framerate_fps")
    TARGET_BITRATE_BPS_FIELD_NUMBER: _ClassVar[int]
    FRAMERATE_FPS_FIELD_NUMBER: _ClassVar[int]
    target_bitrate_bps: int
    framerate_fps: float
    def __init__(self, target_bitrate_bps: _Optional[int] = ..., framerate_fps: _Optional[float] = ...) -> None: ...

class TakeEncodedVideoSourceFeedbackResponse(_message.Message):
    __slots__ = ("keyframe_requested", "rate_control")
    KEYFRAME_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    RATE_CONTROL_FIELD_NUMBER: _ClassVar[int]
    keyframe_requested: bool
    rate_control: EncodedRateControl
    def __init__(self, keyframe_requested: _Optional[bool] = ..., rate_control: _Optional[_Union[EncodedRateControl, _Mapping]] = ...) -> None: ...

class VideoConvertRequest(_message.Message):
    __slots__ = ("flip_y", "buffer", "dst_type")
    FLIP_Y_FIELD_NUMBER: _ClassVar[int]
    BUFFER_FIELD_NUMBER: _ClassVar[int]
    DST_TYPE_FIELD_NUMBER: _ClassVar[int]
    flip_y: bool
    buffer: VideoBufferInfo
    dst_type: VideoBufferType
    def __init__(self, flip_y: _Optional[bool] = ..., buffer: _Optional[_Union[VideoBufferInfo, _Mapping]] = ..., dst_type: _Optional[_Union[VideoBufferType, str]] = ...) -> None: ...

class VideoConvertResponse(_message.Message):
    __slots__ = ("error", "buffer")
    ERROR_FIELD_NUMBER: _ClassVar[int]
    BUFFER_FIELD_NUMBER: _ClassVar[int]
    error: str
    buffer: OwnedVideoBuffer
    def __init__(self, error: _Optional[str] = ..., buffer: _Optional[_Union[OwnedVideoBuffer, _Mapping]] = ...) -> None: ...

class VideoResolution(_message.Message):
    __slots__ = ("width", "height", "frame_rate")
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    FRAME_RATE_FIELD_NUMBER: _ClassVar[int]
    width: int
    height: int
    frame_rate: float
    def __init__(self, width: _Optional[int] = ..., height: _Optional[int] = ..., frame_rate: _Optional[float] = ...) -> None: ...

class VideoBufferInfo(_message.Message):
    __slots__ = ("type", "width", "height", "data_ptr", "stride", "components")
    class ComponentInfo(_message.Message):
        __slots__ = ("data_ptr", "stride", "size")
        DATA_PTR_FIELD_NUMBER: _ClassVar[int]
        STRIDE_FIELD_NUMBER: _ClassVar[int]
        SIZE_FIELD_NUMBER: _ClassVar[int]
        data_ptr: int
        stride: int
        size: int
        def __init__(self, data_ptr: _Optional[int] = ..., stride: _Optional[int] = ..., size: _Optional[int] = ...) -> None: ...
    TYPE_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    DATA_PTR_FIELD_NUMBER: _ClassVar[int]
    STRIDE_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    type: VideoBufferType
    width: int
    height: int
    data_ptr: int
    stride: int
    components: _containers.RepeatedCompositeFieldContainer[VideoBufferInfo.ComponentInfo]
    def __init__(self, type: _Optional[_Union[VideoBufferType, str]] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., data_ptr: _Optional[int] = ..., stride: _Optional[int] = ..., components: _Optional[_Iterable[_Union[VideoBufferInfo.ComponentInfo, _Mapping]]] = ...) -> None: ...

class OwnedVideoBuffer(_message.Message):
    __slots__ = ("handle", "info")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    info: VideoBufferInfo
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., info: _Optional[_Union[VideoBufferInfo, _Mapping]] = ...) -> None: ...

class FrameMetadata(_message.Message):
    __slots__ = ("user_timestamp", "frame_id", "user_data")
    USER_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    FRAME_ID_FIELD_NUMBER: _ClassVar[int]
    USER_DATA_FIELD_NUMBER: _ClassVar[int]
    user_timestamp: int
    frame_id: int
    user_data: bytes
    def __init__(self, user_timestamp: _Optional[int] = ..., frame_id: _Optional[int] = ..., user_data: _Optional[bytes] = ...) -> None: ...

class VideoStreamInfo(_message.Message):
    __slots__ = ("type",)
    TYPE_FIELD_NUMBER: _ClassVar[int]
    type: VideoStreamType
    def __init__(self, type: _Optional[_Union[VideoStreamType, str]] = ...) -> None: ...

class OwnedVideoStream(_message.Message):
    __slots__ = ("handle", "info")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    info: VideoStreamInfo
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., info: _Optional[_Union[VideoStreamInfo, _Mapping]] = ...) -> None: ...

class VideoStreamEvent(_message.Message):
    __slots__ = ("stream_handle", "frame_received", "eos")
    STREAM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    FRAME_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    EOS_FIELD_NUMBER: _ClassVar[int]
    stream_handle: int
    frame_received: VideoFrameReceived
    eos: VideoStreamEOS
    def __init__(self, stream_handle: _Optional[int] = ..., frame_received: _Optional[_Union[VideoFrameReceived, _Mapping]] = ..., eos: _Optional[_Union[VideoStreamEOS, _Mapping]] = ...) -> None: ...

class VideoFrameReceived(_message.Message):
    __slots__ = ("buffer", "timestamp_us", "rotation", "metadata")
    BUFFER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_US_FIELD_NUMBER: _ClassVar[int]
    ROTATION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    buffer: OwnedVideoBuffer
    timestamp_us: int
    rotation: VideoRotation
    metadata: FrameMetadata
    def __init__(self, buffer: _Optional[_Union[OwnedVideoBuffer, _Mapping]] = ..., timestamp_us: _Optional[int] = ..., rotation: _Optional[_Union[VideoRotation, str]] = ..., metadata: _Optional[_Union[FrameMetadata, _Mapping]] = ...) -> None: ...

class VideoStreamEOS(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class VideoSourceResolution(_message.Message):
    __slots__ = ("width", "height")
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    width: int
    height: int
    def __init__(self, width: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...

class VideoSourceInfo(_message.Message):
    __slots__ = ("type",)
    TYPE_FIELD_NUMBER: _ClassVar[int]
    type: VideoSourceType
    def __init__(self, type: _Optional[_Union[VideoSourceType, str]] = ...) -> None: ...

class OwnedVideoSource(_message.Message):
    __slots__ = ("handle", "info")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    info: VideoSourceInfo
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., info: _Optional[_Union[VideoSourceInfo, _Mapping]] = ...) -> None: ...
