"""Translation between two versions of the FFI protocol, by field name.

Two message types are matched field by field: by name, and a field left unmatched on both
sides by its number when the kinds agree (a rename: livekit 1.1.12 renamed
`packet_trailer_features` to `frame_metadata_features`, number and values kept). Enum
values are matched the same way.

A `Bridge` (one per direction) answers, once per pair of message types:
- `compatible(w, r)`: whether bytes written with `w` read correctly as `r`, i.e. every field
  `w` can set means the same in `r` (same number, type and label, enum values a subset,
  recursively) and `r` requires nothing `w` may leave out. Such messages pass untouched.
- `plan(s, t)`: how to rewrite an `s` message as a `t` one otherwise: decoded with one side's
  descriptors, copied field by field into the other's, the target's required fields that
  stayed unset filled as that version's native core filled them (`NATIVE_DEFAULTS`, else
  the field's zero value).

What cannot cross is explicit: a source field with no counterpart is dropped (the other side
has no way to express it, so a real core of that version never produced it); an enum value
with no counterpart leaves an optional field unset (what a proto2 reader does with an
unknown value), a required one at its default (what prost's accessor returns); a oneof
member with no counterpart makes the whole message inexpressible (`Inexpressible`), and
the caller drops the event it belongs to.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

LABEL_REPEATED = FieldDescriptor.LABEL_REPEATED
LABEL_REQUIRED = FieldDescriptor.LABEL_REQUIRED
LABEL_OPTIONAL = FieldDescriptor.LABEL_OPTIONAL
TYPE_MESSAGE = FieldDescriptor.TYPE_MESSAGE
TYPE_ENUM = FieldDescriptor.TYPE_ENUM
TYPE_STRING = FieldDescriptor.TYPE_STRING

# Required fields a version's native core filled with something other than the zero value
# when its SDK could not send them: (message name, field name) -> value.
NATIVE_DEFAULTS: dict[tuple[str, str], Any] = {
    # livekit <= 1.1.2 (livekit-ffi before rust-sdks c863be7f) built webrtc's
    # KeyProviderOptions from three fields; webrtc then used its own defaults,
    # DEFAULT_KEYRING_SIZE = 16 and KeyDerivationAlgorithm kPBKDF2 (enum value 0).
    ("KeyProviderOptions", "key_ring_size"): 16,
}

# Fields of the target a source version does not have at all, set as that version's core
# behaved: (message name, field name) -> field values. livekit <= 1.1.13 had data streams v1
# only (their SDKs read streams from the raw packet events), so their cores advertised a
# client protocol without data streams v2; 1.1.14's SDK says so itself, with
# `use_legacy_client_implementation` (its cores had v2, its SDK did not).
NATIVE_WHEN_ABSENT: dict[tuple[str, str], dict[str, Any]] = {
    ("RoomOptions", "data_stream"): {"use_legacy_client_implementation": True},
}

# A field whose type changed from a string to a message carrying that string: livekit 1.1.8
# made DataTrackStreamEOS.error a SubscribeDataTrackError; the string older cores sent was
# the error's Display text, which is now that message's `message` field (rust-sdks 8d7d24c5).
TEXT_FIELD = "message"


class Inexpressible(Exception):
    """The source message set a oneof member the target version does not have."""


Step = Callable[[Any, Any], None]


def message_of(f: FieldDescriptor) -> Descriptor:
    """The message type of a message field."""
    descriptor = f.message_type
    assert descriptor is not None, f.full_name
    return descriptor


def enum_of(f: FieldDescriptor) -> EnumDescriptor:
    """The enum type of an enum field."""
    descriptor = f.enum_type
    assert descriptor is not None, f.full_name
    return descriptor


def message_of_parent(f: FieldDescriptor) -> Descriptor:
    """The message a field belongs to."""
    descriptor = f.containing_type
    assert descriptor is not None, f.full_name
    return descriptor


def label(f: FieldDescriptor) -> int:
    """The field's label (protobuf 7 has `is_required` / `is_repeated` instead)."""
    if hasattr(f, "is_required"):
        if f.is_required:
            return LABEL_REQUIRED
        return LABEL_REPEATED if f.is_repeated else LABEL_OPTIONAL
    return int(f.label)  # type: ignore[attr-defined,unused-ignore]


