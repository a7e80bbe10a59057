"""lkemu: a pure-Python emulator of the LiveKit FFI server."""

__version__ = "0.1.0"
