"""The node's detector service: scheduling, shared-memory frames, the remote client, crash recovery."""

from __future__ import annotations

import os
import secrets
import signal
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from detectors.models import NANODET_G, is_fetched
from detectors.objects.configs import NanoDetConfig
from vms.runtime.detector_scheduler import Request, Scheduler, SchedulerConfig
from vms.runtime.detector_service import DetectorServiceSpec
from vms.runtime.frame_ring import RingReader, RingWriter
from vms.runtime.remote_detector import RemoteDetector, service_stats

needs_model = pytest.mark.skipif(not is_fetched(NANODET_G), reason="NanoDet-g not fetched (make install)")


def _req(cam: str, rid: int, t: float, priority: bool = False) -> Request:
    return Request(cam, rid, t, priority)


def _serve_all(s: Scheduler, now: float, limit: int = 100) -> list[str]:
    order: list[str] = []
    while len(order) < limit:
        request, _ = s.next(now)
        if request is None:
            break
        order.append(f"{request.camera_id}{request.request_id}")
    return order


def test_round_robin_between_cameras() -> None:
    s = Scheduler(SchedulerConfig(max_pending=100, budget_runs_per_s=100))
    for rid in (1, 2):
        for cam in ("a", "b", "c"):
            s.add(_req(cam, rid, 0.0))
    assert _serve_all(s, 0.1) == ["a1", "b1", "c1", "a2", "b2", "c2"]


def test_cameras_with_live_tracks_go_first() -> None:
    s = Scheduler(SchedulerConfig(max_pending=100, budget_runs_per_s=100))
    s.add(_req("quiet", 1, 0.0))
    s.add(_req("tracks", 1, 0.01, priority=True))
    s.add(_req("quiet2", 1, 0.0))
    assert _serve_all(s, 0.1) == ["tracks1", "quiet1", "quiet21"]


def test_a_camera_without_tracks_is_not_starved_by_cameras_with_tracks() -> None:
    """Overload: three cameras with tracks keep the detector busy; a quiet camera's request
    (new motion) is served once it has waited half of max_wait_s, never dropped as stale."""
    s = Scheduler(SchedulerConfig(max_pending=100, max_wait_s=1.0, budget_runs_per_s=100))
    served, stale_ids = [], []
    rid = 0
    for step in range(40):  # one model run per 0.05 s; the busy cameras offer more than that
        now = step * 0.05
        for cam in ("t1", "t2", "t3"):
            rid += 1
            s.add(_req(cam, rid, now, priority=True))
        if step == 2:
            s.add(_req("quiet", 0, now))
        request, stale = s.next(now)
        stale_ids += [r.camera_id for r in stale]
        assert request is not None
        served.append((request.camera_id, now))
    quiet = [t for cam, t in served if cam == "quiet"]
    assert "quiet" not in stale_ids and quiet and quiet[0] - 0.1 <= 0.5 + 1e-9


def test_a_camera_over_its_budget_yields_but_is_still_served() -> None:
    s = Scheduler(SchedulerConfig(max_pending=100, budget_runs_per_s=2))
    for rid in range(1, 5):
        s.add(_req("busy", rid, 0.0))
    assert _serve_all(s, 0.1, limit=2) == ["busy1", "busy2"]  # within budget
    s.add(_req("other", 1, 0.2))
    # busy has used its 2 runs of this second: the other camera goes first, then busy again
    assert _serve_all(s, 0.2) == ["other1", "busy3", "busy4"]


def test_overload_drops_the_oldest_request_of_the_busiest_camera() -> None:
    s = Scheduler(SchedulerConfig(max_pending=3))
    assert s.add(_req("a", 1, 0.0)) == []
    s.add(_req("b", 1, 0.1))
    s.add(_req("b", 2, 0.2))
    dropped = s.add(_req("b", 3, 0.3))  # b waits with 3, a with 1: b's oldest goes
    assert [(r.camera_id, r.request_id) for r in dropped] == [("b", 1)]
    dropped = s.add(_req("a", 2, 0.4))  # a tie (2 and 2): the older head goes, a's request of 0.0
    assert [(r.camera_id, r.request_id) for r in dropped] == [("a", 1)]
    assert (s.counters["b"].dropped, s.counters["a"].dropped) == (1, 1)
    assert s.pending() == 3


