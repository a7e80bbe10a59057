"""Compare lkemu's FFI protocol with the one `livekit` ships, field by field.

    python tools/protocol_diff.py     # prints every difference, exits 1 if there is one

Names of packages and files differ on purpose (lkemu.ffi vs livekit.proto); everything the
wire depends on must not: messages, field numbers, types, labels, oneofs, enum values.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator

from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import FileDescriptor

UPSTREAM_PACKAGE = "livekit.proto"
LKEMU_PACKAGE = "lkemu.ffi"
LKEMU_FILE_PREFIX = "lkemu/proto/"

Field = descriptor_pb2.FieldDescriptorProto
Message = descriptor_pb2.DescriptorProto
Enum = descriptor_pb2.EnumDescriptorProto


def file_proto(descriptor: FileDescriptor) -> descriptor_pb2.FileDescriptorProto:
    proto = descriptor_pb2.FileDescriptorProto()
    descriptor.CopyToProto(proto)
    return proto


def _type_name(name: str, package: str) -> str:
    prefix = f".{package}."
    return name[len(prefix) - 1 :] if name.startswith(prefix) else name


def _field_facts(field: Field, message: Message, package: str) -> dict[str, object]:
    return {
        "number": field.number,
        "type": Field.Type.Name(field.type),
        "label": Field.Label.Name(field.label),
        "type_name": _type_name(field.type_name, package),
        "oneof": message.oneof_decl[field.oneof_index].name
        if field.HasField("oneof_index")
        else None,
        "default": field.default_value if field.HasField("default_value") else None,
        "packed": field.options.packed if field.options.HasField("packed") else None,
        "deprecated": field.options.deprecated,
    }


def _enum_diff(path: str, ours: Enum, theirs: Enum) -> Iterator[str]:
    our_values = {v.name: v.number for v in ours.value}
    their_values = {v.name: v.number for v in theirs.value}
    for name in sorted(their_values.keys() | our_values.keys()):
        if our_values.get(name) != their_values.get(name):
            yield (
                f"enum {path}.{name}: lkemu {our_values.get(name)} != "
                f"livekit {their_values.get(name)}"
            )
    if [v.name for v in ours.value] != [v.name for v in theirs.value]:
        yield f"enum {path}: value order differs"


def _message_diff(
    path: str, ours: Message, theirs: Message, our_pkg: str, their_pkg: str
) -> Iterator[str]:
    our_fields = {f.name: f for f in ours.field}
    their_fields = {f.name: f for f in theirs.field}
    for name in sorted(their_fields.keys() | our_fields.keys()):
        if name not in our_fields:
            yield f"field {path}.{name}: missing in lkemu"
            continue
        if name not in their_fields:
            yield f"field {path}.{name}: not in livekit"
            continue
        mine = _field_facts(our_fields[name], ours, our_pkg)
        other = _field_facts(their_fields[name], theirs, their_pkg)
        for key in other:
            if mine[key] != other[key]:
                yield f"field {path}.{name}: {key} lkemu {mine[key]!r} != livekit {other[key]!r}"
    if [o.name for o in ours.oneof_decl] != [o.name for o in theirs.oneof_decl]:
        yield f"message {path}: oneofs differ"
    if ours.options.map_entry != theirs.options.map_entry:
        yield f"message {path}: map_entry differs"
    yield from _children_diff(
        path, ours.nested_type, theirs.nested_type, ours.enum_type, theirs.enum_type,
        our_pkg, their_pkg,
    )  # fmt: skip


def _children_diff(
    path: str,
    our_messages: Iterable[Message],
    their_messages: Iterable[Message],
    our_enums: Iterable[Enum],
    their_enums: Iterable[Enum],
    our_pkg: str,
    their_pkg: str,
) -> Iterator[str]:
    ours_m = {m.name: m for m in our_messages}
    theirs_m = {m.name: m for m in their_messages}
    for name in sorted(theirs_m.keys() | ours_m.keys()):
        child = f"{path}.{name}" if path else name
        if name not in ours_m or name not in theirs_m:
            where = "lkemu" if name not in ours_m else "livekit"
            yield f"message {child}: missing in {where}"
            continue
        yield from _message_diff(child, ours_m[name], theirs_m[name], our_pkg, their_pkg)
    ours_e = {e.name: e for e in our_enums}
    theirs_e = {e.name: e for e in their_enums}
    for name in sorted(theirs_e.keys() | ours_e.keys()):
        child = f"{path}.{name}" if path else name
        if name not in ours_e or name not in theirs_e:
            where = "lkemu" if name not in ours_e else "livekit"
            yield f"enum {child}: missing in {where}"
            continue
        yield from _enum_diff(child, ours_e[name], theirs_e[name])


def file_diff(
    ours: descriptor_pb2.FileDescriptorProto, theirs: descriptor_pb2.FileDescriptorProto
) -> list[str]:
    """Every wire-relevant difference between one lkemu file and its livekit original."""
    problems: list[str] = []
    if ours.name != LKEMU_FILE_PREFIX + theirs.name:
        problems.append(f"file {ours.name}: expected {LKEMU_FILE_PREFIX + theirs.name}")
    if ours.syntax != theirs.syntax:
        problems.append(f"file {ours.name}: syntax {ours.syntax!r} != {theirs.syntax!r}")
    expected_deps = [LKEMU_FILE_PREFIX + d for d in theirs.dependency]
    if sorted(ours.dependency) != sorted(expected_deps):
        problems.append(f"file {ours.name}: imports {list(ours.dependency)} != {expected_deps}")
    problems.extend(
        _children_diff(
            "",
            ours.message_type,
            theirs.message_type,
            ours.enum_type,
            theirs.enum_type,
            ours.package,
            theirs.package,
        )
    )
    return problems


def protocol_pairs() -> list[
    tuple[descriptor_pb2.FileDescriptorProto, descriptor_pb2.FileDescriptorProto]
]:
    """(lkemu, livekit) file descriptor pairs, matched by file name."""
    import importlib
    import pkgutil

    import livekit.rtc._proto as upstream

    pairs = []
    for info in sorted(pkgutil.iter_modules(upstream.__path__), key=lambda i: i.name):
        if not info.name.endswith("_pb2"):
            continue
        theirs = importlib.import_module(f"livekit.rtc._proto.{info.name}")
        ours = importlib.import_module(f"lkemu.proto.{info.name}")
        pairs.append((file_proto(ours.DESCRIPTOR), file_proto(theirs.DESCRIPTOR)))
    return pairs


def main() -> int:
    problems = [p for ours, theirs in protocol_pairs() for p in file_diff(ours, theirs)]
    for problem in problems:
        print(problem)
    print(f"{len(problems)} difference(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
