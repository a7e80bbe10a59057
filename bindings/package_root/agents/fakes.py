"""Scriptable, offline fakes of livekit-agents' model plugins, written against its base
classes, so an `AgentSession` runs in a test with no model and no network.

- `FakeVAD` (`vad.VAD`): voice activity from each frame's level, so it reacts to the audio
  that actually arrives (speech-like audio or a tone count as speech, digital silence does
  not).
- `FakeSTT` (`stt.STT`, streaming, interim results, manual flush): hears utterances the same
  way and, `delay` seconds after each one ends, reports the next scripted transcript (an
  interim with its first word when the utterance starts, the final at its end).
- `FakeLLM` (`llm.LLM`): answers the user's last message from a script, word by word, after
  `ttft` seconds; a scripted reply may call the agent's function tools first.
- `FakeTTS` (`tts.TTS`, not streaming: the session wraps it in `tts.StreamAdapter`): "speaks"
  a sine of `frequency` for `seconds_per_char` per character, after `ttfb` seconds.

Each records what it saw (`heard`, `completions`, `syntheses`, `utterances`) for tests to
assert on. `lkemu.agents.Script` makes the four from a list of turns.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from livekit import rtc
from livekit.agents import (
    DEFAULT_API_CONNECT_OPTIONS,
    NOT_GIVEN,
    APIConnectOptions,
    LanguageCode,
    NotGivenOr,
    llm,
    stt,
    tts,
    utils,
    vad,
)

from .audio import dbfs, level_dbfs, mean_square, tone, voiced_blocks
from .clock import now

PROVIDER = "lkemu"


def frame_level_dbfs(frame: rtc.AudioFrame) -> float:
    """A frame's RMS level in dB relative to full scale (-120 for digital silence)."""
    return level_dbfs(np.frombuffer(frame.data, dtype=np.int16))


@dataclass
class Utterance:
    """One stretch of speech, in seconds of the stream's audio."""

    start: float
    end: float = 0.0
    speech: float = 0.0  # voiced audio in it (short pauses included)


@dataclass
class _Segmenter:
    """Frame-by-frame speech/silence state from levels, on audio time (not wall time)."""

    threshold_dbfs: float
    min_speech: float  # voiced audio before an utterance starts
    min_silence: float  # silence that ends it
    speaking: bool = False
    voiced_run: float = 0.0  # consecutive voiced audio
    silent_run: float = 0.0  # consecutive silent audio
    position: float = 0.0  # audio seen
    current: Utterance | None = None
    power: float = 0.0  # the last frame's mean square (full scale 1.0)

    def push(self, frame: rtc.AudioFrame) -> tuple[bool, Literal["start", "end"] | None]:
        """Whether the frame is voiced, and the transition it causes."""
        duration = frame.samples_per_channel / frame.sample_rate
        self.power = mean_square(np.frombuffer(frame.data, dtype=np.int16))
        voiced = dbfs(self.power) > self.threshold_dbfs
        self.position += duration
        if voiced:
            self.voiced_run += duration
            self.silent_run = 0.0
        else:
            self.silent_run += duration
            self.voiced_run = 0.0
        if not self.speaking:
            if self.voiced_run >= self.min_speech:
                self.speaking = True
                self.current = Utterance(start=self.position - self.voiced_run)
                self.current.speech = self.voiced_run
                return voiced, "start"
            return voiced, None
        assert self.current is not None
        self.current.speech += duration
        if self.silent_run >= self.min_silence:
            self.speaking = False
            self.current.end = self.position - self.silent_run
            self.current.speech -= self.silent_run
            return voiced, "end"
        return voiced, None

    def reset(self) -> None:
        self.speaking = False
        self.voiced_run = self.silent_run = 0.0
        self.current = None


# --- VAD ----------------------------------------------------------------------------------


class FakeVAD(vad.VAD):
    """Speech is audio above `threshold_dbfs` for `min_speech` s; it ends after `min_silence`
    s below. `utterances` lists what it found, over all its streams."""

    def __init__(
        self,
        *,
        threshold_dbfs: float = -45.0,
        min_speech: float = 0.1,
        min_silence: float = 0.5,
    ) -> None:
        super().__init__(capabilities=vad.VADCapabilities(update_interval=0.05))
        self.threshold_dbfs = threshold_dbfs
        self.min_speech = min_speech
        self.min_silence = min_silence
        self.utterances: list[Utterance] = []
        self.frames = 0
        self.streams = 0

    @property
    def model(self) -> str:
        return "energy"

    @property
    def provider(self) -> str:
        return PROVIDER

    def stream(self) -> vad.VADStream:
        self.streams += 1
        return _FakeVADStream(self)


