from lkemu.proto import e2ee_pb2 as _e2ee_pb2
from lkemu.proto import handle_pb2 as _handle_pb2
from lkemu.proto import participant_pb2 as _participant_pb2
from lkemu.proto import track_pb2 as _track_pb2
from lkemu.proto import video_frame_pb2 as _video_frame_pb2
from lkemu.proto import stats_pb2 as _stats_pb2
from lkemu.proto import data_stream_pb2 as _data_stream_pb2
from lkemu.proto import data_track_pb2 as _data_track_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SimulateScenarioKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SIMULATE_SIGNAL_RECONNECT: _ClassVar[SimulateScenarioKind]
    SIMULATE_SPEAKER: _ClassVar[SimulateScenarioKind]
    SIMULATE_NODE_FAILURE: _ClassVar[SimulateScenarioKind]
    SIMULATE_SERVER_LEAVE: _ClassVar[SimulateScenarioKind]
    SIMULATE_MIGRATION: _ClassVar[SimulateScenarioKind]
    SIMULATE_FORCE_TCP: _ClassVar[SimulateScenarioKind]
    SIMULATE_FORCE_TLS: _ClassVar[SimulateScenarioKind]
    SIMULATE_FULL_RECONNECT: _ClassVar[SimulateScenarioKind]
    SIMULATE_DISCONNECT_SIGNAL_ON_RESUME: _ClassVar[SimulateScenarioKind]

