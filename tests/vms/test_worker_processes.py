"""What a camera worker process costs: the modules it loads, and several cameras per process.

Memory per camera (issue 11: RSS <= 80 MB) is mostly the libraries a worker process loads
(numpy, PyAV, OpenCV, SQLAlchemy, ...). Two guards: a camera worker that analyses through the
node's detector service loads none of the server's, the detector's or the benchmarks' stacks;
and `workers.cameras_per_process` serves several cameras from one process, so those libraries
are paid once per group.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from camera_drivers.stream import StreamSource
from tests.media import make_h264_file
from vms.config import parse_config
from vms.db.engine import make_engine, make_session_factory
from vms.db.migrate import upgrade
from vms.db.models import Camera, Segment
from vms.runtime.supervisor import Supervisor
from vms.runtime.worker import WorkerSpec

ROOT = Path(__file__).resolve().parents[2]

# Never in a camera worker: the web server, the model runtimes (the detector service owns the
# model), the report/export writers, migrations, the evaluation tools.
FORBIDDEN = ["fastapi", "starlette", "uvicorn", "jinja2", "openvino", "onnxruntime", "tflite_runtime",
             "ai_edge_litert", "tensorflow", "torch", "ultralytics", "alembic", "reportlab", "openpyxl", "fpdf",
             "pandas", "motmetrics", "matplotlib", "httpx", "requests",
             "scipy"]  # the tracker assigns with `lap` (scipy.optimize was +40 MB RSS per camera process)

_PROBE = textwrap.dedent("""
    import json, sys, threading, time
    from pathlib import Path

    import vms.cli  # under `vms serve` a spawned worker first re-runs the `vms` script (as __mp_main__)
    from camera_drivers.stream import StreamSource
    from detectors.objects.configs import NanoDetConfig
    from detectors.pipeline import PipelineConfig
    from detectors.rules import default_rules
    from vms.db.engine import make_engine, make_session_factory
    from vms.db.models import Camera
    from vms.runtime.detector_service import DetectorServiceSpec
    from vms.runtime.live_analysis import AnalysisSpec
    from vms.runtime.worker import CameraWorker, WorkerSpec

    url, clip, rec = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    service = DetectorServiceSpec("\\0vms-detector-nobody-import-probe", b"k")  # not running: no detections
    analysis = AnalysisSpec(PipelineConfig(detector=NanoDetConfig(threads=1)), default_rules(), None,
                            detector_service=service)
    spec = WorkerSpec("cam", StreamSource(kind="file", location=clip, loop=True), url, rec, segment_seconds=2,
                      analysis=analysis)
    worker = CameraWorker(spec)
    thread = threading.Thread(target=worker.run)
    thread.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (worker.analysis is None or worker.analysis.processed < 5):
        time.sleep(0.2)
    processed = worker.analysis.processed if worker.analysis is not None else 0
    worker.stop.set()
    thread.join(30)
    print(json.dumps({"processed": processed, "modules": sorted(sys.modules)}))
