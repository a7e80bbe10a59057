"""The livekit SDK versions the drop-in speaks: the supported range (support.py), the
translation between two versions of the FFI protocol (translate.py) and the drop-in's
per-kind adapter (adapter.py)."""

from .adapter import ProtocolAdapter, TranslationError, leading_field
from .support import (
    NEWEST,
    OLDEST,
    TESTED,
    UnsupportedSdkVersion,
    check_supported,
    installed_sdk_version,
    is_supported,
)
from .translate import Bridge, Difference, Inexpressible

__all__ = [
    "NEWEST",
    "OLDEST",
    "TESTED",
    "Bridge",
    "Difference",
    "Inexpressible",
    "ProtocolAdapter",
    "TranslationError",
    "UnsupportedSdkVersion",
    "check_supported",
    "installed_sdk_version",
    "is_supported",
    "leading_field",
]
