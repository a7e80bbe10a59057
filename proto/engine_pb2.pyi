from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ErrorKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NONE: _ClassVar[ErrorKind]
    DECODE: _ClassVar[ErrorKind]
    INVALID_REQUEST: _ClassVar[ErrorKind]
    NOT_IMPLEMENTED: _ClassVar[ErrorKind]
    INTERNAL: _ClassVar[ErrorKind]
    NO_SESSION: _ClassVar[ErrorKind]
NONE: ErrorKind
DECODE: ErrorKind
INVALID_REQUEST: ErrorKind
NOT_IMPLEMENTED: ErrorKind
INTERNAL: ErrorKind
NO_SESSION: ErrorKind

class Blob(_message.Message):
    __slots__ = ("address", "data", "kind", "owner_handle", "detached", "shared_name", "path", "error", "directory")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        INPUT: _ClassVar[Blob.Kind]
        IN_PLACE: _ClassVar[Blob.Kind]
        OWNED: _ClassVar[Blob.Kind]
        LENT: _ClassVar[Blob.Kind]
        CLIENT_FILE: _ClassVar[Blob.Kind]
        FILE_WRITE: _ClassVar[Blob.Kind]
    INPUT: Blob.Kind
    IN_PLACE: Blob.Kind
    OWNED: Blob.Kind
    LENT: Blob.Kind
    CLIENT_FILE: Blob.Kind
    FILE_WRITE: Blob.Kind
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OWNER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    DETACHED_FIELD_NUMBER: _ClassVar[int]
    SHARED_NAME_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    DIRECTORY_FIELD_NUMBER: _ClassVar[int]
    address: int
    data: bytes
    kind: Blob.Kind
    owner_handle: int
    detached: bool
    shared_name: str
    path: str
    error: str
    directory: str
    def __init__(self, address: _Optional[int] = ..., data: _Optional[bytes] = ..., kind: _Optional[_Union[Blob.Kind, str]] = ..., owner_handle: _Optional[int] = ..., detached: _Optional[bool] = ..., shared_name: _Optional[str] = ..., path: _Optional[str] = ..., error: _Optional[str] = ..., directory: _Optional[str] = ...) -> None: ...

class OpenSessionRequest(_message.Message):
    __slots__ = ("capture_logs", "sdk", "sdk_version", "client_pid", "shared_probe", "shared_token")
    CAPTURE_LOGS_FIELD_NUMBER: _ClassVar[int]
    SDK_FIELD_NUMBER: _ClassVar[int]
    SDK_VERSION_FIELD_NUMBER: _ClassVar[int]
    CLIENT_PID_FIELD_NUMBER: _ClassVar[int]
    SHARED_PROBE_FIELD_NUMBER: _ClassVar[int]
    SHARED_TOKEN_FIELD_NUMBER: _ClassVar[int]
    capture_logs: bool
    sdk: str
    sdk_version: str
    client_pid: int
    shared_probe: str
    shared_token: bytes
    def __init__(self, capture_logs: _Optional[bool] = ..., sdk: _Optional[str] = ..., sdk_version: _Optional[str] = ..., client_pid: _Optional[int] = ..., shared_probe: _Optional[str] = ..., shared_token: _Optional[bytes] = ...) -> None: ...

class OpenSessionResponse(_message.Message):
    __slots__ = ("session_id", "engine_version", "clock", "fast_lane", "shared_memory", "blob_tag", "session_token")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ENGINE_VERSION_FIELD_NUMBER: _ClassVar[int]
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    FAST_LANE_FIELD_NUMBER: _ClassVar[int]
    SHARED_MEMORY_FIELD_NUMBER: _ClassVar[int]
    BLOB_TAG_FIELD_NUMBER: _ClassVar[int]
    SESSION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    session_id: int
    engine_version: str
    clock: str
    fast_lane: str
    shared_memory: bool
    blob_tag: str
    session_token: bytes
    def __init__(self, session_id: _Optional[int] = ..., engine_version: _Optional[str] = ..., clock: _Optional[str] = ..., fast_lane: _Optional[str] = ..., shared_memory: _Optional[bool] = ..., blob_tag: _Optional[str] = ..., session_token: _Optional[bytes] = ...) -> None: ...

