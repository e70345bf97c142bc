"""Dual stream: the main stream is recorded without any decoding, analysis reads the sub stream.

Against real RTSP servers (a camera's main and sub profiles) and files: decode counters prove the
main stream is never decoded when a sub stream exists; the analysed frames have the sub stream's
size; killing only the sub stream costs analysis (reported in health) while recording goes on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import func, select

from camera_drivers.segments import probe_segment
from camera_drivers.stream import StreamSource
from detectors.objects.configs import SimulatedConfig
from detectors.pipeline import PipelineConfig
from detectors.rules import RulesConfig, default_rules
from detectors.rules.config import IntrusionConfig
from tests.media import make_h264_file
from tests.peers.rtsp import RtspServer
from vms.db.engine import make_engine, make_session_factory
from vms.db.migrate import upgrade
from vms.db.models import Camera, CameraStatus, Event, Segment
from vms.runtime.live_analysis import AnalysisSpec
from vms.runtime.worker import CameraWorker, WorkerSpec


class Counting:
    """A packet listener counting packets per (role, kind)."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}

    def connection_opened(self, role, tracks):  # type: ignore[no-untyped-def]
        pass

    def packet(self, role, track, timed):  # type: ignore[no-untyped-def]
        self.counts[(role, track.kind)] = self.counts.get((role, track.kind), 0) + 1

    def connection_closed(self, role):  # type: ignore[no-untyped-def]
        pass


@contextmanager
def running_worker(tmp_path: Path, source: StreamSource, sub: StreamSource | None, *, rules: RulesConfig | None = None,
                   detector: SimulatedConfig | None = None) -> Iterator[CameraWorker]:
    url = f"sqlite:///{tmp_path / 'vms.db'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    with factory.begin() as session:
        session.add(Camera(id="cam", name="Cam", source_kind=source.kind, source_location=source.location))
    analysis = AnalysisSpec(PipelineConfig(detector=detector or SimulatedConfig()), rules or default_rules(),
                            snapshots_root=tmp_path / "snapshots", live_frames_root=tmp_path / "live")
    spec = WorkerSpec("cam", source, url, tmp_path / "rec", segment_seconds=2, open_timeout_s=3, read_timeout_s=2,
                      backoff_initial_s=0.3, backoff_max_s=1.0, analysis=analysis, sub_source=sub)
    worker = CameraWorker(spec, threading.Event())
    thread = threading.Thread(target=worker.run)
    thread.start()
    try:
        yield worker
    finally:
        worker.stop.set()
        thread.join(timeout=15)
        assert not thread.is_alive(), "worker did not stop"


def status_of(worker: CameraWorker) -> CameraStatus:
    with worker.factory() as session:
        return session.get(CameraStatus, "cam") or CameraStatus(camera_id="cam", online=False,
                                                               analysis_online=False)


def segment_count(worker: CameraWorker) -> int:
    with worker.factory() as session:
        return session.scalar(select(func.count()).select_from(Segment)) or 0