class _FakeVADStream(vad.VADStream):
    def __init__(self, owner: FakeVAD) -> None:
        self._owner = owner
        super().__init__(owner)

    async def _main_task(self) -> None:
        owner = self._owner
        state = _Segmenter(owner.threshold_dbfs, owner.min_speech, owner.min_silence)
        run: list[rtc.AudioFrame] = []  # the voiced frames before speech starts
        speech: list[rtc.AudioFrame] = []
        samples_index = 0
        async for item in self._input_ch:
            if not isinstance(item, rtc.AudioFrame):  # a flush: a hard segment boundary
                state.reset()
                run, speech = [], []
                continue
            began = time.perf_counter()
            voiced, change = state.push(item)
            owner.frames += 1
            samples_index += item.samples_per_channel
            if change == "start":
                speech, run = [*run, item], []
            elif state.speaking or change == "end":
                speech.append(item)
            elif voiced:
                run.append(item)
            else:
                run = []
            utterance = state.current
            speech_duration = utterance.speech if utterance and state.speaking else 0.0
            self._event_ch.send_nowait(
                vad.VADEvent(
                    type=vad.VADEventType.INFERENCE_DONE,
                    samples_index=samples_index,
                    timestamp=state.position,
                    speech_duration=speech_duration,
                    silence_duration=state.silent_run,
                    frames=[item],
                    probability=1.0 if voiced else 0.0,
                    inference_duration=time.perf_counter() - began,
                    speaking=state.speaking,
                    raw_accumulated_speech=state.voiced_run,
                    raw_accumulated_silence=state.silent_run,
                )
            )
            if change is None:
                continue
            assert utterance is not None
            if change == "end":
                owner.utterances.append(utterance)
            self._event_ch.send_nowait(
                vad.VADEvent(
                    type=(
                        vad.VADEventType.START_OF_SPEECH
                        if change == "start"
                        else vad.VADEventType.END_OF_SPEECH
                    ),
                    samples_index=samples_index,
                    timestamp=state.position,
                    speech_duration=utterance.speech,
                    silence_duration=state.silent_run,
                    frames=list(speech),
                    inference_duration=time.perf_counter() - began,
                    speaking=change == "start",
                    raw_accumulated_speech=state.voiced_run,
                    raw_accumulated_silence=state.silent_run,
                )
            )
            if change == "end":
                speech = []


# --- STT ----------------------------------------------------------------------------------


@dataclass
class Heard:
    """What the STT reported for one utterance."""

    transcript: str
    utterance: Utterance
    reported_at: float  # when the final transcript was reported (lkemu.agents.clock)


class FakeSTT(stt.STT):
    """The n-th utterance it hears is `transcripts[n]` (later ones are reported empty),
    finalized `delay` seconds after the utterance ends (`delay` may be one value per
    transcript). Levels as `FakeVAD`'s, with a shorter `min_silence` so the transcript is
    there when the VAD says the user stopped."""

    def __init__(
        self,
        transcripts: Sequence[str] = (),
        *,
        delay: float | Sequence[float] = 0.2,
        threshold_dbfs: float = -45.0,
        min_speech: float = 0.1,
        min_silence: float = 0.3,
        language: str = "en",
    ) -> None:
        capabilities = stt.STTCapabilities(streaming=True, interim_results=True, manual_flush=True)
        super().__init__(capabilities=capabilities)
        self.transcripts = list(transcripts)
        self.delay = delay
        self.threshold_dbfs = threshold_dbfs
        self.min_speech = min_speech
        self.min_silence = min_silence
        self.language = LanguageCode(language)
        self.heard: list[Heard] = []
        self.audio_seconds = 0.0  # over all its streams
        self.frames = 0  # audio frames received, over all its streams
        # 10 ms blocks of what it received above threshold_dbfs: against the blocks the
        # user said, how much of the speech arrived (whatever gain the input applied).
        self.voiced_blocks = 0
        self.sample_rates: set[int] = set()
        self.streams = 0
        self.flushes = 0

    @property
    def model(self) -> str:
        return "scripted"

    @property
    def provider(self) -> str:
        return PROVIDER

    async def _recognize_impl(
        self,
        buffer: utils.AudioBuffer,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions,
    ) -> stt.SpeechEvent:
        text = self.next_transcript()
        self.heard.append(Heard(text, Utterance(0.0), now()))
        return stt.SpeechEvent(
            type=stt.SpeechEventType.FINAL_TRANSCRIPT,
            alternatives=[stt.SpeechData(language=self.language, text=text)],
        )

    def stream(
        self,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
    ) -> stt.RecognizeStream:
        self.streams += 1
        return _FakeRecognizeStream(self, conn_options)

    def next_transcript(self) -> str:
        """What the next utterance will be reported as."""
        index = len(self.heard)
        return self.transcripts[index] if index < len(self.transcripts) else ""

    def next_delay(self) -> float:
        if isinstance(self.delay, int | float):
            return float(self.delay)
        delays = list(self.delay) or [0.0]
        return float(delays[min(len(self.heard), len(delays) - 1)])