class CloseSessionRequest(_message.Message):
    __slots__ = ("session_id", "session_token")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    session_id: int
    session_token: bytes
    def __init__(self, session_id: _Optional[int] = ..., session_token: _Optional[bytes] = ...) -> None: ...

class CloseSessionResponse(_message.Message):
    __slots__ = ("released_handles",)
    RELEASED_HANDLES_FIELD_NUMBER: _ClassVar[int]
    released_handles: int
    def __init__(self, released_handles: _Optional[int] = ...) -> None: ...

class FfiCall(_message.Message):
    __slots__ = ("session_id", "request", "inputs", "session_token")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    SESSION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    session_id: int
    request: bytes
    inputs: _containers.RepeatedCompositeFieldContainer[Blob]
    session_token: bytes
    def __init__(self, session_id: _Optional[int] = ..., request: _Optional[bytes] = ..., inputs: _Optional[_Iterable[_Union[Blob, _Mapping]]] = ..., session_token: _Optional[bytes] = ...) -> None: ...

class FfiReply(_message.Message):
    __slots__ = ("handle", "response", "outputs", "error", "error_kind", "request_name")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ERROR_KIND_FIELD_NUMBER: _ClassVar[int]
    REQUEST_NAME_FIELD_NUMBER: _ClassVar[int]
    handle: int
    response: bytes
    outputs: _containers.RepeatedCompositeFieldContainer[Blob]
    error: str
    error_kind: ErrorKind
    request_name: str
    def __init__(self, handle: _Optional[int] = ..., response: _Optional[bytes] = ..., outputs: _Optional[_Iterable[_Union[Blob, _Mapping]]] = ..., error: _Optional[str] = ..., error_kind: _Optional[_Union[ErrorKind, str]] = ..., request_name: _Optional[str] = ...) -> None: ...

class DropHandleRequest(_message.Message):
    __slots__ = ("session_id", "handle", "session_token")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    SESSION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    session_id: int
    handle: int
    session_token: bytes
    def __init__(self, session_id: _Optional[int] = ..., handle: _Optional[int] = ..., session_token: _Optional[bytes] = ...) -> None: ...

class DropHandleResponse(_message.Message):
    __slots__ = ("existed",)
    EXISTED_FIELD_NUMBER: _ClassVar[int]
    existed: bool
    def __init__(self, existed: _Optional[bool] = ...) -> None: ...

class EventsRequest(_message.Message):
    __slots__ = ("session_id", "session_token")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    session_id: int
    session_token: bytes
    def __init__(self, session_id: _Optional[int] = ..., session_token: _Optional[bytes] = ...) -> None: ...

class EngineEvent(_message.Message):
    __slots__ = ("event", "outputs")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    event: bytes
    outputs: _containers.RepeatedCompositeFieldContainer[Blob]
    def __init__(self, event: _Optional[bytes] = ..., outputs: _Optional[_Iterable[_Union[Blob, _Mapping]]] = ...) -> None: ...

class EventBatch(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[EngineEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[EngineEvent, _Mapping]]] = ...) -> None: ...

class InfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class EngineInfo(_message.Message):
    __slots__ = ("engine_version", "protocol_version", "clock", "sessions", "implemented_requests", "unimplemented_requests", "pid", "partial_requests")
    class PartialRequestsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ENGINE_VERSION_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    IMPLEMENTED_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    UNIMPLEMENTED_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    PID_FIELD_NUMBER: _ClassVar[int]
    PARTIAL_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    engine_version: str
    protocol_version: str
    clock: str
    sessions: int
    implemented_requests: _containers.RepeatedScalarFieldContainer[str]
    unimplemented_requests: _containers.RepeatedScalarFieldContainer[str]
    pid: int
    partial_requests: _containers.ScalarMap[str, str]
    def __init__(self, engine_version: _Optional[str] = ..., protocol_version: _Optional[str] = ..., clock: _Optional[str] = ..., sessions: _Optional[int] = ..., implemented_requests: _Optional[_Iterable[str]] = ..., unimplemented_requests: _Optional[_Iterable[str]] = ..., pid: _Optional[int] = ..., partial_requests: _Optional[_Mapping[str, str]] = ...) -> None: ...

class HandleCountsRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: int
    def __init__(self, session_id: _Optional[int] = ...) -> None: ...

