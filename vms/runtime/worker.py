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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from camera_drivers.fanout import PacketFanout
from camera_drivers.recorder import ClosedSegment, SegmentRecorder
from camera_drivers.stream import StreamError, StreamSession, StreamSource
from vms.db.engine import make_engine, make_session_factory
from vms.recordings import add_segment
from vms.runtime.health import HealthReporter

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

    def run(self) -> None:
        self._start_analysis()
        live = self._start_live()
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
        if live is not None:
            live.close()
        if self.analysis is not None:
            self.analysis.stop()
            log.info("%s: analysis %s", self.spec.camera_id, self.analysis.stats())
        self.health.stopped()

    def _run_connection(self) -> str:
        """Stream until disconnect; return the reason (never containing credentials)."""
        spec = self.spec
        try:
            with StreamSession(spec.source, spec.open_timeout_s, spec.read_timeout_s, audio=True) as session:
                assert session.video_stream is not None
                self.recorder.start_connection(session.video_stream, session.audio_stream)
                self.packets.opened("main", [s for s in (session.video_stream, session.audio_stream) if s is not None])
                decoder = session.video_stream.codec_context  # the demuxer does not use it: analysis decodes
                truth = session.truth_source()
                connected = False
                for timed in session.packets():
                    if not connected:
                        codec = session.video_stream.codec_context
                        self.health.connected(timed.ts, codec.width, codec.height, codec.name)
                        self.backoff.reset()
                        connected = True
                    # Before muxing: a muxer may take the packet's data over (FFmpeg's ownership rule).
                    self.packets.packet("main", timed)
                    if timed.kind == "video":
                        if self.analysis is not None:  # decode + hand over; analysis runs on its own thread
                            self.analysis.decode(decoder, timed.packet, timed.ts, truth)
                        self.health.packet(timed.ts, timed.packet.size)
                    self.recorder.write(timed)
                    if self._should_stop():
                        return "stopping"
                return END_OF_STREAM if connected else "stream ended before any video"
        except StreamError as error:
            return str(error)
        finally:
            self.recorder.close()
            self.packets.closed("main")
            if self.analysis is not None:
                self.analysis.connection_closed()


def worker_main(spec: WorkerSpec) -> None:
    """Entry point of a worker process (spawned by the supervisor)."""
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s worker[{spec.camera_id}] %(levelname)s %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    CameraWorker(spec, stop).run()
