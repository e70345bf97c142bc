"""H.265 (or any codec a browser cannot play) to H.264, on demand, shared by every viewer.

Chromium without a hardware decoder plays no HEVC, so a camera whose only stream is H.265 is
decoded and re-encoded with libx264 (PyAV's wheel ships it): `ultrafast`, `zerolatency`, no
B-frames, a keyframe wherever the source has one (a new viewer's GOP starts where the camera's
does). The recording keeps the original bitstream; only the browser's copy is transcoded.

One transcoder per camera stream being watched, on its own thread (PyAV releases the GIL while
decoding and encoding, so the event loop keeps serving); a bounded input queue drops packets up to
the next keyframe when the machine cannot keep up, instead of falling ever further behind.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from fractions import Fraction
from typing import Callable, Iterator

import av
import av.error
from av.video.frame import PictureType

from vms.live.protocol import RelayPacket, StreamInfo

log = logging.getLogger(__name__)
INPUT_QUEUE = 64
X264_OPTIONS = {"preset": "ultrafast", "tune": "zerolatency"}


def output_size(width: int, height: int, max_height: int) -> tuple[int, int]:
    """Scale down to max_height keeping the aspect ratio; even sizes (4:2:0)."""
    if height <= max_height or height <= 0:
        return width - width % 2, height - height % 2
    scaled_w = round(width * max_height / height)
    return scaled_w - scaled_w % 2, max_height - max_height % 2


class H264Encoder:
    """Frames in, H.264 packets out (pts/dts kept in the source time base)."""

    def __init__(self, width: int, height: int, time_base: Fraction, fps: float, threads: int = 1):
        self.width, self.height = width, height
        self.context = av.CodecContext.create("libx264", "w")
        self.context.width, self.context.height, self.context.pix_fmt = width, height, "yuv420p"
        self.context.time_base = time_base
        self.context.framerate = Fraction(fps).limit_denominator(1000) if fps > 0 else Fraction(15)
        gop = max(1, round(fps * 4)) if fps > 0 else 60
        self.context.options = {**X264_OPTIONS, "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0"}
        self.context.thread_count = threads

    def encode(self, frame: av.VideoFrame | None, keyframe: bool = False) -> list[av.Packet]:
        if frame is not None:
            if frame.width != self.width or frame.height != self.height or frame.format.name != "yuv420p":
                pts, time_base = frame.pts, frame.time_base
                frame = frame.reformat(self.width, self.height, "yuv420p")
                frame.pts, frame.time_base = pts, time_base
            frame.pict_type = PictureType.I if keyframe else PictureType.NONE
        return list(self.context.encode(frame))


class Transcoder:
    """Source packets (submit, from the loop) -> H.264 packets (on_packet, called on the loop)."""

    def __init__(self, info: StreamInfo, loop: asyncio.AbstractEventLoop,
                 on_packet: Callable[[RelayPacket], None], max_height: int = 1080):
        self.info, self.loop, self.on_packet = info, loop, on_packet
        self.output_size = output_size(info.width, info.height, max_height)
        self.timescale = info.time_base_den if info.time_base_num == 1 else 90000
        self._queue: queue.Queue[RelayPacket | None] = queue.Queue(INPUT_QUEUE)
        self._skipping = False
        self.dropped = 0
        self.frames = 0
        self._thread = threading.Thread(target=self._run, name=f"transcode-{info.camera_id}-{info.kind}", daemon=True)
        self._thread.start()

    def submit(self, packet: RelayPacket) -> None:
        if self._skipping and not packet.keyframe:
            self.dropped += 1
            return
        try:
            self._queue.put_nowait(packet)
            self._skipping = False
        except queue.Full:
            self._skipping = True
            self.dropped += 1

    def close(self) -> None:
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            self._skipping = True
            while True:  # make room for the stop marker
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            self._queue.put_nowait(None)

    def _packets(self) -> Iterator[RelayPacket]:
        while (packet := self._queue.get()) is not None:
            yield packet

    def _run(self) -> None:
        info = self.info
        try:
            decoder = av.CodecContext.create(info.codec, "r")
            if info.extradata:
                decoder.extradata = info.extradata
            decoder.thread_count = 1
            encoder = H264Encoder(*self.output_size, Fraction(info.time_base_num, info.time_base_den), info.fps)
        except (av.error.FFmpegError, ValueError) as error:
            log.error("%s/%s: cannot transcode %s: %s", info.camera_id, info.kind, info.codec, error)
            return
        walls: dict[int, tuple[float, bool]] = {}  # source pts -> (capture time, source keyframe)
        for source in self._packets():
            walls[source.pts] = (source.wall_ts, source.keyframe)
            packet = av.Packet(source.data)
            packet.pts, packet.dts = source.pts, source.dts
            packet.time_base = encoder.context.time_base
            try:
                frames = decoder.decode(packet)
            except av.error.FFmpegError as error:  # a corrupt packet: skip it, the next keyframe heals
                log.debug("%s: decode error %s", info.camera_id, error)
                continue
            for frame in frames:
                key = walls.get(frame.pts, (0.0, False))[1] if frame.pts is not None else False
                self.frames += 1
                for out in encoder.encode(frame, keyframe=key):
                    wall = walls.pop(out.pts, (source.wall_ts, False))[0] if out.pts is not None else source.wall_ts
                    self._emit(out, wall)
            if len(walls) > 256:  # frames the decoder never returned (errors): forget them
                walls.clear()

    def _emit(self, packet: av.Packet, wall: float) -> None:
        relay = RelayPacket(packet.pts, packet.dts if packet.dts is not None else packet.pts, packet.duration or 0,
                            packet.is_keyframe, wall, bytes(packet))
        try:
            self.loop.call_soon_threadsafe(self.on_packet, relay)
        except RuntimeError:  # the loop closed (shutdown)
            pass
