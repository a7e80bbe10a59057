from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RpcError(_message.Message):
    __slots__ = ("code", "message", "data")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    data: str
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ..., data: _Optional[str] = ...) -> None: ...

class PerformRpcRequest(_message.Message):
    __slots__ = ("local_participant_handle", "destination_identity", "method", "payload", "response_timeout_ms", "request_async_id", "max_round_trip_latency_ms")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_ROUND_TRIP_LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    destination_identity: str
    method: str
    payload: str
    response_timeout_ms: int
    request_async_id: int
    max_round_trip_latency_ms: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., destination_identity: _Optional[str] = ..., method: _Optional[str] = ..., payload: _Optional[str] = ..., response_timeout_ms: _Optional[int] = ..., request_async_id: _Optional[int] = ..., max_round_trip_latency_ms: _Optional[int] = ...) -> None: ...

class RegisterRpcMethodRequest(_message.Message):
    __slots__ = ("local_participant_handle", "method")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    method: str
    def __init__(self, local_participant_handle: _Optional[int] = ..., method: _Optional[str] = ...) -> None: ...

class UnregisterRpcMethodRequest(_message.Message):
    __slots__ = ("local_participant_handle", "method")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    method: str
    def __init__(self, local_participant_handle: _Optional[int] = ..., method: _Optional[str] = ...) -> None: ...

class RpcMethodInvocationResponseRequest(_message.Message):
    __slots__ = ("local_participant_handle", "invocation_id", "payload", "error")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    INVOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    invocation_id: int
    payload: str
    error: RpcError
    def __init__(self, local_participant_handle: _Optional[int] = ..., invocation_id: _Optional[int] = ..., payload: _Optional[str] = ..., error: _Optional[_Union[RpcError, _Mapping]] = ...) -> None: ...

class PerformRpcResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class RegisterRpcMethodResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UnregisterRpcMethodResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RpcMethodInvocationResponseResponse(_message.Message):
    __slots__ = ("error",)
    ERROR_FIELD_NUMBER: _ClassVar[int]
    error: str
    def __init__(self, error: _Optional[str] = ...) -> None: ...

class PerformRpcCallback(_message.Message):
    __slots__ = ("async_id", "payload", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    payload: str
    error: RpcError
    def __init__(self, async_id: _Optional[int] = ..., payload: _Optional[str] = ..., error: _Optional[_Union[RpcError, _Mapping]] = ...) -> None: ...

class RpcMethodInvocationEvent(_message.Message):
    __slots__ = ("local_participant_handle", "invocation_id", "method", "request_id", "caller_identity", "payload", "response_timeout_ms")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    INVOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CALLER_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    invocation_id: int
    method: str
    request_id: str
    caller_identity: str
    payload: str
    response_timeout_ms: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., invocation_id: _Optional[int] = ..., method: _Optional[str] = ..., request_id: _Optional[str] = ..., caller_identity: _Optional[str] = ..., payload: _Optional[str] = ..., response_timeout_ms: _Optional[int] = ...) -> None: ...