class _FakeRecognizeStream(stt.RecognizeStream):
    def __init__(self, owner: FakeSTT, conn_options: APIConnectOptions) -> None:
        self._owner = owner
        super().__init__(stt=owner, conn_options=conn_options)

    def _speech(self, kind: stt.SpeechEventType, text: str, utterance: Utterance) -> None:
        offset = self.start_time_offset
        data = stt.SpeechData(
            language=self._owner.language,
            text=text,
            start_time=utterance.start + offset,
            end_time=(utterance.end or utterance.start + utterance.speech) + offset,
            confidence=1.0,
        )
        self._event_ch.send_nowait(stt.SpeechEvent(type=kind, alternatives=[data]))

    async def _finish(self, state: _Segmenter, utterance: Utterance, reported: float) -> float:
        owner = self._owner
        await asyncio.sleep(owner.next_delay())
        text = owner.next_transcript()
        owner.heard.append(Heard(text, utterance, now()))
        if text:
            self._speech(stt.SpeechEventType.FINAL_TRANSCRIPT, text, utterance)
        usage = stt.RecognitionUsage(audio_duration=state.position - reported)
        self._event_ch.send_nowait(
            stt.SpeechEvent(type=stt.SpeechEventType.RECOGNITION_USAGE, recognition_usage=usage)
        )
        return state.position

    async def _run(self) -> None:
        owner = self._owner
        state = _Segmenter(owner.threshold_dbfs, owner.min_speech, owner.min_silence)
        reported = 0.0  # audio time up to which usage was reported
        async for item in self._input_ch:
            if not isinstance(item, rtc.AudioFrame):
                # a flush finalizes: what is being said, else an empty final (as providers do)
                cut = state.current if state.speaking else None
                if cut is not None:
                    cut.end = state.position
                    state.reset()
                    reported = await self._finish(state, cut, reported)
                else:
                    empty = stt.SpeechData(language=owner.language, text="")
                    kind = stt.SpeechEventType.FINAL_TRANSCRIPT
                    self._event_ch.send_nowait(stt.SpeechEvent(type=kind, alternatives=[empty]))
                owner.flushes += 1
                continue
            seconds = item.samples_per_channel / item.sample_rate
            owner.audio_seconds += seconds
            owner.frames += 1
            owner.sample_rates.add(item.sample_rate)
            _, change = state.push(item)
            if state.power > 0:  # (digital silence has no voiced block)
                samples = np.frombuffer(item.data, dtype=np.int16)
                mono = samples[:: item.num_channels]
                owner.voiced_blocks += voiced_blocks(mono, item.sample_rate, owner.threshold_dbfs)
            heard = state.current
            if change == "start" and heard is not None:
                next_words = owner.next_transcript().split()[:1]
                if next_words:
                    self._speech(stt.SpeechEventType.INTERIM_TRANSCRIPT, next_words[0], heard)
            elif change == "end" and heard is not None:
                reported = await self._finish(state, heard, reported)


# --- LLM ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolCall:
    """A call of one of the agent's function tools, as an LLM would ask for it."""

    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """What the LLM answers to one user message: first the tool calls (the session runs
    them and asks again with their output), then `text`; `ttft` overrides the LLM's."""

    text: str
    tool_calls: Sequence[ToolCall] = ()
    ttft: float | None = None


