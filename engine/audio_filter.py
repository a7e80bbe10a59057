"""load_audio_filter_plugin: filter plugins, registered but never loaded.

The native core loads the plugin's shared library; lkemu only checks that the file is there
(as loading it would) and registers the module id, so that streams created with that
module run a built-in filter family (engine/dsp/filters.py) instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lkemu.proto import audio_frame_pb2

if TYPE_CHECKING:
    from .dispatch import Call


@dataclass(frozen=True)
class RegisteredPlugin:
    module_id: str
    plugin_path: str
    dependencies: tuple[str, ...]


def on_load_audio_filter_plugin(
    call: Call, request: audio_frame_pb2.LoadAudioFilterPluginRequest
) -> audio_frame_pb2.LoadAudioFilterPluginResponse:
    response = audio_frame_pb2.LoadAudioFilterPluginResponse()
    missing = [p for p in (request.plugin_path, *request.dependencies) if not os.path.exists(p)]
    if missing:
        response.error = f"{missing[0]}: cannot open shared object file: No such file or directory"
        return response
    call.runtime.audio_filters[request.module_id] = RegisteredPlugin(
        request.module_id, request.plugin_path, tuple(request.dependencies)
    )
    return response


HANDLERS = {"load_audio_filter_plugin": on_load_audio_filter_plugin}
