"""API side of the live relay: one channel per camera stream, fanned out to every viewer.

A channel exists while someone watches (and lingers a few seconds after the last viewer, so a
layout switch does not reconnect). It reads the worker's socket, turns H.264 packets into
fragmented MP4 (one fragment per frame) and keeps the init segment and the fragments since the
last keyframe, so a new viewer starts decoding at once. A stream in another codec (H.265) goes
through a shared transcoder (vms.live.transcode) first: browsers get H.264 only.

Everything runs on the event loop: no database session, no thread per viewer. A viewer is a
bounded queue; one that falls behind (slow network) skips to the next keyframe instead of
holding the channel back or growing memory.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path

from vms.live.fmp4 import H264Fragmenter
from vms.live.protocol import (
    HEADER, MAX_MESSAGE, PACKET, TYPE_DOWN, TYPE_PACKET, TYPE_STREAM, RelayPacket, StreamInfo, StreamKind,
    socket_address, socket_path,
)

log = logging.getLogger(__name__)
RETRY_S = 1.0
LINGER_S = 10.0
QUEUE_FRAMES = 150  # ~5-10 s of video; beyond that a viewer restarts at the next keyframe
POLL_S = 0.04  # the worker sockets are read together this often (see RelayPoller)
RECEIVE_BUFFER = 1 << 20


# WebSocket binary messages start with a type byte: I = init segment, M = media fragment
# (followed by `>dd`: its capture time, epoch seconds, and its presentation time in the media
# timeline, seconds, so the player can show the wall-clock time of the frame on screen).
# Both are framed once per channel, not per viewer.
WIRE_INIT, WIRE_MEDIA = b"I", b"M"
_MEDIA_HEAD = struct.Struct(">cdd")


@dataclass(frozen=True)
class Init:
    """A (re)start of the stream: the codec for MediaSource and the MP4 init segment."""

    codec: str
    width: int
    height: int
    transcoded: bool
    wire: bytes  # WIRE_INIT + init segment

    def meta(self, kind: StreamKind) -> dict:
        return {"type": "stream", "kind": kind, "codec": self.codec, "width": self.width, "height": self.height,
                "transcoded": self.transcoded}


@dataclass(frozen=True)
class Fragment:
    wall_ts: float
    keyframe: bool
    wire: bytes  # WIRE_MEDIA + capture time + moof/mdat

    @staticmethod
    def prefix(wall_ts: float, media_s: float) -> bytes:
        """The wire header before a fragment's moof: type byte, capture time, media time."""
        return _MEDIA_HEAD.pack(WIRE_MEDIA, wall_ts, media_s)


@dataclass(frozen=True)
class Offline:
    reason: str


Message = Init | Fragment | Offline


@dataclass(eq=False)
class Viewer:
    """One viewer's queue. `lagging`: its queue overflowed; it waits for the next keyframe."""

    queue: asyncio.Queue[Message] = field(default_factory=lambda: asyncio.Queue(QUEUE_FRAMES))
    lagging: bool = False
    skipped: int = 0

    def offer(self, message: Message, init: "Init | None" = None) -> None:
        """Queue `message`; `init` is the channel's current init segment, re-sent after a skip."""
        if self.lagging:
            if isinstance(message, Fragment) and not message.keyframe:
                self.skipped += 1
                return
            self.lagging = False
            if init is not None and isinstance(message, Fragment):
                self.queue.put_nowait(init)  # what was skipped may have held a stream change
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
                self.skipped += 1
            self.lagging = True
            self.offer(message, init)


