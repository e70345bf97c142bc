"""PyAV packets and containers -> `Frame`s: the only place in the project that decodes video.

    decoder = FrameDecoder(session.video_stream, camera_id, FrameOptions(detect_fps=5), truth)
    for timed in session.packets():
        for frame in decoder.decode(timed.packet, timed.ts):   # before the packet is muxed
            analysis.offer(frame)

    for frame in file_frames(path, "file", FrameOptions(detect_fps=5), epoch=start):
        ...

One `FrameDecoder` per connection (the recording connection, or a second connection to the
sub stream: it only needs a video stream and its packets). What it does, in order:
- decode only what analysis needs: threaded decode, and when the detect fps is far below the
  stream's frame rate, PyAV's `skip_frame` ("NONREF": non-reference frames are never decoded;
  "NONKEY" when key frames alone come often enough for the detect fps);
- time stamps from PTS on the connection's mapping (`ts = anchor + pts * time_base`, the anchor
  taken from each packet's own time, so it follows a clock the connection slews or re-anchors),
  so B-frame reordering and delivery jitter never bend analysis time;
- thin to the detect fps by frame time (`detectors.frame.RateGate`);
- one resize, where configured (`max_width`), before anything else reads the frame; every frame
  says the main-stream size its geometry is in (`Frame.main_wh`: the decoded size, or for a
  sub stream the `main_wh` its owner sets);
- the Y plane read straight from the decoded frame (no colour conversion), BGR only on demand;
- simulated cameras: their ground truth attached to each kept frame (`Frame.truth`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.error
import numpy as np

from detectors.frame import Frame, FrameTruth, RateGate

log = logging.getLogger(__name__)
TruthSource = Callable[[float], FrameTruth]  # frame wall time -> ground truth (simulated cameras)
# 8-bit formats whose first plane is the luma plane at full resolution.
_PLANAR_Y = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "nv21", "gray"}
SKIP_NONREF_RATIO = 2.0  # stream fps / detect fps at or above which non-reference frames are skipped


@dataclass(frozen=True)
class FrameOptions:
    """How a connection's video is turned into analysis frames."""

    detect_fps: float | None = None  # None: every decoded frame
    every: int = 1  # keep only every n-th decoded frame (before the detect fps thinning)
    max_width: int | None = None  # wider frames are scaled down once to this width (None: as decoded)
    skip_frames: bool = True  # let the decoder skip frames analysis will not use (see module doc)
    threads: int = 2  # decoder threads (0: FFmpeg's choice)


