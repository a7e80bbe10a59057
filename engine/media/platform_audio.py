"""Platform audio on virtual devices: new_platform_audio, get_audio_devices,
set_recording_device, set_playout_device, start_recording, stop_recording, and the
AUDIO_SOURCE_PLATFORM sources of new_audio_source.

What livekit-ffi 1.2.1 does (server/platform_audio.rs, livekit's platform_audio module,
webrtc-sys' AdmProxy and AudioDeviceController):

- new_platform_audio takes a reference on the process' one platform audio device module
  (ADM). Without an audio subsystem it answers the response's `error`, "Failed to initialize
  platform audio" (measured here: this machine has no sound card). Each PlatformAudio handle
  holds a reference; recording and playout through the devices are on while one is held.
- get_audio_devices lists the ADM's devices by index (0, 1, ...) with their names and GUIDs.
- set_recording_device / set_playout_device take a GUID. One that no device has answers
  "Device not found" (the desktop rule: ensure_device_exists). So does selecting a device
  while the ADM records (or plays): WebRTC's Linux ADM refuses SetRecordingDevice once
  recording is initialized, and the controller reports any refusal as not found.
- start_recording initializes and starts the ADM's recording (an empty device list: "Audio
  operation failed: init_recording failed"); stop_recording stops it; both are idempotent.
  WebRTC also starts recording when a track of a platform source begins to send (it is
  published) while the ADM is held, and stops it when the last such track stops sending.
- new_audio_source with AUDIO_SOURCE_PLATFORM makes a source fed by the ADM's recording
  (RtcAudioSource::Device), whatever platform_audio_handle says (0, unknown, another
  session's: measured, all accepted); its sample_rate and num_channels are ignored.
  capture_audio_frame on it answers an async id and never calls back (measured), and
  clear_audio_buffer does nothing.
- Remote audio is played to the selected playout device while the ADM is held: WebRTC's
  audio mixer mixes the received tracks (the three loudest at a time), 10 ms at a time, at
  the device's rate and channels, while at least one is received.
- Handle type errors name livekit_ffi::room_apis::server::platform_audio::FfiPlatformAudio.

lkemu's devices are virtual, the same set for every session of the engine, and each
session (client process) has its own ADM, as each process has natively. By default there
is one microphone that records silence and one speaker (48 kHz stereo). LKEMU_AUDIO_DEVICES
(JSON of engine_pb2.SetAudioDevicesRequest, or "none") or the control service's
set_audio_devices changes them: a microphone plays a WAV file or a generated signal
(converted to 48 kHz mono, what a platform source carries), from when a track of it is
first subscribed to (on the virtual clock: first read by a subscriber's stream or speaker)
unless told to start at once, then silence (or again, looped); a
speaker keeps the last minute it played in memory (get_playout_audio) and writes all of it
to a WAV file if given one.

Time: on the real clock (and simulated time) the ADM records and plays 10 ms every 10 ms,
silence where there is nothing (a platform track that does not record still plays silence:
WebRTC's receivers conceal). On the virtual clock a microphone's audio goes as fast as its
tracks' consumers take it (no silence before it; after it, 10 ms of silence per 10 ms of
wall time), and a speaker writes what its tracks deliver as they deliver it, each track
mixed in at its own position (no three-source limit there).

Where lkemu differs: no echo cancellation, noise suppression or gain control on the
recording (the ADM's AudioProcessingOptions are accepted and ignored); more than one
source is summed and clipped, where WebRTC's mixer applies its limiter; on the virtual
clock a track subscribed less than 10 ms of wall time before its first audio may lose the
start of it to the speaker (the speaker looks for new tracks every 10 ms).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import re
import wave
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from google.protobuf import json_format

from lkemu.proto import audio_frame_pb2, engine_pb2

from ..core.call import Call
from ..core.clock import TICK_S
from ..core.errors import InvalidRequest
from ..core.registry import handles
from ..core.runtime import EngineRuntime
from ..dsp import signals
from ..dsp.polyphase import RatioTooFine, StreamingResampler, remix, to_int16
from . import audio_source
from .audio_source import VIRTUAL_BLOCK_CHUNKS, AudioSource
from .formats import MAX_QUEUE_MS, check_channels, check_rate
from .tracks import Track

logger = logging.getLogger("lkemu.engine")

DEVICES_ENV = "LKEMU_AUDIO_DEVICES"
SOURCE_RATE, SOURCE_CHANNELS = 48000, 1  # what a platform source carries
CHUNK = SOURCE_RATE // 100
MAX_MIXED = 3  # WebRTC's AudioMixerImpl: kMaximumAmountOfMixedAudioSources
MAX_DEVICE_SECONDS = MAX_QUEUE_MS // 1000  # a microphone's audio
# What a speaker keeps in memory: its last minute (11.5 MB at 48 kHz stereo); its WAV file,
# if it has one, keeps everything. Ten minutes (115 MB a speaker, which every session of the
# engine plays to) held 72 MB after the fuzzer's 15 minutes with every session gone.
SPEAKER_MEMORY_SECONDS = 60
# A speaker's own buffer per received track on the real clock, past which the oldest goes.
MAX_TAP_CHUNKS = 20

INIT_FAILED = "Failed to initialize platform audio"
DEVICE_NOT_FOUND = "Device not found"
INIT_RECORDING_FAILED = "Audio operation failed: init_recording failed"


class DeviceConfigError(ValueError):
    """A device configuration lkemu cannot use, and why."""


# --- devices -------------------------------------------------------------------------------


@dataclass
class Microphone:
    """A recording device: what it plays, at 48 kHz mono (None: silence)."""

    name: str
    guid: str
    samples: np.ndarray | None = None  # (frames, 1) int16
    loop: bool = False
    start_immediately: bool = False


@dataclass
class Speaker:
    """A playout device: what it played, kept in memory and written to `wav_path`."""

    name: str
    guid: str
    sample_rate: int = 48000
    num_channels: int = 2
    wav_path: str = ""
    played: deque[np.ndarray] = field(default_factory=deque)
    played_frames: int = 0
    _writer: wave.Wave_write | None = None

    def write(self, frames: np.ndarray) -> None:
        if not len(frames):
            return
        self.played.append(frames)
        self.played_frames += len(frames)
        limit = SPEAKER_MEMORY_SECONDS * self.sample_rate
        while self.played_frames - len(self.played[0]) >= limit:
            self.played_frames -= len(self.played.popleft())
        if self.wav_path:
            if self._writer is None:
                self._writer = wave.open(self.wav_path, "wb")  # noqa: SIM115 - kept open
                self._writer.setnchannels(self.num_channels)
                self._writer.setsampwidth(2)
                self._writer.setframerate(self.sample_rate)
            # (the wave module patches the header as it goes: the file is valid throughout)
            self._writer.writeframes(frames.astype("<i2").tobytes())

    def recorded(self, clear: bool) -> np.ndarray:
        frames = (
            np.concatenate(list(self.played))
            if self.played
            else np.zeros((0, self.num_channels), dtype=np.int16)
        )
        if clear:
            self.played.clear()
            self.played_frames = 0
        return frames

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


@dataclass
class DeviceSet:
    microphones: list[Microphone]
    speakers: list[Speaker]
    available: bool = True


def default_devices() -> DeviceSet:
    return DeviceSet(
        [Microphone("lkemu Virtual Microphone", "lkemu-virtual-microphone")],
        [Speaker("lkemu Virtual Speaker", "lkemu-virtual-speaker")],
    )


def _decode_wav(data: bytes) -> tuple[np.ndarray, int]:
    try:
        with wave.open(io.BytesIO(data)) as reader:
            if reader.getsampwidth() != 2:
                raise DeviceConfigError(
                    f"WAV must be 16-bit PCM, this one has {8 * reader.getsampwidth()}-bit samples"
                )
            rate, channels = reader.getframerate(), reader.getnchannels()
            if rate * channels == 0:
                raise DeviceConfigError("not a readable WAV file: no samples per second")
            if reader.getnframes() > MAX_DEVICE_SECONDS * rate:
                raise DeviceConfigError(f"a microphone plays at most {MAX_DEVICE_SECONDS} s")
            frames = reader.readframes(reader.getnframes())
    except (wave.Error, EOFError) as error:
        raise DeviceConfigError(f"not a readable WAV file: {error}") from None
    samples = np.frombuffer(frames, dtype="<i2").astype(np.int16).reshape(-1, channels)
    return samples, rate


def _generate(signal: engine_pb2.GeneratedSignal) -> tuple[np.ndarray, int]:
    rate = signal.sample_rate or SOURCE_RATE
    try:
        mono = signals.generate(
            signal.kind, signal.seconds, rate, frequency_hz=signal.frequency_hz,
            level_dbfs=signal.level_dbfs, seed=signal.seed, max_seconds=MAX_DEVICE_SECONDS,
        )  # fmt: skip
    except ValueError as error:
        raise DeviceConfigError(str(error)) from None
    return mono[:, None], rate


def _to_source_format(samples: np.ndarray, rate: int) -> np.ndarray:
    """(frames, channels) int16 at `rate` as 48 kHz mono int16, the whole of it."""
    mono = remix(samples.astype(np.float64), SOURCE_CHANNELS)
    if rate == SOURCE_RATE:
        return to_int16(mono)
    resampler = StreamingResampler(rate, SOURCE_RATE, SOURCE_CHANNELS, compensate_delay=True)
    return to_int16(np.concatenate([resampler.push(mono), resampler.flush()]))


def _guid(name: str, kind: str, index: int) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return f"lkemu-{kind}-{index}-{slug}" if slug else f"lkemu-{kind}-{index}"


def devices_from_request(request: engine_pb2.SetAudioDevicesRequest) -> DeviceSet:
    """The devices a SetAudioDevicesRequest describes (DeviceConfigError if it cannot be)."""
    microphones = []
    for index, spec in enumerate(request.recording):
        name = spec.name or f"Virtual Microphone {index + 1}"
        which = spec.WhichOneof("audio")
        samples = None
        if which == "wav" or spec.wav_path:
            if which == "wav":
                data = spec.wav
            else:
                try:
                    with open(spec.wav_path, "rb") as file:
                        data = file.read()
                except OSError as error:
                    raise DeviceConfigError(f"recording device {name!r}: {error}") from None
            raw, rate = _decode_wav(data)
            samples = _to_source_format(raw, rate)
        elif which == "signal":
            raw, rate = _generate(spec.signal)
            samples = _to_source_format(raw, rate)
        if samples is not None and not len(samples):
            raise DeviceConfigError(f"recording device {name!r}: the audio is empty")
        microphones.append(
            Microphone(
                name,
                spec.id or _guid(name, "microphone", index),
                samples,
                spec.loop,
                spec.start_immediately,
            )
        )
    speakers = []
    for index, spec in enumerate(request.playout):
        name = spec.name or f"Virtual Speaker {index + 1}"
        if spec.WhichOneof("audio") is not None:
            raise DeviceConfigError(f"playout device {name!r}: a speaker plays no audio of its own")
        rate, channels = spec.sample_rate or 48000, spec.num_channels or 2
        try:
            check_rate("sample_rate", rate)
            check_channels("num_channels", channels)
        except InvalidRequest as error:
            raise DeviceConfigError(f"playout device {name!r}: {error}") from None
        if rate % 100:
            raise DeviceConfigError(
                f"playout device {name!r}: sample_rate must be a multiple of 100"
            )
        speakers.append(
            Speaker(name, spec.id or _guid(name, "speaker", index), rate, channels, spec.wav_path)
        )
    for kind, guids in (
        ("recording", [m.guid for m in microphones]),
        ("playout", [s.guid for s in speakers]),
    ):
        if len(set(guids)) != len(guids):
            raise DeviceConfigError(f"two {kind} devices have the same id")
    return DeviceSet(microphones, speakers, not request.unavailable)


def devices_from_environment() -> DeviceSet:
    text = os.environ.get(DEVICES_ENV, "").strip()
    if not text:
        return default_devices()
    if text.lower() == "none":
        return DeviceSet([], [], available=False)
    request = engine_pb2.SetAudioDevicesRequest()
    try:
        json_format.Parse(text, request)
    except (json_format.ParseError, json.JSONDecodeError) as error:
        raise DeviceConfigError(f"{DEVICES_ENV}: {error}") from None
    try:
        return devices_from_request(request)
    except DeviceConfigError as error:
        raise DeviceConfigError(f"{DEVICES_ENV}: {error}") from None


# --- what rooms tell platform audio --------------------------------------------------------


class RoomsView(Protocol):
    """What platform audio asks of the rooms (set by engine/rooms/playout.py, which the
    engine imports: media never imports rooms)."""

    def received_audio(self, runtime: EngineRuntime, session_id: int) -> list[Track]:
        """The remote audio tracks the session receives, in all of its rooms."""

    def heard(self, runtime: EngineRuntime, track: Track, consumed: bool = False) -> bool:
        """Whether anyone subscribes to this published local track (`consumed`: and reads
        what it receives, with a stream or a speaker)."""


class _NoRooms:
    def received_audio(self, runtime: EngineRuntime, session_id: int) -> list[Track]:
        return []

    def heard(self, runtime: EngineRuntime, track: Track, consumed: bool = False) -> bool:
        return False


ROOMS: list[RoomsView] = [_NoRooms()]


def set_rooms_view(view: RoomsView) -> None:
    ROOMS[0] = view


# --- sources -------------------------------------------------------------------------------


class PlatformSource(AudioSource):
    """An AUDIO_SOURCE_PLATFORM source: 48 kHz mono, fed by its session's ADM."""

    answers_captures = False  # capture_audio_frame: an async id, never a callback (native)

    def __init__(self, store: PlatformAudioStore, session_id: int) -> None:
        super().__init__(store.runtime.media_clock, SOURCE_RATE, SOURCE_CHANNELS, 0)
        self.store, self.session_id = store, session_id

    def play_recorded(self, chunk: np.ndarray) -> None:
        self._play(chunk)

    def sinks_ready(self) -> bool:
        return self._sinks_ready()

    def wake(self) -> None:
        super().wake()
        self.store.wake(self.session_id)

    def close(self) -> None:
        """The handle was dropped. Its tracks hold what native's source stands for (the
        ADM's recording, RtcAudioSource::Device): they go on hearing the microphone until
        the last of them is gone."""
        super().close()
        if not self.tracks:
            self.store.forget_source(self)

    def track_ended(self) -> None:
        super().track_ended()
        if self.closed and not self.tracks:
            self.store.forget_source(self)


