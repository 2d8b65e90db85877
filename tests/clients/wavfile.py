"""Writes what a client received as a wav file for the ears: the one writer the client
scripts share (each runs as `python SCRIPT`, so this directory is on its import path)."""

import wave


def save(path, pcm, rate=24000, width=2, channels=1):
    """PCM bytes (signed 16-bit little-endian by default) at RATE Hz as a wav file."""
    with wave.open(path, "wb") as w:
        w.setframerate(rate)
        w.setsampwidth(width)
        w.setnchannels(channels)
        w.writeframes(bytes(pcm))
