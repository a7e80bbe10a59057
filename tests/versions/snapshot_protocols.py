"""Snapshot the FFI protocol of every livekit release in lkemu's supported range.

    python tests/versions/snapshot_protocols.py            # every release pip can get
    python tests/versions/snapshot_protocols.py 1.1.22     # add (or refresh) releases
    ... --wheels DIR                                         # use wheels already in DIR

Each wheel ships its protocol as serialized descriptors inside
`livekit/rtc/_proto/*_pb2.py` (tools/sync_protocol.py reads them the same way). They are
read straight from the wheel, without installing it, and kept in `protocols.tar.xz`: one
FileDescriptorSet per release, ~20 KB for all of them (releases share most of their bytes).
The translator's tests (tests/versions) build each release's message types from it.
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from google.protobuf import descriptor_pb2

HERE = Path(__file__).resolve().parent
ARCHIVE = HERE / "protocols.tar.xz"
sys.path.insert(0, str(HERE.parent.parent))

from lkemu.bindings.versions.support import is_supported  # noqa: E402

_SERIALIZED = re.compile(r"AddSerializedFile\((b'.*?')\)\n", re.S)


def available_versions() -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", "livekit"],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("Available versions:"))
    return [v.strip() for v in line.split(":", 1)[1].split(",") if is_supported(v.strip())]


def protocol_of_wheel(wheel: Path) -> descriptor_pb2.FileDescriptorSet:
    files = []
    with zipfile.ZipFile(wheel) as archive:
        for name in sorted(archive.namelist()):
            if re.fullmatch(r"livekit/rtc/_proto/\w+_pb2\.py", name):
                match = _SERIALIZED.search(archive.read(name).decode())
                if match is None:
                    raise SystemExit(f"{wheel.name}:{name}: no serialized descriptor")
                proto = descriptor_pb2.FileDescriptorProto.FromString(
                    ast.literal_eval(match.group(1))
                )
                files.append(proto)
    return descriptor_pb2.FileDescriptorSet(file=files)


def existing() -> dict[str, bytes]:
    if not ARCHIVE.exists():
        return {}
    with tarfile.open(ARCHIVE, "r:xz") as tar:
        return {
            m.name.removeprefix("livekit-").removesuffix(".binpb"): tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
        }


def main(argv: list[str]) -> int:
    wheels: Path | None = None
    if "--wheels" in argv:
        at = argv.index("--wheels")
        wheels = Path(argv[at + 1])
        argv = argv[:at] + argv[at + 2 :]
    versions = argv or available_versions()
    snapshots = existing()
    with tempfile.TemporaryDirectory() as temporary:
        for version in versions:
            found = sorted(wheels.glob(f"livekit-{version}-*.whl")) if wheels else []
            if not found:
                subprocess.run(
                    [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                     f"livekit=={version}", "-d", temporary],
                    check=True,
                )  # fmt: skip
                found = sorted(Path(temporary).glob(f"livekit-{version}-*.whl"))
            wheel = found[0]
            snapshots[version] = protocol_of_wheel(wheel).SerializeToString()
            print(f"livekit {version}: {len(snapshots[version])} bytes of descriptors")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:xz", preset=9) as tar:
        for version in sorted(snapshots, key=lambda v: tuple(int(p) for p in v.split("."))):
            data = snapshots[version]
            info = tarfile.TarInfo(f"livekit-{version}.binpb")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    ARCHIVE.write_bytes(buffer.getvalue())
    print(f"{ARCHIVE.name}: {len(snapshots)} releases, {ARCHIVE.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