class HandleCounts(_message.Message):
    __slots__ = ("total", "by_type")
    class ByTypeEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    BY_TYPE_FIELD_NUMBER: _ClassVar[int]
    total: int
    by_type: _containers.ScalarMap[str, int]
    def __init__(self, total: _Optional[int] = ..., by_type: _Optional[_Mapping[str, int]] = ...) -> None: ...

class ListRoomsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RoomSummary(_message.Message):
    __slots__ = ("name", "sid", "metadata", "num_participants", "num_publishers", "active_speakers")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    NUM_PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    NUM_PUBLISHERS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_SPEAKERS_FIELD_NUMBER: _ClassVar[int]
    name: str
    sid: str
    metadata: str
    num_participants: int
    num_publishers: int
    active_speakers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., sid: _Optional[str] = ..., metadata: _Optional[str] = ..., num_participants: _Optional[int] = ..., num_publishers: _Optional[int] = ..., active_speakers: _Optional[_Iterable[str]] = ...) -> None: ...

class ListRoomsReply(_message.Message):
    __slots__ = ("rooms",)
    ROOMS_FIELD_NUMBER: _ClassVar[int]
    rooms: _containers.RepeatedCompositeFieldContainer[RoomSummary]
    def __init__(self, rooms: _Optional[_Iterable[_Union[RoomSummary, _Mapping]]] = ...) -> None: ...

class ListParticipantsRequest(_message.Message):
    __slots__ = ("room",)
    ROOM_FIELD_NUMBER: _ClassVar[int]
    room: str
    def __init__(self, room: _Optional[str] = ...) -> None: ...

class TrackSummary(_message.Message):
    __slots__ = ("sid", "name", "kind", "source", "muted")
    SID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    MUTED_FIELD_NUMBER: _ClassVar[int]
    sid: str
    name: str
    kind: str
    source: int
    muted: bool
    def __init__(self, sid: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ..., source: _Optional[int] = ..., muted: _Optional[bool] = ...) -> None: ...

class ParticipantSummary(_message.Message):
    __slots__ = ("identity", "sid", "name", "metadata", "attributes", "hidden", "injected", "tracks", "subscribed_to", "audio_level")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    SID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    HIDDEN_FIELD_NUMBER: _ClassVar[int]
    INJECTED_FIELD_NUMBER: _ClassVar[int]
    TRACKS_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIBED_TO_FIELD_NUMBER: _ClassVar[int]
    AUDIO_LEVEL_FIELD_NUMBER: _ClassVar[int]
    identity: str
    sid: str
    name: str
    metadata: str
    attributes: _containers.ScalarMap[str, str]
    hidden: bool
    injected: bool
    tracks: _containers.RepeatedCompositeFieldContainer[TrackSummary]
    subscribed_to: _containers.RepeatedScalarFieldContainer[str]
    audio_level: float
    def __init__(self, identity: _Optional[str] = ..., sid: _Optional[str] = ..., name: _Optional[str] = ..., metadata: _Optional[str] = ..., attributes: _Optional[_Mapping[str, str]] = ..., hidden: _Optional[bool] = ..., injected: _Optional[bool] = ..., tracks: _Optional[_Iterable[_Union[TrackSummary, _Mapping]]] = ..., subscribed_to: _Optional[_Iterable[str]] = ..., audio_level: _Optional[float] = ...) -> None: ...

class ListParticipantsReply(_message.Message):
    __slots__ = ("participants",)
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    participants: _containers.RepeatedCompositeFieldContainer[ParticipantSummary]
    def __init__(self, participants: _Optional[_Iterable[_Union[ParticipantSummary, _Mapping]]] = ...) -> None: ...

class InjectParticipantRequest(_message.Message):
    __slots__ = ("room", "identity", "name", "metadata", "wav", "signal", "loop", "track_name", "start_immediately", "no_subscribe", "kind")
    ROOM_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    WAV_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_FIELD_NUMBER: _ClassVar[int]
    LOOP_FIELD_NUMBER: _ClassVar[int]
    TRACK_NAME_FIELD_NUMBER: _ClassVar[int]
    START_IMMEDIATELY_FIELD_NUMBER: _ClassVar[int]
    NO_SUBSCRIBE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    room: str
    identity: str
    name: str
    metadata: str
    wav: bytes
    signal: GeneratedSignal
    loop: bool
    track_name: str
    start_immediately: bool
    no_subscribe: bool
    kind: str
    def __init__(self, room: _Optional[str] = ..., identity: _Optional[str] = ..., name: _Optional[str] = ..., metadata: _Optional[str] = ..., wav: _Optional[bytes] = ..., signal: _Optional[_Union[GeneratedSignal, _Mapping]] = ..., loop: _Optional[bool] = ..., track_name: _Optional[str] = ..., start_immediately: _Optional[bool] = ..., no_subscribe: _Optional[bool] = ..., kind: _Optional[str] = ...) -> None: ...

