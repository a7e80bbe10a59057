"""The bindings keep working in a test that patches time.time (livekit-agents' virtual_time
tests, freezegun): gRPC would take its deadlines from it (lkemu.bindings.deadlines)."""

from __future__ import annotations

import time
from typing import Any

import grpc
import pytest

from lkemu.bindings.control import EngineControl
from lkemu.bindings.deadlines import DeadlineExceeded, unary_within
from lkemu.bindings.embedded import EmbeddedEngine


def test_connecting_while_time_time_is_patched(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = EmbeddedEngine.start()
    try:
        monkeypatch.setattr(time, "time", lambda: 1_700_000_000.0)  # years ago, frozen
        control = EngineControl.connect(engine.address, timeout=10)
        try:
            assert control.info().pid == engine.process.pid
        finally:
            control.close()
    finally:
        monkeypatch.undo()
        engine.stop()


class _NeverEnds:
    def __init__(self) -> None:
        self.cancelled = False

    def future(self, request: Any, **options: Any) -> _NeverEnds:
        return self

    def add_done_callback(self, callback: Any) -> None:
        pass

    def cancel(self) -> bool:
        self.cancelled = True
        return True


def test_a_call_past_its_timeout_is_cancelled() -> None:
    method = _NeverEnds()
    with pytest.raises(DeadlineExceeded) as raised:
        unary_within(method, object(), 0.2)
    assert method.cancelled
    assert raised.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
