"""A participant's data channels (reliable and lossy): what it has queued and how fast the
queue drains, and set_data_channel_buffered_amount_low_threshold.

As the native core (rtc_session.rs): a packet is handed to the channel while the channel's
buffered amount is at or under its low threshold (2 MiB at first), and a publish (a data
packet, a stream's header, chunk or trailer) completes when its packet is handed over: that
is the backpressure of every data send. Setting the threshold always tells the room, even
when the value is unchanged.

A data channel in lkemu drains at a bandwidth: unlimited on the virtual clock (a packet
arrives at once, so runs stay exact), and DEFAULT_REAL_BITS_PER_SECOND on the real clock.
That figure is an assumption, not a measurement: WebRTC data channels through an SFU
commonly carry from a few to a few tens of Mbit/s. The control service sets another
(EngineControl.set_data_bandwidth; 0 is unlimited). A packet reaches its receivers once its
bytes have drained, in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from lkemu.proto import room_pb2

from ..core.call import Call
from ..core.registry import handles
from .model import INITIAL_BUFFERED_AMOUNT_LOW_THRESHOLD, RoomView, participant_view

DEFAULT_REAL_BITS_PER_SECOND = 10_000_000


class DataChannels:
    """One view's two data channels (RoomView.state)."""

    def __init__(self, view: RoomView) -> None:
        self.view = view
        self.low_thresholds = {
            room_pb2.KIND_LOSSY: INITIAL_BUFFERED_AMOUNT_LOW_THRESHOLD,
            room_pb2.KIND_RELIABLE: INITIAL_BUFFERED_AMOUNT_LOW_THRESHOLD,
        }
        virtual = view.runtime.media_clock.virtual
        bits = None if virtual else DEFAULT_REAL_BITS_PER_SECOND
        self.bytes_per_second: float | None = bits / 8 if bits else None
        self.buffered = {room_pb2.KIND_LOSSY: 0, room_pb2.KIND_RELIABLE: 0}
        self._last_done = {room_pb2.KIND_LOSSY: 0.0, room_pb2.KIND_RELIABLE: 0.0}
        self._drained = asyncio.Event()
        self._in_flight: set[asyncio.TimerHandle] = set()

    def set_threshold(self, kind: Any, threshold: int) -> None:
        self.low_thresholds[kind] = threshold
        self._drained.set()  # a higher threshold may let waiting sends through

    def set_bandwidth(self, bits_per_second: int) -> None:
        self.bytes_per_second = bits_per_second / 8 if bits_per_second > 0 else None

    async def send(self, kind: Any, size: int, deliver: Callable[[], None]) -> None:
        """Queue one packet of `size` bytes; returns once the channel took it. `deliver`
        runs when its bytes have drained (at once without a bandwidth)."""
        if self.bytes_per_second is None:
            deliver()
            return
        while self.buffered[kind] > self.low_thresholds[kind]:
            self._drained.clear()
            await self._drained.wait()
        loop = asyncio.get_running_loop()
        done = max(loop.time(), self._last_done[kind]) + size / self.bytes_per_second
        self._last_done[kind] = done
        self.buffered[kind] += size
        handle: asyncio.TimerHandle | None = None

        def transmitted() -> None:
            if handle is not None:
                self._in_flight.discard(handle)
            self.buffered[kind] -= size
            self._drained.set()
            if self.view.connected_member is not None:
                deliver()

        handle = loop.call_at(done, transmitted)
        self._in_flight.add(handle)

    async def until_drained(self) -> None:
        """Until everything sent so far has left (at once without a bandwidth)."""
        while any(self.buffered.values()):
            self._drained.clear()
            await self._drained.wait()

    def peer_left(self, identity: str) -> None:
        pass

    def closed(self) -> None:
        # What had not drained yet never leaves: the connection is gone.
        for handle in self._in_flight:
            handle.cancel()
        self._in_flight.clear()
        self.buffered = dict.fromkeys(self.buffered, 0)
        self._drained.set()


@handles("set_data_channel_buffered_amount_low_threshold")
def on_set_data_channel_buffered_amount_low_threshold(
    call: Call, request: room_pb2.SetDataChannelBufferedAmountLowThresholdRequest
) -> room_pb2.SetDataChannelBufferedAmountLowThresholdResponse:
    view = participant_view(call, request.local_participant_handle)  # native takes any
    kind, threshold = request.kind, request.threshold
    view.state(DataChannels).set_threshold(kind, threshold)

    def changed(e: room_pb2.RoomEvent) -> None:
        e.data_channel_low_threshold_changed.kind = kind
        e.data_channel_low_threshold_changed.threshold = threshold

    view.emit(changed)
    return room_pb2.SetDataChannelBufferedAmountLowThresholdResponse()
