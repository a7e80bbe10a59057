"""Client side of lkemu: the SDK's FfiClient API over an lkemu engine."""

from .connection import ControlRefused, EngineConnection, EngineUnavailable, FfiRequestError
from .ffi_client import INVALID_HANDLE, FfiClient, FfiHandle, FfiQueue

__all__ = [
    "INVALID_HANDLE",
    "ControlRefused",
    "EngineConnection",
    "EngineUnavailable",
    "FfiClient",
    "FfiHandle",
    "FfiQueue",
    "FfiRequestError",
]
