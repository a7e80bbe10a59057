"""The end-to-end checks of an AgentSession on lkemu, through lkemu's agent fixtures.

The user publishes a 48 kHz microphone and says something (speech-like audio, then
silence); the agent (livekit-agents' AgentSession on lkemu.agents' fakes) hears it, answers,
speaks the answer and publishes both transcriptions. Checked: the user's `lk.transcription`
handler gets the agent's answer and the user's own words, naming the right tracks; the user
hears the agent's audio (about as much as the TTS made, at its pitch); every model saw what
it should; nothing was logged as an error or a warning by the SDK; and lkemu refused no
request (the `agent_room` fixture fails the test otherwise).
"""

import logging
from typing import Any

import pytest
from livekit.agents import Agent

from lkemu.agents import AgentRoom, Script, Turn

USER_SAYS = "What is the weather like in Paris?"
AGENT_SAYS = "It is sunny in Paris today. Enjoy your walk along the river!"
INSTRUCTIONS = "You are a friendly assistant who answers in two short sentences."
SPEECH_SECONDS = 1.5
TONE_HZ = 440.0


@pytest.fixture
def agent() -> Agent:
    return Agent(instructions=INSTRUCTIONS)


@pytest.fixture
def agent_script() -> Script:
    return Script(
        [Turn(USER_SAYS, AGENT_SAYS)],
        stt_delay=0.2,
        llm_delay=0.25,
        tts_delay=0.1,
        tts_frequency=TONE_HZ,
    )


def _problems(records: list[logging.LogRecord]) -> list[str]:
    """Errors, and the SDK's or the agent's warnings about something it could not do."""
    found = []
    for record in records:
        message = f"{record.name} {record.levelname}: {record.getMessage()}"
        sdk_warning = record.name == "livekit"  # the SDK's own logger
        if record.levelno >= logging.ERROR or (
            record.levelno >= logging.WARNING and (sdk_warning or "failed to" in message)
        ):
            found.append(message)
    return found


@pytest.mark.asyncio
async def test_the_answer_reaches_the_user(
    agent_room: AgentRoom, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    session_errors: list[Any] = []
    agent_room.session.on("error", lambda event: session_errors.append(event.error))
    user = agent_room.user

    await user.say(SPEECH_SECONDS)
    assert await user.wait_for_reply() == AGENT_SAYS
    await user.wait_until(
        lambda: user.transcripts(user.identity), "the user's own words", timeout=3
    )

    assert not _problems(caplog.records)
    assert not session_errors
    assert not agent_room.refused

    # the models: one utterance of about what was said, the LLM asked about it
    stt, vad, llm, tts = agent_room.stt, agent_room.vad, agent_room.llm, agent_room.tts
    assert [h.transcript for h in stt.heard] == [USER_SAYS]
    assert stt.heard[0].utterance.speech == pytest.approx(SPEECH_SECONDS, abs=0.3)
    assert len(vad.utterances) == 1
    assert [(c.user_text, c.reply, c.completed) for c in llm.completions] == [
        (USER_SAYS, AGENT_SAYS, True)
    ]
    assert INSTRUCTIONS in llm.completions[0].instructions
    conversation = agent_room.conversation()
    assert ("user", USER_SAYS) in conversation and ("assistant", AGENT_SAYS) in conversation

    # lk.transcription: the agent's answer names its audio track, the user's words the mic
    agent_identity = agent_room.room.local_participant.identity
    answers = [t for t in user.transcriptions if t.sender == agent_identity]
    assert answers and all(t.track_id == user.agent_audio.track_sid for t in answers)
    assert [t.text.strip() for t in answers if t.final] == [AGENT_SAYS]
    own = [t for t in user.transcriptions if t.sender == user.identity and t.final]
    assert [t.text.strip() for t in own] == [USER_SAYS]
    assert own[0].track_id == user.microphone_sid

    # the agent's voice: about as much as the TTS made, at its pitch
    made = tts.seconds_spoken
    heard = user.agent_audio.voiced_seconds
    assert 0.85 * made - 0.05 <= heard <= 1.1 * made + 0.05, (heard, made)
    assert user.agent_audio.pitch() == pytest.approx(TONE_HZ, abs=5.0)
    assert "speaking" in user.agent_states and user.agent_state == "listening"