@dataclass(eq=False)
class Plan:
    """How to copy one message type of the source version into one of the target version."""

    source: Descriptor
    target: Descriptor
    target_class: type[Message]
    steps: dict[int, Step] = field(default_factory=dict)  # by source field number
    fills: list[Callable[[Any], None]] = field(default_factory=list)

    def apply(self, message: Any, out: Any) -> None:
        steps = self.steps
        for descriptor, value in message.ListFields():
            step = steps.get(descriptor.number)
            if step is not None:
                step(value, out)
        for fill in self.fills:
            fill(out)

    def convert(self, message: Any) -> Any:
        out = self.target_class()
        self.apply(message, out)
        return out


@dataclass(frozen=True)
class Difference:
    """One way a source type differs from its target, for reports and tests."""

    where: str  # source message full name (without package) and field
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def _short(descriptor: Descriptor | EnumDescriptor) -> str:
    package = descriptor.file.package
    name: str = descriptor.full_name
    return name[len(package) + 1 :] if package and name.startswith(package + ".") else name


def _is_map(f: FieldDescriptor) -> bool:
    return f.message_type is not None and bool(f.message_type.GetOptions().map_entry)


def pair_fields(
    source: Descriptor, target: Descriptor
) -> tuple[list[tuple[FieldDescriptor, FieldDescriptor]], list[FieldDescriptor]]:
    """Matched (source, target) fields, and the source fields left without a match."""
    by_name = target.fields_by_name
    pairs: list[tuple[FieldDescriptor, FieldDescriptor]] = []
    left: list[FieldDescriptor] = []
    for f in source.fields:
        g = by_name.get(f.name)
        if g is not None:
            pairs.append((f, g))
        else:
            left.append(f)
    if left:
        spare = {g.number: g for g in target.fields if g.name not in source.fields_by_name}
        unmatched = []
        for f in left:
            g = spare.get(f.number)
            if g is not None and g.type == f.type and label(g) == label(f):
                pairs.append((f, g))  # renamed
            else:
                unmatched.append(f)
        left = unmatched
    return pairs, left


def pair_values(source: EnumDescriptor, target: EnumDescriptor) -> dict[int, int]:
    """Source enum value number -> target value number (by name, then renamed by number)."""
    mapping: dict[int, int] = {}
    by_name = target.values_by_name
    spare = {v.number: v for v in target.values if v.name not in source.values_by_name}
    for value in source.values:
        match = by_name.get(value.name)
        if match is None:
            match = spare.get(value.number)
        if match is not None:
            mapping.setdefault(value.number, match.number)
    return mapping


_NOTHING_ASSUMED = 1 << 30


def _same_wire(f: FieldDescriptor, g: FieldDescriptor) -> bool:
    """Whether a value written as `f` reads back unchanged as `g` (types aside)."""
    if f.number != g.number or f.type != g.type:
        return False
    if label(f) != label(g) and not (label(f) == LABEL_REQUIRED and label(g) == LABEL_OPTIONAL):
        return False
    if (f.containing_oneof is None) != (g.containing_oneof is None):
        return False
    return f.has_default_value == g.has_default_value and (
        not f.has_default_value or f.default_value == g.default_value
    )