@dataclass
class Completion:
    """One chat() call: the user's last message and what was answered."""

    user_text: str
    reply: str  # the text answered ('' for a call that asked for tools)
    instructions: str
    tool_calls: list[ToolCall] = field(default_factory=list)  # asked for in this call
    tool_outputs: list[str] = field(default_factory=list)  # tool results it was given
    completed: bool = False
    started_at: float = 0.0  # when chat() ran (lkemu.agents.clock)
    first_token_at: float = 0.0  # when its first chunk went out

    @property
    def ttft(self) -> float:
        """Time to first token, as the session saw it."""
        return self.first_token_at - self.started_at


def _normalized(text: str) -> str:
    return " ".join(text.split()).casefold()


class FakeLLM(llm.LLM):
    """Answers `replies[user's last message]` (matched ignoring case and spacing), else
    `default`, a word every `word_interval` s after `ttft` s. A reply is a text or a
    `Reply` (tool calls, its own ttft). `completions` lists every call."""

    def __init__(
        self,
        replies: Mapping[str, str | Reply] | None = None,
        *,
        default: str = "Sorry, I did not catch that.",
        ttft: float = 0.2,
        word_interval: float = 0.03,
    ) -> None:
        super().__init__()
        self.replies = dict(replies or {})
        self.default = default
        self.ttft = ttft
        self.word_interval = word_interval
        self.completions: list[Completion] = []

    @property
    def model(self) -> str:
        return "scripted"

    @property
    def provider(self) -> str:
        return PROVIDER

    def reply_to(self, user_text: str) -> Reply:
        """The scripted reply to a user message."""
        wanted = _normalized(user_text)
        for key, reply in self.replies.items():
            if _normalized(key) == wanted:
                return reply if isinstance(reply, Reply) else Reply(reply)
        return Reply(self.default)

    def chat(
        self,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool] | None = None,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
        parallel_tool_calls: NotGivenOr[bool] = NOT_GIVEN,
        tool_choice: NotGivenOr[llm.ToolChoice] = NOT_GIVEN,
        extra_kwargs: NotGivenOr[dict[str, Any]] = NOT_GIVEN,
    ) -> llm.LLMStream:
        return _FakeLLMStream(self, chat_ctx=chat_ctx, tools=tools or [], conn_options=conn_options)


class _FakeLLMStream(llm.LLMStream):
    def __init__(
        self,
        owner: FakeLLM,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool],
        conn_options: APIConnectOptions,
    ) -> None:
        self._owner = owner
        super().__init__(owner, chat_ctx=chat_ctx, tools=tools, conn_options=conn_options)

    async def _run(self) -> None:
        owner = self._owner
        items = list(self._chat_ctx.items)
        last_user, user_text = -1, ""
        for index, item in enumerate(items):
            if isinstance(item, llm.ChatMessage) and item.role == "user":
                last_user, user_text = index, item.text_content or ""
        outputs = [
            item.output
            for item in items[last_user + 1 :]
            if isinstance(item, llm.FunctionCallOutput)
        ]
        messages = self._chat_ctx.messages()
        instructions = "\n".join(
            m.text_content or "" for m in messages if m.role in ("system", "developer")
        )
        reply = owner.reply_to(user_text)
        call_tools = bool(reply.tool_calls) and not outputs
        completion = Completion(
            user_text,
            "" if call_tools else reply.text,
            instructions,
            tool_outputs=outputs,
        )
        completion.started_at = now()
        owner.completions.append(completion)
        request_id = utils.shortuuid("fake_")
        await asyncio.sleep(owner.ttft if reply.ttft is None else reply.ttft)
        completion.first_token_at = now()
        if call_tools:
            completion.tool_calls = list(reply.tool_calls)
            calls = [
                llm.FunctionToolCall(
                    name=call.name,
                    arguments=json.dumps(dict(call.arguments)),
                    call_id=utils.shortuuid("call_"),
                )
                for call in reply.tool_calls
            ]
            delta = llm.ChoiceDelta(role="assistant", tool_calls=calls)
            self._event_ch.send_nowait(llm.ChatChunk(id=request_id, delta=delta))
            pieces: list[str] = []
        else:
            pieces = re.findall(r"\S+\s*", reply.text)
            for index, piece in enumerate(pieces):
                if index:
                    await asyncio.sleep(owner.word_interval)
                delta = llm.ChoiceDelta(role="assistant", content=piece)
                self._event_ch.send_nowait(llm.ChatChunk(id=request_id, delta=delta))
        prompt_tokens = sum(len((m.text_content or "").split()) for m in messages)
        answered = len(pieces) + len(completion.tool_calls)
        usage = llm.CompletionUsage(
            completion_tokens=answered,
            prompt_tokens=prompt_tokens,
            total_tokens=prompt_tokens + answered,
        )
        self._event_ch.send_nowait(llm.ChatChunk(id=request_id, usage=usage))
        completion.completed = True


