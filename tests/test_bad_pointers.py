"""Bad pointers get an error, never a crash (issue 16): every request kind with a *_ptr
field x every way a pointer goes wrong x a live, a zero and an unknown handle
(tests/bad_pointers.py), through lkemu's FfiClient (both lanes, in this process: a crash
would end the run) and through the drop-in under the real SDK (in its own process), and
against the native library where it refuses the same requests (a zero or unknown handle).

Also the memory access itself (bindings/safe_memory.py, each strategy it may choose) and
in-place results, which are written only into the buffer the request named.
"""

from __future__ import annotations

import asyncio
import functools
import json
import mmap
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lkemu.bindings import FfiClient, FfiRequestError, safe_memory
from lkemu.bindings.embedded import EmbeddedEngine
from lkemu.bindings.local_lane import LocalMemory
from lkemu.bindings.pointers import ClientMemory, collect_inputs, request_regions
from lkemu.engine.core.errors import MemoryFault
from lkemu.engine.core.memory import Memory as EngineMemory
from lkemu.proto import engine_pb2, ffi_pb2, video_frame_pb2
from tests import bad_pointers
from tests.bad_pointers import Case, build, cases, expected, make_live_handles
from tests.helpers import Peer, make_token
from tests.native import native_unavailable_reason

ROOT = Path(__file__).resolve().parent.parent
CASES = cases()
IDS = [case.id for case in CASES]
# The kinds native answers for a zero or unknown handle (video_convert takes no handle).
NATIVE_KINDS = {
    "capture_audio_frame", "publish_data", "push_sox_resampler", "capture_video_frame",
    "capture_video_frame_i420", "remix_and_resample", "apm_process_stream",
    "apm_process_reverse_stream", "capture_encoded_video_frame",
}  # fmt: skip
NATIVE_CASES = [c for c in CASES if c.kind in NATIVE_KINDS and c.handle in ("zero", "unknown")]


def test_the_cases_cover_every_request_with_a_pointer() -> None:
    with_pointers = {
        field.name
        for field in ffi_pb2.FfiRequest.DESCRIPTOR.oneofs_by_name["message"].fields
        if field.message_type is not None and _has_pointer(field.message_type)
    }
    assert with_pointers == {case.request_kind for case in CASES}
    assert len(CASES) >= 190
    for case in CASES:  # and the bindings see the pointer of each
        regions = request_regions(build(case, {}, _MEMORY))
        assert bad_pointers.FIELDS[case.kind] in {region.field for region in regions}


def _has_pointer(descriptor: Any, seen: frozenset[str] = frozenset()) -> bool:
    if descriptor.full_name in seen:
        return False
    for field in descriptor.fields:
        if field.name.endswith("_ptr"):
            return True
        if field.message_type is not None and _has_pointer(
            field.message_type, seen | {descriptor.full_name}
        ):
            return True
    return False


_MEMORY = bad_pointers.Memory()


# --- through lkemu's FfiClient ----------------------------------------------------------


class _Setup:
    def __init__(self, client: FfiClient) -> None:
        self.client = client
        self.memory = _MEMORY
        self.live = make_live_handles(client.request)

        async def join() -> int:
            peer = Peer(client)  # subscribes on the running loop
            await peer.connect(make_token("pointers", "bad-pointers-ffi"))
            client.queue.unsubscribe(peer.events)
            return peer.local

        self.live["publish_data"] = asyncio.run(join())


@pytest.fixture(scope="module", params=["local", "engine"])
def setup(request: pytest.FixtureRequest, engine: EmbeddedEngine) -> Iterator[_Setup]:
    client = FfiClient(address=engine.address, local_lane=request.param == "local")
    yield _Setup(client)
    client.close()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_ffi_client(setup: _Setup, case: Case) -> None:
    want = expected(case)
    request = build(case, setup.live, setup.memory)
    if want.outcome == "refused":
        with pytest.raises(FfiRequestError) as refused:
            setup.client.request(request)
        _check_refusal(case, str(refused.value))
        return
    response = setup.client.request(request)
    assert bad_pointers.response_error(response) == want.text
    for handle in bad_pointers.owned_handles(response):
        setup.client.drop_handle(handle)


