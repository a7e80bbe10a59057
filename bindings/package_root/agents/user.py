"""A user in an agent's room, through livekit.rtc: it speaks into a microphone and collects
what the agent publishes."""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from livekit import rtc

from .audio import (
    dominant_frequency,
    level_dbfs,
    read_wav,
    resample,
    speech_like,
    to_mono,
    voiced_blocks,
)
from .clock import now
from .tokens import access_token

DEFAULT_URL = "ws://lkemu"  # any URL reaches an lkemu engine's rooms
TRANSCRIPTION_TOPIC = "lk.transcription"
CHAT_TOPIC = "lk.chat"
AGENT_STATE = "lk.agent.state"
FINAL = "lk.transcription_final"
TRACK_ID = "lk.transcribed_track_id"
SEGMENT_ID = "lk.segment_id"

# What `UserParticipant.say` speaks: samples (mono int16 at the microphone's rate), a WAV file
# (path or bytes), an AudioFrame (from any TTS), or seconds of generated speech-like audio.
Speech = np.ndarray | bytes | str | Path | rtc.AudioFrame | float | int


@dataclass
class Transcription:
    """One `lk.transcription` text stream the user received."""

    sender: str  # the participant that sent it
    text: str
    attributes: dict[str, str]
    stream_id: str = ""
    received_at: float = 0.0  # lkemu.agents.clock

    @property
    def final(self) -> bool:
        return self.attributes.get(FINAL) == "true"

    @property
    def track_id(self) -> str:
        """The transcribed track (the agent's audio, or the user's microphone)."""
        return self.attributes.get(TRACK_ID, "")


@dataclass
class Spoken:
    """One `say()`: when its first and last samples were captured by the microphone, on
    lkemu.agents.clock (the microphone captures in real time: 20 ms per 20 ms)."""

    seconds: float
    started_at: float = 0.0
    ended_at: float = 0.0
    voiced_blocks: int = 0  # 10 ms blocks above -45 dBFS (the fakes' speech threshold)


@dataclass
class AgentAudio:
    """What the user heard of the agent's audio track, at the user's `sample_rate`."""

    sample_rate: int
    frames: int = 0
    samples: int = 0
    chunks: list[np.ndarray] = field(default_factory=list)
    first_at: float = 0.0  # when the first frame above -40 dBFS arrived (lkemu.agents.clock)
    track_sid: str = ""
    voiced_at: list[float] = field(default_factory=list)  # arrival of each frame above it

    def first_voiced_after(self, moment: float) -> float | None:
        """When the first frame above -40 dBFS arrived after `moment`, if one did."""
        index = bisect.bisect_right(self.voiced_at, moment)
        return self.voiced_at[index] if index < len(self.voiced_at) else None

    def pcm(self) -> np.ndarray:
        """Everything heard, as mono int16."""
        return np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.int16)

    def voiced(self, threshold_dbfs: float = -40.0) -> np.ndarray:
        """The 10 ms blocks of what was heard that are above `threshold_dbfs`, joined."""
        pcm = self.pcm()
        block = self.sample_rate // 100
        blocks = [pcm[i : i + block] for i in range(0, len(pcm) - block + 1, block)]
        loud = [b for b in blocks if level_dbfs(b) > threshold_dbfs]
        return np.concatenate(loud) if loud else np.zeros(0, np.int16)

    @property
    def voiced_seconds(self) -> float:
        """How much of what was heard was sound rather than silence."""
        return len(self.voiced()) / self.sample_rate

    def pitch(self) -> float:
        """The dominant frequency of the voiced part, in Hz."""
        return dominant_frequency(self.voiced(), self.sample_rate)


