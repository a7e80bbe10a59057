"""Requests with bad pointers: every request kind with a *_ptr field x every way a pointer
goes wrong x a live, a zero and an unknown handle. Shared by tests/test_bad_pointers.py
(lkemu's FfiClient, in process) and by the processes it starts: the drop-in under the real
SDK, and the native library itself (`python -m tests.bad_pointers dropin|native OUT`).

What native livekit 1.2.1 does (measured, each case in its own process): it looks the
handle up first, so a zero or unknown handle is refused with handle 0 whatever the pointer
("handle is invalid", "handle not found"); with a live handle a bad pointer kills the
process (SIGSEGV, or an abort on an assertion for a null video buffer). lkemu refuses the
latter naming the field. apm_process_* check alignment after the handle and answer
"data_ptr must be aligned for i16"; the others accept a misaligned buffer.
"""

from __future__ import annotations

import ctypes
import json
import mmap
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from lkemu.proto import audio_frame_pb2, ffi_pb2, video_frame_pb2

T = video_frame_pb2.VideoBufferType
PAGE = mmap.PAGESIZE
WIDTH = HEIGHT = 64  # video frames: RGBA 16 KB, I420 6 KB
UNKNOWN_HANDLE = 987_654_321

# Each way a pointer goes wrong, and one that is only misaligned (valid memory, odd address).
VARIANTS = [
    "null",  # 0
    "low",  # 0x10: the zero page, never mapped
    "kernel",  # 0xffff800000000000
    "noncanonical",  # 0x0000800000000000: just past user space
    "unmapped",  # a page this process mapped and unmapped
    "prot_none",  # a page mapped without access
    "past_end",  # starts 100 bytes before the end of a mapping
    "wrap",  # 0xffffffffffffff00: the range wraps past 2^64
    "huge_size",  # a valid address with a size far past its mapping
    "misaligned",  # valid memory at an odd address
]
HANDLE_MODES = ["live", "zero", "unknown"]

# kind -> the field that names its handle (None: it takes none). The kind names the request,
# except for the *_i420 kinds: the same request with a planar frame whose second plane is bad.
KINDS: dict[str, str | None] = {
    "capture_audio_frame": "source_handle",
    "remix_and_resample": "resampler_handle",
    "push_sox_resampler": "resampler_handle",
    "apm_process_stream": "apm_handle",
    "apm_process_reverse_stream": "apm_handle",
    "publish_data": "local_participant_handle",
    "capture_video_frame": "source_handle",
    "capture_video_frame_i420": "source_handle",
    "capture_encoded_video_frame": "source_handle",
    "video_convert": None,
    "video_convert_i420": None,
}
# The field a bad pointer is in, as lkemu's error names it.
FIELDS = {
    "capture_audio_frame": "buffer.data_ptr",
    "remix_and_resample": "buffer.data_ptr",
    "push_sox_resampler": "data_ptr",
    "apm_process_stream": "data_ptr",
    "apm_process_reverse_stream": "data_ptr",
    "publish_data": "data_ptr",
    "capture_video_frame": "buffer.data_ptr",
    "capture_video_frame_i420": "buffer.components[1].data_ptr",
    "capture_encoded_video_frame": "buffer.data_ptr",
    "video_convert": "buffer.data_ptr",
    "video_convert_i420": "buffer.components[1].data_ptr",
}
# The field that sets how many bytes the pointer names: a huge one may be refused by its own
# limit (a sample rate, a stride) before any memory is read, and that error names it.
SIZE_FIELDS = {
    "capture_audio_frame": "samples_per_channel",
    "remix_and_resample": "samples_per_channel",
    "push_sox_resampler": "size",
    "apm_process_stream": "size",
    "apm_process_reverse_stream": "size",
    "publish_data": "data_len",
    "capture_video_frame": "stride",
    "capture_video_frame_i420": "stride",
    "capture_encoded_video_frame": "data_len",
    "video_convert": "stride",
    "video_convert_i420": "stride",
}
NOT_IMPLEMENTED: set[str] = set()  # kinds lkemu refuses whatever the pointer: none now
# Pointers a kind refuses itself before reading them, as native does: its own error.
OWN_CHECKS = {
    ("capture_encoded_video_frame", "null"): "encoded frame payload pointer must be non-null"
}


