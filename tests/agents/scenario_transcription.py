"""A livekit-agents AgentSession in an lkemu room, end to end, on the real clock.

Two participants join one room through the real, unmodified livekit.rtc (1.1.21) on lkemu:
a user, who publishes a 48 kHz microphone and reads the `lk.transcription` text streams,
and an agent running `AgentSession` (livekit-agents 1.8.9) with the scripted fakes of
tests/agents/fakes.py, linked to the user. The user says something (speech-like audio for
SPEECH_SECONDS, then silence); the agent hears it, answers, speaks the answer, and publishes
both transcriptions. Checked: the user's handler gets the agent's answer and the user's own
words on `lk.transcription`, the user receives the agent's audio (about as much as the TTS
made, at its pitch), and lkemu refused no request.

Run from the repository root with the livekit-agents venv (tests/agents/test_agent_session.py
does): `PYTHONPATH=. .venv-agents/bin/python tests/agents/scenario_transcription.py`. Prints
a summary and exits 0 when every check holds; otherwise exits 1 with what failed (and, for a
request lkemu refused, which request and from where).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import lkemu

lkemu.install()  # before anything of livekit.rtc is imported

from livekit import rtc  # noqa: E402
from livekit.agents import Agent, AgentSession, room_io  # noqa: E402
from livekit.rtc import _ffi_client  # noqa: E402

from tests.agents.fakes import EnergyVAD, ScriptedLLM, ScriptedSTT, ToneTTS, level_dbfs  # noqa: E402
from tests.helpers import make_token  # noqa: E402

URL = "ws://lkemu"  # any URL: lkemu's rooms need no server
ROOM = "agents-e2e"
USER, AGENT = "user", "agent"
USER_SAYS = "What is the weather like in Paris?"
AGENT_SAYS = "It is sunny in Paris today. Enjoy your walk along the river!"
INSTRUCTIONS = "You are a friendly assistant who answers in two short sentences."
SPEECH_SECONDS = 1.5
MIC_RATE = 48000
TONE_HZ = 440.0
DEADLINE_S = 30.0  # the whole conversation, from connecting to the agent's last word
NOT_IMPLEMENTED = "is not implemented in lkemu"
TRANSCRIPTION = "lk.transcription"


# --- what lkemu refused -------------------------------------------------------------------


@dataclass
class Refusal:
    """A request the FFI answered with handle 0 (the SDK asserts), and who sent it."""

    kind: str
    stack: str


REFUSALS: list[Refusal] = []


def watch_refusals() -> None:
    """Record each refused request with the Python stack that sent it, then let it fail as
    it would anyway (the SDK's `assert handle != INVALID_HANDLE`): the log line that says
    why comes later, through the FFI's log events."""
    original = _ffi_client.FfiClient.request

    def request(self: Any, req: Any) -> Any:
        try:
            return original(self, req)
        except AssertionError:
            frames = traceback.extract_stack()[:-1]
            ours = [f for f in frames if f"{os.sep}asyncio{os.sep}" not in f.filename]
            stack = "".join(traceback.format_list(ours[-16:]))
            REFUSALS.append(Refusal(req.WhichOneof("message") or "?", stack))
            raise

    _ffi_client.FfiClient.request = request  # type: ignore[method-assign]


class LogCapture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self, record: logging.LogRecord) -> str:
        message = f"{record.name} {record.levelname}: {record.getMessage()}"
        if record.exc_info:
            message += "\n" + "".join(traceback.format_exception(*record.exc_info))
        return message

    def matching(self, needle: str) -> list[str]:
        return [self.text(r) for r in self.records if needle in self.text(r)]

    def at_least(self, level: int) -> list[str]:
        return [self.text(r) for r in self.records if r.levelno >= level]


# --- the user's side ----------------------------------------------------------------------


def speech_like(seconds: float, rate: int = MIC_RATE) -> np.ndarray:
    """A voiced sound: a gliding 110-150 Hz pitch with harmonics, four syllables a second."""
    t = np.arange(round(seconds * rate)) / rate
    pitch = 130.0 + 20.0 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 7))
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4.0 * t)
    fade = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.01)
    samples = 0.25 * voice * envelope * fade / 1.6
    return (samples * 32767).astype(np.int16)


