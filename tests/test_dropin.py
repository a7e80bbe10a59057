"""The drop-in backend: unmodified livekit.rtc code on an lkemu engine, never the native library.

Each scenario runs in its own Python process: the drop-in must be installed before
livekit.rtc is used, and the native library must never be mapped in that process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.native import require_native

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("livekit.rtc", reason="livekit (parity extra) not installed")


def _python(code: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, **env},
    )


def _pytest_sdk_suite(*extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "tests/sdk", "-p", "no:cacheprovider", *extra],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "LKEMU_SDK_SUITE": "1"},
    )


def test_sdk_suite_passes_on_lkemu() -> None:
    done = _pytest_sdk_suite("--lkemu", "-rs")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout


def test_sdk_suite_passes_on_simulated_time() -> None:
    """The same suite with the engine on each test's own loop, on simulated time: only the
    control service's tests skip (it needs a served engine)."""
    done = _pytest_sdk_suite("--lkemu", "--lkemu-clock", "simulated", "-rs")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    skipped = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skipped and all("needs a served engine" in line for line in skipped), skipped
    assert " passed" in done.stdout


def test_sdk_suite_passes_natively() -> None:
    require_native()
    done = _pytest_sdk_suite()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_drop_in_never_loads_the_native_library() -> None:
    done = _python(
        """
        import lkemu
        lkemu.install()
        from livekit import rtc
        from lkemu.bindings.dropin import native_library_loaded
        source = rtc.AudioSource(48000, 1)
        print("native", native_library_loaded())
        """
    )
    assert done.returncode == 0, done.stderr
    assert "native False" in done.stdout


def test_install_after_native_initialisation_is_refused() -> None:
    require_native()
    done = _python(
        """
        from livekit.rtc._ffi_client import FfiClient
        FfiClient.instance
        import lkemu
        try:
            lkemu.install()
        except RuntimeError as error:
            print("refused:", error)
        """
    )
    assert done.returncode == 0, done.stderr
    assert "refused: livekit.rtc was already initialised with its native library" in done.stdout


def test_a_refused_request_takes_the_sdks_own_error_path() -> None:
    """Handle 0 and an error log, as native: the SDK asserts, and logs the reason."""
    done = _python(
        """
        import lkemu
        lkemu.install()
        from livekit.rtc._ffi_client import FfiClient
        from livekit.rtc._proto import ffi_pb2
        request = ffi_pb2.FfiRequest()
        request.capture_audio_frame.source_handle = 424242
        request.capture_audio_frame.buffer.data_ptr = 0
        request.capture_audio_frame.buffer.num_channels = 1
        request.capture_audio_frame.buffer.sample_rate = 48000
        request.capture_audio_frame.buffer.samples_per_channel = 0
        try:
            FfiClient.instance.request(request)
        except AssertionError:
            print("handle 0")
        import time; time.sleep(0.3)
        """
    )
    assert done.returncode == 0, done.stderr
    assert "handle 0" in done.stdout
    assert "failed to handle request capture_audio_frame" in done.stderr


def test_lkemu_run_runs_the_stt_example_without_the_native_library() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lkemu", "run", "--clock", "virtual", "--",
         sys.executable, "tools/examples/stt_forwarding.py"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "native library loaded: no" in done.stdout
    assert "segments in" in done.stdout


def test_lkemu_run_on_simulated_time() -> None:
    """`lkemu run --clock simulated`: no engine process; the program's loop runs on
    simulated time with the engine on it, so 15 s of audio and sleep take no 15 s."""
    program = textwrap.dedent(
        """
        import asyncio
        from livekit import rtc

        async def main():
            loop = asyncio.get_running_loop()
            start = loop.time()
            source = rtc.AudioSource(48000, 1)
            frame = rtc.AudioFrame(b"\\0\\0" * 480, 48000, 1, 480)
            for _ in range(500):  # 5 s, captured at most in real time, as native
                await source.capture_frame(frame)
            await asyncio.sleep(10)
            print(type(loop).__name__, round(loop.time() - start, 2))

        asyncio.run(main())
        """
    )
    done = subprocess.run(
        [sys.executable, "-m", "lkemu", "run", "--clock", "simulated", "--",
         sys.executable, "-c", program],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    kind, seconds = done.stdout.split()
    assert kind == "SimulatedTimeLoop"
    assert 14.0 <= float(seconds) <= 15.1  # 5 s of audio (less its 1 s queue) + 10 s asleep


LEAK_SCENARIO = """
import asyncio, resource
import numpy as np
import lkemu
lkemu.install()
from livekit import rtc
from lkemu.bindings.dropin import installed_library

def rss_kib():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS:"))

async def main():
    source = rtc.AudioSource(48000, 1)
    track = rtc.LocalAudioTrack.create_audio_track("t", source)
    stream = rtc.AudioStream(track, sample_rate=48000, num_channels=1)
    chunk = np.zeros(48000, np.int16)  # one second: 100 frames of 10 ms
    received, marks = 0, {}

    async def read():
        nonlocal received
        async for event in stream:
            received += 1
            if received in (2000, 10000):
                marks[received] = rss_kib()
            if received >= 10000:
                return

    reader = asyncio.create_task(read())
    while not reader.done():
        await source.capture_frame(rtc.AudioFrame(chunk.tobytes(), 48000, 1, 48000))
    await reader
    await stream.aclose()
    memory = installed_library().backend.memory
    print("held", memory.held_bytes(), "owners", memory.owners())
    print("rss_growth_kib", marks[10000] - marks[2000])

asyncio.run(main())
"""


def test_received_frames_leave_no_memory_behind() -> None:
    """10,000 frames received and dropped through the SDK: client memory back to baseline."""
    done = _python(LEAK_SCENARIO, timeout=300, LKEMU_CLOCK="virtual")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "held 0 owners 0" in done.stdout, done.stdout
    growth = int(done.stdout.split("rss_growth_kib")[1].split()[0])
    # 8,000 leaked frames of 960 bytes would be 7,500 KiB
    assert growth < 2000, done.stdout


def test_a_stream_ends_within_2_s_when_its_engine_dies() -> None:
    done = _python(
        """
        import asyncio, os, signal, time
        import lkemu
        lkemu.install()
        from livekit import rtc
        from lkemu.bindings.embedded import embedded_engine

        async def main():
            source = rtc.AudioSource(48000, 1)
            track = rtc.LocalAudioTrack.create_audio_track("mic", source)
            stream = rtc.AudioStream(track, sample_rate=48000, num_channels=1)
            await asyncio.sleep(0.2)
            os.kill(embedded_engine().process.pid, signal.SIGKILL)
            started = time.monotonic()

            async def drain():
                async for _ in stream:
                    pass

            await asyncio.wait_for(drain(), 10)
            print(f"ended after {time.monotonic() - started:.2f} s")

        asyncio.run(main())
        """,
        LKEMU_ADDRESS="",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seconds = float(done.stdout.split("ended after ")[1].split()[0])
    assert seconds < 2.0
