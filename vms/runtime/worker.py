"""One camera's worker process: connect, record, report health, reconnect with capped backoff.

A worker owns exactly one camera, so a camera that hangs, floods or crashes its decoder can
never stall the others. It writes its own segments and health to the database (SQLite WAL or
PostgreSQL), so footage is indexed even if the supervisor is gone, and it exits when its
parent dies (no orphan workers holding files open).
"""

from __future__ import annotations

import logging
import os
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from camera_drivers.fanout import PacketFanout, Role
from camera_drivers.frames import FrameDecoder
from camera_drivers.recorder import ClosedSegment, SegmentRecorder
from camera_drivers.stream import StreamError, StreamSession, StreamSource, TimedPacket
from vms.db.engine import make_engine, make_session_factory
from vms.db.models import CameraStatus
from vms.recordings import add_segment, recover_camera
from vms.runtime.health import HealthReporter
from vms.runtime.substream import SubStreamReader
from vms.sources import SourcePolicy, SourceRefused

if TYPE_CHECKING:  # the analysis stack is imported only by workers that analyse
    from vms.live.relay import LiveRelay
    from vms.runtime.live_analysis import AnalysisSpec, LiveAnalysis

log = logging.getLogger(__name__)
END_OF_STREAM = "end of stream"


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker process needs; picklable for the spawn start method."""

    camera_id: str
    source: StreamSource
    database_url: str
    recordings_root: Path
    segment_seconds: float = 10.0
    open_timeout_s: float = 10.0
    read_timeout_s: float = 8.0
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 30.0
    analysis: AnalysisSpec | None = None  # None: record only
    live_dir: Path | None = None  # where the live relay serves this camera's streams (None: no live view)
    # Analyse this second connection (the camera's sub stream) instead of the main one, which is
    # then recorded without any decoding. None: analysis decodes the main stream.
    sub_source: StreamSource | None = None
    # What the sources may point at (vms.sources), checked before every connection. None: unchecked
    # (tests that build a spec by hand); the site always sets it.
    source_policy: SourcePolicy | None = None


class Backoff:
    """Capped exponential backoff with jitter (cameras rebooting together must not sync up)."""

    def __init__(self, initial_s: float, max_s: float, rng: random.Random | None = None):
        self.initial_s = initial_s
        self.max_s = max_s
        self.attempt = 0
        self.rng = rng or random.Random()

    def reset(self) -> None:
        self.attempt = 0

    def next_delay(self) -> float:
        delay = min(self.max_s, self.initial_s * (2**self.attempt))
        self.attempt += 1
        return delay * self.rng.uniform(0.8, 1.0)


class CameraWorker:
    """The connect-record-reconnect loop for one camera."""

    def __init__(self, spec: WorkerSpec, stop: threading.Event | None = None):
        self.spec = spec
        self.stop = stop or threading.Event()
        self.factory = make_session_factory(make_engine(spec.database_url))
        self.health = HealthReporter(self.factory, spec.camera_id)
        self.recorder = SegmentRecorder(spec.camera_id, spec.recordings_root, spec.segment_seconds, self._on_closed)
        self.backoff = Backoff(spec.backoff_initial_s, spec.backoff_max_s)
        self._parent_pid = os.getppid()
        self.analysis: LiveAnalysis | None = None
        self.packets = PacketFanout()  # every packet of every connection, e.g. for the live view
        self.decode_packets = {"main": 0, "sub": 0}  # packets handed to a decoder, per connection
        self.sub_reader: SubStreamReader | None = None
        # The main stream's picture size: rule geometry is in its pixels, also when the sub stream
        # is analysed. From the main connection; until it connects, the size it had last time.
        self.main_wh: tuple[int, int] | None = self._last_main_size()
        self.waiting_for_main_size = 0  # sub-stream frames not analysed: main size not known yet

    def _last_main_size(self) -> tuple[int, int] | None:
        try:
            with self.factory() as session:
                status = session.get(CameraStatus, self.spec.camera_id)
                if status is not None and status.width > 0 and status.height > 0:
                    return (status.width, status.height)
        except Exception:  # a missing or locked table only delays analysis until the main stream connects
            log.debug("%s: no stored main stream size", self.spec.camera_id, exc_info=True)
        return None

    def _on_closed(self, closed: ClosedSegment) -> None:
        with self.factory.begin() as session:
            add_segment(session, self.spec.recordings_root, closed)

    def _should_stop(self) -> bool:
        return self.stop.is_set() or os.getppid() != self._parent_pid

    def _start_analysis(self) -> None:
        if self.spec.analysis is None:
            return
        from vms.runtime.live_analysis import LiveAnalysis

        try:  # the detector itself is loaded on the analysis thread; recording starts at once
            self.analysis = LiveAnalysis(self.spec.analysis, self.spec.camera_id, self.factory)
        except Exception as error:  # a broken rule config must not stop recording
            log.error("%s: analysis disabled: %s", self.spec.camera_id, error)

    def _start_live(self) -> "LiveRelay | None":
        if self.spec.live_dir is None:
            return None
        from vms.live.relay import LiveRelay

        relay = LiveRelay(self.spec.live_dir, self.spec.camera_id)
        self.packets.add(relay)  # browsers watch this connection; they never open the camera
        return relay

    def _start_sub_stream(self) -> None:
        """Analysis on the sub stream: its own connection and thread, its own backoff."""
        if self.analysis is None:
            return
        if self.spec.sub_source is None:
            self.health.analysis.stream = "main"
            return
        spec = self.spec
        self.health.analysis.stream = "sub"
        refused = self._refusal(spec.sub_source)
        if refused:
            self.health.analysis.disconnected(refused)  # the sub stream is never opened; recording goes on
            return
        self.sub_reader = SubStreamReader(
            spec.camera_id, spec.sub_source, feed=self._analysis_feed("sub"), on_closed=self.analysis.connection_closed,
            health=self.health, packets=self.packets, backoff=Backoff(spec.backoff_initial_s, spec.backoff_max_s),
            stop=self.stop, open_timeout_s=spec.open_timeout_s, read_timeout_s=spec.read_timeout_s)
        self.sub_reader.start()

    def _analysis_feed(self, role: Role) -> Callable[[StreamSession], Callable[[TimedPacket], None]]:
        """Per connection: a function that decodes its video packets for analysis (before muxing)."""
        analysis = self.analysis
        assert analysis is not None

        def for_session(session: StreamSession) -> Callable[[TimedPacket], None]:
            assert session.video_stream is not None and self.spec.analysis is not None
            # The demuxer never decodes: the decoder is analysis's (one per connection).
            frames = FrameDecoder(session.video_stream, self.spec.camera_id, self.spec.analysis.frame_options,
                                  truth=session.truth_source())

            def feed(timed: TimedPacket) -> None:
                if timed.kind == "video" and not analysis.failed:
                    if timed.rebased:  # the clock stepped: events so far end, as on a reconnect
                        analysis.connection_closed()
                    self.decode_packets[role] += 1
                    if role == "sub":
                        frames.main_wh = self.main_wh
                    for frame in frames.decode(timed.packet, timed.ts):
                        if role == "sub" and frames.main_wh is None:
                            self._waiting_for_main_size()
                            continue
                        analysis.offer(frame)
            return feed
        return for_session

    def _waiting_for_main_size(self) -> None:
        """A sub-stream frame before the main stream ever connected: its geometry is unknown, skip it."""
        if self.waiting_for_main_size == 0:
            log.info("%s: sub stream analysis waits for the main stream's picture size", self.spec.camera_id)
        self.waiting_for_main_size += 1

    def _recover_partials(self) -> None:
        """What this camera's previous worker left half-written when its process was killed."""
        try:
            report = recover_camera(self.factory, self.spec.recordings_root, self.spec.camera_id)
        except Exception:  # a repair that fails must not stop recording; start-up reconcile retries it
            log.exception("%s: could not recover the segments a crashed worker left", self.spec.camera_id)
            return
        if report.recovered or report.removed_partials:
            log.warning("%s: a crashed worker left %d partial segment(s): %d recovered, %d removed",
                        self.spec.camera_id, report.recovered + report.removed_partials, report.recovered,
                        report.removed_partials)

    def run(self) -> None:
        self._recover_partials()  # before recording: the new segment must not race the old partial
        self._start_analysis()
        live = self._start_live()  # before any connection opens: the relay hears every one
        self._start_sub_stream()
        first_attempt = True
        while not self._should_stop():
            reason = self._run_connection()
            if self._should_stop():
                break
            if reason == END_OF_STREAM and self.spec.source.loop:
                continue  # a looping file restarts at once: not an outage
            self.health.disconnected(reason, counts_as_reconnect=not first_attempt)
            first_attempt = False
            delay = self.backoff.next_delay()
            log.info("%s: %s; retrying in %.1f s", self.spec.camera_id, reason, delay)
            self.stop.wait(delay)
        self.recorder.close()
        self.stop.set()  # the sub stream's thread too (e.g. when the parent died)
        if self.sub_reader is not None:
            self.sub_reader.join()
        if live is not None:
            live.close()
        if self.analysis is not None:
            self.analysis.stop()
            log.info("%s: analysis %s", self.spec.camera_id, self.analysis.stats())
        self.health.stopped()

    def _refusal(self, source: StreamSource) -> str:
        """Why the site's policy refuses this source ("" if it does not): reported as the camera's error."""
        if self.spec.source_policy is None:
            return ""
        try:
            self.spec.source_policy.check(source.kind, source.location)
        except SourceRefused as error:
            return f"refused: {error}"
        return ""

    def _run_connection(self) -> str:
        """Stream until disconnect; return the reason (never containing credentials)."""
        spec = self.spec
        refused = self._refusal(spec.source)
        if refused:
            return refused
        try:
            with StreamSession(spec.source, spec.open_timeout_s, spec.read_timeout_s, audio=True) as session:
                assert session.video_stream is not None
                self.recorder.start_connection(session.video_stream, session.audio_stream)
                self.packets.opened("main", [s for s in (session.video_stream, session.audio_stream) if s is not None])
                analyse_main = self.analysis is not None and self.sub_reader is None
                feed = self._analysis_feed("main")(session) if analyse_main else None
                connected = False
                for timed in session.packets():
                    if not connected:
                        codec = session.video_stream.codec_context
                        self.main_wh = (codec.width, codec.height) if codec.width and codec.height else self.main_wh
                        self.health.connected(timed.ts, codec.width, codec.height, codec.name, session.audio_codec)
                        if analyse_main:
                            self.health.analysis.connected("main", codec.width, codec.height)
                        self.backoff.reset()
                        connected = True
                    # Before muxing: a muxer may take the packet's data over (FFmpeg's ownership rule).
                    self.packets.packet("main", timed)
                    if timed.kind == "video":
                        if feed is not None:  # decode + hand over; analysis runs on its own thread
                            feed(timed)
                            self.health.analysis.frame(timed.ts)
                        self.health.packet(timed.ts, timed.packet.size)
                    self.recorder.write(timed)
                    if self._should_stop():
                        return "stopping"
                return END_OF_STREAM if connected else "stream ended before any video"
        except StreamError as error:
            return str(error)
        except Exception as error:  # any other failure is the camera's status too, never a crash loop
            log.exception("%s: connection failed", spec.camera_id)
            reason = f"{spec.source.display}: {type(error).__name__}: {error}"
            return reason.replace(spec.source.password, "***") if spec.source.password else reason
        finally:
            self.recorder.close()
            self.packets.closed("main")
            if self.analysis is not None and self.sub_reader is None:
                self.analysis.connection_closed()
                self.health.analysis.disconnected("main stream closed")


