"""Media: audio and video sources, local tracks, streams and audio filter modules."""