class Microphone:
    """A 48 kHz mono microphone captured in real time, 20 ms at a time: silence unless it
    has speech to say."""

    FRAME = MIC_RATE // 50

    def __init__(self) -> None:
        self.source = rtc.AudioSource(MIC_RATE, 1)
        self.track = rtc.LocalAudioTrack.create_audio_track("microphone", self.source)
        self._pending = np.zeros(0, np.int16)
        self._said = asyncio.Event()
        self.frames = 0

    async def say(self, samples: np.ndarray) -> None:
        self._said.clear()
        self._pending = samples
        await self._said.wait()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        silence = np.zeros(self.FRAME, np.int16)
        while True:
            if len(self._pending):
                chunk, self._pending = self._pending[: self.FRAME], self._pending[self.FRAME :]
                chunk = np.concatenate([chunk, silence[: self.FRAME - len(chunk)]])
                if not len(self._pending):
                    self._said.set()
            else:
                chunk = silence
            frame = rtc.AudioFrame(chunk.tobytes(), MIC_RATE, 1, self.FRAME)
            await self.source.capture_frame(frame)
            self.frames += 1
            due += self.FRAME / MIC_RATE
            await asyncio.sleep(max(0.0, due - loop.time()))


@dataclass
class Transcription:
    sender: str
    attributes: dict[str, str]
    text: str


@dataclass
class AgentAudio:
    """What the user hears of the agent's track, in 10 ms frames at 48 kHz."""

    frames: int = 0
    samples: int = 0
    voiced: list[np.ndarray] = field(default_factory=list)  # frames above -40 dBFS

    @property
    def voiced_seconds(self) -> float:
        return sum(len(f) for f in self.voiced) / MIC_RATE

    def pitch(self) -> float:
        if not self.voiced:
            return 0.0
        samples = np.concatenate(self.voiced).astype(np.float64)
        spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
        return float(np.argmax(spectrum) * MIC_RATE / len(samples))


