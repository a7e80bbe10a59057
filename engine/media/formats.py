"""lkemu's bounds on audio formats, where the native core takes any u32 and would run out
of memory or stall (a 4 GHz source asks for a 40 million-frame buffer every 10 ms).

They are far beyond what audio uses (192 kHz, 8 or 16 channels), and a request past them
is refused naming the field, never half-run.
"""

from __future__ import annotations

from ..core.errors import InvalidRequest

MAX_SAMPLE_RATE = 768_000
MAX_CHANNELS = 64
MAX_QUEUE_MS = 600_000  # ten minutes of buffered audio


def check_rate(field: str, rate: int, *, allow_zero: bool = False) -> None:
    if rate > MAX_SAMPLE_RATE or (rate == 0 and not allow_zero):
        raise InvalidRequest(f"{field} must be 1 to {MAX_SAMPLE_RATE} Hz in lkemu, got {rate}")


def check_channels(field: str, channels: int) -> None:
    if not 1 <= channels <= MAX_CHANNELS:
        raise InvalidRequest(f"{field} must be 1 to {MAX_CHANNELS} in lkemu, got {channels}")