class GeneratedSignal(_message.Message):
    __slots__ = ("kind", "seconds", "sample_rate", "num_channels", "frequency_hz", "level_dbfs", "seed")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    NUM_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_HZ_FIELD_NUMBER: _ClassVar[int]
    LEVEL_DBFS_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    kind: str
    seconds: float
    sample_rate: int
    num_channels: int
    frequency_hz: float
    level_dbfs: float
    seed: int
    def __init__(self, kind: _Optional[str] = ..., seconds: _Optional[float] = ..., sample_rate: _Optional[int] = ..., num_channels: _Optional[int] = ..., frequency_hz: _Optional[float] = ..., level_dbfs: _Optional[float] = ..., seed: _Optional[int] = ...) -> None: ...

class InjectParticipantReply(_message.Message):
    __slots__ = ("participant", "track_sid", "samples")
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    TRACK_SID_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    participant: ParticipantSummary
    track_sid: str
    samples: int
    def __init__(self, participant: _Optional[_Union[ParticipantSummary, _Mapping]] = ..., track_sid: _Optional[str] = ..., samples: _Optional[int] = ...) -> None: ...

class RemoveParticipantRequest(_message.Message):
    __slots__ = ("room", "identity", "reason")
    ROOM_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    room: str
    identity: str
    reason: int
    def __init__(self, room: _Optional[str] = ..., identity: _Optional[str] = ..., reason: _Optional[int] = ...) -> None: ...

