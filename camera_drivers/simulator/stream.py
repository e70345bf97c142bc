"""SimulatedStream: a scene rendered, H.264-encoded and muxed to MPEG-TS, read like a camera socket.

A producer thread renders frame i at scene time (i mod frames_per_loop) / fps, paces it to the
wall clock (frame i is due at start_wall_time + i / fps) when `realtime`, encodes it with
libx264 (fixed GOP, no B-frames, zerolatency) and muxes MPEG-TS into a bounded in-memory pipe.
The consumer reads bytes with `read(n)`, e.g. through `av.open(stream, format="mpegts")`, so the
simulated camera goes through the very same demux/record path as an RTSP camera.

Why a bounded buffer and not an os.pipe: closing a pipe fd while another thread blocks on it is
racy (the fd number can be reused); a condition variable lets `close()` wake both sides at once.
Every loop starts with a keyframe, so a loop's packets are identical to the first loop's: they
are kept and re-muxed with shifted timestamps instead of being rendered and encoded again (this
makes looping cameras almost free after the first loop; `reuse_loops=False` disables it).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time
import weakref
from fractions import Fraction
from pathlib import Path
from typing import Self

import av
import numpy as np
from av.video.frame import PictureType

from camera_drivers.simulator.renderer import SceneRenderer
from camera_drivers.simulator.script import SceneScript, load_scene
from camera_drivers.simulator.truth import GroundTruth

log = logging.getLogger(__name__)
_BUFFER_BYTES = 4 * 1024 * 1024
TRACK_ID_LOOP_STRIDE = 100_000


class _Closed(Exception):
    """The reader closed the stream; the producer stops."""


class _BytePipe:
    """Bounded byte FIFO between one producer thread and one reader."""

    def __init__(self, capacity: int):
        self._buf = bytearray()
        self._cond = threading.Condition()
        self._capacity = capacity
        self._eof = False
        self._closed = False

    def write(self, data: bytes) -> int:
        with self._cond:
            while len(self._buf) >= self._capacity and not self._closed:
                self._cond.wait(0.2)
            if self._closed:
                raise _Closed()
            self._buf += data
            self._cond.notify_all()
        return len(data)

    def read(self, n: int) -> bytes:
        with self._cond:
            while not self._buf and not self._eof and not self._closed:
                self._cond.wait(0.2)
            if self._closed:
                return b""
            n = len(self._buf) if n < 0 else n
            chunk = bytes(self._buf[:n])
            del self._buf[:n]
            self._cond.notify_all()
            return chunk

    def finish(self) -> None:
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._buf.clear()
            self._cond.notify_all()


class _Producer:
    """Render -> encode -> mux loop run by the producer thread.

    Kept apart from SimulatedStream so that the thread holds no reference to the reader object:
    when the reader is dropped without close(), a finalizer stops the producer.
    """

    def __init__(self, script: SceneScript, renderer: SceneRenderer, pipe: _BytePipe, *, realtime: bool,
                 total_frames: int | None, crf: int, preset: str, reuse_loops: bool):
        self.script, self.renderer, self.pipe = script, renderer, pipe
        self.fps = float(script.fps)
        self.frames_per_loop = max(1, round(script.duration_s * script.fps))
        self.realtime, self.total_frames = realtime, total_frames
        self.crf, self.preset, self.reuse = crf, preset, reuse_loops
        self.stop_event = threading.Event()
        self.error: BaseException | None = None
        self.start_wall_time = time.time()

    def stop(self) -> None:
        self.stop_event.set()
        self.pipe.close()

    def run(self) -> None:
        container = None
        try:
            container = av.open(self.pipe, mode="w", format="mpegts")
            vstream = self._add_video(container)
            self._produce(container, vstream)
            for packet in vstream.encode(None):
                container.mux(packet)
            container.close()
            container = None
        except _Closed:
            pass
        except Exception as exc:  # the reader sees EOF; the cause is kept for diagnosis
            if not self.stop_event.is_set():
                self.error = exc
                log.exception("simulated stream %s failed", self.script.name)
        finally:
            if container is not None:
                try:
                    container.close()
                except Exception as exc:  # noqa: BLE001 - already failing or the reader is gone
                    log.debug("closing muxer of %s: %s", self.script.name, exc)
            self.pipe.finish()

    def _add_video(self, container):
        s = self.script
        params = f"keyint={s.gop}:min-keyint={s.gop}:scenecut=0:bframes=0:crf={self.crf}"
        vstream = container.add_stream(
            "libx264", rate=Fraction(s.fps).limit_denominator(1000),
            options={"preset": self.preset, "tune": "zerolatency", "x264-params": params},
        )
        vstream.width, vstream.height, vstream.pix_fmt = s.width, s.height, "yuv420p"
        vstream.codec_context.thread_count = 1  # several cameras share 2 cores: one thread each
        vstream.time_base = Fraction(1, 1) / Fraction(s.fps).limit_denominator(1000)
        return vstream

    def _produce(self, container, vstream) -> None:
        n_loop, tb = self.frames_per_loop, vstream.time_base
        # Frame index in loop 0 -> its packets (data, pts, dts, keyframe), kept only if the stream loops.
        first_loop: dict[int, list[tuple[bytes, int, int, bool]]] = {}
        keep = self.reuse and (self.total_frames is None or self.total_frames > n_loop)
        i = 0
        while not self.stop_event.is_set() and (self.total_frames is None or i < self.total_frames):
            if self.realtime:
                # Frame i is due at start + i / fps; after a stall it is sent at once (catch-up).
                delay = self.start_wall_time + i / self.fps - time.time()
                if delay > 0 and self.stop_event.wait(delay):
                    break
            loop, k = divmod(i, n_loop)
            if loop > 0 and keep:
                self._replay(container, vstream, first_loop.get(k, []), loop * n_loop, tb)
            else:
                frame = av.VideoFrame.from_ndarray(self.renderer.frame_at(k / self.fps), format="bgr24")
                frame.pts, frame.time_base = i, tb
                if k == 0:
                    frame.pict_type = PictureType.I  # every loop starts with a keyframe
                for packet in vstream.encode(frame):
                    if loop == 0 and keep:
                        first_loop.setdefault(k, []).append(
                            (bytes(packet), packet.pts, packet.dts, packet.is_keyframe))
                    container.mux(packet)
            i += 1

    @staticmethod
    def _replay(container, vstream, packets: list[tuple[bytes, int, int, bool]], shift: int,
                tb: Fraction) -> None:
        """Mux a frame's packets from the first loop with timestamps shifted by `shift` frames."""
        for data, pts, dts, key in packets:
            packet = av.Packet(data)
            packet.pts, packet.dts = pts + shift, dts + shift
            packet.time_base, packet.stream, packet.is_keyframe = tb, vstream, key
            container.mux(packet)


