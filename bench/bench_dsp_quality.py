"""DSP quality, lkemu's APM and native livekit's on the same generated scenes, one stage at
a time (engine/dsp/quality_scenes.py, which tests/test_dsp_quality.py holds lkemu to), and
the echo cancellation matrix of issue 17 (engine/dsp/echo_scenes.py, 288 cells at 16 kHz),
whose per-cell figures this writes to bench/aec_matrix.md, the README's per-cell table.

These are measurements, not timings: the benchmark fixture only times one pass. The ratio
column gives lkemu's figure minus native's, in the row's unit.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lkemu.engine.dsp import echo_scenes
from lkemu.engine.dsp import quality_scenes as q

HIGH_PASS_ROW = "APM high-pass filter alone (16 kHz): a tone's level change at 50 / 60 Hz / 1 kHz"
NOISE_ROW = (
    "APM noise suppression alone (16 kHz), speech with white / pink noise at 5 dB SNR: "
    "the noise where the talker is silent"
)
SPEECH_KEPT_ROW = "same: the talker's level where they talk, white / pink noise"
GAIN_ROW = "APM gain control alone (16 kHz): speech at -40 dBFS settles at"
ECHO_ROW = (
    "APM echo cancellation alone (16 kHz), speech through a room 40 ms late, delay stated: "
    "ERLE over 2-8 s / talker's level during double talk"
)
ECHO_SECONDS_ROW = "same: ERLE in each second, 1 to 8"
MATRIX_ROW = (
    "echo cancellation matrix (3 far ends x 3 rooms x echo gains 0.1-2 x delays 0-250 ms, "
    "16 kHz): cells at target of 144 with the delay stated / 144 unstated"
)
MATRIX_LOWEST_ROW = "same: lowest ERLE at 1.5-2.0 s, stated / unstated"
MATRIX_TALKER_ROW = (
    "same: largest change of the talker's level during double talk, stated / unstated"
)
README_ROWS = [
    HIGH_PASS_ROW,
    NOISE_ROW,
    SPEECH_KEPT_ROW,
    GAIN_ROW,
    ECHO_ROW,
    ECHO_SECONDS_ROW,
    MATRIX_ROW,
    MATRIX_LOWEST_ROW,
    MATRIX_TALKER_ROW,
]
MATRIX_FILE = Path(__file__).with_name("aec_matrix.md")
NATIVE_STAGE = {
    "high_pass_filter": "high_pass_filter",
    "noise_suppression": "noise_suppression",
    "gain_control": "auto_gain_control",
    "echo_cancellation": "echo_cancellation",
}


def native_processor(rtc: Any, stage: str) -> q.Processor:
    """Native livekit's APM with only `stage` enabled, driven as quality_scenes describes."""

    def process(capture: np.ndarray, reverse: np.ndarray | None, delay_ms: int) -> np.ndarray:
        apm = rtc.AudioProcessingModule(**{NATIVE_STAGE[stage]: True})

        def step(frame: np.ndarray, far: np.ndarray | None) -> np.ndarray:
            if far is not None:
                apm.process_reverse_stream(rtc.AudioFrame(far.tobytes(), q.RATE, 1, q.HOP))
                apm.set_stream_delay_ms(delay_ms)
            audio = rtc.AudioFrame(frame.tobytes(), q.RATE, 1, q.HOP)
            apm.process_stream(audio)
            return np.frombuffer(audio.data, dtype=np.int16)

        return q.run_frames(step, capture, reverse)

    return process


def _measure(benchmark: Any, native_rtc: Any, measure: Callable[[q.Processor], Any], stage: str):  # type: ignore[no-untyped-def]
    """`measure` on lkemu's APM (timed once by the benchmark fixture) and on native's."""
    lkemu = benchmark.pedantic(measure, (q.lkemu_processor(stage),), rounds=1)
    return [("lkemu", lkemu), ("native", measure(native_processor(native_rtc, stage)))]


def test_high_pass_quality(benchmark, bench_report, native_rtc) -> None:  # type: ignore[no-untyped-def]
    for side, measured in _measure(benchmark, native_rtc, q.high_pass, "high_pass_filter"):
        for part, frequency in enumerate(q.HUM_FREQUENCIES):
            change = measured.change_db[frequency]
            bench_report(HIGH_PASS_ROW, side, change, unit="dB", part=part, better="difference")