class Bridge:
    """Compatibility and translation plans from one protocol version to another, computed
    once per pair of types and cached (thread-safe)."""

    def __init__(self) -> None:
        self._compatible: dict[tuple[Descriptor, Descriptor], bool] = {}
        self._plans: dict[tuple[Descriptor, Descriptor], Plan] = {}
        self._fill_lists: dict[Descriptor, list[Callable[[Any], None]]] = {}
        self._lock = threading.RLock()

    # --- compatibility --------------------------------------------------------------------

    def compatible(self, writer: Descriptor, reader: Descriptor) -> bool:
        """Whether `reader` reads every message `writer` can write exactly as translation
        would produce it (so the bytes can pass untouched)."""
        with self._lock:
            return self._check(writer, reader, {})[0]

    def _check(
        self,
        writer: Descriptor,
        reader: Descriptor,
        stack: dict[tuple[Descriptor, Descriptor], int],
    ) -> tuple[bool, int]:
        """(compatible, the lowest depth of `stack` the answer assumed): a type met again
        while it is being checked (a recursive type) is assumed compatible, and an answer
        resting on such an assumption is only cached once that type is decided."""
        key = (writer, reader)
        known = self._compatible.get(key)
        if known is not None:
            return known, _NOTHING_ASSUMED
        if key in stack:
            return True, stack[key]
        depth = stack[key] = len(stack)
        result, low = self._fields_compatible(writer, reader, stack)
        del stack[key]
        if not result:
            self._compatible[key] = False
            return False, _NOTHING_ASSUMED
        if low >= depth:
            self._compatible[key] = True
            return True, _NOTHING_ASSUMED
        return True, low

    def _fields_compatible(
        self,
        writer: Descriptor,
        reader: Descriptor,
        stack: dict[tuple[Descriptor, Descriptor], int],
    ) -> tuple[bool, int]:
        pairs, left = pair_fields(writer, reader)
        numbers = reader.fields_by_number
        if any(f.number in numbers for f in left):
            return False, _NOTHING_ASSUMED  # the reader would take it for another field
        matched = {g.number for _, g in pairs}
        for g in reader.fields:
            if g.number in matched:
                continue
            if label(g) == LABEL_REQUIRED or (reader.name, g.name) in NATIVE_WHEN_ABSENT:
                return False, _NOTHING_ASSUMED
        low = _NOTHING_ASSUMED
        for f, g in pairs:
            if not _same_wire(f, g):
                return False, _NOTHING_ASSUMED
            if f.type == TYPE_ENUM:
                values = pair_values(enum_of(f), enum_of(g))
                if any(values.get(v.number) != v.number for v in enum_of(f).values):
                    return False, _NOTHING_ASSUMED
            elif f.type == TYPE_MESSAGE:
                result, assumed = self._check(message_of(f), message_of(g), stack)
                if not result:
                    return False, _NOTHING_ASSUMED
                low = min(low, assumed)
        return True, low

    # --- translation ----------------------------------------------------------------------

    def plan(self, source: Descriptor, target: Descriptor) -> Plan:
        with self._lock:
            return self._plan(source, target)

    def _plan(self, source: Descriptor, target: Descriptor) -> Plan:
        key = (source, target)
        made = self._plans.get(key)
        if made is not None:
            return made
        made = Plan(source, target, GetMessageClass(target))
        self._plans[key] = made  # before the steps: a recursive type finds itself
        pairs, left = pair_fields(source, target)
        for f in left:
            if f.containing_oneof is not None:
                made.steps[f.number] = _inexpressible(f)
        for f, g in pairs:
            step = self._step(f, g)
            if step is not None:
                made.steps[f.number] = step
            elif f.containing_oneof is not None:
                made.steps[f.number] = _inexpressible(f)
        matched = {g.number for _, g in pairs}
        for g in target.fields:
            absent = NATIVE_WHEN_ABSENT.get((target.name, g.name))
            if absent is not None and g.number not in matched and g.type == TYPE_MESSAGE:
                made.fills.append(_set_fields(g.name, absent))
        made.fills.extend(self._fills(target))
        return made

    def _step(self, f: FieldDescriptor, g: FieldDescriptor) -> Step | None:
        name = g.name
        repeated = label(f) == LABEL_REPEATED
        if repeated != (label(g) == LABEL_REPEATED):
            return None
        if f.type == TYPE_MESSAGE and g.type == TYPE_MESSAGE:
            if _is_map(f) != _is_map(g):
                return None
            if _is_map(f):
                return self._map_step(f, g)
            if self._check(message_of(f), message_of(g), {})[0]:
                return _copy_bytes_repeated(name) if repeated else _copy_bytes(name)
            sub = self._plan(message_of(f), message_of(g))
            return _convert_repeated(name, sub) if repeated else _convert(name, sub)
        if f.type == TYPE_ENUM and g.type == TYPE_ENUM:
            values = pair_values(enum_of(f), enum_of(g))
            # a value without counterpart: unset (a required field is then filled)
            return _enum_repeated(name, values) if repeated else _enum(name, values)
        if f.type == g.type:
            return _extend(name) if repeated else _assign(name)
        if repeated:
            return None
        if f.type == TYPE_MESSAGE and g.type == TYPE_STRING and _text_field(message_of(f)):
            return _message_to_text(name)
        if f.type == TYPE_STRING and g.type == TYPE_MESSAGE and _text_field(message_of(g)):
            return _text_to_message(name)
        return None

    def _map_step(self, f: FieldDescriptor, g: FieldDescriptor) -> Step | None:
        fk, fv = message_of(f).fields_by_name["key"], message_of(f).fields_by_name["value"]
        gk, gv = message_of(g).fields_by_name["key"], message_of(g).fields_by_name["value"]
        if fk.type != gk.type or fv.type != gv.type:
            return None
        name = g.name
        if fv.type == TYPE_MESSAGE:
            if self._check(message_of(fv), message_of(gv), {})[0]:
                return _map_copy_bytes(name)
            return _map_convert(name, self._plan(message_of(fv), message_of(gv)))
        if fv.type == TYPE_ENUM:
            return _map_enum(name, pair_values(enum_of(fv), enum_of(gv)))
        return _map_update(name)

    def _fills(self, target: Descriptor) -> list[Callable[[Any], None]]:
        made = self._fill_lists.get(target)
        if made is not None:
            return made
        fills: list[Callable[[Any], None]] = []
        self._fill_lists[target] = fills
        for g in target.fields:
            if label(g) != LABEL_REQUIRED:
                continue
            if g.type == TYPE_MESSAGE:
                fills.append(_fill_message(g.name, self._fills(message_of(g))))
            else:
                value = NATIVE_DEFAULTS.get((target.name, g.name), g.default_value)
                fills.append(_fill_scalar(g.name, value))
        return fills

    def fill(self, target: Descriptor, message: Any) -> None:
        """Set the required fields of `message` (a `target`) that are unset, recursively."""
        with self._lock:
            fills = self._fills(target)
        for fill in fills:
            fill(message)

    # --- reports --------------------------------------------------------------------------

    def differences(self, source: Descriptor, target: Descriptor) -> list[Difference]:
        """How `source` messages change on their way to `target` (recursively, each type
        pair once): renames, dropped fields and values, filled fields, converted types."""
        found: list[Difference] = []
        self._differences(source, target, set(), found)
        return found

    def _differences(
        self,
        source: Descriptor,
        target: Descriptor,
        seen: set[tuple[Descriptor, Descriptor]],
        found: list[Difference],
    ) -> None:
        if (source, target) in seen:
            return
        seen.add((source, target))
        where = _short(source)
        pairs, left = pair_fields(source, target)
        for f in left:
            what = "oneof member without counterpart" if f.containing_oneof else "dropped"
            found.append(Difference(f"{where}.{f.name}", what))
        matched = {g.number for _, g in pairs}
        for g in target.fields:
            if g.number in matched:
                continue
            absent = NATIVE_WHEN_ABSENT.get((target.name, g.name))
            if absent is not None:
                found.append(Difference(f"{where}.{g.name}", f"set to {absent!r}"))
            elif label(g) == LABEL_REQUIRED:
                value = NATIVE_DEFAULTS.get((target.name, g.name), g.default_value)
                found.append(Difference(f"{where}.{g.name}", f"filled with {value!r}"))
        for f, g in pairs:
            here = f"{where}.{f.name}"
            if f.name != g.name:
                found.append(Difference(here, f"renamed {g.name}"))
            if f.number != g.number:
                found.append(Difference(here, f"renumbered {f.number} -> {g.number}"))
            if self._step(f, g) is None:
                found.append(Difference(here, "dropped (no conversion)"))
                continue
            if f.type != g.type:
                found.append(Difference(here, f"converted {_kind(f)} -> {_kind(g)}"))
            elif f.type == TYPE_ENUM:
                values = pair_values(enum_of(f), enum_of(g))
                for v in enum_of(f).values:
                    if v.number not in values:
                        found.append(Difference(f"{here}={v.name}", "value dropped"))
                    elif enum_of(g).values_by_number[values[v.number]].name != v.name:
                        renamed = enum_of(g).values_by_number[values[v.number]].name
                        found.append(Difference(f"{here}={v.name}", f"value renamed {renamed}"))
            elif f.type == TYPE_MESSAGE:
                self._differences(message_of(f), message_of(g), seen, found)


