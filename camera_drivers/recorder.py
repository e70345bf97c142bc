"""Continuous recording by remuxing packets into MP4 segments, never re-encoding.

Segments start at keyframes and are cut at the first keyframe after the target length. Each is
written as fragmented MP4 under a temporary name (`.partial`) and renamed when complete, so a
finished segment is always whole, and a partial one left by a crash is still readable up to its
last fragment and can be recovered (see `recover_partials`).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import av
import av.error

from camera_drivers.stream import TimedPacket

log = logging.getLogger(__name__)

PARTIAL_SUFFIX = ".partial"
# Fragment at every keyframe: a crash loses at most the GOP being written.
FMP4_OPTIONS = {"movflags": "frag_keyframe+empty_moov+default_base_moof"}


@dataclass(frozen=True)
class ClosedSegment:
    """A finished segment file: wall-clock bounds in epoch seconds (UTC) and its size."""

    camera_id: str
    start: float
    end: float
    path: Path
    bytes: int


def segment_path(root: Path, camera_id: str, start: float) -> Path:
    """recordings/<cam>/<YYYY-MM-DD>/<HH>/<YYYYmmddTHHMMSS.mmmZ>.mp4 (UTC, sortable)."""
    moment = datetime.fromtimestamp(start, tz=timezone.utc)
    name = moment.strftime("%Y%m%dT%H%M%S") + f".{moment.microsecond // 1000:03d}Z.mp4"
    return root / camera_id / moment.strftime("%Y-%m-%d") / moment.strftime("%H") / name


def parse_segment_start(path: Path) -> float:
    """Inverse of `segment_path` for the file name (also accepts a .partial name)."""
    stem = path.name.removesuffix(PARTIAL_SUFFIX).removesuffix(".mp4")
    moment = datetime.strptime(stem, "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=timezone.utc)
    return moment.timestamp()


def fsync_file_and_dir(path: Path) -> None:
    """Make a write durable: the file's bytes, then the directory entry naming it."""
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class _OpenSegment:
    """The segment being written: its muxer, output stream and time offsets."""

    def __init__(self, final_path: Path, template: av.VideoStream, first: TimedPacket):
        self.final_path = final_path
        self.partial_path = final_path.with_name(final_path.name + PARTIAL_SUFFIX)
        final_path.parent.mkdir(parents=True, exist_ok=True)
        self.container = av.open(str(self.partial_path), "w", format="mp4", options=FMP4_OPTIONS)
        self.stream = self.container.add_stream_from_template(template)
        self.start = first.ts
        self.end = first.ts
        self.pts_offset = first.packet.pts if first.packet.pts is not None else first.packet.dts
        self.dts_offset = first.packet.dts if first.packet.dts is not None else self.pts_offset

    def write(self, timed: TimedPacket) -> None:
        packet = timed.packet
        # Segment-relative timestamps; DTS may start below PTS, so offset both by the first DTS.
        packet.pts = (packet.pts if packet.pts is not None else packet.dts) - self.dts_offset
        packet.dts = (packet.dts if packet.dts is not None else packet.pts + self.dts_offset) - self.dts_offset
        packet.stream = self.stream
        self.container.mux(packet)
        self.end = max(self.end, timed.ts + timed.duration_s)

    def finish(self, end: float | None) -> ClosedSegment:
        self.container.close()
        if end is not None:
            self.end = end
        fsync_file_and_dir(self.partial_path)
        os.replace(self.partial_path, self.final_path)
        size = self.final_path.stat().st_size
        return ClosedSegment("", self.start, self.end, self.final_path, size)

    def abandon(self) -> None:
        try:
            self.container.close()
        except (av.error.FFmpegError, OSError):
            pass


class SegmentRecorder:
    """Writes one camera's packets into consecutive segments; calls `on_closed` for each."""

    def __init__(
        self,
        camera_id: str,
        root: Path,
        segment_seconds: float,
        on_closed: Callable[[ClosedSegment], None],
    ):
        self.camera_id = camera_id
        self.root = root
        self.segment_seconds = segment_seconds
        self.on_closed = on_closed
        self._template: av.VideoStream | None = None
        self._current: _OpenSegment | None = None
        self.write_errors = 0

    def start_connection(self, template: av.VideoStream) -> None:
        """A new connection: codec parameters may differ, so never continue a segment across it."""
        self.close()
        self._template = template

    def write(self, timed: TimedPacket) -> None:
        """Add one packet; opens a segment at a keyframe and cuts at the first keyframe past length."""
        if self._current is None:
            if not timed.keyframe:
                return  # a stream joined mid-GOP: nothing decodable until the next keyframe
            self._open(timed)
        elif timed.keyframe and timed.ts - self._current.start >= self.segment_seconds:
            self._finish(end=timed.ts)
            self._open(timed)
        if self._current is None:
            return
        try:
            self._current.write(timed)
        except (av.error.FFmpegError, OSError) as error:
            # Disk full or a packet the muxer refuses: keep what is written, start afresh at
            # the next keyframe rather than killing the worker.
            self.write_errors += 1
            log.warning("%s: segment write failed (%s); restarting at next keyframe", self.camera_id, error)
            self._finish(end=None)

    def close(self) -> None:
        """Finish the open segment (on disconnect or shutdown)."""
        if self._current is not None:
            self._finish(end=None)

    def _open(self, first: TimedPacket) -> None:
        assert self._template is not None, "start_connection() must come first"
        path = segment_path(self.root, self.camera_id, first.ts)
        try:
            self._current = _OpenSegment(path, self._template, first)
        except (av.error.FFmpegError, OSError) as error:
            self.write_errors += 1
            log.warning("%s: cannot open segment %s (%s)", self.camera_id, path.name, error)
            self._current = None

    def _finish(self, end: float | None) -> None:
        current, self._current = self._current, None
        if current is None:
            return
        try:
            closed = current.finish(end)
        except (av.error.FFmpegError, OSError) as error:
            self.write_errors += 1
            log.warning("%s: cannot finish segment %s (%s)", self.camera_id, current.final_path.name, error)
            current.abandon()
            return
        self.on_closed(ClosedSegment(self.camera_id, closed.start, closed.end, closed.path, closed.bytes))
