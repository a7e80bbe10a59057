"""A participant's network as lkemu simulates it: packet loss, jitter and a bandwidth limit
(EngineControl.set_network_conditions), and the network going away altogether
(EngineControl.cut_network; what the participant and the room see then is
rooms/reconnect.py).

Links. A packet from a publisher to a subscriber crosses two links: the publisher's (up to
the SFU) and the subscriber's (down from it). A participant's conditions apply to its own
link, both ways. The publisher's link decides a packet's fate once for every subscriber (a
packet lost on the way up is lost for all of them); the subscriber's link decides for each
stream it receives.

Packets. Audio travels as WebRTC sends Opus: a packet per 20 ms, 80 bytes of payload (32
kbit/s) plus 12 of RTP and 28 of UDP/IPv4 headers, 48 kbit/s on the wire; video as one
packet of 2000 bytes per frame (the figures rooms/health.py reports).

Determinism. Each side of a link draws two uniform numbers per packet from a counter-based
generator (numpy's Philox) keyed by the fault's seed, the room, the participants'
identities and the track's name and source, at the packet's index in the track. The same
seed and the same media give the same fates whatever the chunking (the virtual clock plays
350 ms blocks, the real clock 10 ms) and whenever a subscriber arrives.

Loss: each link loses a packet with its probability, independently of the others.

Jitter: each link delays a packet by |N(0, jitter_ms)|. The receiver's jitter buffer is
taken as adapted to it: its target delay is the 0.95 quantile of the packets' delay
(NetEq's delay manager aims at the 0.95 quantile of arrival delays: delay_manager.h,
quantile = 0.95), counted as 1.96 deviations of the two links' combined jitter and at
least one packet. A packet later than that misses its playout time: it is concealed, and
discarded when it comes (packets_discarded). The stream itself is not delayed: lkemu keeps
sample counts and timing exact, so jitter shows as concealment of late packets and in the
statistics (RFC 3550 interarrival jitter), not as latency.

Bandwidth: a link narrower than what crosses it drops packets. Audio is served first and
whole when it fits (an SFU forwards audio as it comes and fits video into what remains),
the video streams share what is left equally, and a stream given a fraction f of its rate
passes an evenly spaced fraction f of its packets (what a token bucket does to a constant
rate stream in the long run). Senders do not adapt their bitrate.

A link that is down loses every packet.

Concealment: what a receiver plays for audio that did not arrive in time. WebRTC's NetEq
"expands" the last pitch period it decoded and attenuates it over consecutive losses until
it is silent; lkemu repeats the last 20 ms received before the gap, faded linearly to
silence over 60 ms, then plays silence until packets arrive again. Sample counts never
change (the playout side always delivers 10 ms every 10 ms), which keeps streams and the
virtual clock exact, and level and timing follow what NetEq does without modelling its
pitch search. concealed_samples, silent_concealed_samples and concealment_events count as
WebRTC's inbound-rtp statistics do. A lost video frame is not delivered.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.signal import lfilter
from scipy.special import ndtri

PACKET_MS = 20
AUDIO_PAYLOAD_BYTES = 80  # Opus at 32 kbit/s, 20 ms a packet
VIDEO_PAYLOAD_BYTES = 2000  # a frame per packet of a modest VP8 stream
RTP_HEADER_BYTES = 12
UDP_IP_HEADER_BYTES = 28
AUDIO_WIRE_BPS = (AUDIO_PAYLOAD_BYTES + RTP_HEADER_BYTES + UDP_IP_HEADER_BYTES) * 8 * 1000 // 20
VIDEO_WIRE_BITS = (VIDEO_PAYLOAD_BYTES + RTP_HEADER_BYTES + UDP_IP_HEADER_BYTES) * 8
JITTER_BUFFER_QUANTILE = 0.95
# The 0.95 quantile of |N(0, 1)|: how many deviations of delay the buffer's target covers.
TARGET_SIGMAS = float(ndtri(0.5 + JITTER_BUFFER_QUANTILE / 2))
FADE_MS = 60
RTP_JITTER_GAIN = 1 / 16  # RFC 3550 A.8
DEFAULT_FRAME_INTERVAL_MS = 1000 / 30


@dataclass(frozen=True)
class LinkConditions:
    """One participant's link to the server."""

    loss: float = 0.0  # probability that a packet is lost, 0 to 1
    jitter_ms: float = 0.0  # deviation of a packet's extra one-way delay
    bandwidth_bps: int = 0  # 0: unlimited
    seed: int = 0
    down: bool = False

    @property
    def impaired(self) -> bool:
        return self.down or self.loss > 0 or self.jitter_ms > 0 or self.bandwidth_bps > 0


