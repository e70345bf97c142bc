"""Recording by remux: segments cut at keyframes, whole and decodable, tiling the stream."""

from __future__ import annotations

from pathlib import Path

import pytest

from camera_drivers.recorder import ClosedSegment, SegmentRecorder, parse_segment_start, segment_path
from camera_drivers.segments import decodable_frames, probe_segment, recover_partial
from camera_drivers.stream import StreamSession, StreamSource
from tests.media import make_h264_file


def record_file(clip: Path, root: Path, segment_seconds: float, skip_packets: int = 0) -> list[ClosedSegment]:
    closed: list[ClosedSegment] = []
    recorder = SegmentRecorder("cam", root, segment_seconds, closed.append)
    with StreamSession(StreamSource(kind="file", location=str(clip), realtime=False)) as session:
        recorder.start_connection(session.video_stream)
        for index, timed in enumerate(session.packets()):
            if index >= skip_packets:
                recorder.write(timed)
    recorder.close()
    return closed


@pytest.mark.parametrize(
    ("seconds", "gop", "segment_seconds", "expected_segments"),
    [(6.0, 15, 2.0, 3), (6.0, 30, 2.0, 3), (6.0, 45, 2.0, 2), (4.0, 15, 10.0, 1)],
)
def test_segments_cut_at_keyframes_and_tile(tmp_path: Path, seconds: float, gop: int, segment_seconds: float,
                                            expected_segments: int) -> None:
    clip = make_h264_file(tmp_path / "clip.mp4", seconds, fps=15, gop=gop)
    closed = record_file(clip, tmp_path / "rec", segment_seconds)
    assert len(closed) == expected_segments
    total_frames = 0
    for previous, current in zip(closed, closed[1:]):
        assert current.start == pytest.approx(previous.end, abs=1e-6)  # no gap, no overlap
    for segment in closed:
        probe = probe_segment(segment.path)
        assert probe.keyframes >= 1
        assert segment.end - segment.start == pytest.approx(probe.duration_s, abs=0.07)
        total_frames += decodable_frames(segment.path)
        assert parse_segment_start(segment.path) == pytest.approx(segment.start, abs=0.001)
    assert total_frames == int(seconds * 15)
    assert not list((tmp_path / "rec").rglob("*.partial"))


def test_stream_joined_mid_gop_starts_at_next_keyframe(tmp_path: Path) -> None:
    clip = make_h264_file(tmp_path / "clip.mp4", 4.0, fps=15, gop=15)
    closed = record_file(clip, tmp_path / "rec", 10.0, skip_packets=5)
    assert len(closed) == 1
    assert decodable_frames(closed[0].path) == 60 - 15  # frames 5..14 wait for the keyframe at 15


def test_segment_path_layout_is_sortable_utc(tmp_path: Path) -> None:
    path = segment_path(tmp_path, "cam-1", 1_763_900_000.25)
    assert path.relative_to(tmp_path).as_posix() == "cam-1/2025-11-23/12/20251123T121320.250Z.mp4"


def test_partial_left_by_crash_is_recovered(tmp_path: Path) -> None:
    clip = make_h264_file(tmp_path / "clip.mp4", 4.0, fps=15, gop=15)
    closed = record_file(clip, tmp_path / "rec", 10.0)
    partial = closed[0].path.with_name(closed[0].path.name + ".partial")
    data = closed[0].path.read_bytes()
    closed[0].path.unlink()
    partial.write_bytes(data[: int(len(data) * 0.6)])  # the tail of the file never reached the disk
    recovered = recover_partial(partial, "cam")
    assert recovered is not None
    assert not partial.exists()
    frames = decodable_frames(recovered.path)
    assert 15 <= frames < 60  # whole fragments up to the cut survive
    assert recovered.end > recovered.start


def test_partial_without_a_keyframe_is_removed(tmp_path: Path) -> None:
    partial = tmp_path / "cam" / "2026-01-01" / "00" / "20260101T000000.000Z.mp4.partial"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 100)
    assert recover_partial(partial, "cam") is None
    assert not partial.exists()
