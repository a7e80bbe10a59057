"""Print the echo cancellation matrix of issue 17: every cell's ERLE, talker level and time
to 20 dB, through lkemu's APM (and native livekit's, with --native).

python -m tools.aec_matrix                 # all 288 cells at 16 kHz, 2 processes
python -m tools.aec_matrix --jobs 1 --rate 48000 --match speech-rt300
python -m tools.aec_matrix --native        # native ERLE and talker level beside (slow)

Cells and measures are engine/dsp/echo_scenes.py's; tests/test_aec_matrix.py runs a
36-cell slice of the same matrix and holds it to the targets.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from lkemu.engine.dsp import echo_scenes as scenes

NATIVE_SCRIPT = """
import sys
import numpy as np
from livekit import rtc

with np.load(sys.argv[1]) as data:
    far, near = data["far"], data["near"]
    rate, stated = int(data["rate"]), int(data["stated"])
hop = rate // 100
apm = rtc.AudioProcessingModule(echo_cancellation=True)
out = np.zeros(len(near), dtype=np.int16)
for start in range(0, len(near) - hop + 1, hop):
    apm.process_reverse_stream(rtc.AudioFrame(far[start : start + hop].tobytes(), rate, 1, hop))
    if stated >= 0:
        apm.set_stream_delay_ms(stated)
    frame = rtc.AudioFrame(near[start : start + hop].tobytes(), rate, 1, hop)
    apm.process_stream(frame)
    out[start : start + hop] = np.frombuffer(frame.data, dtype=np.int16)
np.save(sys.argv[2], out)
"""


def run_native(cell: scenes.Cell, rate: int) -> scenes.Result:
    """The cell through native livekit in a child process (its library stays out of ours)."""
    played = scenes.scene(cell, rate)
    with tempfile.TemporaryDirectory() as folder:
        inputs, output = Path(folder) / "in.npz", Path(folder) / "out.npy"
        np.savez(
            inputs,
            far=scenes.to_int16(played.far),
            near=scenes.to_int16(played.near),
            rate=np.array(rate),
            stated=np.array(cell.delay_ms if cell.stated else -1),
        )
        subprocess.run([sys.executable, "-c", NATIVE_SCRIPT, str(inputs), str(output)], check=True)
        out = np.load(output) / 32768.0
    # Native delays its output (64-142 samples at 16 kHz): align on the talker.
    talk = slice(round(scenes.DOUBLE_TALK[0] * rate), round(scenes.DOUBLE_TALK[1] * rate))
    talker = played.talker[talk]
    latency = max(
        range(round(0.03 * rate)),
        key=lambda lag: abs(float(out[talk.start + lag : talk.stop + lag] @ talker)),
    )
    return scenes.measure(played, out, latency, cell.delay_ms)


def _lkemu(job: tuple[scenes.Cell, int]) -> tuple[scenes.Cell, scenes.Result, float]:
    cell, rate = job
    started = time.process_time()
    result = scenes.run_cell(cell, rate)
    return cell, result, time.process_time() - started


def _passes(cell: scenes.Cell, result: scenes.Result) -> bool:
    return (
        result.erle_db >= 20.0
        and abs(result.talker_kept_db) <= 6.0
        and result.erle_after_db >= 20.0
    )


def _reach(result: scenes.Result) -> str:
    return "-" if result.time_to_20_db is None else f"{result.time_to_20_db:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=16000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--match", default="", help="only cells whose name contains this")
    parser.add_argument("--native", action="store_true", help="run native livekit too")
    args = parser.parse_args()
    cells = [cell for cell in scenes.matrix() if args.match in cell.name]
    started = time.perf_counter()
    jobs = [(cell, args.rate) for cell in cells]
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            measured = list(pool.map(_lkemu, jobs))
    else:
        measured = [_lkemu(job) for job in jobs]
    wall = time.perf_counter() - started
    header = f"{'cell':42} {'ERLE':>6} {'after':>6} {'talker':>7} {'to 20':>6}"
    if args.native:
        header += f" | {'native ERLE':>11} {'talker':>7} {'to 20':>6}"
    print(header)
    failing = []
    for cell, result, _ in measured:
        line = (
            f"{cell.name:42} {result.erle_db:6.1f} {result.erle_after_db:6.1f} "
            f"{result.talker_kept_db:7.1f} {_reach(result):>6}"
        )
        if args.native:
            native = run_native(cell, args.rate)
            line += f" | {native.erle_db:11.1f} {native.talker_kept_db:7.1f} {_reach(native):>6}"
        if not _passes(cell, result):
            failing.append(cell.name)
            line += "  below target"
        print(line, flush=True)
    results = [result for _, result, _ in measured]
    cpu = sum(seconds for _, _, seconds in measured)
    for label, chosen in (
        ("stated", [r for (c, r, _) in measured if c.stated]),
        ("unstated", [r for (c, r, _) in measured if not c.stated]),
    ):
        if chosen:
            erle = np.array([r.erle_db for r in chosen])
            kept = np.array([r.talker_kept_db for r in chosen])
            print(
                f"{label}: {len(chosen)} cells, ERLE min {erle.min():.1f} median "
                f"{np.median(erle):.1f} dB, talker min {kept.min():.1f} dB"
            )
    print(
        f"{len(results) - len(failing)} of {len(results)} cells at target "
        f"(ERLE >= 20 dB at 1.5-2.0 s and after double talk, talker within 6 dB); "
        f"{wall:.0f} s wall, {cpu:.0f} s CPU in lkemu"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
