from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EncryptionType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NONE: _ClassVar[EncryptionType]
    GCM: _ClassVar[EncryptionType]
    CUSTOM: _ClassVar[EncryptionType]

class KeyDerivationFunction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PBKDF2: _ClassVar[KeyDerivationFunction]
    HKDF: _ClassVar[KeyDerivationFunction]

class EncryptionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NEW: _ClassVar[EncryptionState]
    OK: _ClassVar[EncryptionState]
    ENCRYPTION_FAILED: _ClassVar[EncryptionState]
    DECRYPTION_FAILED: _ClassVar[EncryptionState]
    MISSING_KEY: _ClassVar[EncryptionState]
    KEY_RATCHETED: _ClassVar[EncryptionState]
    INTERNAL_ERROR: _ClassVar[EncryptionState]
NONE: EncryptionType
GCM: EncryptionType
CUSTOM: EncryptionType
PBKDF2: KeyDerivationFunction
HKDF: KeyDerivationFunction
NEW: EncryptionState
OK: EncryptionState
ENCRYPTION_FAILED: EncryptionState
DECRYPTION_FAILED: EncryptionState
MISSING_KEY: EncryptionState
KEY_RATCHETED: EncryptionState
INTERNAL_ERROR: EncryptionState

class FrameCryptor(_message.Message):
    __slots__ = ("participant_identity", "track_sid", "key_index", "enabled")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    TRACK_SID_FIELD_NUMBER: _ClassVar[int]
    KEY_INDEX_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    track_sid: str
    key_index: int
    enabled: bool
    def __init__(self, participant_identity: _Optional[str] = ..., track_sid: _Optional[str] = ..., key_index: _Optional[int] = ..., enabled: _Optional[bool] = ...) -> None: ...

class KeyProviderOptions(_message.Message):
    __slots__ = ("shared_key", "ratchet_window_size", "ratchet_salt", "failure_tolerance", "key_ring_size", "key_derivation_function")
    SHARED_KEY_FIELD_NUMBER: _ClassVar[int]
    RATCHET_WINDOW_SIZE_FIELD_NUMBER: _ClassVar[int]
    RATCHET_SALT_FIELD_NUMBER: _ClassVar[int]
    FAILURE_TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    KEY_RING_SIZE_FIELD_NUMBER: _ClassVar[int]
    KEY_DERIVATION_FUNCTION_FIELD_NUMBER: _ClassVar[int]
    shared_key: bytes
    ratchet_window_size: int
    ratchet_salt: bytes
    failure_tolerance: int
    key_ring_size: int
    key_derivation_function: KeyDerivationFunction
    def __init__(self, shared_key: _Optional[bytes] = ..., ratchet_window_size: _Optional[int] = ..., ratchet_salt: _Optional[bytes] = ..., failure_tolerance: _Optional[int] = ..., key_ring_size: _Optional[int] = ..., key_derivation_function: _Optional[_Union[KeyDerivationFunction, str]] = ...) -> None: ...

class E2eeOptions(_message.Message):
    __slots__ = ("encryption_type", "key_provider_options")
    ENCRYPTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    KEY_PROVIDER_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    encryption_type: EncryptionType
    key_provider_options: KeyProviderOptions
    def __init__(self, encryption_type: _Optional[_Union[EncryptionType, str]] = ..., key_provider_options: _Optional[_Union[KeyProviderOptions, _Mapping]] = ...) -> None: ...

class E2eeManagerSetEnabledRequest(_message.Message):
    __slots__ = ("enabled",)
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    def __init__(self, enabled: _Optional[bool] = ...) -> None: ...

class E2eeManagerSetEnabledResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class E2eeManagerGetFrameCryptorsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class E2eeManagerGetFrameCryptorsResponse(_message.Message):
    __slots__ = ("frame_cryptors",)
    FRAME_CRYPTORS_FIELD_NUMBER: _ClassVar[int]
    frame_cryptors: _containers.RepeatedCompositeFieldContainer[FrameCryptor]
    def __init__(self, frame_cryptors: _Optional[_Iterable[_Union[FrameCryptor, _Mapping]]] = ...) -> None: ...

class FrameCryptorSetEnabledRequest(_message.Message):
    __slots__ = ("participant_identity", "track_sid", "enabled")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    TRACK_SID_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    track_sid: str
    enabled: bool
    def __init__(self, participant_identity: _Optional[str] = ..., track_sid: _Optional[str] = ..., enabled: _Optional[bool] = ...) -> None: ...

class FrameCryptorSetEnabledResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class FrameCryptorSetKeyIndexRequest(_message.Message):
    __slots__ = ("participant_identity", "track_sid", "key_index")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    TRACK_SID_FIELD_NUMBER: _ClassVar[int]
    KEY_INDEX_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    track_sid: str
    key_index: int
    def __init__(self, participant_identity: _Optional[str] = ..., track_sid: _Optional[str] = ..., key_index: _Optional[int] = ...) -> None: ...

class FrameCryptorSetKeyIndexResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetSharedKeyRequest(_message.Message):
    __slots__ = ("shared_key", "key_index")
    SHARED_KEY_FIELD_NUMBER: _ClassVar[int]
    KEY_INDEX_FIELD_NUMBER: _ClassVar[int]
    shared_key: bytes
    key_index: int
    def __init__(self, shared_key: _Optional[bytes] = ..., key_index: _Optional[int] = ...) -> None: ...

class SetSharedKeyResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RatchetSharedKeyRequest(_message.Message):
    __slots__ = ("key_index",)
    KEY_INDEX_FIELD_NUMBER: _ClassVar[int]
    key_index: int
    def __init__(self, key_index: _Optional[int] = ...) -> None: ...

class RatchetSharedKeyResponse(_message.Message):
    __slots__ = ("new_key",)
    NEW_KEY_FIELD_NUMBER: _ClassVar[int]
    new_key: bytes
    def __init__(self, new_key: _Optional[bytes] = ...) -> None: ...

class GetSharedKeyRequest(_message.Message):
    __slots__ = ("key_index",)
    KEY_INDEX_FIELD_NUMBER: _ClassVar[int]
    key_index: int
    def __init__(self, key_index: _Optional[int] = ...) -> None: ...

class GetSharedKeyResponse(_message.Message):
    __slots__ = ("key",)
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: bytes
    def __init__(self, key: _Optional[bytes] = ...) -> None: ...

class SetKeyRequest(_message.Message):
    __slots__ = ("participant_identity", "key", "key_index")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    KEY_INDEX_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    key: bytes
    key_index: int
    def __init__(self, participant_identity: _Optional[str] = ..., key: _Optional[bytes] = ..., key_index: _Optional[int] = ...) -> None: ...

class SetKeyResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RatchetKeyRequest(_message.Message):
    __slots__ = ("participant_identity", "key_index")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    KEY_INDEX_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    key_index: int
    def __init__(self, participant_identity: _Optional[str] = ..., key_index: _Optional[int] = ...) -> None: ...

class RatchetKeyResponse(_message.Message):
    __slots__ = ("new_key",)
    NEW_KEY_FIELD_NUMBER: _ClassVar[int]
    new_key: bytes
    def __init__(self, new_key: _Optional[bytes] = ...) -> None: ...

class GetKeyRequest(_message.Message):
    __slots__ = ("participant_identity", "key_index")
    PARTICIPANT_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    KEY_INDEX_FIELD_NUMBER: _ClassVar[int]
    participant_identity: str
    key_index: int
    def __init__(self, participant_identity: _Optional[str] = ..., key_index: _Optional[int] = ...) -> None: ...

class GetKeyResponse(_message.Message):
    __slots__ = ("key",)
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: bytes
    def __init__(self, key: _Optional[bytes] = ...) -> None: ...