def _check_refusal(case: Case, message: str) -> None:
    want = expected(case)
    size_field = bad_pointers.SIZE_FIELDS[case.kind]
    if case.variant == "huge_size" and case.handle in ("live", "none"):
        # a limit on the size's own field (a rate, a stride) may answer before the read
        assert want.text in message or size_field in message, message
    else:
        assert want.text in message, message
    if case.handle in ("live", "none") and case.kind not in bad_pointers.NOT_IMPLEMENTED:
        assert message.startswith(f"failed to handle request {case.request_kind}: ")
        if want.text == bad_pointers.FIELDS[case.kind] and want.text in message:
            # the pointer's field named: its memory was the problem
            assert "(lkemu: native would crash)" in message, message


# --- through the drop-in, under the real SDK --------------------------------------------


def _run_sdk_process(mode: str, folder: Path, **env: str) -> dict[str, dict[str, Any]]:
    """Run the cases in a process of their own; each case's result by id. Fails with the
    case a crash happened at."""
    out = folder / f"{mode}.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "tests.bad_pointers", mode, str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, **env},
    )
    results = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    if done.returncode != 0:
        after = results[-1]["id"] if results else "(none)"
        raise AssertionError(
            f"the {mode} process ended with {done.returncode} after case {after}:\n"
            f"{done.stderr[-3000:]}"
        )
    return {result["id"]: result for result in results}


@functools.cache
def _dropin_run(lane: str) -> dict[str, dict[str, Any]]:
    """The cases through the drop-in, with the local lane on ("1") or off ("0"): once."""
    with tempfile.TemporaryDirectory() as tmp:
        return _run_sdk_process("dropin", Path(tmp), LKEMU_LOCAL_LANE=lane)


@pytest.fixture(scope="module", params=["local", "engine"])
def dropin_results(request: pytest.FixtureRequest) -> dict[str, dict[str, Any]]:
    pytest.importorskip("livekit.rtc", reason="livekit (parity extra) not installed")
    return _dropin_run("1" if request.param == "local" else "0")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_dropin(dropin_results: dict[str, dict[str, Any]], case: Case) -> None:
    result = dropin_results[case.id]
    want = expected(case)
    if want.outcome == "answered":
        assert result["handle"] and result["response_error"] == want.text, result
        return
    assert result["handle"] == 0, result
    assert len(result["logs"]) == 1, result  # one error log, as native sends
    _check_refusal(case, result["logs"][0].split(" - ", 1)[-1])


# --- against the native library ---------------------------------------------------------


@pytest.fixture(scope="module")
def native_results() -> dict[str, dict[str, Any]]:
    reason = native_unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    with tempfile.TemporaryDirectory() as tmp:
        return _run_sdk_process("native", Path(tmp))


@pytest.fixture(scope="module")
def dropin_engine_lane() -> dict[str, dict[str, Any]]:
    pytest.importorskip("livekit.rtc", reason="livekit (parity extra) not installed")
    return _dropin_run("0")


@pytest.mark.parametrize("case", NATIVE_CASES, ids=[c.id for c in NATIVE_CASES])
def test_native_refuses_the_same_requests(
    native_results: dict[str, dict[str, Any]],
    dropin_engine_lane: dict[str, dict[str, Any]],
    case: Case,
) -> None:
    native, lkemu = native_results[case.id], dropin_engine_lane[case.id]
    assert native["handle"] == 0 == lkemu["handle"]
    # native logs the request and `InvalidRequest("handle not found")`; lkemu the reason
    reason = expected(case).text
    assert len(native["logs"]) == 1 and f'InvalidRequest("{reason}")' in native["logs"][0]
    assert len(lkemu["logs"]) == 1 and reason in lkemu["logs"][0]


