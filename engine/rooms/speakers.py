"""Active speakers, computed from the audio each participant publishes.

A LiveKit server decides who speaks from the audio level of each published track: a 10 ms
packet counts as active when it is louder than -35 dBov (its `active_level` of 35), and a
participant speaks when at least 40 % of the packets in its 400 ms update window were
active (`min_percentile`, `update_interval`). lkemu measures the same on the published
samples: a meter sink on each published audio track. When the set of speakers changes, the
room tells everyone `active_speakers_changed`, quietest first (the order the native SDK
sorts them in).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .model import Member, SimRoom

ACTIVE_DBOV = -35.0
MIN_ACTIVE_SHARE = 0.4
WINDOW_MS = 400


class SpeakerMeter:
    """An audio sink measuring one published track's level, 400 ms at a time."""

    def __init__(self, member: Member, room: SimRoom) -> None:
        self.member, self.room = member, room
        self._chunks: list[np.ndarray] = []  # this window's whole 10 ms blocks, unmeasured
        self._blocks = 0

    def on_audio(self, chunk: np.ndarray, sample_rate: int, num_channels: int) -> None:
        block = sample_rate // 100
        count = len(chunk) // block
        if not count:
            return
        # Measured once a window (one numpy pass over 400 ms), not per 10 ms chunk: this
        # runs for every published track 100 times a second, and per chunk its numpy calls
        # were 11 % of an agent conversation's engine CPU. Kept without a copy: a chunk is
        # never written once delivered (sources queue what was captured, up to seconds;
        # sinks that change audio make new arrays).
        self._chunks.append(chunk[: count * block].reshape(count, -1))
        self._blocks += count
        if self._blocks * 10 >= WINDOW_MS:
            blocks = np.concatenate(self._chunks).astype(np.float64) / 32768.0
            self._chunks, self._blocks = [], 0
            levels = np.sqrt(np.mean(blocks**2, axis=1))
            active = levels > 10 ** (ACTIVE_DBOV / 20)
            speaking = np.mean(active) >= MIN_ACTIVE_SHARE
            self.member.audio_level = float(np.mean(levels[active])) if speaking else 0.0
            self.room.speakers_changed()

    def ready(self) -> bool:
        return True

    def on_end(self) -> None:
        self.member.audio_level = 0.0
        self.room.speakers_changed()