""")


def _database(tmp_path: Path, ids: list[str], clip: Path) -> str:
    url = f"sqlite:///{tmp_path / 'vms.db'}"
    upgrade(url)
    with make_session_factory(make_engine(url)).begin() as session:
        for cid in ids:
            session.add(Camera(id=cid, name=cid, source_kind="file", source_location=str(clip)))
    return url


def test_an_analysing_camera_worker_loads_no_server_model_or_bench_stack(tmp_path: Path) -> None:
    clip = make_h264_file(tmp_path / "clip.ts", 3.0, container_format="mpegts")
    url = _database(tmp_path, ["cam"], clip)
    done = subprocess.run([sys.executable, "-c", _PROBE, url, str(clip), str(tmp_path / "rec")], cwd=ROOT,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["processed"] >= 5, "the probe's camera never analysed: the import list proves nothing"
    tops = {name.split(".")[0] for name in out["modules"]}
    assert {"av", "numpy", "detectors", "camera_drivers"} <= tops  # it did load the camera stack
    assert sorted(tops & set(FORBIDDEN)) == []


def _spec(cid: str, clip: Path, url: str, rec: Path, **extra: object) -> WorkerSpec:
    settings: dict = {"segment_seconds": 1, "open_timeout_s": 2, "read_timeout_s": 2, "backoff_initial_s": 0.2,
                      "backoff_max_s": 0.5, **extra}
    return WorkerSpec(cid, StreamSource(kind="file", location=str(clip), loop=True), url, rec, **settings)


class _FakeProcess:
    pids = iter(range(1000, 2000))

    def __init__(self, target: object, args: tuple, name: str) -> None:
        self.target, self.args, self.name, self.pid = target, args, name, next(self.pids)

    def start(self) -> None:
        pass

    def is_alive(self) -> bool:
        return True


def test_supervisor_groups_cameras_and_a_changed_camera_restarts_alone_in_its_group(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vms.runtime import supervisor as module

    started: list[_FakeProcess] = []
    stopped: list[tuple[str, ...]] = []

    sent: dict[str, list[tuple[str, object]]] = {}  # group process name -> control messages

    class Control:
        def __init__(self) -> None:
            self.messages: list[tuple[str, object]] = []

        def send(self, message: tuple[str, object]) -> None:
            self.messages.append(message)

        def close(self) -> None:
            pass

    class Context:
        @staticmethod
        def Process(target: object, args: tuple, name: str) -> _FakeProcess:  # noqa: N802 (multiprocessing's name)
            process = _FakeProcess(target, args, name)
            started.append(process)
            if len(args) > 1:
                sent[name] = args[1].peer.messages
            return process

        @staticmethod
        def Pipe() -> tuple[Control, Control]:  # noqa: N802
            parent, child = Control(), Control()
            child.peer = parent  # type: ignore[attr-defined]
            return parent, child

    monkeypatch.setattr(module, "_CONTEXT", Context)
    monkeypatch.setattr(Supervisor, "_terminate", staticmethod(
        lambda slots, timeout_s=15.0: stopped.extend(tuple(s.camera_id for s in slot.spec) for slot in slots)))
    clip, rec, url = tmp_path / "c.ts", tmp_path / "rec", "sqlite://"
    specs = [_spec(f"c{i}", clip, url, rec) for i in range(5)]

    one = Supervisor(specs[:2])  # the default: a process per camera, entered as before
    one.start()
    assert [(p.target, p.name) for p in started] == [(module.worker_main, "worker-c0"), (module.worker_main, "worker-c1")]
    one._stop.set()
    started.clear()

    supervisor = Supervisor(specs, cameras_per_process=2)
    supervisor.start()
    assert [p.args[0] for p in started] == [specs[0:2], specs[2:4], specs[4]]  # a group of one: as before
    assert [len(p.args) for p in started] == [2, 2, 1]  # groups get a control connection
    assert [p.target for p in started] == [module.group_worker_main] * 2 + [module.worker_main]
    pids = supervisor.worker_pids()
    assert pids["c0"] == pids["c1"] != pids["c2"] == pids["c3"] != pids["c4"]
    assert supervisor.restarts() == {f"c{i}": 0 for i in range(5)}

    started.clear()
    changed = _spec("c3", clip, url, rec, segment_seconds=5)
    pids = supervisor.worker_pids()
    supervisor.sync([*specs[:3], changed, specs[4], _spec("c5", clip, url, rec)])
    # c3 is restarted inside its running group (c2 never stops); the new camera gets a process.
    assert stopped == []
    assert sent["workers-c2,c3"] == [("stop", "c3"), ("start", changed)]
    assert [p.args[0] for p in started] == [_spec("c5", clip, url, rec)]
    assert set(supervisor.worker_pids()) == {f"c{i}" for i in range(6)}
    assert supervisor.worker_pids()["c3"] == pids["c3"] == pids["c2"]

    sent["workers-c2,c3"].clear()
    started.clear()
    supervisor.sync([specs[0], specs[1], specs[2], specs[4]])  # c3 and c5 removed
    assert sent["workers-c2,c3"] == [("stop", "c3")] and stopped == [("c5",)]
    stopped.clear()
    supervisor.sync([specs[0], specs[1]])  # c2 and c4 removed: c2's group has no camera left
    assert sorted(stopped) == [("c2",), ("c4",)] and started == []
    assert set(supervisor.worker_pids()) == {"c0", "c1"}
    supervisor._stop.set()


def test_site_config_sets_cameras_per_process() -> None:
    assert parse_config({}, "t").workers.cameras_per_process == 4  # the default: memory per camera (issue 11)
    assert parse_config({"workers": {"cameras_per_process": 1}}, "t").workers.cameras_per_process == 1
    assert parse_config({"workers": {"cameras_per_process": 4}}, "t").workers.cameras_per_process == 4
    with pytest.raises(Exception, match="cameras_per_process"):
        parse_config({"workers": {"cameras_per_process": 0}}, "t")


def _segments(url: str) -> dict[str, int]:
    with make_session_factory(make_engine(url))() as session:
        rows = session.execute(select(Segment.camera_id, func.count()).group_by(Segment.camera_id))
        return {cid: int(n) for cid, n in rows}


@pytest.mark.slow
def test_two_cameras_in_one_process_both_record_and_stop_on_sigterm(tmp_path: Path) -> None:
    clip = make_h264_file(tmp_path / "clip.ts", 2.0, container_format="mpegts")
    url = _database(tmp_path, ["a", "b"], clip)
    specs = [_spec(cid, clip, url, tmp_path / "rec") for cid in ("a", "b")]
    supervisor = Supervisor(specs, poll_interval_s=0.2, cameras_per_process=2)
    supervisor.start()
    try:
        pids = supervisor.worker_pids()
        assert pids["a"] == pids["b"] is not None
        deadline = time.monotonic() + 90
        while min(_segments(url).get(cid, 0) for cid in ("a", "b")) < 2:
            assert time.monotonic() < deadline, f"segments so far: {_segments(url)}"
            time.sleep(0.3)
    finally:
        stopper = threading.Thread(target=supervisor.stop)
        stopper.start()
        stopper.join(60)
    assert not stopper.is_alive()
    assert supervisor.restarts() == {"a": 0, "b": 0}


def test_metrics_name_each_worker_process_once() -> None:
    from vms.service import camera_processes

    assert camera_processes({"a": 10, "b": 11}) == {"camera:a": 10, "camera:b": 11}  # one process per camera
    assert camera_processes({"a": 10, "b": 10, "c": 12, "d": None}) == {
        "camera:a,b": 10, "camera:c": 12, "camera:d": None}


@pytest.mark.slow
def test_a_failing_camera_in_a_group_restarts_alone_while_the_other_keeps_recording(tmp_path: Path) -> None:
    """`workers.cameras_per_process` > 1: one camera's worker raising (a bug, a broken source object)
    must not stop the camera sharing its process; the failed one is rebuilt after a backoff."""
    from vms.runtime import worker as module

    clip = make_h264_file(tmp_path / "clip.ts", 2.0, container_format="mpegts")
    url = _database(tmp_path, ["good", "bad"], clip)
    good, bad = (_spec(cid, clip, url, tmp_path / "rec") for cid in ("good", "bad"))
    failures = {"left": 3}

    def flaky_worker(spec: WorkerSpec, stop: object) -> module.CameraWorker:
        if failures["left"] > 0:
            failures["left"] -= 1
            raise RuntimeError("worker broke while starting")
        return module.CameraWorker(spec, stop)  # type: ignore[arg-type]

    stop = threading.Event()
    restarts: dict[str, int] = {}
    threads = [threading.Thread(target=lambda: restarts.__setitem__("good", module.run_camera(good, stop))),
               threading.Thread(target=lambda: restarts.__setitem__("bad", module.run_camera(
                   bad, stop, make_worker=flaky_worker, initial_s=0.5, max_s=1.0)))]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 120
        while _segments(url).get("good", 0) < 2 or _segments(url).get("bad", 0) < 1:
            assert time.monotonic() < deadline, f"segments so far: {_segments(url)}"
            assert all(thread.is_alive() for thread in threads)  # nothing gave up
            time.sleep(0.3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    assert failures["left"] == 0
    assert restarts == {"good": 0, "bad": 3}


def test_camera_stop_follows_the_group_but_stops_only_its_camera() -> None:
    from vms.runtime.worker import CameraStop

    group = threading.Event()
    a, b = CameraStop(group), CameraStop(group)
    a.set()
    assert a.is_set() and a.wait(5) and not b.is_set() and not group.is_set()
    assert b.wait(0.05) is False
    group.set()
    assert b.is_set() and b.wait(5)


def _rows(url: str) -> list[Segment]:
    with make_session_factory(make_engine(url))() as session:
        return list(session.scalars(select(Segment).order_by(Segment.camera_id, Segment.start)))


@pytest.mark.slow
def test_a_killed_group_process_restarts_quickly_and_loses_no_finished_footage(tmp_path: Path) -> None:
    """kill -9 of one group's process (the OOM killer, a crash in native code) while the service
    runs on: the other group never notices, the killed group's cameras record again within
    seconds, the segments they were writing are recovered up to their last whole fragment and
    indexed by the restarted worker, and the index matches the disk."""
    import os
    import signal

    from vms.db.models import Event

    clip = make_h264_file(tmp_path / "clip.ts", 2.0, container_format="mpegts")
    ids = ["a1", "a2", "b1", "b2"]
    url = _database(tmp_path, ids, clip)
    rec = tmp_path / "rec"
    supervisor = Supervisor([_spec(cid, clip, url, rec, segment_seconds=2) for cid in ids], poll_interval_s=0.2,
                            cameras_per_process=2)
    supervisor.start()
    try:
        deadline = time.monotonic() + 120
        while min(_segments(url).get(cid, 0) for cid in ids) < 2:
            assert time.monotonic() < deadline, f"segments so far: {_segments(url)}"
            time.sleep(0.3)
        pids = supervisor.worker_pids()
        victim, other = pids["a1"], pids["b1"]
        assert victim == pids["a2"] != other == pids["b2"]
        while True:  # mid-segment: a1 has a file half-written, a whole GOP (1 s) already in it
            assert time.monotonic() < deadline
            fresh = set(rec.glob("a1/*/*/*.partial"))
            time.sleep(1.2)
            if fresh and fresh == set(rec.glob("a1/*/*/*.partial")):
                break
        os.kill(victim, signal.SIGKILL)  # type: ignore[arg-type]
        killed_at = time.time()
        counts = _segments(url)
        deadline = time.monotonic() + 60
        while not all(_segments(url).get(cid, 0) >= counts[cid] + 3 for cid in ("a1", "a2")):
            assert time.monotonic() < deadline, f"after the kill: {_segments(url)} (before: {counts})"
            time.sleep(0.3)
        pids_after = supervisor.worker_pids()
    finally:
        stopper = threading.Thread(target=supervisor.stop)
        stopper.start()
        stopper.join(60)
    assert not stopper.is_alive()
    assert pids_after["a1"] == pids_after["a2"] not in (victim, None)
    assert pids_after["b1"] == pids_after["b2"] == other  # the other group was never restarted
    assert supervisor.restarts() == {"a1": 1, "a2": 1, "b1": 0, "b2": 0}

    rows = _rows(url)
    by_camera: dict[str, list[Segment]] = {}
    for row in rows:
        by_camera.setdefault(row.camera_id, []).append(row)
    for cid in ("b1", "b2"):  # recording went on across the kill: consecutive segments, no hole
        holes = [(b.start - a.end).total_seconds() for a, b in zip(by_camera[cid], by_camera[cid][1:])]
        assert max(holes) <= 0.5, (cid, holes)
    for cid in ("a1", "a2"):
        resumed = [r for r in by_camera[cid] if r.start.timestamp() > killed_at]
        assert resumed, cid
        # Back within seconds: the supervisor's first restart delay (~1 s) + a process start.
        assert resumed[0].start.timestamp() - killed_at < 15.0, (cid, resumed[0].start.timestamp() - killed_at)
        # What was being written when the kill came is in the index (recovered), up to about the kill.
        before = [r for r in by_camera[cid] if r.start.timestamp() <= killed_at]
        assert before and before[-1].end.timestamp() > killed_at - 2.5, (cid, before[-1].end.timestamp() - killed_at)

    # The index and the disk agree: no partial left, every file indexed, every row's file there.
    assert not list(rec.rglob("*.partial"))
    on_disk = {p.relative_to(rec).as_posix() for p in rec.rglob("*.mp4")}
    assert on_disk == {r.path for r in rows}
    with make_session_factory(make_engine(url))() as session:
        repairs = list(session.scalars(select(Event).where(Event.type == "index_repair")))
    assert any(e.details["action"] == "segment_recovered" and e.details["camera"] == "a1" for e in repairs)


@pytest.mark.slow
def test_a_changed_camera_restarts_alone_inside_its_running_group(tmp_path: Path) -> None:
    """A camera edited through the API (its worker spec changed) restarts inside its group
    process; the camera sharing the process never stops recording."""
    clip = make_h264_file(tmp_path / "clip.ts", 2.0, container_format="mpegts")
    url = _database(tmp_path, ["keep", "edit"], clip)
    rec = tmp_path / "rec"
    specs = [_spec(cid, clip, url, rec, segment_seconds=2) for cid in ("keep", "edit")]
    supervisor = Supervisor(specs, poll_interval_s=0.2, cameras_per_process=2)
    supervisor.start()
    try:
        deadline = time.monotonic() + 120
        while min(_segments(url).get(cid, 0) for cid in ("keep", "edit")) < 2:
            assert time.monotonic() < deadline, f"segments so far: {_segments(url)}"
            time.sleep(0.3)
        pid = supervisor.worker_pids()["keep"]
        edited = _spec("edit", clip, url, rec, segment_seconds=1)
        supervisor.sync([specs[0], edited])
        changed_at = time.time()
        counts = _segments(url)
        while not (_segments(url)["edit"] >= counts["edit"] + 3 and _segments(url)["keep"] >= counts["keep"] + 3):
            assert time.monotonic() < deadline, f"after the change: {_segments(url)} (before: {counts})"
            time.sleep(0.3)
        assert supervisor.worker_pids() == {"keep": pid, "edit": pid}  # no process was restarted
    finally:
        stopper = threading.Thread(target=supervisor.stop)
        stopper.start()
        stopper.join(60)
    assert not stopper.is_alive()
    rows = _rows(url)
    keep = [r for r in rows if r.camera_id == "keep"]
    holes = [(b.start - a.end).total_seconds() for a, b in zip(keep, keep[1:])]
    assert max(holes) <= 0.5, holes
    after = [r for r in rows if r.camera_id == "edit" and r.start.timestamp() > changed_at + 1.0]
    assert after and all((r.end - r.start).total_seconds() < 1.9 for r in after[:-1])  # the new 1 s segments
