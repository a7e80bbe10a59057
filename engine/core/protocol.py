"""Helpers for the protocol's messages themselves."""

from __future__ import annotations

from typing import TypeVar

from google.protobuf.message import Message

M = TypeVar("M", bound=Message)


def fill_required(message: M) -> M:
    """Give every unset required field its zero value, through nested and repeated
    messages. The native core (prost) always writes required fields, defaults included, and
    Python's protobuf refuses a message without them: so what lkemu sends on (a client's
    partial message, stats it knows only some figures of) must carry them all."""
    for field in message.DESCRIPTOR.fields:
        if field.message_type is not None:
            if field.message_type.GetOptions().map_entry:
                continue
            if field.is_repeated:
                for item in getattr(message, field.name):
                    fill_required(item)
            elif field.is_required or message.HasField(field.name):
                fill_required(getattr(message, field.name))
        elif field.is_required and not message.HasField(field.name):
            setattr(message, field.name, field.default_value)
    return message
