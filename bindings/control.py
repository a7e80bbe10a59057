"""The engine's control service from a client: what a LiveKit server's RoomService does,
plus what only a simulation can do (participants the engine plays, faults), and the
engine's own info and handle counts. Every call shows the engine's secret
(lkemu.bindings.credentials); without the right one the engine refuses it at once."""

from __future__ import annotations

import socket
from typing import Any

import grpc

from lkemu.engine.wire.limits import GRPC_OPTIONS
from lkemu.proto import engine_pb2, engine_pb2_grpc

from .connection import EngineUnavailable, refused, unavailable
from .credentials import FoundSecret, find_secret
from .deadlines import unary_within

# An RPC error a played participant answers: code, message and data.
RpcErrorReply = tuple[int, str, str]


def nothing_listens(address: str) -> str | None:
    """Why nothing can be listening at `address` (refused, no such socket), or None when
    something accepts a connection there."""
    try:
        if address.startswith("unix:"):
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target: Any = address.removeprefix("unix:").removeprefix("//")
        else:
            host, _, port = address.rpartition(":")
            probe = socket.socket(socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET)
            target = (host.strip("[]"), int(port))
    except ValueError as error:
        return f"not an address ({error})"
    probe.settimeout(2.0)
    try:
        probe.connect(target)
    except (ConnectionRefusedError, FileNotFoundError) as error:
        return error.strerror or str(error)
    except OSError:
        return None  # slow or unusual: let gRPC's own wait decide
    finally:
        probe.close()
    return None


class ControlRefused(RuntimeError):
    """The engine's control service refused a request; the message says why."""

    def __init__(self, method: str, reason: str) -> None:
        super().__init__(f"{method}: {reason}")
        self.method, self.reason = method, reason