class SimulatedStream:
    """A readable binary file-like object carrying the scene as H.264 in MPEG-TS.

    Attributes:
        format_name: "mpegts", for `av.open(stream, format=stream.format_name)`.
        start_wall_time: wall clock (epoch s) of scene time 0 of the first loop; with realtime
            pacing frame i (PTS i / fps) is produced at start_wall_time + i / fps.
        fps: frames per second; frames_per_loop: frames in one pass of the script.
        total_frames: frames until EOF (None: endless).
        renderer: the SceneRenderer, for ground truth (see `ground_truth_at`).
    """

    format_name: str = "mpegts"

    def __init__(self, script: SceneScript, *, realtime: bool, loop: bool, duration_s: float | None,
                 crf: int, preset: str, reuse_loops: bool):
        self.script = script
        self.renderer = SceneRenderer(script)
        self.fps = float(script.fps)
        self.frames_per_loop = max(1, round(script.duration_s * script.fps))
        total = None if loop else self.frames_per_loop
        if duration_s is not None:
            want = math.ceil(duration_s * script.fps)
            total = want if total is None else min(total, want)
        self.total_frames = total
        self.realtime = realtime
        self._pipe = _BytePipe(_BUFFER_BYTES)
        self._producer = _Producer(script, self.renderer, self._pipe, realtime=realtime, total_frames=total,
                                   crf=crf, preset=preset, reuse_loops=reuse_loops)
        self.start_wall_time = self._producer.start_wall_time
        self._thread = threading.Thread(target=self._producer.run, name=f"sim-{script.name}", daemon=True)
        # Reader dropped without close(): stop the producer (the thread holds no reference to self).
        self._finalizer = weakref.finalize(self, self._producer.stop)
        self._thread.start()

    @property
    def error(self) -> BaseException | None:
        """The exception that stopped the producer early, if any."""
        return self._producer.error

    # -- file-like reader side -------------------------------------------------------------
    def read(self, n: int = -1) -> bytes:
        """Up to n bytes (blocks until some are available); b"" at end of stream or after close()."""
        if n is None or n < 0:
            return b"".join(iter(lambda: self._pipe.read(1 << 16), b""))
        return self._pipe.read(n)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    @property
    def closed(self) -> bool:
        return self._producer.stop_event.is_set()

    def close(self) -> None:
        """Stop the producer promptly and drop buffered data; idempotent."""
        self._finalizer()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5.0)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def scene_time(self, pts_s: float) -> tuple[int, float]:
        """(loop index, scene time) of the frame with presentation time pts_s (seconds)."""
        i = round(pts_s * self.fps)
        return i // self.frames_per_loop, (i % self.frames_per_loop) / self.fps

    def ground_truth_at(self, pts_s: float) -> GroundTruth:
        """Ground truth of the frame with presentation time pts_s (seconds from the first frame).

        Track ids are offset by loop index * TRACK_ID_LOOP_STRIDE: an actor reappearing in the
        next loop is a new object for a tracker, so it gets a new id.
        """
        loop, t = self.scene_time(pts_s)
        gt = self.renderer.objects_at(t)
        if loop == 0:
            return gt
        return dataclasses.replace(gt, track_id=gt.track_id + np.int32(loop * TRACK_ID_LOOP_STRIDE))


def open_simulated_stream(script: SceneScript | str | Path | dict, *, realtime: bool = True, loop: bool = True,
                          duration_s: float | None = None, crf: int = 23, preset: str = "ultrafast",
                          reuse_loops: bool = True) -> SimulatedStream:
    """Start a simulated camera for `script` and return its MPEG-TS byte stream.

    Args:
        realtime: pace frames to the wall clock (a live camera); False renders as fast as possible.
        loop: restart the script after duration_s (PTS stay monotonic); False gives EOF at its end.
        duration_s: stop after this many seconds of video (EOF), looping or not.
        crf: x264 constant rate factor (quality); preset: x264 speed preset.
        reuse_loops: re-mux the first loop's packets for later loops instead of re-encoding.

    `script` may also be anything `load_scene` accepts (a scene name, a YAML path, a dict).
    """
    return SimulatedStream(load_scene(script), realtime=realtime, loop=loop, duration_s=duration_s, crf=crf,
                           preset=preset, reuse_loops=reuse_loops)
