"""lkemu's APM, one stage at a time, on the quality scenes whose figures `make bench` prints
for lkemu and native side by side (engine/dsp/quality_scenes.py, bench/bench_dsp_quality.py):
the targets each stage holds, on exactly those signals, driven as the SDK drives the APM."""

from __future__ import annotations

import pytest

from lkemu.engine.dsp import quality_scenes as q
from lkemu.engine.dsp.echo import EchoCanceller


def test_high_pass_removes_hum_and_keeps_the_voice_band() -> None:
    change = q.high_pass(q.lkemu_processor("high_pass_filter")).change_db
    print("level change by tone:", {f: round(db, 2) for f, db in change.items()})
    assert change[50] <= -20.0 and change[60] <= -20.0
    assert abs(change[1000]) <= 0.5


@pytest.mark.parametrize("kind", q.NOISE_KINDS)
def test_noise_suppression_lowers_noise_and_keeps_the_talker(kind: str) -> None:
    measured = q.noise_suppression(q.lkemu_processor("noise_suppression"), kind)
    print(kind, measured)
    assert measured.noise_attenuation_db <= -10.0
    assert abs(measured.speech_change_db) <= 3.0


def test_gain_control_raises_quiet_speech_towards_its_target() -> None:
    level = q.gain_control(q.lkemu_processor("gain_control"))
    print(f"speech at -40 dBFS settles at {level:.1f} dBFS")
    assert abs(level - q.AGC_TARGET_DBFS) <= 3.0


def test_echo_cancellation_converges_and_keeps_the_talker() -> None:
    assert EchoCanceller(q.RATE).latency_frames == q.HOP  # the suppressor's overlap-add
    measured = q.echo_cancellation(q.lkemu_processor("echo_cancellation"))
    print("ERLE per second:", [round(db, 1) for db in measured.erle_per_second_db])
    assert measured.erle_converged_db >= 20.0
    assert min(measured.erle_per_second_db[2:]) >= 20.0  # converged within 2 s
    assert abs(measured.talker_kept_db) <= 3.0