def _kind(f: FieldDescriptor) -> str:
    if f.message_type is not None:
        return _short(message_of(f))
    if f.enum_type is not None:
        return _short(enum_of(f))
    return "string" if f.type == TYPE_STRING else f"type {f.type}"


def _text_field(descriptor: Descriptor) -> bool:
    text = descriptor.fields_by_name.get(TEXT_FIELD)
    return text is not None and text.type == TYPE_STRING and label(text) != LABEL_REPEATED


# --- steps: each copies one set source field into the target message ---------------------


def _inexpressible(f: FieldDescriptor) -> Step:
    where = f"{_short(message_of_parent(f))}.{f.name}"

    def step(value: Any, out: Any) -> None:
        raise Inexpressible(where)

    return step


def _assign(name: str) -> Step:
    def step(value: Any, out: Any) -> None:
        setattr(out, name, value)

    return step


def _extend(name: str) -> Step:
    def step(value: Any, out: Any) -> None:
        getattr(out, name).extend(value)

    return step


def _enum(name: str, values: dict[int, int]) -> Step:
    def step(value: Any, out: Any) -> None:
        mapped = values.get(value)
        if mapped is not None:
            setattr(out, name, mapped)

    return step


def _enum_repeated(name: str, values: dict[int, int]) -> Step:
    def step(value: Any, out: Any) -> None:
        getattr(out, name).extend(values[v] for v in value if v in values)

    return step


