"""load_audio_filter_plugin: filter plugins, registered but never loaded.

The native core loads the plugin's shared library; lkemu only checks that the file is there
(as loading it would) and registers the module id, so that streams created with that
module run a built-in filter family (engine/dsp/filters.py) instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from lkemu.proto import audio_frame_pb2

from ..core.call import Call
from ..core.registry import handles
from ..core.runtime import EngineRuntime


@dataclass(frozen=True)
class RegisteredPlugin:
    module_id: str
    plugin_path: str
    dependencies: tuple[str, ...]


class AudioFilterPlugins:
    """The engine's registered filter modules, by module id (runtime.area(...))."""

    # Natively a plugin is loaded into the process: engines sharing one process share it.
    PROCESS_WIDE = True

    def __init__(self, runtime: EngineRuntime) -> None:
        self.by_module: dict[str, RegisteredPlugin] = {}

    def __contains__(self, module_id: str) -> bool:
        return module_id in self.by_module

    def stop(self) -> None:
        self.by_module.clear()


@handles("load_audio_filter_plugin")
def on_load_audio_filter_plugin(
    call: Call, request: audio_frame_pb2.LoadAudioFilterPluginRequest
) -> audio_frame_pb2.LoadAudioFilterPluginResponse:
    response = audio_frame_pb2.LoadAudioFilterPluginResponse()
    missing = [p for p in (request.plugin_path, *request.dependencies) if not os.path.exists(p)]
    if missing:
        response.error = f"{missing[0]}: cannot open shared object file: No such file or directory"
        return response
    plugins = call.runtime.area(AudioFilterPlugins)
    plugins.by_module[request.module_id] = RegisteredPlugin(
        request.module_id, request.plugin_path, tuple(request.dependencies)
    )
    return response
