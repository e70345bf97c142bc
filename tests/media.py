"""Test footage made on the spot with PyAV's bundled libx264 (no downloads, exact GOP)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np


def moving_square_frames(count: int, width: int = 320, height: int = 180) -> list[np.ndarray]:
    """Grey frames with a white square moving right 4 px per frame (BGR, uint8)."""
    frames = []
    for index in range(count):
        frame = np.full((height, width, 3), 64, np.uint8)
        x = (index * 4) % (width - 40)
        frame[60:100, x : x + 40] = 255
        frames.append(frame)
    return frames


def make_h264_file(path: Path, seconds: float, fps: int = 15, gop: int = 15, width: int = 320,
                   height: int = 180, container_format: str | None = None, codec: str = "libx264") -> Path:
    """Encode a moving-square clip: keyframe every `gop` frames, no B-frames (codec libx265: H.265)."""
    count = int(seconds * fps)
    with av.open(str(path), "w", format=container_format) as output:
        stream = output.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"g": str(gop), "keyint_min": str(gop), "sc_threshold": "0", "bf": "0",
                          "preset": "ultrafast", "tune": "zerolatency"}
        for image in moving_square_frames(count, width, height):
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return path