class E2eeRequest(_message.Message):
    __slots__ = ("room_handle", "manager_set_enabled", "manager_get_frame_cryptors", "cryptor_set_enabled", "cryptor_set_key_index", "set_shared_key", "ratchet_shared_key", "get_shared_key", "set_key", "ratchet_key", "get_key")
    ROOM_HANDLE_FIELD_NUMBER: _ClassVar[int]
    MANAGER_SET_ENABLED_FIELD_NUMBER: _ClassVar[int]
    MANAGER_GET_FRAME_CRYPTORS_FIELD_NUMBER: _ClassVar[int]
    CRYPTOR_SET_ENABLED_FIELD_NUMBER: _ClassVar[int]
    CRYPTOR_SET_KEY_INDEX_FIELD_NUMBER: _ClassVar[int]
    SET_SHARED_KEY_FIELD_NUMBER: _ClassVar[int]
    RATCHET_SHARED_KEY_FIELD_NUMBER: _ClassVar[int]
    GET_SHARED_KEY_FIELD_NUMBER: _ClassVar[int]
    SET_KEY_FIELD_NUMBER: _ClassVar[int]
    RATCHET_KEY_FIELD_NUMBER: _ClassVar[int]
    GET_KEY_FIELD_NUMBER: _ClassVar[int]
    room_handle: int
    manager_set_enabled: E2eeManagerSetEnabledRequest
    manager_get_frame_cryptors: E2eeManagerGetFrameCryptorsRequest
    cryptor_set_enabled: FrameCryptorSetEnabledRequest
    cryptor_set_key_index: FrameCryptorSetKeyIndexRequest
    set_shared_key: SetSharedKeyRequest
    ratchet_shared_key: RatchetSharedKeyRequest
    get_shared_key: GetSharedKeyRequest
    set_key: SetKeyRequest
    ratchet_key: RatchetKeyRequest
    get_key: GetKeyRequest
    def __init__(self, room_handle: _Optional[int] = ..., manager_set_enabled: _Optional[_Union[E2eeManagerSetEnabledRequest, _Mapping]] = ..., manager_get_frame_cryptors: _Optional[_Union[E2eeManagerGetFrameCryptorsRequest, _Mapping]] = ..., cryptor_set_enabled: _Optional[_Union[FrameCryptorSetEnabledRequest, _Mapping]] = ..., cryptor_set_key_index: _Optional[_Union[FrameCryptorSetKeyIndexRequest, _Mapping]] = ..., set_shared_key: _Optional[_Union[SetSharedKeyRequest, _Mapping]] = ..., ratchet_shared_key: _Optional[_Union[RatchetSharedKeyRequest, _Mapping]] = ..., get_shared_key: _Optional[_Union[GetSharedKeyRequest, _Mapping]] = ..., set_key: _Optional[_Union[SetKeyRequest, _Mapping]] = ..., ratchet_key: _Optional[_Union[RatchetKeyRequest, _Mapping]] = ..., get_key: _Optional[_Union[GetKeyRequest, _Mapping]] = ...) -> None: ...

class E2eeResponse(_message.Message):
    __slots__ = ("manager_set_enabled", "manager_get_frame_cryptors", "cryptor_set_enabled", "cryptor_set_key_index", "set_shared_key", "ratchet_shared_key", "get_shared_key", "set_key", "ratchet_key", "get_key")
    MANAGER_SET_ENABLED_FIELD_NUMBER: _ClassVar[int]
    MANAGER_GET_FRAME_CRYPTORS_FIELD_NUMBER: _ClassVar[int]
    CRYPTOR_SET_ENABLED_FIELD_NUMBER: _ClassVar[int]
    CRYPTOR_SET_KEY_INDEX_FIELD_NUMBER: _ClassVar[int]
    SET_SHARED_KEY_FIELD_NUMBER: _ClassVar[int]
    RATCHET_SHARED_KEY_FIELD_NUMBER: _ClassVar[int]
    GET_SHARED_KEY_FIELD_NUMBER: _ClassVar[int]
    SET_KEY_FIELD_NUMBER: _ClassVar[int]
    RATCHET_KEY_FIELD_NUMBER: _ClassVar[int]
    GET_KEY_FIELD_NUMBER: _ClassVar[int]
    manager_set_enabled: E2eeManagerSetEnabledResponse
    manager_get_frame_cryptors: E2eeManagerGetFrameCryptorsResponse
    cryptor_set_enabled: FrameCryptorSetEnabledResponse
    cryptor_set_key_index: FrameCryptorSetKeyIndexResponse
    set_shared_key: SetSharedKeyResponse
    ratchet_shared_key: RatchetSharedKeyResponse
    get_shared_key: GetSharedKeyResponse
    set_key: SetKeyResponse
    ratchet_key: RatchetKeyResponse
    get_key: GetKeyResponse
    def __init__(self, manager_set_enabled: _Optional[_Union[E2eeManagerSetEnabledResponse, _Mapping]] = ..., manager_get_frame_cryptors: _Optional[_Union[E2eeManagerGetFrameCryptorsResponse, _Mapping]] = ..., cryptor_set_enabled: _Optional[_Union[FrameCryptorSetEnabledResponse, _Mapping]] = ..., cryptor_set_key_index: _Optional[_Union[FrameCryptorSetKeyIndexResponse, _Mapping]] = ..., set_shared_key: _Optional[_Union[SetSharedKeyResponse, _Mapping]] = ..., ratchet_shared_key: _Optional[_Union[RatchetSharedKeyResponse, _Mapping]] = ..., get_shared_key: _Optional[_Union[GetSharedKeyResponse, _Mapping]] = ..., set_key: _Optional[_Union[SetKeyResponse, _Mapping]] = ..., ratchet_key: _Optional[_Union[RatchetKeyResponse, _Mapping]] = ..., get_key: _Optional[_Union[GetKeyResponse, _Mapping]] = ...) -> None: ...
