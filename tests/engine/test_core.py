"""Core: handles and sessions, dispatch failures, async ids, injected faults."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lkemu.engine.core import dispatch
from lkemu.engine.core.call import Call
from lkemu.engine.core.memory import Memory
from lkemu.engine.core.registry import HANDLERS
from lkemu.engine.core.runtime import EngineRuntime
from lkemu.engine.core.session import Session
from lkemu.engine.core.spec import REQUESTS
from lkemu.engine.media.audio_source import AudioSource
from lkemu.proto import audio_frame_pb2, engine_pb2, ffi_pb2

from .conftest import (
    callback_of,
    int16_memory,
    next_event,
    open_session,
    queued_events,
    request_of,
    run,
    settle,
)


def _new_source(runtime: EngineRuntime, session: Session) -> int:
    request = request_of(
        "new_audio_source",
        type=audio_frame_pb2.AUDIO_SOURCE_NATIVE,
        sample_rate=48000,
        num_channels=1,
    )
    handle: int = run(runtime, session, request).source.handle.id
    return handle


def _clear(source: int) -> ffi_pb2.FfiRequest:
    return request_of("clear_audio_buffer", source_handle=source)


def _capture(source: int, frames: int = 480, **extra: int) -> ffi_pb2.FfiRequest:
    buffer = {"data_ptr": 0x1000_0000, "num_channels": 1, "sample_rate": 48000}
    buffer["samples_per_channel"] = frames
    return request_of("capture_audio_frame", source_handle=source, buffer=buffer, **extra)


def _capture_memory(frames: int = 480) -> Memory:
    return int16_memory(np.arange(frames, dtype=np.int16))


def _log_messages(session: Session) -> list[str]:
    return [
        record.message
        for received in queued_events(session)
        if received.event.WhichOneof("message") == "logs"
        for record in received.event.logs.records
    ]


def test_the_request_table_has_every_kind_and_handlers_fit_it() -> None:
    assert len(REQUESTS) == 90
    assert set(HANDLERS) <= set(REQUESTS)
    assert REQUESTS["capture_audio_frame"].callback == "capture_audio_frame"
    assert REQUESTS["new_audio_source"].callback is None
    assert REQUESTS["edit_chat_message"].response_field == "send_chat_message"


async def test_a_handle_belongs_to_the_session_that_made_it(runtime: EngineRuntime) -> None:
    first, second = open_session(runtime), open_session(runtime)
    source = _new_source(runtime, first)
    assert source > 0
    run(runtime, first, _clear(source))  # its own session may use it
    with pytest.raises(dispatch.RequestFailed) as failed:
        run(runtime, second, _clear(source))
    assert failed.value.name == "clear_audio_buffer"
    assert failed.value.message == "failed to handle request clear_audio_buffer: handle not found"
    assert failed.value.kind == engine_pb2.INVALID_REQUEST
    # ...nor drop it: the handle stays with its owner.
    assert runtime.drop_handle(second.id, source) is False
    assert runtime.handles.count(first.id)["AudioSource"] == 1
    assert runtime.handles.count(second.id).total() == 0


async def test_handle_zero_and_a_wrong_kind_are_refused(
    runtime: EngineRuntime, session: Session
) -> None:
    with pytest.raises(dispatch.RequestFailed, match="handle is invalid"):
        run(runtime, session, _clear(0))
    source = _new_source(runtime, session)
    track = run(
        runtime, session, request_of("create_audio_track", name="t", source_handle=source)
    ).track.handle.id
    with pytest.raises(dispatch.RequestFailed) as failed:
        run(runtime, session, _clear(track))
    assert failed.value.message == (
        "failed to handle request clear_audio_buffer: handle is not a "
        "livekit_ffi::server::audio_source::FfiAudioSource"
    )


async def test_dropping_a_handle_releases_it_once(runtime: EngineRuntime, session: Session) -> None:
    source = _new_source(runtime, session)
    stored = runtime.handles.get(source, AudioSource, session.id)
    queued_events(session)
    assert runtime.drop_handle(session.id, source) is True
    assert stored.closed  # closable objects are closed when dropped
    with pytest.raises(dispatch.RequestFailed, match="handle not found"):
        run(runtime, session, _clear(source))
    assert runtime.drop_handle(session.id, source) is False
    assert _log_messages(session) == [f"Attempted to drop unknown FFI handle: {source}"]


async def test_sync_dispose_releases_the_session_handles_only(runtime: EngineRuntime) -> None:
    first, second = open_session(runtime), open_session(runtime)
    kept = _new_source(runtime, second)
    for _ in range(3):
        _new_source(runtime, first)
    assert runtime.handles.count(first.id).total() == 3
    request = ffi_pb2.FfiRequest()
    setattr(request.dispose, "async", False)  # `async` is a Python keyword
    response = run(runtime, first, request)
    assert not response.HasField("async_id")
    assert runtime.handles.count(first.id).total() == 0
    assert first.disposed
    assert runtime.handles.count(second.id)["AudioSource"] == 1
    run(runtime, second, _clear(kept))
    # A disposed session gets no events any more.
    first.log(ffi_pb2.LOG_INFO, "after dispose")
    assert queued_events(first) == []


async def test_async_dispose_answers_then_releases(
    runtime: EngineRuntime, session: Session
) -> None:
    _new_source(runtime, session)
    request = ffi_pb2.FfiRequest()
    setattr(request.dispose, "async", True)
    response = run(runtime, session, request)
    assert response.async_id > 0
    assert not session.disposed  # the work has not run yet
    received = await next_event(session, callback_of("dispose", response.async_id))
    assert received.event.dispose.async_id == response.async_id
    assert runtime.handles.count(session.id).total() == 0
    assert session.disposed


async def test_close_session_releases_and_ends_the_stream(runtime: EngineRuntime) -> None:
    session = open_session(runtime)
    _new_source(runtime, session)
    _new_source(runtime, session)
    assert runtime.close_session(session.id) == 2
    assert session.id not in runtime.sessions
    assert session.events.get_nowait() is None  # end of the event stream
    assert runtime.close_session(session.id) == 0


async def test_an_empty_request_is_refused(runtime: EngineRuntime, session: Session) -> None:
    with pytest.raises(dispatch.RequestFailed) as failed:
        run(runtime, session, ffi_pb2.FfiRequest())
    assert (failed.value.name, failed.value.message) == ("", "message is empty")
    assert failed.value.kind == engine_pb2.INVALID_REQUEST


async def test_execute_answers_handle_zero_for_unknown_and_malformed_requests(
    runtime: EngineRuntime, session: Session
) -> None:
    # Field 4000 is no request kind: it parses as an unknown field, so no kind is set.
    unknown = bytes([0x82, 0xFA, 0x01, 0x00])
    reply = dispatch.execute(runtime, session, engine_pb2.FfiCall(request=unknown))
    assert (reply.handle, reply.error, reply.error_kind) == (
        0,
        "message is empty",
        engine_pb2.INVALID_REQUEST,
    )
    reply = dispatch.execute(runtime, session, engine_pb2.FfiCall(request=b"\xff\xff\xff"))
    assert reply.handle == 0
    assert reply.error_kind == engine_pb2.DECODE
    assert reply.error.startswith("failed to decode request")
    # The failures reach a session that captures logs, as native logs them.
    assert _log_messages(session) == ["message is empty", reply.error]


async def test_execute_runs_a_request_and_ships_its_outputs(
    runtime: EngineRuntime, session: Session
) -> None:
    request = request_of(
        "new_audio_source", type=audio_frame_pb2.AUDIO_SOURCE_NATIVE, sample_rate=16000
    )
    call = engine_pb2.FfiCall(request=request.SerializeToString())
    reply = dispatch.execute(runtime, session, call)
    assert reply.request_name == "new_audio_source" and reply.handle > 0
    response = ffi_pb2.FfiResponse.FromString(reply.response)
    source = response.new_audio_source.source.handle.id
    assert runtime.handles.get(source, AudioSource, session.id).sample_rate == 16000
    assert reply.handle > source  # response ids come from the same counter


async def test_a_kind_without_handler_is_not_implemented(
    runtime: EngineRuntime, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(HANDLERS, "publish_data_track")  # as if it had none
    request = request_of("publish_data_track", local_participant_handle=1)
    with pytest.raises(dispatch.RequestFailed) as failed:
        run(runtime, session, request)
    assert failed.value.name == "publish_data_track"
    assert failed.value.message == (
        "failed to handle request publish_data_track: "
        "publish_data_track is not implemented in lkemu"
    )
    assert failed.value.kind == engine_pb2.NOT_IMPLEMENTED


async def test_async_requests_answer_with_the_chosen_async_id(
    runtime: EngineRuntime, session: Session
) -> None:
    source = _new_source(runtime, session)
    chosen = 987654321
    response = run(runtime, session, _capture(source, request_async_id=chosen), _capture_memory())
    assert response.async_id == chosen
    received = await next_event(session, callback_of("capture_audio_frame", chosen))
    assert not received.event.capture_audio_frame.HasField("error")
    # Without a chosen id the engine picks a fresh one from its handle counter.
    response = run(runtime, session, _capture(source), _capture_memory())
    assert response.async_id > source and response.async_id != chosen
    received = await next_event(session, callback_of("capture_audio_frame", response.async_id))
    assert not received.event.capture_audio_frame.HasField("error")


async def test_an_injected_fault_fails_the_next_callback_only(
    runtime: EngineRuntime, session: Session
) -> None:
    source = _new_source(runtime, session)
    runtime.faults.add("capture_audio_frame", 1, "boom")
    failing = run(runtime, session, _capture(source), _capture_memory())
    received = await next_event(session, callback_of("capture_audio_frame", failing.async_id))
    error = received.event.capture_audio_frame.error
    assert error.startswith("lkemu internal error in capture_audio_frame")
    assert "boom" in error
    passing = run(runtime, session, _capture(source), _capture_memory())
    received = await next_event(session, callback_of("capture_audio_frame", passing.async_id))
    assert not received.event.capture_audio_frame.HasField("error")


async def test_a_fault_for_another_kind_leaves_captures_alone(
    runtime: EngineRuntime, session: Session
) -> None:
    source = _new_source(runtime, session)
    runtime.faults.add("get_stats", 2, "later")
    response = run(runtime, session, _capture(source), _capture_memory())
    received = await next_event(session, callback_of("capture_audio_frame", response.async_id))
    assert not received.event.capture_audio_frame.HasField("error")
    with pytest.raises(Exception, match="later"):
        runtime.faults.check("get_stats")


async def test_a_request_pointing_at_unshipped_memory_is_refused(
    runtime: EngineRuntime, session: Session
) -> None:
    source = _new_source(runtime, session)
    with pytest.raises(dispatch.RequestFailed) as failed:
        run(runtime, session, _capture(source))  # no input blob for data_ptr
    assert failed.value.kind == engine_pb2.INVALID_REQUEST
    assert "no client memory shipped for 960 bytes at 0x10000000" in failed.value.message
    await settle()
    assert not [e for e in queued_events(session) if e.event.HasField("capture_audio_frame")]


async def test_a_handler_crash_is_an_internal_error(
    runtime: EngineRuntime, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    registered = HANDLERS["clear_audio_buffer"]

    def crash(
        call: Call, request: audio_frame_pb2.ClearAudioBufferRequest
    ) -> audio_frame_pb2.ClearAudioBufferResponse:
        raise ZeroDivisionError("oops")

    monkeypatch.setitem(HANDLERS, "clear_audio_buffer", replace(registered, handler=crash))
    with pytest.raises(dispatch.RequestFailed) as failed:
        run(runtime, session, _clear(1))
    assert failed.value.kind == engine_pb2.INTERNAL
    assert failed.value.message == (
        "lkemu internal error in clear_audio_buffer: ZeroDivisionError('oops')"
    )
