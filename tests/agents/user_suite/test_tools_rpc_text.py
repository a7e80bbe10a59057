"""A user's agent with a function tool and an RPC method: the user types to it, speaks a WAV
file to it, and calls its RPC, through lkemu's agent fixtures."""

import json
from pathlib import Path

import pytest
from livekit import rtc
from livekit.agents import Agent, RunContext, function_tool, get_job_context

from lkemu.agents import AgentRoom, Script, ToolCall, Turn, speech_like, wav_bytes

ASKED = "What is the weather in Paris?"
ANSWER = "It is sunny in Paris."


class WeatherAgent(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="You answer questions about the weather.")
        self.looked_up: list[str] = []

    async def on_enter(self) -> None:
        # as in a worker: the job's room, here the agent's connection in the lkemu room
        room = get_job_context().room
        room.local_participant.register_rpc_method("weather.lookups", self.lookups)

    async def lookups(self, data: rtc.RpcInvocationData) -> str:
        return json.dumps({"caller": data.caller_identity, "cities": self.looked_up})

    @function_tool
    async def get_weather(self, context: RunContext, city: str) -> str:
        """The weather in a city."""
        self.looked_up.append(city)
        return f"sunny in {city}"


@pytest.fixture
def agent() -> WeatherAgent:
    return WeatherAgent()


@pytest.fixture
def agent_script() -> Script:
    return Script(
        [
            Turn(ASKED, ANSWER, tool_calls=[ToolCall("get_weather", {"city": "Paris"})]),
            Turn("Thank you!", "You are welcome.", llm_delay=0.05),
        ]
    )


@pytest.mark.asyncio
async def test_typed_question_runs_the_tool(agent_room: AgentRoom, agent: WeatherAgent) -> None:
    user = agent_room.user
    await user.send_text(ASKED)  # on lk.chat, the agent's text input
    assert await user.wait_for_reply() == ANSWER
    assert agent.looked_up == ["Paris"]
    asked, answered = agent_room.llm.completions
    assert asked.tool_calls == [ToolCall("get_weather", {"city": "Paris"})]
    assert answered.tool_outputs == ["sunny in Paris"] and answered.reply == ANSWER
    assert agent_room.stt.heard == []  # typed, not spoken
    lookups = json.loads(await user.perform_rpc("weather.lookups"))
    assert lookups == {"caller": user.identity, "cities": ["Paris"]}


@pytest.mark.asyncio
async def test_spoken_wav_file(agent_room: AgentRoom, tmp_path: Path) -> None:
    user = agent_room.user
    recording = tmp_path / "question.wav"
    recording.write_bytes(wav_bytes(speech_like(1.0, 16000), 16000))  # resampled to 48 kHz
    assert await user.say(recording) == pytest.approx(1.0)
    assert await user.wait_for_reply() == ANSWER
    assert [h.transcript for h in agent_room.stt.heard] == [ASKED]
    assert agent_room.stt.heard[0].utterance.speech == pytest.approx(1.0, abs=0.25)
    await user.say(0.6)
    assert await user.wait_for_reply() == "You are welcome."
    assert user.transcripts(user.identity) == [ASKED, "Thank you!"]
