import pytest
from livekit.agents import Agent

from lkemu.agents import AgentRoom, Script, Turn


@pytest.fixture
def agent() -> Agent:
    return Agent(instructions="You are a weather assistant.")


@pytest.fixture
def agent_script() -> Script:
    return Script([Turn("What is the weather like in Paris?", "It is sunny in Paris today.")])


@pytest.mark.asyncio
async def test_the_agent_answers(agent_room: AgentRoom) -> None:
    user = agent_room.user
    await user.say(1.5)  # seconds of speech-like audio: the fake STT hears the turn's words
    assert await user.wait_for_reply() == "It is sunny in Paris today."
    assert user.agent_audio.voiced_seconds > 0.5  # the user heard the agent speak
    assert user.agent_states[-2:] == ["speaking", "listening"]  # lk.agent.state
    assert agent_room.llm.completions[0].user_text == "What is the weather like in Paris?"