def new_platform_source(
    call: Call, request: audio_frame_pb2.NewAudioSourceRequest
) -> audio_frame_pb2.NewAudioSourceResponse:
    """new_audio_source's AUDIO_SOURCE_PLATFORM kind (engine/media/audio_source.py)."""
    store = call.runtime.area(PlatformAudioStore)
    source = PlatformSource(store, call.session.id)
    store.add_source(source)
    response = audio_frame_pb2.NewAudioSourceResponse()
    response.source.handle.CopyFrom(call.own(source))
    response.source.info.type = audio_frame_pb2.AUDIO_SOURCE_PLATFORM
    return response


audio_source.make_platform_source = new_platform_source


# --- playout -------------------------------------------------------------------------------


class Tap:
    """A sink on one received track, in the speaker's format."""

    def __init__(self, playout: Playout, track: Track) -> None:
        self.playout, self.track = playout, track
        speaker = playout.speaker
        self.rate, self.channels = speaker.sample_rate, speaker.num_channels
        self._resampler: StreamingResampler | None = None
        self._input_rate = 0
        self.pending: deque[np.ndarray] = deque()  # real clock: what waits to be mixed
        self.pending_frames = 0
        self.cursor = 0  # virtual clock: where its next frame goes in the speaker's timeline
        self.ended = False

    def on_audio(self, chunk: np.ndarray, sample_rate: int, num_channels: int) -> None:
        if self.ended:
            return
        if self._resampler is None or sample_rate != self._input_rate:
            try:
                self._resampler = StreamingResampler(sample_rate, self.rate, self.channels)
            except RatioTooFine as error:
                # A track at a rate lkemu cannot resample to the speaker's (53017 Hz to
                # 48 kHz raised in the clock's listener every 10 ms, found by the fuzzer):
                # this track goes unheard, said once, as an audio stream would end.
                logger.warning("speaker playout: a received track is not played: %s", error)
                self.ended = True
                return
            self._input_rate = sample_rate
        frames = to_int16(self._resampler.push(remix(chunk.astype(np.float64), self.channels)))
        if not len(frames):
            return
        if self.playout.virtual:
            self.playout.add_at_cursor(self, frames)
            return
        self.pending.append(frames)
        self.pending_frames += len(frames)
        limit = MAX_TAP_CHUNKS * (self.rate // 100)
        while self.pending_frames - len(self.pending[0]) >= limit:
            self.pending_frames -= len(self.pending.popleft())

    def take(self, count: int) -> np.ndarray | None:
        """`count` frames if that many wait (a receiver that has nothing plays nothing)."""
        if self.pending_frames < count:
            return None
        parts, needed = [], count
        while needed:
            head = self.pending[0]
            if len(head) <= needed:
                parts.append(self.pending.popleft())
                needed -= len(head)
            else:
                parts.append(head[:needed])
                self.pending[0] = head[needed:]
                needed = 0
        self.pending_frames -= count
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def ready(self) -> bool:
        return True

    def on_end(self) -> None:
        self.ended = True


class Playout:
    """One ADM's playout to its selected speaker: the received tracks, mixed."""

    def __init__(self, speaker: Speaker, virtual: bool) -> None:
        self.speaker, self.virtual = speaker, virtual
        self.taps: dict[int, Tap] = {}  # by id() of the received track
        # Virtual clock: the mix not yet written, from `written` (frames) on, as int32.
        self._mix = np.zeros((0, speaker.num_channels), dtype=np.int32)
        self._written = 0

    @property
    def playing(self) -> bool:
        return bool(self.taps)

    def sync(self, received: list[Track]) -> None:
        """Follow the tracks the session receives now: new ones in, ended ones out."""
        current = {id(track): track for track in received if not getattr(track, "ended", False)}
        for key in [k for k, tap in self.taps.items() if k not in current or tap.ended]:
            self._detach(key)
        for key, track in current.items():
            if key not in self.taps:
                tap = Tap(self, track)
                tap.cursor = self._written + len(self._mix)
                self.taps[key] = tap
                track.add_sink(tap)
        if not self.taps:
            self._write_through(self._written + len(self._mix))

    def _detach(self, key: int) -> None:
        tap = self.taps.pop(key)
        tap.ended = True
        tap.track.remove_sink(tap)
        self._write_through(self._settled())

    def tick(self) -> None:
        """Real clock: 10 ms to the speaker, mixed from what each track has ready."""
        if not self.taps:
            return
        count = self.speaker.sample_rate // 100
        ready = [f for f in (tap.take(count) for tap in self.taps.values()) if f is not None]
        self.speaker.write(mix(ready, count, self.speaker.num_channels))

    # The virtual clock: each track's audio goes in at its own position.

    def add_at_cursor(self, tap: Tap, frames: np.ndarray) -> None:
        start = tap.cursor - self._written
        end = start + len(frames)
        if end > len(self._mix):
            grown = np.zeros((end, self.speaker.num_channels), dtype=np.int32)
            grown[: len(self._mix)] = self._mix
            self._mix = grown
        self._mix[start:end] += frames
        tap.cursor += len(frames)
        self._write_through(self._settled())

    def _settled(self) -> int:
        """Frames no track can add to any more: up to the slowest track's position."""
        if not self.taps:
            return self._written + len(self._mix)
        return min(tap.cursor for tap in self.taps.values())

    def _write_through(self, position: int) -> None:
        count = position - self._written
        if count <= 0:
            return
        done = self._mix[:count]
        self._mix = self._mix[count:]
        self._written += count
        self.speaker.write(np.clip(done, -32768, 32767).astype(np.int16))

    def close(self) -> None:
        for key in list(self.taps):
            self._detach(key)
        self._write_through(self._written + len(self._mix))


def mix(frames: list[np.ndarray], count: int, channels: int) -> np.ndarray:
    """WebRTC's mixer, 10 ms: the three loudest sources summed (one passes untouched)."""
    if not frames:
        return np.zeros((count, channels), dtype=np.int16)
    if len(frames) == 1:
        return frames[0]
    loudest = sorted(frames, key=lambda f: -float(np.sum(f.astype(np.float64) ** 2)))
    total = np.sum([f.astype(np.int32) for f in loudest[:MAX_MIXED]], axis=0)
    return np.clip(total, -32768, 32767).astype(np.int16)


# --- the ADM -------------------------------------------------------------------------------


class Adm:
    """One session's platform audio device module (native's AdmProxy with its platform
    ADM): held while PlatformAudio handles live; the selected devices; recording; playout."""

    def __init__(self, store: PlatformAudioStore, session_id: int) -> None:
        self.store, self.session_id = store, session_id
        self.runtime = store.runtime
        self.refs = 0
        self.recording_index = 0
        self.playout_index = 0
        self.recording = False
        self.position = 0  # frames of the microphone's audio recorded so far
        self.started = False  # its audio began (a listener came, or it starts at once)
        self.sending: set[int] = set()  # id() of published platform tracks (auto start/stop)
        self.playout: Playout | None = None
        self.changed = asyncio.Event()
        self._recorder: asyncio.Task[None] | None = None
        self._silence_due = 0.0

    @property
    def active(self) -> bool:
        return self.refs > 0

    def microphone(self) -> Microphone | None:
        microphones = self.store.devices.microphones
        return (
            microphones[self.recording_index] if self.recording_index < len(microphones) else None
        )

    def speaker(self) -> Speaker | None:
        speakers = self.store.devices.speakers
        return speakers[self.playout_index] if self.playout_index < len(speakers) else None

    # References.

    def acquire(self) -> None:
        self.refs += 1
        if self.refs == 1:
            self.store.ticking(True)

    def release(self) -> None:
        self.refs -= 1
        if self.refs > 0:
            return
        self.set_recording(False)
        self.sending.clear()
        self._stop_playout()
        self.store.ticking(False)

    # Recording.

    def start_recording(self) -> str | None:
        if not self.store.devices.microphones:
            return INIT_RECORDING_FAILED
        self.set_recording(True)
        return None

    def set_recording(self, on: bool) -> None:
        if on == self.recording:
            return
        self.recording = on
        self.changed.set()
        if on and self.runtime.media_clock.virtual and self._recorder is None:
            self._recorder = asyncio.get_running_loop().create_task(self._record_virtual())
        if not on and self._recorder is not None:
            self._recorder.cancel()
            self._recorder = None

    def select_microphone(self, guid: str) -> str | None:
        index = next(
            (i for i, m in enumerate(self.store.devices.microphones) if m.guid == guid), None
        )
        if index is None or self.recording:  # (WebRTC: not while recording is initialized)
            return DEVICE_NOT_FOUND
        if index != self.recording_index:
            self.recording_index, self.position, self.started = index, 0, False
        return None

    def select_speaker(self, guid: str) -> str | None:
        index = next((i for i, s in enumerate(self.store.devices.speakers) if s.guid == guid), None)
        if index is None or (self.playout is not None and self.playout.playing):
            return DEVICE_NOT_FOUND
        if index != self.playout_index:
            self._stop_playout()
            self.playout_index = index
        return None

    def devices_changed(self) -> None:
        """The engine's devices were replaced (plugged in and out)."""
        self._stop_playout()
        if self.recording_index >= len(self.store.devices.microphones):
            self.recording_index = 0
        if self.playout_index >= len(self.store.devices.speakers):
            self.playout_index = 0
        self.position, self.started = 0, False
        self.changed.set()

    def _sources(self) -> list[PlatformSource]:
        return self.store.sources.get(self.session_id, [])

    def _tracks(self) -> list[Any]:
        return [track for source in self._sources() for track in source.tracks]

    def _heard(self) -> bool:
        """Someone subscribes to one of the platform tracks; on the virtual clock, where
        audio nobody reads is gone at once, someone also reads it."""
        rooms, consumed = ROOMS[0], self.runtime.media_clock.virtual
        return any(rooms.heard(self.runtime, track, consumed) for track in self._tracks())

    def _begins(self) -> bool:
        """Whether the microphone's audio has begun (or begins now)."""
        if not self.started:
            microphone = self.microphone()
            if microphone is not None and (microphone.start_immediately or self._heard()):
                self.started = True
        return self.started

    def next_audio(self, frames: int) -> np.ndarray:
        """The microphone's next `frames`: its audio once begun, then silence (or again)."""
        microphone = self.microphone()
        silence = np.zeros((frames, SOURCE_CHANNELS), dtype=np.int16)
        if microphone is None or microphone.samples is None or not self._begins():
            return silence
        audio = microphone.samples
        parts, needed = [], frames
        while needed:
            if self.position >= len(audio):
                if not microphone.loop:
                    break
                self.position = 0
            part = audio[self.position : self.position + needed]
            parts.append(part)
            self.position += len(part)
            needed -= len(part)
        if needed:
            parts.append(silence[:needed])
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _audio_left(self) -> int:
        microphone = self.microphone()
        if microphone is None or microphone.samples is None:
            return 0
        if microphone.loop:
            return len(microphone.samples)
        return max(0, len(microphone.samples) - self.position)

    async def _record_virtual(self) -> None:
        """The virtual clock: the microphone's audio as fast as the tracks' consumers take
        it, once it has begun; then 10 ms of silence per 10 ms of wall time to listeners."""
        loop = asyncio.get_running_loop()
        while self.recording:
            sources = self._sources()
            ready = bool(sources) and all(s.sinks_ready() for s in sources)
            if ready and self._audio_left() and self._begins():
                chunks = min(VIRTUAL_BLOCK_CHUNKS, -(-self._audio_left() // CHUNK))
                self._deliver(self.next_audio(chunks * CHUNK))
                await asyncio.sleep(0)
                continue
            if ready and self._heard():
                due = max(self._silence_due, loop.time())
                await asyncio.sleep(max(0.0, due - loop.time()))
                self._silence_due = due + TICK_S
                if self.recording and all(s.sinks_ready() for s in self._sources()):
                    self._deliver(np.zeros((CHUNK, SOURCE_CHANNELS), dtype=np.int16))
                continue
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), TICK_S)

    def _deliver(self, chunk: np.ndarray) -> None:
        for source in list(self._sources()):
            source.play_recorded(chunk)

    # Housekeeping, every 10 ms (and when a platform track changes).

    def follow_sending(self) -> None:
        """WebRTC's AudioState: recording starts when a platform track starts sending (is
        published) while the ADM is held, and stops when the last one stops."""
        if not self.active:
            return
        sending = {id(t) for t in self._tracks() if getattr(t, "room_handle", None) is not None}
        if sending - self.sending and not self.recording and self.store.devices.microphones:
            self.set_recording(True)
        if self.sending and not sending and self.recording:
            self.set_recording(False)
        self.sending = sending

    def follow_playout(self) -> None:
        if not self.active:
            return
        speaker = self.speaker()
        if speaker is None:
            return
        if self.playout is None or self.playout.speaker is not speaker:
            self._stop_playout()
            self.playout = Playout(speaker, self.runtime.media_clock.virtual)
        self.playout.sync(ROOMS[0].received_audio(self.runtime, self.session_id))

    def _stop_playout(self) -> None:
        if self.playout is not None:
            self.playout.close()
            self.playout = None

    def tick(self) -> np.ndarray | None:
        """A real-clock tick: playout, and the recorded 10 ms (None: not recording)."""
        self.follow_sending()
        self.follow_playout()
        if self.playout is not None:
            self.playout.tick()
        return self.next_audio(CHUNK) if self.active and self.recording else None

    def stop(self) -> None:
        self.set_recording(False)
        self._stop_playout()


# --- the engine's platform audio -----------------------------------------------------------


class PlatformAudioStore:
    """The engine's virtual devices, each session's ADM and platform sources
    (runtime.area(PlatformAudioStore))."""

    def __init__(self, runtime: EngineRuntime) -> None:
        self.runtime = runtime
        self.config_error = ""
        try:
            self.devices = devices_from_environment()
        except DeviceConfigError as error:
            self.devices, self.config_error = DeviceSet([], [], available=False), str(error)
        self.adms: dict[int, Adm] = {}
        self.sources: dict[int, list[PlatformSource]] = {}
        self._ticking = False
        self._active_adms = 0

    def adm(self, session_id: int) -> Adm:
        adm = self.adms.get(session_id)
        if adm is None:
            adm = self.adms[session_id] = Adm(self, session_id)
        return adm

    def set_devices(self, devices: DeviceSet) -> None:
        for adm in self.adms.values():
            adm.devices_changed()
        for speaker in self.devices.speakers:
            speaker.close()
        self.devices, self.config_error = devices, ""

    def add_source(self, source: PlatformSource) -> None:
        self.sources.setdefault(source.session_id, []).append(source)
        self._update_ticker()

    def forget_source(self, source: PlatformSource) -> None:
        sources = self.sources.get(source.session_id, [])
        if source in sources:
            sources.remove(source)
        if not sources:
            self.sources.pop(source.session_id, None)
        self._update_ticker()

    def wake(self, session_id: int) -> None:
        adm = self.adms.get(session_id)
        if adm is not None:
            adm.follow_sending()
            adm.changed.set()

    def released(self, adm: Adm) -> None:
        """An ADM's last reference went; forget it once its session is gone too."""
        if adm.session_id not in self.runtime.sessions:
            adm.stop()
            self.adms.pop(adm.session_id, None)

    def ticking(self, on: bool) -> None:
        self._active_adms += 1 if on else -1
        self._update_ticker()

    def _update_ticker(self) -> None:
        wanted = self._active_adms > 0 or (
            bool(self.sources) and not self.runtime.media_clock.virtual
        )
        if wanted and not self._ticking:
            self.runtime.media_clock.on_tick(self._tick)
            self._ticking = True
        elif not wanted and self._ticking:
            self.runtime.media_clock.off_tick(self._tick)
            self._ticking = False

    def _tick(self) -> None:
        """Every 10 ms: each ADM's housekeeping and playout; on the real clock, 10 ms to
        every platform source: what its ADM recorded, or silence."""
        virtual = self.runtime.media_clock.virtual
        recorded: dict[int, np.ndarray | None] = {}
        for session_id, adm in list(self.adms.items()):
            if not adm.active:
                continue
            if virtual:
                adm.follow_sending()
                adm.follow_playout()
            else:
                recorded[session_id] = adm.tick()
        if virtual:
            return
        silence = np.zeros((CHUNK, SOURCE_CHANNELS), dtype=np.int16)
        for session_id, sources in list(self.sources.items()):
            chunk = recorded.get(session_id)
            for source in list(sources):
                source.play_recorded(silence if chunk is None else chunk)

    def stop(self) -> None:
        for adm in self.adms.values():
            adm.stop()
        self.adms.clear()
        for speaker in self.devices.speakers:
            speaker.close()
        if self._ticking:
            self.runtime.media_clock.off_tick(self._tick)
            self._ticking = False


class PlatformAudio:
    """What a platform audio handle names: a reference on its session's ADM."""

    native_type_name = "livekit_ffi::room_apis::server::platform_audio::FfiPlatformAudio"

    def __init__(self, adm: Adm) -> None:
        self.adm = adm
        self.closed = False
        adm.acquire()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.adm.release()
            if not self.adm.active:
                self.adm.store.released(self.adm)


def _adm(call: Call, handle: int) -> Adm:
    return call.get(handle, PlatformAudio).adm


@handles("new_platform_audio")
def on_new_platform_audio(
    call: Call, request: audio_frame_pb2.NewPlatformAudioRequest
) -> audio_frame_pb2.NewPlatformAudioResponse:
    store = call.runtime.area(PlatformAudioStore)
    response = audio_frame_pb2.NewPlatformAudioResponse()
    if store.config_error:
        response.error = f"{INIT_FAILED} (lkemu: {store.config_error})"
        return response
    if not store.devices.available:
        response.error = INIT_FAILED
        return response
    adm = store.adm(call.session.id)
    audio = PlatformAudio(adm)
    response.platform_audio.handle.CopyFrom(call.own(audio))
    info = response.platform_audio.info
    info.recording_device_count = len(store.devices.microphones)
    info.playout_device_count = len(store.devices.speakers)
    adm.follow_sending()
    adm.follow_playout()
    return response


@handles("get_audio_devices")
def on_get_audio_devices(
    call: Call, request: audio_frame_pb2.GetAudioDevicesRequest
) -> audio_frame_pb2.GetAudioDevicesResponse:
    devices = _adm(call, request.platform_audio_handle).store.devices
    response = audio_frame_pb2.GetAudioDevicesResponse()
    for index, speaker in enumerate(devices.speakers):
        response.playout_devices.add(index=index, name=speaker.name, guid=speaker.guid)
    for index, microphone in enumerate(devices.microphones):
        response.recording_devices.add(index=index, name=microphone.name, guid=microphone.guid)
    return response


@handles("set_recording_device")
def on_set_recording_device(
    call: Call, request: audio_frame_pb2.SetRecordingDeviceRequest
) -> audio_frame_pb2.SetRecordingDeviceResponse:
    error = _adm(call, request.platform_audio_handle).select_microphone(request.device_id)
    response = audio_frame_pb2.SetRecordingDeviceResponse()
    if error is not None:
        response.error = error
    return response


@handles("set_playout_device")
def on_set_playout_device(
    call: Call, request: audio_frame_pb2.SetPlayoutDeviceRequest
) -> audio_frame_pb2.SetPlayoutDeviceResponse:
    error = _adm(call, request.platform_audio_handle).select_speaker(request.device_id)
    response = audio_frame_pb2.SetPlayoutDeviceResponse()
    if error is not None:
        response.error = error
    return response


@handles("start_recording")
def on_start_recording(
    call: Call, request: audio_frame_pb2.StartRecordingRequest
) -> audio_frame_pb2.StartRecordingResponse:
    error = _adm(call, request.platform_audio_handle).start_recording()
    response = audio_frame_pb2.StartRecordingResponse()
    if error is not None:
        response.error = error
    return response


@handles("stop_recording")
def on_stop_recording(
    call: Call, request: audio_frame_pb2.StopRecordingRequest
) -> audio_frame_pb2.StopRecordingResponse:
    _adm(call, request.platform_audio_handle).set_recording(False)
    return audio_frame_pb2.StopRecordingResponse()


# --- the control service -------------------------------------------------------------------


def set_audio_devices(
    runtime: EngineRuntime, request: engine_pb2.SetAudioDevicesRequest
) -> engine_pb2.SetAudioDevicesReply:
    devices = devices_from_request(request)
    runtime.area(PlatformAudioStore).set_devices(devices)
    return engine_pb2.SetAudioDevicesReply(
        recording_ids=[m.guid for m in devices.microphones],
        playout_ids=[s.guid for s in devices.speakers],
    )


def get_playout_audio(
    runtime: EngineRuntime, request: engine_pb2.GetPlayoutAudioRequest
) -> engine_pb2.GetPlayoutAudioReply:
    store = runtime.area(PlatformAudioStore)
    speaker = next((s for s in store.devices.speakers if s.guid == request.device_id), None)
    if speaker is None:
        raise DeviceConfigError(f"no playout device with id {request.device_id!r}")
    frames = speaker.recorded(request.clear)
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(speaker.num_channels)
        writer.setsampwidth(2)
        writer.setframerate(speaker.sample_rate)
        writer.writeframes(frames.astype("<i2").tobytes())
    return engine_pb2.GetPlayoutAudioReply(wav=out.getvalue(), samples=len(frames))
