"""Process-local requests (resamplers, the APM, video_convert): the local lane runs these
in the client's process with the same handlers."""
