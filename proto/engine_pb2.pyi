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
    __slots__ = ("address", "data", "kind", "owner_handle", "detached")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        INPUT: _ClassVar[Blob.Kind]
        IN_PLACE: _ClassVar[Blob.Kind]
        OWNED: _ClassVar[Blob.Kind]
        LENT: _ClassVar[Blob.Kind]
    INPUT: Blob.Kind
    IN_PLACE: Blob.Kind
    OWNED: Blob.Kind
    LENT: Blob.Kind
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OWNER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    DETACHED_FIELD_NUMBER: _ClassVar[int]
    address: int
    data: bytes
    kind: Blob.Kind
    owner_handle: int
    detached: bool
    def __init__(self, address: _Optional[int] = ..., data: _Optional[bytes] = ..., kind: _Optional[_Union[Blob.Kind, str]] = ..., owner_handle: _Optional[int] = ..., detached: _Optional[bool] = ...) -> None: ...

class OpenSessionRequest(_message.Message):
    __slots__ = ("capture_logs", "sdk", "sdk_version", "client_pid")
    CAPTURE_LOGS_FIELD_NUMBER: _ClassVar[int]
    SDK_FIELD_NUMBER: _ClassVar[int]
    SDK_VERSION_FIELD_NUMBER: _ClassVar[int]
    CLIENT_PID_FIELD_NUMBER: _ClassVar[int]
    capture_logs: bool
    sdk: str
    sdk_version: str
    client_pid: int
    def __init__(self, capture_logs: _Optional[bool] = ..., sdk: _Optional[str] = ..., sdk_version: _Optional[str] = ..., client_pid: _Optional[int] = ...) -> None: ...

class OpenSessionResponse(_message.Message):
    __slots__ = ("session_id", "engine_version", "clock", "fast_lane")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ENGINE_VERSION_FIELD_NUMBER: _ClassVar[int]
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    FAST_LANE_FIELD_NUMBER: _ClassVar[int]
    session_id: int
    engine_version: str
    clock: str
    fast_lane: str
    def __init__(self, session_id: _Optional[int] = ..., engine_version: _Optional[str] = ..., clock: _Optional[str] = ..., fast_lane: _Optional[str] = ...) -> None: ...

class CloseSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: int
    def __init__(self, session_id: _Optional[int] = ...) -> None: ...

class CloseSessionResponse(_message.Message):
    __slots__ = ("released_handles",)
    RELEASED_HANDLES_FIELD_NUMBER: _ClassVar[int]
    released_handles: int
    def __init__(self, released_handles: _Optional[int] = ...) -> None: ...

class FfiCall(_message.Message):
    __slots__ = ("session_id", "request", "inputs")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    session_id: int
    request: bytes
    inputs: _containers.RepeatedCompositeFieldContainer[Blob]
    def __init__(self, session_id: _Optional[int] = ..., request: _Optional[bytes] = ..., inputs: _Optional[_Iterable[_Union[Blob, _Mapping]]] = ...) -> None: ...

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
    __slots__ = ("session_id", "handle")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    session_id: int
    handle: int
    def __init__(self, session_id: _Optional[int] = ..., handle: _Optional[int] = ...) -> None: ...

class DropHandleResponse(_message.Message):
    __slots__ = ("existed",)
    EXISTED_FIELD_NUMBER: _ClassVar[int]
    existed: bool
    def __init__(self, existed: _Optional[bool] = ...) -> None: ...

class EventsRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: int
    def __init__(self, session_id: _Optional[int] = ...) -> None: ...

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
    __slots__ = ("engine_version", "protocol_version", "clock", "sessions", "implemented_requests", "unimplemented_requests", "pid")
    ENGINE_VERSION_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    IMPLEMENTED_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    UNIMPLEMENTED_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    PID_FIELD_NUMBER: _ClassVar[int]
    engine_version: str
    protocol_version: str
    clock: str
    sessions: int
    implemented_requests: _containers.RepeatedScalarFieldContainer[str]
    unimplemented_requests: _containers.RepeatedScalarFieldContainer[str]
    pid: int
    def __init__(self, engine_version: _Optional[str] = ..., protocol_version: _Optional[str] = ..., clock: _Optional[str] = ..., sessions: _Optional[int] = ..., implemented_requests: _Optional[_Iterable[str]] = ..., unimplemented_requests: _Optional[_Iterable[str]] = ..., pid: _Optional[int] = ...) -> None: ...

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
