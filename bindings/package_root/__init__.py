"""lkemu: a pure-Python emulator of the LiveKit FFI server (livekit-ffi)."""

from __future__ import annotations

__version__ = "0.1.0"


def install(address: str | None = None) -> None:
    """Make `livekit.rtc` run on an lkemu engine instead of its native library.

    Call it before anything of livekit.rtc is used. The engine is `address`, else
    LKEMU_ADDRESS, else a private engine spawned on first use.
    """
    from lkemu.bindings.dropin import install as install_dropin

    install_dropin(address)