class EngineControl:
    """A client of one engine's EngineControl service."""

    def __init__(
        self,
        address: str,
        channel: grpc.Channel,
        *,
        owns_channel: bool,
        secret: FoundSecret | None = None,
    ) -> None:
        """`secret`: what to show the engine (default: found for `address`)."""
        self.address = address
        self._channel = channel
        self._owns_channel = owns_channel
        self._stub = engine_pb2_grpc.EngineControlStub(channel)
        self.secret = secret if secret is not None else find_secret(address)
        self._metadata = self.secret.metadata()

    @classmethod
    def connect(
        cls, address: str, timeout: float = 10.0, secret: FoundSecret | None = None
    ) -> EngineControl:
        """Its own channel to the engine at `address`, waited for up to `timeout`;
        EngineRefused at once if the engine does not take this client's secret."""
        channel = grpc.insecure_channel(address, options=GRPC_OPTIONS)
        control = cls(address, channel, owns_channel=True, secret=secret)
        control.wait_ready(timeout)
        return control

    def wait_ready(self, timeout: float) -> None:
        # Nothing listening is known at once (connection refused, no such socket): no
        # point waiting `timeout` for it, as gRPC's wait_for_ready would.
        reason = nothing_listens(self.address)
        if reason is not None:
            self.close()
            raise EngineUnavailable(f"no lkemu engine at {self.address}: {reason}")
        # One call that waits for the channel, rather than channel_ready_future, whose
        # connectivity watcher makes every channel.close() wait ~200 ms.
        try:
            # timed here, not by gRPC, whose deadline would read a patched time.time()
            unary_within(
                self._stub.Info,
                engine_pb2.InfoRequest(),
                timeout,
                wait_for_ready=True,
                metadata=self._metadata,
            )
        except grpc.RpcError as error:
            self.close()
            if isinstance(error, grpc.Call) and error.code() == grpc.StatusCode.UNAUTHENTICATED:
                raise refused(self.address, str(error.details()), self.secret) from None
            raise EngineUnavailable(
                f"no lkemu engine answered at {self.address} within {timeout:g} s"
            ) from None

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self._stub, method)(request, metadata=self._metadata)
        except grpc.RpcError as error:
            if isinstance(error, grpc.Call) and error.code() == grpc.StatusCode.FAILED_PRECONDITION:
                raise ControlRefused(method, str(error.details())) from None
            raise unavailable(self.address, error, self.secret) from None

    def info(self) -> engine_pb2.EngineInfo:
        return self._call("Info", engine_pb2.InfoRequest())

    def count_handles(self, session_id: int = 0) -> engine_pb2.HandleCounts:
        request = engine_pb2.HandleCountsRequest(session_id=session_id)
        return self._call("CountHandles", request)

    # Rooms (engine/rooms/control.py).

    def list_rooms(self) -> list[engine_pb2.RoomSummary]:
        return list(self._call("ListRooms", engine_pb2.ListRoomsRequest()).rooms)

    def list_participants(self, room: str) -> list[engine_pb2.ParticipantSummary]:
        request = engine_pb2.ListParticipantsRequest(room=room)
        return list(self._call("ListParticipants", request).participants)

    def inject_participant(
        self,
        room: str,
        identity: str,
        *,
        wav: bytes | None = None,
        signal: engine_pb2.GeneratedSignal | None = None,
        name: str = "",
        metadata: str = "",
        loop: bool = False,
        start_immediately: bool = False,
        kind: str = "",
        no_subscribe: bool = False,
    ) -> engine_pb2.InjectParticipantReply:
        """A participant the engine plays, publishing `wav` (16-bit PCM WAV bytes) or a
        generated `signal` as its microphone (or nothing: a front end that only talks);
        by default it starts playing on its first subscriber. It subscribes to what the
        others publish, as a client would, unless `no_subscribe`; `kind` is its participant
        kind ("standard", "sip", "agent", ...)."""
        request = engine_pb2.InjectParticipantRequest(
            room=room,
            identity=identity,
            name=name,
            metadata=metadata,
            loop=loop,
            start_immediately=start_immediately,
            kind=kind,
            no_subscribe=no_subscribe,
        )
        if wav is not None:
            request.wav = wav
        if signal is not None:
            request.signal.CopyFrom(signal)
        return self._call("InjectParticipant", request)

    def remove_participant(self, room: str, identity: str, reason: int = 0) -> None:
        request = engine_pb2.RemoveParticipantRequest(room=room, identity=identity, reason=reason)
        self._call("RemoveParticipant", request)

    def close_room(self, room: str) -> int:
        request = engine_pb2.CloseRoomRequest(room=room)
        return int(self._call("CloseRoom", request).disconnected)

    def update_room_metadata(self, room: str, metadata: str) -> None:
        request = engine_pb2.UpdateRoomMetadataRequest(room=room, metadata=metadata)
        self._call("UpdateRoomMetadata", request)

    def set_connection_quality(self, room: str, identity: str, quality: int) -> None:
        request = engine_pb2.SetConnectionQualityRequest(
            room=room, identity=identity, quality=quality
        )
        self._call("SetConnectionQuality", request)

    def simulate_reconnect(self, room: str, identity: str) -> None:
        request = engine_pb2.SimulateReconnectRequest(room=room, identity=identity)
        self._call("SimulateReconnect", request)

    def set_network_conditions(
        self,
        room: str,
        identity: str,
        *,
        loss_percent: float = 0.0,
        jitter_ms: float = 0.0,
        bandwidth_bps: int = 0,
        seed: int = 0,
    ) -> None:
        """Packet loss, jitter and a bandwidth limit (0: none) on `identity`'s link to the
        server, both ways, until set again (all zero: a clean network). `seed` makes the
        losses repeatable (engine/rooms/network.py)."""
        request = engine_pb2.SetNetworkConditionsRequest(
            room=room, identity=identity, loss_percent=loss_percent, jitter_ms=jitter_ms,
            bandwidth_bps=bandwidth_bps, seed=seed,
        )  # fmt: skip
        self._call("SetNetworkConditions", request)

    def cut_network(self, room: str, identity: str, seconds: float = 0.0) -> None:
        """`identity`'s network goes away now, for `seconds` of the engine's clock (0: until
        restore_network): its client reconnects when it can, or the server drops it after
        20 s (engine/rooms/reconnect.py)."""
        request = engine_pb2.CutNetworkRequest(room=room, identity=identity, seconds=seconds)
        self._call("CutNetwork", request)

    def restore_network(self, room: str, identity: str) -> None:
        request = engine_pb2.RestoreNetworkRequest(room=room, identity=identity)
        self._call("RestoreNetwork", request)

    # Messages from a participant the engine plays (inject_participant, with or without audio).

    def set_rpc_replies(
        self, room: str, identity: str, replies: dict[str, str | RpcErrorReply]
    ) -> None:
        """The RPC methods `identity` answers and what: a payload, or (code, message, data)."""
        request = engine_pb2.SetRpcRepliesRequest(room=room, identity=identity)
        for method, reply in replies.items():
            if isinstance(reply, str):
                request.replies.add(method=method, payload=reply)
            else:
                code, message, data = reply
                request.replies.add(
                    method=method, error_code=code, error_message=message, error_data=data
                )
        self._call("SetRpcReplies", request)

    def perform_rpc(
        self,
        room: str,
        identity: str,
        destination: str,
        method: str,
        payload: str = "",
        *,
        response_timeout_ms: int = 0,
        max_round_trip_latency_ms: int = 0,
    ) -> engine_pb2.ControlPerformRpcReply:
        """A call from `identity` (a front end the engine plays), answered when it ends:
        the payload, or error_code, error_message and error_data."""
        request = engine_pb2.ControlPerformRpcRequest(
            room=room,
            identity=identity,
            destination_identity=destination,
            method=method,
            payload=payload,
            response_timeout_ms=response_timeout_ms,
            max_round_trip_latency_ms=max_round_trip_latency_ms,
        )
        reply: engine_pb2.ControlPerformRpcReply = self._call("PerformRpc", request)
        return reply

    def send_text(
        self,
        room: str,
        identity: str,
        text: str,
        *,
        topic: str = "lk.chat",
        destinations: list[str] | None = None,
        attributes: dict[str, str] | None = None,
    ) -> str:
        """A text stream from `identity` (chat typed by a user, say); its stream id."""
        request = engine_pb2.ControlSendTextRequest(
            room=room, identity=identity, topic=topic, text=text,
            destination_identities=destinations or [],
        )  # fmt: skip
        request.attributes.update(attributes or {})
        return str(self._call("SendText", request).stream_id)

    def set_data_bandwidth(self, room: str, identity: str, bits_per_second: int) -> None:
        """How fast `identity`'s data channels drain (0: unlimited)."""
        request = engine_pb2.SetDataBandwidthRequest(
            room=room, identity=identity, bits_per_second=bits_per_second
        )
        self._call("SetDataBandwidth", request)

    # Faults.

    def inject_request_fault(self, request_name: str, times: int = 1, message: str = "") -> None:
        """Make the async work of the next `times` requests of a kind fail in the engine,
        as a bug would: their callbacks answer with the error set."""
        request = engine_pb2.InjectRequestFaultRequest(
            request_name=request_name, times=times, message=message
        )
        self._call("InjectRequestFault", request)

    def fail_capture(self, capture_handle: int = 0, kind: int = 0, message: str = "") -> int:
        """Make a running capture source (0: every one) end with an error of `kind`
        (lkemu.ffi.CaptureErrorKind: 0 source, 1 rtc, 2 panicked); how many will."""
        request = engine_pb2.FailCaptureRequest(
            capture_handle=capture_handle, kind=kind, message=message
        )
        return int(self._call("FailCapture", request).failed)

    # Platform audio's virtual devices.

    def set_audio_devices(
        self,
        recording: list[engine_pb2.VirtualAudioDevice] | None = None,
        playout: list[engine_pb2.VirtualAudioDevice] | None = None,
        *,
        unavailable: bool = False,
    ) -> engine_pb2.SetAudioDevicesReply:
        """Replace the engine's virtual audio devices (microphones that play a WAV file or
        a generated signal, speakers that keep what they play); `unavailable`: no audio
        subsystem at all. The reply lists their GUIDs by index."""
        request = engine_pb2.SetAudioDevicesRequest(
            recording=recording or [], playout=playout or [], unavailable=unavailable
        )
        return self._call("SetAudioDevices", request)

    def playout_audio(self, device_id: str, *, clear: bool = False) -> bytes:
        """What a virtual speaker played, as a WAV file's bytes (`clear`: forget it)."""
        request = engine_pb2.GetPlayoutAudioRequest(device_id=device_id, clear=clear)
        return bytes(self._call("GetPlayoutAudio", request).wav)

    # Pre-encoded video.

    def send_encoder_feedback(
        self,
        room: str,
        identity: str,
        track_sid: str = "",
        *,
        keyframe: bool = False,
        target_bitrate_bps: int | None = None,
        framerate_fps: float | None = None,
    ) -> str:
        """Feedback for the pass-through encoder of `identity`'s pre-encoded video
        publication (`track_sid`, or its only one): a key frame request and/or new rate
        targets, which its source reads with take_encoded_video_source_feedback after its
        next frame. The publication's sid."""
        request = engine_pb2.SendEncoderFeedbackRequest(
            room=room, identity=identity, track_sid=track_sid, keyframe=keyframe
        )
        if target_bitrate_bps is not None:
            request.target_bitrate_bps = target_bitrate_bps
        if framerate_fps is not None:
            request.framerate_fps = framerate_fps
        return str(self._call("SendEncoderFeedback", request).track_sid)

    def close(self) -> None:
        if self._owns_channel:
            self._channel.close()