# --- TTS ----------------------------------------------------------------------------------


@dataclass
class Synthesis:
    """One synthesize() call: its text, how long it speaks, how much it delivered."""

    text: str
    seconds: float
    samples: int = 0  # pushed to the emitter
    energy: float = 0.0  # of its audio: mean square (full scale 1.0) times seconds
    finished: bool = False
    started_at: float = 0.0  # when synthesize() ran (lkemu.agents.clock)
    first_audio_at: float = 0.0  # when its first audio went out

    @property
    def ttfb(self) -> float:
        """Time to first audio byte, as the session saw it."""
        return self.first_audio_at - self.started_at


class FakeTTS(tts.TTS):
    """A sine of `frequency` for `seconds_per_char` per character of each text (0.2 s at
    least), after `ttfb` seconds, delivered in 100 ms chunks. `ttfb_for` overrides `ttfb` for
    the texts that a key contains (the session synthesizes sentence by sentence)."""

    def __init__(
        self,
        *,
        frequency: float = 440.0,
        seconds_per_char: float = 0.04,
        ttfb: float = 0.1,
        ttfb_for: Mapping[str, float] | None = None,
        amplitude: float = 0.4,
        sample_rate: int = 24000,
    ) -> None:
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=False),
            sample_rate=sample_rate,
            num_channels=1,
        )
        self.frequency = frequency
        self.seconds_per_char = seconds_per_char
        self.ttfb = ttfb
        self.ttfb_for = dict(ttfb_for or {})
        self.amplitude = amplitude
        self.syntheses: list[Synthesis] = []

    @property
    def model(self) -> str:
        return "tone"

    @property
    def provider(self) -> str:
        return PROVIDER

    @property
    def seconds_spoken(self) -> float:
        """Audio delivered so far, over all syntheses."""
        return sum(s.samples for s in self.syntheses) / self.sample_rate

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> tts.ChunkedStream:
        return _FakeChunkedStream(self, text, conn_options)

    def first_byte_delay(self, text: str) -> float:
        wanted = _normalized(text)
        for key, delay in self.ttfb_for.items():
            if wanted and wanted in _normalized(key):
                return delay
        return self.ttfb

    def render(self, text: str) -> np.ndarray:
        """The audio it speaks for `text` (mono int16 at `sample_rate`), right away."""
        seconds = max(0.2, len(text.strip()) * self.seconds_per_char)
        return tone(seconds, self.sample_rate, frequency=self.frequency, amplitude=self.amplitude)


class _FakeChunkedStream(tts.ChunkedStream):
    def __init__(self, owner: FakeTTS, text: str, conn_options: APIConnectOptions) -> None:
        self._owner = owner
        super().__init__(tts=owner, input_text=text, conn_options=conn_options)

    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        owner = self._owner
        text = self._input_text.strip()
        rendered = owner.render(text)
        pcm = rendered.tobytes()
        seconds = len(rendered) / owner.sample_rate
        synthesis = Synthesis(text, seconds, started_at=now())
        synthesis.energy = mean_square(rendered) * seconds
        owner.syntheses.append(synthesis)
        await asyncio.sleep(owner.first_byte_delay(text))
        synthesis.first_audio_at = now()
        output_emitter.initialize(
            request_id=utils.shortuuid("tone_"),
            sample_rate=owner.sample_rate,
            num_channels=1,
            mime_type="audio/pcm",
        )
        chunk = 2 * owner.sample_rate // 10  # 100 ms of int16, as a chunked HTTP answer arrives
        for start in range(0, len(pcm), chunk):
            output_emitter.push(pcm[start : start + chunk])
            synthesis.samples += len(pcm[start : start + chunk]) // 2
            await asyncio.sleep(0)
        output_emitter.flush()
        synthesis.finished = True
