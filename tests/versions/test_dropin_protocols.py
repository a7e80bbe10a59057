"""The drop-in's emulated library speaking an older release's protocol, end to end through
an engine, without that release installed: its bytes are built and read with the release's
own message types (tests/versions/protocols.tar.xz), as its SDK would.

The supported range is checked at `lkemu.install()`, before livekit.rtc is imported.
"""

from __future__ import annotations

import ctypes
import os
import queue
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lkemu.bindings.control import EngineControl
from lkemu.bindings.dropin import EmulatedLibrary
from lkemu.bindings.embedded import EmbeddedEngine
from lkemu.bindings.versions import NEWEST, OLDEST, check_supported, is_supported
from lkemu.bindings.versions.support import UnsupportedSdkVersion
from tests.helpers import make_token
from tests.versions.protocols import adapter, message

ROOT = Path(__file__).resolve().parents[2]


class OldSdk:
    """The C entry points driven as a given release's SDK drives them."""

    def __init__(self, engine: EmbeddedEngine, version: str) -> None:
        self.version = version
        self.Request = message(version, "FfiRequest")
        self.Response = message(version, "FfiResponse")
        self.Event = message(version, "FfiEvent")
        self.library = EmulatedLibrary(engine.address, adapter=adapter(version))
        self.events: queue.Queue[Any] = queue.Queue()

        def callback(data: Any, size: int) -> None:
            self.events.put(self.Event.FromString(ctypes.string_at(data, size)))

        self.library.livekit_ffi_initialize(callback, True, b"python", version.encode())

    def request(self, fill: Callable[[Any], None]) -> Any:
        request = self.Request()
        fill(request)
        data = request.SerializeToString()
        buffer = (ctypes.c_ubyte * len(data)).from_buffer_copy(data)
        pointer, size = ctypes.c_void_p(), ctypes.c_size_t()
        handle = self.library.livekit_ffi_request(
            buffer, len(data), ctypes.byref(pointer), ctypes.byref(size)
        )
        assert handle, f"{request.WhichOneof('message')} refused"
        assert pointer.value is not None
        response = self.Response.FromString(ctypes.string_at(pointer.value, size.value))
        self.library.livekit_ffi_drop_handle(handle)
        return response

    def next_event(self, accept: Callable[[Any], bool], timeout: float = 5.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            event = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            if accept(event):
                return event

    def seen(self) -> list[Any]:
        found = []
        while True:
            try:
                found.append(self.events.get_nowait())
            except queue.Empty:
                return found

    def close(self) -> None:
        self.library.livekit_ffi_dispose()


@pytest.fixture
def sdk_1_1_3(engine: EmbeddedEngine) -> Iterator[OldSdk]:
    made = OldSdk(engine, "1.1.3")
    yield made
    made.close()


def _room_event(name: str) -> Callable[[Any], bool]:
    return lambda e: (
        e.WhichOneof("message") == "room_event" and (e.room_event.WhichOneof("message") == name)
    )


def test_a_release_before_the_renumbering_joins_a_room_and_reads_it_right(
    engine: EmbeddedEngine, sdk_1_1_3: OldSdk
) -> None:
    """livekit 1.1.3 (ParticipantInfo numbered before 1.1.4) connects, sees a participant
    join with its metadata and kind, never gets participant_active (it has no such event),
    and gets chat from it as the raw stream packets its SDK reads itself."""
    room = f"v113-{uuid.uuid4().hex[:8]}"
    token = make_token("agent", room, metadata="agent metadata", attributes={"a": "1"})

    def connect(request: Any) -> None:
        request.connect.url, request.connect.token = "ws://lkemu", token
        request.connect.options.auto_subscribe = True

    async_id = sdk_1_1_3.request(connect).connect.async_id
    done = sdk_1_1_3.next_event(
        lambda e: e.WhichOneof("message") == "connect" and e.connect.async_id == async_id
    )
    local = done.connect.result.local_participant.info
    assert (local.identity, local.metadata, dict(local.attributes)) == (
        "agent", "agent metadata", {"a": "1"},
    )  # fmt: skip

    control = EngineControl.connect(engine.address)
    try:
        control.inject_participant(room, "caller", metadata="caller metadata", kind="sip")
        joined = sdk_1_1_3.next_event(_room_event("participant_connected"))
        info = joined.room_event.participant_connected.info.info
        assert (info.identity, info.metadata) == ("caller", "caller metadata")
        assert info.kind == 3  # PARTICIPANT_KIND_SIP in 1.1.3's numbering too

        control.send_text(room, "caller", "hello from a 1.2.1 peer", topic="lk.chat")
        header = sdk_1_1_3.next_event(_room_event("stream_header_received"))
        assert header.room_event.stream_header_received.header.topic == "lk.chat"
        chunk = sdk_1_1_3.next_event(_room_event("stream_chunk_received"))
        assert chunk.room_event.stream_chunk_received.chunk.content == b"hello from a 1.2.1 peer"
        sdk_1_1_3.next_event(_room_event("stream_trailer_received"))
    finally:
        control.close()
    time.sleep(0.2)
    kinds = {e.room_event.WhichOneof("message") for e in sdk_1_1_3.seen() if e.room_event}
    assert "participant_active" not in kinds  # dropped: 1.1.3 has no such event


def test_the_range_is_checked() -> None:
    assert OLDEST == "1.0.23" and NEWEST == "1.2.1"
    for inside in ("1.0.23", "1.0.25", "1.1.14", "1.1.21", "1.2.0", "1.2.1"):
        assert is_supported(inside) and check_supported(inside) == inside
    for outside in ("0.9.0", "1.0.20", "1.0.22", "1.2.2", "2.0.0", "1.2.1rc1", "junk"):
        assert not is_supported(outside)
    with pytest.raises(UnsupportedSdkVersion, match=r"^lkemu supports livekit 1\.0\.23 to "
                       r"1\.2\.1; this is livekit 0\.9\.0$"):  # fmt: skip
        check_supported("0.9.0")


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True, text=True, timeout=120, cwd=ROOT, env={**os.environ, **env},
    )  # fmt: skip


def test_install_refuses_an_sdk_outside_the_range(tmp_path: Path) -> None:
    """Before importing anything of it (livekit < 1.1 loads its library on import)."""
    rtc = tmp_path / "livekit" / "rtc"
    rtc.mkdir(parents=True)
    (rtc / "version.py").write_text('__version__ = "0.9.0"\n')
    (rtc / "__init__.py").write_text('raise SystemExit("livekit.rtc was imported")\n')
    done = _python(
        "import lkemu\n"
        "try:\n    lkemu.install()\nexcept RuntimeError as error:\n    print('refused:', error)\n",
        PYTHONPATH=str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert "refused: lkemu supports livekit 1.0.23 to 1.2.1; this is livekit 0.9.0" in done.stdout


def test_the_installed_sdk_needs_no_adapter() -> None:
    pytest.importorskip("livekit.rtc", reason="livekit (parity extra) not installed")
    done = _python(
        "import lkemu\nlkemu.install()\n"
        "from lkemu.bindings.dropin import installed_library\n"
        "from livekit.rtc.version import __version__\n"
        "print(__version__, installed_library().adapter)\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [NEWEST, "None"]
