"""Files live where the client is: send_file reads there, byte_write_to_file writes there,
only inside the directory the reader names, atomically."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from lkemu.bindings import FfiClient
from lkemu.bindings.client_files import read_for_request, write_atomically
from lkemu.proto import data_stream_pb2, engine_pb2, ffi_pb2
from tests.helpers import Peer, make_token


def test_a_missing_file_reads_as_the_native_io_error(tmp_path: Path) -> None:
    blob = read_for_request(str(tmp_path / "nope.bin"))
    assert blob.kind == engine_pb2.Blob.CLIENT_FILE
    assert blob.error == "I/O error: No such file or directory (os error 2)"


def test_writes_land_whole_and_leave_no_partial_file(tmp_path: Path) -> None:
    (tmp_path / "out.bin").write_bytes(b"old")
    path = write_atomically(str(tmp_path), "out.bin", b"new" * 1000)
    assert path == str(tmp_path / "out.bin")
    assert Path(path).read_bytes() == b"new" * 1000  # overwritten, as native does
    assert sorted(os.listdir(tmp_path)) == ["out.bin"]


@pytest.mark.parametrize("name", ["../x", "/etc/x", "a/b", "..", ".", ""])
def test_a_name_that_is_not_plain_never_reaches_the_disk(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="not a plain file name"):
        write_atomically(str(tmp_path), name, b"x")
    assert os.listdir(tmp_path) == []


async def _stream_file_to(
    client: FfiClient, tmp_path: Path, name: str, directory: str, override: str | None
) -> data_stream_pb2.ByteStreamReaderWriteToFileCallback:
    room = f"files-{uuid.uuid4().hex[:8]}"
    sender, receiver = Peer(client), Peer(client, events=None)
    await receiver.connect(make_token("receiver", room))
    await sender.connect(make_token("sender", room))
    source = tmp_path / "source.bin"
    source.write_bytes(b"\x00\x01" * 40_000)
    request = ffi_pb2.FfiRequest()
    request.send_file.local_participant_handle = sender.local
    request.send_file.file_path = str(source)
    request.send_file.options.topic = "files"
    request.send_file.options.name = name
    sent = await sender.call(request, "send_file")
    assert sent.WhichOneof("result") == "info", sent.error.description
    opened = await receiver.room_event("byte_stream_opened")
    write = ffi_pb2.FfiRequest()
    write.byte_write_to_file.reader_handle = opened.reader.handle.id
    write.byte_write_to_file.directory = directory
    if override is not None:
        write.byte_write_to_file.name_override = override
    done: data_stream_pb2.ByteStreamReaderWriteToFileCallback = await receiver.call(
        write, "byte_stream_reader_write_to_file"
    )
    return done


async def test_write_to_file_writes_the_sent_file_into_the_readers_directory(
    client: FfiClient, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    done = await _stream_file_to(client, tmp_path, "report.bin", str(inbox), None)
    assert done.file_path == str(inbox / "report.bin")
    assert (inbox / "report.bin").read_bytes() == (tmp_path / "source.bin").read_bytes()
    assert os.listdir(inbox) == ["report.bin"]


async def test_a_sender_chosen_name_cannot_escape_the_readers_directory(
    client: FfiClient, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    done = await _stream_file_to(client, tmp_path, "../escaped.bin", str(inbox), None)
    assert done.error.description == (
        "file name must be a plain file name without path separators or '..'"
    )
    assert not (tmp_path / "escaped.bin").exists()
    assert os.listdir(inbox) == []


async def test_write_to_file_into_a_missing_directory_fails_as_native(
    client: FfiClient, tmp_path: Path
) -> None:
    done = await _stream_file_to(client, tmp_path, "r.bin", str(tmp_path / "absent"), "ok.bin")
    assert done.error.description == "I/O error: No such file or directory (os error 2)"


def test_a_file_write_that_fails_oddly_still_answers() -> None:
    """Found in review: a NUL in the directory raised ValueError, the event was dropped and
    the caller never heard back."""
    from lkemu.bindings.client_files import apply_file_writes

    event = ffi_pb2.FfiEvent()
    event.byte_stream_reader_write_to_file.async_id = 7
    blob = engine_pb2.Blob(
        kind=engine_pb2.Blob.FILE_WRITE, directory="/tmp/a\0b", path="x.bin", data=b"x"
    )
    assert apply_file_writes(event, [blob]) == []
    callback = event.byte_stream_reader_write_to_file
    assert callback.WhichOneof("result") == "error"
    assert callback.error.description.startswith("I/O error:")
