"""Real RTSP cameras with audio: each codec mix a camera sends is recorded with its sound.

Against the GStreamer test server's mounts: H.264+AAC, H.264+G.711 (µ-law and A-law), H.265
alone and H.265+G.711. Every segment must hold an AAC track as long as its video.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable

import pytest

from camera_drivers.recorder import ClosedSegment, SegmentRecorder
from camera_drivers.segments import probe_segment
from camera_drivers.stream import StreamSession, StreamSource
from tests.peers.rtsp import RtspServer

pytestmark = pytest.mark.rtsp

MOUNTS = {  # mount: (video codec, audio as the camera sends it, as recorded)
    "h264_aac": ("h264", "aac"), "h264_pcmu": ("h264", "pcm_mulaw>aac"), "h264_pcma": ("h264", "pcm_alaw>aac"),
    "h265": ("hevc", ""), "h265_pcmu": ("hevc", "pcm_mulaw>aac"),
}


def record_for(url: str, root: Path, seconds: float, result: dict[str, object]) -> None:
    closed: list[ClosedSegment] = []
    recorder = SegmentRecorder("cam", root, 2.0, closed.append)
    started = time.monotonic()
    try:
        with StreamSession(StreamSource(kind="rtsp", location=url), audio=True) as session:
            recorder.start_connection(session.video_stream, session.audio_stream)
            result["audio"] = session.audio_codec
            for timed in session.packets():
                recorder.write(timed)
                if time.monotonic() - started > seconds:
                    break
    except Exception as error:  # reported by the test thread
        result["error"] = error
    finally:
        recorder.close()
        result["closed"] = closed


def test_every_mount_is_recorded_with_its_audio(tmp_path: Path, rtsp_servers: Callable[..., RtspServer]) -> None:
    server = rtsp_servers(cams=0, audio_mounts=True, size="320x180")
    results: dict[str, dict[str, object]] = {name: {} for name in MOUNTS}
    threads = [threading.Thread(target=record_for, args=(server.mount_url(name), tmp_path / name, 9.0, results[name]))
               for name in MOUNTS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for name, (video_codec, audio) in MOUNTS.items():
        result = results[name]
        assert "error" not in result, (name, result.get("error"))
        assert result["audio"] == audio, name
        closed = result["closed"]
        assert isinstance(closed, list) and len(closed) >= 2, name
        for index, segment in enumerate(closed[:-1]):  # the last one was cut short by the test
            probe = probe_segment(segment.path)
            # A segment ends at the first keyframe after 2 s; the test server sends one every second,
            # so one keyframe lost on a busy loopback makes that segment one GOP longer (3 s), never shorter.
            assert 1.9 <= probe.duration_s <= 3.1, (name, probe.duration_s)
            assert segment.end - segment.start == pytest.approx(probe.duration_s, abs=0.07), name
            if not audio:
                assert probe.audio_codec == "" and probe.audio_packets == 0, name
                continue
            assert probe.audio_codec == "aac", name
            # One G.711 packet at most; the first segment of a connection may start with a little
            # less audio (the camera starts sending its tracks at slightly different moments).
            assert 0 <= probe.audio_start_s < (0.13 if index else 0.3), name
            assert probe.audio_end_s == pytest.approx(probe.duration_s, abs=0.13), name