@dataclass(frozen=True)
class Case:
    kind: str
    variant: str
    handle: str  # "live", "zero", "unknown", or "none" (a kind without a handle)

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.variant}-{self.handle}"

    @property
    def request_kind(self) -> str:
        return self.kind.removesuffix("_i420")


def cases() -> list[Case]:
    return [
        Case(kind, variant, mode)
        for kind, handle_field in KINDS.items()
        for variant in VARIANTS
        for mode in (HANDLE_MODES if handle_field else ["none"])
    ]


@dataclass(frozen=True)
class Expected:
    outcome: str  # "refused" (handle 0) or "answered"
    text: str  # what the error (or, answered, the response's error field) contains


def expected(case: Case) -> Expected:
    if case.kind in NOT_IMPLEMENTED:
        return Expected("refused", "is not implemented in lkemu")
    if case.handle == "zero":
        return Expected("refused", "handle is invalid")
    if case.handle == "unknown":
        return Expected("refused", "handle not found")
    if (case.kind, case.variant) in OWN_CHECKS:
        return Expected("refused", OWN_CHECKS[case.kind, case.variant])
    if case.variant == "misaligned":
        aligned = "data_ptr must be aligned for i16" if case.kind.startswith("apm_") else ""
        return Expected("answered", aligned)
    return Expected("refused", f"{FIELDS[case.kind]}")


class Memory:
    """Good and bad memory of this process, made once: a good buffer, a page standing for an
    unmapped one, a page without access, and the last bytes of a mapping followed by a page
    without access."""

    def __init__(self) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        mmap_ = libc.mmap
        mmap_.restype = ctypes.c_void_p
        mmap_.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                          ctypes.c_int, ctypes.c_long]  # fmt: skip
        private_anonymous = 0x22
        read_write = mmap.PROT_READ | mmap.PROT_WRITE

        def mapped(pages: int, protection: int) -> int:
            address = mmap_(None, pages * PAGE, protection, private_anonymous, -1, 0)
            if address in (None, ctypes.c_void_p(-1).value):
                raise OSError(ctypes.get_errno(), "mmap failed")
            return int(address)

        self.good = np.zeros(1 << 20, dtype=np.uint8)  # 1 MB, its start aligned
        self.good[:4096] = np.arange(4096) % 251
        # "Unmapped" pages are kept reserved without access (PROT_NONE): a page really
        # unmapped does not stay so, since a later mapping (pymalloc's arenas, glibc's) can
        # take its address, and a case would then write its in-place result into live
        # memory of this process. The kernel refuses both alike (EFAULT).
        self.unmapped = mapped(1, 0)
        self.prot_none = mapped(1, 0)  # PROT_NONE
        ends = mapped(2, read_write)
        libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        libc.mprotect(ends + PAGE, PAGE, 0)
        self.past_end = ends + PAGE - 100

    def pointer(self, variant: str) -> int:
        return {
            "null": 0,
            "low": 0x10,
            "kernel": 0xFFFF_8000_0000_0000,
            "noncanonical": 0x0000_8000_0000_0000,
            "unmapped": self.unmapped,
            "prot_none": self.prot_none,
            "past_end": self.past_end,
            "wrap": 0xFFFF_FFFF_FFFF_FF00,
            "huge_size": self.good.ctypes.data,
            "misaligned": self.good.ctypes.data + 1,
        }[variant]


HUGE_32 = 0xFFFF_FFFE  # even, so a sox push of it is whole frames
HUGE_64 = 1 << 62


def _handle(case: Case, live: dict[str, int]) -> int:
    return {"live": live.get(case.kind, 0), "zero": 0, "unknown": UNKNOWN_HANDLE}.get(
        case.handle, 0
    )


