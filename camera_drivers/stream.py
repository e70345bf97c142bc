"""Stream ingest with PyAV: one connection to a camera, yielding timestamped compressed packets.

A `StreamSession` is one connection. It never reconnects by itself: end of stream on a live
camera is a disconnect, and the worker above decides when to retry (capped backoff). Timestamps
come from PTS, anchored to the wall clock once per connection, never from read time, so jitter
in delivery does not bend recorded time.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterator, Literal
from urllib.parse import quote, urlsplit, urlunsplit

import av
import av.error

from detectors.frame import FrameTruth

log = logging.getLogger(__name__)


class StreamError(RuntimeError):
    """Connecting to or reading from a stream failed. The message never contains credentials."""


@dataclass(frozen=True)
class StreamSource:
    """Where packets come from. Credentials are kept apart from the URL so they never get logged."""

    kind: Literal["rtsp", "file", "sim"]
    location: str
    transport: Literal["tcp", "udp"] = "tcp"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    realtime: bool = True
    loop: bool = False
    seed: int = 0

    @property
    def display(self) -> str:
        """A log-safe description of the source."""
        return f"{self.kind}:{redact_url(self.location)}"


def redact_url(url: str) -> str:
    """Remove any user:password@ part from a URL (defence in depth: URLs should not carry them)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


def _url_with_credentials(source: StreamSource) -> str:
    if not source.username:
        return source.location
    parts = urlsplit(source.location)
    auth = quote(source.username, safe="")
    if source.password:
        auth += ":" + quote(source.password, safe="")
    netloc = f"{auth}@{parts.netloc.rsplit('@', 1)[-1]}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@dataclass(frozen=True, slots=True)
class TimedPacket:
    """One compressed video packet with its wall-clock capture time (epoch seconds, UTC)."""

    packet: av.Packet
    ts: float
    duration_s: float
    keyframe: bool


@dataclass
class _Anchor:
    """Maps stream PTS to wall clock: fixed at the first packet of a connection."""

    wall: float
    pts: int
    time_base: Fraction
    started: float  # monotonic clock at the anchor, for pacing file sources

    def to_wall(self, pts: int) -> float:
        return self.wall + float((pts - self.pts) * self.time_base)


