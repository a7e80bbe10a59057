"""The local lane: process-local requests answered in the client's process, as the engine
would answer them, with handles that never mix with the engine's."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator

import numpy as np
import pytest

from lkemu.bindings import FfiClient, FfiRequestError
from lkemu.bindings.embedded import EmbeddedEngine
from lkemu.bindings.local_lane import LOCAL_HANDLE_BASE, LocalMemory
from lkemu.bindings.pointers import ClientMemory
from lkemu.proto import ffi_pb2
from tests.helpers import new_source


@pytest.fixture
def both(engine: EmbeddedEngine) -> Iterator[tuple[FfiClient, FfiClient]]:
    local = FfiClient(address=engine.address, local_lane=True)
    remote = FfiClient(address=engine.address, local_lane=False)
    yield local, remote
    local.close()
    remote.close()


def _sox(client: FfiClient) -> int:
    request = ffi_pb2.FfiRequest()
    new = request.new_sox_resampler
    new.input_rate, new.output_rate, new.num_channels = 48000, 16000, 1
    return client.request(request).new_sox_resampler.resampler.handle.id


def _push(client: FfiClient, handle: int, samples: np.ndarray) -> np.ndarray:
    request = ffi_pb2.FfiRequest()
    push = request.push_sox_resampler
    push.resampler_handle, push.data_ptr, push.size = handle, samples.ctypes.data, samples.nbytes
    pushed = client.request(request).push_sox_resampler
    return np.frombuffer(ctypes.string_at(pushed.output_ptr, pushed.size), np.int16).copy()


def _error(client: FfiClient, request: ffi_pb2.FfiRequest) -> str:
    with pytest.raises(FfiRequestError) as failed:
        client.request(request)
    return str(failed.value)


def test_local_objects_are_made_here_and_the_engine_holds_nothing(
    both: tuple[FfiClient, FfiClient],
) -> None:
    local, remote = both
    session = local.connection.session_id
    before = local.control.count_handles(session).total
    handle = _sox(local)
    assert handle >= LOCAL_HANDLE_BASE
    assert _sox(remote) < LOCAL_HANDLE_BASE
    assert local.control.count_handles(session).total == before
    assert local.local is not None and local.local.count() == 1
    assert local.drop_handle(handle)
    assert local.local.count() == 0


def test_both_lanes_give_the_same_samples(both: tuple[FfiClient, FfiClient]) -> None:
    rng = np.random.default_rng(7)
    signal = (rng.standard_normal(48000) * 3000).astype(np.int16)
    outputs = []
    for client in both:
        handle = _sox(client)
        chunks = [_push(client, handle, signal[i : i + 480]) for i in range(0, len(signal), 480)]
        outputs.append(np.concatenate(chunks))
        client.drop_handle(handle)
    assert len(outputs[0]) > 15000
    assert np.array_equal(outputs[0], outputs[1])


def test_both_lanes_refuse_alike(both: tuple[FfiClient, FfiClient]) -> None:
    for client in both:
        client_source = new_source(client)
        samples = np.zeros(480, np.int16)
        # An engine object where a resampler belongs: the engine answers, as native does.
        push = ffi_pb2.FfiRequest()
        push.push_sox_resampler.resampler_handle = client_source
        push.push_sox_resampler.data_ptr = samples.ctypes.data
        push.push_sox_resampler.size = samples.nbytes
        assert "handle is not a" in _error(client, push)
    resample = ffi_pb2.FfiRequest()
    resample.new_audio_resampler.SetInParent()
    messages = []
    samples = np.zeros(10, np.int16)
    for client in both:
        bad = ffi_pb2.FfiRequest()
        bad.remix_and_resample.resampler_handle = client.request(
            resample
        ).new_audio_resampler.resampler.handle.id
        bad.remix_and_resample.buffer.data_ptr = samples.ctypes.data
        bad.remix_and_resample.buffer.samples_per_channel = 10
        bad.remix_and_resample.buffer.num_channels = 1
        bad.remix_and_resample.sample_rate, bad.remix_and_resample.num_channels = 16000, 1
        messages.append(_error(client, bad))  # buffer sample rate 0
    assert messages[0] == messages[1]
    assert "sample rates and channel counts must be positive" in messages[0]


def test_a_local_handle_means_nothing_to_the_engine(both: tuple[FfiClient, FfiClient]) -> None:
    local, _ = both
    handle = _sox(local)
    track = ffi_pb2.FfiRequest()
    track.create_audio_track.name = "mic"
    track.create_audio_track.source_handle = handle
    assert "handle not found" in _error(local, track)
    # and a handle the lane never made is not dropped here
    assert not local.drop_handle(LOCAL_HANDLE_BASE + 10**9)


def test_lent_output_lives_until_the_next_call(both: tuple[FfiClient, FfiClient]) -> None:
    local, _ = both
    handle = _sox(local)
    samples = (np.arange(4800) % 200 * 100).astype(np.int16)
    _push(local, handle, samples)
    assert local.memory.owners() == 1  # the lent output buffer
    local.drop_handle(handle)
    assert local.memory.owners() == 0


def test_the_lane_reads_the_callers_memory_in_place_and_never_writes_it() -> None:
    caller = np.arange(16, dtype=np.uint8)
    view = LocalMemory(ClientMemory()).read(caller.ctypes.data, caller.nbytes)
    assert isinstance(view, memoryview)
    caller[0] = 200  # no copy: the caller's bytes as they are now
    assert bytes(view) == caller.tobytes()
    with pytest.raises(TypeError):
        view[0] = 1
    with pytest.raises(ValueError, match="read-only"):
        np.frombuffer(view, np.uint8)[0] = 1
