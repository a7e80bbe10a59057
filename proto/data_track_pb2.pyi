from lkemu.proto import handle_pb2 as _handle_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DataTrackErrorCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATA_TRACK_ERROR_CODE_UNKNOWN: _ClassVar[DataTrackErrorCode]
    DATA_TRACK_ERROR_CODE_INVALID_HANDLE: _ClassVar[DataTrackErrorCode]
    DATA_TRACK_ERROR_CODE_DUPLICATE_TRACK_NAME: _ClassVar[DataTrackErrorCode]
    DATA_TRACK_ERROR_CODE_TRACK_UNPUBLISHED: _ClassVar[DataTrackErrorCode]
    DATA_TRACK_ERROR_CODE_BUFFER_FULL: _ClassVar[DataTrackErrorCode]
    DATA_TRACK_ERROR_CODE_SUBSCRIPTION_CLOSED: _ClassVar[DataTrackErrorCode]
    DATA_TRACK_ERROR_CODE_CANCELLED: _ClassVar[DataTrackErrorCode]
    DATA_TRACK_ERROR_CODE_PROTOCOL_ERROR: _ClassVar[DataTrackErrorCode]
    DATA_TRACK_ERROR_CODE_INTERNAL: _ClassVar[DataTrackErrorCode]

class PublishDataTrackErrorCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PUBLISH_DATA_TRACK_ERROR_CODE_UNKNOWN: _ClassVar[PublishDataTrackErrorCode]
    PUBLISH_DATA_TRACK_ERROR_CODE_INVALID_HANDLE: _ClassVar[PublishDataTrackErrorCode]
    PUBLISH_DATA_TRACK_ERROR_CODE_DUPLICATE_NAME: _ClassVar[PublishDataTrackErrorCode]
    PUBLISH_DATA_TRACK_ERROR_CODE_TIMEOUT: _ClassVar[PublishDataTrackErrorCode]
    PUBLISH_DATA_TRACK_ERROR_CODE_DISCONNECTED: _ClassVar[PublishDataTrackErrorCode]
    PUBLISH_DATA_TRACK_ERROR_CODE_NOT_ALLOWED: _ClassVar[PublishDataTrackErrorCode]
    PUBLISH_DATA_TRACK_ERROR_CODE_INVALID_NAME: _ClassVar[PublishDataTrackErrorCode]
    PUBLISH_DATA_TRACK_ERROR_CODE_LIMIT_REACHED: _ClassVar[PublishDataTrackErrorCode]
    PUBLISH_DATA_TRACK_ERROR_CODE_PROTOCOL_ERROR: _ClassVar[PublishDataTrackErrorCode]
    PUBLISH_DATA_TRACK_ERROR_CODE_INTERNAL: _ClassVar[PublishDataTrackErrorCode]
    PUBLISH_DATA_TRACK_ERROR_CODE_INVALID_SCHEMA: _ClassVar[PublishDataTrackErrorCode]

class LocalDataTrackTryPushErrorCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOCAL_DATA_TRACK_TRY_PUSH_ERROR_CODE_UNKNOWN: _ClassVar[LocalDataTrackTryPushErrorCode]
    LOCAL_DATA_TRACK_TRY_PUSH_ERROR_CODE_INVALID_HANDLE: _ClassVar[LocalDataTrackTryPushErrorCode]
    LOCAL_DATA_TRACK_TRY_PUSH_ERROR_CODE_TRACK_UNPUBLISHED: _ClassVar[LocalDataTrackTryPushErrorCode]
    LOCAL_DATA_TRACK_TRY_PUSH_ERROR_CODE_QUEUE_FULL: _ClassVar[LocalDataTrackTryPushErrorCode]
    LOCAL_DATA_TRACK_TRY_PUSH_ERROR_CODE_INTERNAL: _ClassVar[LocalDataTrackTryPushErrorCode]

class SubscribeDataTrackErrorCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUBSCRIBE_DATA_TRACK_ERROR_CODE_UNKNOWN: _ClassVar[SubscribeDataTrackErrorCode]
    SUBSCRIBE_DATA_TRACK_ERROR_CODE_INVALID_HANDLE: _ClassVar[SubscribeDataTrackErrorCode]
    SUBSCRIBE_DATA_TRACK_ERROR_CODE_UNPUBLISHED: _ClassVar[SubscribeDataTrackErrorCode]
    SUBSCRIBE_DATA_TRACK_ERROR_CODE_TIMEOUT: _ClassVar[SubscribeDataTrackErrorCode]
    SUBSCRIBE_DATA_TRACK_ERROR_CODE_DISCONNECTED: _ClassVar[SubscribeDataTrackErrorCode]
    SUBSCRIBE_DATA_TRACK_ERROR_CODE_PROTOCOL_ERROR: _ClassVar[SubscribeDataTrackErrorCode]
    SUBSCRIBE_DATA_TRACK_ERROR_CODE_INTERNAL: _ClassVar[SubscribeDataTrackErrorCode]
DATA_TRACK_ERROR_CODE_UNKNOWN: DataTrackErrorCode
DATA_TRACK_ERROR_CODE_INVALID_HANDLE: DataTrackErrorCode
DATA_TRACK_ERROR_CODE_DUPLICATE_TRACK_NAME: DataTrackErrorCode
DATA_TRACK_ERROR_CODE_TRACK_UNPUBLISHED: DataTrackErrorCode
DATA_TRACK_ERROR_CODE_BUFFER_FULL: DataTrackErrorCode
DATA_TRACK_ERROR_CODE_SUBSCRIPTION_CLOSED: DataTrackErrorCode
DATA_TRACK_ERROR_CODE_CANCELLED: DataTrackErrorCode
DATA_TRACK_ERROR_CODE_PROTOCOL_ERROR: DataTrackErrorCode
DATA_TRACK_ERROR_CODE_INTERNAL: DataTrackErrorCode
PUBLISH_DATA_TRACK_ERROR_CODE_UNKNOWN: PublishDataTrackErrorCode
PUBLISH_DATA_TRACK_ERROR_CODE_INVALID_HANDLE: PublishDataTrackErrorCode
PUBLISH_DATA_TRACK_ERROR_CODE_DUPLICATE_NAME: PublishDataTrackErrorCode
PUBLISH_DATA_TRACK_ERROR_CODE_TIMEOUT: PublishDataTrackErrorCode
PUBLISH_DATA_TRACK_ERROR_CODE_DISCONNECTED: PublishDataTrackErrorCode
PUBLISH_DATA_TRACK_ERROR_CODE_NOT_ALLOWED: PublishDataTrackErrorCode
PUBLISH_DATA_TRACK_ERROR_CODE_INVALID_NAME: PublishDataTrackErrorCode
PUBLISH_DATA_TRACK_ERROR_CODE_LIMIT_REACHED: PublishDataTrackErrorCode
PUBLISH_DATA_TRACK_ERROR_CODE_PROTOCOL_ERROR: PublishDataTrackErrorCode
PUBLISH_DATA_TRACK_ERROR_CODE_INTERNAL: PublishDataTrackErrorCode
PUBLISH_DATA_TRACK_ERROR_CODE_INVALID_SCHEMA: PublishDataTrackErrorCode
LOCAL_DATA_TRACK_TRY_PUSH_ERROR_CODE_UNKNOWN: LocalDataTrackTryPushErrorCode
LOCAL_DATA_TRACK_TRY_PUSH_ERROR_CODE_INVALID_HANDLE: LocalDataTrackTryPushErrorCode
LOCAL_DATA_TRACK_TRY_PUSH_ERROR_CODE_TRACK_UNPUBLISHED: LocalDataTrackTryPushErrorCode
LOCAL_DATA_TRACK_TRY_PUSH_ERROR_CODE_QUEUE_FULL: LocalDataTrackTryPushErrorCode
LOCAL_DATA_TRACK_TRY_PUSH_ERROR_CODE_INTERNAL: LocalDataTrackTryPushErrorCode
SUBSCRIBE_DATA_TRACK_ERROR_CODE_UNKNOWN: SubscribeDataTrackErrorCode
SUBSCRIBE_DATA_TRACK_ERROR_CODE_INVALID_HANDLE: SubscribeDataTrackErrorCode
SUBSCRIBE_DATA_TRACK_ERROR_CODE_UNPUBLISHED: SubscribeDataTrackErrorCode
SUBSCRIBE_DATA_TRACK_ERROR_CODE_TIMEOUT: SubscribeDataTrackErrorCode
SUBSCRIBE_DATA_TRACK_ERROR_CODE_DISCONNECTED: SubscribeDataTrackErrorCode
SUBSCRIBE_DATA_TRACK_ERROR_CODE_PROTOCOL_ERROR: SubscribeDataTrackErrorCode
SUBSCRIBE_DATA_TRACK_ERROR_CODE_INTERNAL: SubscribeDataTrackErrorCode

