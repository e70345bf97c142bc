"""Packet listeners: every packet of every camera connection, for consumers that must not reopen it.

A worker holds one connection per stream it reads (role "main": recorded, with its audio; role
"sub": analysed). The live view relays those packets to browsers instead of opening the camera
again (cameras allow few sessions, and each costs the camera an encoder). A `PacketFanout` calls
its listeners on the connection's reader thread:

    connection_opened(role, tracks)   at every (re)connection, before its first packet
    packet(role, track, timed)        every packet, BEFORE the recorder muxes it
    connection_closed(role)           when the connection ends (a new one may change the tracks)

Contract for listeners: return at once (copy what you need and hand it to your own queue or
thread; never block, never do I/O); never keep `timed.packet` (the muxer takes its buffer over
and rewrites its timestamps right after): copy `bytes(timed.packet)` and the fields you need. A
listener that raises is removed and logged, so it can never stop recording.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, Protocol

import av

from camera_drivers.stream import TimedPacket

log = logging.getLogger(__name__)
Role = Literal["main", "sub"]


@dataclass(frozen=True, slots=True)
class TrackInfo:
    """Codec parameters of one track of a connection: enough to build an fMP4 init segment.

    `stream` is the PyAV stream itself (usable with `add_stream_from_template`); the other
    fields are plain copies, safe to keep and to send to another process.
    """

    kind: Literal["video", "audio"]
    codec: str  # FFmpeg name: h264, hevc, aac
    time_base: Fraction
    extradata: bytes  # avcC / hvcC / AudioSpecificConfig, as the muxer needs them
    width: int = 0
    height: int = 0
    fps: float = 0.0  # the stream's nominal rate; 0 if unknown
    sample_rate: int = 0
    channels: int = 0
    stream: av.stream.Stream | None = None

    @classmethod
    def of(cls, stream: av.stream.Stream) -> "TrackInfo":
        ctx = stream.codec_context
        extradata = bytes(ctx.extradata or b"")
        time_base = stream.time_base or Fraction(1, 90000)
        if stream.type == "audio":
            return cls("audio", ctx.name, time_base, extradata, sample_rate=ctx.sample_rate or 0,
                       channels=ctx.layout.nb_channels, stream=stream)
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        return cls("video", ctx.name, time_base, extradata, width=ctx.width, height=ctx.height,
                   fps=float(rate) if rate else 0.0, stream=stream)


class PacketListener(Protocol):
    """What a listener implements (see the module docstring for the contract)."""

    def connection_opened(self, role: Role, tracks: list[TrackInfo]) -> None: ...

    def packet(self, role: Role, track: TrackInfo, timed: TimedPacket) -> None: ...

    def connection_closed(self, role: Role) -> None: ...


class PacketFanout:
    """The listeners of one worker; thread-safe (main and sub connections run on their own threads)."""

    def __init__(self) -> None:
        self._listeners: list[PacketListener] = []
        self._lock = threading.Lock()
        self._tracks: dict[Role, dict[int, TrackInfo]] = {}  # id(stream) -> info, per open connection

    def add(self, listener: PacketListener) -> None:
        """Add a listener; it is told about the connections already open."""
        with self._lock:
            self._listeners.append(listener)
            open_now = {role: list(tracks.values()) for role, tracks in self._tracks.items()}
        for role, tracks in open_now.items():
            self._call(listener, "connection_opened", role, tracks)

    def remove(self, listener: PacketListener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def __bool__(self) -> bool:
        return bool(self._listeners)

    def opened(self, role: Role, streams: list[av.stream.Stream]) -> None:
        tracks = {id(stream): TrackInfo.of(stream) for stream in streams}
        with self._lock:
            self._tracks[role] = tracks
        for listener in self._snapshot():
            self._call(listener, "connection_opened", role, list(tracks.values()))

    def packet(self, role: Role, timed: TimedPacket) -> None:
        if not self._listeners:
            return  # the common case: nobody watching, nothing to do
        track = self._tracks.get(role, {}).get(id(timed.stream))
        if track is None:
            return
        for listener in self._snapshot():
            self._call(listener, "packet", role, track, timed)

    def closed(self, role: Role) -> None:
        with self._lock:
            had = self._tracks.pop(role, None) is not None
        if had:
            for listener in self._snapshot():
                self._call(listener, "connection_closed", role)

    def _snapshot(self) -> list[PacketListener]:
        with self._lock:
            return list(self._listeners)

    def _call(self, listener: PacketListener, method: str, *args: object) -> None:
        try:
            getattr(listener, method)(*args)
        except Exception:  # a listener's bug must never stop recording
            log.exception("packet listener %r failed in %s; removed", listener, method)
            self.remove(listener)