def worker_main(spec: WorkerSpec) -> None:
    """Entry point of a worker process (spawned by the supervisor)."""
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s worker[{spec.camera_id}] %(levelname)s %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    CameraWorker(spec, stop).run()


class CameraStop:
    """One camera's stop inside a group (duck-types threading.Event): set when the group stops or
    when this camera's worker is given up; setting it stops only this camera. A worker ending
    normally sets it (as a single worker sets its process's stop) -- it ends only when stopping."""

    POLL_S = 0.2  # how soon a wait notices the group's stop

    def __init__(self, group: threading.Event) -> None:
        self.group = group
        self.own = threading.Event()

    def is_set(self) -> bool:
        return self.own.is_set() or self.group.is_set()

    def set(self) -> None:
        self.own.set()

    def wait(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.is_set():
            left = self.POLL_S if deadline is None else min(self.POLL_S, deadline - time.monotonic())
            if left <= 0:
                break
            self.own.wait(left)
        return self.is_set()


GROUP_RESTART_INITIAL_S = 1.0  # a failed camera of a group is restarted on its thread after this, doubling
GROUP_RESTART_MAX_S = 30.0


def group_worker_main(specs: list[WorkerSpec], control: Connection | None = None) -> None:
    """Entry point of a process serving several cameras (`workers.cameras_per_process` > 1).

    One CameraWorker per camera, each on its own thread (its sub-stream reader and analysis add
    theirs), one stop event for all: the numpy/PyAV/OpenCV/SQLAlchemy stack a worker loads is paid
    once per process. A camera whose worker fails is restarted on its own thread with a capped
    backoff (`run_camera`) while the others go on recording; only a crash of the process itself
    (a signal, the OOM killer) takes the group down, and the supervisor restarts it as one.
    `control` (from the supervisor) carries ("stop", camera_id) and ("start", WorkerSpec): a
    camera changed or removed through the API is stopped or restarted alone, its group mates
    never stop recording.
    """
    names = ",".join(spec.camera_id for spec in specs)
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s worker[{names}] %(levelname)s %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    cameras = GroupCameras(stop)
    for spec in specs:
        cameras.start(spec)
    while not stop.is_set() and cameras.running():
        if control is None:
            stop.wait(CONTROL_POLL_S)
            continue
        try:
            if control.poll(CONTROL_POLL_S):
                cameras.command(control.recv())
        except (EOFError, OSError):  # the supervisor is gone: its workers stop as a single worker does
            log.warning("control connection closed; stopping the group")
            stop.set()
    stop.set()
    cameras.join()


CONTROL_POLL_S = 0.5  # how often a group process looks at its control connection (and at its cameras)


class GroupCameras:
    """The camera threads of one group process, each with a stop of its own."""

    def __init__(self, group_stop: threading.Event) -> None:
        self.group_stop = group_stop
        self.threads: dict[str, tuple[threading.Thread, CameraStop]] = {}

    def start(self, spec: WorkerSpec) -> None:
        self.stop_camera(spec.camera_id)  # never two recorders of one camera
        own = CameraStop(self.group_stop)
        thread = threading.Thread(target=run_camera, args=(spec, own), name=f"camera-{spec.camera_id}")
        thread.start()
        self.threads[spec.camera_id] = (thread, own)

    def stop_camera(self, camera_id: str, timeout_s: float = 30.0) -> None:
        """Stop one camera and wait for it (it finishes its segment, as on SIGTERM)."""
        thread, own = self.threads.pop(camera_id, (None, None))
        if thread is None or own is None:
            return
        own.set()
        thread.join(timeout_s)
        if thread.is_alive():
            log.error("%s: did not stop within %.0f s", camera_id, timeout_s)

    def command(self, message: tuple[str, object]) -> None:
        kind, arg = message
        if kind == "stop" and isinstance(arg, str):
            log.info("%s: stopping (removed or changed)", arg)
            self.stop_camera(arg)
        elif kind == "start" and isinstance(arg, WorkerSpec):
            log.info("%s: starting", arg.camera_id)
            self.start(arg)
        else:
            log.error("unknown group command %r", kind)

    def running(self) -> bool:
        """Any camera thread alive (a camera ends only when stopping, or when the parent died)."""
        return any(thread.is_alive() for thread, _ in self.threads.values())

    def join(self) -> None:
        for thread, _ in self.threads.values():
            thread.join()


def run_camera(spec: WorkerSpec, stop: threading.Event,
               make_worker: Callable[[WorkerSpec, threading.Event], CameraWorker] = CameraWorker,
               initial_s: float = GROUP_RESTART_INITIAL_S, max_s: float = GROUP_RESTART_MAX_S) -> int:
    """Run one camera of a group until `stop`: a worker that raises is built again after a capped
    backoff (the group's other cameras never notice). Returns how many times it was restarted."""
    restarts, delay = 0, initial_s
    while not stop.is_set():
        own = CameraStop(stop)  # a failed worker's own threads (sub stream, analysis) end with it
        try:
            make_worker(spec, own).run()  # type: ignore[arg-type]
            return restarts  # run() returns only when stopping
        except Exception:
            log.exception("%s: worker failed; restarting it in %.1f s (the group's other cameras go on)",
                          spec.camera_id, delay)
        own.set()
        if stop.wait(delay):
            break
        restarts += 1
        delay = min(max_s, delay * 2)
    return restarts
