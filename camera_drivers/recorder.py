"""Continuous recording by remuxing packets into MP4 segments, never re-encoding.

Segments start at keyframes and are cut at the first keyframe after the target length. The
camera's audio (AAC, see camera_drivers.audio) goes in the same file as a second track. Each is
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
# Fragment at every keyframe: a crash loses at most the GOP being written. `delay_moov` writes
# the header with the first fragment, so a track that starts after time zero (audio rarely
# starts exactly at the keyframe) gets an edit list saying so instead of being pulled to zero.
FMP4_OPTIONS = {"movflags": "frag_keyframe+empty_moov+delay_moov+default_base_moof",
                # Interleave audio and video within 1 s (FFmpeg's default waits up to 10 s for a
                # silent track, which a crash would lose).
                "max_interleave_delta": "1000000",
                # Hand each finished fragment to the OS at once: FFmpeg's 32 KB write buffer holds
                # seconds of a low-bitrate stream, which a killed worker would lose with it.
                "flush_packets": "1"}
# How long a cut segment waits for audio up to its end before it is finished without it.
AUDIO_GRACE_S = 1.0


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
    """The segment being written: its muxer, output tracks and time origin.

    Time zero of both tracks is the wall time of the first video packet's DTS, so audio and
    video keep the offset they had on the camera's timeline.
    """

    def __init__(self, final_path: Path, video: av.stream.Stream, audio: av.stream.Stream | None,
                 first: TimedPacket):
        self.final_path = final_path
        self.partial_path = final_path.with_name(final_path.name + PARTIAL_SUFFIX)
        final_path.parent.mkdir(parents=True, exist_ok=True)
        self.container = av.open(str(self.partial_path), "w", format="mp4", options=FMP4_OPTIONS)
        self.video = self.container.add_stream_from_template(video)
        self.audio = self.container.add_stream_from_template(audio) if audio is not None else None
        self.start = first.ts
        self.end = first.ts
        pts = first.packet.pts if first.packet.pts is not None else first.packet.dts
        self.dts_offset = first.packet.dts if first.packet.dts is not None else pts
        self.origin = first.ts - float((pts - self.dts_offset) * video.time_base)  # wall time of DTS 0
        self.audio_packets = 0
        self._audio_last_dts = -1

    def write(self, timed: TimedPacket) -> None:
        packet = timed.packet
        # Segment-relative timestamps; DTS may start below PTS, so offset both by the first DTS.
        packet.pts = (packet.pts if packet.pts is not None else packet.dts) - self.dts_offset
        packet.dts = (packet.dts if packet.dts is not None else packet.pts + self.dts_offset) - self.dts_offset
        packet.stream = self.video
        self.container.mux(packet)
        self.end = max(self.end, timed.ts + timed.duration_s)

    def write_audio(self, timed: TimedPacket) -> None:
        """An audio packet at or after the segment's start: placed by its wall time."""
        assert self.audio is not None
        packet = timed.packet
        time_base = packet.time_base or self.audio.time_base
        dts = round((timed.ts - self.origin) / time_base)
        if dts <= self._audio_last_dts:
            return  # the muxer needs increasing DTS; a duplicate carries nothing new
        self._audio_last_dts = dts
        packet.pts = packet.dts = dts
        packet.stream = self.audio
        self.container.mux(packet)
        self.audio_packets += 1

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
    """Writes one camera's packets (video, and audio if the connection has it) into segments.

    Calls `on_closed` for each finished segment. Segments are cut at video keyframes. Audio
    arrives a little out of step with video, so a cut segment stays open for the audio up to
    its end (until an audio packet past the cut arrives, or `AUDIO_GRACE_S` of video later).
    """

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
        self._template: av.stream.Stream | None = None
        self._audio_template: av.stream.Stream | None = None
        self._current: _OpenSegment | None = None
        self._closing: tuple[_OpenSegment, float] | None = None  # (segment, cut time) awaiting its audio
        self.write_errors = 0

    def start_connection(self, template: av.stream.Stream, audio: av.stream.Stream | None = None) -> None:
        """A new connection: codec parameters may differ, so never continue a segment across it."""
        self.close()
        self._template = template
        self._audio_template = audio

    def write(self, timed: TimedPacket) -> None:
        """Add one packet; opens a segment at a keyframe and cuts at the first keyframe past length."""
        if timed.kind == "audio":
            self._write_audio(timed)
            return
        if self._closing is not None and timed.ts - self._closing[1] > AUDIO_GRACE_S:
            self._finish_closing()  # the audio stopped coming: do not hold the segment open
        if timed.rebased:  # the connection's clock stepped: a segment never spans two time bases
            self.close()
        if self._current is None:
            if not timed.keyframe:
                return  # a stream joined mid-GOP: nothing decodable until the next keyframe
            self._open(timed)
        elif timed.keyframe and timed.ts - self._current.start >= self.segment_seconds:
            self._cut(timed.ts)
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
            self._finish(self._current, end=None)
            self._current = None

    def _write_audio(self, timed: TimedPacket) -> None:
        if self._closing is not None:
            segment, cut = self._closing
            if timed.ts < cut:
                self._mux_audio(segment, timed)
                return
            self._finish_closing()
        if self._current is not None and self._current.audio is not None and timed.ts >= self._current.origin:
            self._mux_audio(self._current, timed)
        # else: audio from before the first keyframe of the connection has no video to go with

    def _mux_audio(self, segment: _OpenSegment, timed: TimedPacket) -> None:
        try:
            segment.write_audio(timed)
        except (av.error.FFmpegError, OSError) as error:
            self.write_errors += 1  # an audio packet the muxer refuses costs that packet only
            log.warning("%s: audio packet refused (%s)", self.camera_id, error)

    def _cut(self, cut: float) -> None:
        """End the current segment at `cut`; with audio, keep it open for the audio up to `cut`."""
        self._finish_closing()
        current, self._current = self._current, None
        if current is None:
            return
        if current.audio is None:
            self._finish(current, end=cut)
        else:
            self._closing = (current, cut)

    def close(self) -> None:
        """Finish the open segments (on disconnect or shutdown)."""
        self._finish_closing()
        current, self._current = self._current, None
        if current is not None:
            self._finish(current, end=None)

    def _open(self, first: TimedPacket) -> None:
        assert self._template is not None, "start_connection() must come first"
        path = segment_path(self.root, self.camera_id, first.ts)
        try:
            self._current = _OpenSegment(path, self._template, self._audio_template, first)
        except (av.error.FFmpegError, OSError, ValueError) as error:
            self.write_errors += 1
            log.warning("%s: cannot open segment %s (%s)", self.camera_id, path.name, error)
            self._current = None

    def _finish_closing(self) -> None:
        if self._closing is not None:
            segment, cut = self._closing
            self._closing = None
            self._finish(segment, end=cut)

    def _finish(self, segment: _OpenSegment, end: float | None) -> None:
        try:
            closed = segment.finish(end)
        except (av.error.FFmpegError, OSError) as error:
            self.write_errors += 1
            log.warning("%s: cannot finish segment %s (%s)", self.camera_id, segment.final_path.name, error)
            segment.abandon()
            return
        self.on_closed(ClosedSegment(self.camera_id, closed.start, closed.end, closed.path, closed.bytes))