class _Microphone:
    """A mono microphone captured in real time, 20 ms at a time: silence unless it has
    something to say."""

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self.frame = sample_rate // 50
        self.source = rtc.AudioSource(sample_rate, 1)
        self.track = rtc.LocalAudioTrack.create_audio_track("microphone", self.source)
        self._pending = np.zeros(0, np.int16)
        self.queued = 0  # samples handed to say()
        self.played = 0  # samples of them captured
        self.frames = 0
        self._played_changed = asyncio.Event()
        # When each say()'s first sample was captured (by its index), and the last sample.
        self._starts: set[int] = set()
        self.first_sample_at: dict[int, float] = {}
        self.last_sample_at = 0.0

    def queue(self, samples: np.ndarray) -> int:
        """Queue samples after what is pending; the count played once they are."""
        self._pending = np.concatenate([self._pending, samples.astype(np.int16)])
        self._starts.add(self.queued)
        self.queued += len(samples)
        return self.queued

    async def wait_played(self, target: int) -> None:
        while self.played < target:
            self._played_changed.clear()
            await self._played_changed.wait()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        silence = np.zeros(self.frame, np.int16)
        while True:
            chunk, self._pending = self._pending[: self.frame], self._pending[self.frame :]
            played = len(chunk)
            if played < self.frame:
                chunk = np.concatenate([chunk, silence[: self.frame - played]])
            frame = rtc.AudioFrame(chunk.tobytes(), self.sample_rate, 1, self.frame)
            captured_at = now()
            await self.source.capture_frame(frame)
            self.frames += 1
            if played:
                if self.played in self._starts:
                    self._starts.discard(self.played)
                    self.first_sample_at[self.played] = captured_at
                self.played += played
                self.last_sample_at = captured_at + played / self.sample_rate
                self._played_changed.set()
            due += self.frame / self.sample_rate
            await asyncio.sleep(max(0.0, due - loop.time()))


def ensure_lkemu() -> None:
    """livekit.rtc runs on lkemu: installed here (lkemu.install()) unless it already is."""
    from lkemu.bindings.dropin import installed_library

    if installed_library() is None:
        import lkemu

        lkemu.install()