class FrameDecoder:
    """Decodes one connection's packets into time-stamped, thinned `Frame`s. Not thread-safe."""

    def __init__(self, stream: av.VideoStream, camera_id: str, options: FrameOptions | None = None,
                 truth: TruthSource | None = None) -> None:
        self.stream = stream
        self.camera_id = camera_id
        self.options = options or FrameOptions()
        self.truth = truth
        # The camera's main-stream size, when this connection is another one (the sub stream): rule
        # geometry is in main px. None: this stream is the main one (its decoded size, before any resize).
        self.main_wh: tuple[int, int] | None = None
        self.codec = stream.codec_context
        self.time_base: Fraction = stream.time_base or Fraction(1, 90000)
        self.stream_fps = _stream_fps(stream)
        self.gate = RateGate(self.options.detect_fps)
        self.decoded = self.kept = self.errors = 0
        self._anchor: float | None = None  # wall time of pts 0
        self._last_ts: float | None = None
        self._key_interval_s: float | None = None
        self._last_key_ts: float | None = None
        self._configure_codec()

    def _configure_codec(self) -> None:
        """Threads and frame skipping must be set before the decoder opens (the first packet)."""
        try:
            self.codec.thread_type = "AUTO"
            self.codec.thread_count = self.options.threads
        except (AttributeError, ValueError, av.error.FFmpegError):  # already open: keep its settings
            pass
        if self._skip_mode() == "NONREF":
            self.codec.skip_frame = "NONREF"

    def _skip_mode(self) -> str:
        fps, stream_fps = self.options.detect_fps, self.stream_fps
        if not self.options.skip_frames or not fps or not stream_fps:
            return "NONE"
        if self._key_interval_s is not None and self._key_interval_s <= 1.0 / fps:
            return "NONKEY"  # key frames alone are at least as frequent as the detect fps
        return "NONREF" if stream_fps >= SKIP_NONREF_RATIO * fps else "NONE"

    def decode(self, packet: av.Packet, packet_ts: float) -> list[Frame]:
        """Decode one packet; returns the frames kept for analysis (decode errors cost only analysis).

        Args:
            packet: a compressed video packet of `stream`.
            packet_ts: wall time of the packet's PTS (from the connection's anchor).
        """
        if packet.pts is not None:  # the connection's latest mapping: it follows a slewed or re-anchored clock
            self._anchor = packet_ts - float(packet.pts * self.time_base)
        if packet.is_keyframe:
            self._note_keyframe(packet_ts)
        elif self._skip_mode() == "NONKEY":
            return []  # the decoder would discard it: do not even parse it
        try:
            decoded = self.codec.decode(packet)
        except av.error.FFmpegError:
            self.errors += 1
            return []
        return [f for f in (self._frame(vf, packet_ts) for vf in decoded) if f is not None]

    def flush(self) -> list[Frame]:
        """Frames still buffered in the decoder (end of a file)."""
        try:
            decoded = self.codec.decode(None)
        except av.error.FFmpegError:
            return []
        return [f for f in (self._frame(vf, self._last_ts or 0.0) for vf in decoded) if f is not None]

    def _note_keyframe(self, ts: float) -> None:
        if self._last_key_ts is not None and ts > self._last_key_ts:
            interval = ts - self._last_key_ts
            mode = self._skip_mode()
            self._key_interval_s = interval if self._key_interval_s is None else max(self._key_interval_s, interval)
            if mode != self._skip_mode():
                self.codec.skip_frame = self._skip_mode()
                log.info("%s: key frames every %.2f s: decoding %s", self.camera_id, interval, self._skip_mode())
        self._last_key_ts = ts

    def _frame(self, vf: av.VideoFrame, packet_ts: float) -> Frame | None:
        self.decoded += 1
        ts = self._timestamp(vf, packet_ts)
        if (self.decoded - 1) % self.options.every or not self.gate.keep(ts):
            return None
        self.kept += 1
        decoded_wh = (vf.width, vf.height)
        width = self.options.max_width
        if width and vf.width > width:
            height = max(2, round(vf.height * width / vf.width / 2) * 2)
            # Area averaging: anti-aliased like cv2.INTER_AREA, and cheaper than swscale's default bicubic.
            vf = vf.reformat(width=width, height=height, interpolation="AREA")
        frame = Frame(self.camera_id, ts, luma(vf), bgr_source=lambda vf=vf: vf.to_ndarray(format="bgr24"),
                      main_wh=self.main_wh or decoded_wh)
        if self.truth is not None:
            frame.truth = self.truth(ts)
        return frame

    def _timestamp(self, vf: av.VideoFrame, packet_ts: float) -> float:
        """PTS on the connection's anchor; a frame without PTS comes one frame after the last one."""
        if vf.pts is not None and self._anchor is not None:
            ts = self._anchor + float(vf.pts * (vf.time_base or self.time_base))
        elif self._last_ts is not None:
            ts = self._last_ts + 1.0 / (self.stream_fps or 25.0)
        else:
            ts = packet_ts
        self._last_ts = ts
        return ts


def luma(vf: av.VideoFrame) -> np.ndarray:
    """(H, W) uint8 Y plane, read straight from planar 8-bit frames (a copy: decoders reuse buffers)."""
    if vf.format.name in _PLANAR_Y:
        plane = vf.planes[0]
        arr = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
        return arr[:, : plane.width].copy()
    return vf.to_ndarray(format="gray")


def count_frames(path: Path) -> int | None:
    """Frame count from the container header, if it says (for a progress bar)."""
    with av.open(str(path)) as container:
        frames = container.streams.video[0].frames
    return frames or None


def file_frames(path: Path, camera_id: str = "file", options: FrameOptions | None = None, *,
                epoch: float = 0.0, max_frames: int | None = None,
                progress: Callable[[int], None] | None = None) -> Iterator[Frame]:
    """Frames of a video file, `ts` = epoch + seconds since its first frame.

    Args:
        max_frames: stop after this many decoded frames (before thinning).
        progress: called with 1 for every decoded frame (a progress bar counts decoded frames).
    """
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        decoder = FrameDecoder(stream, camera_id, options)
        first: float | None = None
        for packet in container.demux(stream):
            before = decoder.decoded
            media_s = float(packet.pts * stream.time_base) if packet.pts is not None and stream.time_base else 0.0
            frames = decoder.decode(packet, media_s) if packet.size else decoder.flush()
            for frame in frames:
                first = frame.ts if first is None else first
                frame.ts = epoch + frame.ts - first
                yield frame
            if progress is not None and decoder.decoded > before:
                progress(decoder.decoded - before)
            if max_frames is not None and decoder.decoded >= max_frames:
                return


def _stream_fps(stream: av.VideoStream) -> float | None:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return float(rate) if rate else None
