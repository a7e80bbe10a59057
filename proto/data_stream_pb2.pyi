from lkemu.proto import handle_pb2 as _handle_pb2
from lkemu.proto import e2ee_pb2 as _e2ee_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OwnedTextStreamReader(_message.Message):
    __slots__ = ("handle", "info")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    info: TextStreamInfo
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., info: _Optional[_Union[TextStreamInfo, _Mapping]] = ...) -> None: ...

class TextStreamReaderReadIncrementalRequest(_message.Message):
    __slots__ = ("reader_handle",)
    READER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    reader_handle: int
    def __init__(self, reader_handle: _Optional[int] = ...) -> None: ...

class TextStreamReaderReadIncrementalResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TextStreamReaderReadAllRequest(_message.Message):
    __slots__ = ("reader_handle", "request_async_id")
    READER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    reader_handle: int
    request_async_id: int
    def __init__(self, reader_handle: _Optional[int] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class TextStreamReaderReadAllResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class TextStreamReaderReadAllCallback(_message.Message):
    __slots__ = ("async_id", "content", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    content: str
    error: StreamError
    def __init__(self, async_id: _Optional[int] = ..., content: _Optional[str] = ..., error: _Optional[_Union[StreamError, _Mapping]] = ...) -> None: ...

class TextStreamReaderEvent(_message.Message):
    __slots__ = ("reader_handle", "chunk_received", "eos")
    READER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    CHUNK_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    EOS_FIELD_NUMBER: _ClassVar[int]
    reader_handle: int
    chunk_received: TextStreamReaderChunkReceived
    eos: TextStreamReaderEOS
    def __init__(self, reader_handle: _Optional[int] = ..., chunk_received: _Optional[_Union[TextStreamReaderChunkReceived, _Mapping]] = ..., eos: _Optional[_Union[TextStreamReaderEOS, _Mapping]] = ...) -> None: ...

class TextStreamReaderChunkReceived(_message.Message):
    __slots__ = ("content",)
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    content: str
    def __init__(self, content: _Optional[str] = ...) -> None: ...

class TextStreamReaderEOS(_message.Message):
    __slots__ = ("error", "attributes")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    error: StreamError
    attributes: _containers.ScalarMap[str, str]
    def __init__(self, error: _Optional[_Union[StreamError, _Mapping]] = ..., attributes: _Optional[_Mapping[str, str]] = ...) -> None: ...

class OwnedByteStreamReader(_message.Message):
    __slots__ = ("handle", "info")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    info: ByteStreamInfo
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., info: _Optional[_Union[ByteStreamInfo, _Mapping]] = ...) -> None: ...

class ByteStreamReaderReadIncrementalRequest(_message.Message):
    __slots__ = ("reader_handle",)
    READER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    reader_handle: int
    def __init__(self, reader_handle: _Optional[int] = ...) -> None: ...

class ByteStreamReaderReadIncrementalResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ByteStreamReaderReadAllRequest(_message.Message):
    __slots__ = ("reader_handle", "request_async_id")
    READER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    reader_handle: int
    request_async_id: int
    def __init__(self, reader_handle: _Optional[int] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class ByteStreamReaderReadAllResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class ByteStreamReaderReadAllCallback(_message.Message):
    __slots__ = ("async_id", "content", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    content: bytes
    error: StreamError
    def __init__(self, async_id: _Optional[int] = ..., content: _Optional[bytes] = ..., error: _Optional[_Union[StreamError, _Mapping]] = ...) -> None: ...

class ByteStreamReaderWriteToFileRequest(_message.Message):
    __slots__ = ("reader_handle", "request_async_id", "directory", "name_override")
    READER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    DIRECTORY_FIELD_NUMBER: _ClassVar[int]
    NAME_OVERRIDE_FIELD_NUMBER: _ClassVar[int]
    reader_handle: int
    request_async_id: int
    directory: str
    name_override: str
    def __init__(self, reader_handle: _Optional[int] = ..., request_async_id: _Optional[int] = ..., directory: _Optional[str] = ..., name_override: _Optional[str] = ...) -> None: ...

class ByteStreamReaderWriteToFileResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class ByteStreamReaderWriteToFileCallback(_message.Message):
    __slots__ = ("async_id", "file_path", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_PATH_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    file_path: str
    error: StreamError
    def __init__(self, async_id: _Optional[int] = ..., file_path: _Optional[str] = ..., error: _Optional[_Union[StreamError, _Mapping]] = ...) -> None: ...

class ByteStreamReaderEvent(_message.Message):
    __slots__ = ("reader_handle", "chunk_received", "eos")
    READER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    CHUNK_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    EOS_FIELD_NUMBER: _ClassVar[int]
    reader_handle: int
    chunk_received: ByteStreamReaderChunkReceived
    eos: ByteStreamReaderEOS
    def __init__(self, reader_handle: _Optional[int] = ..., chunk_received: _Optional[_Union[ByteStreamReaderChunkReceived, _Mapping]] = ..., eos: _Optional[_Union[ByteStreamReaderEOS, _Mapping]] = ...) -> None: ...

class ByteStreamReaderChunkReceived(_message.Message):
    __slots__ = ("content",)
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    content: bytes
    def __init__(self, content: _Optional[bytes] = ...) -> None: ...

class ByteStreamReaderEOS(_message.Message):
    __slots__ = ("error", "attributes")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    error: StreamError
    attributes: _containers.ScalarMap[str, str]
    def __init__(self, error: _Optional[_Union[StreamError, _Mapping]] = ..., attributes: _Optional[_Mapping[str, str]] = ...) -> None: ...

class StreamSendFileRequest(_message.Message):
    __slots__ = ("local_participant_handle", "options", "file_path", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    FILE_PATH_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    options: StreamByteOptions
    file_path: str
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., options: _Optional[_Union[StreamByteOptions, _Mapping]] = ..., file_path: _Optional[str] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class StreamSendFileResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class StreamSendFileCallback(_message.Message):
    __slots__ = ("async_id", "info", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    info: ByteStreamInfo
    error: StreamError
    def __init__(self, async_id: _Optional[int] = ..., info: _Optional[_Union[ByteStreamInfo, _Mapping]] = ..., error: _Optional[_Union[StreamError, _Mapping]] = ...) -> None: ...

class StreamSendBytesRequest(_message.Message):
    __slots__ = ("local_participant_handle", "options", "bytes", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    options: StreamByteOptions
    bytes: bytes
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., options: _Optional[_Union[StreamByteOptions, _Mapping]] = ..., bytes: _Optional[bytes] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class StreamSendBytesResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class StreamSendBytesCallback(_message.Message):
    __slots__ = ("async_id", "info", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    info: ByteStreamInfo
    error: StreamError
    def __init__(self, async_id: _Optional[int] = ..., info: _Optional[_Union[ByteStreamInfo, _Mapping]] = ..., error: _Optional[_Union[StreamError, _Mapping]] = ...) -> None: ...

class StreamSendTextRequest(_message.Message):
    __slots__ = ("local_participant_handle", "options", "text", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    options: StreamTextOptions
    text: str
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., options: _Optional[_Union[StreamTextOptions, _Mapping]] = ..., text: _Optional[str] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class StreamSendTextResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class StreamSendTextCallback(_message.Message):
    __slots__ = ("async_id", "info", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    info: TextStreamInfo
    error: StreamError
    def __init__(self, async_id: _Optional[int] = ..., info: _Optional[_Union[TextStreamInfo, _Mapping]] = ..., error: _Optional[_Union[StreamError, _Mapping]] = ...) -> None: ...

class OwnedByteStreamWriter(_message.Message):
    __slots__ = ("handle", "info")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    info: ByteStreamInfo
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., info: _Optional[_Union[ByteStreamInfo, _Mapping]] = ...) -> None: ...

class ByteStreamOpenRequest(_message.Message):
    __slots__ = ("local_participant_handle", "options", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    options: StreamByteOptions
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., options: _Optional[_Union[StreamByteOptions, _Mapping]] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class ByteStreamOpenResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class ByteStreamOpenCallback(_message.Message):
    __slots__ = ("async_id", "writer", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    WRITER_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    writer: OwnedByteStreamWriter
    error: StreamError
    def __init__(self, async_id: _Optional[int] = ..., writer: _Optional[_Union[OwnedByteStreamWriter, _Mapping]] = ..., error: _Optional[_Union[StreamError, _Mapping]] = ...) -> None: ...

class ByteStreamWriterWriteRequest(_message.Message):
    __slots__ = ("writer_handle", "bytes", "request_async_id")
    WRITER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    writer_handle: int
    bytes: bytes
    request_async_id: int
    def __init__(self, writer_handle: _Optional[int] = ..., bytes: _Optional[bytes] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class ByteStreamWriterWriteResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class ByteStreamWriterWriteCallback(_message.Message):
    __slots__ = ("async_id", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: StreamError
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[_Union[StreamError, _Mapping]] = ...) -> None: ...

class ByteStreamWriterCloseRequest(_message.Message):
    __slots__ = ("writer_handle", "reason", "request_async_id", "attributes")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    WRITER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    writer_handle: int
    reason: str
    request_async_id: int
    attributes: _containers.ScalarMap[str, str]
    def __init__(self, writer_handle: _Optional[int] = ..., reason: _Optional[str] = ..., request_async_id: _Optional[int] = ..., attributes: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ByteStreamWriterCloseResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class ByteStreamWriterCloseCallback(_message.Message):
    __slots__ = ("async_id", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: StreamError
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[_Union[StreamError, _Mapping]] = ...) -> None: ...

class OwnedTextStreamWriter(_message.Message):
    __slots__ = ("handle", "info")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    info: TextStreamInfo
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., info: _Optional[_Union[TextStreamInfo, _Mapping]] = ...) -> None: ...

class TextStreamOpenRequest(_message.Message):
    __slots__ = ("local_participant_handle", "options", "request_async_id")
    LOCAL_PARTICIPANT_HANDLE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    local_participant_handle: int
    options: StreamTextOptions
    request_async_id: int
    def __init__(self, local_participant_handle: _Optional[int] = ..., options: _Optional[_Union[StreamTextOptions, _Mapping]] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class TextStreamOpenResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class TextStreamOpenCallback(_message.Message):
    __slots__ = ("async_id", "writer", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    WRITER_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    writer: OwnedTextStreamWriter
    error: StreamError
    def __init__(self, async_id: _Optional[int] = ..., writer: _Optional[_Union[OwnedTextStreamWriter, _Mapping]] = ..., error: _Optional[_Union[StreamError, _Mapping]] = ...) -> None: ...

class TextStreamWriterWriteRequest(_message.Message):
    __slots__ = ("writer_handle", "text", "request_async_id")
    WRITER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    writer_handle: int
    text: str
    request_async_id: int
    def __init__(self, writer_handle: _Optional[int] = ..., text: _Optional[str] = ..., request_async_id: _Optional[int] = ...) -> None: ...

class TextStreamWriterWriteResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class TextStreamWriterWriteCallback(_message.Message):
    __slots__ = ("async_id", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: StreamError
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[_Union[StreamError, _Mapping]] = ...) -> None: ...

class TextStreamWriterCloseRequest(_message.Message):
    __slots__ = ("writer_handle", "reason", "request_async_id", "attributes")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    WRITER_HANDLE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    writer_handle: int
    reason: str
    request_async_id: int
    attributes: _containers.ScalarMap[str, str]
    def __init__(self, writer_handle: _Optional[int] = ..., reason: _Optional[str] = ..., request_async_id: _Optional[int] = ..., attributes: _Optional[_Mapping[str, str]] = ...) -> None: ...

class TextStreamWriterCloseResponse(_message.Message):
    __slots__ = ("async_id",)
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    def __init__(self, async_id: _Optional[int] = ...) -> None: ...

class TextStreamWriterCloseCallback(_message.Message):
    __slots__ = ("async_id", "error")
    ASYNC_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    async_id: int
    error: StreamError
    def __init__(self, async_id: _Optional[int] = ..., error: _Optional[_Union[StreamError, _Mapping]] = ...) -> None: ...

class TextStreamInfo(_message.Message):
    __slots__ = ("stream_id", "timestamp", "mime_type", "topic", "total_length", "attributes", "operation_type", "version", "reply_to_stream_id", "attached_stream_ids", "generated", "encryption_type")
    class OperationType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        CREATE: _ClassVar[TextStreamInfo.OperationType]
        UPDATE: _ClassVar[TextStreamInfo.OperationType]
        DELETE: _ClassVar[TextStreamInfo.OperationType]
        REACTION: _ClassVar[TextStreamInfo.OperationType]
    CREATE: TextStreamInfo.OperationType
    UPDATE: TextStreamInfo.OperationType
    DELETE: TextStreamInfo.OperationType
    REACTION: TextStreamInfo.OperationType
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
    OPERATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    REPLY_TO_STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ATTACHED_STREAM_IDS_FIELD_NUMBER: _ClassVar[int]
    GENERATED_FIELD_NUMBER: _ClassVar[int]
    ENCRYPTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    timestamp: int
    mime_type: str
    topic: str
    total_length: int
    attributes: _containers.ScalarMap[str, str]
    operation_type: TextStreamInfo.OperationType
    version: int
    reply_to_stream_id: str
    attached_stream_ids: _containers.RepeatedScalarFieldContainer[str]
    generated: bool
    encryption_type: _e2ee_pb2.EncryptionType
    def __init__(self, stream_id: _Optional[str] = ..., timestamp: _Optional[int] = ..., mime_type: _Optional[str] = ..., topic: _Optional[str] = ..., total_length: _Optional[int] = ..., attributes: _Optional[_Mapping[str, str]] = ..., operation_type: _Optional[_Union[TextStreamInfo.OperationType, str]] = ..., version: _Optional[int] = ..., reply_to_stream_id: _Optional[str] = ..., attached_stream_ids: _Optional[_Iterable[str]] = ..., generated: _Optional[bool] = ..., encryption_type: _Optional[_Union[_e2ee_pb2.EncryptionType, str]] = ...) -> None: ...

class ByteStreamInfo(_message.Message):
    __slots__ = ("stream_id", "timestamp", "mime_type", "topic", "total_length", "attributes", "name", "encryption_type")
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
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENCRYPTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    timestamp: int
    mime_type: str
    topic: str
    total_length: int
    attributes: _containers.ScalarMap[str, str]
    name: str
    encryption_type: _e2ee_pb2.EncryptionType
    def __init__(self, stream_id: _Optional[str] = ..., timestamp: _Optional[int] = ..., mime_type: _Optional[str] = ..., topic: _Optional[str] = ..., total_length: _Optional[int] = ..., attributes: _Optional[_Mapping[str, str]] = ..., name: _Optional[str] = ..., encryption_type: _Optional[_Union[_e2ee_pb2.EncryptionType, str]] = ...) -> None: ...

class StreamTextOptions(_message.Message):
    __slots__ = ("topic", "attributes", "destination_identities", "id", "operation_type", "version", "reply_to_stream_id", "attached_stream_ids", "generated", "compress", "sender_identity")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_IDENTITIES_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    REPLY_TO_STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ATTACHED_STREAM_IDS_FIELD_NUMBER: _ClassVar[int]
    GENERATED_FIELD_NUMBER: _ClassVar[int]
    COMPRESS_FIELD_NUMBER: _ClassVar[int]
    SENDER_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    topic: str
    attributes: _containers.ScalarMap[str, str]
    destination_identities: _containers.RepeatedScalarFieldContainer[str]
    id: str
    operation_type: TextStreamInfo.OperationType
    version: int
    reply_to_stream_id: str
    attached_stream_ids: _containers.RepeatedScalarFieldContainer[str]
    generated: bool
    compress: bool
    sender_identity: str
    def __init__(self, topic: _Optional[str] = ..., attributes: _Optional[_Mapping[str, str]] = ..., destination_identities: _Optional[_Iterable[str]] = ..., id: _Optional[str] = ..., operation_type: _Optional[_Union[TextStreamInfo.OperationType, str]] = ..., version: _Optional[int] = ..., reply_to_stream_id: _Optional[str] = ..., attached_stream_ids: _Optional[_Iterable[str]] = ..., generated: _Optional[bool] = ..., compress: _Optional[bool] = ..., sender_identity: _Optional[str] = ...) -> None: ...

class StreamByteOptions(_message.Message):
    __slots__ = ("topic", "attributes", "destination_identities", "id", "name", "mime_type", "total_length", "compress", "sender_identity")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_IDENTITIES_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_LENGTH_FIELD_NUMBER: _ClassVar[int]
    COMPRESS_FIELD_NUMBER: _ClassVar[int]
    SENDER_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    topic: str
    attributes: _containers.ScalarMap[str, str]
    destination_identities: _containers.RepeatedScalarFieldContainer[str]
    id: str
    name: str
    mime_type: str
    total_length: int
    compress: bool
    sender_identity: str
    def __init__(self, topic: _Optional[str] = ..., attributes: _Optional[_Mapping[str, str]] = ..., destination_identities: _Optional[_Iterable[str]] = ..., id: _Optional[str] = ..., name: _Optional[str] = ..., mime_type: _Optional[str] = ..., total_length: _Optional[int] = ..., compress: _Optional[bool] = ..., sender_identity: _Optional[str] = ...) -> None: ...

class StreamError(_message.Message):
    __slots__ = ("description",)
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    description: str
    def __init__(self, description: _Optional[str] = ...) -> None: ...
