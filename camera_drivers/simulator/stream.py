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

from camera_drivers.simulator import timecode
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


class _Output:
    """One encoded stream of a simulated camera: its pipe, encoder, muxer and first-loop cache.

    An output joins at the producer's next frame (its first packet is a keyframe); frames keep
    the camera's global index as PTS, so every output of a camera shares one timeline.
    """

    def __init__(self, pipe: _BytePipe, size: tuple[int, int], crf: int, reuse: bool):
        self.pipe, self.size, self.crf = pipe, size, crf
        self.first: int | None = None  # global index of its first frame
        self.container = None
        self.vstream = None
        # Loop position k -> (global index it was encoded at, its packets), for the first pass only.
        self.cache: dict[int, tuple[int, list[tuple[bytes, int, int, bool]]]] | None = {} if reuse else None

    def replaying(self, i: int, n_loop: int) -> bool:
        return self.cache is not None and self.first is not None and i >= self.first + n_loop

    def finish(self) -> None:
        """Flush and close the muxer (EOF for the reader); never raises."""
        try:
            if self.container is not None and self.vstream is not None:
                for packet in self.vstream.encode(None):
                    self.container.mux(packet)
                self.container.close()
        except Exception as exc:  # noqa: BLE001 - the reader is gone or the muxer already failed
            log.debug("closing a simulated output: %s", exc)
        self.container = None
        self.pipe.finish()


class _Producer:
    """Render -> encode -> mux loop run by the producer thread, for one or more outputs.

    The scene is rendered once per frame whatever the number of outputs (a simulated camera's
    main and sub streams); each output encodes it at its own size. Kept apart from
    SimulatedStream so that the thread holds no reference to a reader object: when a reader is
    dropped without close(), a finalizer detaches it.
    """

    def __init__(self, script: SceneScript, renderer: SceneRenderer, *, realtime: bool,
                 total_frames: int | None, preset: str, reuse_loops: bool, shared: bool = False):
        self.script, self.renderer = script, renderer
        self.fps = float(script.fps)
        self.frames_per_loop = max(1, round(script.duration_s * script.fps))
        self.realtime, self.total_frames = realtime, total_frames
        self.preset = preset
        # Later loops re-mux the first loop's packets (only worth it if the stream loops at all).
        # A burned-in capture time changes every frame: nothing to re-use then.
        self.reuse = (reuse_loops and not script.timecode
                      and (total_frames is None or total_frames > self.frames_per_loop))
        self.shared = shared  # a shared camera stops when its last output leaves
        self.stop_event = threading.Event()
        self.error: BaseException | None = None
        self.start_wall_time = time.time()
        self.time_base = Fraction(1, 1) / Fraction(script.fps).limit_denominator(1000)
        self._outputs: list[_Output] = []
        self._lock = threading.Lock()
        self.index = 0  # next frame to produce

    def attach(self, size: tuple[int, int], crf: int) -> _Output:
        output = _Output(_BytePipe(_BUFFER_BYTES), size, crf, self.reuse)
        with self._lock:
            self._outputs.append(output)
        return output

    def detach(self, output: _Output) -> None:
        output.pipe.close()  # the producer sees _Closed at its next write and drops it
        with self._lock:
            last = all(o is output or o.pipe._closed for o in self._outputs)
        if last and self.shared or not self.shared:
            self.stop()

    def stop(self) -> None:
        self.stop_event.set()
        with self._lock:
            outputs = list(self._outputs)
        for output in outputs:
            output.pipe.close()

    def run(self) -> None:
        try:
            self._produce()
        except Exception as exc:  # the readers see EOF; the cause is kept for diagnosis
            if not self.stop_event.is_set():
                self.error = exc
                log.exception("simulated stream %s failed", self.script.name)
        finally:
            with self._lock:
                outputs, self._outputs = list(self._outputs), []
            for output in outputs:
                output.finish()

    def _add_video(self, output: _Output) -> None:
        s = self.script
        params = f"keyint={s.gop}:min-keyint={s.gop}:scenecut=0:bframes=0:crf={output.crf}"
        output.container = av.open(output.pipe, mode="w", format="mpegts")
        vstream = output.container.add_stream(
            "libx264", rate=Fraction(s.fps).limit_denominator(1000),
            options={"preset": self.preset, "tune": "zerolatency", "x264-params": params},
        )
        vstream.width, vstream.height = output.size
        vstream.pix_fmt = "yuv420p"
        vstream.codec_context.thread_count = 1  # several cameras share 2 cores: one thread each
        vstream.time_base = self.time_base
        output.vstream = vstream

    def _produce(self) -> None:
        n_loop = self.frames_per_loop
        while not self.stop_event.is_set() and (self.total_frames is None or self.index < self.total_frames):
            i = self.index
            if self.realtime:
                # Frame i is due at start + i / fps; after a stall it is sent at once (catch-up).
                delay = self.start_wall_time + i / self.fps - time.time()
                if delay > 0 and self.stop_event.wait(delay):
                    break
            with self._lock:
                outputs = list(self._outputs)
            k = i % n_loop
            image = None
            if any(not o.replaying(i, n_loop) for o in outputs):
                image = self.renderer.frame_at(k / self.fps)
                if self.script.timecode:  # the moment of "exposure", before encoding (bench/live.py)
                    image = image.copy()
                    timecode.burn(image, round(time.time() * 1000))
            for output in outputs:
                try:
                    self._emit(output, i, k, image)
                except _Closed:
                    with self._lock:
                        self._outputs.remove(output)
            self.index = i + 1

    def _emit(self, output: _Output, i: int, k: int, image: np.ndarray | None) -> None:
        if output.first is None:
            output.first = i
            self._add_video(output)
        container, vstream = output.container, output.vstream
        if output.replaying(i, self.frames_per_loop):
            assert output.cache is not None
            encoded_at, packets = output.cache.get(k, (i, []))
            self._replay(container, vstream, packets, i - encoded_at, self.time_base)
            return
        assert image is not None
        frame = av.VideoFrame.from_ndarray(image, format="bgr24")
        if (frame.width, frame.height) != output.size:
            frame = frame.reformat(width=output.size[0], height=output.size[1], format="yuv420p")
        frame.pts, frame.time_base = i, self.time_base
        if k == 0:
            frame.pict_type = PictureType.I  # every loop starts with a keyframe
        for packet in vstream.encode(frame):
            if output.cache is not None:
                output.cache.setdefault(k, (i, []))[1].append(
                    (bytes(packet), packet.pts, packet.dts, packet.is_keyframe))
            container.mux(packet)

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

    def __init__(self, producer: _Producer, output: _Output, thread: threading.Thread):
        self.script = producer.script
        self.renderer = producer.renderer
        self.fps = producer.fps
        self.frames_per_loop = producer.frames_per_loop
        self.total_frames = producer.total_frames
        self.realtime = producer.realtime
        self.width, self.height = output.size
        self._producer, self._output, self._pipe, self._thread = producer, output, output.pipe, thread
        self.start_wall_time = producer.start_wall_time
        # Reader dropped without close(): detach it (the thread holds no reference to self).
        self._finalizer = weakref.finalize(self, producer.detach, output)

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
        return self._producer.stop_event.is_set() or self._pipe._closed

    def close(self) -> None:
        """Detach promptly and drop buffered data (a private camera stops); idempotent."""
        self._finalizer()
        if self._producer.stop_event.is_set() and self._thread is not threading.current_thread():
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


