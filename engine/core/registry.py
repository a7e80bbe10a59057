"""Handlers register here against the request table (engine/core/spec.py).

    @handles("publish_track")
    def on_publish_track(call: Call, request: room_pb2.PublishTrackRequest) -> ...

is checked when its module is imported: the name must be a request kind of the protocol,
registered once, and the handler's `request` must be annotated with that kind's request
type. A kind implemented only in part says what is missing (`partial=`); the handler then
raises NotImplementedInLkemu with a detail for what it does not do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from google.protobuf.message import Message

from .call import Call
from .coverage import IMPLEMENTED, NOT_IMPLEMENTED, PARTIAL
from .spec import REQUESTS, RequestSpec

Handler = Callable[[Call, Any], Message]
H = TypeVar("H", bound=Callable[..., Message])


class RegistrationError(TypeError):
    """A handler that does not fit the request table: a bug caught at import."""


@dataclass(frozen=True, slots=True)
class Registered:
    spec: RequestSpec
    handler: Handler
    missing: str | None  # what a partial implementation lacks


HANDLERS: dict[str, Registered] = {}


def handles(name: str, *, partial: str | None = None) -> Callable[[H], H]:
    spec = REQUESTS.get(name)
    if spec is None:
        raise RegistrationError(f"{name!r} is not a request kind of the FFI protocol")

    def register(handler: H) -> H:
        if name in HANDLERS:
            raise RegistrationError(f"{name} has two handlers: {HANDLERS[name].handler} and "
                                    f"{handler}")  # fmt: skip
        annotation = str(handler.__annotations__.get("request", ""))
        if annotation.rpartition(".")[2] != spec.request_type:
            raise RegistrationError(
                f"{handler.__qualname__} handles {name}: its request must be annotated "
                f"{spec.request_type}, not {annotation or 'nothing'}"
            )
        HANDLERS[name] = Registered(spec, handler, partial)
        return handler

    return register


def status(name: str) -> tuple[str, str]:
    """A request kind's status (implemented, partial, not implemented) and what is missing."""
    registered = HANDLERS.get(name)
    if registered is None:
        return NOT_IMPLEMENTED, ""
    if registered.missing:
        return PARTIAL, registered.missing
    return IMPLEMENTED, ""