class Channel:
    """One camera stream (`main` or `sub`) as fMP4 for browsers."""

    def __init__(self, hub: "LiveHub", camera_id: str, kind: StreamKind):
        self.hub, self.camera_id, self.kind = hub, camera_id, kind
        self.viewers: set[Viewer] = set()
        self.init: Init | None = None
        self.gop: list[Fragment] = []
        self.offline: Offline | None = None  # set once the worker says (or shows) the camera is down
        self.info: StreamInfo | None = None
        self._fragmenter: H264Fragmenter | None = None
        self._transcoder = None  # vms.live.transcode.Transcoder while the source is not H.264
        self._base_dts: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._linger: asyncio.TimerHandle | None = None
        self.packets_in = 0

    # -- viewers ---------------------------------------------------------------------------------
    def join(self) -> Viewer:
        viewer = Viewer()
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
        for message in self._start_messages():
            viewer.offer(message)
        self.viewers.add(viewer)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"live-{self.camera_id}-{self.kind}")
        return viewer

    def leave(self, viewer: Viewer) -> None:
        self.viewers.discard(viewer)
        if not self.viewers and self._linger is None:
            self._linger = asyncio.get_running_loop().call_later(self.hub.linger_s, self.hub.drop, self)

    def _start_messages(self) -> list[Message]:
        if self.init is not None and self.gop:
            return [self.init, *self.gop]
        if self.offline is not None:
            return [self.offline]
        return [self.init] if self.init is not None else []

    def _broadcast(self, message: Message) -> None:
        for viewer in self.viewers:
            viewer.offer(message, self.init)

    # -- the worker's socket ---------------------------------------------------------------------
    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        address = socket_address(socket_path(self.hub.live_dir, self.camera_id, self.kind))
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)  # a 1080p GOP between two polls
            try:
                await loop.sock_connect(sock, address)
            except OSError as error:
                sock.close()
                log.debug("%s/%s: %s", self.camera_id, self.kind, error)
                self._set_offline("worker not running")
                await asyncio.sleep(RETRY_S)
                continue
            reader = RelayReader(self)
            self.hub.poller.add(sock, reader)
            try:
                self._set_offline(await reader.closed)
            finally:
                self.hub.poller.remove(sock)
                sock.close()
            await asyncio.sleep(RETRY_S)

    def on_message(self, kind: int, payload: bytes) -> None:
        """A stream header or a camera-down notice from the worker (packets come to `_on_packet`)."""
        if kind == TYPE_STREAM:
            self._on_stream(StreamInfo.from_json(payload))
        elif kind == TYPE_DOWN:
            self._set_offline(json.loads(payload).get("reason", "offline"))

    def _on_stream(self, info: StreamInfo) -> None:
        self._stop_transcoder()
        self.info, self._base_dts, self.gop = info, None, []
        if info.codec == "h264":
            self._fragmenter = H264Fragmenter(info.extradata, info.width, info.height, info.time_base_den
                                              if info.time_base_num == 1 else 90000)
            self._publish_init(self._fragmenter.init(), transcoded=False)
        else:
            from vms.live.transcode import Transcoder  # PyAV codecs only where a camera needs them

            self._transcoder = Transcoder(info, asyncio.get_running_loop(), self._on_transcoded,
                                          max_height=self.hub.transcode_height(self.kind))
            self._fragmenter = H264Fragmenter(None, *self._transcoder.output_size, self._transcoder.timescale)

    def _publish_init(self, data: bytes | None, transcoded: bool) -> None:
        if data is None or self._fragmenter is None or self._fragmenter.config is None:
            return  # parameter sets come with the first keyframe
        config = self._fragmenter.config
        self.init = Init(config.codec, config.width, config.height, transcoded, WIRE_INIT + data)
        self.offline = None
        self._broadcast(self.init)

    def _on_packet(self, packet: RelayPacket) -> None:
        self.packets_in += 1
        if self._transcoder is not None:
            self._transcoder.submit(packet)
        else:
            self._add(packet, transcoded=False)

    def _on_transcoded(self, packet: RelayPacket) -> None:
        """Called on the loop with each H.264 packet the transcoder made."""
        if self._transcoder is not None:
            self._add(packet, transcoded=True)

    def _add(self, packet: RelayPacket, transcoded: bool) -> None:
        fragmenter = self._fragmenter
        if fragmenter is None:
            return
        if self._base_dts is None:
            if not packet.keyframe:
                return
            self._base_dts = packet.dts  # media time starts at 0 with each camera connection
        dts, pts = packet.dts - self._base_dts, packet.pts - self._base_dts
        prefix = Fragment.prefix(packet.wall_ts, pts / fragmenter.timescale)
        new_init, wire = fragmenter.add(packet.data, pts, dts, packet.duration, packet.keyframe, prefix)
        if new_init is not None:
            self._publish_init(new_init, transcoded)
        if wire is None or self.init is None:
            return
        frag = Fragment(packet.wall_ts, packet.keyframe, wire)
        if packet.keyframe:
            self.gop = []
        self.gop.append(frag)
        self._broadcast(frag)

    def _set_offline(self, reason: str) -> None:
        self._stop_transcoder()
        self.init, self.gop, self._base_dts, self._fragmenter = None, [], None, None
        if self.offline is None or self.offline.reason != reason:
            self.offline = Offline(reason)
            self._broadcast(self.offline)

    def _stop_transcoder(self) -> None:
        if self._transcoder is not None:
            self._transcoder.close()
            self._transcoder = None

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
        self._stop_transcoder()


