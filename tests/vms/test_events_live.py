"""The whole live path: simulated camera -> worker (records) -> analysis thread -> Event rows + snapshot."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import select

from camera_drivers.stream import StreamSource
from detectors.objects.configs import SimulatedConfig
from detectors.pipeline import PipelineConfig
from detectors.rules import default_rules
from vms.db.engine import make_engine, make_session_factory
from vms.db.migrate import upgrade
from vms.db.models import Camera, Event, EventObject, Segment
from vms.recordings import segments_between
from vms.runtime.live_analysis import AnalysisSpec
from vms.runtime.worker import CameraWorker, WorkerSpec


def test_worker_records_and_raises_the_scripted_hit_and_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'vms.db'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    with factory.begin() as session:
        session.add(Camera(id="ql1", name="Quốc lộ", source_kind="sim", source_location="hit_and_run_demo", seed=4))
    # Rendered as fast as possible (not paced), so 40 s of scene take a few seconds.
    source = StreamSource(kind="sim", location="hit_and_run_demo", seed=4, realtime=False)
    analysis = AnalysisSpec(PipelineConfig(detector=SimulatedConfig(seed=4)), default_rules(),
                              snapshots_root=tmp_path / "snapshots", queue_frames=60, wait_when_full=True,
                              live_frames_root=tmp_path / "live")
    spec = WorkerSpec("ql1", source, url, tmp_path / "rec", segment_seconds=4, analysis=analysis)
    stop = threading.Event()
    worker = CameraWorker(spec, stop)
    thread = threading.Thread(target=worker.run)
    thread.start()
    try:
        deadline = time.monotonic() + 180  # a few seconds on a quiet machine; analysis runs niced
        event = None
        while time.monotonic() < deadline and event is None:
            time.sleep(0.5)
            with factory() as session:
                event = session.scalars(select(Event).where(Event.type == "hit_and_run")).first()
    finally:
        stop.set()
        thread.join(timeout=20)
    assert not thread.is_alive()
    assert event is not None, f"no hit-and-run event; analysis {worker.analysis and worker.analysis.stats()}"
    with factory() as session:
        event = session.get(Event, event.id)
        objects = session.scalars(select(EventObject).where(EventObject.event_id == event.id)).all()
        contact_x, contact_y = event.details["evidence"]["contact_xy"]
        assert 270 <= contact_x <= 320 and 285 <= contact_y <= 295  # scripted: rear-end at x~300 in the kerb lane
        assert event.detector == "simulated" and event.severity == "alarm"
        assert sorted((o.role, o.class_name) for o in objects) == [("vehicle", "car"), ("victim", "motorbike")]
        assert event.object_classes == "car,motorbike"
        assert event.details["evidence"]["victim_outcome"] == "fell"
        assert event.details["clip"]["from"] == round(event.start.timestamp() - 5.0, 3)
        assert (tmp_path / "snapshots" / event.snapshot).stat().st_size > 1000
        assert segments_between(session, "ql1", event.start, event.start)  # the footage is recorded and indexed
    assert worker.analysis is not None and worker.analysis.dropped == 0
    assert (tmp_path / "live" / "ql1.jpg").read_bytes()[:2] == b"\xff\xd8"  # the wall's near-live frame


def _spec(tmp_path: Path, detector, queue_frames: int = 30) -> AnalysisSpec:
    return AnalysisSpec(PipelineConfig(detector=detector), default_rules(), snapshots_root=tmp_path / "snapshots",
                         queue_frames=queue_frames)


def test_full_queue_drops_the_oldest_frames(tmp_path: Path) -> None:
    import numpy as np

    from detectors.frame import Frame
    from vms.runtime.live_analysis import LiveAnalysis

    factory = make_session_factory(make_engine(f"sqlite:///{tmp_path / 'x.db'}"))
    live = LiveAnalysis(_spec(tmp_path, SimulatedConfig(), queue_frames=2), "cam", factory)
    try:
        with live.cond:  # the analysis thread cannot take frames meanwhile
            for i in range(5):
                live.offer(Frame("cam", float(i), np.zeros((4, 4), np.uint8)))
            assert [f.ts for f in live.queue] == [3.0, 4.0]
            assert (live.offered, live.dropped) == (5, 3)
    finally:
        live.stop()


def test_missing_model_weights_never_stop_recording(tmp_path: Path, monkeypatch) -> None:
    from detectors.objects.configs import NanoDetConfig
    from tests.media import make_h264_file

    monkeypatch.setenv("VMS_MODEL_DIR", str(tmp_path / "no-models"))
    url = f"sqlite:///{tmp_path / 'vms.db'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    clip = make_h264_file(tmp_path / "clip.ts", 4.0, container_format="mpegts")
    with factory.begin() as session:
        session.add(Camera(id="cam", name="Cam", source_kind="file", source_location=str(clip)))
    spec = WorkerSpec("cam", StreamSource(kind="file", location=str(clip), loop=True), url, tmp_path / "rec",
                      segment_seconds=1, analysis=_spec(tmp_path, NanoDetConfig()))
    stop = threading.Event()
    worker = CameraWorker(spec, stop)
    thread = threading.Thread(target=worker.run)
    thread.start()
    segments = 0
    deadline = time.monotonic() + 30  # ~3 s on a quiet machine
    while segments < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
        with factory() as session:
            segments = len(session.scalars(select(Segment)).all())
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert worker.analysis is not None and worker.analysis.failed
    assert segments >= 2


def test_events_left_open_by_a_crash_are_ended_on_restart(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    from vms.runtime.events_writer import EventsWriter
    from vms.runtime.live_analysis import RULE_EVENT_TYPES

    url = f"sqlite:///{tmp_path / 'vms.db'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    t0 = datetime(2024, 5, 1, 14, 0, tzinfo=timezone.utc)
    t1 = datetime(2024, 5, 1, 14, 2, tzinfo=timezone.utc)
    with factory.begin() as session:
        session.add(Camera(id="cam", name="Cam", source_kind="sim", source_location="street_day"))
        session.flush()
        session.add_all([Event(camera_id="cam", type="loitering", start=t0, updated_at=t1),
                         Event(camera_id="cam", type="camera_offline", start=t0, updated_at=t1)])
    writer = EventsWriter(factory, "cam", None, "simulated")
    assert writer.close_stale(RULE_EVENT_TYPES) == 1
    with factory() as session:
        ends = {e.type: e.end for e in session.scalars(select(Event))}
    assert ends == {"loitering": t1, "camera_offline": None}
