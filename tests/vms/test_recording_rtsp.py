"""Continuous recording from a real RTSP server (GStreamer), through the real workers and supervisor."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Callable

import pytest
from sqlalchemy import select

from camera_drivers.segments import decodable_frames, probe_segment
from tests.peers.rtsp import RtspServer
from vms.config import parse_config
from vms.db.models import CameraStatus, Event, Segment
from vms.paths import DataPaths
from vms.service import Site

pytestmark = [pytest.mark.rtsp, pytest.mark.slow]
GOP_S = 1.0  # the server's GOP: 15 frames at 15 fps
# These tests are about recording: event detection (tested on its own) is off so that timings
# depend on ingest alone.
RECORD_ONLY = {"enabled": False}


def rtsp_site(tmp_path: Path, urls: dict[str, str], segment_seconds: float = 5) -> Site:
    config = parse_config({
        "sources": {"camera_networks": ["127.0.0.0/8"]},  # the test RTSP server is on loopback: allowed explicitly
        "recording": {"segment_seconds": segment_seconds, "read_timeout_s": 3, "backoff_initial_s": 0.5,
                      "backoff_max_s": 2},
        "cameras": [{"id": cid, "name": cid, "source": {"type": "rtsp", "url": url},
                     "detection": RECORD_ONLY} for cid, url in urls.items()],
    })
    site = Site(config, DataPaths(tmp_path / "data"))
    site.prepare()
    return site


def segments_by_camera(site: Site) -> dict[str, list[Segment]]:
    with site.session_factory() as session:
        rows = list(session.scalars(select(Segment).order_by(Segment.camera_id, Segment.start)))
    result: dict[str, list[Segment]] = {}
    for row in rows:
        result.setdefault(row.camera_id, []).append(row)
    return result


def gaps(segments: list[Segment]) -> list[float]:
    return [(b.start - a.end).total_seconds() for a, b in zip(segments, segments[1:])]


def test_four_cameras_for_30_seconds(tmp_path: Path, rtsp_servers: Callable[..., RtspServer]) -> None:
    server = rtsp_servers(cams=4)
    site = rtsp_site(tmp_path, {f"cam{i}": server.url(i) for i in range(1, 5)})
    site.start_background()
    started = time.time()
    time.sleep(30)
    site.stop_background()
    stopped = time.time()
    recorded = segments_by_camera(site)
    assert sorted(recorded) == ["cam1", "cam2", "cam3", "cam4"]
    for camera_id, segments in recorded.items():
        assert len(segments) >= 5, camera_id
        assert all(abs(g) <= GOP_S for g in gaps(segments)), (camera_id, gaps(segments))
        assert segments[0].start.timestamp() - started < 10  # connected and recording promptly
        covered = segments[-1].end.timestamp() - segments[0].start.timestamp()
        assert covered >= (stopped - started) - 10
        for segment in segments:
            path = site.paths.recordings / segment.path
            probe = probe_segment(path)
            assert probe.keyframes >= 1
            frames = decodable_frames(path)
            duration = (segment.end - segment.start).total_seconds()
            assert frames == pytest.approx(duration * 15, abs=3), (segment.path, frames, duration)
    assert not list(site.paths.recordings.rglob("*.partial"))


def test_server_killed_and_restarted(tmp_path: Path, rtsp_servers: Callable[..., RtspServer]) -> None:
    flaky = rtsp_servers(cams=1)
    steady = rtsp_servers(cams=1)
    site = rtsp_site(tmp_path, {"flaky": flaky.url(1), "steady": steady.url(1)}, segment_seconds=3)
    site.start_background()
    time.sleep(8)
    pids_before = dict(site.supervisor.worker_pids())  # type: ignore[union-attr]
    flaky.kill()
    killed_at = time.time()
    time.sleep(6)
    flaky.start()  # same port
    time.sleep(10)
    pids_after = dict(site.supervisor.worker_pids())  # type: ignore[union-attr]
    site.stop_background()

    assert pids_after == pids_before  # no worker died
    recorded = segments_by_camera(site)
    steady_gaps = gaps(recorded["steady"])
    assert max(abs(g) for g in steady_gaps) <= GOP_S, steady_gaps  # the other camera never stopped
    flaky_segments = recorded["flaky"]
    assert any(s.start.timestamp() > killed_at + 5 for s in flaky_segments)  # recording resumed
    with site.session_factory() as session:
        offline = session.scalars(select(Event).where(Event.type == "camera_offline")).all()
        status = session.get(CameraStatus, "flaky")
    assert [e.camera_id for e in offline] == ["flaky"]
    event = offline[0]
    assert event.end is not None
    # The offline period is the gap in footage: it starts at the last packet before the kill.
    assert abs(event.start.timestamp() - killed_at) < 2
    resumed = [s for s in flaky_segments if s.start >= event.end]
    assert resumed and abs((resumed[0].start - event.end).total_seconds()) <= GOP_S
    assert (event.end - event.start).total_seconds() >= 5
    assert status is not None and status.reconnects >= 1


def test_unreachable_camera_is_offline_and_retried(tmp_path: Path, rtsp_servers: Callable[..., RtspServer]) -> None:
    server = rtsp_servers(cams=1)
    site = rtsp_site(tmp_path, {"good": server.url(1), "dead": "rtsp://127.0.0.1:9/none"}, segment_seconds=3)
    site.start_background()
    time.sleep(10)
    with site.session_factory() as session:
        dead = session.get(CameraStatus, "dead")
        good = session.get(CameraStatus, "good")
    site.stop_background()
    assert dead is not None and not dead.online and dead.reconnects >= 2
    assert "cannot open stream" in dead.last_error
    assert good is not None and good.online and good.fps == pytest.approx(15, abs=2)
    assert segments_by_camera(site)["good"]


def test_rtsp_auth_udp_and_wrong_password(tmp_path: Path, rtsp_servers: Callable[..., RtspServer],
                                          caplog: pytest.LogCaptureFixture) -> None:
    server = rtsp_servers(cams=2, user="viewer", password="Rtsp-Secret-1")
    config = parse_config({
        "sources": {"camera_networks": ["127.0.0.0/8"]},  # the test RTSP server is on loopback: allowed explicitly
        "recording": {"segment_seconds": 2, "read_timeout_s": 3, "backoff_initial_s": 0.5, "backoff_max_s": 1},
        "cameras": [
            {"id": "tcp-auth", "name": "a", "source": {"type": "rtsp", "url": server.url(1), "username": "viewer",
                                                         "password": "Rtsp-Secret-1"}, "detection": RECORD_ONLY},
            {"id": "udp-auth", "name": "b", "source": {"type": "rtsp", "url": server.url(2), "transport": "udp",
                                                         "username": "viewer", "password": "Rtsp-Secret-1"}, "detection": RECORD_ONLY},
            {"id": "wrong-pw", "name": "c", "source": {"type": "rtsp", "url": server.url(1), "username": "viewer",
                                                         "password": "Not-The-Password-9"}, "detection": RECORD_ONLY},
        ],
    })
    site = Site(config, DataPaths(tmp_path / "data"))
    site.prepare()
    site.start_background()
    time.sleep(9)
    with site.session_factory() as session:
        statuses = {s.camera_id: s for s in session.scalars(select(CameraStatus))}
        events = list(session.scalars(select(Event)))
    site.stop_background()
    recorded = segments_by_camera(site)
    assert len(recorded["tcp-auth"]) >= 2 and len(recorded["udp-auth"]) >= 2
    assert "wrong-pw" not in recorded
    wrong = statuses["wrong-pw"]
    assert not wrong.online and wrong.reconnects >= 1
    assert "cannot open stream" in wrong.last_error
    everything_said = " ".join([wrong.last_error, *(str(e.details) for e in events), caplog.text])
    assert "Not-The-Password-9" not in everything_said and "Rtsp-Secret-1" not in everything_said


def test_frozen_server_is_a_stall_then_recovers(tmp_path: Path, rtsp_servers: Callable[..., RtspServer]) -> None:
    import os
    import signal

    server = rtsp_servers(cams=1)
    site = rtsp_site(tmp_path, {"cam": server.url(1)}, segment_seconds=2)
    site.start_background()
    time.sleep(5)
    assert server.process is not None
    os.kill(server.process.pid, signal.SIGSTOP)  # alive but silent: only a read timeout can tell
    frozen_at = time.time()
    time.sleep(9)
    with site.session_factory() as session:
        during = session.get(CameraStatus, "cam")
    os.kill(server.process.pid, signal.SIGCONT)
    time.sleep(10)
    site.stop_background()
    assert during is not None and not during.online
    with site.session_factory() as session:
        offline = session.scalars(select(Event).where(Event.type == "camera_offline")).one()
    assert offline.end is not None and abs(offline.start.timestamp() - frozen_at) < 2
    assert any(s.start >= offline.end for s in segments_by_camera(site)["cam"])
