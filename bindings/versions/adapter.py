"""The drop-in's protocol adapter: an SDK of another livekit version on lkemu's engine.

Requests go from the SDK's protocol to lkemu's, responses and events the other way. Each
top-level message (FfiRequest, FfiResponse, FfiEvent) is a single oneof, so the first field
key of the bytes names the request, response or event kind. Its route is decided once, when
the adapter is made: kinds whose message types are wire-compatible in that direction
(`Bridge.compatible`) pass untouched, at the cost of reading one varint and a dict lookup;
the others are decoded with the writer's descriptors and re-encoded with the reader's
(`Bridge.plan`, built on first use). An event the SDK's version cannot express is dropped,
as that version's core would never have sent it.
"""

from __future__ import annotations

import threading
from typing import Any, cast

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

from lkemu.proto import ffi_pb2

from .translate import (
    Bridge,
    Difference,
    Inexpressible,
    Plan,
    message_of,
    message_of_parent,
    pair_fields,
)


class TranslationError(Exception):
    """A request or response the other side's protocol cannot carry."""


def leading_field(data: bytes) -> int:
    """The field number of the first key in a serialized message (0 for empty bytes)."""
    if not data:
        return 0
    byte = data[0]
    if byte < 0x80:
        return byte >> 3
    if len(data) > 1 and data[1] < 0x80:  # fields 16 to 2047: two bytes
        return ((byte & 0x7F) | (data[1] << 7)) >> 3
    key, shift = byte & 0x7F, 7
    for byte in data[1:10]:
        key |= (byte & 0x7F) << shift
        if byte < 0x80:
            return key >> 3
        shift += 7
    return 0


class _Route:
    """One kind that needs translating: source top-level field -> target top-level field."""

    __slots__ = ("_bridge", "_lock", "_plan", "source", "source_class", "target", "target_class")

    def __init__(
        self,
        bridge: Bridge,
        source: FieldDescriptor,
        target: FieldDescriptor,
        lock: threading.Lock,
    ) -> None:
        self._bridge = bridge
        self._lock = lock
        self._plan: Plan | None = None
        self.source = source
        self.target = target
        self.source_class: type[Message] = GetMessageClass(message_of_parent(source))
        self.target_class: type[Message] = GetMessageClass(message_of_parent(target))

    def plan(self) -> Plan:
        if self._plan is None:
            with self._lock:
                if self._plan is None:
                    self._plan = self._bridge.plan(message_of(self.source), message_of(self.target))
        return self._plan

    def convert(self, payload: bytes) -> Any:
        message: Any = self.source_class.FromString(payload)
        out: Any = self.target_class()
        inner = getattr(out, self.target.name)
        inner.SetInParent()
        self.plan().apply(getattr(message, self.source.name), inner)
        return out


_DROP = object()  # an event kind the SDK's version does not have