def wait_for(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def live_frame_size(tmp_path: Path) -> tuple[int, int]:
    image = cv2.imdecode(np.frombuffer((tmp_path / "live" / "cam.jpg").read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    return image.shape[1], image.shape[0]


@pytest.mark.rtsp
def test_main_is_never_decoded_and_analysis_reads_the_sub_stream(
        tmp_path: Path, rtsp_servers: Callable[..., RtspServer]) -> None:
    server = rtsp_servers(cams=1, size="640x360", sub="320x180")
    main = StreamSource(kind="rtsp", location=server.url(1))
    sub = StreamSource(kind="rtsp", location=server.sub_url(1), role="sub")
    listener = Counting()
    with running_worker(tmp_path, main, sub) as worker:
        worker.packets.add(listener)
        wait_for(lambda: segment_count(worker) >= 2 and worker.analysis is not None
                 and worker.analysis.processed >= 20 and status_of(worker).analysis_fps > 0)
        status = status_of(worker)
    assert worker.decode_packets["main"] == 0  # recorded untouched: not one packet decoded
    assert worker.decode_packets["sub"] >= 20
    assert live_frame_size(tmp_path) == (320, 180)  # what analysis saw is the sub stream
    assert (status.online, status.width, status.height) == (True, 640, 360)
    assert (status.analysis_stream, status.analysis_online) == ("sub", True)
    assert (status.analysis_width, status.analysis_height) == (320, 180)
    assert status.analysis_fps == pytest.approx(15, abs=2)
    assert listener.counts[("main", "video")] > 0 and listener.counts[("sub", "video")] > 0
    with worker.factory() as session:
        first = session.scalars(select(Segment).order_by(Segment.start)).first()
    assert first is not None and probe_segment(tmp_path / "rec" / first.path).packets >= 15


@pytest.mark.rtsp
def test_sub_stream_killed_only_costs_analysis(tmp_path: Path, rtsp_servers: Callable[..., RtspServer]) -> None:
    cameras = rtsp_servers(cams=1, size="640x360")
    subs = rtsp_servers(cams=1, size="320x180")  # the sub profile, served on its own so it can die alone
    main = StreamSource(kind="rtsp", location=cameras.url(1))
    sub = StreamSource(kind="rtsp", location=subs.url(1), role="sub")
    with running_worker(tmp_path, main, sub) as worker:
        wait_for(lambda: status_of(worker).analysis_online and segment_count(worker) >= 1)
        subs.kill()
        wait_for(lambda: not status_of(worker).analysis_online)
        before = segment_count(worker)
        wait_for(lambda: segment_count(worker) >= before + 2)  # recording went on without the sub stream
        status = status_of(worker)
        assert status.online and status.analysis_error
        assert status.last_error == ""  # the camera itself is fine
        processed = worker.analysis.processed if worker.analysis else 0
        back = replace(subs, process=None).start()  # the sub stream comes back on the same port
        try:
            wait_for(lambda: status_of(worker).analysis_online)
            wait_for(lambda: worker.analysis is not None and worker.analysis.processed > processed + 5)
            assert worker.sub_reader is not None and worker.sub_reader.connections == 2
            assert worker.decode_packets["main"] == 0
        finally:
            back.stop()  # a copy the fixture does not know: stopped here, by PID


@pytest.mark.parametrize("with_sub", [True, False])
def test_file_camera_with_and_without_a_sub_stream(tmp_path: Path, with_sub: bool) -> None:
    main_clip = make_h264_file(tmp_path / "main.mp4", 4.0, width=640, height=360)
    sub_clip = make_h264_file(tmp_path / "sub.mp4", 4.0, width=320, height=180)
    main = StreamSource(kind="file", location=str(main_clip), loop=True)
    sub = StreamSource(kind="file", location=str(sub_clip), loop=True, role="sub") if with_sub else None
    with running_worker(tmp_path, main, sub) as worker:
        wait_for(lambda: worker.analysis is not None and worker.analysis.processed >= 20)
    if with_sub:
        assert worker.decode_packets["main"] == 0 and worker.decode_packets["sub"] >= 20
        assert live_frame_size(tmp_path) == (320, 180)
    else:  # a single-stream camera: analysis decodes the recorded stream
        assert worker.decode_packets["main"] >= 20 and worker.decode_packets["sub"] == 0
        assert live_frame_size(tmp_path) == (640, 360)


WALKER_SCENE = """
width: 1280
height: 720
fps: 15
gop: 15
seed: 5
duration_s: 14
layout:
  roads:
    - {id: main, axis: horizontal, center: 420, lanes_per_direction: 1, lane_width: 56}
  trees: 0
  lamps: 0
traffic:
  rate_per_min: 0
actors:
  - id: walker
    class: person
    color: red
    waypoints: [[0, 420, 640], [10, 1020, 640], [14, 1020, 640]]
"""
ZONE_X = (500.0, 800.0)  # main-stream px: 1280x720, the scene's own size


@pytest.mark.parametrize("analysed", ["sub", "main"])
def test_a_zone_in_main_pixels_fires_whichever_stream_is_analysed(tmp_path: Path, analysed: str) -> None:
    # A 1280x720 camera whose sub stream is 640x360: the zone is drawn on the main picture.
    scene = tmp_path / "walker.yaml"
    scene.write_text(WALKER_SCENE, encoding="utf-8")
    main = StreamSource(kind="sim", location=str(scene), share_key="walker")
    sub = replace(main, role="sub") if analysed == "sub" else None
    zone = IntrusionConfig(name="yard", polygon=[(ZONE_X[0], 560), (ZONE_X[1], 560), (ZONE_X[1], 700),
                                                 (ZONE_X[0], 700)], min_inside_s=0.5)
    rules = RulesConfig(rules=[zone])
    detector = SimulatedConfig(seed=1, miss_rate=0.0, false_positives=0.0)
    with running_worker(tmp_path, main, sub, rules=rules, detector=detector) as worker:
        wait_for(lambda: intrusion(worker) is not None and status_of(worker).analysis_width > 0, timeout_s=40)
        event = intrusion(worker)
        status = status_of(worker)
    assert (status.analysis_width, status.analysis_height) == ((640, 360) if sub else (1280, 720))
    assert event is not None and event.zone == "yard"
    assert event.details["boxes_wh"] == [1280, 720]
    (x1, y1, x2, y2), = event.details["boxes"]  # main px, lined up with the recording
    assert ZONE_X[0] + 0.5 * 60 - 10 <= (x1 + x2) / 2 <= ZONE_X[0] + 0.5 * 60 + 25  # inside for 0.5 s at 60 px/s
    assert 636 <= y2 <= 644 and 45 <= y2 - y1 <= 75  # the walker's feet at y 640; ~60 px tall at 1280 wide
    snapshot = cv2.imread(str(tmp_path / "snapshots" / event.snapshot))
    assert snapshot.shape[:2] == ((360, 640) if sub else (720, 1280))  # the analysed picture, boxed in its own px


def intrusion(worker: CameraWorker) -> Event | None:
    with worker.factory() as session:
        return session.scalars(select(Event).where(Event.type == "intrusion")).first()


def test_until_the_main_stream_connects_its_last_known_size_is_used(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'vms.db'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    with factory.begin() as session:
        session.add(Camera(id="cam", name="Cam", source_kind="rtsp", source_location="rtsp://127.0.0.1:9/x"))
    source = StreamSource(kind="rtsp", location="rtsp://127.0.0.1:9/x")
    assert CameraWorker(WorkerSpec("cam", source, url, tmp_path / "rec")).main_wh is None  # never connected
    with factory.begin() as session:
        session.add(CameraStatus(camera_id="cam", width=1920, height=1080))
    assert CameraWorker(WorkerSpec("cam", source, url, tmp_path / "rec")).main_wh == (1920, 1080)