class RelayPoller:
    """Reads the worker sockets of every watched stream together, every `period_s`, on the loop.

    Why not a reader per socket woken by each frame: independent cameras make every frame its own
    wake-up of the event loop, and on this kind of machine a wake-up costs more than the frame's
    whole relay work (measured: 16 cameras x 1 viewer, frames arriving spread out 0.20 ms of API
    CPU per frame, arriving together 0.06 ms). Polled, one wake-up serves every camera's frames
    since the last one, for at most `period_s` more latency (40 ms, against ~380 ms glass to glass).
    A worker that writes faster than a poll reads never blocks: its publisher queues per client.
    """

    def __init__(self, period_s: float = POLL_S):
        self.period_s = period_s
        self.readers: dict[socket.socket, RelayReader] = {}
        self._timer: asyncio.TimerHandle | None = None

    def add(self, sock: socket.socket, reader: "RelayReader") -> None:
        self.readers[sock] = reader
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.period_s, self._poll)

    def remove(self, sock: socket.socket) -> None:
        self.readers.pop(sock, None)

    def _poll(self) -> None:
        self._timer = None
        for sock, reader in list(self.readers.items()):
            self._drain(sock, reader)
        if self.readers:
            self._timer = asyncio.get_running_loop().call_later(self.period_s, self._poll)

    @staticmethod
    def _drain(sock: socket.socket, reader: "RelayReader") -> None:
        while not reader.closed.done():
            try:
                data = sock.recv(RECEIVE_BUFFER)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:
                reader.connection_lost(error)
                return
            if not data:
                reader.connection_lost(None)
                return
            reader.data_received(data)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.readers.clear()


class RelayReader:
    """The API end of a worker's relay socket: the messages in what each poll read, handed to the
    channel at once, on the loop. `closed` resolves with the reason the channel goes offline when
    the socket ends or carries something it cannot use."""

    def __init__(self, channel: Channel):
        self.channel = channel
        self.closed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        offset, end = 0, len(buffer)
        try:
            while end - offset >= HEADER.size:
                length, kind = HEADER.unpack_from(buffer, offset)
                if length > MAX_MESSAGE:
                    raise ValueError(f"message of {length} bytes")
                start = offset + HEADER.size
                if end - start < length:
                    break
                offset = start + length
                if kind == TYPE_PACKET:
                    pts, dts, duration, key, wall = PACKET.unpack_from(buffer, start)
                    self.channel._on_packet(RelayPacket(pts, dts, duration, bool(key), wall,
                                                        bytes(buffer[start + PACKET.size:offset])))
                else:
                    self.channel.on_message(kind, bytes(buffer[start:offset]))
        except Exception as error:  # a bug or a stream we cannot handle: never leave viewers hanging
            log.exception("%s/%s: live channel failed", self.channel.camera_id, self.channel.kind)
            self._finish(f"relay error: {type(error).__name__}")
            return
        finally:
            del buffer[:offset]

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None:
            self._finish(f"relay error: {exc}")
        else:
            self._finish("worker stopped" if not self._buffer else "relay error: connection closed mid-message")

    def _finish(self, reason: str) -> None:
        if not self.closed.done():
            self.closed.set_result(reason)


class LiveHub:
    """All live channels of the API process (one per camera stream being watched)."""

    def __init__(self, live_dir: Path, linger_s: float = LINGER_S, transcode_heights: dict[str, int] | None = None):
        self.live_dir = live_dir
        self.linger_s = linger_s
        self.channels: dict[tuple[str, StreamKind], Channel] = {}
        # Transcoded output height per use: a wall tile needs no 1080p (x264 cost grows with pixels).
        self._heights = transcode_heights or {"sub": 360, "main": 1080}
        self.started = time.time()
        self.poller = RelayPoller()

    def transcode_height(self, kind: StreamKind) -> int:
        return self._heights.get(kind, 1080)

    def channel(self, camera_id: str, kind: StreamKind) -> Channel:
        key = (camera_id, kind)
        channel = self.channels.get(key)
        if channel is None:
            channel = self.channels[key] = Channel(self, camera_id, kind)
        return channel

    def drop(self, channel: Channel) -> None:
        """Linger expired: close the channel if still nobody watches."""
        channel._linger = None
        if channel.viewers:
            return
        channel.close()
        if self.channels.get((channel.camera_id, channel.kind)) is channel:
            del self.channels[(channel.camera_id, channel.kind)]

    def close(self) -> None:
        for channel in list(self.channels.values()):
            channel.close()
        self.channels.clear()
        self.poller.close()

    def stats(self) -> dict:
        return {f"{cid}.{kind}": {"viewers": len(ch.viewers), "packets": ch.packets_in,
                                  "online": ch.offline is None, "transcoded": ch._transcoder is not None}
                for (cid, kind), ch in self.channels.items()}
