"""The FFI protocol of every livekit release in lkemu's supported range, from the snapshot
that snapshot_protocols.py writes (protocols.tar.xz): each release's message types, built in
a descriptor pool of their own, as that release's `livekit.rtc._proto` modules define them.
"""

from __future__ import annotations

import tarfile
from functools import cache
from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.descriptor import Descriptor
from google.protobuf.message_factory import GetMessageClass

from lkemu.bindings.versions import ProtocolAdapter
from lkemu.bindings.versions.support import release

ARCHIVE = Path(__file__).with_name("protocols.tar.xz")
PACKAGE = "livekit.proto"


@cache
def snapshots() -> dict[str, bytes]:
    with tarfile.open(ARCHIVE, "r:xz") as tar:
        found = {}
        for member in tar.getmembers():
            data = tar.extractfile(member)
            assert data is not None
            found[member.name.removeprefix("livekit-").removesuffix(".binpb")] = data.read()
        return found


def versions() -> list[str]:
    return sorted(snapshots(), key=release)


@cache
def pool(version: str) -> descriptor_pool.DescriptorPool:
    files = {
        f.name: f for f in descriptor_pb2.FileDescriptorSet.FromString(snapshots()[version]).file
    }
    made = descriptor_pool.DescriptorPool()
    added: set[str] = set()

    def add(name: str) -> None:
        if name not in added:
            for dependency in files[name].dependency:
                add(dependency)
            made.Add(files[name])
            added.add(name)

    for name in files:
        add(name)
    return made


def descriptor(version: str, name: str) -> Descriptor:
    return pool(version).FindMessageTypeByName(f"{PACKAGE}.{name}")


def message(version: str, name: str) -> Any:
    """The message class `name` (e.g. "FfiEvent", "ParticipantInfo") of that release."""
    return GetMessageClass(descriptor(version, name))


@cache
def adapter(version: str) -> ProtocolAdapter:
    return ProtocolAdapter(
        descriptor(version, "FfiRequest"),
        descriptor(version, "FfiResponse"),
        descriptor(version, "FfiEvent"),
        sdk_version=version,
    )
