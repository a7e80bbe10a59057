"""Bad input never crashes or hangs the engine: random bytes, random handles, any kind."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lkemu.bindings import FfiClient, FfiRequestError
from lkemu.engine.core.dispatch import REQUEST_NAMES
from lkemu.proto import ffi_pb2

_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(payload=st.binary(max_size=512))
def test_random_bytes(client: FfiClient, payload: bytes) -> None:
    reply = client.connection.request(payload)
    assert reply.handle == 0 or reply.response
    assert client.control.info().sessions >= 1


def _fill_handles(message: ffi_pb2.FfiRequest, value: int) -> None:
    """Set every *_handle field of the request to `value`, recursively."""
    stack = [getattr(message, message.WhichOneof("message"))]
    while stack:
        current = stack.pop()
        for field in current.DESCRIPTOR.fields:
            if field.is_repeated:
                continue
            if field.message_type is not None:
                stack.append(getattr(current, field.name))
            elif field.name.endswith("_handle") and field.type == field.TYPE_UINT64:
                setattr(current, field.name, value)


@_SETTINGS
@given(name=st.sampled_from([n for n in REQUEST_NAMES if n != "dispose"]),
       handle=st.integers(min_value=0, max_value=2**64 - 1))  # fmt: skip
def test_any_request_with_any_handle(client: FfiClient, name: str, handle: int) -> None:
    request = ffi_pb2.FfiRequest()
    getattr(request, name).SetInParent()
    _fill_handles(request, handle)
    try:
        client.request(request)
    except FfiRequestError as error:
        assert error.request_name == name and str(error)
    assert client.control.info().sessions >= 1