class ProtocolAdapter:
    """Translates between an SDK's FFI protocol and lkemu's, kind by kind."""

    def __init__(
        self,
        sdk_request: Descriptor,
        sdk_response: Descriptor,
        sdk_event: Descriptor,
        *,
        sdk_version: str = "",
        ours: tuple[Descriptor, Descriptor, Descriptor] | None = None,
    ) -> None:
        our_request, our_response, our_event = ours or (
            cast(Descriptor, ffi_pb2.FfiRequest.DESCRIPTOR),
            cast(Descriptor, ffi_pb2.FfiResponse.DESCRIPTOR),
            cast(Descriptor, ffi_pb2.FfiEvent.DESCRIPTOR),
        )
        self.sdk_version = sdk_version
        self.to_engine = Bridge()  # requests
        self.to_sdk = Bridge()  # responses and events
        self._lock = threading.Lock()
        self.sdk_request, self.our_request = sdk_request, our_request
        self.sdk_response, self.our_response = sdk_response, our_response
        self.sdk_event, self.our_event = sdk_event, our_event
        self._requests = self._routes(sdk_request, our_request, self.to_engine)
        self._responses = self._routes(our_response, sdk_response, self.to_sdk)
        self._events = self._routes(our_event, sdk_event, self.to_sdk)

    @classmethod
    def for_sdk(cls, ffi_module: Any, sdk_version: str = "") -> ProtocolAdapter | None:
        """The adapter for an SDK whose generated `ffi_pb2` is `ffi_module`, or None when its
        protocol carries every kind exactly as lkemu's does (nothing to translate)."""
        adapter = cls(
            ffi_module.FfiRequest.DESCRIPTOR,
            ffi_module.FfiResponse.DESCRIPTOR,
            ffi_module.FfiEvent.DESCRIPTOR,
            sdk_version=sdk_version,
        )
        return adapter if adapter.translates() else None

    def _routes(
        self, source: Descriptor, target: Descriptor, bridge: Bridge
    ) -> dict[int, _Route | object]:
        for top in (source, target):
            if any(f.containing_oneof is None for f in top.fields) or len(top.oneofs) != 1:
                raise TypeError(f"{top.full_name}: expected a single oneof at the top level")
        routes: dict[int, _Route | object] = {}
        pairs, left = pair_fields(source, target)
        for f in left:
            routes[f.number] = _DROP
        for f, g in pairs:
            same = f.number == g.number and f.type == g.type == FieldDescriptor.TYPE_MESSAGE
            if same and bridge.compatible(message_of(f), message_of(g)):
                continue  # passes untouched
            routes[f.number] = _Route(bridge, f, g, self._lock)
        return routes

    def translates(self) -> bool:
        """Whether any kind needs translating (or cannot cross) in either direction."""
        return bool(self._requests or self._responses or self._events)

    # --- the three directions -------------------------------------------------------------

    def request(self, data: bytes) -> tuple[bytes, ffi_pb2.FfiRequest | None]:
        """An SDK request as lkemu's bytes, with the decoded message when it was translated.
        TranslationError if it asks for something lkemu's protocol cannot carry."""
        route = self._requests.get(leading_field(data))
        if route is None or route is _DROP:
            return data, None  # lkemu decodes it (a kind it lacks: refused as native would)
        assert isinstance(route, _Route)
        try:
            message = route.convert(data)
        except Inexpressible as missing:
            raise TranslationError(
                f"lkemu cannot carry {missing} of livekit {self.sdk_version}"
            ) from None
        return message.SerializePartialToString(), message

    def response(self, payload: bytes) -> bytes:
        """An lkemu response as the SDK's bytes."""
        route = self._responses.get(leading_field(payload))
        if route is None or route is _DROP:
            return payload
        assert isinstance(route, _Route)
        try:
            return bytes(route.convert(payload).SerializePartialToString())
        except Inexpressible as missing:
            raise TranslationError(
                f"livekit {self.sdk_version} cannot express {missing} in a response"
            ) from None

    def event(self, payload: bytes) -> bytes | None:
        """An lkemu event as the SDK's bytes, or None when the SDK's version cannot express
        it (its core would never have sent it)."""
        route = self._events.get(leading_field(payload))
        if route is None:
            return payload
        if route is _DROP:
            return None
        assert isinstance(route, _Route)
        try:
            return bytes(route.convert(payload).SerializePartialToString())
        except Inexpressible:
            return None

    # --- reports --------------------------------------------------------------------------

    def routes(self) -> dict[str, dict[str, str]]:
        """Per direction, each kind that is translated, or has no counterpart on the reader's
        side (an event is then dropped, a request or response passes as it is)."""
        out: dict[str, dict[str, str]] = {}
        for direction, table, top in (
            ("request", self._requests, self.sdk_request),
            ("response", self._responses, self.our_response),
            ("event", self._events, self.our_event),
        ):
            absent = "dropped" if direction == "event" else "passes (unknown to the reader)"
            out[direction] = {
                top.fields_by_number[number].name: absent if route is _DROP else "translated"
                for number, route in sorted(table.items())
            }
        return out

    def differences(self) -> dict[str, list[Difference]]:
        """Every field-level difference of the translated kinds, per direction."""
        found: dict[str, list[Difference]] = {}
        for direction, table, bridge in (
            ("request", self._requests, self.to_engine),
            ("response", self._responses, self.to_sdk),
            ("event", self._events, self.to_sdk),
        ):
            items: list[Difference] = []
            for route in table.values():
                if isinstance(route, _Route):
                    items.extend(
                        bridge.differences(message_of(route.source), message_of(route.target))
                    )
            found[direction] = sorted(set(items), key=str)
        return found
