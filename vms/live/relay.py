"""The worker's live relay: its camera connection's packets, offered to the API process.

`LiveRelay` listens to a camera worker's packet fanout (camera_drivers.fanout): one
`LivePublisher` per stream the worker ingests (`main`, and `sub` where the camera has one). It is
told when a connection opens (codec parameters), gets every packet before the recorder muxes it
(copied at once: the muxer takes the packet's buffer over), and hears when the connection drops.
Publishing is a non-blocking send per watching API process: recording never waits for a viewer.
"""

from __future__ import annotations

import logging
from pathlib import Path

from camera_drivers.fanout import Role, TrackInfo
from camera_drivers.stream import TimedPacket
from vms.live.protocol import StreamInfo, StreamKind
from vms.live.publisher import LivePublisher

log = logging.getLogger(__name__)


def stream_info(camera_id: str, kind: StreamKind, track: TrackInfo) -> StreamInfo:
    """Describe a connection's video track for the relay header."""
    time_base = track.time_base
    return StreamInfo(camera_id=camera_id, kind=kind, codec=track.codec, width=track.width, height=track.height,
                      time_base_num=time_base.numerator, time_base_den=time_base.denominator,
                      fps=round(track.fps, 3), extradata=track.extradata)


class LiveRelay:
    """All live streams of one camera worker: a `PacketListener` of its `PacketFanout`.

    The main stream's socket is served from the start (a viewer connecting before the camera
    answers learns it is "connecting"); the sub stream's once the camera has one.
    """

    def __init__(self, live_dir: Path, camera_id: str):
        self.live_dir, self.camera_id = live_dir, camera_id
        self._publishers: dict[StreamKind, LivePublisher] = {}
        self._publisher("main")

    def _publisher(self, kind: StreamKind) -> LivePublisher | None:
        publisher = self._publishers.get(kind)
        if publisher is None:
            try:
                publisher = LivePublisher(self.live_dir, self.camera_id, kind).open()
            except OSError as error:  # live view is lost, recording is not
                log.error("%s: live %s stream not served (%s)", self.camera_id, kind, error)
                return None
            self._publishers[kind] = publisher
        return publisher

    # -- PacketListener (camera_drivers.fanout), called on the connection's reader thread ------------
    def connection_opened(self, role: Role, tracks: list[TrackInfo]) -> None:
        video = next((track for track in tracks if track.kind == "video"), None)
        publisher = self._publisher(role) if video is not None else None
        if publisher is not None and video is not None:
            publisher.start_stream(stream_info(self.camera_id, role, video))

    def packet(self, role: Role, track: TrackInfo, timed: TimedPacket) -> None:
        if track.kind != "video":
            return  # live audio is not relayed (yet): browsers get the picture
        publisher = self._publishers.get(role)
        if publisher is None:
            return
        packet = timed.packet
        pts = packet.pts if packet.pts is not None else packet.dts
        dts = packet.dts if packet.dts is not None else pts
        if pts is None:
            return
        publisher.publish(pts, dts, packet.duration or 0, timed.keyframe, timed.ts, bytes(packet))

    def connection_closed(self, role: Role) -> None:
        publisher = self._publishers.get(role)
        if publisher is not None:
            publisher.stream_ended("camera disconnected")

    def close(self) -> None:
        for publisher in self._publishers.values():
            publisher.close()
        self._publishers.clear()
