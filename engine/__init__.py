"""The engine: the native core's part, played in Python.

    core/   the handle table, sessions, memory, clock, the request table (spec.py, generated),
            handler registration, the request context and its async helper, dispatch, and
            the servers (gRPC and the fast lane)
    wire/   what both sides of the boundary share: limits, framing, shared-memory blobs
    media/  sources, tracks, streams and audio filters
    local/  what the local lane can run in the client's process: resamplers, APM, conversion
    rooms/  simulated rooms: the model, and one module per area of room requests
    dsp/    vectorized audio DSP (resampling, APM stages, filters, test signals)
    video/  image layouts, conversion and buffers

Imports point one way: core's foundations know no area; areas import core and each other
(rooms import media, never the reverse); only dispatch (and the servers above it) import
the areas. tests/test_layout.py checks it.
"""
