"""A conversation described as turns, and the fakes and session that play it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from livekit.agents import AgentSession

from .fakes import FakeLLM, FakeSTT, FakeTTS, FakeVAD, Reply, ToolCall


@dataclass(frozen=True)
class Turn:
    """One exchange: what the user says (as the STT reports it) and what the agent answers
    (the LLM's reply, spoken by the TTS), optionally after calling the agent's tools. The
    delays (seconds) override the script's for this turn."""

    user: str
    agent: str
    tool_calls: Sequence[ToolCall] = ()
    stt_delay: float | None = None
    llm_delay: float | None = None
    tts_delay: float | None = None


@dataclass
class Script:
    """Turns and model latencies: `stt_delay` from the end of an utterance to its final
    transcript, `llm_delay` to the LLM's first token, `tts_delay` to the TTS's first audio.
    `fallback` is the answer to anything unscripted."""

    turns: Sequence[Turn] = ()
    stt_delay: float = 0.2
    llm_delay: float = 0.25
    tts_delay: float = 0.1
    tts_frequency: float = 440.0
    fallback: str = "Sorry, I did not catch that."
    vad_min_silence: float = 0.5
    endpointing_delay: float = 0.4
    extra: dict[str, Any] = field(default_factory=dict)  # more AgentSession arguments

    def stt(self) -> FakeSTT:
        return FakeSTT(
            [turn.user for turn in self.turns],
            delay=[
                self.stt_delay if turn.stt_delay is None else turn.stt_delay for turn in self.turns
            ]
            or self.stt_delay,
        )

    def llm(self) -> FakeLLM:
        replies = {
            turn.user: Reply(turn.agent, tuple(turn.tool_calls), turn.llm_delay)
            for turn in self.turns
        }
        return FakeLLM(replies, default=self.fallback, ttft=self.llm_delay)

    def tts(self) -> FakeTTS:
        delays = {t.agent: t.tts_delay for t in self.turns if t.tts_delay is not None}
        return FakeTTS(frequency=self.tts_frequency, ttfb=self.tts_delay, ttfb_for=delays)

    def vad(self) -> FakeVAD:
        return FakeVAD(min_silence=self.vad_min_silence)

    def session(self, **options: Any) -> AgentSession[Any]:
        """An AgentSession on new fakes, offline: turns end on the VAD (the default turn
        detector and interruption model would reach LiveKit's inference service).
        `options` (and `extra`) are more AgentSession arguments, overriding these."""
        arguments: dict[str, Any] = {
            "stt": self.stt(),
            "llm": self.llm(),
            "tts": self.tts(),
            "vad": self.vad(),
            "turn_handling": {
                "turn_detection": "vad",
                "interruption": {"mode": "vad"},
                "endpointing": {"min_delay": self.endpointing_delay, "max_delay": 3.0},
            },
            **self.extra,
            **options,
        }
        return AgentSession(**arguments)