def _copy_bytes(name: str) -> Step:
    def step(value: Any, out: Any) -> None:
        sub = getattr(out, name)
        sub.SetInParent()
        sub.MergeFromString(value.SerializePartialToString())

    return step


def _copy_bytes_repeated(name: str) -> Step:
    def step(value: Any, out: Any) -> None:
        container = getattr(out, name)
        for item in value:
            container.add().MergeFromString(item.SerializePartialToString())

    return step


def _convert(name: str, plan: Plan) -> Step:
    def step(value: Any, out: Any) -> None:
        sub = getattr(out, name)
        sub.SetInParent()
        plan.apply(value, sub)

    return step


def _convert_repeated(name: str, plan: Plan) -> Step:
    def step(value: Any, out: Any) -> None:
        container = getattr(out, name)
        for item in value:
            plan.apply(item, container.add())

    return step


def _map_update(name: str) -> Step:
    def step(value: Any, out: Any) -> None:
        getattr(out, name).update(value)

    return step


def _map_enum(name: str, values: dict[int, int]) -> Step:
    def step(value: Any, out: Any) -> None:
        target = getattr(out, name)
        for key, item in value.items():
            if item in values:
                target[key] = values[item]

    return step


def _map_copy_bytes(name: str) -> Step:
    def step(value: Any, out: Any) -> None:
        target = getattr(out, name)
        for key, item in value.items():
            target[key].MergeFromString(item.SerializePartialToString())

    return step


def _map_convert(name: str, plan: Plan) -> Step:
    def step(value: Any, out: Any) -> None:
        target = getattr(out, name)
        for key, item in value.items():
            plan.apply(item, target[key])

    return step


def _message_to_text(name: str) -> Step:
    def step(value: Any, out: Any) -> None:
        setattr(out, name, getattr(value, TEXT_FIELD))

    return step


def _text_to_message(name: str) -> Step:
    def step(value: Any, out: Any) -> None:
        setattr(getattr(out, name), TEXT_FIELD, value)

    return step


# --- fills: required target fields the source did not set ---------------------------------


def _fill_scalar(name: str, value: Any) -> Callable[[Any], None]:
    def fill(out: Any) -> None:
        if not out.HasField(name):
            setattr(out, name, value)

    return fill


def _set_fields(name: str, values: dict[str, Any]) -> Callable[[Any], None]:
    def fill(out: Any) -> None:
        sub = getattr(out, name)
        for key, value in values.items():
            setattr(sub, key, value)

    return fill


def _fill_message(name: str, fills: list[Callable[[Any], None]]) -> Callable[[Any], None]:
    def fill(out: Any) -> None:
        if not out.HasField(name):
            sub = getattr(out, name)
            sub.SetInParent()
            for inner in fills:
                inner(sub)

    return fill
