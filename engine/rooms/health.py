"""How a connection is doing: get_stats, get_session_stats, simulate_scenario, and the
connection quality lkemu can be told to report.

Statistics are WebRTC's stats objects with figures derived from what actually went through
the simulated connection: samples and frames sent or received, packets as Opus (20 ms) or
one per video frame would make them. A subscriber's inbound-rtp counts what its network
did (rooms/network.py): packets lost and discarded as late, the RFC 3550 jitter, the jitter
buffer's target delay, and the samples its jitter buffer concealed. A track that is not in
a room has no transceiver and fails as native does.

simulate_scenario answers at once (native's callback says the scenario was sent) and then
plays the scenario as a server and the SDK would (rooms/reconnect.py): every
SimulateScenarioKind, from a resume to a full reconnection that republishes the local
tracks under new sids.
"""

from __future__ import annotations

import time
from typing import Any, cast

from lkemu.proto import room_pb2, stats_pb2, track_pb2

from ..core.call import Call, FollowUp
from ..core.errors import InvalidRequest, Refused
from ..core.protocol import fill_required
from ..core.registry import handles
from ..media.audio_source import AudioSource
from ..media.tracks import LocalTrack, Track
from .media import RemoteTrack
from .model import Member, RoomView
from .network import AUDIO_PAYLOAD_BYTES, PACKET_MS, RTP_HEADER_BYTES, VIDEO_PAYLOAD_BYTES
from .reconnect import run_scenario
from .simulcast import annotate_stats

# The callback error native gives a room request once the room's engine is gone.
ENGINE_CLOSED = "engine is closed"


def _rtc(stats: Any, kind: str, sid: str) -> None:
    stats.rtc.id = f"{kind}_{sid}"
    stats.rtc.timestamp = int(time.time() * 1000)


def _packets(track: Any, units: int) -> tuple[int, int]:
    """Packets and payload bytes for `units` of the track's media."""
    if track.kind == track_pb2.KIND_AUDIO:
        rate = track.source.sample_rate if isinstance(track.source, AudioSource) else 48000
        packets = units * 1000 // (rate * PACKET_MS)
        return packets, packets * AUDIO_PAYLOAD_BYTES
    return units, units * VIDEO_PAYLOAD_BYTES


def _inbound(track: RemoteTrack, codec_id: str) -> stats_pb2.RtcStats:
    """What a subscriber received of `track`, and what its network did to it."""
    audio = track.kind == track_pb2.KIND_AUDIO
    reception = track.path.stats
    payload = AUDIO_PAYLOAD_BYTES if audio else VIDEO_PAYLOAD_BYTES
    inbound = stats_pb2.RtcStats()
    rtp_in = inbound.inbound_rtp
    _rtc(rtp_in, "inbound", track.sid)
    rtp_in.stream.kind = "audio" if audio else "video"
    rtp_in.stream.codec_id = codec_id
    rtp_in.received.packets_received = reception.packets_received
    rtp_in.received.packets_lost = reception.packets_lost
    rtp_in.received.jitter = reception.jitter_ms / 1000
    rtp_in.inbound.track_identifier = track.sid
    rtp_in.inbound.bytes_received = reception.packets_received * payload
    rtp_in.inbound.header_bytes_received = reception.packets_received * RTP_HEADER_BYTES
    rtp_in.inbound.packets_discarded = reception.packets_discarded
    if audio:
        rtp_in.inbound.total_samples_received = track.received_units
        rtp_in.inbound.total_samples_duration = track.received_units / 48000
        rtp_in.inbound.concealed_samples = reception.concealed_samples
        rtp_in.inbound.silent_concealed_samples = reception.silent_concealed_samples
        rtp_in.inbound.concealment_events = reception.concealment_events
        rtp_in.inbound.jitter_buffer_target_delay = reception.jitter_target_ms / 1000
    else:
        rtp_in.inbound.frames_received = rtp_in.inbound.frames_decoded = track.received_units
        rtp_in.inbound.frames_rendered = track.received_units
    return inbound