def _video(info: Any, planar: bool, bad: int, huge: bool, memory: Memory) -> None:
    info.width, info.height = WIDTH, HEIGHT
    good = memory.good.ctypes.data
    if not planar:
        info.type = T.RGBA
        info.data_ptr = bad
        info.stride = WIDTH * 4 if not huge else HUGE_32
        return
    info.type = T.I420
    info.data_ptr = good
    chroma = WIDTH // 2
    luma_size, chroma_size = WIDTH * HEIGHT, chroma * (HEIGHT // 2)
    info.components.add(data_ptr=good, stride=WIDTH, size=luma_size)
    info.components.add(data_ptr=bad, stride=HUGE_32 if huge else chroma, size=chroma_size)
    info.components.add(data_ptr=good + luma_size + chroma_size, stride=chroma, size=chroma_size)


def build(case: Case, live: dict[str, int], memory: Memory) -> ffi_pb2.FfiRequest:
    """The request of `case`: a 10 ms 48 kHz mono frame (960 B), a 64x64 video frame or 960
    bytes of data, at the case's pointer, with the case's handle."""
    request = ffi_pb2.FfiRequest()
    message: Any = getattr(request, case.request_kind)
    message.SetInParent()
    handle_field = KINDS[case.kind]
    if handle_field is not None:
        setattr(message, handle_field, _handle(case, live))
    pointer = memory.pointer(case.variant)
    huge = case.variant == "huge_size"
    kind = case.request_kind
    if kind in ("capture_audio_frame", "remix_and_resample"):
        buffer = message.buffer
        buffer.data_ptr, buffer.num_channels, buffer.sample_rate = pointer, 1, 48000
        buffer.samples_per_channel = HUGE_32 // 2 if huge else 480
        if kind == "remix_and_resample":
            message.num_channels, message.sample_rate = 1, 16000
    elif kind in ("push_sox_resampler", "apm_process_stream", "apm_process_reverse_stream"):
        message.data_ptr, message.size = pointer, HUGE_32 if huge else 960
        if kind.startswith("apm_"):
            message.sample_rate, message.num_channels = 48000, 1
    elif kind == "publish_data":
        message.data_ptr, message.data_len, message.reliable = (
            pointer,
            HUGE_64 if huge else 960,
            True,
        )
    elif kind == "capture_encoded_video_frame":
        message.buffer.data_ptr, message.buffer.data_len = pointer, HUGE_64 if huge else 960
        message.width, message.height = WIDTH, HEIGHT
    elif kind == "capture_video_frame":
        _video(message.buffer, case.kind.endswith("_i420"), pointer, huge, memory)
        message.timestamp_us = 0
    elif kind == "video_convert":
        _video(message.buffer, case.kind.endswith("_i420"), pointer, huge, memory)
        message.dst_type = T.I420 if not case.kind.endswith("_i420") else T.RGBA
    return request


def make_live_handles(send: Callable[[ffi_pb2.FfiRequest], ffi_pb2.FfiResponse]) -> dict[str, int]:
    """A live handle of the right type for each kind but publish_data (that needs a room)."""

    def new(build_request: Callable[[ffi_pb2.FfiRequest], None], path: str) -> int:
        request = ffi_pb2.FfiRequest()
        build_request(request)
        response: Any = send(request)
        for name in path.split("."):
            response = getattr(response, name)
        return int(response)

    def audio_source(r: ffi_pb2.FfiRequest) -> None:
        r.new_audio_source.type = audio_frame_pb2.AUDIO_SOURCE_NATIVE
        r.new_audio_source.sample_rate, r.new_audio_source.num_channels = 48000, 1
        r.new_audio_source.queue_size_ms = 1000

    def sox(r: ffi_pb2.FfiRequest) -> None:
        m = r.new_sox_resampler
        m.input_rate, m.output_rate, m.num_channels = 48000, 16000, 1

    def video_source(r: ffi_pb2.FfiRequest) -> None:
        r.new_video_source.type = video_frame_pb2.VIDEO_SOURCE_NATIVE
        r.new_video_source.resolution.width = WIDTH
        r.new_video_source.resolution.height = HEIGHT

    source = new(audio_source, "new_audio_source.source.handle.id")
    apm = new(lambda r: r.new_apm.SetInParent(), "new_apm.apm.handle.id")

    def encoded_source(r: ffi_pb2.FfiRequest) -> None:
        video_source(r)
        r.new_video_source.type = video_frame_pb2.VIDEO_SOURCE_ENCODED

    video = new(video_source, "new_video_source.source.handle.id")
    return {
        "capture_audio_frame": source,
        "remix_and_resample": new(
            lambda r: r.new_audio_resampler.SetInParent(),
            "new_audio_resampler.resampler.handle.id",
        ),
        "push_sox_resampler": new(sox, "new_sox_resampler.resampler.handle.id"),
        "apm_process_stream": apm,
        "apm_process_reverse_stream": apm,
        "capture_video_frame": video,
        "capture_video_frame_i420": video,
        "capture_encoded_video_frame": new(encoded_source, "new_video_source.source.handle.id"),
    }


def response_error(response: ffi_pb2.FfiResponse) -> str:
    """The error field of an answered request's response, if it has one."""
    which = response.WhichOneof("message")
    inner: Any = getattr(response, which) if which else None
    if inner is not None and "error" in inner.DESCRIPTOR.fields_by_name and inner.HasField("error"):
        return str(inner.error)
    return ""


def owned_handles(response: ffi_pb2.FfiResponse) -> list[int]:
    """Handles an answered request handed out (to drop)."""
    which = response.WhichOneof("message")
    if which == "remix_and_resample":
        return [response.remix_and_resample.buffer.handle.id]
    if which == "video_convert" and response.video_convert.HasField("buffer"):
        return [response.video_convert.buffer.handle.id]
    return []


# --- the processes: the drop-in under the SDK, and the native library ---------------------


def _run_in_sdk(mode: str, out_path: str) -> None:
    """Every case (native: the refused-handle ones) through the SDK's own FfiClient and its
    library, raw: each result goes to `out_path` as one JSON line as soon as it is known,
    so a crash shows which case it was."""
    import asyncio
    import logging
    import threading
    import time

    if mode == "dropin":
        import lkemu

        lkemu.install()
    from livekit import rtc
    from livekit.rtc._ffi_client import FfiClient

    records: list[str] = []
    arrived = threading.Condition()

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            with arrived:
                records.append(record.getMessage())
                arrived.notify_all()

    sdk_logger = logging.getLogger("livekit")
    sdk_logger.addHandler(Collect())
    sdk_logger.setLevel(logging.DEBUG)
    library = FfiClient.instance._ffi_lib

    def raw(request: ffi_pb2.FfiRequest) -> tuple[int, ffi_pb2.FfiResponse | None]:
        data = request.SerializePartialToString()
        pointer = ctypes.POINTER(ctypes.c_ubyte)()
        length = ctypes.c_size_t()
        buffer = ctypes.cast(ctypes.c_char_p(data), ctypes.POINTER(ctypes.c_ubyte))
        handle = library.livekit_ffi_request(
            buffer, len(data), ctypes.byref(pointer), ctypes.byref(length)
        )
        if not handle:
            return 0, None
        response = ffi_pb2.FfiResponse.FromString(ctypes.string_at(pointer, length.value))
        library.livekit_ffi_drop_handle(handle)
        return int(handle), response

    def send(request: ffi_pb2.FfiRequest) -> ffi_pb2.FfiResponse:
        handle, response = raw(request)
        assert handle and response is not None, request
        return response

    memory = Memory()

    async def main() -> None:
        live: dict[str, int] = {}
        if mode == "dropin":
            from tests.helpers import make_token

            live = make_live_handles(send)
            room = rtc.Room()
            await room.connect("ws://lkemu", make_token("pointers", "bad-pointers"))
            live["publish_data"] = room.local_participant._ffi_handle.handle
        chosen = [c for c in cases() if mode == "dropin" or c.handle in ("zero", "unknown")]
        with open(out_path, "w") as out:
            for case in chosen:
                before = len(records)
                handle, response = raw(build(case, live, memory))
                logged: list[str] = []
                if not handle:
                    with arrived:  # the error log (an event: it may come a moment later)
                        deadline = time.monotonic() + 5
                        while len(records) == before and time.monotonic() < deadline:
                            arrived.wait(0.1)
                        logged = records[before:]
                else:
                    assert response is not None
                    for owned in owned_handles(response):
                        library.livekit_ffi_drop_handle(owned)
                result = {
                    "id": case.id,
                    "handle": handle,
                    "logs": logged,
                    "response_error": response_error(response) if response else "",
                }
                out.write(json.dumps(result) + "\n")
                out.flush()
        if mode == "dropin":
            await room.disconnect()

    asyncio.run(main())


if __name__ == "__main__":
    _run_in_sdk(sys.argv[1], sys.argv[2])