CLEAR = LinkConditions()


class Links:
    """Every participant's link conditions by (room, identity), kept across reconnections
    (runtime.area(Links))."""

    def __init__(self, runtime: Any) -> None:
        self.by_key: dict[tuple[str, str], LinkConditions] = {}

    def of(self, room: str, identity: str) -> LinkConditions:
        return self.by_key.get((room, identity), CLEAR)

    def set(self, room: str, identity: str, conditions: LinkConditions) -> None:
        if conditions.impaired:
            self.by_key[(room, identity)] = conditions
        else:
            self.by_key.pop((room, identity), None)

    def forget_room(self, room: str) -> None:
        """The room is gone: a new one of that name starts with clean networks."""
        for key in [key for key in self.by_key if key[0] == room]:
            del self.by_key[key]

    def stop(self) -> None:
        self.by_key.clear()


@dataclass
class Fates:
    """What one side of a link does to a run of packets."""

    lost: np.ndarray  # bool per packet
    delay_ms: np.ndarray  # extra delay per packet
    jitter_ms: float  # the deviation those delays were drawn with


# How many (audio, video) streams cross a link now, for the bandwidth's shares.
FlowCount = Callable[[], tuple[int, int]]


class LinkSide:
    """A participant's link as one stream crosses it (a track on its way up, or one
    subscriber's copy on its way down): the fate of each of the stream's packets."""

    def __init__(
        self, links: Links, room: str, identity: str, salt: tuple[str, ...], flows: FlowCount
    ) -> None:
        self.links, self.room, self.identity = links, room, identity
        self.salt, self.flows = salt, flows
        self._keyed_seed: int | None = None
        self._key: np.ndarray = np.zeros(2, dtype=np.uint64)
        self._generator = np.random.default_rng()
        self._drawn = np.empty((0, 2))  # draws of packets _drawn_from .. _drawn_to - 1
        self._drawn_from = self._drawn_to = 0

    @property
    def conditions(self) -> LinkConditions:
        return self.links.of(self.room, self.identity)

    def fates(self, first: int, count: int, *, audio: bool, interval_ms: float) -> Fates:
        """The fates of packets first .. first+count-1 of the stream."""
        conditions = self.conditions
        if not conditions.impaired:
            return Fates(np.zeros(count, bool), np.zeros(count), 0.0)
        if conditions.down:
            return Fates(np.ones(count, bool), np.zeros(count), conditions.jitter_ms)
        draws = self._draws(conditions.seed, first, count)
        lost = draws[:, 0] < conditions.loss
        delay = np.zeros(count)
        if conditions.jitter_ms > 0:
            delay = conditions.jitter_ms * ndtri(0.5 + draws[:, 1] / 2)  # |N(0, jitter)|
        if conditions.bandwidth_bps > 0:
            passing = self._passing_share(conditions.bandwidth_bps, audio, interval_ms)
            if passing < 1.0:
                index = np.arange(first, first + count, dtype=np.float64)
                lost |= np.floor((index + 1) * passing) == np.floor(index * passing)
        return Fates(lost, delay, conditions.jitter_ms)

    def _passing_share(self, bandwidth: int, audio: bool, interval_ms: float) -> float:
        """The fraction of this stream's packets the link's bandwidth lets through."""
        audio_flows, video_flows = self.flows()
        if audio:
            share = bandwidth / max(audio_flows, 1)
            return min(1.0, share / AUDIO_WIRE_BPS)
        left = max(0.0, bandwidth - audio_flows * AUDIO_WIRE_BPS)
        demand = VIDEO_WIRE_BITS * 1000 / max(interval_ms, 1e-3)
        return min(1.0, left / max(video_flows, 1) / demand)

    def _draws(self, seed: int, first: int, count: int) -> np.ndarray:
        """Two uniform draws per packet, at the packets' own index in the stream. Streams
        ask in order, so one generator serves on; any other order starts one afresh."""
        end = first + count
        if self._keyed_seed != seed or not self._drawn_from <= first <= self._drawn_to:
            if self._keyed_seed != seed:
                words = [seed, *(zlib.crc32(part.encode()) for part in (self.room, self.identity))]
                words += [zlib.crc32(part.encode()) for part in self.salt]
                self._key = np.random.SeedSequence(words).generate_state(2, np.uint64)
                self._keyed_seed = seed
            bits = np.random.Philox(key=self._key)
            bits.advance(first // 2)  # a step of Philox's counter is 4 draws: 2 packets
            self._generator = np.random.Generator(bits)
            self._drawn_from = self._drawn_to = first - first % 2
            self._drawn = np.empty((0, 2))
        if end > self._drawn_to:
            more = end - self._drawn_to
            more += more % 2  # whole steps, so that the generator stays on a packet pair
            fresh = self._generator.random(2 * more).reshape(-1, 2)
            self._drawn = np.concatenate([self._drawn[first - self._drawn_from :], fresh])
            self._drawn_from, self._drawn_to = first, self._drawn_to + more
        return self._drawn[first - self._drawn_from : end - self._drawn_from]


class ReceptionStats:
    """What a receiver counts of one stream (WebRTC's inbound-rtp statistics)."""

    def __init__(self) -> None:
        self.packets_received = 0
        self.packets_lost = 0
        self.packets_discarded = 0
        self.concealed_samples = 0
        self.silent_concealed_samples = 0
        self.concealment_events = 0
        self.jitter_ms = 0.0  # RFC 3550 interarrival jitter
        self.jitter_target_ms = 0.0  # the jitter buffer's target delay, last used
        self._last_delay_ms: float | None = None

    def count_clean(self, packets: int) -> None:
        """`packets` arrived in time, with no extra delay."""
        self.packets_received += packets
        if packets:
            self._last_delay_ms = 0.0
            self.jitter_ms *= (1 - RTP_JITTER_GAIN) ** packets

    def count(self, lost: np.ndarray, late: np.ndarray, delay_ms: np.ndarray) -> None:
        self.packets_lost += int(np.count_nonzero(lost))
        self.packets_discarded += int(np.count_nonzero(late))
        self.packets_received += int(len(lost) - np.count_nonzero(lost))
        arrived = delay_ms[~lost]
        if not len(arrived):
            return
        if self._last_delay_ms is not None:
            arrived = np.concatenate(([self._last_delay_ms], arrived))
        self._last_delay_ms = float(arrived[-1])
        steps = np.abs(np.diff(arrived))
        if len(steps):
            keep = 1 - RTP_JITTER_GAIN
            smoothed, _ = lfilter([RTP_JITTER_GAIN], [1, -keep], steps, zi=[keep * self.jitter_ms])
            self.jitter_ms = float(smoothed[-1])


class AudioPath:
    """One subscriber's reception of one audio track: what the two links let through in
    time, and what its jitter buffer plays for the rest."""

    def __init__(self, up: LinkSide, down: LinkSide) -> None:
        self.up, self.down = up, down
        self.stats = ReceptionStats()
        self._next_counted: int | None = None  # the next packet the statistics count
        # What played last, at least a packet's worth (the chunks themselves: no copy on
        # the clean path), for a gap to repeat.
        self._recent: list[np.ndarray] = []
        self._recent_frames = 0
        self._run: tuple[int, np.ndarray] | None = None  # a gap going on: start, source

    def carry(self, chunk: np.ndarray, sample_rate: int, start: int) -> np.ndarray:
        """What plays for `chunk` (frames x channels), frames start.. of the track."""
        frames = len(chunk)
        if not frames:
            return chunk
        size = max(1, sample_rate * PACKET_MS // 1000)  # frames per packet
        first, complete = start // size, (start + frames) // size
        clean = not (self.up.conditions.impaired or self.down.conditions.impaired)
        if clean and self._run is None:
            begin = max(first, first if self._next_counted is None else self._next_counted)
            self.stats.count_clean(max(0, complete - begin))
            self._next_counted = max(begin, complete)
            self._remember(chunk, size)
            return chunk
        count = (start + frames - 1) // size - first + 1
        up = self.up.fates(first, count, audio=True, interval_ms=PACKET_MS)
        down = self.down.fates(first, count, audio=True, interval_ms=PACKET_MS)
        lost = up.lost | down.lost
        delay = up.delay_ms + down.delay_ms
        late = np.zeros(count, bool)
        jitter = math.hypot(up.jitter_ms, down.jitter_ms)
        if jitter > 0:
            target = max(float(PACKET_MS), TARGET_SIGMAS * jitter)
            self.stats.jitter_target_ms = target
            late = ~lost & (delay > target)
        self._count(first, complete, lost, late, delay)
        bad = lost | late
        if self._run is None and not bad.any():
            self._remember(chunk, size)
            return chunk
        per_frame = bad[np.arange(start, start + frames) // size - first]
        return self._conceal(chunk, start, per_frame, size, sample_rate)

    def _count(
        self, first: int, complete: int, lost: np.ndarray, late: np.ndarray, delay: np.ndarray
    ) -> None:
        """Count the packets this chunk completed (first .. complete-1, once each)."""
        if self._next_counted is None:
            self._next_counted = first
        begin = max(self._next_counted, first)
        if complete <= begin:
            return
        chosen = slice(begin - first, complete - first)
        self.stats.count(lost[chosen], late[chosen], delay[chosen])
        self._next_counted = complete

    def _remember(self, played: np.ndarray, size: int) -> None:
        self._recent.append(played)
        self._recent_frames += len(played)
        while self._recent_frames - len(self._recent[0]) >= size:
            self._recent_frames -= len(self._recent.pop(0))

    def _history(self, size: int, channels: int, dtype: Any) -> np.ndarray:
        """The last packet's worth of what played (silence before anything did)."""
        recent = [c for c in self._recent if c.ndim == 2 and c.shape[1] == channels]
        heard = np.concatenate(recent)[-size:] if recent else np.zeros((0, channels), dtype)
        if len(heard) < size:
            heard = np.concatenate([np.zeros((size - len(heard), channels), dtype), heard])
        return heard.astype(dtype, copy=False)

    def _conceal(
        self, chunk: np.ndarray, start: int, bad: np.ndarray, size: int, sample_rate: int
    ) -> np.ndarray:
        fade = max(1, sample_rate * FADE_MS // 1000)
        played = np.concatenate([self._history(size, chunk.shape[1], chunk.dtype), chunk])
        # Row size + i of `played` is the chunk's frame i; runs of bad frames get concealed.
        edges = np.flatnonzero(np.diff(np.concatenate(([0], bad.view(np.int8), [0]))))
        run = self._run
        for begin, end in zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True):
            if not (begin == 0 and run is not None):  # a new gap: repeat what played before
                run = (start + begin, played[begin : begin + size].astype(np.float32))
                self.stats.concealment_events += 1
            run_start, source = run
            offsets = np.arange(start + begin - run_start, start + end - run_start)
            gain = np.clip(1.0 - offsets / fade, 0.0, 1.0).astype(np.float32)
            played[size + begin : size + end] = source[offsets % size] * gain[:, None]
            self.stats.concealed_samples += end - begin
            self.stats.silent_concealed_samples += int(np.count_nonzero(gain == 0.0))
        self._run = run if bad[-1] else None
        self._recent, self._recent_frames = [played], len(played)
        return played[size:]


class VideoPath:
    """One subscriber's reception of one video track: which frames arrive."""

    def __init__(self, up: LinkSide, down: LinkSide) -> None:
        self.up, self.down = up, down
        self.stats = ReceptionStats()
        self._last_timestamp_us: int | None = None

    def carry(self, index: int, timestamp_us: int) -> bool:
        """Whether frame `index` of the track (captured at `timestamp_us`) arrives."""
        interval = DEFAULT_FRAME_INTERVAL_MS
        if self._last_timestamp_us is not None and timestamp_us > self._last_timestamp_us:
            interval = (timestamp_us - self._last_timestamp_us) / 1000
        self._last_timestamp_us = timestamp_us
        if not (self.up.conditions.impaired or self.down.conditions.impaired):
            lost = np.zeros(1, bool)
            self.stats.count(lost, lost, np.zeros(1))
            return True
        up = self.up.fates(index, 1, audio=False, interval_ms=interval)
        down = self.down.fates(index, 1, audio=False, interval_ms=interval)
        lost = up.lost | down.lost
        self.stats.count(lost, np.zeros(1, bool), up.delay_ms + down.delay_ms)
        return not bool(lost[0])
