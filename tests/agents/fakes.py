"""Scriptable, offline fakes of livekit-agents' model plugins, written against its base classes.

- `EnergyVAD` (`vad.VAD`): voice activity from each frame's level, so it reacts to the audio
  that actually arrives (a tone counts as speech, digital silence does not).
- `ScriptedSTT` (`stt.STT`, streaming): hears utterances the same way and, `delay` seconds
  after each one ends, reports the next scripted transcript (an interim with its first word
  when the utterance starts, the final at its end). It supports manual flushes, as most
  streaming providers do: a flush finalizes what is being said, or answers an empty final.
- `ScriptedLLM` (`llm.LLM`): answers the user's last message from a script, word by word,
  after `ttft` seconds.
- `ToneTTS` (`tts.TTS`, not streaming, so the session wraps it in `tts.StreamAdapter`):
  "speaks" a sine of `frequency` for `seconds_per_char` per character, after `ttfb` seconds.

Each records what it saw, for the scenario to assert on. Importable only where livekit-agents
is installed (.venv-agents); the main suite never imports it.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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

SILENCE_DBFS = -120.0


def level_dbfs(frame: rtc.AudioFrame) -> float:
    """The frame's RMS level in dB relative to full scale (-120 for digital silence)."""
    samples = np.frombuffer(frame.data, dtype=np.int16).astype(np.float64)
    if samples.size == 0:
        return SILENCE_DBFS
    rms = math.sqrt(float(np.mean(samples * samples))) / 32768.0
    return max(SILENCE_DBFS, 20.0 * math.log10(rms)) if rms > 0 else SILENCE_DBFS


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

    def push(self, frame: rtc.AudioFrame) -> tuple[bool, Literal["start", "end"] | None]:
        """Whether the frame is voiced, and the transition it causes."""
        duration = frame.samples_per_channel / frame.sample_rate
        voiced = level_dbfs(frame) > self.threshold_dbfs
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


class EnergyVAD(vad.VAD):
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
        self.utterances: list[Utterance] = []  # over all its streams
        self.frames = 0
        self.streams = 0

    @property
    def model(self) -> str:
        return "energy"

    @property
    def provider(self) -> str:
        return "lkemu-tests"

    def stream(self) -> vad.VADStream:
        self.streams += 1
        return _EnergyVADStream(self)


class _EnergyVADStream(vad.VADStream):
    def __init__(self, owner: EnergyVAD) -> None:
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
    reported_at: float  # time.monotonic() of the final transcript


class ScriptedSTT(stt.STT):
    """Each utterance it hears is the next of `transcripts` (later ones are reported empty)."""

    def __init__(
        self,
        transcripts: Sequence[str],
        *,
        delay: float = 0.2,
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
        self.sample_rates: set[int] = set()
        self.streams = 0
        self.flushes = 0

    @property
    def model(self) -> str:
        return "scripted"

    @property
    def provider(self) -> str:
        return "lkemu-tests"

    async def _recognize_impl(
        self,
        buffer: utils.AudioBuffer,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions,
    ) -> stt.SpeechEvent:
        return stt.SpeechEvent(
            type=stt.SpeechEventType.FINAL_TRANSCRIPT,
            alternatives=[stt.SpeechData(language=self.language, text=self._next_transcript())],
        )

    def stream(
        self,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
    ) -> stt.RecognizeStream:
        self.streams += 1
        return _ScriptedRecognizeStream(self, conn_options)

    def _next_transcript(self) -> str:
        return self.transcripts[len(self.heard)] if len(self.heard) < len(self.transcripts) else ""


class _ScriptedRecognizeStream(stt.RecognizeStream):
    def __init__(self, owner: ScriptedSTT, conn_options: APIConnectOptions) -> None:
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
        await asyncio.sleep(owner.delay)
        text = owner._next_transcript()
        owner.heard.append(Heard(text, utterance, time.monotonic()))
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
            owner.audio_seconds += item.samples_per_channel / item.sample_rate
            owner.sample_rates.add(item.sample_rate)
            _, change = state.push(item)
            heard = state.current
            if change == "start" and heard is not None:
                next_words = owner._next_transcript().split()[:1]
                if next_words:
                    self._speech(stt.SpeechEventType.INTERIM_TRANSCRIPT, next_words[0], heard)
            elif change == "end" and heard is not None:
                reported = await self._finish(state, heard, reported)


# --- LLM ----------------------------------------------------------------------------------


@dataclass
class Completion:
    """One chat() call: the user's last message and what was answered."""

    user_text: str
    reply: str
    instructions: str
    completed: bool = False


class ScriptedLLM(llm.LLM):
    """Answers `replies[user's last message]`, else `default`."""

    def __init__(
        self,
        replies: Mapping[str, str],
        *,
        default: str = "Sorry, I did not catch that.",
        ttft: float = 0.2,
        word_interval: float = 0.03,
    ) -> None:
        super().__init__()
        self.replies = dict(replies)
        self.default = default
        self.ttft = ttft
        self.word_interval = word_interval
        self.completions: list[Completion] = []

    @property
    def model(self) -> str:
        return "scripted"

    @property
    def provider(self) -> str:
        return "lkemu-tests"

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
        return _ScriptedLLMStream(
            self, chat_ctx=chat_ctx, tools=tools or [], conn_options=conn_options
        )


class _ScriptedLLMStream(llm.LLMStream):
    def __init__(
        self,
        owner: ScriptedLLM,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool],
        conn_options: APIConnectOptions,
    ) -> None:
        self._owner = owner
        super().__init__(owner, chat_ctx=chat_ctx, tools=tools, conn_options=conn_options)

    async def _run(self) -> None:
        owner = self._owner
        messages = self._chat_ctx.messages()
        user_text = next((m.text_content or "" for m in reversed(messages) if m.role == "user"), "")
        instructions = "\n".join(
            m.text_content or "" for m in messages if m.role in ("system", "developer")
        )
        reply = owner.replies.get(user_text.strip(), owner.default)
        completion = Completion(user_text, reply, instructions)
        owner.completions.append(completion)
        request_id = utils.shortuuid("scripted_")
        await asyncio.sleep(owner.ttft)
        pieces = re.findall(r"\S+\s*", reply)
        for index, piece in enumerate(pieces):
            if index:
                await asyncio.sleep(owner.word_interval)
            delta = llm.ChoiceDelta(role="assistant", content=piece)
            self._event_ch.send_nowait(llm.ChatChunk(id=request_id, delta=delta))
        prompt_tokens = sum(len((m.text_content or "").split()) for m in messages)
        usage = llm.CompletionUsage(
            completion_tokens=len(pieces),
            prompt_tokens=prompt_tokens,
            total_tokens=prompt_tokens + len(pieces),
        )
        self._event_ch.send_nowait(llm.ChatChunk(id=request_id, usage=usage))
        completion.completed = True