def test_stale_requests_are_dropped_and_counted() -> None:
    s = Scheduler(SchedulerConfig(max_wait_s=0.5))
    s.add(_req("a", 1, 0.0))
    s.add(_req("a", 2, 0.8))
    request, stale = s.next(1.0)
    assert [r.request_id for r in stale] == [1] and request is not None and request.request_id == 2
    assert s.counters["a"].dropped == 1 and s.counters["a"].runs == 1


def test_ring_carries_frames_and_refuses_overwritten_slots() -> None:
    writer, reader = RingWriter("cam 1", slots=2), RingReader()
    try:
        a = np.random.default_rng(1).integers(0, 255, (360, 640, 3), dtype=np.uint8)
        first = writer.write(a)
        assert np.array_equal(reader.read(*first), a)
        writer.write(a)
        writer.write(a[:100])  # slot of `first` reused
        assert reader.read(*first) is None
        big = np.zeros((1080, 1920, 3), np.uint8)
        name, slot, seq = writer.write(big)  # a bigger frame: a new ring generation
        assert name != first[0] and reader.read(name, slot, seq).shape == (1080, 1920, 3)
        assert reader.read("../../etc/passwd", 0, 1) is None
    finally:
        writer.close()
        reader.close()


def test_client_without_service_answers_at_once_with_nothing() -> None:
    remote = RemoteDetector("\0vms-detector-nobody-" + secrets.token_hex(4), b"k", "cam", NanoDetConfig())
    try:
        started = time.monotonic()
        (dets,) = remote.detect([np.zeros((64, 64, 3), np.uint8)])
        assert len(dets) == 0 and time.monotonic() - started < 1.0
        assert remote.counts["unavailable"] == 1 and "unreachable" in (remote.last_error or "")
    finally:
        remote.close()


@pytest.fixture()
def service():
    import multiprocessing

    from vms.runtime.detector_service import detector_service_main

    spec = DetectorServiceSpec(f"\0vms-detector-test-{secrets.token_hex(4)}", secrets.token_bytes(16))
    process = multiprocessing.get_context("spawn").Process(target=detector_service_main, args=(spec,))
    process.start()
    try:
        deadline = time.monotonic() + 60
        while service_stats(spec.address, spec.authkey) is None:
            assert time.monotonic() < deadline and process.is_alive()
            time.sleep(0.2)
        yield spec, process
    finally:
        process.terminate()
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join(5)


@needs_model
def test_remote_detections_equal_local_and_wrong_key_is_refused(service, test_data: Path) -> None:
    from detectors.objects.nanodet import NanoDetDetector
    from tests.detectors.conftest import read_frame

    spec, _ = service
    frame = read_frame(test_data / "pets09_s2l1" / "pets09_s2l1_view001_h264.mp4", 100)
    regions = np.array([[0, 0, 768, 576], [100, 150, 400, 450]])
    # A generous timeout: the first request makes the service load the model (slow on a busy machine).
    cams = [RemoteDetector(spec.address, spec.authkey, f"cam{i}", NanoDetConfig(), timeout_s=120) for i in (1, 2)]
    intruder = RemoteDetector(spec.address, b"not the key", "cam9", NanoDetConfig())
    try:
        local = NanoDetDetector(NanoDetConfig()).detect_regions(frame, regions)
        for cam in cams:
            remote = cam.detect_regions(frame, regions)
            np.testing.assert_allclose(remote.xyxy, local.xyxy, atol=1e-3)
            assert remote.class_id.tolist() == local.class_id.tolist() and len(remote) >= 5
        assert len(intruder.detect([frame])[0]) == 0 and "refused" in (intruder.last_error or "")
        stats = service_stats(spec.address, spec.authkey)
        assert stats is not None and stats["models"] == 1
        assert {c: v["runs"] for c, v in stats["cameras"].items()} == {"cam1": 1, "cam2": 1}
    finally:
        for cam in (*cams, intruder):
            cam.close()


def _segments(factory) -> int:
    from vms.db.models import Segment

    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(Segment)) or 0)


