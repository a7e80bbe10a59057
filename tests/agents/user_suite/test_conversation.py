"""A 30-second voice conversation, three user turns, end to end on lkemu.

The user speaks three utterances of generated speech-like audio; the agent hears them
through an AudioStream at 16 kHz feeding the STT, answers through the fake LLM and TTS, and
publishes audio the user receives; its words reach the user's `lk.transcription` handler.
On simulated time (`--lkemu-clock simulated`) the whole conversation runs five times, and
its per-turn latencies are the same every time and are the fakes' scripted delays.
"""

import asyncio
import dataclasses
import os

import numpy as np
import pytest
from livekit.agents import Agent, room_io

from lkemu.agents import Script, Turn, TurnLatency, agent_room

SIMULATED = os.environ.get("LKEMU_CLOCK") == "simulated"
TICK_S = 0.010
INPUT_FRAME_S = 0.050  # RoomIO's audio input frames (AudioInputOptions.frame_size_ms)
FAKE_STT_MIN_SILENCE_S = 0.3  # FakeSTT's default: silence that ends an utterance

SCRIPT = Script(
    [
        Turn(
            "What is the weather like in Paris?",
            "It is sunny in Paris today, with a light breeze from the west and a high of "
            "twenty four degrees in the afternoon.",
        ),
        Turn(
            "And tomorrow?",
            "Tomorrow brings clouds in the morning and some rain in the evening, so take an "
            "umbrella if you go out after six.",
        ),
        Turn(
            "Thank you, goodbye.",
            "You are welcome. Have a lovely day in Paris, and enjoy the sunshine while it "
            "lasts this week.",
        ),
    ],
    stt_delay=0.2,
    llm_delay=0.35,
    tts_delay=0.15,
)
UTTERANCES_S = (3.0, 2.0, 2.5)
PAUSE_S = 1.0  # after the agent's answer, before the user speaks again


@dataclasses.dataclass
class Conversation:
    """One conversation: per-turn latencies, its length on the loop's clock, each check of
    what was heard and said (name -> (passed, what was measured)), and per audio path the
    10 ms frames of speech that arrived of those sent (name -> (arrived, sent, arrived over
    sent as measured: voiced blocks, or energy))."""

    latencies: list[TurnLatency]
    duration: float
    checks: dict[str, tuple[bool, object]]
    frames: dict[str, tuple[int, int, float]] = dataclasses.field(default_factory=dict)

    def failed(self) -> dict[str, object]:
        return {name: measured for name, (passed, measured) in self.checks.items() if not passed}


async def converse(script: Script) -> Conversation:
    """The conversation, with `script`'s models (the same turns as SCRIPT)."""
    options = room_io.RoomOptions(
        participant_identity="user",
        audio_input=room_io.AudioInputOptions(sample_rate=16000),
    )
    agent = Agent(instructions="You are a weather assistant.")
    async with agent_room(agent, script=script, room_options=options) as room:
        user = room.user
        loop = asyncio.get_running_loop()
        began = loop.time()
        for index, (seconds, turn) in enumerate(zip(UTTERANCES_S, SCRIPT.turns, strict=True)):
            await user.say(seconds)
            assert await user.wait_for_reply(timeout=20) == turn.agent
            await user.wait_for_transcription(turn.agent, timeout=5)
            await asyncio.sleep(PAUSE_S)
            assert len(room.stt.heard) == index + 1
        duration = loop.time() - began

        checks: dict[str, tuple[bool, object]] = {}
        # The agent heard every utterance through a 16 kHz AudioStream, as said.
        checks["stt at 16 kHz"] = (room.stt.sample_rates == {16000}, room.stt.sample_rates)
        heard = [h.transcript for h in room.stt.heard]
        checks["stt heard each turn"] = (heard == [t.user for t in SCRIPT.turns], heard)
        lengths = [h.utterance.end - h.utterance.start for h in room.stt.heard]
        checks["utterance lengths"] = (
            len(lengths) == len(UTTERANCES_S)
            and all(
                abs(m - s) <= INPUT_FRAME_S + 1e-9
                for m, s in zip(lengths, UTTERANCES_S, strict=True)
            ),
            lengths,
        )
        # The user heard all the agent said: every synthesized second, to the 10 ms block,
        # and all its energy (a frame lost or repeated on the way would change it).
        syntheses = room.tts.syntheses
        spoken = sum(synthesis.seconds for synthesis in syntheses)
        checks["tts finished"] = (all(s.finished for s in syntheses), len(syntheses))
        voiced = user.agent_audio.voiced_seconds
        checks["heard every second"] = (
            abs(voiced - spoken) <= 2 * TICK_S * len(syntheses),
            (voiced, spoken),
        )
        pcm = user.agent_audio.pcm().astype(np.float64) / 32768.0
        heard_energy = float(np.sum(pcm**2)) / user.sample_rate
        amplitude = room.tts.amplitude
        spoken_energy = spoken * amplitude**2 / 2  # a sine's mean square, times its seconds
        ratio = heard_energy / spoken_energy if spoken_energy else 0.0
        checks["heard all the energy"] = (abs(ratio - 1.0) <= 0.02, round(ratio, 4))
        frame = user.sample_rate // 100
        checks["whole 10 ms frames"] = (user.agent_audio.samples % frame == 0, frame)
        # Its words reached the user's lk.transcription handler, as it said them.
        said = user.transcripts()
        checks["transcripts"] = (said == [turn.agent for turn in SCRIPT.turns], said)
        checks["nothing refused"] = (room.refused == [], room.refused)
        # Every frame of speech, both ways, in 10 ms frames: the user's into the agent's STT
        # stream (16 kHz; the agent's input gain changes its level, not which blocks are
        # speech: a lost frame is 2-5 blocks fewer, where alignment adds at most one per
        # utterance), and the agent's TTS audio at the user (48 kHz), counted by energy
        # (a lost frame takes its share; the resampler kept it to 1e-5, measured).
        said_blocks = sum(s.voiced_blocks for s in user.spoken)
        synthesized = sum(s.energy for s in syntheses)
        energy_frames = round(spoken * 100 * heard_energy / synthesized) if synthesized else 0
        counted = {
            "user speech into the STT": (
                min(room.stt.voiced_blocks, said_blocks), said_blocks,
                round(room.stt.voiced_blocks / said_blocks, 5) if said_blocks else 0.0,
            ),
            "agent speech at the user": (
                min(energy_frames, round(spoken * 100)), round(spoken * 100),
                round(heard_energy / synthesized, 5) if synthesized else 0.0,
            ),
        }  # fmt: skip
        return Conversation(room.latencies(), duration, checks, counted)


