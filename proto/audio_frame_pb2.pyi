from lkemu.proto import handle_pb2 as _handle_pb2
from lkemu.proto import track_pb2 as _track_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SoxResamplerDataType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SOXR_DATATYPE_INT16I: _ClassVar[SoxResamplerDataType]
    SOXR_DATATYPE_INT16S: _ClassVar[SoxResamplerDataType]

class SoxQualityRecipe(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SOXR_QUALITY_QUICK: _ClassVar[SoxQualityRecipe]
    SOXR_QUALITY_LOW: _ClassVar[SoxQualityRecipe]
    SOXR_QUALITY_MEDIUM: _ClassVar[SoxQualityRecipe]
    SOXR_QUALITY_HIGH: _ClassVar[SoxQualityRecipe]
    SOXR_QUALITY_VERYHIGH: _ClassVar[SoxQualityRecipe]

class SoxFlagBits(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SOXR_ROLLOFF_SMALL: _ClassVar[SoxFlagBits]
    SOXR_ROLLOFF_MEDIUM: _ClassVar[SoxFlagBits]
    SOXR_ROLLOFF_NONE: _ClassVar[SoxFlagBits]
    SOXR_HIGH_PREC_CLOCK: _ClassVar[SoxFlagBits]
    SOXR_DOUBLE_PRECISION: _ClassVar[SoxFlagBits]
    SOXR_VR: _ClassVar[SoxFlagBits]

class AudioStreamType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIO_STREAM_NATIVE: _ClassVar[AudioStreamType]
    AUDIO_STREAM_HTML: _ClassVar[AudioStreamType]

class AudioSourceType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIO_SOURCE_NATIVE: _ClassVar[AudioSourceType]
    AUDIO_SOURCE_PLATFORM: _ClassVar[AudioSourceType]
SOXR_DATATYPE_INT16I: SoxResamplerDataType
SOXR_DATATYPE_INT16S: SoxResamplerDataType
SOXR_QUALITY_QUICK: SoxQualityRecipe
SOXR_QUALITY_LOW: SoxQualityRecipe
SOXR_QUALITY_MEDIUM: SoxQualityRecipe
SOXR_QUALITY_HIGH: SoxQualityRecipe
SOXR_QUALITY_VERYHIGH: SoxQualityRecipe
SOXR_ROLLOFF_SMALL: SoxFlagBits
SOXR_ROLLOFF_MEDIUM: SoxFlagBits
SOXR_ROLLOFF_NONE: SoxFlagBits
SOXR_HIGH_PREC_CLOCK: SoxFlagBits
SOXR_DOUBLE_PRECISION: SoxFlagBits
SOXR_VR: SoxFlagBits
AUDIO_STREAM_NATIVE: AudioStreamType
AUDIO_STREAM_HTML: AudioStreamType
AUDIO_SOURCE_NATIVE: AudioSourceType
AUDIO_SOURCE_PLATFORM: AudioSourceType

class NewAudioStreamRequest(_message.Message):
    __slots__ = ("track_handle", "type", "sample_rate", "num_channels", "audio_filter_module_id", "audio_filter_options", "frame_size_ms", "queue_size_frames")
    TRACK_HANDLE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    NUM_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FILTER_MODULE_ID_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FILTER_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    FRAME_SIZE_MS_FIELD_NUMBER: _ClassVar[int]
    QUEUE_SIZE_FRAMES_FIELD_NUMBER: _ClassVar[int]
    track_handle: int
    type: AudioStreamType
    sample_rate: int
    num_channels: int
    audio_filter_module_id: str
    audio_filter_options: str
    frame_size_ms: int
    queue_size_frames: int
    def __init__(self, track_handle: _Optional[int] = ..., type: _Optional[_Union[AudioStreamType, str]] = ..., sample_rate: _Optional[int] = ..., num_channels: _Optional[int] = ..., audio_filter_module_id: _Optional[str] = ..., audio_filter_options: _Optional[str] = ..., frame_size_ms: _Optional[int] = ..., queue_size_frames: _Optional[int] = ...) -> None: ...

class NewAudioStreamResponse(_message.Message):
    __slots__ = ("stream",)
    STREAM_FIELD_NUMBER: _ClassVar[int]
    stream: OwnedAudioStream
    def __init__(self, stream: _Optional[_Union[OwnedAudioStream, _Mapping]] = ...) -> None: ...

class AudioStreamFromParticipantRequest(_message.Message):
    __slots__ = ("participant_handle", "type", "track_source", "sample_rate", "num_channels", "audio_filter_module_id", "audio_filter_options", "frame_size_ms", "queue_size_frames")
    PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TRACK_SOURCE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    NUM_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FILTER_MODULE_ID_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FILTER_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    FRAME_SIZE_MS_FIELD_NUMBER: _ClassVar[int]
    QUEUE_SIZE_FRAMES_FIELD_NUMBER: _ClassVar[int]
    participant_handle: int
    type: AudioStreamType
    track_source: _track_pb2.TrackSource
    sample_rate: int
    num_channels: int
    audio_filter_module_id: str
    audio_filter_options: str
    frame_size_ms: int
    queue_size_frames: int
    def __init__(self, participant_handle: _Optional[int] = ..., type: _Optional[_Union[AudioStreamType, str]] = ..., track_source: _Optional[_Union[_track_pb2.TrackSource, str]] = ..., sample_rate: _Optional[int] = ..., num_channels: _Optional[int] = ..., audio_filter_module_id: _Optional[str] = ..., audio_filter_options: _Optional[str] = ..., frame_size_ms: _Optional[int] = ..., queue_size_frames: _Optional[int] = ...) -> None: ...

class AudioStreamFromParticipantResponse(_message.Message):
    __slots__ = ("stream",)
    STREAM_FIELD_NUMBER: _ClassVar[int]
    stream: OwnedAudioStream
    def __init__(self, stream: _Optional[_Union[OwnedAudioStream, _Mapping]] = ...) -> None: ...

class NewAudioSourceRequest(_message.Message):
    __slots__ = ("type", "options", "sample_rate", "num_channels", "queue_size_ms", "platform_audio_handle")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    NUM_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    QUEUE_SIZE_MS_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_AUDIO_HANDLE_FIELD_NUMBER: _ClassVar[int]
    type: AudioSourceType
    options: AudioSourceOptions
    sample_rate: int
    num_channels: int
    queue_size_ms: int
    platform_audio_handle: int
    def __init__(self, type: _Optional[_Union[AudioSourceType, str]] = ..., options: _Optional[_Union[AudioSourceOptions, _Mapping]] = ..., sample_rate: _Optional[int] = ..., num_channels: _Optional[int] = ..., queue_size_ms: _Optional[int] = ..., platform_audio_handle: _Optional[int] = ...) -> None: ...

class NewAudioSourceResponse(_message.Message):
    __slots__ = ("source",)
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    source: OwnedAudioSource
    def __init__(self, source: _Optional[_Union[OwnedAudioSource, _Mapping]] = ...) -> None: ...

class CaptureAudioFrameRequest(_message.Message):
    __slots__ = ("source_handle", "buffer", "request_async_id")
    SOURCE_HANDLE_FIELD_NUMBER: _ClassVar[int]
    BUFFER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    source_handle: int
    buffer: AudioFrameBufferInfo
    request_async_id: int
    def __init__(self, source_handle: _Optional[int] = ..., buffer: _Optional[_Union[AudioFrameBufferInfo, _Mapping]] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class CaptureAudioFrameResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class CaptureAudioFrameCallback(_message.Message):
    __slots__ = ("async_id", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: str
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class ClearAudioBufferRequest(_message.Message):
    __slots__ = ("source_handle",)
    SOURCE_HANDLE_FIELD_NUMBER: _ClassVar[int]
    source_handle: int
    def __init__(self, source_handle: _Optional[int] = ...) -> None: ...

class ClearAudioBufferResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class NewAudioResamplerRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class NewAudioResamplerResponse(_message.Message):
    __slots__ = ("resampler",)
    RESAMPLER_FIELD_NUMBER: _ClassVar[int]
    resampler: OwnedAudioResampler
    def __init__(self, resampler: _Optional[_Union[OwnedAudioResampler, _Mapping]] = ...) -> None: ...

class RemixAndResampleRequest(_message.Message):
    __slots__ = ("resampler_handle", "buffer", "num_channels", "sample_rate")
    RESAMPLER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    BUFFER_FIELD_NUMBER: _ClassVar[int]
    NUM_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    resampler_handle: int
    buffer: AudioFrameBufferInfo
    num_channels: int
    sample_rate: int
    def __init__(self, resampler_handle: _Optional[int] = ..., buffer: _Optional[_Union[AudioFrameBufferInfo, _Mapping]] = ..., num_channels: _Optional[int] = ..., sample_rate: _Optional[int] = ...) -> None: ...

class RemixAndResampleResponse(_message.Message):
    __slots__ = ("buffer",)
    BUFFER_FIELD_NUMBER: _ClassVar[int]
    buffer: OwnedAudioFrameBuffer
    def __init__(self, buffer: _Optional[_Union[OwnedAudioFrameBuffer, _Mapping]] = ...) -> None: ...

class NewApmRequest(_message.Message):
    __slots__ = ("echo_canceller_enabled", "gain_controller_enabled", "high_pass_filter_enabled", "noise_suppression_enabled")
    ECHO_CANCELLER_ENABLED_FIELD_NUMBER: _ClassVar[int]
    GAIN_CONTROLLER_ENABLED_FIELD_NUMBER: _ClassVar[int]
    HIGH_PASS_FILTER_ENABLED_FIELD_NUMBER: _ClassVar[int]
    NOISE_SUPPRESSION_ENABLED_FIELD_NUMBER: _ClassVar[int]
    echo_canceller_enabled: bool
    gain_controller_enabled: bool
    high_pass_filter_enabled: bool
    noise_suppression_enabled: bool
    def __init__(self, echo_canceller_enabled: _Optional[bool] = ..., gain_controller_enabled: _Optional[bool] = ..., high_pass_filter_enabled: _Optional[bool] = ..., noise_suppression_enabled: _Optional[bool] = ...) -> None: ...

class NewApmResponse(_message.Message):
    __slots__ = ("apm",)
    APM_FIELD_NUMBER: _ClassVar[int]
    apm: OwnedApm
    def __init__(self, apm: _Optional[_Union[OwnedApm, _Mapping]] = ...) -> None: ...

class ApmProcessStreamRequest(_message.Message):
    __slots__ = ("apm_handle", "data_ptr", "size", "sample_rate", "num_channels")
    APM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    DATA_PTR_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    NUM_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    apm_handle: int
    data_ptr: int
    size: int
    sample_rate: int
    num_channels: int
    def __init__(self, apm_handle: _Optional[int] = ..., data_ptr: _Optional[int] = ..., size: _Optional[int] = ..., sample_rate: _Optional[int] = ..., num_channels: _Optional[int] = ...) -> None: ...

class ApmProcessStreamResponse(_message.Message):
    __slots__ = ("error",)
    ERROR_FIELD_NUMBER: _ClassVar[int]
    error: str
    def __init__(self, error: _Optional[str] = ...) -> None: ...

class ApmProcessReverseStreamRequest(_message.Message):
    __slots__ = ("apm_handle", "data_ptr", "size", "sample_rate", "num_channels")
    APM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    DATA_PTR_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    NUM_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    apm_handle: int
    data_ptr: int
    size: int
    sample_rate: int
    num_channels: int
    def __init__(self, apm_handle: _Optional[int] = ..., data_ptr: _Optional[int] = ..., size: _Optional[int] = ..., sample_rate: _Optional[int] = ..., num_channels: _Optional[int] = ...) -> None: ...

class ApmProcessReverseStreamResponse(_message.Message):
    __slots__ = ("error",)
    ERROR_FIELD_NUMBER: _ClassVar[int]
    error: str
    def __init__(self, error: _Optional[str] = ...) -> None: ...

class ApmSetStreamDelayRequest(_message.Message):
    __slots__ = ("apm_handle", "delay_ms")
    APM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    DELAY_MS_FIELD_NUMBER: _ClassVar[int]
    apm_handle: int
    delay_ms: int
    def __init__(self, apm_handle: _Optional[int] = ..., delay_ms: _Optional[int] = ...) -> None: ...

class ApmSetStreamDelayResponse(_message.Message):
    __slots__ = ("error",)
    ERROR_FIELD_NUMBER: _ClassVar[int]
    error: str
    def __init__(self, error: _Optional[str] = ...) -> None: ...

class NewSoxResamplerRequest(_message.Message):
    __slots__ = ("input_rate", "output_rate", "num_channels", "input_data_type", "output_data_type", "quality_recipe", "flags")
    INPUT_RATE_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_RATE_FIELD_NUMBER: _ClassVar[int]
    NUM_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    INPUT_DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    QUALITY_RECIPE_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    input_rate: float
    output_rate: float
    num_channels: int
    input_data_type: SoxResamplerDataType
    output_data_type: SoxResamplerDataType
    quality_recipe: SoxQualityRecipe
    flags: int
    def __init__(self, input_rate: _Optional[float] = ..., output_rate: _Optional[float] = ..., num_channels: _Optional[int] = ..., input_data_type: _Optional[_Union[SoxResamplerDataType, str]] = ..., output_data_type: _Optional[_Union[SoxResamplerDataType, str]] = ..., quality_recipe: _Optional[_Union[SoxQualityRecipe, str]] = ..., flags: _Optional[int] = ...) -> None: ...

class NewSoxResamplerResponse(_message.Message):
    __slots__ = ("resampler", "error")
    RESAMPLER_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    resampler: OwnedSoxResampler
    error: str
    def __init__(self, resampler: _Optional[_Union[OwnedSoxResampler, _Mapping]] = ..., error: _Optional[str] = ...) -> None: ...

class PushSoxResamplerRequest(_message.Message):
    __slots__ = ("resampler_handle", "data_ptr", "size")
    RESAMPLER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    DATA_PTR_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    resampler_handle: int
    data_ptr: int
    size: int
    def __init__(self, resampler_handle: _Optional[int] = ..., data_ptr: _Optional[int] = ..., size: _Optional[int] = ...) -> None: ...

class PushSoxResamplerResponse(_message.Message):
    __slots__ = ("output_ptr", "size", "error")
    OUTPUT_PTR_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    output_ptr: int
    size: int
    error: str
    def __init__(self, output_ptr: _Optional[int] = ..., size: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class FlushSoxResamplerRequest(_message.Message):
    __slots__ = ("resampler_handle",)
    RESAMPLER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    resampler_handle: int
    def __init__(self, resampler_handle: _Optional[int] = ...) -> None: ...

class FlushSoxResamplerResponse(_message.Message):
    __slots__ = ("output_ptr", "size", "error")
    OUTPUT_PTR_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    output_ptr: int
    size: int
    error: str
    def __init__(self, output_ptr: _Optional[int] = ..., size: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class AudioFrameBufferInfo(_message.Message):
    __slots__ = ("data_ptr", "num_channels", "sample_rate", "samples_per_channel")
    DATA_PTR_FIELD_NUMBER: _ClassVar[int]
    NUM_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_PER_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    data_ptr: int
    num_channels: int
    sample_rate: int
    samples_per_channel: int
    def __init__(self, data_ptr: _Optional[int] = ..., num_channels: _Optional[int] = ..., sample_rate: _Optional[int] = ..., samples_per_channel: _Optional[int] = ...) -> None: ...

class OwnedAudioFrameBuffer(_message.Message):
    __slots__ = ("handle", "info")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    info: AudioFrameBufferInfo
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., info: _Optional[_Union[AudioFrameBufferInfo, _Mapping]] = ...) -> None: ...

class AudioStreamInfo(_message.Message):
    __slots__ = ("type",)
    TYPE_FIELD_NUMBER: _ClassVar[int]
    type: AudioStreamType
    def __init__(self, type: _Optional[_Union[AudioStreamType, str]] = ...) -> None: ...

class OwnedAudioStream(_message.Message):
    __slots__ = ("handle", "info")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    info: AudioStreamInfo
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., info: _Optional[_Union[AudioStreamInfo, _Mapping]] = ...) -> None: ...

class AudioStreamEvent(_message.Message):
    __slots__ = ("stream_handle", "frame_received", "eos")
    STREAM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    FRAME_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    EOS_FIELD_NUMBER: _ClassVar[int]
    stream_handle: int
    frame_received: AudioFrameReceived
    eos: AudioStreamEOS
    def __init__(self, stream_handle: _Optional[int] = ..., frame_received: _Optional[_Union[AudioFrameReceived, _Mapping]] = ..., eos: _Optional[_Union[AudioStreamEOS, _Mapping]] = ...) -> None: ...

class AudioFrameReceived(_message.Message):
    __slots__ = ("frame",)
    FRAME_FIELD_NUMBER: _ClassVar[int]
    frame: OwnedAudioFrameBuffer
    def __init__(self, frame: _Optional[_Union[OwnedAudioFrameBuffer, _Mapping]] = ...) -> None: ...

class AudioStreamEOS(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AudioSourceOptions(_message.Message):
    __slots__ = ("echo_cancellation", "noise_suppression", "auto_gain_control", "prefer_hardware")
    ECHO_CANCELLATION_FIELD_NUMBER: _ClassVar[int]
    NOISE_SUPPRESSION_FIELD_NUMBER: _ClassVar[int]
    AUTO_GAIN_CONTROL_FIELD_NUMBER: _ClassVar[int]
    PREFER_HARDWARE_FIELD_NUMBER: _ClassVar[int]
    echo_cancellation: bool
    noise_suppression: bool
    auto_gain_control: bool
    prefer_hardware: bool
    def __init__(self, echo_cancellation: _Optional[bool] = ..., noise_suppression: _Optional[bool] = ..., auto_gain_control: _Optional[bool] = ..., prefer_hardware: _Optional[bool] = ...) -> None: ...

class AudioSourceInfo(_message.Message):
    __slots__ = ("type",)
    TYPE_FIELD_NUMBER: _ClassVar[int]
    type: AudioSourceType
    def __init__(self, type: _Optional[_Union[AudioSourceType, str]] = ...) -> None: ...

class OwnedAudioSource(_message.Message):
    __slots__ = ("handle", "info")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    info: AudioSourceInfo
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., info: _Optional[_Union[AudioSourceInfo, _Mapping]] = ...) -> None: ...

class AudioResamplerInfo(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class OwnedAudioResampler(_message.Message):
    __slots__ = ("handle", "info")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    info: AudioResamplerInfo
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., info: _Optional[_Union[AudioResamplerInfo, _Mapping]] = ...) -> None: ...

class OwnedApm(_message.Message):
    __slots__ = ("handle",)
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ...) -> None: ...

class SoxResamplerInfo(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class OwnedSoxResampler(_message.Message):
    __slots__ = ("handle", "info")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    info: SoxResamplerInfo
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., info: _Optional[_Union[SoxResamplerInfo, _Mapping]] = ...) -> None: ...

class LoadAudioFilterPluginRequest(_message.Message):
    __slots__ = ("plugin_path", "dependencies", "module_id")
    PLUGIN_PATH_FIELD_NUMBER: _ClassVar[int]
    DEPENDENCIES_FIELD_NUMBER: _ClassVar[int]
    MODULE_ID_FIELD_NUMBER: _ClassVar[int]
    plugin_path: str
    dependencies: _containers.RepeatedScalarFieldContainer[str]
    module_id: str
    def __init__(self, plugin_path: _Optional[str] = ..., dependencies: _Optional[_Iterable[str]] = ..., module_id: _Optional[str] = ...) -> None: ...

class LoadAudioFilterPluginResponse(_message.Message):
    __slots__ = ("error",)
    ERROR_FIELD_NUMBER: _ClassVar[int]
    error: str
    def __init__(self, error: _Optional[str] = ...) -> None: ...

class AudioDeviceInfo(_message.Message):
    __slots__ = ("index", "name", "guid")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    GUID_FIELD_NUMBER: _ClassVar[int]
    index: int
    name: str
    guid: str
    def __init__(self, index: _Optional[int] = ..., name: _Optional[str] = ..., guid: _Optional[str] = ...) -> None: ...

class PlatformAudioInfo(_message.Message):
    __slots__ = ("recording_device_count", "playout_device_count")
    RECORDING_DEVICE_COUNT_FIELD_NUMBER: _ClassVar[int]
    PLAYOUT_DEVICE_COUNT_FIELD_NUMBER: _ClassVar[int]
    recording_device_count: int
    playout_device_count: int
    def __init__(self, recording_device_count: _Optional[int] = ..., playout_device_count: _Optional[int] = ...) -> None: ...

class OwnedPlatformAudio(_message.Message):
    __slots__ = ("handle", "info")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    info: PlatformAudioInfo
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., info: _Optional[_Union[PlatformAudioInfo, _Mapping]] = ...) -> None: ...

class NewPlatformAudioRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class NewPlatformAudioResponse(_message.Message):
    __slots__ = ("platform_audio", "error")
    PLATFORM_AUDIO_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    platform_audio: OwnedPlatformAudio
    error: str
    def __init__(self, platform_audio: _Optional[_Union[OwnedPlatformAudio, _Mapping]] = ..., error: _Optional[str] = ...) -> None: ...

class GetAudioDevicesRequest(_message.Message):
    __slots__ = ("platform_audio_handle",)
    PLATFORM_AUDIO_HANDLE_FIELD_NUMBER: _ClassVar[int]
    platform_audio_handle: int
    def __init__(self, platform_audio_handle: _Optional[int] = ...) -> None: ...

class GetAudioDevicesResponse(_message.Message):
    __slots__ = ("playout_devices", "recording_devices", "error")
    PLAYOUT_DEVICES_FIELD_NUMBER: _ClassVar[int]
    RECORDING_DEVICES_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    playout_devices: _containers.RepeatedCompositeFieldContainer[AudioDeviceInfo]
    recording_devices: _containers.RepeatedCompositeFieldContainer[AudioDeviceInfo]
    error: str
    def __init__(self, playout_devices: _Optional[_Iterable[_Union[AudioDeviceInfo, _Mapping]]] = ..., recording_devices: _Optional[_Iterable[_Union[AudioDeviceInfo, _Mapping]]] = ..., error: _Optional[str] = ...) -> None: ...

class SetRecordingDeviceRequest(_message.Message):
    __slots__ = ("platform_audio_handle", "device_id")
    PLATFORM_AUDIO_HANDLE_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    platform_audio_handle: int
    device_id: str
    def __init__(self, platform_audio_handle: _Optional[int] = ..., device_id: _Optional[str] = ...) -> None: ...

class SetRecordingDeviceResponse(_message.Message):
    __slots__ = ("error",)
    ERROR_FIELD_NUMBER: _ClassVar[int]
    error: str
    def __init__(self, error: _Optional[str] = ...) -> None: ...

class SetPlayoutDeviceRequest(_message.Message):
    __slots__ = ("platform_audio_handle", "device_id")
    PLATFORM_AUDIO_HANDLE_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    platform_audio_handle: int
    device_id: str
    def __init__(self, platform_audio_handle: _Optional[int] = ..., device_id: _Optional[str] = ...) -> None: ...

class SetPlayoutDeviceResponse(_message.Message):
    __slots__ = ("error",)
    ERROR_FIELD_NUMBER: _ClassVar[int]
    error: str
    def __init__(self, error: _Optional[str] = ...) -> None: ...

class StartRecordingRequest(_message.Message):
    __slots__ = ("platform_audio_handle",)
    PLATFORM_AUDIO_HANDLE_FIELD_NUMBER: _ClassVar[int]
    platform_audio_handle: int
    def __init__(self, platform_audio_handle: _Optional[int] = ...) -> None: ...

class StartRecordingResponse(_message.Message):
    __slots__ = ("error",)
    ERROR_FIELD_NUMBER: _ClassVar[int]
    error: str
    def __init__(self, error: _Optional[str] = ...) -> None: ...

class StopRecordingRequest(_message.Message):
    __slots__ = ("platform_audio_handle",)
    PLATFORM_AUDIO_HANDLE_FIELD_NUMBER: _ClassVar[int]
    platform_audio_handle: int
    def __init__(self, platform_audio_handle: _Optional[int] = ...) -> None: ...

class StopRecordingResponse(_message.Message):
    __slots__ = ("error",)
    ERROR_FIELD_NUMBER: _ClassVar[int]
    error: str
    def __init__(self, error: _Optional[str] = ...) -> None: ...