def _wait(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


@needs_model
@pytest.mark.slow
def test_killed_detector_service_is_restarted_and_cameras_keep_recording(tmp_path: Path) -> None:
    from camera_drivers.stream import StreamSource
    from detectors.pipeline import PipelineConfig
    from detectors.rules import default_rules
    from tests.media import make_h264_file
    from vms.db.engine import make_engine, make_session_factory
    from vms.db.migrate import upgrade
    from vms.db.models import Camera
    from vms.runtime.live_analysis import AnalysisSpec
    from vms.runtime.supervisor import Supervisor
    from vms.runtime.worker import WorkerSpec

    url = f"sqlite:///{tmp_path / 'vms.db'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    clip = make_h264_file(tmp_path / "clip.ts", 4.0, container_format="mpegts")  # a moving square: motion
    with factory.begin() as session:
        session.add(Camera(id="cam", name="Cam", source_kind="file", source_location=str(clip)))
    service = DetectorServiceSpec(f"\0vms-detector-test-{secrets.token_hex(4)}", secrets.token_bytes(16))
    analysis = AnalysisSpec(PipelineConfig(detector=NanoDetConfig(threads=1)), default_rules(), None,
                            detector_service=service)
    worker = WorkerSpec("cam", StreamSource(kind="file", location=str(clip), loop=True), url, tmp_path / "rec",
                        segment_seconds=2, analysis=analysis)
    supervisor = Supervisor([worker], poll_interval_s=0.2, detector=service)
    supervisor.start()

    def runs() -> int:
        stats = service_stats(service.address, service.authkey, timeout_s=1.0)
        return stats["cameras"].get("cam", {}).get("runs", 0) if stats else 0

    try:
        _wait(lambda: runs() > 0, 120, "the camera's first model run in the service")
        first_pid = supervisor.detector_pid()
        assert first_pid is not None
        os.kill(first_pid, signal.SIGKILL)
        before = _segments(factory)
        _wait(lambda: _segments(factory) >= before + 2, 60, "segments while the detector is down or restarting")
        _wait(lambda: supervisor.detector_pid() not in (None, first_pid), 60, "the detector service restart")
        _wait(lambda: runs() > 0, 120, "analysis resuming against the new service")  # counters start at 0
        assert supervisor.detector_restarts() == 1
        assert supervisor.restarts() == {"cam": 0}  # the camera worker itself never restarted
    finally:
        supervisor.stop()


PARENT_SCRIPT = """
import multiprocessing, sys, time
from vms.runtime.detector_service import DetectorServiceSpec, detector_service_main
if __name__ == "__main__":
    spec = DetectorServiceSpec("\\0" + sys.argv[1], bytes.fromhex(sys.argv[2]))
    child = multiprocessing.get_context("spawn").Process(target=detector_service_main, args=(spec,))
    child.start()
    print(child.pid, flush=True)
    time.sleep(600)
"""


def test_detector_service_stops_when_its_parent_is_killed(tmp_path: Path) -> None:
    """A SIGKILLed `vms serve` leaves no model process behind (it would hold memory and the socket)."""
    import subprocess
    import sys

    spec = DetectorServiceSpec(f"\0vms-detector-test-{secrets.token_hex(4)}", secrets.token_bytes(16))
    script = tmp_path / "parent.py"
    script.write_text(PARENT_SCRIPT)
    parent = subprocess.Popen([sys.executable, str(script), spec.address[1:], spec.authkey.hex()],
                              stdout=subprocess.PIPE, text=True)
    child_pid = 0
    try:
        child_pid = int(parent.stdout.readline())  # type: ignore[union-attr]
        _wait(lambda: service_stats(spec.address, spec.authkey, timeout_s=1.0) is not None, 60,
              "the detector service answering")
        parent.kill()
        parent.wait(10)
        _wait(lambda: not _alive(child_pid), 30, "the orphaned detector service to stop")
    finally:
        parent.kill()
        parent.wait(10)
        if child_pid and _alive(child_pid):
            os.kill(child_pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"  # a zombie waiting for init counts as gone
    except FileNotFoundError:
        return False