@pytest.mark.asyncio
@pytest.mark.skipif(
    not SIMULATED,
    reason="30 s of conversation, six times: runs on simulated time "
    "(bench/bench_agents.py runs it on the real and virtual clocks)",
)
async def test_a_thirty_second_conversation_on_simulated_time() -> None:
    runs = [await converse(SCRIPT) for _ in range(5)]
    for run in runs:
        assert not run.failed(), run.failed()
    latencies, duration = runs[0].latencies, runs[0].duration
    assert duration >= 25.0, duration  # a 30-second conversation, on its own clock
    for turn in latencies:
        # The fakes' scripted delays, exactly (simulated time waits them to the float).
        assert turn.llm_ttft is not None and abs(turn.llm_ttft - SCRIPT.llm_delay) < 1e-9
        assert turn.tts_ttfb is not None and abs(turn.tts_ttfb - SCRIPT.tts_delay) < 1e-9
        assert turn.response is not None and turn.transcript is not None
        # The user's words come back the STT's scripted delay after its segmenter saw the
        # silence that ends them, within one input frame (and a text packet's transfer).
        heard_end = FAKE_STT_MIN_SILENCE_S + SCRIPT.stt_delay
        assert heard_end <= turn.transcript < heard_end + INPUT_FRAME_S + 0.002, turn
    # The same timeline every run. (The runs share one loop whose clock goes on, so floats
    # differ in their last bits, and text packets' sizes, hence their 10 Mbit/s transfer
    # times, by a few bytes: compared to 0.1 ms.)
    for other in runs[1:]:
        assert [t.rounded(4) for t in other.latencies] == [t.rounded(4) for t in latencies]
        assert round(other.duration, 4) == round(duration, 4)

    # Slower models, same conversation: each reply comes later by exactly what was added.
    slower = dataclasses.replace(SCRIPT, llm_delay=0.85, tts_delay=0.40)
    slower_run = await converse(slower)
    assert not slower_run.failed(), slower_run.failed()
    slower_latencies = slower_run.latencies
    added = (slower.llm_delay - SCRIPT.llm_delay) + (slower.tts_delay - SCRIPT.tts_delay)
    for fast, slow in zip(latencies, slower_latencies, strict=True):
        assert fast.response is not None and slow.response is not None
        # to the 10 ms tick: the later timeline meets the frames of the pipeline elsewhere
        assert abs((slow.response - fast.response) - added) <= TICK_S + 1e-6, (fast, slow)
    print(
        "\n".join(
            f"turn {t.turn}: response {t.response:.3f} s, transcript {t.transcript:.4f} s, "
            f"llm ttft {t.llm_ttft:.3f} s, tts ttfb {t.tts_ttfb:.3f} s"
            for t in latencies
            if t.response is not None and t.transcript is not None
        )
    )
