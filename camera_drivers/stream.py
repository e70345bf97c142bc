"""Stream ingest with PyAV: one connection to a camera, yielding timestamped compressed packets
(video, and on request the camera's audio).

A `StreamSession` is one connection. It never reconnects by itself: end of stream on a live
camera is a disconnect, and the worker above decides when to retry (capped backoff). Timestamps
come from PTS, anchored to the wall clock once per connection, never from read time, so jitter
in delivery does not bend recorded time; over a long RTSP connection a drifting camera clock is
slewed back to the wall clock, and a clock step re-anchors at a keyframe (camera_drivers/clock.py).
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

from camera_drivers.audio import COPIED_CODECS, AacConverter, open_converter
from camera_drivers.clock import DriftPolicy, WallClock
from camera_drivers.stream_errors import ffmpeg_reason, rtsp_open_failure

from detectors.frame import FrameTruth

log = logging.getLogger(__name__)


# FFmpeg may open only these protocols for an RTSP camera: a hostile device's `file:`, `http:` or
# `concat:` URL (or an RTSP server redirecting to one) is refused by FFmpeg itself.
RTSP_PROTOCOL_WHITELIST = "rtsp,rtsps,rtp,srtp,udp,tcp,tls"
RTSP_SCHEMES = ("rtsp://", "rtsps://")


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
    role: Literal["main", "sub"] = "main"  # which of the camera's streams this is
    # Simulated cameras: sessions with the same key share one camera (its main and sub streams
    # show the same scene on one clock); None: a private camera per session.
    share_key: str | None = None

    @property
    def display(self) -> str:
        """A log-safe description of the source (an RTSP URL already names its scheme)."""
        suffix = " (sub)" if self.role == "sub" else ""
        base = redact_url(self.location) if self.kind == "rtsp" else f"{self.kind}:{self.location}"
        return base + suffix


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
    """One compressed packet with its wall-clock capture time (epoch seconds, UTC).

    `kind` says which track it belongs to; `stream` holds its codec parameters (the camera's
    input stream, or for audio converted to AAC the encoder's stream): a muxer copies it with
    `add_stream_from_template`. Audio packets are all keyframes.
    """

    packet: av.Packet
    ts: float
    duration_s: float
    keyframe: bool
    kind: Literal["video", "audio"] = "video"
    stream: "av.stream.Stream | None" = None
    # A video keyframe where the connection's clock was re-anchored (a clock step): times before
    # and after it are on different bases, so the recorder starts a new segment here.
    rebased: bool = False


ANCHOR_SETTLE_S = 0.5  # wall time over which a live connection's anchor settles (see _anchor)
ANCHOR_MAX_MEDIA_S = 10  # ... or this much media, whichever comes first


@dataclass
class _Anchor:
    """Maps media time to wall clock: fixed at the first stamped packet of a connection.

    One anchor for all tracks: the demuxer puts them on one timeline (RTSP: RTCP sender
    reports), so audio and video anchored together stay in sync.
    """

    wall: float
    media: Fraction  # media time (seconds) of the anchoring packet
    started: float  # monotonic clock at the anchor, for pacing file sources
    clock: WallClock  # the mapping from then on (drift-corrected on live connections)

    def to_wall(self, pts: int, time_base: Fraction) -> float:
        return self.clock.to_wall(float(pts * time_base))


@dataclass
class _Track:
    """Per-track timestamp repair state: the last DTS and a held unstamped first packet."""

    stream: av.stream.Stream
    kind: Literal["video", "audio"]
    time_base: Fraction
    frame_ticks: int
    last_dts: int | None = None
    held: av.Packet | None = None


class StreamSession:
    """One open connection to a source. Use as a context manager, then iterate `packets()`.

    With `audio=True` the first audio track comes too: AAC as sent, other codecs converted to
    AAC (see camera_drivers.audio); `audio_stream` is then the template of the recorded track.
    """

    def __init__(self, source: StreamSource, open_timeout_s: float = 10.0, read_timeout_s: float = 8.0,
                 audio: bool = False, drift: DriftPolicy | None | Literal["auto"] = "auto",
                 now: Callable[[], float] = time.time):
        """`drift`: how stamped times follow the wall clock over a long connection ("auto": RTSP
        cameras follow it with the default policy; files and the simulator are paced by this
        host's own clock). `now` is the wall clock (tests give a simulated one)."""
        self.source = source
        self.drift = (DriftPolicy() if source.kind == "rtsp" else None) if drift == "auto" else drift
        self.now = now
        self.open_timeout_s = open_timeout_s
        self.read_timeout_s = read_timeout_s
        self.want_audio = audio
        self.container: av.container.InputContainer | None = None
        self.video_stream: av.VideoStream | None = None
        self.audio_input: av.AudioStream | None = None  # the camera's audio track
        self.audio_stream: "av.stream.Stream | None" = None  # what is yielded: the input, or the AAC encoder's
        self.audio_converter: AacConverter | None = None
        self.dropped_packets = 0
        self._sim_stream = None
        self._sim_fps: float | None = None
        self._anchor_wall: float | None = None

    @property
    def audio_codec(self) -> str:
        """'' without audio, 'aac', or e.g. 'pcm_mulaw>aac' when converted (for health and logs)."""
        if self.audio_stream is None or self.audio_input is None:
            return ""
        if self.audio_converter is not None:
            return f"{self.audio_converter.source_codec}>aac"
        return self.audio_input.codec_context.name

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
        started = time.monotonic()
        try:
            if src.kind == "rtsp":
                if not src.location.lower().startswith(RTSP_SCHEMES):
                    raise StreamError(f"{src.display}: not an rtsp:// or rtsps:// URL")
                options = {"rtsp_transport": src.transport, "rtsp_flags": "prefer_tcp"}
                if src.transport == "udp":
                    options = {"rtsp_transport": "udp"}
                options["protocol_whitelist"] = RTSP_PROTOCOL_WHITELIST
                self.container = av.open(_url_with_credentials(src), options=options, timeout=timeout)
            elif src.kind == "file":
                if not Path(src.location).is_file():
                    raise StreamError(f"{src.display}: no such file")
                self.container = av.open(src.location, timeout=timeout)
            else:
                self._open_simulated(timeout)
        except av.error.FFmpegError as error:
            cause = (rtsp_open_failure(src.location, error, time.monotonic() - started, self.open_timeout_s)
                     if src.kind == "rtsp" else ffmpeg_reason(error))
            raise StreamError(f"{src.display}: cannot open stream: {cause}") from None
        assert self.container is not None
        if not self.container.streams.video:
            raise StreamError(f"{src.display}: no video stream")
        self.video_stream = self.container.streams.video[0]
        if self.video_stream.codec_context.name not in ("h264", "hevc"):
            log.warning("%s: codec %s; browsers play H.264 only", src.display, self.video_stream.codec_context.name)
        if self.want_audio and self.container.streams.audio:
            self._open_audio(self.container.streams.audio[0])

    def _open_audio(self, stream: av.AudioStream) -> None:
        self.audio_input = stream
        if stream.codec_context.name in COPIED_CODECS:
            self.audio_stream = stream
            return
        self.audio_converter = open_converter(stream, self.source.display)
        if self.audio_converter is not None:
            self.audio_stream = self.audio_converter.stream
    def _open_simulated(self, timeout: tuple[float, float]) -> None:
        # Imported here: the simulator pulls in rendering code that RTSP cameras never need.
        from camera_drivers.simulator import SceneError, SimulatedCamera, load_scene, open_simulated_stream

        try:
            script = load_scene(self.source.location)
        except SceneError as error:  # a bad scene is this camera's error, never a worker crash
            raise StreamError(f"{self.source.display}: {error}") from None
        if self.source.seed:
            script = script.model_copy(update={"seed": self.source.seed})
        if self.source.share_key is not None:
            camera = SimulatedCamera.shared(self.source.share_key, script, realtime=self.source.realtime)
            self._sim_stream = camera.open(self.source.role)
        else:
            self._sim_stream = open_simulated_stream(script, realtime=self.source.realtime, loop=True)
        self._anchor_wall = self._sim_stream.start_wall_time
        # The simulator's stream is known: skip FFmpeg's 1.5 s probe (frame rate comes from the script).
        self.container = av.open(self._sim_stream, format=self._sim_stream.format_name, timeout=timeout,
                                 options={"probesize": "32", "analyzeduration": "0"})
        self._sim_fps = float(self._sim_stream.fps)

    def truth_source(self) -> "Callable[[float], FrameTruth] | None":
        """Simulated sources only: wall time of a frame -> its ground truth (None for real cameras).

        The function keeps working after the connection closes (the scene is pure computation),
        so an analysis thread that lags behind can still ask for frames already recorded. Boxes
        are in scene pixels, i.e. main-stream pixels, also for the (smaller) sub stream.
        """
        sim = self._sim_stream
        if sim is None:
            return None
        start = sim.start_wall_time
        return lambda ts: sim.ground_truth_at(ts - start)  # scene px = main-stream px, for either stream

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
        if self.audio_converter is not None:
            self.audio_converter.close()
            self.audio_converter = None

    def packets(self) -> Iterator[TimedPacket]:
        """Yield packets in demux order until the stream ends; raise StreamError on a read failure.

        A packet without timestamps gets one a frame after its predecessor on its track (RTSP
        often leaves the very first keyframe unstamped: it is held until the next stamped packet
        shows where it belongs). Packets whose DTS does not advance on their track (duplicates
        some cameras send when they repeat parameter sets) are dropped and counted.
        """
        assert self.container is not None and self.video_stream is not None
        tracks = {self.video_stream.index: self._video_track()}
        if self.audio_stream is not None and self.audio_input is not None:
            tracks[self.audio_input.index] = self._audio_track(self.audio_input)
        anchor: _Anchor | None = None
        pending: list[tuple[_Track, av.Packet, int, float]] = []  # (track, packet, pts, arrival)
        for packet in self._demux([t.stream for t in tracks.values()]):
            track = tracks.get(packet.stream.index)
            if track is None:
                continue
            arrival = self.now()
            for item in self._stamped(track, packet):
                pts = item.pts if item.pts is not None else item.dts
                if anchor is None:
                    pending.append((track, item, pts, arrival))
                    anchor = self._anchor(pending)
                    if anchor is None:
                        continue
                    for held_track, held, held_pts, _ in pending:
                        yield from self._timed(held, held_track, anchor.to_wall(held_pts, held_track.time_base), anchor)
                    pending = []
                    continue
                rebased = track.kind == "video" and anchor.clock.observe(
                    float(pts * track.time_base), arrival, item.is_keyframe)
                yield from self._timed(item, track, anchor.to_wall(pts, track.time_base), anchor, rebased)
        if anchor is None and pending:  # the stream ended while the anchor settled
            anchor = self._anchor(pending, final=True)
            assert anchor is not None
            for held_track, held, held_pts, _ in pending:
                yield from self._timed(held, held_track, anchor.to_wall(held_pts, held_track.time_base), anchor)
        if self.audio_converter is not None:  # the converter holds the last fraction of a second
            for converted in self.audio_converter.flush():
                yield TimedPacket(converted.packet, converted.ts, converted.duration_s, True, "audio",
                                  self.audio_converter.stream)

    def _anchor(self, pending: list[tuple[_Track, av.Packet, int, float]], final: bool = False) -> _Anchor | None:
        """The connection's anchor, or None while it is still settling (live RTSP only).

        FFmpeg reads the first second or two of a live stream while it probes the codecs and
        then hands those packets over in a burst, so the read time of the first packet is late
        by the probe. A packet cannot arrive before it was captured: the anchor is the smallest
        (arrival - media time) over the packets of the first ANCHOR_SETTLE_S of reading, which
        is where the burst has caught up with live delivery.
        """
        track, _, pts, arrival = pending[0]
        media0 = pts * track.time_base
        if self._anchor_wall is not None:  # simulated: the scene's own clock (media time 0 at its start)
            return self._anchored(self._anchor_wall + float(media0), media0)
        if self.source.kind != "rtsp":
            return self._anchored(arrival, media0)
        last_track, _, last_pts, last_arrival = pending[-1]
        settling = last_arrival - arrival < ANCHOR_SETTLE_S
        if settling and last_pts * last_track.time_base - media0 < ANCHOR_MAX_MEDIA_S and not final:
            return None
        offset = min(at - float(p * t.time_base) for t, _, p, at in pending)
        return self._anchored(offset + float(media0), media0)

    def _anchored(self, wall: float, media0: Fraction) -> _Anchor:
        return _Anchor(wall=wall, media=media0, started=time.monotonic(),
                       clock=WallClock(wall, float(media0), self.drift))

    def _video_track(self) -> _Track:
        assert self.video_stream is not None
        stream = self.video_stream
        time_base = stream.time_base or Fraction(1, 90000)
        frame_s = 1 / self._sim_fps if self._sim_fps else _frame_duration(stream)
        return _Track(stream, "video", time_base, max(1, round(frame_s / time_base)))

    @staticmethod
    def _audio_track(stream: av.AudioStream) -> _Track:
        rate = stream.codec_context.sample_rate or 8000
        time_base = stream.time_base or Fraction(1, rate)
        return _Track(stream, "audio", time_base, max(1, round(Fraction(1024, rate) / time_base)))

    def _stamped(self, track: _Track, packet: av.Packet) -> list[av.Packet]:
        """The packets now ready on a track, in order, with timestamps repaired (see packets())."""
        if packet.pts is None and packet.dts is None:
            if track.last_dts is None:
                if track.kind == "video":
                    track.held = packet
                return []
            packet.pts = packet.dts = track.last_dts + track.frame_ticks
        ordered = [packet]
        if track.held is not None:
            held, track.held = track.held, None
            held.pts = held.dts = (packet.dts if packet.dts is not None else packet.pts) - track.frame_ticks
            ordered.insert(0, held)
        ready = []
        for item in ordered:
            pts = item.pts if item.pts is not None else item.dts
            dts = item.dts if item.dts is not None else pts
            if track.last_dts is not None and dts <= track.last_dts:
                self.dropped_packets += 1
                continue
            track.last_dts = dts
            ready.append(item)
        return ready

    def _demux(self, streams: list[av.stream.Stream]) -> Iterator[av.Packet]:
        assert self.container is not None
        demux = self.container.demux(*streams)
        while True:
            try:
                packet = next(demux)
            except StopIteration:
                return
            except av.error.FFmpegError as error:
                raise StreamError(f"{self.source.display}: read failed ({ffmpeg_reason(error)})") from None
            if packet.size:  # size 0 is the demuxer's flush packet at end of stream
                yield packet

    def _timed(self, packet: av.Packet, track: _Track, ts: float, anchor: _Anchor,
               rebased: bool = False) -> Iterator[TimedPacket]:
        if self.source.kind == "file" and self.source.realtime:
            _pace(anchor.started, ts - anchor.wall)
        if track.kind == "video":
            duration = float((packet.duration or track.frame_ticks) * track.time_base)
            yield TimedPacket(packet, ts, duration, packet.is_keyframe, "video", track.stream, rebased)
        elif self.audio_converter is None:
            duration = float((packet.duration or track.frame_ticks) * track.time_base)
            yield TimedPacket(packet, ts, duration, True, "audio", track.stream)
        else:
            for converted in self.audio_converter.convert(packet, ts):
                yield TimedPacket(converted.packet, converted.ts, converted.duration_s, True, "audio",
                                  self.audio_converter.stream)


def _pace(start_monotonic: float, media_elapsed: float) -> None:
    """Sleep so that a file source is read no faster than its frame rate."""
    delay = start_monotonic + media_elapsed - time.monotonic()
    if delay > 0:
        time.sleep(min(delay, 1.0))


def _frame_duration(stream: av.VideoStream) -> float:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return float(1 / rate) if rate else 1 / 15
