"""What platform audio (engine/media/platform_audio.py) needs to know of the rooms: the
remote audio a session receives (what its ADM plays out, as WebRTC's mixer pulls every
received audio stream of the process), and whether anyone subscribes to a local track, or
(on the virtual clock) consumes it: a stream or a speaker on a subscriber's track (when a
virtual microphone's audio begins). Media never imports rooms: this module hands
platform audio these answers when the engine imports it.
"""

from __future__ import annotations

from lkemu.proto import track_pb2

from ..core.runtime import EngineRuntime
from ..media import platform_audio
from ..media.tracks import Track
from .model import Rooms


class RoomsForPlatformAudio:
    def received_audio(self, runtime: EngineRuntime, session_id: int) -> list[Track]:
        found: list[Track] = []
        for room in list(runtime.area(Rooms).by_name.values()):
            for member in list(room.members.values()):
                view = member.view
                if view.session is None or view.session.id != session_id:
                    continue
                found.extend(
                    s.remote
                    for s in view.subscriptions.values()
                    if s.remote.kind == track_pb2.KIND_AUDIO
                )
        return found

    def heard(self, runtime: EngineRuntime, track: Track, consumed: bool = False) -> bool:
        if track.room_handle is None:
            return False  # not published
        for room in list(runtime.area(Rooms).by_name.values()):
            members = list(room.members.values())
            for member in members:
                published = member.publications.get(track.sid)
                if published is None or published.track is not track:
                    continue
                for other in members:
                    subscription = other.view.subscriptions.get(track.sid)
                    if subscription is not None and (
                        not consumed or getattr(subscription.remote, "sinks", None)
                    ):
                        return True
                return False
        return False


platform_audio.set_rooms_view(RoomsForPlatformAudio())
