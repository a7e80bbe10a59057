"""Client side of lkemu: the SDK's FfiClient API over an lkemu engine."""

from .connection import EngineConnection, EngineRefused, EngineUnavailable, FfiRequestError
from .control import ControlRefused, EngineControl
from .ffi_client import INVALID_HANDLE, FfiClient, FfiHandle, FfiQueue

__all__ = [
    "INVALID_HANDLE",
    "ControlRefused",
    "EngineConnection",
    "EngineControl",
    "EngineRefused",
    "EngineUnavailable",
    "FfiClient",
    "FfiHandle",
    "FfiQueue",
    "FfiRequestError",
]