class VideoEncoderBackend(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENCODER_BACKEND_AUTO: _ClassVar[VideoEncoderBackend]
    ENCODER_BACKEND_SOFTWARE: _ClassVar[VideoEncoderBackend]
    ENCODER_BACKEND_HARDWARE: _ClassVar[VideoEncoderBackend]
    ENCODER_BACKEND_NVENC: _ClassVar[VideoEncoderBackend]
    ENCODER_BACKEND_VAAPI: _ClassVar[VideoEncoderBackend]
    ENCODER_BACKEND_VIDEOTOOLBOX: _ClassVar[VideoEncoderBackend]
    ENCODER_BACKEND_PRE_ENCODED: _ClassVar[VideoEncoderBackend]

class DegradationPreference(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEGRADATION_PREFERENCE_BALANCED: _ClassVar[DegradationPreference]
    DEGRADATION_PREFERENCE_MAINTAIN_FRAMERATE: _ClassVar[DegradationPreference]
    DEGRADATION_PREFERENCE_MAINTAIN_RESOLUTION: _ClassVar[DegradationPreference]
    DEGRADATION_PREFERENCE_MAINTAIN_FRAMERATE_AND_RESOLUTION: _ClassVar[DegradationPreference]

class IceTransportType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSPORT_RELAY: _ClassVar[IceTransportType]
    TRANSPORT_NOHOST: _ClassVar[IceTransportType]
    TRANSPORT_ALL: _ClassVar[IceTransportType]

class ContinualGatheringPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GATHER_ONCE: _ClassVar[ContinualGatheringPolicy]
    GATHER_CONTINUALLY: _ClassVar[ContinualGatheringPolicy]

class ConnectionQuality(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUALITY_POOR: _ClassVar[ConnectionQuality]
    QUALITY_GOOD: _ClassVar[ConnectionQuality]
    QUALITY_EXCELLENT: _ClassVar[ConnectionQuality]
    QUALITY_LOST: _ClassVar[ConnectionQuality]

class ConnectionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONN_DISCONNECTED: _ClassVar[ConnectionState]
    CONN_CONNECTED: _ClassVar[ConnectionState]
    CONN_RECONNECTING: _ClassVar[ConnectionState]

class DataPacketKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    KIND_LOSSY: _ClassVar[DataPacketKind]
    KIND_RELIABLE: _ClassVar[DataPacketKind]
SIMULATE_SIGNAL_RECONNECT: SimulateScenarioKind
SIMULATE_SPEAKER: SimulateScenarioKind
SIMULATE_NODE_FAILURE: SimulateScenarioKind
SIMULATE_SERVER_LEAVE: SimulateScenarioKind
SIMULATE_MIGRATION: SimulateScenarioKind
SIMULATE_FORCE_TCP: SimulateScenarioKind
SIMULATE_FORCE_TLS: SimulateScenarioKind
SIMULATE_FULL_RECONNECT: SimulateScenarioKind
SIMULATE_DISCONNECT_SIGNAL_ON_RESUME: SimulateScenarioKind
ENCODER_BACKEND_AUTO: VideoEncoderBackend
ENCODER_BACKEND_SOFTWARE: VideoEncoderBackend
ENCODER_BACKEND_HARDWARE: VideoEncoderBackend
ENCODER_BACKEND_NVENC: VideoEncoderBackend
ENCODER_BACKEND_VAAPI: VideoEncoderBackend
ENCODER_BACKEND_VIDEOTOOLBOX: VideoEncoderBackend
ENCODER_BACKEND_PRE_ENCODED: VideoEncoderBackend
DEGRADATION_PREFERENCE_BALANCED: DegradationPreference
DEGRADATION_PREFERENCE_MAINTAIN_FRAMERATE: DegradationPreference
DEGRADATION_PREFERENCE_MAINTAIN_RESOLUTION: DegradationPreference
DEGRADATION_PREFERENCE_MAINTAIN_FRAMERATE_AND_RESOLUTION: DegradationPreference
TRANSPORT_RELAY: IceTransportType
TRANSPORT_NOHOST: IceTransportType
TRANSPORT_ALL: IceTransportType
GATHER_ONCE: ContinualGatheringPolicy
GATHER_CONTINUALLY: ContinualGatheringPolicy
QUALITY_POOR: ConnectionQuality
QUALITY_GOOD: ConnectionQuality
QUALITY_EXCELLENT: ConnectionQuality
QUALITY_LOST: ConnectionQuality
CONN_DISCONNECTED: ConnectionState
CONN_CONNECTED: ConnectionState
CONN_RECONNECTING: ConnectionState
KIND_LOSSY: DataPacketKind
KIND_RELIABLE: DataPacketKind

class ConnectRequest(_message.Message):
    __slots__ = ("url", "token", "options", "request_async_id")
    URL_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    url: str
    token: str
    options: RoomOptions
    request_async_id: int
    def __init__(self, url: _Optional[str] = ..., token: _Optional[str] = ..., options: _Optional[_Union[RoomOptions, _Mapping]] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class ConnectResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class ConnectCallback(_message.Message):
    __slots__ = ("async_id", "error", "result")
    class ParticipantWithTracks(_message.Message):
        __slots__ = ("participant", "publications")
        PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
        PUBLICATIONS_FIELD_NUMBER: _ClassVar[int]
        participant: _participant_pb2.OwnedParticipant
        publications: _containers.RepeatedCompositeFieldContainer[_track_pb2.OwnedTrackPublication]
        def __init__(self, participant: _Optional[_Union[_participant_pb2.OwnedParticipant, _Mapping]] = ..., publications: _Optional[_Iterable[_Union[_track_pb2.OwnedTrackPublication, _Mapping]]] = ...) -> None: ...
    class Result(_message.Message):
        __slots__ = ("room", "local_participant", "participants")
        ROOM_FIELD_NUMBER: _ClassVar[int]
        LOCAL_PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
        PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
        room: OwnedRoom
        local_participant: _participant_pb2.OwnedParticipant
        participants: _containers.RepeatedCompositeFieldContainer[ConnectCallback.ParticipantWithTracks]
        def __init__(self, room: _Optional[_Union[OwnedRoom, _Mapping]] = ..., local_participant: _Optional[_Union[_participant_pb2.OwnedParticipant, _Mapping]] = ..., participants: _Optional[_Iterable[_Union[ConnectCallback.ParticipantWithTracks, _Mapping]]] = ...) -> None: ...
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: str
    result: ConnectCallback.Result
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[str] = ..., result: _Optional[_Union[ConnectCallback.Result, _Mapping]] = ...) -> None: ...

class DisconnectRequest(_message.Message):
    __slots__ = ("room_handle", "request_async_id", "reason")
    ROOM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    room_handle: int
    request_async_id: int
    reason: _participant_pb2.DisconnectReason
    def __init__(self, room_handle: _Optional[int] = ..., request_async_id: _Optional[int] = ..., reason: _Optional[_Union[_participant_pb2.DisconnectReason, str]] = ...) -> None: ...

class DisconnectResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class DisconnectCallback(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class SimulateScenarioRequest(_message.Message):
    __slots__ = ("room_handle", "scenario", "request_async_id")
    ROOM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    room_handle: int
    scenario: SimulateScenarioKind
    request_async_id: int
    def __init__(self, room_handle: _Optional[int] = ..., scenario: _Optional[_Union[SimulateScenarioKind, str]] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class SimulateScenarioResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class SimulateScenarioCallback(_message.Message):
    __slots__ = ("async_id", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: str
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class PublishTrackRequest(_message.Message):
    __slots__ = ("local_participant_handle", "track_handle", "options", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    TRACK_HANDLE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    track_handle: int
    options: TrackPublishOptions
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., track_handle: _Optional[int] = ..., options: _Optional[_Union[TrackPublishOptions, _Mapping]] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class PublishTrackResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class PublishTrackCallback(_message.Message):
    __slots__ = ("async_id", "error", "publication")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    PUBLICATION_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: str
    publication: _track_pb2.OwnedTrackPublication
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[str] = ..., publication: _Optional[_Union[_track_pb2.OwnedTrackPublication, _Mapping]] = ...) -> None: ...

class ReadyForRoomEventRequest(_message.Message):
    __slots__ = ("room_handle",)
    ROOM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    room_handle: int
    def __init__(self, room_handle: _Optional[int] = ...) -> None: ...

class ReadyForRoomEventResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UnpublishTrackRequest(_message.Message):
    __slots__ = ("local_participant_handle", "track_sid", "stop_on_unpublish", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    TRACK_SID_FIELD_NUMBER: _ClassVar[int]
    STOP_ON_UNPUBLISH_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    track_sid: str
    stop_on_unpublish: bool
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., track_sid: _Optional[str] = ..., stop_on_unpublish: _Optional[bool] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class UnpublishTrackResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class UnpublishTrackCallback(_message.Message):
    __slots__ = ("async_id", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: str
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class PublishDataRequest(_message.Message):
    __slots__ = ("local_participant_handle", "data_ptr", "data_len", "reliable", "destination_sids", "topic", "destination_identities", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    DATA_PTR_FIELD_NUMBER: _ClassVar[int]
    DATA_LEN_FIELD_NUMBER: _ClassVar[int]
    RELIABLE_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_SIDS_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_IDENTITIES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    data_ptr: int
    data_len: int
    reliable: bool
    destination_sids: _containers.RepeatedScalarFieldContainer[str]
    topic: str
    destination_identities: _containers.RepeatedScalarFieldContainer[str]
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., data_ptr: _Optional[int] = ..., data_len: _Optional[int] = ..., reliable: _Optional[bool] = ..., destination_sids: _Optional[_Iterable[str]] = ..., topic: _Optional[str] = ..., destination_identities: _Optional[_Iterable[str]] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class PublishDataResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class PublishDataCallback(_message.Message):
    __slots__ = ("async_id", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: str
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class PublishTranscriptionRequest(_message.Message):
    __slots__ = ("local_participant_handle", "participant_identity", "track_id", "segments", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    participant_identity: str
    track_id: str
    segments: _containers.RepeatedCompositeFieldContainer[TranscriptionSegment]
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., participant_identity: _Optional[str] = ..., track_id: _Optional[str] = ..., segments: _Optional[_Iterable[_Union[TranscriptionSegment, _Mapping]]] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class PublishTranscriptionResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class PublishTranscriptionCallback(_message.Message):
    __slots__ = ("async_id", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: str
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class PublishSipDtmfRequest(_message.Message):
    __slots__ = ("local_participant_handle", "code", "digit", "destination_identities", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    DIGIT_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_IDENTITIES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    code: int
    digit: str
    destination_identities: _containers.RepeatedScalarFieldContainer[str]
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., code: _Optional[int] = ..., digit: _Optional[str] = ..., destination_identities: _Optional[_Iterable[str]] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class PublishSipDtmfResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class PublishSipDtmfCallback(_message.Message):
    __slots__ = ("async_id", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: str
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class SetLocalMetadataRequest(_message.Message):
    __slots__ = ("local_participant_handle", "metadata", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    metadata: str
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., metadata: _Optional[str] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class SetLocalMetadataResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class SetLocalMetadataCallback(_message.Message):
    __slots__ = ("async_id", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: str
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class SendChatMessageRequest(_message.Message):
    __slots__ = ("local_participant_handle", "message", "destination_identities", "sender_identity", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_IDENTITIES_FIELD_NUMBER: _ClassVar[int]
    SENDER_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    message: str
    destination_identities: _containers.RepeatedScalarFieldContainer[str]
    sender_identity: str
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., message: _Optional[str] = ..., destination_identities: _Optional[_Iterable[str]] = ..., sender_identity: _Optional[str] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class EditChatMessageRequest(_message.Message):
    __slots__ = ("local_participant_handle", "edit_text", "original_message", "destination_identities", "sender_identity", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    EDIT_TEXT_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_IDENTITIES_FIELD_NUMBER: _ClassVar[int]
    SENDER_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    edit_text: str
    original_message: ChatMessage
    destination_identities: _containers.RepeatedScalarFieldContainer[str]
    sender_identity: str
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., edit_text: _Optional[str] = ..., original_message: _Optional[_Union[ChatMessage, _Mapping]] = ..., destination_identities: _Optional[_Iterable[str]] = ..., sender_identity: _Optional[str] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class SendChatMessageResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class SendChatMessageCallback(_message.Message):
    __slots__ = ("async_id", "error", "chat_message")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CHAT_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: str
    chat_message: ChatMessage
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[str] = ..., chat_message: _Optional[_Union[ChatMessage, _Mapping]] = ...) -> None: ...

class SetLocalAttributesRequest(_message.Message):
    __slots__ = ("local_participant_handle", "attributes", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    attributes: _containers.RepeatedCompositeFieldContainer[AttributesEntry]
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., attributes: _Optional[_Iterable[_Union[AttributesEntry, _Mapping]]] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class AttributesEntry(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class SetLocalAttributesResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class SetLocalAttributesCallback(_message.Message):
    __slots__ = ("async_id", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: str
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class SetLocalNameRequest(_message.Message):
    __slots__ = ("local_participant_handle", "name", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    name: str
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., name: _Optional[str] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class SetLocalNameResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class SetLocalNameCallback(_message.Message):
    __slots__ = ("async_id", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: str
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class SetSubscribedRequest(_message.Message):
    __slots__ = ("subscribe", "publication_handle")
    SUBSCRIBE_FIELD_NUMBER: _ClassVar[int]
    PUBLICATION_HANDLE_FIELD_NUMBER: _ClassVar[int]
    subscribe: bool
    publication_handle: int
    def __init__(self, subscribe: _Optional[bool] = ..., publication_handle: _Optional[int] = ...) -> None: ...

class SetSubscribedResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetSessionStatsRequest(_message.Message):
    __slots__ = ("room_handle", "request_async_id")
    ROOM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    room_handle: int
    request_async_id: int
    def __init__(self, room_handle: _Optional[int] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class GetSessionStatsResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class GetSessionStatsCallback(_message.Message):
    __slots__ = ("async_id", "error", "result")
    class Result(_message.Message):
        __slots__ = ("publisher_stats", "subscriber_stats")
        PUBLISHER_STATS_FIELD_NUMBER: _ClassVar[int]
        SUBSCRIBER_STATS_FIELD_NUMBER: _ClassVar[int]
        publisher_stats: _containers.RepeatedCompositeFieldContainer[_stats_pb2.RtcStats]
        subscriber_stats: _containers.RepeatedCompositeFieldContainer[_stats_pb2.RtcStats]
        def __init__(self, publisher_stats: _Optional[_Iterable[_Union[_stats_pb2.RtcStats, _Mapping]]] = ..., subscriber_stats: _Optional[_Iterable[_Union[_stats_pb2.RtcStats, _Mapping]]] = ...) -> None: ...
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: str
    result: GetSessionStatsCallback.Result
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[str] = ..., result: _Optional[_Union[GetSessionStatsCallback.Result, _Mapping]] = ...) -> None: ...

class VideoEncoding(_message.Message):
    __slots__ = ("max_bitrate", "max_framerate")
    MAX_BITRATE_FIELD_NUMBER: _ClassVar[int]
    MAX_FRAMERATE_FIELD_NUMBER: _ClassVar[int]
    max_bitrate: int
    max_framerate: float
    def __init__(self, max_bitrate: _Optional[int] = ..., max_framerate: _Optional[float] = ...) -> None: ...

class AudioEncoding(_message.Message):
    __slots__ = ("max_bitrate",)
    MAX_BITRATE_FIELD_NUMBER: _ClassVar[int]
    max_bitrate: int
    def __init__(self, max_bitrate: _Optional[int] = ...) -> None: ...

class TrackPublishOptions(_message.Message):
    __slots__ = ("video_encoding", "audio_encoding", "video_codec", "dtx", "red", "simulcast", "source", "stream", "preconnect_buffer", "frame_metadata_features", "scalability_mode", "video_encoder", "degradation_preference")
    VIDEO_ENCODING_FIELD_NUMBER: _ClassVar[int]
    AUDIO_ENCODING_FIELD_NUMBER: _ClassVar[int]
    VIDEO_CODEC_FIELD_NUMBER: _ClassVar[int]
    DTX_FIELD_NUMBER: _ClassVar[int]
    RED_FIELD_NUMBER: _ClassVar[int]
    SIMULCAST_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    PRECONNECT_BUFFER_FIELD_NUMBER: _ClassVar[int]
    FRAME_METADATA_FEATURES_FIELD_NUMBER: _ClassVar[int]
    SCALABILITY_MODE_FIELD_NUMBER: _ClassVar[int]
    VIDEO_ENCODER_FIELD_NUMBER: _ClassVar[int]
    DEGRADATION_PREFERENCE_FIELD_NUMBER: _ClassVar[int]
    video_encoding: VideoEncoding
    audio_encoding: AudioEncoding
    video_codec: _video_frame_pb2.VideoCodec
    dtx: bool
    red: bool
    simulcast: bool
    source: _track_pb2.TrackSource
    stream: str
    preconnect_buffer: bool
    frame_metadata_features: _containers.RepeatedScalarFieldContainer[_track_pb2.FrameMetadataFeature]
    scalability_mode: str
    video_encoder: VideoEncoderBackend
    degradation_preference: DegradationPreference
    def __init__(self, video_encoding: _Optional[_Union[VideoEncoding, _Mapping]] = ..., audio_encoding: _Optional[_Union[AudioEncoding, _Mapping]] = ..., video_codec: _Optional[_Union[_video_frame_pb2.VideoCodec, str]] = ..., dtx: _Optional[bool] = ..., red: _Optional[bool] = ..., simulcast: _Optional[bool] = ..., source: _Optional[_Union[_track_pb2.TrackSource, str]] = ..., stream: _Optional[str] = ..., preconnect_buffer: _Optional[bool] = ..., frame_metadata_features: _Optional[_Iterable[_Union[_track_pb2.FrameMetadataFeature, str]]] = ..., scalability_mode: _Optional[str] = ..., video_encoder: _Optional[_Union[VideoEncoderBackend, str]] = ..., degradation_preference: _Optional[_Union[DegradationPreference, str]] = ...) -> None: ...

class IceServer(_message.Message):
    __slots__ = ("urls", "username", "password")
    URLS_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    urls: _containers.RepeatedScalarFieldContainer[str]
    username: str
    password: str
    def __init__(self, urls: _Optional[_Iterable[str]] = ..., username: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class RtcConfig(_message.Message):
    __slots__ = ("ice_transport_type", "continual_gathering_policy", "ice_servers")
    ICE_TRANSPORT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTINUAL_GATHERING_POLICY_FIELD_NUMBER: _ClassVar[int]
    ICE_SERVERS_FIELD_NUMBER: _ClassVar[int]
    ice_transport_type: IceTransportType
    continual_gathering_policy: ContinualGatheringPolicy
    ice_servers: _containers.RepeatedCompositeFieldContainer[IceServer]
    def __init__(self, ice_transport_type: _Optional[_Union[IceTransportType, str]] = ..., continual_gathering_policy: _Optional[_Union[ContinualGatheringPolicy, str]] = ..., ice_servers: _Optional[_Iterable[_Union[IceServer, _Mapping]]] = ...) -> None: ...

class RoomDataStreamOptions(_message.Message):
    __slots__ = ("max_payload_byte_length", "use_legacy_client_implementation")
    MAX_PAYLOAD_BYTE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    USE_LEGACY_CLIENT_IMPLEMENTATION_FIELD_NUMBER: _ClassVar[int]
    max_payload_byte_length: int
    use_legacy_client_implementation: bool
    def __init__(self, max_payload_byte_length: _Optional[int] = ..., use_legacy_client_implementation: _Optional[bool] = ...) -> None: ...

class RoomOptions(_message.Message):
    __slots__ = ("auto_subscribe", "adaptive_stream", "dynacast", "e2ee", "rtc_config", "join_retries", "encryption", "single_peer_connection", "connect_timeout_ms", "data_stream", "other_sdks")
    AUTO_SUBSCRIBE_FIELD_NUMBER: _ClassVar[int]
    ADAPTIVE_STREAM_FIELD_NUMBER: _ClassVar[int]
    DYNACAST_FIELD_NUMBER: _ClassVar[int]
    E2EE_FIELD_NUMBER: _ClassVar[int]
    RTC_CONFIG_FIELD_NUMBER: _ClassVar[int]
    JOIN_RETRIES_FIELD_NUMBER: _ClassVar[int]
    ENCRYPTION_FIELD_NUMBER: _ClassVar[int]
    SINGLE_PEER_CONNECTION_FIELD_NUMBER: _ClassVar[int]
    CONNECT_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    DATA_STREAM_FIELD_NUMBER: _ClassVar[int]
    OTHER_SDKS_FIELD_NUMBER: _ClassVar[int]
    auto_subscribe: bool
    adaptive_stream: bool
    dynacast: bool
    e2ee: _e2ee_pb2.E2eeOptions
    rtc_config: RtcConfig
    join_retries: int
    encryption: _e2ee_pb2.E2eeOptions
    single_peer_connection: bool
    connect_timeout_ms: int
    data_stream: RoomDataStreamOptions
    other_sdks: str
    def __init__(self, auto_subscribe: _Optional[bool] = ..., adaptive_stream: _Optional[bool] = ..., dynacast: _Optional[bool] = ..., e2ee: _Optional[_Union[_e2ee_pb2.E2eeOptions, _Mapping]] = ..., rtc_config: _Optional[_Union[RtcConfig, _Mapping]] = ..., join_retries: _Optional[int] = ..., encryption: _Optional[_Union[_e2ee_pb2.E2eeOptions, _Mapping]] = ..., single_peer_connection: _Optional[bool] = ..., connect_timeout_ms: _Optional[int] = ..., data_stream: _Optional[_Union[RoomDataStreamOptions, _Mapping]] = ..., other_sdks: _Optional[str] = ...) -> None: ...

class TranscriptionSegment(_message.Message):
    __slots__ = ("id", "text", "start_time", "end_time", "final", "language")
    ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    FINAL_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    id: str
    text: str
    start_time: int
    end_time: int
    final: bool
    language: str
    def __init__(self, id: _Optional[str] = ..., text: _Optional[str] = ..., start_time: _Optional[int] = ..., end_time: _Optional[int] = ..., final: _Optional[bool] = ..., language: _Optional[str] = ...) -> None: ...

class BufferInfo(_message.Message):
    __slots__ = ("data_ptr", "data_len")
    DATA_PTR_FIELD_NUMBER: _ClassVar[int]
    DATA_LEN_FIELD_NUMBER: _ClassVar[int]
    data_ptr: int
    data_len: int
    def __init__(self, data_ptr: _Optional[int] = ..., data_len: _Optional[int] = ...) -> None: ...

class OwnedBuffer(_message.Message):
    __slots__ = ("handle", "data")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    data: BufferInfo
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., data: _Optional[_Union[BufferInfo, _Mapping]] = ...) -> None: ...

class RoomEvent(_message.Message):
    __slots__ = ("room_handle", "participant_connected", "participant_disconnected", "local_track_published", "local_track_unpublished", "local_track_subscribed", "track_published", "track_unpublished", "track_subscribed", "track_unsubscribed", "track_subscription_failed", "track_muted", "track_unmuted", "active_speakers_changed", "room_metadata_changed", "room_sid_changed", "participant_metadata_changed", "participant_name_changed", "participant_attributes_changed", "connection_quality_changed", "connection_state_changed", "disconnected", "reconnecting", "reconnected", "e2ee_state_changed", "eos", "data_packet_received", "transcription_received", "chat_message", "stream_header_received", "stream_chunk_received", "stream_trailer_received", "data_channel_low_threshold_changed", "byte_stream_opened", "text_stream_opened", "room_updated", "moved", "participants_updated", "participant_encryption_status_changed", "participant_permission_changed", "token_refreshed", "participant_active", "data_track_published", "data_track_unpublished", "local_track_republished")
    ROOM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_CONNECTED_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_DISCONNECTED_FIELD_NUMBER: _ClassVar[int]
    LOCAL_TRACK_PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    LOCAL_TRACK_UNPUBLISHED_FIELD_NUMBER: _ClassVar[int]
    LOCAL_TRACK_SUBSCRIBED_FIELD_NUMBER: _ClassVar[int]
    TRACK_PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    TRACK_UNPUBLISHED_FIELD_NUMBER: _ClassVar[int]
    TRACK_SUBSCRIBED_FIELD_NUMBER: _ClassVar[int]
    TRACK_UNSUBSCRIBED_FIELD_NUMBER: _ClassVar[int]
    TRACK_SUBSCRIPTION_FAILED_FIELD_NUMBER: _ClassVar[int]
    TRACK_MUTED_FIELD_NUMBER: _ClassVar[int]
    TRACK_UNMUTED_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_SPEAKERS_CHANGED_FIELD_NUMBER: _ClassVar[int]
    ROOM_METADATA_CHANGED_FIELD_NUMBER: _ClassVar[int]
    ROOM_SID_CHANGED_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_METADATA_CHANGED_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_NAME_CHANGED_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_ATTRIBUTES_CHANGED_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_QUALITY_CHANGED_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_STATE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    DISCONNECTED_FIELD_NUMBER: _ClassVar[int]
    RECONNECTING_FIELD_NUMBER: _ClassVar[int]
    RECONNECTED_FIELD_NUMBER: _ClassVar[int]
    E2EE_STATE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    EOS_FIELD_NUMBER: _ClassVar[int]
    DATA_PACKET_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPTION_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    CHAT_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STREAM_HEADER_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    STREAM_CHUNK_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    STREAM_TRAILER_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    DATA_CHANNEL_LOW_THRESHOLD_CHANGED_FIELD_NUMBER: _ClassVar[int]
    BYTE_STREAM_OPENED_FIELD_NUMBER: _ClassVar[int]
    TEXT_STREAM_OPENED_FIELD_NUMBER: _ClassVar[int]
    ROOM_UPDATED_FIELD_NUMBER: _ClassVar[int]
    MOVED_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_UPDATED_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_ENCRYPTION_STATUS_CHANGED_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_PERMISSION_CHANGED_FIELD_NUMBER: _ClassVar[int]
    TOKEN_REFRESHED_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    DATA_TRACK_PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    DATA_TRACK_UNPUBLISHED_FIELD_NUMBER: _ClassVar[int]
    LOCAL_TRACK_REPUBLISHED_FIELD_NUMBER: _ClassVar[int]
    room_handle: int
    participant_connected: ParticipantConnected
    participant_disconnected: ParticipantDisconnected
    local_track_published: LocalTrackPublished
    local_track_unpublished: LocalTrackUnpublished
    local_track_subscribed: LocalTrackSubscribed
    track_published: TrackPublished
    track_unpublished: TrackUnpublished
    track_subscribed: TrackSubscribed
    track_unsubscribed: TrackUnsubscribed
    track_subscription_failed: TrackSubscriptionFailed
    track_muted: TrackMuted
    track_unmuted: TrackUnmuted
    active_speakers_changed: ActiveSpeakersChanged
    room_metadata_changed: RoomMetadataChanged
    room_sid_changed: RoomSidChanged
    participant_metadata_changed: ParticipantMetadataChanged
    participant_name_changed: ParticipantNameChanged
    participant_attributes_changed: ParticipantAttributesChanged
    connection_quality_changed: ConnectionQualityChanged
    connection_state_changed: ConnectionStateChanged
    disconnected: Disconnected
    reconnecting: Reconnecting
    reconnected: Reconnected
    e2ee_state_changed: E2eeStateChanged
    eos: RoomEOS
    data_packet_received: DataPacketReceived
    transcription_received: TranscriptionReceived
    chat_message: ChatMessageReceived
    stream_header_received: DataStreamHeaderReceived
    stream_chunk_received: DataStreamChunkReceived
    stream_trailer_received: DataStreamTrailerReceived
    data_channel_low_threshold_changed: DataChannelBufferedAmountLowThresholdChanged
    byte_stream_opened: ByteStreamOpened
    text_stream_opened: TextStreamOpened
    room_updated: RoomInfo
    moved: RoomInfo
    participants_updated: ParticipantsUpdated
    participant_encryption_status_changed: ParticipantEncryptionStatusChanged
    participant_permission_changed: ParticipantPermissionChanged
    token_refreshed: TokenRefreshed
    participant_active: ParticipantActive
    data_track_published: DataTrackPublished
    data_track_unpublished: DataTrackUnpublished
    local_track_republished: LocalTrackRepublished
    def __init__(self, room_handle: _Optional[int] = ..., participant_connected: _Optional[_Union[ParticipantConnected, _Mapping]] = ..., participant_disconnected: _Optional[_Union[ParticipantDisconnected, _Mapping]] = ..., local_track_published: _Optional[_Union[LocalTrackPublished, _Mapping]] = ..., local_track_unpublished: _Optional[_Union[LocalTrackUnpublished, _Mapping]] = ..., local_track_subscribed: _Optional[_Union[LocalTrackSubscribed, _Mapping]] = ..., track_published: _Optional[_Union[TrackPublished, _Mapping]] = ..., track_unpublished: _Optional[_Union[TrackUnpublished, _Mapping]] = ..., track_subscribed: _Optional[_Union[TrackSubscribed, _Mapping]] = ..., track_unsubscribed: _Optional[_Union[TrackUnsubscribed, _Mapping]] = ..., track_subscription_failed: _Optional[_Union[TrackSubscriptionFailed, _Mapping]] = ..., track_muted: _Optional[_Union[TrackMuted, _Mapping]] = ..., track_unmuted: _Optional[_Union[TrackUnmuted, _Mapping]] = ..., active_speakers_changed: _Optional[_Union[ActiveSpeakersChanged, _Mapping]] = ..., room_metadata_changed: _Optional[_Union[RoomMetadataChanged, _Mapping]] = ..., room_sid_changed: _Optional[_Union[RoomSidChanged, _Mapping]] = ..., participant_metadata_changed: _Optional[_Union[ParticipantMetadataChanged, _Mapping]] = ..., participant_name_changed: _Optional[_Union[ParticipantNameChanged, _Mapping]] = ..., participant_attributes_changed: _Optional[_Union[ParticipantAttributesChanged, _Mapping]] = ..., connection_quality_changed: _Optional[_Union[ConnectionQualityChanged, _Mapping]] = ..., connection_state_changed: _Optional[_Union[ConnectionStateChanged, _Mapping]] = ..., disconnected: _Optional[_Union[Disconnected, _Mapping]] = ..., reconnecting: _Optional[_Union[Reconnecting, _Mapping]] = ..., reconnected: _Optional[_Union[Reconnected, _Mapping]] = ..., e2ee_state_changed: _Optional[_Union[E2eeStateChanged, _Mapping]] = ..., eos: _Optional[_Union[RoomEOS, _Mapping]] = ..., data_packet_received: _Optional[_Union[DataPacketReceived, _Mapping]] = ..., transcription_received: _Optional[_Union[TranscriptionReceived, _Mapping]] = ..., chat_message: _Optional[_Union[ChatMessageReceived, _Mapping]] = ..., stream_header_received: _Optional[_Union[DataStreamHeaderReceived, _Mapping]] = ..., stream_chunk_received: _Optional[_Union[DataStreamChunkReceived, _Mapping]] = ..., stream_trailer_received: _Optional[_Union[DataStreamTrailerReceived, _Mapping]] = ..., data_channel_low_threshold_changed: _Optional[_Union[DataChannelBufferedAmountLowThresholdChanged, _Mapping]] = ..., byte_stream_opened: _Optional[_Union[ByteStreamOpened, _Mapping]] = ..., text_stream_opened: _Optional[_Union[TextStreamOpened, _Mapping]] = ..., room_updated: _Optional[_Union[RoomInfo, _Mapping]] = ..., moved: _Optional[_Union[RoomInfo, _Mapping]] = ..., participants_updated: _Optional[_Union[ParticipantsUpdated, _Mapping]] = ..., participant_encryption_status_changed: _Optional[_Union[ParticipantEncryptionStatusChanged, _Mapping]] = ..., participant_permission_changed: _Optional[_Union[ParticipantPermissionChanged, _Mapping]] = ..., token_refreshed: _Optional[_Union[TokenRefreshed, _Mapping]] = ..., participant_active: _Optional[_Union[ParticipantActive, _Mapping]] = ..., data_track_published: _Optional[_Union[DataTrackPublished, _Mapping]] = ..., data_track_unpublished: _Optional[_Union[DataTrackUnpublished, _Mapping]] = ..., local_track_republished: _Optional[_Union[LocalTrackRepublished, _Mapping]] = ...) -> None: ...

class RoomInfo(_message.Message):
    __slots__ = ("sid", "name", "metadata", "lossy_dc_buffered_amount_low_threshold", "reliable_dc_buffered_amount_low_threshold", "empty_timeout", "departure_timeout", "max_participants", "creation_time", "num_participants", "num_publishers", "active_recording")
    SID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    LOSSY_DC_BUFFERED_AMOUNT_LOW_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    RELIABLE_DC_BUFFERED_AMOUNT_LOW_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    EMPTY_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    DEPARTURE_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    MAX_PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    CREATION_TIME_FIELD_NUMBER: _ClassVar[int]
    NUM_PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    NUM_PUBLISHERS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_RECORDING_FIELD_NUMBER: _ClassVar[int]
    sid: str
    name: str
    metadata: str
    lossy_dc_buffered_amount_low_threshold: int
    reliable_dc_buffered_amount_low_threshold: int
    empty_timeout: int
    departure_timeout: int
    max_participants: int
    creation_time: int
    num_participants: int
    num_publishers: int
    active_recording: bool
    def __init__(self, sid: _Optional[str] = ..., name: _Optional[str] = ..., metadata: _Optional[str] = ..., lossy_dc_buffered_amount_low_threshold: _Optional[int] = ..., reliable_dc_buffered_amount_low_threshold: _Optional[int] = ..., empty_timeout: _Optional[int] = ..., departure_timeout: _Optional[int] = ..., max_participants: _Optional[int] = ..., creation_time: _Optional[int] = ..., num_participants: _Optional[int] = ..., num_publishers: _Optional[int] = ..., active_recording: _Optional[bool] = ...) -> None: ...

class OwnedRoom(_message.Message):
    __slots__ = ("handle", "info")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    info: RoomInfo
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., info: _Optional[_Union[RoomInfo, _Mapping]] = ...) -> None: ...

class ParticipantsUpdated(_message.Message):
    __slots__ = ("participants",)
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    participants: _containers.RepeatedCompositeFieldContainer[_participant_pb2.ParticipantInfo]
    def __init__(self, participants: _Optional[_Iterable[_Union[_participant_pb2.ParticipantInfo, _Mapping]]] = ...) -> None: ...

class ParticipantConnected(_message.Message):
    __slots__ = ("info",)
    INFO_FIELD_NUMBER: _ClassVar[int]
    info: _participant_pb2.OwnedParticipant
    def __init__(self, info: _Optional[_Union[_participant_pb2.OwnedParticipant, _Mapping]] = ...) -> None: ...

class ParticipantActive(_message.Message):
    __slots__ = ("participant_identity",)
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    def __init__(self, participant_identity: _Optional[str] = ...) -> None: ...

class ParticipantDisconnected(_message.Message):
    __slots__ = ("participant_identity", "disconnect_reason")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    DISCONNECT_REASON_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    disconnect_reason: _participant_pb2.DisconnectReason
    def __init__(self, participant_identity: _Optional[str] = ..., disconnect_reason: _Optional[_Union[_participant_pb2.DisconnectReason, str]] = ...) -> None: ...

class LocalTrackPublished(_message.Message):
    __slots__ = ("track_sid",)
    TRACK_SID_FIELD_NUMBER: _ClassVar[int]
    track_sid: str
    def __init__(self, track_sid: _Optional[str] = ...) -> None: ...

class LocalTrackUnpublished(_message.Message):
    __slots__ = ("publication_sid",)
    PUBLICATION_SID_FIELD_NUMBER: _ClassVar[int]
    publication_sid: str
    def __init__(self, publication_sid: _Optional[str] = ...) -> None: ...

class LocalTrackRepublished(_message.Message):
    __slots__ = ("publication_handle", "previous_sid", "info")
    PUBLICATION_HANDLE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_SID_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    publication_handle: int
    previous_sid: str
    info: _track_pb2.TrackPublicationInfo
    def __init__(self, publication_handle: _Optional[int] = ..., previous_sid: _Optional[str] = ..., info: _Optional[_Union[_track_pb2.TrackPublicationInfo, _Mapping]] = ...) -> None: ...

class LocalTrackSubscribed(_message.Message):
    __slots__ = ("track_sid",)
    TRACK_SID_FIELD_NUMBER: _ClassVar[int]
    track_sid: str
    def __init__(self, track_sid: _Optional[str] = ...) -> None: ...

class TrackPublished(_message.Message):
    __slots__ = ("participant_identity", "publication")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    PUBLICATION_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    publication: _track_pb2.OwnedTrackPublication
    def __init__(self, participant_identity: _Optional[str] = ..., publication: _Optional[_Union[_track_pb2.OwnedTrackPublication, _Mapping]] = ...) -> None: ...

class TrackUnpublished(_message.Message):
    __slots__ = ("participant_identity", "publication_sid")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    PUBLICATION_SID_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    publication_sid: str
    def __init__(self, participant_identity: _Optional[str] = ..., publication_sid: _Optional[str] = ...) -> None: ...

class TrackSubscribed(_message.Message):
    __slots__ = ("participant_identity", "track")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    TRACK_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    track: _track_pb2.OwnedTrack
    def __init__(self, participant_identity: _Optional[str] = ..., track: _Optional[_Union[_track_pb2.OwnedTrack, _Mapping]] = ...) -> None: ...

class TrackUnsubscribed(_message.Message):
    __slots__ = ("participant_identity", "track_sid")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    TRACK_SID_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    track_sid: str
    def __init__(self, participant_identity: _Optional[str] = ..., track_sid: _Optional[str] = ...) -> None: ...

class TrackSubscriptionFailed(_message.Message):
    __slots__ = ("participant_identity", "track_sid", "error")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    TRACK_SID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    track_sid: str
    error: str
    def __init__(self, participant_identity: _Optional[str] = ..., track_sid: _Optional[str] = ..., error: _Optional[str] = ...) -> None: ...

class TrackMuted(_message.Message):
    __slots__ = ("participant_identity", "track_sid")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    TRACK_SID_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    track_sid: str
    def __init__(self, participant_identity: _Optional[str] = ..., track_sid: _Optional[str] = ...) -> None: ...

class TrackUnmuted(_message.Message):
    __slots__ = ("participant_identity", "track_sid")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    TRACK_SID_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    track_sid: str
    def __init__(self, participant_identity: _Optional[str] = ..., track_sid: _Optional[str] = ...) -> None: ...

class E2eeStateChanged(_message.Message):
    __slots__ = ("participant_identity", "state")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    state: _e2ee_pb2.EncryptionState
    def __init__(self, participant_identity: _Optional[str] = ..., state: _Optional[_Union[_e2ee_pb2.EncryptionState, str]] = ...) -> None: ...

class ActiveSpeakersChanged(_message.Message):
    __slots__ = ("participant_identities",)
    PARTICIPANT_IDENTITIES_FIELD_NUMBER: _ClassVar[int]
    participant_identities: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, participant_identities: _Optional[_Iterable[str]] = ...) -> None: ...

class RoomMetadataChanged(_message.Message):
    __slots__ = ("metadata",)
    METADATA_FIELD_NUMBER: _ClassVar[int]
    metadata: str
    def __init__(self, metadata: _Optional[str] = ...) -> None: ...

class RoomSidChanged(_message.Message):
    __slots__ = ("sid",)
    SID_FIELD_NUMBER: _ClassVar[int]
    sid: str
    def __init__(self, sid: _Optional[str] = ...) -> None: ...

class ParticipantMetadataChanged(_message.Message):
    __slots__ = ("participant_identity", "metadata")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    metadata: str
    def __init__(self, participant_identity: _Optional[str] = ..., metadata: _Optional[str] = ...) -> None: ...

class ParticipantAttributesChanged(_message.Message):
    __slots__ = ("participant_identity", "attributes", "changed_attributes")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    CHANGED_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    attributes: _containers.RepeatedCompositeFieldContainer[AttributesEntry]
    changed_attributes: _containers.RepeatedCompositeFieldContainer[AttributesEntry]
    def __init__(self, participant_identity: _Optional[str] = ..., attributes: _Optional[_Iterable[_Union[AttributesEntry, _Mapping]]] = ..., changed_attributes: _Optional[_Iterable[_Union[AttributesEntry, _Mapping]]] = ...) -> None: ...

class ParticipantEncryptionStatusChanged(_message.Message):
    __slots__ = ("participant_identity", "is_encrypted")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    IS_ENCRYPTED_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    is_encrypted: bool
    def __init__(self, participant_identity: _Optional[str] = ..., is_encrypted: _Optional[bool] = ...) -> None: ...

class ParticipantNameChanged(_message.Message):
    __slots__ = ("participant_identity", "name")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    name: str
    def __init__(self, participant_identity: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ParticipantPermissionChanged(_message.Message):
    __slots__ = ("participant_identity", "permission")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    PERMISSION_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    permission: _participant_pb2.ParticipantPermission
    def __init__(self, participant_identity: _Optional[str] = ..., permission: _Optional[_Union[_participant_pb2.ParticipantPermission, _Mapping]] = ...) -> None: ...

class ConnectionQualityChanged(_message.Message):
    __slots__ = ("participant_identity", "quality")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    quality: ConnectionQuality
    def __init__(self, participant_identity: _Optional[str] = ..., quality: _Optional[_Union[ConnectionQuality, str]] = ...) -> None: ...

class UserPacket(_message.Message):
    __slots__ = ("data", "topic")
    DATA_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    data: OwnedBuffer
    topic: str
    def __init__(self, data: _Optional[_Union[OwnedBuffer, _Mapping]] = ..., topic: _Optional[str] = ...) -> None: ...

class ChatMessage(_message.Message):
    __slots__ = ("id", "timestamp", "message", "edit_timestamp", "deleted", "generated")
    ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    EDIT_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    GENERATED_FIELD_NUMBER: _ClassVar[int]
    id: str
    timestamp: int
    message: str
    edit_timestamp: int
    deleted: bool
    generated: bool
    def __init__(self, id: _Optional[str] = ..., timestamp: _Optional[int] = ..., message: _Optional[str] = ..., edit_timestamp: _Optional[int] = ..., deleted: _Optional[bool] = ..., generated: _Optional[bool] = ...) -> None: ...

class ChatMessageReceived(_message.Message):
    __slots__ = ("message", "participant_identity")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    message: ChatMessage
    participant_identity: str
    def __init__(self, message: _Optional[_Union[ChatMessage, _Mapping]] = ..., participant_identity: _Optional[str] = ...) -> None: ...

class SipDTMF(_message.Message):
    __slots__ = ("code", "digit")
    CODE_FIELD_NUMBER: _ClassVar[int]
    DIGIT_FIELD_NUMBER: _ClassVar[int]
    code: int
    digit: str
    def __init__(self, code: _Optional[int] = ..., digit: _Optional[str] = ...) -> None: ...

class DataPacketReceived(_message.Message):
    __slots__ = ("kind", "participant_identity", "user", "sip_dtmf")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    SIP_DTMF_FIELD_NUMBER: _ClassVar[int]
    kind: DataPacketKind
    participant_identity: str
    user: UserPacket
    sip_dtmf: SipDTMF
    def __init__(self, kind: _Optional[_Union[DataPacketKind, str]] = ..., participant_identity: _Optional[str] = ..., user: _Optional[_Union[UserPacket, _Mapping]] = ..., sip_dtmf: _Optional[_Union[SipDTMF, _Mapping]] = ...) -> None: ...

class TranscriptionReceived(_message.Message):
    __slots__ = ("participant_identity", "track_sid", "segments")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    TRACK_SID_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    track_sid: str
    segments: _containers.RepeatedCompositeFieldContainer[TranscriptionSegment]
    def __init__(self, participant_identity: _Optional[str] = ..., track_sid: _Optional[str] = ..., segments: _Optional[_Iterable[_Union[TranscriptionSegment, _Mapping]]] = ...) -> None: ...

class ConnectionStateChanged(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: ConnectionState
    def __init__(self, state: _Optional[_Union[ConnectionState, str]] = ...) -> None: ...

class Connected(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Disconnected(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: _participant_pb2.DisconnectReason
    def __init__(self, reason: _Optional[_Union[_participant_pb2.DisconnectReason, str]] = ...) -> None: ...

class Reconnecting(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Reconnected(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TokenRefreshed(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class RoomEOS(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DataStream(_message.Message):
    __slots__ = ()
    class OperationType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        CREATE: _ClassVar[DataStream.OperationType]
        UPDATE: _ClassVar[DataStream.OperationType]
        DELETE: _ClassVar[DataStream.OperationType]
        REACTION: _ClassVar[DataStream.OperationType]
    CREATE: DataStream.OperationType
    UPDATE: DataStream.OperationType
    DELETE: DataStream.OperationType
    REACTION: DataStream.OperationType
    class TextHeader(_message.Message):
        __slots__ = ("operation_type", "version", "reply_to_stream_id", "attached_stream_ids", "generated")
        OPERATION_TYPE_FIELD_NUMBER: _ClassVar[int]
        VERSION_FIELD_NUMBER: _ClassVar[int]
        REPLY_TO_STREAM_ID_FIELD_NUMBER: _ClassVar[int]
        ATTACHED_STREAM_IDS_FIELD_NUMBER: _ClassVar[int]
        GENERATED_FIELD_NUMBER: _ClassVar[int]
        operation_type: DataStream.OperationType
        version: int
        reply_to_stream_id: str
        attached_stream_ids: _containers.RepeatedScalarFieldContainer[str]
        generated: bool
        def __init__(self, operation_type: _Optional[_Union[DataStream.OperationType, str]] = ..., version: _Optional[int] = ..., reply_to_stream_id: _Optional[str] = ..., attached_stream_ids: _Optional[_Iterable[str]] = ..., generated: _Optional[bool] = ...) -> None: ...
    class ByteHeader(_message.Message):
        __slots__ = ("name",)
        NAME_FIELD_NUMBER: _ClassVar[int]
        name: str
        def __init__(self, name: _Optional[str] = ...) -> None: ...
    class Header(_message.Message):
        __slots__ = ("stream_id", "timestamp", "mime_type", "topic", "total_length", "attributes", "text_header", "byte_header")
        class AttributesEntry(_message.Message):
            __slots__ = ("key", "value")
            KEY_FIELD_NUMBER: _ClassVar[int]
            VALUE_FIELD_NUMBER: _ClassVar[int]
            key: str
            value: str
            def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
        STREAM_ID_FIELD_NUMBER: _ClassVar[int]
        TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
        MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
        TOPIC_FIELD_NUMBER: _ClassVar[int]
        TOTAL_LENGTH_FIELD_NUMBER: _ClassVar[int]
        ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
        TEXT_HEADER_FIELD_NUMBER: _ClassVar[int]
        BYTE_HEADER_FIELD_NUMBER: _ClassVar[int]
        stream_id: str
        timestamp: int
        mime_type: str
        topic: str
        total_length: int
        attributes: _containers.ScalarMap[str, str]
        text_header: DataStream.TextHeader
        byte_header: DataStream.ByteHeader
        def __init__(self, stream_id: _Optional[str] = ..., timestamp: _Optional[int] = ..., mime_type: _Optional[str] = ..., topic: _Optional[str] = ..., total_length: _Optional[int] = ..., attributes: _Optional[_Mapping[str, str]] = ..., text_header: _Optional[_Union[DataStream.TextHeader, _Mapping]] = ..., byte_header: _Optional[_Union[DataStream.ByteHeader, _Mapping]] = ...) -> None: ...
    class Chunk(_message.Message):
        __slots__ = ("stream_id", "chunk_index", "content", "version", "iv")
        STREAM_ID_FIELD_NUMBER: _ClassVar[int]
        CHUNK_INDEX_FIELD_NUMBER: _ClassVar[int]
        CONTENT_FIELD_NUMBER: _ClassVar[int]
        VERSION_FIELD_NUMBER: _ClassVar[int]
        IV_FIELD_NUMBER: _ClassVar[int]
        stream_id: str
        chunk_index: int
        content: bytes
        version: int
        iv: bytes
        def __init__(self, stream_id: _Optional[str] = ..., chunk_index: _Optional[int] = ..., content: _Optional[bytes] = ..., version: _Optional[int] = ..., iv: _Optional[bytes] = ...) -> None: ...
    class Trailer(_message.Message):
        __slots__ = ("stream_id", "reason", "attributes")
        class AttributesEntry(_message.Message):
            __slots__ = ("key", "value")
            KEY_FIELD_NUMBER: _ClassVar[int]
            VALUE_FIELD_NUMBER: _ClassVar[int]
            key: str
            value: str
            def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
        STREAM_ID_FIELD_NUMBER: _ClassVar[int]
        REASON_FIELD_NUMBER: _ClassVar[int]
        ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
        stream_id: str
        reason: str
        attributes: _containers.ScalarMap[str, str]
        def __init__(self, stream_id: _Optional[str] = ..., reason: _Optional[str] = ..., attributes: _Optional[_Mapping[str, str]] = ...) -> None: ...
    def __init__(self) -> None: ...

class DataStreamHeaderReceived(_message.Message):
    __slots__ = ("participant_identity", "header")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    header: DataStream.Header
    def __init__(self, participant_identity: _Optional[str] = ..., header: _Optional[_Union[DataStream.Header, _Mapping]] = ...) -> None: ...

class DataStreamChunkReceived(_message.Message):
    __slots__ = ("participant_identity", "chunk")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    chunk: DataStream.Chunk
    def __init__(self, participant_identity: _Optional[str] = ..., chunk: _Optional[_Union[DataStream.Chunk, _Mapping]] = ...) -> None: ...

class DataStreamTrailerReceived(_message.Message):
    __slots__ = ("participant_identity", "trailer")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    TRAILER_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    trailer: DataStream.Trailer
    def __init__(self, participant_identity: _Optional[str] = ..., trailer: _Optional[_Union[DataStream.Trailer, _Mapping]] = ...) -> None: ...

class SendStreamHeaderRequest(_message.Message):
    __slots__ = ("local_participant_handle", "header", "destination_identities", "sender_identity", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_IDENTITIES_FIELD_NUMBER: _ClassVar[int]
    SENDER_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    header: DataStream.Header
    destination_identities: _containers.RepeatedScalarFieldContainer[str]
    sender_identity: str
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., header: _Optional[_Union[DataStream.Header, _Mapping]] = ..., destination_identities: _Optional[_Iterable[str]] = ..., sender_identity: _Optional[str] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class SendStreamChunkRequest(_message.Message):
    __slots__ = ("local_participant_handle", "chunk", "destination_identities", "sender_identity", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_IDENTITIES_FIELD_NUMBER: _ClassVar[int]
    SENDER_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    chunk: DataStream.Chunk
    destination_identities: _containers.RepeatedScalarFieldContainer[str]
    sender_identity: str
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., chunk: _Optional[_Union[DataStream.Chunk, _Mapping]] = ..., destination_identities: _Optional[_Iterable[str]] = ..., sender_identity: _Optional[str] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class SendStreamTrailerRequest(_message.Message):
    __slots__ = ("local_participant_handle", "trailer", "destination_identities", "sender_identity", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    TRAILER_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_IDENTITIES_FIELD_NUMBER: _ClassVar[int]
    SENDER_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    trailer: DataStream.Trailer
    destination_identities: _containers.RepeatedScalarFieldContainer[str]
    sender_identity: str
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., trailer: _Optional[_Union[DataStream.Trailer, _Mapping]] = ..., destination_identities: _Optional[_Iterable[str]] = ..., sender_identity: _Optional[str] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class SendStreamHeaderResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class SendStreamChunkResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class SendStreamTrailerResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class SendStreamHeaderCallback(_message.Message):
    __slots__ = ("async_id", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: str
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class SendStreamChunkCallback(_message.Message):
    __slots__ = ("async_id", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: str
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class SendStreamTrailerCallback(_message.Message):
    __slots__ = ("async_id", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: str
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class SetDataChannelBufferedAmountLowThresholdRequest(_message.Message):
    __slots__ = ("local_participant_handle", "threshold", "kind")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    threshold: int
    kind: DataPacketKind
    def __init__(self, local_participant_handle: _Optional[int] = ..., threshold: _Optional[int] = ..., kind: _Optional[_Union[DataPacketKind, str]] = ...) -> None: ...

class SetDataChannelBufferedAmountLowThresholdResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DataChannelBufferedAmountLowThresholdChanged(_message.Message):
    __slots__ = ("kind", "threshold")
    KIND_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    kind: DataPacketKind
    threshold: int
    def __init__(self, kind: _Optional[_Union[DataPacketKind, str]] = ..., threshold: _Optional[int] = ...) -> None: ...

class ByteStreamOpened(_message.Message):
    __slots__ = ("reader", "participant_identity")
    READER_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    reader: _data_stream_pb2.OwnedByteStreamReader
    participant_identity: str
    def __init__(self, reader: _Optional[_Union[_data_stream_pb2.OwnedByteStreamReader, _Mapping]] = ..., participant_identity: _Optional[str] = ...) -> None: ...

class TextStreamOpened(_message.Message):
    __slots__ = ("reader", "participant_identity")
    READER_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    reader: _data_stream_pb2.OwnedTextStreamReader
    participant_identity: str
    def __init__(self, reader: _Optional[_Union[_data_stream_pb2.OwnedTextStreamReader, _Mapping]] = ..., participant_identity: _Optional[str] = ...) -> None: ...

class DataTrackPublished(_message.Message):
    __slots__ = ("track",)
    TRACK_FIELD_NUMBER: _ClassVar[int]
    track: _data_track_pb2.OwnedRemoteDataTrack
    def __init__(self, track: _Optional[_Union[_data_track_pb2.OwnedRemoteDataTrack, _Mapping]] = ...) -> None: ...

class DataTrackUnpublished(_message.Message):
    __slots__ = ("sid",)
    SID_FIELD_NUMBER: _ClassVar[int]
    sid: str
    def __init__(self, sid: _Optional[str] = ...) -> None: ...