class UserParticipant:
    """A user: joins a room with its own token, publishes a microphone that plays silence
    until `say()` is given something, and collects what the agent publishes:

    - `transcriptions`: every `lk.transcription` text stream (the agent's words, and the
      user's own words as the agent transcribed them);
    - `agent_audio`: what it heard of the agent's audio track;
    - `agent_states`: the agent's `lk.agent.state` attribute, each value it took.

    The agent is `agent_identity`, else the first participant of kind agent. livekit.rtc
    runs on lkemu (`pytest --lkemu`, `lkemu run`, or installed here if it is not yet).
    """

    def __init__(
        self,
        identity: str = "user",
        *,
        name: str = "User",
        agent_identity: str | None = None,
        sample_rate: int = 48000,
        attributes: dict[str, str] | None = None,
    ) -> None:
        self.identity = identity
        self.name = name
        self.agent_identity = agent_identity
        self.sample_rate = sample_rate
        self.attributes = dict(attributes or {})
        ensure_lkemu()  # before the first rtc object
        self.room = rtc.Room()
        self.room_name = ""
        self.transcriptions: list[Transcription] = []
        self.agent_audio = AgentAudio(sample_rate)
        self.agent_states: list[str] = []
        self.spoken: list[Spoken] = []  # every say(), in order
        self.microphone: _Microphone | None = None
        self.microphone_sid = ""
        self.microphone_subscribed = asyncio.Event()  # someone (the agent) subscribed to it
        self._tasks: set[asyncio.Task[Any]] = set()
        self._turn = (0, 0)  # transcriptions and agent states when the user last spoke
        self.room.register_text_stream_handler(TRANSCRIPTION_TOPIC, self._on_transcription)
        self.room.on("track_subscribed", self._on_track_subscribed)
        self.room.on("local_track_subscribed", lambda _track: self.microphone_subscribed.set())
        self.room.on("participant_connected", self._on_participant)
        self.room.on("participant_attributes_changed", self._on_attributes_changed)

    # --- joining and leaving --------------------------------------------------------------

    async def join(
        self,
        room: str,
        *,
        url: str = DEFAULT_URL,
        token: str | None = None,
        microphone: bool = True,
    ) -> None:
        """Connect to `room` (with a token of its own unless given one) and publish the
        microphone."""
        self.room_name = room
        token = token or access_token(
            self.identity, room, name=self.name, attributes=self.attributes or None
        )
        await self.room.connect(url, token)
        for participant in self.room.remote_participants.values():
            self._on_participant(participant)
        if microphone:
            self.microphone = _Microphone(self.sample_rate)
            self._spawn(self.microphone.run())
            options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
            publication = await self.room.local_participant.publish_track(
                self.microphone.track, options
            )
            self.microphone_sid = publication.sid

    async def aclose(self) -> None:
        """Stop the microphone and the listeners, and leave the room."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.room.disconnect()

    # --- speaking -------------------------------------------------------------------------

    async def say(self, speech: Speech, *, sample_rate: int | None = None) -> float:
        """Speak into the microphone in real time; returns once it is played, with how many
        seconds that was. `speech` is mono int16 samples (at `sample_rate`, by default the
        microphone's), a 16-bit WAV file (a path or its bytes), an `rtc.AudioFrame` (from a
        TTS), or a number of seconds of speech-like audio (`lkemu.agents.speech_like`)."""
        if self.microphone is None:
            raise RuntimeError("the user has no microphone: join(..., microphone=True) first")
        microphone = self.microphone
        samples = self._samples(speech, sample_rate)
        self._mark_turn()
        first = microphone.queued
        spoken = Spoken(len(samples) / self.sample_rate)
        spoken.voiced_blocks = voiced_blocks(samples, self.sample_rate)
        self.spoken.append(spoken)
        await microphone.wait_played(microphone.queue(samples))
        spoken.started_at = microphone.first_sample_at.pop(first, microphone.last_sample_at)
        spoken.ended_at = microphone.last_sample_at
        return spoken.seconds

    def _samples(self, speech: Speech, sample_rate: int | None) -> np.ndarray:
        rate = sample_rate or self.sample_rate
        if isinstance(speech, bool):
            raise TypeError("say() takes samples, a WAV file, an AudioFrame or seconds")
        if isinstance(speech, int | float):
            return speech_like(float(speech), self.sample_rate)
        if isinstance(speech, rtc.AudioFrame):
            data = np.frombuffer(speech.data, dtype=np.int16)
            samples, rate = to_mono(data, speech.num_channels), speech.sample_rate
        elif isinstance(speech, bytes | str | Path):
            samples, rate = read_wav(speech)
        else:
            samples = np.asarray(speech, dtype=np.int16).reshape(-1)
        return resample(samples, rate, self.sample_rate)

    # --- talking to the agent -------------------------------------------------------------

    @property
    def agent(self) -> rtc.RemoteParticipant | None:
        """The agent's participant, once it joined."""
        for participant in self.room.remote_participants.values():
            if self._is_agent(participant):
                return participant
        return None

    @property
    def agent_state(self) -> str | None:
        """The agent's current `lk.agent.state` attribute."""
        agent = self.agent
        return agent.attributes.get(AGENT_STATE) if agent else None

    def _agent_destination(self) -> str:
        agent = self.agent
        if agent is None:
            raise RuntimeError("no agent in the room")
        return agent.identity

    async def perform_rpc(
        self,
        method: str,
        payload: str = "",
        *,
        destination: str | None = None,
        response_timeout: float | None = None,
    ) -> str:
        """Call `method` of the agent (or `destination`); its answer. Raises rtc.RpcError."""
        return await self.room.local_participant.perform_rpc(
            destination_identity=destination or self._agent_destination(),
            method=method,
            payload=payload,
            response_timeout=response_timeout,
        )

    async def send_text(self, text: str, *, topic: str = CHAT_TOPIC) -> None:
        """Type `text` to the agent (on `lk.chat`, the agent's text input by default)."""
        self._mark_turn()
        await self.room.local_participant.send_text(
            text, topic=topic, destination_identities=[self._agent_destination()]
        )

    def _mark_turn(self) -> None:
        self._turn = (len(self.transcriptions), len(self.agent_states))

    # --- waiting --------------------------------------------------------------------------

    async def wait_until(
        self, check: Callable[[], Any], what: str = "a condition", timeout: float = 10.0
    ) -> Any:
        """Poll `check` until it returns something true; that value. TimeoutError (naming
        `what`) after `timeout` seconds."""
        deadline = now() + timeout
        while not (value := check()):
            if now() > deadline:
                raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
            await asyncio.sleep(0.02)
        return value

    async def wait_for_agent_state(self, state: str, timeout: float = 10.0) -> None:
        """Until the agent's `lk.agent.state` is `state` ("listening", "thinking",
        "speaking", ...)."""
        await self.wait_until(
            lambda: self.agent_state == state, f"the agent's lk.agent.state to be {state}", timeout
        )

    async def wait_for_transcription(
        self,
        text: str | None = None,
        *,
        sender: str | None = None,
        final: bool = True,
        timeout: float = 10.0,
    ) -> Transcription:
        """The first transcription from `sender` (by default the agent), final unless asked
        otherwise, whose text is `text` (if given, ignoring spacing around it)."""

        def found() -> Transcription | None:
            who = sender or (self.agent.identity if self.agent else None)
            for transcription in self.transcriptions:
                if (
                    transcription.sender == who
                    and (transcription.final or not final)
                    and (text is None or transcription.text.strip() == text.strip())
                ):
                    return transcription
            return None

        what = f"a transcription {text!r}" if text is not None else "a transcription"
        found_it: Transcription = await self.wait_until(found, what, timeout)
        return found_it

    async def wait_for_reply(self, timeout: float = 15.0) -> str:
        """The agent's answer to what the user last said or typed: waits until the agent has
        spoken since then, is listening again and its words arrived on `lk.transcription`;
        the text of its final transcriptions since then, joined."""
        first_transcription, first_state = self._turn

        def replied() -> str | None:
            states = self.agent_states[first_state:]
            if "speaking" not in states or self.agent_state != "listening":
                return None
            who = self.agent.identity if self.agent else None
            said = [
                t.text.strip()
                for t in self.transcriptions[first_transcription:]
                if t.sender == who and t.final
            ]
            return " ".join(said) if said else None

        reply: str = await self.wait_until(replied, "the agent's reply", timeout)
        return reply

    def transcripts(self, sender: str | None = None, *, final: bool = True) -> list[str]:
        """The texts of the transcriptions from `sender` (by default the agent), in order."""
        who = sender or (self.agent.identity if self.agent else self.agent_identity)
        return [t.text for t in self.transcriptions if t.sender == who and (t.final or not final)]

    # --- room events ----------------------------------------------------------------------

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _is_agent(self, participant: rtc.Participant) -> bool:
        if self.agent_identity is not None:
            return participant.identity == self.agent_identity
        return participant.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT

    def _note_state(self, state: str | None) -> None:
        if state and (not self.agent_states or self.agent_states[-1] != state):
            self.agent_states.append(state)

    def _on_participant(self, participant: rtc.RemoteParticipant) -> None:
        if self._is_agent(participant):
            self._note_state(participant.attributes.get(AGENT_STATE))

    def _on_attributes_changed(self, changed: dict[str, str], participant: rtc.Participant) -> None:
        if AGENT_STATE in changed and self._is_agent(participant):
            self._note_state(changed[AGENT_STATE])

    def _on_transcription(self, reader: rtc.TextStreamReader, sender: str) -> None:
        async def read() -> None:
            text = await reader.read_all()
            self.transcriptions.append(
                Transcription(
                    sender,
                    text,
                    dict(reader.info.attributes or {}),
                    reader.info.stream_id,
                    now(),
                )
            )

        self._spawn(read())

    def _on_track_subscribed(
        self,
        track: rtc.Track,
        publication: rtc.RemoteTrackPublication,
        participant: rtc.RemoteParticipant,
    ) -> None:
        if self._is_agent(participant) and track.kind == rtc.TrackKind.KIND_AUDIO:
            self.agent_audio.track_sid = publication.sid
            self._spawn(self._listen(track))

    async def _listen(self, track: rtc.Track) -> None:
        audio = self.agent_audio
        stream = rtc.AudioStream(track, sample_rate=self.sample_rate, num_channels=1)
        try:
            async for event in stream:
                samples = np.frombuffer(event.frame.data, dtype=np.int16).copy()
                audio.frames += 1
                audio.samples += len(samples)
                audio.chunks.append(samples)
                if level_dbfs(samples) > -40.0:
                    audio.voiced_at.append(now())
                    audio.first_at = audio.first_at or audio.voiced_at[-1]
        finally:
            await stream.aclose()
