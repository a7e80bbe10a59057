"""Message limits, the same on both ends."""

from __future__ import annotations

# A 4K RGBA frame is 33 MB; gRPC's default 4 MB would refuse video.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
GRPC_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
]
