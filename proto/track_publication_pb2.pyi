from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class VideoQuality(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VIDEO_QUALITY_LOW: _ClassVar[VideoQuality]
    VIDEO_QUALITY_MEDIUM: _ClassVar[VideoQuality]
    VIDEO_QUALITY_HIGH: _ClassVar[VideoQuality]
VIDEO_QUALITY_LOW: VideoQuality
VIDEO_QUALITY_MEDIUM: VideoQuality
VIDEO_QUALITY_HIGH: VideoQuality

class EnableRemoteTrackPublicationRequest(_message.Message):
    __slots__ = ("track_publication_handle", "enabled")
    TRACK_PUBLICATION_HANDLE_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    track_publication_handle: int
    enabled: bool
    def __init__(self, track_publication_handle: _Optional[int] = ..., enabled: _Optional[bool] = ...) -> None: ...

class EnableRemoteTrackPublicationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdateRemoteTrackPublicationDimensionRequest(_message.Message):
    __slots__ = ("track_publication_handle", "width", "height")
    TRACK_PUBLICATION_HANDLE_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    track_publication_handle: int
    width: int
    height: int
    def __init__(self, track_publication_handle: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...

class UpdateRemoteTrackPublicationDimensionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetRemoteTrackPublicationQualityRequest(_message.Message):
    __slots__ = ("track_publication_handle", "quality")
    TRACK_PUBLICATION_HANDLE_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    track_publication_handle: int
    quality: VideoQuality
    def __init__(self, track_publication_handle: _Optional[int] = ..., quality: _Optional[_Union[VideoQuality, str]] = ...) -> None: ...

class SetRemoteTrackPublicationQualityResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