class StreamSession:
    """One open connection to a source. Use as a context manager, then iterate `packets()`."""

    def __init__(self, source: StreamSource, open_timeout_s: float = 10.0, read_timeout_s: float = 8.0):
        self.source = source
        self.open_timeout_s = open_timeout_s
        self.read_timeout_s = read_timeout_s
        self.container: av.container.InputContainer | None = None
        self.video_stream: av.VideoStream | None = None
        self.dropped_packets = 0
        self._sim_stream = None
        self._sim_fps: float | None = None
        self._anchor_wall: float | None = None

    def __enter__(self) -> "StreamSession":
        try:
            self._open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self) -> None:
        timeout = (self.open_timeout_s, self.read_timeout_s)
        src = self.source
        try:
            if src.kind == "rtsp":
                options = {"rtsp_transport": src.transport, "rtsp_flags": "prefer_tcp"}
                if src.transport == "udp":
                    options = {"rtsp_transport": "udp"}
                self.container = av.open(_url_with_credentials(src), options=options, timeout=timeout)
            elif src.kind == "file":
                if not Path(src.location).is_file():
                    raise StreamError(f"{src.display}: no such file")
                self.container = av.open(src.location, timeout=timeout)
            else:
                self._open_simulated(timeout)
        except av.error.FFmpegError as error:
            raise StreamError(f"{src.display}: cannot open stream ({_ffmpeg_reason(error)})") from None
        assert self.container is not None
        if not self.container.streams.video:
            raise StreamError(f"{src.display}: no video stream")
        self.video_stream = self.container.streams.video[0]
        if self.video_stream.codec_context.name not in ("h264", "hevc"):
            log.warning("%s: codec %s; browsers play H.264 only", src.display, self.video_stream.codec_context.name)

    def _open_simulated(self, timeout: tuple[float, float]) -> None:
        # Imported here: the simulator pulls in rendering code that RTSP cameras never need.
        from camera_drivers.simulator import load_scene, open_simulated_stream

        script = load_scene(self.source.location)
        if self.source.seed:
            script = script.model_copy(update={"seed": self.source.seed})
        self._sim_stream = open_simulated_stream(script, realtime=self.source.realtime, loop=True)
        self._anchor_wall = self._sim_stream.start_wall_time
        # The simulator's stream is known: skip FFmpeg's 1.5 s probe (frame rate comes from the script).
        self.container = av.open(self._sim_stream, format=self._sim_stream.format_name, timeout=timeout,
                                 options={"probesize": "32", "analyzeduration": "0"})
        self._sim_fps = float(self._sim_stream.fps)

    def truth_source(self) -> "Callable[[float], FrameTruth] | None":
        """Simulated sources only: wall time of a frame -> its ground truth (None for real cameras).

        The function keeps working after the connection closes (the scene is pure computation),
        so an analysis thread that lags behind can still ask for frames already recorded.
        """
        sim = self._sim_stream
        if sim is None:
            return None
        start = sim.start_wall_time
        return lambda ts: sim.ground_truth_at(ts - start)

    def close(self) -> None:
        if self.container is not None:
            try:
                self.container.close()
            except av.error.FFmpegError:  # closing a broken connection is best effort
                pass
            self.container = None
        if self._sim_stream is not None:
            self._sim_stream.close()
            self._sim_stream = None

    def packets(self) -> Iterator[TimedPacket]:
        """Yield video packets in order until the stream ends; raise StreamError on a read failure.

        A packet without timestamps gets one a frame after its predecessor (RTSP often leaves the
        very first keyframe unstamped: it is held until the next stamped packet shows where it
        belongs). Packets whose DTS does not advance (duplicates some cameras send when they
        repeat parameter sets) are dropped and counted.
        """
        assert self.container is not None and self.video_stream is not None
        stream = self.video_stream
        time_base = stream.time_base or Fraction(1, 90000)
        frame_s = 1 / self._sim_fps if self._sim_fps else _frame_duration(stream)
        frame_ticks = max(1, round(frame_s / time_base))
        anchor: _Anchor | None = None
        last_dts: int | None = None
        held: av.Packet | None = None
        for packet in self._demux():
            if packet.pts is None and packet.dts is None:
                if last_dts is None:
                    held = packet
                    continue
                packet.pts = packet.dts = last_dts + frame_ticks
            ordered = [packet]
            if held is not None:
                held.pts = held.dts = (packet.dts if packet.dts is not None else packet.pts) - frame_ticks
                ordered.insert(0, held)
                held = None
            for item in ordered:
                pts = item.pts if item.pts is not None else item.dts
                dts = item.dts if item.dts is not None else pts
                if last_dts is not None and dts <= last_dts:
                    self.dropped_packets += 1
                    continue
                last_dts = dts
                if anchor is None:
                    wall = self._anchor_wall if self._anchor_wall is not None else time.time()
                    anchor = _Anchor(wall=wall, pts=pts, time_base=time_base, started=time.monotonic())
                yield self._timed(item, anchor.to_wall(pts), time_base, frame_ticks, anchor)

    def _demux(self) -> Iterator[av.Packet]:
        assert self.container is not None and self.video_stream is not None
        demux = self.container.demux(self.video_stream)
        while True:
            try:
                packet = next(demux)
            except StopIteration:
                return
            except av.error.FFmpegError as error:
                raise StreamError(f"{self.source.display}: read failed ({_ffmpeg_reason(error)})") from None
            if packet.size:  # size 0 is the demuxer's flush packet at end of stream
                yield packet

    def _timed(self, packet: av.Packet, ts: float, time_base: Fraction, frame_ticks: int, anchor: _Anchor) -> TimedPacket:
        duration = float((packet.duration or frame_ticks) * time_base)
        if self.source.kind == "file" and self.source.realtime:
            _pace(anchor.started, ts - anchor.wall)
        return TimedPacket(packet=packet, ts=ts, duration_s=duration, keyframe=packet.is_keyframe)


def _pace(start_monotonic: float, media_elapsed: float) -> None:
    """Sleep so that a file source is read no faster than its frame rate."""
    delay = start_monotonic + media_elapsed - time.monotonic()
    if delay > 0:
        time.sleep(min(delay, 1.0))


def _frame_duration(stream: av.VideoStream) -> float:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return float(1 / rate) if rate else 1 / 15


def _ffmpeg_reason(error: av.error.FFmpegError) -> str:
    # FFmpeg errors carry the URL as `filename`; keep only the reason, never the credentials.
    return getattr(error, "strerror", None) or type(error).__name__