def test_noise_suppression_quality(benchmark, bench_report, native_rtc) -> None:  # type: ignore[no-untyped-def]
    def both_noises(process: q.Processor) -> list[q.NoiseSuppression]:
        return [q.noise_suppression(process, kind) for kind in q.NOISE_KINDS]

    for side, measured in _measure(benchmark, native_rtc, both_noises, "noise_suppression"):
        for part, result in enumerate(measured):
            for row, value in (
                (NOISE_ROW, result.noise_attenuation_db),
                (SPEECH_KEPT_ROW, result.speech_change_db),
            ):
                bench_report(row, side, value, unit="dB", part=part, better="difference")


def test_gain_control_quality(benchmark, bench_report, native_rtc) -> None:  # type: ignore[no-untyped-def]
    for side, level in _measure(benchmark, native_rtc, q.gain_control, "gain_control"):
        bench_report(GAIN_ROW, side, level, unit="dBFS", better="difference")


def test_echo_cancellation_quality(benchmark, bench_report, native_rtc) -> None:  # type: ignore[no-untyped-def]
    measure = q.echo_cancellation
    for side, measured in _measure(benchmark, native_rtc, measure, "echo_cancellation"):
        bench_report(ECHO_ROW, side, measured.erle_converged_db, unit="dB", better="difference")
        bench_report(
            ECHO_ROW, side, measured.talker_kept_db, unit="dB", part=1, better="difference"
        )
        for second, erle in enumerate(measured.erle_per_second_db):
            bench_report(ECHO_SECONDS_ROW, side, erle, unit="dB", part=second, better="difference")


def _cell(cell: echo_scenes.Cell) -> tuple[echo_scenes.Cell, echo_scenes.Result]:
    return cell, echo_scenes.run_cell(cell, q.RATE)


def _passes(result: echo_scenes.Result) -> bool:
    """tools/aec_matrix.py's target on a cell."""
    return (
        result.erle_db >= 20.0 and result.erle_after_db >= 20.0 and abs(result.talker_kept_db) <= 6
    )


def matrix_table(measured: dict[echo_scenes.Cell, echo_scenes.Result]) -> list[str]:
    """The per-cell table: one line per scene, with the delay stated and unstated."""
    lines = [
        "| far end | room | echo gain | delay | stated: ERLE 1.5-2 s / after double talk "
        "| talker | to 20 dB | unstated: ERLE 1.5-2 s / after double talk | talker | to 20 dB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for cell in echo_scenes.matrix():
        if cell.stated:
            continue
        row = [cell.far_end, cell.room, f"{cell.gain:g}", f"{cell.delay_ms} ms"]
        for stated in (True, False):
            result = measured[
                echo_scenes.Cell(cell.far_end, cell.room, cell.gain, cell.delay_ms, stated)
            ]
            reach = "-" if result.time_to_20_db is None else f"{result.time_to_20_db:.2f} s"
            mark = "" if _passes(result) else " (below target)"
            row += [
                f"{result.erle_db:.1f} / {result.erle_after_db:.1f} dB{mark}",
                f"{result.talker_kept_db:+.1f} dB",
                reach,
            ]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def test_echo_matrix(benchmark, bench_report) -> None:  # type: ignore[no-untyped-def]
    cells = echo_scenes.matrix()
    with ProcessPoolExecutor(min(2, os.cpu_count() or 1)) as pool:
        measured = dict(benchmark.pedantic(lambda: list(pool.map(_cell, cells)), rounds=1))
    for part, stated in enumerate((True, False)):
        chosen = [r for c, r in measured.items() if c.stated == stated]
        bench_report(MATRIX_ROW, "lkemu", sum(map(_passes, chosen)), part=part, better="higher")
        bench_report(
            MATRIX_LOWEST_ROW, "lkemu", min(r.erle_db for r in chosen), unit="dB", part=part
        )
        worst = max((r.talker_kept_db for r in chosen), key=abs)
        bench_report(MATRIX_TALKER_ROW, "lkemu", worst, unit="dB", part=part)
    for row in (MATRIX_ROW, MATRIX_LOWEST_ROW, MATRIX_TALKER_ROW):
        bench_report.note(row, "native", "python -m tools.aec_matrix --native (slow)")
    MATRIX_FILE.write_text("\n".join(matrix_table(measured)) + "\n")


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__, "-o", "python_files=bench_*.py", "--benchmark-only", "-q", "-s"])