class User:
    def __init__(self) -> None:
        self.room = rtc.Room()
        self.microphone = Microphone()
        self.transcriptions: list[Transcription] = []
        self.audio = AgentAudio()
        self.audio_track_sid = ""
        self.mic_subscribed = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self.room.register_text_stream_handler(TRANSCRIPTION, self._on_transcription)
        self.room.on("track_subscribed", self._on_track_subscribed)
        self.room.on("local_track_subscribed", lambda _track: self.mic_subscribed.set())

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_transcription(self, reader: rtc.TextStreamReader, sender: str) -> None:
        async def read() -> None:
            text = await reader.read_all()
            attributes = dict(reader.info.attributes or {})
            self.transcriptions.append(Transcription(sender, attributes, text))

        self._spawn(read())

    def _on_track_subscribed(
        self,
        track: rtc.Track,
        publication: rtc.RemoteTrackPublication,
        participant: rtc.RemoteParticipant,
    ) -> None:
        if participant.identity == AGENT and track.kind == rtc.TrackKind.KIND_AUDIO:
            self.audio_track_sid = publication.sid
            self._spawn(self._listen(track))

    async def _listen(self, track: rtc.Track) -> None:
        stream = rtc.AudioStream(track, sample_rate=MIC_RATE, num_channels=1)
        try:
            async for event in stream:
                frame = event.frame
                self.audio.frames += 1
                self.audio.samples += frame.samples_per_channel
                if level_dbfs(frame) > -40.0:
                    self.audio.voiced.append(np.frombuffer(frame.data, np.int16).copy())
        finally:
            await stream.aclose()

    async def join(self) -> rtc.LocalTrackPublication:
        await self.room.connect(URL, make_token(USER, ROOM, name="User"))
        self._spawn(self.microphone.run())
        options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        return await self.room.local_participant.publish_track(self.microphone.track, options)

    def agent_attribute(self, key: str) -> str | None:
        agent = next(
            (p for p in self.room.remote_participants.values() if p.identity == AGENT), None
        )
        return agent.attributes.get(key) if agent else None

    async def leave(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.room.disconnect()


# --- the run ------------------------------------------------------------------------------


@dataclass
class Run:
    stt: ScriptedSTT = field(default_factory=lambda: ScriptedSTT([USER_SAYS], delay=0.2))
    llm: ScriptedLLM = field(
        default_factory=lambda: ScriptedLLM({USER_SAYS: AGENT_SAYS}, ttft=0.25)
    )
    tts: ToneTTS = field(default_factory=lambda: ToneTTS(frequency=TONE_HZ, ttfb=0.1))
    vad: EnergyVAD = field(default_factory=EnergyVAD)
    agent_states: list[str] = field(default_factory=list)
    user_states: list[str] = field(default_factory=list)
    session_errors: list[str] = field(default_factory=list)
    close_reasons: list[str] = field(default_factory=list)
    history: list[tuple[str, str]] = field(default_factory=list)
    mic_track_sid: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def mark(self, name: str) -> None:
        self.timings.setdefault(name, round(time.monotonic() - self.started, 2))


async def wait_until(check: Callable[[], bool], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.05)


def agent_answered(user: User) -> bool:
    return any(t.sender == AGENT and t.text.strip() == AGENT_SAYS for t in user.transcriptions)


async def converse(run: Run, user: User) -> None:
    publication = await user.join()
    run.mic_track_sid = publication.sid
    run.mark("user joined")

    agent_room = rtc.Room()
    # as an agent worker's token: it may set its own attributes (lk.agent.state)
    token = make_token(AGENT, ROOM, name="Agent", agent=True, canUpdateOwnMetadata=True)
    await agent_room.connect(URL, token)
    session: AgentSession[None] = AgentSession(
        stt=run.stt,
        llm=run.llm,
        tts=run.tts,
        vad=run.vad,
        # offline: VAD turn detection and interruption (the defaults would reach LiveKit's
        # inference service)
        turn_handling={
            "turn_detection": "vad",
            "interruption": {"mode": "vad"},
            "endpointing": {"min_delay": 0.4, "max_delay": 3.0},
        },
    )
    session.on("agent_state_changed", lambda ev: run.agent_states.append(ev.new_state))
    session.on("user_state_changed", lambda ev: run.user_states.append(ev.new_state))
    session.on("error", lambda ev: run.session_errors.append(repr(ev.error)))
    session.on("close", lambda ev: run.close_reasons.append(str(ev.reason)))

    def on_item(ev: Any) -> None:
        item = ev.item
        if getattr(item, "type", "") == "message":
            run.history.append((item.role, item.text_content or ""))

    session.on("conversation_item_added", on_item)
    try:
        await session.start(
            Agent(instructions=INSTRUCTIONS),
            room=agent_room,
            room_options=room_io.RoomOptions(participant_identity=USER),
        )
        run.mark("session started")
        await wait_until(user.mic_subscribed.is_set, "the agent to subscribe to the mic", 10)
        await wait_until(
            lambda: user.agent_attribute("lk.agent.state") == "listening",
            "the agent's lk.agent.state attribute to say listening",
            10,
        )
        await asyncio.sleep(0.5)  # a moment of room tone before speaking
        run.mark("user speaks")
        await user.microphone.say(speech_like(SPEECH_SECONDS))
        run.mark("user done")
        await wait_until(lambda: agent_answered(user), "the agent's answer on lk.transcription", 15)
        run.mark("answer transcribed")
        await wait_until(
            lambda: "speaking" in run.agent_states and run.agent_states[-1] == "listening",
            "the agent to finish speaking",
            10,
        )
        run.mark("agent done")
        await asyncio.sleep(0.5)  # the audio's tail, and the user's own transcription
    finally:
        await session.aclose()
        run.mark("session closed")
        await agent_room.disconnect()
        run.mark("agent left")


def check(run: Run, user: User, logs: LogCapture) -> list[str]:
    """What went wrong, if anything."""
    failed: list[str] = []
    not_implemented = logs.matching(NOT_IMPLEMENTED)
    if REFUSALS or not_implemented:
        lines = [f"lkemu refused {len(REFUSALS)} request(s):"]
        for refusal in REFUSALS:
            lines.append(f"- request `{refusal.kind}`, sent from:\n{refusal.stack}")
        why = dict.fromkeys([*not_implemented, *logs.matching("failed to handle request")])
        lines += ["log lines saying why:", *why]
        failed.append("\n".join(lines))

    errors = [e for e in logs.at_least(logging.ERROR) if NOT_IMPLEMENTED not in e]
    if errors:
        failed.append("errors were logged:\n" + "\n".join(errors))
    # the SDK's own warnings, and the agent's when it could not do something in the room
    # ("failed to publish agent transcription to room: ...")
    warned = [
        w for w in logs.at_least(logging.WARNING)
        if (w.startswith("livekit WARNING") or "failed to" in w)
        and w not in errors and NOT_IMPLEMENTED not in w
    ]  # fmt: skip
    if warned:
        failed.append("warnings were logged:\n" + "\n".join(warned))
    if run.session_errors:
        failed.append(f"the session reported errors: {run.session_errors}")

    if [h.transcript for h in run.stt.heard] != [USER_SAYS]:
        failed.append(f"the STT heard {run.stt.heard}, not one utterance")
    elif abs(run.stt.heard[0].utterance.speech - SPEECH_SECONDS) > 0.3:
        failed.append(
            f"the STT heard {run.stt.heard[0].utterance.speech:.2f} s of speech, "
            f"the user said {SPEECH_SECONDS} s"
        )
    if len(run.vad.utterances) != 1:
        failed.append(f"the VAD found {run.vad.utterances}, not one utterance")
    if not any(c.user_text == USER_SAYS and c.completed for c in run.llm.completions):
        failed.append(f"the LLM was not asked about the user's words: {run.llm.completions}")
    if ("user", USER_SAYS) not in run.history or ("assistant", AGENT_SAYS) not in run.history:
        failed.append(f"the conversation is not what was said: {run.history}")

    agent_text = [t for t in user.transcriptions if t.sender == AGENT]
    if not agent_answered(user):
        failed.append(f"the user did not get the answer on {TRANSCRIPTION}: {agent_text}")
    elif not any(t.attributes.get("lk.transcription_final") == "true" for t in agent_text):
        failed.append(f"no transcription of the agent was final: {agent_text}")
    elif any(
        t.attributes.get("lk.transcribed_track_id") != user.audio_track_sid for t in agent_text
    ):
        failed.append(
            f"the agent's transcriptions name another track than its audio "
            f"({user.audio_track_sid}): {agent_text}"
        )
    own = [
        t for t in user.transcriptions
        if t.sender == USER and t.attributes.get("lk.transcription_final") == "true"
    ]  # fmt: skip
    if [t.text.strip() for t in own] != [USER_SAYS]:
        failed.append(f"the user's own words were not transcribed once, finally: {own}")
    elif own[0].attributes.get("lk.transcribed_track_id") != run.mic_track_sid:
        failed.append(f"the user's transcription names another track than the mic: {own}")

    made = sum(s.samples for s in run.tts.syntheses) / run.tts.sample_rate
    heard = user.audio.voiced_seconds
    if not user.audio_track_sid:
        failed.append("the user never subscribed to the agent's audio track")
    elif not 0.85 * made - 0.05 <= heard <= 1.1 * made + 0.05:
        failed.append(
            f"the user heard {heard:.2f} s of the agent's voice, the TTS made {made:.2f} s"
        )
    elif abs(user.audio.pitch() - TONE_HZ) > 5.0:
        failed.append(f"the agent's voice is at {user.audio.pitch():.1f} Hz, not {TONE_HZ} Hz")
    return failed


def summary(run: Run, user: User, logs: LogCapture) -> dict[str, Any]:
    return {
        "timings_s": run.timings,
        "agent_states": run.agent_states,
        "user_states": run.user_states,
        "stt_heard": [(h.transcript, round(h.utterance.speech, 2)) for h in run.stt.heard],
        "stt_audio_s": round(run.stt.audio_seconds, 2),
        "stt_rates": sorted(run.stt.sample_rates),
        "stt_flushes": run.stt.flushes,
        "vad_utterances": [(round(u.start, 2), round(u.end, 2)) for u in run.vad.utterances],
        "llm_calls": [(c.user_text, c.completed) for c in run.llm.completions],
        "tts": [(s.text, round(s.seconds, 2), s.finished) for s in run.tts.syntheses],
        "transcriptions": [(t.sender, t.text, t.attributes) for t in user.transcriptions],
        "agent_audio": {
            "frames": user.audio.frames,
            "samples": user.audio.samples,
            "voiced_s": round(user.audio.voiced_seconds, 2),
            "pitch_hz": round(user.audio.pitch(), 1),
        },
        "mic_frames": user.microphone.frames,
        "warnings": logs.at_least(logging.WARNING),
        "close_reasons": run.close_reasons,
    }


async def main() -> int:
    logs = LogCapture()
    logging.getLogger().addHandler(logs)
    logging.getLogger().setLevel(logging.INFO)
    echo = logging.StreamHandler(sys.stderr)
    echo.setLevel(logging.WARNING)
    logging.getLogger().addHandler(echo)
    watch_refusals()

    run, user = Run(), User()
    failed: list[str] = []
    try:
        await asyncio.wait_for(converse(run, user), DEADLINE_S)
    except Exception as error:
        failed.append(
            "the conversation did not complete: "
            + "".join(traceback.format_exception(error, limit=-8))
        )
    finally:
        await user.leave()
        run.mark("user left")
    await asyncio.sleep(0.3)  # FFI log events still on their way
    failed = check(run, user, logs) + failed
    print("summary:", json.dumps(summary(run, user, logs), indent=1, default=str))
    if failed:
        print("\nFAILED:\n" + "\n\n".join(failed), file=sys.stderr)
        return 1
    print("ok: the agent's answer reached the user on lk.transcription, with its audio")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