def track_stats(track: Track) -> list[stats_pb2.RtcStats]:
    audio = track.kind == track_pb2.KIND_AUDIO
    kind = "audio" if audio else "video"
    codec = stats_pb2.RtcStats()
    _rtc(codec.codec, "codec", track.sid)
    codec.codec.codec.mime_type = "audio/opus" if audio else "video/VP8"
    codec.codec.codec.clock_rate = 48000 if audio else 90000
    codec.codec.codec.channels = 2 if audio else 0
    codec.codec.codec.payload_type = 111 if audio else 96
    result = [codec]
    if isinstance(track, RemoteTrack):
        result.append(_inbound(track, codec.codec.rtc.id))
    else:
        assert isinstance(track, LocalTrack)
        packets, payload = _packets(track, track.sent_units)
        outbound = stats_pb2.RtcStats()
        rtp_out = outbound.outbound_rtp
        _rtc(rtp_out, "outbound", track.sid)
        rtp_out.stream.kind = kind
        rtp_out.stream.codec_id = codec.codec.rtc.id
        rtp_out.sent.packets_sent = packets
        rtp_out.sent.bytes_sent = payload
        rtp_out.outbound.header_bytes_sent = packets * RTP_HEADER_BYTES
        rtp_out.outbound.active = True
        if not audio:
            rtp_out.outbound.frames_sent = rtp_out.outbound.frames_encoded = track.sent_units
            rtp_out.outbound.frame_width = track.source.width
            rtp_out.outbound.frame_height = track.source.height
        source = stats_pb2.RtcStats()
        _rtc(source.media_source, "source", track.sid)
        source.media_source.source.track_identifier = track.sid
        source.media_source.source.kind = kind
        if audio:
            source.media_source.audio.total_samples_captured = track.sent_units
        result += [outbound, source]
    result = annotate_stats(track, result)  # a video track's codec, layers and sizes
    for stats in result:
        fill_required(stats)
    return result


@handles("get_stats")
def on_get_stats(call: Call, request: track_pb2.GetStatsRequest) -> track_pb2.GetStatsResponse:
    track = call.get(request.track_handle, Track)

    async def gather(callback: Any) -> None:
        in_room = isinstance(track, RemoteTrack) and not track.ended
        if not (in_room or track.room_handle is not None):
            raise Refused("room failure: no transceiver found for track")
        callback.stats.extend(track_stats(track))

    return track_pb2.GetStatsResponse(async_id=call.answer_later(request, gather))


def _transport(kind: str, view_id: int) -> stats_pb2.RtcStats:
    stats = stats_pb2.RtcStats()
    _rtc(stats.transport, f"transport_{kind}", str(view_id))
    stats.transport.transport.dtls_state = stats_pb2.DTLS_TRANSPORT_CONNECTED
    stats.transport.transport.ice_state = stats_pb2.ICE_TRANSPORT_CONNECTED
    return stats


@handles("get_session_stats")
def on_get_session_stats(
    call: Call, request: room_pb2.GetSessionStatsRequest
) -> room_pb2.GetSessionStatsResponse:
    view = call.get(request.room_handle, RoomView)

    async def gather(callback: Any) -> None:
        member = view.connected_member
        if member is None:
            raise Refused(ENGINE_CLOSED)
        result = callback.result
        result.publisher_stats.append(fill_required(_transport("publisher", view.handle)))
        for published in member.publications.values():
            result.publisher_stats.extend(track_stats(published.track))
        result.subscriber_stats.append(fill_required(_transport("subscriber", view.handle)))
        for subscription in view.subscriptions.values():
            result.subscriber_stats.extend(track_stats(subscription.remote))

    return room_pb2.GetSessionStatsResponse(async_id=call.answer_later(request, gather))


def set_quality(member: Member, quality: int) -> None:
    """The server's view of a participant's connection changed: tell the room.

    `quality` arrives from the control service as a plain number; the service checks that
    it is a ConnectionQuality value."""
    if member.quality == quality:
        return
    member.quality = quality
    level = cast(room_pb2.ConnectionQuality, quality)

    def fill(e: room_pb2.RoomEvent) -> None:
        e.connection_quality_changed.participant_identity = member.identity
        e.connection_quality_changed.quality = level

    member.view.room.tell_about(member, fill)


@handles("simulate_scenario")
def on_simulate_scenario(
    call: Call, request: room_pb2.SimulateScenarioRequest
) -> room_pb2.SimulateScenarioResponse:
    if request.scenario not in room_pb2.SimulateScenarioKind.values():
        raise InvalidRequest("unknown SimulateScenarioKind")
    view = call.get(request.room_handle, RoomView)
    scenario = request.scenario

    async def simulate(callback: Any) -> FollowUp:
        if view.connected_member is None:
            raise Refused(ENGINE_CLOSED)
        # The request only starts the scenario: what it does follows its callback.
        return lambda: run_scenario(view, scenario)

    return room_pb2.SimulateScenarioResponse(async_id=call.answer_later(request, simulate))