def test_video_convert_refuses_an_unsupported_pair_before_reading(client: FfiClient) -> None:
    """Native answers "rgba to Rgb24 is not supported" even at 0x10 (measured): the pair is
    checked before the buffer is read."""
    request = ffi_pb2.FfiRequest()
    info = request.video_convert.buffer
    info.type, info.width, info.height, info.data_ptr = video_frame_pb2.RGBA, 64, 64, 0x10
    request.video_convert.dst_type = video_frame_pb2.RGB24
    response = client.request(request)
    assert response.video_convert.error == "invalid request: rgba to Rgb24 is not supported"


# --- the memory access itself -----------------------------------------------------------

STRATEGIES = ["madvise", "process_vm"]


@pytest.fixture(params=STRATEGIES)
def strategy(request: pytest.FixtureRequest) -> Iterator[str]:
    try:
        with safe_memory.using(request.param):
            if not safe_memory._works(safe_memory._strategy):
                pytest.skip(f"{request.param} does not work on this kernel")
            yield request.param
    except AttributeError as error:
        pytest.skip(f"{request.param} unavailable: {error}")


def test_good_memory_reads_and_writes(strategy: str) -> None:
    data = (np.arange(300000) % 251).astype(np.uint8)
    big = np.tile(data, 28)  # 8.4 MB: more pages than one probe batch (1024)
    for buffer in (data[:960], data, big):
        address = buffer.ctypes.data
        safe_memory.check_readable(address, buffer.nbytes)
        safe_memory.check_readable(address + 1, buffer.nbytes - 1)
        assert safe_memory.read_bytes(address, buffer.nbytes) == buffer.tobytes()
        assert bytes(safe_memory.read(address, buffer.nbytes)) == buffer.tobytes()
    safe_memory.write(data.ctypes.data + 1, b"\x07\x08")
    assert list(data[:4]) == [0, 7, 8, 3]


@pytest.mark.parametrize("variant", [v for v in bad_pointers.VARIANTS if v != "misaligned"])
def test_bad_memory_is_refused(strategy: str, variant: str) -> None:
    address = _MEMORY.pointer(variant)
    size = 1 << 40 if variant == "huge_size" else 960
    with pytest.raises(safe_memory.BadAddress) as fault:
        safe_memory.read_bytes(address, size)
    assert (fault.value.address, fault.value.size) == (address, size)
    with pytest.raises(safe_memory.BadAddress):
        safe_memory.read(address, size)
    with pytest.raises(safe_memory.BadAddress):
        safe_memory.check_readable(address, size)
    if variant != "huge_size":
        with pytest.raises(safe_memory.BadAddress):
            safe_memory.write(address, bytes(size))


def test_read_only_memory_is_read_and_not_written(strategy: str) -> None:
    page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ)
    view = memoryview(page)
    address = np.frombuffer(view, dtype=np.uint8).ctypes.data
    assert safe_memory.read_bytes(address, 16) == bytes(16)
    with pytest.raises(safe_memory.BadAddress, match="not writable"):
        safe_memory.write(address, b"\x01" * 16)
    assert safe_memory.read_bytes(address, 16) == bytes(16)
    view.release()
    page.close()


def test_the_strategy_chosen_here_checks() -> None:
    assert safe_memory.strategy_name() in ("madvise", "process_vm")  # Linux: never unchecked


# --- in-place results go only where the request said ------------------------------------


def _apm_request(buffer: np.ndarray) -> ffi_pb2.FfiRequest:
    request = ffi_pb2.FfiRequest()
    process = request.apm_process_stream
    process.apm_handle, process.data_ptr, process.size = 1, buffer.ctypes.data, buffer.nbytes
    process.sample_rate, process.num_channels = 48000, 1
    return request


