from lkemu.proto import e2ee_pb2 as _e2ee_pb2
from lkemu.proto import handle_pb2 as _handle_pb2
from lkemu.proto import stats_pb2 as _stats_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TrackKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    KIND_UNKNOWN: _ClassVar[TrackKind]
    KIND_AUDIO: _ClassVar[TrackKind]
    KIND_VIDEO: _ClassVar[TrackKind]

class TrackSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SOURCE_UNKNOWN: _ClassVar[TrackSource]
    SOURCE_CAMERA: _ClassVar[TrackSource]
    SOURCE_MICROPHONE: _ClassVar[TrackSource]
    SOURCE_SCREENSHARE: _ClassVar[TrackSource]
    SOURCE_SCREENSHARE_AUDIO: _ClassVar[TrackSource]

class StreamState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STATE_UNKNOWN: _ClassVar[StreamState]
    STATE_ACTIVE: _ClassVar[StreamState]
    STATE_PAUSED: _ClassVar[StreamState]

class AudioTrackFeature(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TF_STEREO: _ClassVar[AudioTrackFeature]
    TF_NO_DTX: _ClassVar[AudioTrackFeature]
    TF_AUTO_GAIN_CONTROL: _ClassVar[AudioTrackFeature]
    TF_ECHO_CANCELLATION: _ClassVar[AudioTrackFeature]
    TF_NOISE_SUPPRESSION: _ClassVar[AudioTrackFeature]
    TF_ENHANCED_NOISE_CANCELLATION: _ClassVar[AudioTrackFeature]
    TF_PRECONNECT_BUFFER: _ClassVar[AudioTrackFeature]

class FrameMetadataFeature(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FMF_USER_TIMESTAMP: _ClassVar[FrameMetadataFeature]
    FMF_FRAME_ID: _ClassVar[FrameMetadataFeature]
    FMF_USER_DATA: _ClassVar[FrameMetadataFeature]
KIND_UNKNOWN: TrackKind
KIND_AUDIO: TrackKind
KIND_VIDEO: TrackKind
SOURCE_UNKNOWN: TrackSource
SOURCE_CAMERA: TrackSource
SOURCE_MICROPHONE: TrackSource
SOURCE_SCREENSHARE: TrackSource
SOURCE_SCREENSHARE_AUDIO: TrackSource
STATE_UNKNOWN: StreamState
STATE_ACTIVE: StreamState
STATE_PAUSED: StreamState
TF_STEREO: AudioTrackFeature
TF_NO_DTX: AudioTrackFeature
TF_AUTO_GAIN_CONTROL: AudioTrackFeature
TF_ECHO_CANCELLATION: AudioTrackFeature
TF_NOISE_SUPPRESSION: AudioTrackFeature
TF_ENHANCED_NOISE_CANCELLATION: AudioTrackFeature
TF_PRECONNECT_BUFFER: AudioTrackFeature
FMF_USER_TIMESTAMP: FrameMetadataFeature
FMF_FRAME_ID: FrameMetadataFeature
FMF_USER_DATA: FrameMetadataFeature

class CreateVideoTrackRequest(_message.Message):
    __slots__ = ("name", "source_handle")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_HANDLE_FIELD_NUMBER: _ClassVar[int]
    name: str
    source_handle: int
    def __init__(self, name: _Optional[str] = ..., source_handle: _Optional[int] = ...) -> None: ...

class CreateVideoTrackResponse(_message.Message):
    __slots__ = ("track",)
    TRACK_FIELD_NUMBER: _ClassVar[int]
    track: OwnedTrack
    def __init__(self, track: _Optional[_Union[OwnedTrack, _Mapping]] = ...) -> None: ...

class CreateAudioTrackRequest(_message.Message):
    __slots__ = ("name", "source_handle")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_HANDLE_FIELD_NUMBER: _ClassVar[int]
    name: str
    source_handle: int
    def __init__(self, name: _Optional[str] = ..., source_handle: _Optional[int] = ...) -> None: ...

class CreateAudioTrackResponse(_message.Message):
    __slots__ = ("track",)
    TRACK_FIELD_NUMBER: _ClassVar[int]
    track: OwnedTrack
    def __init__(self, track: _Optional[_Union[OwnedTrack, _Mapping]] = ...) -> None: ...

class GetStatsRequest(_message.Message):
    __slots__ = ("track_handle", "request_async_id")
    TRACK_HANDLE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    track_handle: int
    request_async_id: int
    def __init__(self, track_handle: _Optional[int] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class GetStatsResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class GetStatsCallback(_message.Message):
    __slots__ = ("async_id", "error", "stats")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    STATS_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: str
    stats: _containers.RepeatedCompositeFieldContainer[_stats_pb2.RtcStats]
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[str] = ..., stats: _Optional[_Iterable[_Union[_stats_pb2.RtcStats, _Mapping]]] = ...) -> None: ...

class TrackEvent(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TrackPublicationInfo(_message.Message):
    __slots__ = ("sid", "name", "kind", "source", "simulcasted", "width", "height", "mime_type", "muted", "remote", "encryption_type", "audio_features", "frame_metadata_features")
    SID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SIMULCASTED_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    MUTED_FIELD_NUMBER: _ClassVar[int]
    REMOTE_FIELD_NUMBER: _ClassVar[int]
    ENCRYPTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FEATURES_FIELD_NUMBER: _ClassVar[int]
    FRAME_METADATA_FEATURES_FIELD_NUMBER: _ClassVar[int]
    sid: str
    name: str
    kind: TrackKind
    source: TrackSource
    simulcasted: bool
    width: int
    height: int
    mime_type: str
    muted: bool
    remote: bool
    encryption_type: _e2ee_pb2.EncryptionType
    audio_features: _containers.RepeatedScalarFieldContainer[AudioTrackFeature]
    frame_metadata_features: _containers.RepeatedScalarFieldContainer[FrameMetadataFeature]
    def __init__(self, sid: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[_Union[TrackKind, str]] = ..., source: _Optional[_Union[TrackSource, str]] = ..., simulcasted: _Optional[bool] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., mime_type: _Optional[str] = ..., muted: _Optional[bool] = ..., remote: _Optional[bool] = ..., encryption_type: _Optional[_Union[_e2ee_pb2.EncryptionType, str]] = ..., audio_features: _Optional[_Iterable[_Union[AudioTrackFeature, str]]] = ..., frame_metadata_features: _Optional[_Iterable[_Union[FrameMetadataFeature, str]]] = ...) -> None: ...

class OwnedTrackPublication(_message.Message):
    __slots__ = ("handle", "info")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    info: TrackPublicationInfo
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., info: _Optional[_Union[TrackPublicationInfo, _Mapping]] = ...) -> None: ...

class TrackInfo(_message.Message):
    __slots__ = ("sid", "name", "kind", "stream_state", "muted", "remote")
    SID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STREAM_STATE_FIELD_NUMBER: _ClassVar[int]
    MUTED_FIELD_NUMBER: _ClassVar[int]
    REMOTE_FIELD_NUMBER: _ClassVar[int]
    sid: str
    name: str
    kind: TrackKind
    stream_state: StreamState
    muted: bool
    remote: bool
    def __init__(self, sid: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[_Union[TrackKind, str]] = ..., stream_state: _Optional[_Union[StreamState, str]] = ..., muted: _Optional[bool] = ..., remote: _Optional[bool] = ...) -> None: ...

class OwnedTrack(_message.Message):
    __slots__ = ("handle", "info")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    info: TrackInfo
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., info: _Optional[_Union[TrackInfo, _Mapping]] = ...) -> None: ...

class LocalTrackMuteRequest(_message.Message):
    __slots__ = ("track_handle", "mute")
    TRACK_HANDLE_FIELD_NUMBER: _ClassVar[int]
    MUTE_FIELD_NUMBER: _ClassVar[int]
    track_handle: int
    mute: bool
    def __init__(self, track_handle: _Optional[int] = ..., mute: _Optional[bool] = ...) -> None: ...

class LocalTrackMuteResponse(_message.Message):
    __slots__ = ("muted",)
    MUTED_FIELD_NUMBER: _ClassVar[int]
    muted: bool
    def __init__(self, muted: _Optional[bool] = ...) -> None: ...

class EnableRemoteTrackRequest(_message.Message):
    __slots__ = ("track_handle", "enabled")
    TRACK_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    track_handle: int
    enabled: bool
    def __init__(self, track_handle: _Optional[int] = ..., enabled: _Optional[bool] = ...) -> None: ...

class EnableRemoteTrackResponse(_message.Message):
    __slots__ = ("enabled",)
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    def __init__(self, enabled: _Optional[bool] = ...) -> None: ...

class SetTrackSubscriptionPermissionsRequest(_message.Message):
    __slots__ = ("local_participant_handle", "all_participants_allowed", "permissions")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ALL_PARTICIPANTS_ALLOWED_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    all_participants_allowed: bool
    permissions: _containers.RepeatedCompositeFieldContainer[ParticipantTrackPermission]
    def __init__(self, local_participant_handle: _Optional[int] = ..., all_participants_allowed: _Optional[bool] = ..., permissions: _Optional[_Iterable[_Union[ParticipantTrackPermission, _Mapping]]] = ...) -> None: ...

class ParticipantTrackPermission(_message.Message):
    __slots__ = ("participant_identity", "allow_all", "allowed_track_sids")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    ALLOW_ALL_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_TRACK_SIDS_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    allow_all: bool
    allowed_track_sids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, participant_identity: _Optional[str] = ..., allow_all: _Optional[bool] = ..., allowed_track_sids: _Optional[_Iterable[str]] = ...) -> None: ...

class SetTrackSubscriptionPermissionsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