class RemoveParticipantReply(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CloseRoomRequest(_message.Message):
    __slots__ = ("room",)
    ROOM_FIELD_NUMBER: _ClassVar[int]
    room: str
    def __init__(self, room: _Optional[str] = ...) -> None: ...

class CloseRoomReply(_message.Message):
    __slots__ = ("disconnected",)
    DISCONNECTED_FIELD_NUMBER: _ClassVar[int]
    disconnected: int
    def __init__(self, disconnected: _Optional[int] = ...) -> None: ...

class UpdateRoomMetadataRequest(_message.Message):
    __slots__ = ("room", "metadata")
    ROOM_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    room: str
    metadata: str
    def __init__(self, room: _Optional[str] = ..., metadata: _Optional[str] = ...) -> None: ...

class UpdateRoomMetadataReply(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetConnectionQualityRequest(_message.Message):
    __slots__ = ("room", "identity", "quality")
    ROOM_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    room: str
    identity: str
    quality: int
    def __init__(self, room: _Optional[str] = ..., identity: _Optional[str] = ..., quality: _Optional[int] = ...) -> None: ...

class SetConnectionQualityReply(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SimulateReconnectRequest(_message.Message):
    __slots__ = ("room", "identity")
    ROOM_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    room: str
    identity: str
    def __init__(self, room: _Optional[str] = ..., identity: _Optional[str] = ...) -> None: ...

class SimulateReconnectReply(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetNetworkConditionsRequest(_message.Message):
    __slots__ = ("room", "identity", "loss_percent", "jitter_ms", "bandwidth_bps", "seed")
    ROOM_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    LOSS_PERCENT_FIELD_NUMBER: _ClassVar[int]
    JITTER_MS_FIELD_NUMBER: _ClassVar[int]
    BANDWIDTH_BPS_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    room: str
    identity: str
    loss_percent: float
    jitter_ms: float
    bandwidth_bps: int
    seed: int
    def __init__(self, room: _Optional[str] = ..., identity: _Optional[str] = ..., loss_percent: _Optional[float] = ..., jitter_ms: _Optional[float] = ..., bandwidth_bps: _Optional[int] = ..., seed: _Optional[int] = ...) -> None: ...

class SetNetworkConditionsReply(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CutNetworkRequest(_message.Message):
    __slots__ = ("room", "identity", "seconds")
    ROOM_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    room: str
    identity: str
    seconds: float
    def __init__(self, room: _Optional[str] = ..., identity: _Optional[str] = ..., seconds: _Optional[float] = ...) -> None: ...

class CutNetworkReply(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RestoreNetworkRequest(_message.Message):
    __slots__ = ("room", "identity")
    ROOM_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    room: str
    identity: str
    def __init__(self, room: _Optional[str] = ..., identity: _Optional[str] = ...) -> None: ...

class RestoreNetworkReply(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class InjectRequestFaultRequest(_message.Message):
    __slots__ = ("request_name", "times", "message")
    REQUEST_NAME_FIELD_NUMBER: _ClassVar[int]
    TIMES_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    request_name: str
    times: int
    message: str
    def __init__(self, request_name: _Optional[str] = ..., times: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class InjectRequestFaultReply(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RpcReply(_message.Message):
    __slots__ = ("method", "payload", "error_code", "error_message", "error_data")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ERROR_DATA_FIELD_NUMBER: _ClassVar[int]
    method: str
    payload: str
    error_code: int
    error_message: str
    error_data: str
    def __init__(self, method: _Optional[str] = ..., payload: _Optional[str] = ..., error_code: _Optional[int] = ..., error_message: _Optional[str] = ..., error_data: _Optional[str] = ...) -> None: ...

class SetRpcRepliesRequest(_message.Message):
    __slots__ = ("room", "identity", "replies")
    ROOM_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    REPLIES_FIELD_NUMBER: _ClassVar[int]
    room: str
    identity: str
    replies: _containers.RepeatedCompositeFieldContainer[RpcReply]
    def __init__(self, room: _Optional[str] = ..., identity: _Optional[str] = ..., replies: _Optional[_Iterable[_Union[RpcReply, _Mapping]]] = ...) -> None: ...

class SetRpcRepliesReply(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ControlPerformRpcRequest(_message.Message):
    __slots__ = ("room", "identity", "destination_identity", "method", "payload", "response_timeout_ms", "max_round_trip_latency_ms")
    ROOM_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_ROUND_TRIP_LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    room: str
    identity: str
    destination_identity: str
    method: str
    payload: str
    response_timeout_ms: int
    max_round_trip_latency_ms: int
    def __init__(self, room: _Optional[str] = ..., identity: _Optional[str] = ..., destination_identity: _Optional[str] = ..., method: _Optional[str] = ..., payload: _Optional[str] = ..., response_timeout_ms: _Optional[int] = ..., max_round_trip_latency_ms: _Optional[int] = ...) -> None: ...

class ControlPerformRpcReply(_message.Message):
    __slots__ = ("payload", "error_code", "error_message", "error_data")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ERROR_DATA_FIELD_NUMBER: _ClassVar[int]
    payload: str
    error_code: int
    error_message: str
    error_data: str
    def __init__(self, payload: _Optional[str] = ..., error_code: _Optional[int] = ..., error_message: _Optional[str] = ..., error_data: _Optional[str] = ...) -> None: ...

class ControlSendTextRequest(_message.Message):
    __slots__ = ("room", "identity", "topic", "text", "destination_identities", "attributes")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ROOM_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_IDENTITIES_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    room: str
    identity: str
    topic: str
    text: str
    destination_identities: _containers.RepeatedScalarFieldContainer[str]
    attributes: _containers.ScalarMap[str, str]
    def __init__(self, room: _Optional[str] = ..., identity: _Optional[str] = ..., topic: _Optional[str] = ..., text: _Optional[str] = ..., destination_identities: _Optional[_Iterable[str]] = ..., attributes: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ControlSendTextReply(_message.Message):
    __slots__ = ("stream_id",)
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    def __init__(self, stream_id: _Optional[str] = ...) -> None: ...

class SetDataBandwidthRequest(_message.Message):
    __slots__ = ("room", "identity", "bits_per_second")
    ROOM_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    BITS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    room: str
    identity: str
    bits_per_second: int
    def __init__(self, room: _Optional[str] = ..., identity: _Optional[str] = ..., bits_per_second: _Optional[int] = ...) -> None: ...

class SetDataBandwidthReply(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class VirtualAudioDevice(_message.Message):
    __slots__ = ("name", "id", "wav", "signal", "loop", "start_immediately", "wav_path", "sample_rate", "num_channels")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    WAV_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_FIELD_NUMBER: _ClassVar[int]
    LOOP_FIELD_NUMBER: _ClassVar[int]
    START_IMMEDIATELY_FIELD_NUMBER: _ClassVar[int]
    WAV_PATH_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    NUM_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    name: str
    id: str
    wav: bytes
    signal: GeneratedSignal
    loop: bool
    start_immediately: bool
    wav_path: str
    sample_rate: int
    num_channels: int
    def __init__(self, name: _Optional[str] = ..., id: _Optional[str] = ..., wav: _Optional[bytes] = ..., signal: _Optional[_Union[GeneratedSignal, _Mapping]] = ..., loop: _Optional[bool] = ..., start_immediately: _Optional[bool] = ..., wav_path: _Optional[str] = ..., sample_rate: _Optional[int] = ..., num_channels: _Optional[int] = ...) -> None: ...

class SetAudioDevicesRequest(_message.Message):
    __slots__ = ("recording", "playout", "unavailable")
    RECORDING_FIELD_NUMBER: _ClassVar[int]
    PLAYOUT_FIELD_NUMBER: _ClassVar[int]
    UNAVAILABLE_FIELD_NUMBER: _ClassVar[int]
    recording: _containers.RepeatedCompositeFieldContainer[VirtualAudioDevice]
    playout: _containers.RepeatedCompositeFieldContainer[VirtualAudioDevice]
    unavailable: bool
    def __init__(self, recording: _Optional[_Iterable[_Union[VirtualAudioDevice, _Mapping]]] = ..., playout: _Optional[_Iterable[_Union[VirtualAudioDevice, _Mapping]]] = ..., unavailable: _Optional[bool] = ...) -> None: ...

class SetAudioDevicesReply(_message.Message):
    __slots__ = ("recording_ids", "playout_ids")
    RECORDING_IDS_FIELD_NUMBER: _ClassVar[int]
    PLAYOUT_IDS_FIELD_NUMBER: _ClassVar[int]
    recording_ids: _containers.RepeatedScalarFieldContainer[str]
    playout_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, recording_ids: _Optional[_Iterable[str]] = ..., playout_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetPlayoutAudioRequest(_message.Message):
    __slots__ = ("device_id", "clear")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    CLEAR_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    clear: bool
    def __init__(self, device_id: _Optional[str] = ..., clear: _Optional[bool] = ...) -> None: ...

class GetPlayoutAudioReply(_message.Message):
    __slots__ = ("wav", "samples")
    WAV_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    wav: bytes
    samples: int
    def __init__(self, wav: _Optional[bytes] = ..., samples: _Optional[int] = ...) -> None: ...

class FailCaptureRequest(_message.Message):
    __slots__ = ("capture_handle", "kind", "message")
    CAPTURE_HANDLE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    capture_handle: int
    kind: int
    message: str
    def __init__(self, capture_handle: _Optional[int] = ..., kind: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class FailCaptureReply(_message.Message):
    __slots__ = ("failed",)
    FAILED_FIELD_NUMBER: _ClassVar[int]
    failed: int
    def __init__(self, failed: _Optional[int] = ...) -> None: ...

class SendEncoderFeedbackRequest(_message.Message):
    __slots__ = ("room", "identity", "track_sid", "keyframe", "target_bitrate_bps", "framerate_fps")
    ROOM_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    TRACK_SID_FIELD_NUMBER: _ClassVar[int]
    KEYFRAME_FIELD_NUMBER: _ClassVar[int]
    TARGET_BITRATE_BPS_FIELD_NUMBER: _ClassVar[int]
    FRAMERATE_FPS_FIELD_NUMBER: _ClassVar[int]
    room: str
    identity: str
    track_sid: str
    keyframe: bool
    target_bitrate_bps: int
    framerate_fps: float
    def __init__(self, room: _Optional[str] = ..., identity: _Optional[str] = ..., track_sid: _Optional[str] = ..., keyframe: _Optional[bool] = ..., target_bitrate_bps: _Optional[int] = ..., framerate_fps: _Optional[float] = ...) -> None: ...

class SendEncoderFeedbackReply(_message.Message):
    __slots__ = ("track_sid",)
    TRACK_SID_FIELD_NUMBER: _ClassVar[int]
    track_sid: str
    def __init__(self, track_sid: _Optional[str] = ...) -> None: ...