def test_in_place_results_are_written_only_into_the_named_buffer() -> None:
    named, other = np.zeros(480, np.int16), np.zeros(480, np.int16)
    request = _apm_request(named)
    memory = ClientMemory()

    def in_place(address: int, data: bytes) -> engine_pb2.Blob:
        return engine_pb2.Blob(kind=engine_pb2.Blob.IN_PLACE, address=address, data=data)

    memory.apply(ffi_pb2.FfiResponse(), [in_place(named.ctypes.data, b"\x01\x00" * 480)], request)
    assert (named == 1).all()
    for address, size in [
        (other.ctypes.data, 960),  # another buffer
        (named.ctypes.data + 2, 960),  # runs past the named one
        (named.ctypes.data - 2, 4),  # starts before it
    ]:
        with pytest.raises(MemoryFault, match="no in-place buffer of the request"):
            memory.apply(ffi_pb2.FfiResponse(), [in_place(address, bytes(size))], request)
    with pytest.raises(MemoryFault):  # an event answers no request: nothing in place
        memory.apply(ffi_pb2.FfiEvent(), [in_place(named.ctypes.data, bytes(960))])
    capture = ffi_pb2.FfiRequest()  # a buffer a request reads is not one it may get back
    capture.capture_audio_frame.buffer.data_ptr = other.ctypes.data
    capture.capture_audio_frame.buffer.samples_per_channel = 480
    capture.capture_audio_frame.buffer.num_channels = 1
    with pytest.raises(MemoryFault):
        memory.apply(ffi_pb2.FfiResponse(), [in_place(other.ctypes.data, bytes(960))], capture)
    assert (other == 0).all() and (named == 1).all()


def test_the_local_lane_writes_back_only_into_the_named_buffer() -> None:
    named, other = np.zeros(480, np.int16), np.zeros(480, np.int16)
    memory = LocalMemory(ClientMemory(), _apm_request(named))
    memory.write_in_place(named.ctypes.data, b"\x02\x00" * 480)
    assert (named == 2).all()
    with pytest.raises(MemoryFault, match="no in-place buffer"):
        memory.write_in_place(other.ctypes.data, bytes(960))
    assert (other == 0).all()


def test_an_unwritable_in_place_buffer_is_an_error(lane_client: FfiClient) -> None:
    page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ)
    view = memoryview(page)
    frame = np.frombuffer(view, dtype=np.int16)[:480]
    new = ffi_pb2.FfiRequest()
    new.new_apm.high_pass_filter_enabled = True
    request = _apm_request(frame)
    request.apm_process_stream.apm_handle = lane_client.request(new).new_apm.apm.handle.id
    with pytest.raises(FfiRequestError, match=r": data_ptr: 960 bytes at .* are not writable"):
        lane_client.request(request)
    assert bytes(view[:960]) == bytes(960)
    del frame
    view.release()
    page.close()


# --- what travels to the engine -----------------------------------------------------------


def test_a_bad_plane_is_named_and_the_good_ones_still_travel() -> None:
    memory = _MEMORY
    case = Case("capture_video_frame_i420", "unmapped", "live")
    request = build(case, {"capture_video_frame_i420": 5}, memory)
    blobs = collect_inputs(request)
    faults = [blob for blob in blobs if blob.error]
    assert [blob.address for blob in faults] == [memory.unmapped]
    assert faults[0].error.startswith("buffer.components[1].data_ptr: 1024 bytes at ")
    good = memory.good.ctypes.data
    assert {blob.address for blob in blobs if not blob.error} == {good, good + 4096 + 1024}
    engine_memory = EngineMemory(blobs)
    assert bytes(engine_memory.read(good, 16)) == memory.good[:16].tobytes()
    with pytest.raises(MemoryFault, match=r"components\[1\]"):
        engine_memory.read(memory.unmapped, 1024)


def test_contiguous_planes_travel_as_one_blob() -> None:
    frame = np.zeros(64 * 64 * 3 // 2, np.uint8)
    request = ffi_pb2.FfiRequest()
    info = request.capture_video_frame.buffer
    info.type, info.width, info.height, info.data_ptr = video_frame_pb2.I420, 64, 64, 0
    base = frame.ctypes.data
    for offset, stride, size in [(0, 64, 4096), (4096, 32, 1024), (5120, 32, 1024)]:
        info.components.add(data_ptr=base + offset, stride=stride, size=size)
    (blob,) = collect_inputs(request)
    assert blob.address == base and len(blob.data) == frame.nbytes and not blob.error