# --- TTS ----------------------------------------------------------------------------------


@dataclass
class Synthesis:
    text: str
    seconds: float
    samples: int = 0  # pushed to the emitter
    finished: bool = False


class ToneTTS(tts.TTS):
    """A sine of `frequency` for `seconds_per_char` per character of each sentence (0.2 s
    at least), after `ttfb` seconds."""

    def __init__(
        self,
        *,
        frequency: float = 440.0,
        seconds_per_char: float = 0.04,
        ttfb: float = 0.1,
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
        self.amplitude = amplitude
        self.syntheses: list[Synthesis] = []

    @property
    def model(self) -> str:
        return "tone"

    @property
    def provider(self) -> str:
        return "lkemu-tests"

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> tts.ChunkedStream:
        return _ToneStream(self, text, conn_options)

    def tone(self, seconds: float) -> bytes:
        count = round(seconds * self.sample_rate)
        t = np.arange(count) / self.sample_rate
        wave = self.amplitude * np.sin(2 * np.pi * self.frequency * t)
        ramp = min(count // 2, round(0.005 * self.sample_rate))  # 5 ms fades: no clicks
        if ramp:
            wave[:ramp] *= np.linspace(0.0, 1.0, ramp)
            wave[-ramp:] *= np.linspace(1.0, 0.0, ramp)
        return (wave * 32767).astype(np.int16).tobytes()


class _ToneStream(tts.ChunkedStream):
    def __init__(self, owner: ToneTTS, text: str, conn_options: APIConnectOptions) -> None:
        self._owner = owner
        super().__init__(tts=owner, input_text=text, conn_options=conn_options)

    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        owner = self._owner
        text = self._input_text.strip()
        synthesis = Synthesis(text, max(0.2, len(text) * owner.seconds_per_char))
        owner.syntheses.append(synthesis)
        await asyncio.sleep(owner.ttfb)
        output_emitter.initialize(
            request_id=utils.shortuuid("tone_"),
            sample_rate=owner.sample_rate,
            num_channels=1,
            mime_type="audio/pcm",
        )
        pcm = owner.tone(synthesis.seconds)
        chunk = 2 * owner.sample_rate // 10  # 100 ms of int16, as a chunked HTTP answer arrives
        for start in range(0, len(pcm), chunk):
            output_emitter.push(pcm[start : start + chunk])
            synthesis.samples += len(pcm[start : start + chunk]) // 2
            await asyncio.sleep(0)
        output_emitter.flush()
        synthesis.finished = True