class DataTrackInfo(_message.Message):
    __slots__ = ("name", "sid", "uses_e2ee", "schema", "frame_encoding")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SID_FIELD_NUMBER: _ClassVar[int]
    USES_E2EE_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    FRAME_ENCODING_FIELD_NUMBER: _ClassVar[int]
    name: str
    sid: str
    uses_e2ee: bool
    schema: DataTrackSchemaId
    frame_encoding: DataTrackFrameEncoding
    def __init__(self, name: _Optional[str] = ..., sid: _Optional[str] = ..., uses_e2ee: _Optional[bool] = ..., schema: _Optional[_Union[DataTrackSchemaId, _Mapping]] = ..., frame_encoding: _Optional[_Union[DataTrackFrameEncoding, _Mapping]] = ...) -> None: ...

class DataTrackFrame(_message.Message):
    __slots__ = ("payload", "user_timestamp")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    USER_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    payload: bytes
    user_timestamp: int
    def __init__(self, payload: _Optional[bytes] = ..., user_timestamp: _Optional[int] = ...) -> None: ...

class DataTrackError(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: DataTrackErrorCode
    message: str
    def __init__(self, code: _Optional[_Union[DataTrackErrorCode, str]] = ..., message: _Optional[str] = ...) -> None: ...

class PublishDataTrackError(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: PublishDataTrackErrorCode
    message: str
    def __init__(self, code: _Optional[_Union[PublishDataTrackErrorCode, str]] = ..., message: _Optional[str] = ...) -> None: ...

class LocalDataTrackTryPushError(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: LocalDataTrackTryPushErrorCode
    message: str
    def __init__(self, code: _Optional[_Union[LocalDataTrackTryPushErrorCode, str]] = ..., message: _Optional[str] = ...) -> None: ...

class SubscribeDataTrackError(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: SubscribeDataTrackErrorCode
    message: str
    def __init__(self, code: _Optional[_Union[SubscribeDataTrackErrorCode, str]] = ..., message: _Optional[str] = ...) -> None: ...

class DataTrackOptions(_message.Message):
    __slots__ = ("name", "schema", "frame_encoding")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    FRAME_ENCODING_FIELD_NUMBER: _ClassVar[int]
    name: str
    schema: DataTrackSchemaId
    frame_encoding: DataTrackFrameEncoding
    def __init__(self, name: _Optional[str] = ..., schema: _Optional[_Union[DataTrackSchemaId, _Mapping]] = ..., frame_encoding: _Optional[_Union[DataTrackFrameEncoding, _Mapping]] = ...) -> None: ...

class PublishDataTrackRequest(_message.Message):
    __slots__ = ("local_participant_handle", "options", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    options: DataTrackOptions
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., options: _Optional[_Union[DataTrackOptions, _Mapping]] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class PublishDataTrackResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class PublishDataTrackCallback(_message.Message):
    __slots__ = ("async_id", "track", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    TRACK_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    track: OwnedLocalDataTrack
    error: PublishDataTrackError
    def __init__(self, async_id: _Optional[int] = ..., track: _Optional[_Union[OwnedLocalDataTrack, _Mapping]] = ..., error: _Optional[_Union[PublishDataTrackError, _Mapping]] = ...) -> None: ...

class OwnedLocalDataTrack(_message.Message):
    __slots__ = ("handle", "info")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    info: DataTrackInfo
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., info: _Optional[_Union[DataTrackInfo, _Mapping]] = ...) -> None: ...

class LocalDataTrackTryPushRequest(_message.Message):
    __slots__ = ("track_handle", "frame")
    TRACK_HANDLE_FIELD_NUMBER: _ClassVar[int]
    FRAME_FIELD_NUMBER: _ClassVar[int]
    track_handle: int
    frame: DataTrackFrame
    def __init__(self, track_handle: _Optional[int] = ..., frame: _Optional[_Union[DataTrackFrame, _Mapping]] = ...) -> None: ...

class LocalDataTrackTryPushResponse(_message.Message):
    __slots__ = ("error",)
    ERROR_FIELD_NUMBER: _ClassVar[int]
    error: LocalDataTrackTryPushError
    def __init__(self, error: _Optional[_Union[LocalDataTrackTryPushError, _Mapping]] = ...) -> None: ...

class LocalDataTrackIsPublishedRequest(_message.Message):
    __slots__ = ("track_handle",)
    TRACK_HANDLE_FIELD_NUMBER: _ClassVar[int]
    track_handle: int
    def __init__(self, track_handle: _Optional[int] = ...) -> None: ...

class LocalDataTrackIsPublishedResponse(_message.Message):
    __slots__ = ("is_published",)
    IS_PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    is_published: bool
    def __init__(self, is_published: _Optional[bool] = ...) -> None: ...

class LocalDataTrackUnpublishRequest(_message.Message):
    __slots__ = ("track_handle",)
    TRACK_HANDLE_FIELD_NUMBER: _ClassVar[int]
    track_handle: int
    def __init__(self, track_handle: _Optional[int] = ...) -> None: ...

class LocalDataTrackUnpublishResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class OwnedRemoteDataTrack(_message.Message):
    __slots__ = ("handle", "info", "publisher_identity")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    PUBLISHER_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    info: DataTrackInfo
    publisher_identity: str
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., info: _Optional[_Union[DataTrackInfo, _Mapping]] = ..., publisher_identity: _Optional[str] = ...) -> None: ...

class OwnedDataTrackStream(_message.Message):
    __slots__ = ("handle",)
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ...) -> None: ...

class DataTrackSubscribeOptions(_message.Message):
    __slots__ = ("buffer_size",)
    BUFFER_SIZE_FIELD_NUMBER: _ClassVar[int]
    buffer_size: int
    def __init__(self, buffer_size: _Optional[int] = ...) -> None: ...

class RemoteDataTrackIsPublishedRequest(_message.Message):
    __slots__ = ("track_handle",)
    TRACK_HANDLE_FIELD_NUMBER: _ClassVar[int]
    track_handle: int
    def __init__(self, track_handle: _Optional[int] = ...) -> None: ...

class RemoteDataTrackIsPublishedResponse(_message.Message):
    __slots__ = ("is_published",)
    IS_PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    is_published: bool
    def __init__(self, is_published: _Optional[bool] = ...) -> None: ...

class RemoteDataTrackPipelineOptions(_message.Message):
    __slots__ = ("max_partial_frames",)
    MAX_PARTIAL_FRAMES_FIELD_NUMBER: _ClassVar[int]
    max_partial_frames: int
    def __init__(self, max_partial_frames: _Optional[int] = ...) -> None: ...

class RemoteDataTrackSetPipelineOptionsRequest(_message.Message):
    __slots__ = ("track_handle", "options")
    TRACK_HANDLE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    track_handle: int
    options: RemoteDataTrackPipelineOptions
    def __init__(self, track_handle: _Optional[int] = ..., options: _Optional[_Union[RemoteDataTrackPipelineOptions, _Mapping]] = ...) -> None: ...

class RemoteDataTrackSetPipelineOptionsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SubscribeDataTrackRequest(_message.Message):
    __slots__ = ("track_handle", "options")
    TRACK_HANDLE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    track_handle: int
    options: DataTrackSubscribeOptions
    def __init__(self, track_handle: _Optional[int] = ..., options: _Optional[_Union[DataTrackSubscribeOptions, _Mapping]] = ...) -> None: ...

class SubscribeDataTrackResponse(_message.Message):
    __slots__ = ("stream",)
    STREAM_FIELD_NUMBER: _ClassVar[int]
    stream: OwnedDataTrackStream
    def __init__(self, stream: _Optional[_Union[OwnedDataTrackStream, _Mapping]] = ...) -> None: ...

class DataTrackStreamReadRequest(_message.Message):
    __slots__ = ("stream_handle",)
    STREAM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    stream_handle: int
    def __init__(self, stream_handle: _Optional[int] = ...) -> None: ...

class DataTrackStreamReadResponse(_message.Message):
    __slots__ = ("eos_event",)
    EOS_EVENT_FIELD_NUMBER: _ClassVar[int]
    eos_event: DataTrackStreamEOS
    def __init__(self, eos_event: _Optional[_Union[DataTrackStreamEOS, _Mapping]] = ...) -> None: ...

class DataTrackStreamEvent(_message.Message):
    __slots__ = ("stream_handle", "frame_received", "eos")
    STREAM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    FRAME_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    EOS_FIELD_NUMBER: _ClassVar[int]
    stream_handle: int
    frame_received: DataTrackStreamFrameReceived
    eos: DataTrackStreamEOS
    def __init__(self, stream_handle: _Optional[int] = ..., frame_received: _Optional[_Union[DataTrackStreamFrameReceived, _Mapping]] = ..., eos: _Optional[_Union[DataTrackStreamEOS, _Mapping]] = ...) -> None: ...

class DataTrackStreamFrameReceived(_message.Message):
    __slots__ = ("frame",)
    FRAME_FIELD_NUMBER: _ClassVar[int]
    frame: DataTrackFrame
    def __init__(self, frame: _Optional[_Union[DataTrackFrame, _Mapping]] = ...) -> None: ...

class DataTrackStreamEOS(_message.Message):
    __slots__ = ("error",)
    ERROR_FIELD_NUMBER: _ClassVar[int]
    error: SubscribeDataTrackError
    def __init__(self, error: _Optional[_Union[SubscribeDataTrackError, _Mapping]] = ...) -> None: ...

class DataTrackSchemaEncoding(_message.Message):
    __slots__ = ("well_known", "custom")
    class WellKnownSchemaEncoding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        WELL_KNOWN_SCHEMA_ENCODING_UNSPECIFIED: _ClassVar[DataTrackSchemaEncoding.WellKnownSchemaEncoding]
        WELL_KNOWN_SCHEMA_ENCODING_PROTOBUF: _ClassVar[DataTrackSchemaEncoding.WellKnownSchemaEncoding]
        WELL_KNOWN_SCHEMA_ENCODING_FLATBUFFER: _ClassVar[DataTrackSchemaEncoding.WellKnownSchemaEncoding]
        WELL_KNOWN_SCHEMA_ENCODING_ROS1_MSG: _ClassVar[DataTrackSchemaEncoding.WellKnownSchemaEncoding]
        WELL_KNOWN_SCHEMA_ENCODING_ROS2_MSG: _ClassVar[DataTrackSchemaEncoding.WellKnownSchemaEncoding]
        WELL_KNOWN_SCHEMA_ENCODING_ROS2_IDL: _ClassVar[DataTrackSchemaEncoding.WellKnownSchemaEncoding]
        WELL_KNOWN_SCHEMA_ENCODING_OMG_IDL: _ClassVar[DataTrackSchemaEncoding.WellKnownSchemaEncoding]
        WELL_KNOWN_SCHEMA_ENCODING_JSON_SCHEMA: _ClassVar[DataTrackSchemaEncoding.WellKnownSchemaEncoding]
    WELL_KNOWN_SCHEMA_ENCODING_UNSPECIFIED: DataTrackSchemaEncoding.WellKnownSchemaEncoding
    WELL_KNOWN_SCHEMA_ENCODING_PROTOBUF: DataTrackSchemaEncoding.WellKnownSchemaEncoding
    WELL_KNOWN_SCHEMA_ENCODING_FLATBUFFER: DataTrackSchemaEncoding.WellKnownSchemaEncoding
    WELL_KNOWN_SCHEMA_ENCODING_ROS1_MSG: DataTrackSchemaEncoding.WellKnownSchemaEncoding
    WELL_KNOWN_SCHEMA_ENCODING_ROS2_MSG: DataTrackSchemaEncoding.WellKnownSchemaEncoding
    WELL_KNOWN_SCHEMA_ENCODING_ROS2_IDL: DataTrackSchemaEncoding.WellKnownSchemaEncoding
    WELL_KNOWN_SCHEMA_ENCODING_OMG_IDL: DataTrackSchemaEncoding.WellKnownSchemaEncoding
    WELL_KNOWN_SCHEMA_ENCODING_JSON_SCHEMA: DataTrackSchemaEncoding.WellKnownSchemaEncoding
    WELL_KNOWN_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_FIELD_NUMBER: _ClassVar[int]
    well_known: DataTrackSchemaEncoding.WellKnownSchemaEncoding
    custom: str
    def __init__(self, well_known: _Optional[_Union[DataTrackSchemaEncoding.WellKnownSchemaEncoding, str]] = ..., custom: _Optional[str] = ...) -> None: ...

class DataTrackFrameEncoding(_message.Message):
    __slots__ = ("well_known", "custom")
    class WellKnownFrameEncoding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        WELL_KNOWN_FRAME_ENCODING_UNSPECIFIED: _ClassVar[DataTrackFrameEncoding.WellKnownFrameEncoding]
        WELL_KNOWN_FRAME_ENCODING_ROS1: _ClassVar[DataTrackFrameEncoding.WellKnownFrameEncoding]
        WELL_KNOWN_FRAME_ENCODING_CDR: _ClassVar[DataTrackFrameEncoding.WellKnownFrameEncoding]
        WELL_KNOWN_FRAME_ENCODING_PROTOBUF: _ClassVar[DataTrackFrameEncoding.WellKnownFrameEncoding]
        WELL_KNOWN_FRAME_ENCODING_FLATBUFFER: _ClassVar[DataTrackFrameEncoding.WellKnownFrameEncoding]
        WELL_KNOWN_FRAME_ENCODING_CBOR: _ClassVar[DataTrackFrameEncoding.WellKnownFrameEncoding]
        WELL_KNOWN_FRAME_ENCODING_MSGPACK: _ClassVar[DataTrackFrameEncoding.WellKnownFrameEncoding]
        WELL_KNOWN_FRAME_ENCODING_JSON: _ClassVar[DataTrackFrameEncoding.WellKnownFrameEncoding]
    WELL_KNOWN_FRAME_ENCODING_UNSPECIFIED: DataTrackFrameEncoding.WellKnownFrameEncoding
    WELL_KNOWN_FRAME_ENCODING_ROS1: DataTrackFrameEncoding.WellKnownFrameEncoding
    WELL_KNOWN_FRAME_ENCODING_CDR: DataTrackFrameEncoding.WellKnownFrameEncoding
    WELL_KNOWN_FRAME_ENCODING_PROTOBUF: DataTrackFrameEncoding.WellKnownFrameEncoding
    WELL_KNOWN_FRAME_ENCODING_FLATBUFFER: DataTrackFrameEncoding.WellKnownFrameEncoding
    WELL_KNOWN_FRAME_ENCODING_CBOR: DataTrackFrameEncoding.WellKnownFrameEncoding
    WELL_KNOWN_FRAME_ENCODING_MSGPACK: DataTrackFrameEncoding.WellKnownFrameEncoding
    WELL_KNOWN_FRAME_ENCODING_JSON: DataTrackFrameEncoding.WellKnownFrameEncoding
    WELL_KNOWN_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_FIELD_NUMBER: _ClassVar[int]
    well_known: DataTrackFrameEncoding.WellKnownFrameEncoding
    custom: str
    def __init__(self, well_known: _Optional[_Union[DataTrackFrameEncoding.WellKnownFrameEncoding, str]] = ..., custom: _Optional[str] = ...) -> None: ...

class DataTrackSchemaId(_message.Message):
    __slots__ = ("name", "encoding")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    name: str
    encoding: DataTrackSchemaEncoding
    def __init__(self, name: _Optional[str] = ..., encoding: _Optional[_Union[DataTrackSchemaEncoding, _Mapping]] = ...) -> None: ...

class DefineSchemaRequest(_message.Message):
    __slots__ = ("local_participant_handle", "schema_id", "definition", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_ID_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    schema_id: DataTrackSchemaId
    definition: str
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., schema_id: _Optional[_Union[DataTrackSchemaId, _Mapping]] = ..., definition: _Optional[str] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class DefineSchemaResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class DefineSchemaCallback(_message.Message):
    __slots__ = ("async_id", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: str
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class GetSchemaRequest(_message.Message):
    __slots__ = ("local_participant_handle", "schema_id", "participant_identity", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    schema_id: DataTrackSchemaId
    participant_identity: str
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., schema_id: _Optional[_Union[DataTrackSchemaId, _Mapping]] = ..., participant_identity: _Optional[str] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class GetSchemaResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class GetSchemaCallback(_message.Message):
    __slots__ = ("async_id", "definition", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    definition: str
    error: str
    def __init__(self, async_id: _Optional[int] = ..., definition: _Optional[str] = ..., error: _Optional[str] = ...) -> None: ...
