"""The worker's live relay: its camera connection's packets, offered to the API process.

`LiveRelay` is what a camera worker holds: one `LivePublisher` per stream it ingests (`main`,
and `sub` where the camera has one). The worker tells it when a stream connects (codec
parameters), hands it every packet before the recorder muxes it (a muxer may take the packet's
buffer over), and says when the connection drops. Publishing is a non-blocking send per
watching API process: recording never waits for a viewer.
"""

from __future__ import annotations

import logging
from pathlib import Path

import av

from camera_drivers.stream import TimedPacket
from vms.live.protocol import StreamInfo, StreamKind
from vms.live.publisher import LivePublisher

log = logging.getLogger(__name__)


def stream_info(camera_id: str, kind: StreamKind, stream: av.VideoStream, fps: float | None = None) -> StreamInfo:
    """Describe a demuxed video stream for the relay header."""
    codec = stream.codec_context
    time_base = stream.time_base
    if fps is None:
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
    return StreamInfo(camera_id=camera_id, kind=kind, codec=codec.name, width=codec.width, height=codec.height,
                      time_base_num=time_base.numerator if time_base else 1,
                      time_base_den=time_base.denominator if time_base else 90000, fps=round(fps, 3),
                      extradata=bytes(codec.extradata or b""))


class LiveRelay:
    """All live streams of one camera worker."""

    def __init__(self, live_dir: Path, camera_id: str):
        self.live_dir, self.camera_id = live_dir, camera_id
        self._publishers: dict[StreamKind, LivePublisher] = {}

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

    def connected(self, kind: StreamKind, stream: av.VideoStream, fps: float | None = None) -> None:
        publisher = self._publisher(kind)
        if publisher is not None:
            publisher.start_stream(stream_info(self.camera_id, kind, stream, fps))

    def packet(self, kind: StreamKind, timed: TimedPacket) -> None:
        publisher = self._publishers.get(kind)
        if publisher is None:
            return
        packet = timed.packet
        pts = packet.pts if packet.pts is not None else packet.dts
        dts = packet.dts if packet.dts is not None else pts
        if pts is None:
            return
        publisher.publish(pts, dts, packet.duration or 0, timed.keyframe, timed.ts, bytes(packet))

    def disconnected(self, kind: StreamKind, reason: str) -> None:
        publisher = self._publishers.get(kind)
        if publisher is not None:
            publisher.stream_ended(reason)

    def close(self) -> None:
        for publisher in self._publishers.values():
            publisher.close()
        self._publishers.clear()
