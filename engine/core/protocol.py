"""Helpers for the protocol's messages themselves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from google.protobuf.message import EncodeError, Message

M = TypeVar("M", bound=Message)


def has_field(
    descriptor: Any, matches: Callable[[Any], bool], seen: frozenset[str] = frozenset()
) -> bool:
    """Whether a message type has a field that `matches`, at any depth (each recursive type
    walked once)."""
    for field in descriptor.fields:
        if matches(field):
            return True
        inner = field.message_type
        if (
            inner is not None
            and inner.full_name not in seen
            and has_field(inner, matches, seen | {descriptor.full_name})
        ):
            return True
    return False


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


def encode(message: Message) -> bytes:
    """A message's bytes, with every required field written as prost writes it: a message
    built from a client's partial request (a transcription's segments, say) gets the zero
    values it left out, where SerializeToString would raise. The common case costs nothing
    more: only a message that fails to encode is filled."""
    try:
        return message.SerializeToString()
    except EncodeError:
        return fill_required(message).SerializeToString()


def invalid_string(message: Message) -> list[tuple[str, str]] | None:
    """Where a string field of `message` holds bytes that are not UTF-8: the (message type,
    field) path, innermost first, as prost's DecodeError stack lists it; None if there is
    none. Prost refuses such a request as a whole, at decode; Python's protobuf (upb) takes
    it and hands the field out as `bytes` instead of `str`, to fail wherever it is used."""
    for field, value in message.ListFields():
        inner_messages: list[Message] = []
        if field.message_type is None:
            if field.type == field.TYPE_STRING and (
                any(isinstance(item, bytes) for item in value)
                if field.is_repeated
                else isinstance(value, bytes)
            ):
                return [(message.DESCRIPTOR.name, field.name)]
            continue
        if field.message_type.GetOptions().map_entry:
            try:  # a map's keys are decoded as it is read: a bad one raises
                entries = list(value.items())
            except UnicodeDecodeError:
                return [(message.DESCRIPTOR.name, field.name)]
            for key, item in entries:
                if isinstance(key, bytes) or isinstance(item, bytes):
                    return [(message.DESCRIPTOR.name, field.name)]
                if isinstance(item, Message):
                    inner_messages.append(item)
        elif field.is_repeated:
            inner_messages = list(value)
        else:
            inner_messages = [value]
        for inner in inner_messages:
            path = invalid_string(inner)
            if path is not None:
                return [*path, (message.DESCRIPTOR.name, field.name)]
    return None
