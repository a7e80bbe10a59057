from lkemu.proto import handle_pb2 as _handle_pb2
from lkemu.proto import track_pb2 as _track_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ParticipantState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTICIPANT_STATE_JOINING: _ClassVar[ParticipantState]
    PARTICIPANT_STATE_JOINED: _ClassVar[ParticipantState]
    PARTICIPANT_STATE_ACTIVE: _ClassVar[ParticipantState]
    PARTICIPANT_STATE_DISCONNECTED: _ClassVar[ParticipantState]

class ParticipantKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTICIPANT_KIND_STANDARD: _ClassVar[ParticipantKind]
    PARTICIPANT_KIND_INGRESS: _ClassVar[ParticipantKind]
    PARTICIPANT_KIND_EGRESS: _ClassVar[ParticipantKind]
    PARTICIPANT_KIND_SIP: _ClassVar[ParticipantKind]
    PARTICIPANT_KIND_AGENT: _ClassVar[ParticipantKind]
    PARTICIPANT_KIND_CONNECTOR: _ClassVar[ParticipantKind]
    PARTICIPANT_KIND_BRIDGE: _ClassVar[ParticipantKind]

class ParticipantKindDetail(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTICIPANT_KIND_DETAIL_CLOUD_AGENT: _ClassVar[ParticipantKindDetail]
    PARTICIPANT_KIND_DETAIL_FORWARDED: _ClassVar[ParticipantKindDetail]
    PARTICIPANT_KIND_DETAIL_CONNECTOR_WHATSAPP: _ClassVar[ParticipantKindDetail]
    PARTICIPANT_KIND_DETAIL_CONNECTOR_TWILIO: _ClassVar[ParticipantKindDetail]
    PARTICIPANT_KIND_DETAIL_BRIDGE_RTSP: _ClassVar[ParticipantKindDetail]
    PARTICIPANT_KIND_DETAIL_SIMULATION: _ClassVar[ParticipantKindDetail]

class DisconnectReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UNKNOWN_REASON: _ClassVar[DisconnectReason]
    CLIENT_INITIATED: _ClassVar[DisconnectReason]
    DUPLICATE_IDENTITY: _ClassVar[DisconnectReason]
    SERVER_SHUTDOWN: _ClassVar[DisconnectReason]
    PARTICIPANT_REMOVED: _ClassVar[DisconnectReason]
    ROOM_DELETED: _ClassVar[DisconnectReason]
    STATE_MISMATCH: _ClassVar[DisconnectReason]
    JOIN_FAILURE: _ClassVar[DisconnectReason]
    MIGRATION: _ClassVar[DisconnectReason]
    SIGNAL_CLOSE: _ClassVar[DisconnectReason]
    ROOM_CLOSED: _ClassVar[DisconnectReason]
    USER_UNAVAILABLE: _ClassVar[DisconnectReason]
    USER_REJECTED: _ClassVar[DisconnectReason]
    SIP_TRUNK_FAILURE: _ClassVar[DisconnectReason]
    CONNECTION_TIMEOUT: _ClassVar[DisconnectReason]
    MEDIA_FAILURE: _ClassVar[DisconnectReason]
    AGENT_ERROR: _ClassVar[DisconnectReason]
PARTICIPANT_STATE_JOINING: ParticipantState
PARTICIPANT_STATE_JOINED: ParticipantState
PARTICIPANT_STATE_ACTIVE: ParticipantState
PARTICIPANT_STATE_DISCONNECTED: ParticipantState
PARTICIPANT_KIND_STANDARD: ParticipantKind
PARTICIPANT_KIND_INGRESS: ParticipantKind
PARTICIPANT_KIND_EGRESS: ParticipantKind
PARTICIPANT_KIND_SIP: ParticipantKind
PARTICIPANT_KIND_AGENT: ParticipantKind
PARTICIPANT_KIND_CONNECTOR: ParticipantKind
PARTICIPANT_KIND_BRIDGE: ParticipantKind
PARTICIPANT_KIND_DETAIL_CLOUD_AGENT: ParticipantKindDetail
PARTICIPANT_KIND_DETAIL_FORWARDED: ParticipantKindDetail
PARTICIPANT_KIND_DETAIL_CONNECTOR_WHATSAPP: ParticipantKindDetail
PARTICIPANT_KIND_DETAIL_CONNECTOR_TWILIO: ParticipantKindDetail
PARTICIPANT_KIND_DETAIL_BRIDGE_RTSP: ParticipantKindDetail
PARTICIPANT_KIND_DETAIL_SIMULATION: ParticipantKindDetail
UNKNOWN_REASON: DisconnectReason
CLIENT_INITIATED: DisconnectReason
DUPLICATE_IDENTITY: DisconnectReason
SERVER_SHUTDOWN: DisconnectReason
PARTICIPANT_REMOVED: DisconnectReason
ROOM_DELETED: DisconnectReason
STATE_MISMATCH: DisconnectReason
JOIN_FAILURE: DisconnectReason
MIGRATION: DisconnectReason
SIGNAL_CLOSE: DisconnectReason
ROOM_CLOSED: DisconnectReason
USER_UNAVAILABLE: DisconnectReason
USER_REJECTED: DisconnectReason
SIP_TRUNK_FAILURE: DisconnectReason
CONNECTION_TIMEOUT: DisconnectReason
MEDIA_FAILURE: DisconnectReason
AGENT_ERROR: DisconnectReason

class ParticipantInfo(_message.Message):
    __slots__ = ("sid", "name", "identity", "state", "metadata", "attributes", "kind", "disconnect_reason", "joined_at", "kind_details", "permission", "client_protocol")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DISCONNECT_REASON_FIELD_NUMBER: _ClassVar[int]
    JOINED_AT_FIELD_NUMBER: _ClassVar[int]
    KIND_DETAILS_FIELD_NUMBER: _ClassVar[int]
    PERMISSION_FIELD_NUMBER: _ClassVar[int]
    CLIENT_PROTOCOL_FIELD_NUMBER: _ClassVar[int]
    sid: str
    name: str
    identity: str
    state: ParticipantState
    metadata: str
    attributes: _containers.ScalarMap[str, str]
    kind: ParticipantKind
    disconnect_reason: DisconnectReason
    joined_at: int
    kind_details: _containers.RepeatedScalarFieldContainer[ParticipantKindDetail]
    permission: ParticipantPermission
    client_protocol: int
    def __init__(self, sid: _Optional[str] = ..., name: _Optional[str] = ..., identity: _Optional[str] = ..., state: _Optional[_Union[ParticipantState, str]] = ..., metadata: _Optional[str] = ..., attributes: _Optional[_Mapping[str, str]] = ..., kind: _Optional[_Union[ParticipantKind, str]] = ..., disconnect_reason: _Optional[_Union[DisconnectReason, str]] = ..., joined_at: _Optional[int] = ..., kind_details: _Optional[_Iterable[_Union[ParticipantKindDetail, str]]] = ..., permission: _Optional[_Union[ParticipantPermission, _Mapping]] = ..., client_protocol: _Optional[int] = ...) -> None: ...

class OwnedParticipant(_message.Message):
    __slots__ = ("handle", "info")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    handle: _handle_pb2.FfiOwnedHandle
    info: ParticipantInfo
    def __init__(self, handle: _Optional[_Union[_handle_pb2.FfiOwnedHandle, _Mapping]] = ..., info: _Optional[_Union[ParticipantInfo, _Mapping]] = ...) -> None: ...

class ParticipantPermission(_message.Message):
    __slots__ = ("can_subscribe", "can_publish", "can_publish_data", "can_publish_sources", "hidden", "can_update_metadata", "can_subscribe_metrics", "can_manage_agent_session")
    CAN_SUBSCRIBE_FIELD_NUMBER: _ClassVar[int]
    CAN_PUBLISH_FIELD_NUMBER: _ClassVar[int]
    CAN_PUBLISH_DATA_FIELD_NUMBER: _ClassVar[int]
    CAN_PUBLISH_SOURCES_FIELD_NUMBER: _ClassVar[int]
    HIDDEN_FIELD_NUMBER: _ClassVar[int]
    CAN_UPDATE_METADATA_FIELD_NUMBER: _ClassVar[int]
    CAN_SUBSCRIBE_METRICS_FIELD_NUMBER: _ClassVar[int]
    CAN_MANAGE_AGENT_SESSION_FIELD_NUMBER: _ClassVar[int]
    can_subscribe: bool
    can_publish: bool
    can_publish_data: bool
    can_publish_sources: _containers.RepeatedScalarFieldContainer[_track_pb2.TrackSource]
    hidden: bool
    can_update_metadata: bool
    can_subscribe_metrics: bool
    can_manage_agent_session: bool
    def __init__(self, can_subscribe: _Optional[bool] = ..., can_publish: _Optional[bool] = ..., can_publish_data: _Optional[bool] = ..., can_publish_sources: _Optional[_Iterable[_Union[_track_pb2.TrackSource, str]]] = ..., hidden: _Optional[bool] = ..., can_update_metadata: _Optional[bool] = ..., can_subscribe_metrics: _Optional[bool] = ..., can_manage_agent_session: _Optional[bool] = ...) -> None: ...
