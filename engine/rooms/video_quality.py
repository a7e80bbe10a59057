"""set_remote_track_publication_quality and update_remote_track_publication_dimension.

As livekit-ffi's requests.rs answers them: a publication handle that is not a remote
publication is refused ("publication is not a RemotePublication"); otherwise the answer is
empty and at once, whatever the publication (the Rust SDK then does nothing on a
publication that is not simulcasted, or, for a dimension, not subscribed). What the
server then forwards is rooms/simulcast.py's.
"""

from __future__ import annotations

from lkemu.proto import track_publication_pb2

from ..core.call import Call
from ..core.errors import InvalidRequest
from ..core.registry import handles
from . import simulcast
from .media import Publication, RemoteTrack


def _remote(call: Call, handle: int) -> Publication:
    publication = call.get(handle, Publication)
    if not publication.remote or publication.view is None:
        raise InvalidRequest("publication is not a RemotePublication")
    return publication


@handles("set_remote_track_publication_quality")
def on_set_remote_track_publication_quality(
    call: Call, request: track_publication_pb2.SetRemoteTrackPublicationQualityRequest
) -> track_publication_pb2.SetRemoteTrackPublicationQualityResponse:
    publication = _remote(call, request.track_publication_handle)
    assert publication.view is not None
    # A value the enum lacks reads as its first, LOW, in prost's getter as here.
    simulcast.set_quality(publication.view, publication.published, request.quality)
    return track_publication_pb2.SetRemoteTrackPublicationQualityResponse()


@handles("update_remote_track_publication_dimension")
def on_update_remote_track_publication_dimension(
    call: Call, request: track_publication_pb2.UpdateRemoteTrackPublicationDimensionRequest
) -> track_publication_pb2.UpdateRemoteTrackPublicationDimensionResponse:
    publication = _remote(call, request.track_publication_handle)
    view = publication.view
    assert view is not None
    subscription = view.subscriptions.get(publication.published.sid)
    if subscription is not None and isinstance(subscription.remote, RemoteTrack):
        simulcast.update_dimension(
            view,
            publication.published,
            subscription.remote.enabled,
            request.width,
            request.height,
        )
    return track_publication_pb2.UpdateRemoteTrackPublicationDimensionResponse()
