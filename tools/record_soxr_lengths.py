"""Record how many frames native livekit's sox resampler returns per push and flush.

    .venv/bin/python tools/record_soxr_lengths.py            # rewrite the table
    .venv/bin/python tools/record_soxr_lengths.py --check    # compare native with the table

It runs livekit 1.2.1's own library (so it needs the SDK with its native core: .venv) over
every recipe (QUICK to VERYHIGH), every pair of 8, 16, 22.05, 24, 44.1 and 48 kHz, and four
ways of cutting the input (10 ms, 20 ms and 137-frame pushes, one push of 1.5 s), each
followed by a flush. The table (tests/data/soxr_push_lengths.json) lets
tests/test_soxr_lengths.py check lkemu's lengths push by push where native cannot load.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

TABLE = Path(__file__).resolve().parent.parent / "tests" / "data" / "soxr_push_lengths.json"
LIVEKIT_VERSION = "1.2.1"
RATES = (8000, 16000, 22050, 24000, 44100, 48000)
QUALITIES = {0: "QUICK", 1: "LOW", 2: "MEDIUM", 3: "HIGH", 4: "VERYHIGH"}
FLUSH = -1  # in a list of pushes: a flush


def pushes(chunking: str, rate: int) -> list[int]:
    """The push sizes (in frames) of one way of cutting the input; a flush ends each."""
    sizes = {
        "10ms": [rate // 100] * 8,  # MEDIUM and up give their first burst at the 4th
        "20ms": [rate // 50] * 6,
        "137": [137] * 10,
        "one push": [rate * 3 // 2 + 7],
    }[chunking]
    return [*sizes, FLUSH]


CHUNKINGS = ("10ms", "20ms", "137", "one push")


def cases() -> list[tuple[int, int, int, str]]:
    """(quality, input rate, output rate, chunking) of every recorded case."""
    return [
        (quality, rate_in, rate_out, chunking)
        for quality in QUALITIES
        for rate_in in RATES
        for rate_out in RATES
        if rate_in != rate_out
        for chunking in CHUNKINGS
    ]


def native_lengths(
    quality: int, rate_in: float, rate_out: float, channels: int, operations: list[int]
) -> list[int]:
    """Frames native returns for each push (a size) or flush (FLUSH), in this process."""
    import ctypes

    from livekit.rtc._ffi_client import FfiClient, FfiHandle
    from livekit.rtc._proto import audio_frame_pb2, ffi_pb2

    client = FfiClient.instance
    request = ffi_pb2.FfiRequest()
    new = request.new_sox_resampler
    new.input_rate, new.output_rate, new.num_channels = rate_in, rate_out, channels
    new.input_data_type = audio_frame_pb2.SOXR_DATATYPE_INT16I
    new.output_data_type = audio_frame_pb2.SOXR_DATATYPE_INT16I
    new.quality_recipe = quality  # type: ignore[assignment]
    owned = FfiHandle(client.request(request).new_sox_resampler.resampler.handle.id)
    handle = owned.handle
    lengths = []
    for size in operations:
        call = ffi_pb2.FfiRequest()
        if size == FLUSH:
            call.flush_sox_resampler.resampler_handle = handle
            answer: Any = client.request(call).flush_sox_resampler
        else:
            samples = (ctypes.c_int16 * max(1, size * channels))()
            call.push_sox_resampler.resampler_handle = handle
            call.push_sox_resampler.data_ptr = ctypes.addressof(samples)
            call.push_sox_resampler.size = 2 * size * channels
            answer = client.request(call).push_sox_resampler
        if answer.error:
            raise RuntimeError(f"native sox resampler: {answer.error}")
        lengths.append(answer.size // (2 * channels))
    owned.dispose()
    return lengths


def record() -> dict[str, Any]:
    rows = [
        [quality, rate_in, rate_out, chunking,
         native_lengths(quality, rate_in, rate_out, 1, pushes(chunking, rate_in))]
        for quality, rate_in, rate_out, chunking in cases()
    ]  # fmt: skip
    return {"livekit": LIVEKIT_VERSION, "flush": FLUSH, "cases": rows}


def write(table: dict[str, Any], path: Path) -> None:
    """One case a line: small to commit, easy to read in a diff."""
    lines = [json.dumps(row, separators=(",", ":")) for row in table["cases"]]
    head = f'{{"livekit":"{table["livekit"]}","flush":{table["flush"]},"cases":[\n'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head + ",\n".join(lines) + "\n]}\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare native with the table")
    args = parser.parse_args()
    from livekit.rtc.version import __version__

    if __version__ != LIVEKIT_VERSION:
        print(f"the table is of livekit {LIVEKIT_VERSION}, this is {__version__}")
        return 1
    table = record()
    if args.check:
        recorded = json.loads(TABLE.read_text())
        same = recorded["cases"] == table["cases"]
        print(f"{TABLE.name}: {'matches' if same else 'differs from'} native")
        return 0 if same else 1
    write(table, TABLE)
    print(f"wrote {len(table['cases'])} cases to {TABLE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
