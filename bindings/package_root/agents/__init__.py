"""Testing livekit-agents voice agents on lkemu: fakes of the models, a user, a room.

    from lkemu.agents import Script, Turn, agent_room

    async with agent_room(MyAgent(), script=Script([Turn("Hi there", "Hello!")])) as room:
        await room.user.say(1.0)                   # a second of speech-like audio
        await room.user.wait_for_transcription("Hello!")

- `FakeSTT`, `FakeLLM`, `FakeTTS`, `FakeVAD`: scriptable fakes on livekit-agents' base
  classes (lkemu.agents.fakes); `Script` and `Turn` describe a conversation and make them.
- `UserParticipant`: a user joining with its own token, speaking into a microphone and
  collecting the agent's transcriptions, audio and `lk.agent.state`, calling its RPC.
- `agent_room()`: an AgentSession with your Agent and a user in one lkemu room, cleaned up
  after; under `pytest --lkemu` the `agent_room` fixture does the same.

Needs livekit-agents (`pip install 'lkemu[agents]'`); `import lkemu` itself does not.
"""

from __future__ import annotations

try:
    import livekit.agents  # noqa: F401
except ImportError as error:  # pragma: no cover - the message is the point
    raise ImportError(
        f"lkemu.agents needs livekit-agents ({error}): pip install 'lkemu[agents]'"
    ) from error

from .audio import dominant_frequency, level_dbfs, read_wav, speech_like, tone, wav_bytes
from .fakes import (
    Completion,
    FakeLLM,
    FakeSTT,
    FakeTTS,
    FakeVAD,
    Heard,
    Reply,
    Synthesis,
    ToolCall,
    Utterance,
)
from .room import AgentRoom, LkemuRefusedRequests, TurnLatency, agent_room
from .script import Script, Turn
from .tokens import access_token
from .user import AgentAudio, Spoken, Transcription, UserParticipant

__all__ = [
    "AgentAudio",
    "AgentRoom",
    "Completion",
    "FakeLLM",
    "FakeSTT",
    "FakeTTS",
    "FakeVAD",
    "Heard",
    "LkemuRefusedRequests",
    "Reply",
    "Script",
    "Spoken",
    "Synthesis",
    "ToolCall",
    "Transcription",
    "Turn",
    "TurnLatency",
    "UserParticipant",
    "Utterance",
    "access_token",
    "agent_room",
    "dominant_frequency",
    "level_dbfs",
    "read_wav",
    "speech_like",
    "tone",
    "wav_bytes",
]