def _start(producer: _Producer) -> threading.Thread:
    thread = threading.Thread(target=producer.run, name=f"sim-{producer.script.name}", daemon=True)
    thread.start()
    return thread


def _total_frames(script: SceneScript, loop: bool, duration_s: float | None) -> int | None:
    total = None if loop else max(1, round(script.duration_s * script.fps))
    if duration_s is not None:
        want = math.ceil(duration_s * script.fps)
        total = want if total is None else min(total, want)
    return total


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
    script = load_scene(script)
    producer = _Producer(script, SceneRenderer(script), realtime=realtime,
                         total_frames=_total_frames(script, loop, duration_s), preset=preset, reuse_loops=reuse_loops)
    output = producer.attach((script.width, script.height), crf)
    return SimulatedStream(producer, output, _start(producer))


SUB_MAX_WIDTH = 640  # a simulated camera's sub stream: at most 640 px wide, like an IP camera's
SUB_CRF = 28  # sub streams are encoded at a lower quality than the recorded main stream


def sub_stream_size(width: int, height: int) -> tuple[int, int]:
    """The sub stream size of a simulated camera: the scene size up to SUB_MAX_WIDTH, even sides."""
    if width <= SUB_MAX_WIDTH:
        return width, height
    return SUB_MAX_WIDTH, max(2, round(height * SUB_MAX_WIDTH / width / 2) * 2)


class SimulatedCamera:
    """A looping, real-time simulated camera with a main and a sub stream, shared within a process.

    Both streams come from the same rendered frames (one render, two encoders) on one timeline
    (`start_wall_time`), so ground truth, recording and analysis agree. Each stream is opened
    and closed on its own, as a second RTSP session to a camera is: closing the sub stream does
    not disturb the main one. The camera stops when its last stream closes.
    """

    _registry: dict[tuple[str, str, int, bool], "SimulatedCamera"] = {}
    _registry_lock = threading.Lock()

    def __init__(self, script: SceneScript, realtime: bool):
        self.script = script
        self.producer = _Producer(script, SceneRenderer(script), realtime=realtime, total_frames=None,
                                  preset="ultrafast", reuse_loops=True, shared=True)
        self.thread: threading.Thread | None = None

    @classmethod
    def shared(cls, key: str, script: SceneScript, realtime: bool = True) -> "SimulatedCamera":
        """The running camera for `key` (e.g. the camera id) and scene, or a new one."""
        with cls._registry_lock:
            ident = (key, script.name, script.seed, realtime)
            camera = cls._registry.get(ident)
            if camera is None or camera.producer.stop_event.is_set():
                camera = cls._registry[ident] = cls(script, realtime)
            return camera

    def open(self, role: str = "main") -> SimulatedStream:
        """Attach a reader to the main stream (scene size) or the sub stream (see sub_stream_size)."""
        s = self.script
        size = (s.width, s.height) if role == "main" else sub_stream_size(s.width, s.height)
        output = self.producer.attach(size, 23 if role == "main" else SUB_CRF)
        with self._registry_lock:
            if self.thread is None:
                self.thread = _start(self.producer)
        return SimulatedStream(self.producer, output, self.thread)
