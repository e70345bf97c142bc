"""A real clip as an IP camera's two streams: a 1080p H.264 main stream and a 640x360 sub stream.

    pair = make_dual_clip(Path(".../pets09_s2l1_view001_h264.mp4"), Path("bench/out/clips"), min_seconds=90)
    pair.main, pair.sub          # two H.264 files of the same pictures, same frame times
    pair.to_stream(gt_xyxy, "sub")  # ground-truth boxes (source pixels) in sub-stream pixels

What a camera would send, as far as a file can: the clip's own frame rate, a key frame every
second, no B-frames (IP cameras rarely use them), explicit PTS (pts = frame index, time base
1/fps, so media times are exact), the picture's aspect kept (a 4:3 clip is fitted into the 16:9
frame and padded black, as a 4:3 sensor behind a 16:9 encoder). The source is decoded once and
both renditions are encoded from the same decoded picture. `min_seconds` repeats the clip until
the files last at least that long (a benchmark step then never sees the end of the file): the
encoded packets are repeated with shifted time stamps, not encoded again.
Files are cached in `out_dir` under a key of the source and the settings.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import cv2
import numpy as np

MAIN_SIZE = (1920, 1080)
SUB_SIZE = (640, 360)
VERSION = 1  # bump when the encoding changes: cached files are then remade


@dataclass(frozen=True)
class DualClip:
    """A main + sub file pair made from one source clip."""

    main: Path
    sub: Path
    fps: float
    frames: int  # frames in each file (source frames x repeats)
    source_frames: int
    source_size: tuple[int, int]  # (W, H) of the source clip

    @property
    def seconds(self) -> float:
        return self.frames / self.fps

    def placement(self, role: Literal["main", "sub"]) -> tuple[float, float, float]:
        """(scale, pad_x, pad_y): stream px = source px * scale + pad."""
        return _placement(self.source_size, MAIN_SIZE if role == "main" else SUB_SIZE)

    def to_stream(self, xyxy: np.ndarray, role: Literal["main", "sub"]) -> np.ndarray:
        """(n, 4) source-pixel boxes -> the same boxes in `role` stream pixels (float32)."""
        scale, px, py = self.placement(role)
        boxes = np.asarray(xyxy, np.float64).reshape(-1, 4) * scale
        return (boxes + np.array([px, py, px, py])).astype(np.float32)


def _placement(source: tuple[int, int], target: tuple[int, int]) -> tuple[float, float, float]:
    scale = min(target[0] / source[0], target[1] / source[1])
    return scale, (target[0] - source[0] * scale) / 2, (target[1] - source[1] * scale) / 2


def _fit(bgr: np.ndarray, target: tuple[int, int]) -> np.ndarray:
    """The picture scaled to fit `target` (W, H), aspect kept, centred on black."""
    h, w = bgr.shape[:2]
    scale, px, py = _placement((w, h), target)
    size = (max(2, round(w * scale)), max(2, round(h * scale)))
    canvas = np.zeros((target[1], target[0], 3), np.uint8)
    x0, y0 = round(px), round(py)
    canvas[y0:y0 + size[1], x0:x0 + size[0]] = cv2.resize(bgr, size, interpolation=cv2.INTER_LINEAR)
    return canvas


def _source_info(source: Path) -> tuple[Fraction, int, tuple[int, int]]:
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate or Fraction(25)
        frames = sum(1 for _ in container.decode(stream))
        return Fraction(rate).limit_denominator(1001), frames, (stream.width, stream.height)


def _add_video(output: av.container.OutputContainer, rate: Fraction, size: tuple[int, int],
               kbps: int) -> av.VideoStream:
    stream = output.add_stream("libx264", rate=rate)
    stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
    stream.bit_rate = kbps * 1000
    stream.codec_context.time_base = 1 / rate
    gop = str(max(1, round(float(rate))))
    stream.options = {"g": gop, "keyint_min": gop, "bf": "0", "preset": "veryfast", "sc_threshold": "0"}
    return stream


def make_dual_clip(source: Path, out_dir: Path, *, min_seconds: float = 0.0, main_kbps: int = 4000,
                   sub_kbps: int = 600) -> DualClip:
    """Encode (or reuse from `out_dir`) the main + sub pair of `source`; see the module doc."""
    rate, source_frames, size = _source_info(source)
    repeats = max(1, int(np.ceil(min_seconds * float(rate) / source_frames))) if source_frames else 1
    settings = {"v": VERSION, "src": str(source.resolve()), "bytes": source.stat().st_size, "repeats": repeats,
                "main": main_kbps, "sub": sub_kbps}
    key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:10]
    out_dir.mkdir(parents=True, exist_ok=True)
    main, sub = out_dir / f"{source.stem}_{key}_main.mp4", out_dir / f"{source.stem}_{key}_sub.mp4"
    clip = DualClip(main, sub, float(rate), source_frames * repeats, source_frames, size)
    if main.is_file() and sub.is_file():
        return clip
    temp_main, temp_sub = main.with_suffix(".tmp.mp4"), sub.with_suffix(".tmp.mp4")
    with av.open(str(temp_main), "w") as out_main, av.open(str(temp_sub), "w") as out_sub:
        streams = [(out_main, _add_video(out_main, rate, MAIN_SIZE, main_kbps), MAIN_SIZE),
                   (out_sub, _add_video(out_sub, rate, SUB_SIZE, sub_kbps), SUB_SIZE)]
        encoded: list[list[tuple[bytes, int, int, bool]]] = [[], []]
        with av.open(str(source)) as container:
            for index, decoded in enumerate(container.decode(video=0)):
                bgr = decoded.to_ndarray(format="bgr24")
                for (output, stream, target), kept in zip(streams, encoded):
                    frame = av.VideoFrame.from_ndarray(_fit(bgr, target), format="bgr24")
                    frame.pts, frame.time_base = index, stream.codec_context.time_base
                    _mux(output, stream.encode(frame), kept)
        for (output, stream, _), kept in zip(streams, encoded):
            _mux(output, stream.encode(None), kept)
            _repeat(output, stream, kept, repeats)
    temp_main.replace(main)
    temp_sub.replace(sub)
    return clip


def _mux(output: av.container.OutputContainer, packets: list[av.Packet],
         kept: list[tuple[bytes, int, int, bool]]) -> None:
    for packet in packets:  # in the stream's time base (1/fps): pts = frame index
        kept.append((bytes(packet), int(packet.pts), int(packet.dts), bool(packet.is_keyframe)))
        output.mux(packet)


def _repeat(output: av.container.OutputContainer, stream: av.VideoStream,
            kept: list[tuple[bytes, int, int, bool]], repeats: int) -> None:
    """Append the encoded pass again `repeats - 1` times, time-shifted: the pass starts with a key
    frame and the encoder never references across it, so no second encode is needed."""
    span = max(pts for _, pts, _, _ in kept) + 1
    for turn in range(1, repeats):
        for data, pts, dts, key in kept:
            packet = av.Packet(data)
            packet.pts, packet.dts = pts + turn * span, dts + turn * span
            packet.time_base, packet.stream, packet.is_keyframe = stream.codec_context.time_base, stream, key
            output.mux(packet)
