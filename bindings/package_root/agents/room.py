"""An agent and a user in one lkemu room: `agent_room()` starts them, yields, and cleans up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from livekit import rtc
from livekit.agents import Agent, AgentSession, room_io

from .fakes import FakeLLM, FakeSTT, FakeTTS, FakeVAD
from .script import Script
from .tokens import access_token
from .user import DEFAULT_URL, UserParticipant, ensure_lkemu

NOT_IMPLEMENTED = "is not implemented in lkemu"
_Fake = TypeVar("_Fake")


class LkemuRefusedRequests(AssertionError):
    """lkemu answered requests of the test with "<kind> is not implemented in lkemu": the
    agent did something the emulator does not cover yet, and its result is not what a
    LiveKit server would give."""


class _Refusals(logging.Handler):
    """Log records saying lkemu refused a request (the SDK logs the FFI's error)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if NOT_IMPLEMENTED in message and message not in self.messages:
            self.messages.append(message)


@dataclass(frozen=True)
class TurnLatency:
    """One user turn, in seconds on lkemu.agents.clock: from the end of the user's speech
    (its last sample captured) to the agent's first audio arriving at the user (`response`)
    and to the user's words coming back final on `lk.transcription` (`transcript`); and the
    fake models' own delays in that turn (`llm_ttft`, `tts_ttfb`). None: it did not happen
    before the user's next turn."""

    turn: int
    speech_ended_at: float
    response: float | None
    transcript: float | None
    llm_ttft: float | None
    tts_ttfb: float | None

    def rounded(self, digits: int = 3) -> tuple[float | None, ...]:
        """The four delays, rounded (to the millisecond by default)."""
        values = (self.response, self.transcript, self.llm_ttft, self.tts_ttfb)
        return tuple(None if v is None else round(v, digits) for v in values)


@dataclass
class AgentRoom:
    """A running agent and its user, in room `name`."""

    name: str
    session: AgentSession[Any]
    user: UserParticipant
    agent: Agent
    room: rtc.Room  # the agent's connection
    script: Script | None = None
    refused: list[str] = field(default_factory=list)  # requests lkemu refused, so far

    @property
    def stt(self) -> FakeSTT:
        return _fake(self.session.stt, FakeSTT)

    @property
    def llm(self) -> FakeLLM:
        return _fake(self.session.llm, FakeLLM)

    @property
    def tts(self) -> FakeTTS:
        return _fake(self.session.tts, FakeTTS)

    @property
    def vad(self) -> FakeVAD:
        return _fake(self.session.vad, FakeVAD)

    def latencies(self) -> list[TurnLatency]:
        """Per user turn (each `user.say()`), how long things took, on lkemu.agents.clock:
        under simulated time these are exact and the same every run."""
        user = self.user
        turns = []
        for index, spoken in enumerate(user.spoken):
            end = spoken.ended_at
            following = user.spoken[index + 1 :]
            until = following[0].started_at if following else float("inf")

            heard = user.agent_audio.first_voiced_after(end)
            transcript = next(
                (
                    t.received_at
                    for t in user.transcriptions
                    if t.final and t.track_id == user.microphone_sid and t.received_at >= end
                ),
                None,
            )
            completion = next(
                (c for c in self._models("llm", "completions") if end <= c.started_at < until),
                None,
            )
            synthesis = next(
                (s for s in self._models("tts", "syntheses") if end <= s.started_at < until), None
            )
            turns.append(
                TurnLatency(
                    index,
                    end,
                    response=_within(heard, end, until),
                    transcript=_within(transcript, end, until),
                    llm_ttft=completion.ttft if completion and completion.first_token_at else None,
                    tts_ttfb=synthesis.ttfb if synthesis and synthesis.first_audio_at else None,
                )
            )
        return turns

    def _models(self, kind: str, records: str) -> list[Any]:
        model = getattr(self.session, kind)
        return list(getattr(model, records, []))

    def conversation(self) -> list[tuple[str, str]]:
        """The session's chat history as (role, text) messages."""
        return [(m.role, m.text_content or "") for m in self.session.history.messages()]


def _within(moment: float | None, start: float, until: float) -> float | None:
    """`moment` as a delay after `start`, if it falls before `until`."""
    return None if moment is None or not start <= moment < until else moment - start


def _fake(model: object, kind: type[_Fake]) -> _Fake:
    if not isinstance(model, kind):
        raise TypeError(f"the session's model is {type(model).__name__}, not a {kind.__name__}")
    return model


@contextlib.asynccontextmanager
async def agent_room(
    agent: Agent,
    *,
    script: Script | None = None,
    session: AgentSession[Any] | None = None,
    room: str | None = None,
    user: UserParticipant | None = None,
    agent_identity: str = "agent",
    room_options: room_io.RoomOptions | None = None,
    url: str = DEFAULT_URL,
    job_context: bool = True,
    ready_timeout: float = 10.0,
    check_refusals: bool = True,
) -> AsyncIterator[AgentRoom]:
    """Start `agent` in an lkemu room with a user, yield them, then close everything.

    The session is `session`, else `script.session()` (fakes playing the script, offline
    turn handling), else that of an empty Script. The user (by default
    `UserParticipant("user")`) joins first and publishes its microphone; the agent joins as
    a participant of kind agent, starts the session linked to the user (`room_options`, by
    default RoomOptions(participant_identity=<the user>)), inside livekit-agents' fake job
    context (`get_job_context()` works in the agent) unless `job_context=False`. Yields
    once the agent listens to the microphone and has published its `lk.agent.state`.

    On the way out: the session closes, the agent and the user leave. If lkemu refused a
    request meanwhile (something it does not emulate yet) and the block raised nothing,
    raises LkemuRefusedRequests, unless `check_refusals=False`.
    """
    ensure_lkemu()
    script = script if script is not None or session is not None else Script()
    if session is None:
        assert script is not None
        session = script.session()
    name = room or f"agent-room-{uuid.uuid4().hex[:8]}"
    user = user or UserParticipant("user", agent_identity=agent_identity)
    if user.agent_identity is None:
        user.agent_identity = agent_identity
    refusals = _Refusals()
    logging.getLogger().addHandler(refusals)
    agent_rtc = rtc.Room()
    stack = contextlib.ExitStack()
    running = AgentRoom(name, session, user, agent, agent_rtc, script, refusals.messages)
    raised = False
    try:
        await user.join(name, url=url)
        # as an agent worker's token: of kind agent, allowed to set its own attributes
        token = access_token(
            agent_identity, name, name="Agent", kind="agent", canUpdateOwnMetadata=True
        )
        await agent_rtc.connect(url, token)
        if job_context:
            from livekit.agents.testing import fake_job_context

            stack.enter_context(fake_job_context(room=agent_rtc, agent_identity=agent_identity))
        await session.start(
            agent,
            room=agent_rtc,
            room_options=room_options or room_io.RoomOptions(participant_identity=user.identity),
        )
        await user.wait_until(
            lambda: user.microphone_subscribed.is_set() or user.microphone is None,
            "the agent to subscribe to the user's microphone",
            ready_timeout,
        )
        await user.wait_until(
            lambda: user.agent_state not in (None, "initializing"),
            "the agent's lk.agent.state",
            ready_timeout,
        )
        yield running
    except BaseException:
        raised = True
        raise
    finally:
        try:
            await session.aclose()
        finally:
            await agent_rtc.disconnect()
            await user.aclose()
            await asyncio.sleep(0.2)  # the FFI's last log events
            logging.getLogger().removeHandler(refusals)
            with contextlib.suppress(ValueError):  # torn down in another context than set up
                stack.close()
    if check_refusals and refusals.messages and not raised:
        raise LkemuRefusedRequests(
            "lkemu refused requests (not emulated yet):\n" + "\n".join(refusals.messages)
        )
