"""A camera worker survives bad input: corrupt files, junk, and it stops promptly when asked."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from camera_drivers.stream import StreamSource
from camera_drivers.segments import probe_segment
from tests.media import make_av_file, make_h264_file
from vms.db.engine import make_engine, make_session_factory
from vms.db.migrate import upgrade
from vms.db.models import Camera, CameraStatus, Event, Segment
from vms.runtime.worker import Backoff, CameraWorker, WorkerSpec


def run_worker(tmp_path: Path, source: StreamSource, seconds: float,
               listener: object = None) -> tuple[list[Segment], CameraStatus, list[Event]]:
    url = f"sqlite:///{tmp_path / 'vms.db'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    with factory.begin() as session:
        session.add(Camera(id="cam", name="Cam", source_kind=source.kind, source_location=source.location))
    spec = WorkerSpec("cam", source, url, tmp_path / "rec", segment_seconds=2, open_timeout_s=2, read_timeout_s=2,
                      backoff_initial_s=0.2, backoff_max_s=0.5)
    stop = threading.Event()
    worker = CameraWorker(spec, stop)
    if listener is not None:
        worker.packets.add(listener)  # type: ignore[arg-type]
    thread = threading.Thread(target=worker.run)
    thread.start()
    time.sleep(seconds)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive(), "worker did not stop when asked"
    with factory() as session:
        return (list(session.scalars(select(Segment))), session.get(CameraStatus, "cam"),  # type: ignore[return-value]
                list(session.scalars(select(Event))))


def test_corrupt_video_file_is_recorded_around_the_damage(tmp_path: Path) -> None:
    clip = make_h264_file(tmp_path / "clip.ts", 6.0, container_format="mpegts")
    data = bytearray(clip.read_bytes())
    data[len(data) // 3 : len(data) // 3 + 3000] = b"\xff" * 3000
    clip.write_bytes(bytes(data))
    segments, status, _ = run_worker(tmp_path, StreamSource(kind="file", location=str(clip), loop=True), 4)
    assert len(segments) >= 2
    assert status.reconnects == 0  # a looping file restarting is not an outage


def test_junk_file_camera_is_offline_and_retried(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00garbage" * 5000)
    segments, status, events = run_worker(tmp_path, StreamSource(kind="file", location=str(junk)), 3)
    assert segments == []
    assert not status.online and status.reconnects >= 2
    assert "cannot open stream" in status.last_error
    assert [e.type for e in events] == ["camera_offline"]


class RecordingListener:
    """A packet listener that keeps copies, as the live view would."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.tracks: list[tuple[str, str, int]] = []
        self.packets: dict[tuple[str, str], int] = {}
        self.bytes = 0

    def connection_opened(self, role, tracks):  # type: ignore[no-untyped-def]
        self.events.append(("opened", role))
        self.tracks = [(t.kind, t.codec, t.sample_rate or t.width) for t in tracks]

    def packet(self, role, track, timed):  # type: ignore[no-untyped-def]
        self.packets[(role, track.kind)] = self.packets.get((role, track.kind), 0) + 1
        self.bytes += len(bytes(timed.packet))

    def connection_closed(self, role):  # type: ignore[no-untyped-def]
        self.events.append(("closed", role))


class BrokenListener:
    def connection_opened(self, role, tracks):  # type: ignore[no-untyped-def]
        pass

    def packet(self, role, track, timed):  # type: ignore[no-untyped-def]
        raise RuntimeError("a listener bug")

    def connection_closed(self, role):  # type: ignore[no-untyped-def]
        pass


def test_worker_records_g711_audio_as_aac_and_listeners_see_every_packet(tmp_path: Path) -> None:
    clip = make_av_file(tmp_path / "clip.mov", 3.0, "pcm_mulaw")
    listener = RecordingListener()
    segments, status, _ = run_worker(tmp_path, StreamSource(kind="file", location=str(clip), realtime=True), 2.5,
                                     listener)
    assert segments
    probe = probe_segment(tmp_path / "rec" / segments[0].path)
    assert probe.audio_codec == "aac" and probe.audio_packets > 0
    assert status.fps == pytest.approx(15, abs=1.5)  # audio packets are not video frames
    assert listener.events[0] == ("opened", "main")
    assert listener.tracks == [("video", "h264", 160), ("audio", "aac", 8000)]
    assert listener.packets[("main", "video")] >= 30 and listener.packets[("main", "audio")] >= 10
    assert listener.bytes > 0


def test_a_failing_listener_is_dropped_and_recording_goes_on(tmp_path: Path) -> None:
    clip = make_h264_file(tmp_path / "clip.mp4", 4.0)
    segments, _, _ = run_worker(tmp_path, StreamSource(kind="file", location=str(clip), loop=True), 3,
                                BrokenListener())
    assert len(segments) >= 1


@pytest.mark.parametrize(("initial", "cap", "expected_max"), [(1.0, 30.0, [1, 2, 4, 8, 16, 30, 30]), (0.5, 2.0, [0.5, 1, 2, 2])])
def test_backoff_is_exponential_capped_with_jitter(initial: float, cap: float, expected_max: list[float]) -> None:
    backoff = Backoff(initial, cap)
    delays = [backoff.next_delay() for _ in expected_max]
    for delay, ceiling in zip(delays, expected_max):
        assert 0.8 * ceiling <= delay <= ceiling
    backoff.reset()
    assert backoff.next_delay() <= initial


@pytest.mark.slow
def test_dead_worker_is_restarted_and_others_keep_recording(tmp_path: Path) -> None:
    import os
    import signal

    from vms.config import parse_config
    from vms.paths import DataPaths
    from vms.service import Site

    clip = make_h264_file(tmp_path / "clip.mp4", 4.0)
    config = parse_config({
        "recording": {"segment_seconds": 2},
        # A process per camera: a killed process costs only its camera (in groups, the default,
        # the group restarts: tests/vms/test_worker_processes.py).
        "workers": {"cameras_per_process": 1},
        "sources": {"media_dirs": [str(tmp_path)]},  # file cameras read only listed folders
        "cameras": [{"id": cid, "name": cid, "source": {"type": "file", "path": str(clip), "loop": True},
                     "detection": {"enabled": False}} for cid in ("victim", "bystander")],
    })
    site = Site(config, DataPaths(tmp_path / "data"))
    site.prepare()
    site.start_background()
    try:
        time.sleep(6)
        supervisor = site.supervisor
        assert supervisor is not None
        old_pid = supervisor.worker_pids()["victim"]
        assert old_pid is not None
        os.kill(old_pid, signal.SIGKILL)  # a decoder crash, the OOM killer
        killed_at = time.time()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and supervisor.worker_pids()["victim"] in (old_pid, None):
            time.sleep(0.2)
        time.sleep(6)
        new_pid = supervisor.worker_pids()["victim"]
        restarts = supervisor.restarts()
    finally:
        site.stop_background()
    assert new_pid not in (None, old_pid) and restarts == {"victim": 1, "bystander": 0}
    with site.session_factory() as session:
        segments = list(session.scalars(select(Segment).order_by(Segment.start)))
    victim_after = [s for s in segments if s.camera_id == "victim" and s.start.timestamp() > killed_at]
    bystander = [s for s in segments if s.camera_id == "bystander"]
    assert victim_after, "the restarted worker records again"
    gaps = [(b.start - a.end).total_seconds() for a, b in zip(bystander, bystander[1:])]
    assert max(gaps) < 1.0  # the other camera never noticed
