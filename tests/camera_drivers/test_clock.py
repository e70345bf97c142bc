"""A long connection's stamped times follow the wall clock (camera_drivers.clock, StreamSession).

The camera's clock is simulated: packets "arrive" on a wall clock that runs faster or slower
than their media time (a drifting crystal), with network jitter and stalls, or jumps (an NTP
step). Stamped times must stay monotonic, within the threshold of the wall clock, and segments
continuous; a step re-anchors at a keyframe, where a new segment starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from camera_drivers.clock import DriftPolicy, WallClock
from camera_drivers.recorder import ClosedSegment, SegmentRecorder
from camera_drivers.segments import probe_segment
from camera_drivers.stream import StreamSession, StreamSource
from tests.media import make_h264_file

FPS = 5
GOP = 10
T0 = 1_800_000_000.0


def arrivals(hours: float, drift_ppm: float, seed: int = 1, step_at_s: float | None = None,
             step_s: float = 0.0) -> Iterator[tuple[float, float, bool]]:
    """(media time, arrival time, keyframe) of a camera sending FPS frames a second.

    The camera's clock runs `drift_ppm` slow (positive: its media time lags the wall clock);
    delivery takes 20-80 ms, sometimes much longer, and a stall of 3 s every ten minutes is
    followed by a burst.
    """
    rng = np.random.default_rng(seed)
    for i in range(int(hours * 3600 * FPS)):
        media = i / FPS
        wall = T0 + media * (1 + drift_ppm * 1e-6)
        if step_at_s is not None and media >= step_at_s:
            wall += step_s
        delay = 0.02 + rng.exponential(0.03) + (rng.random() < 0.01) * rng.uniform(0.2, 1.5)
        stall = (media % 600.0) < 3.0 and media > 600
        yield media, wall + delay + (3.0 - media % 600.0 if stall else 0.0), i % GOP == 0


def run(clock: WallClock, packets: Iterator[tuple[float, float, bool]]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    stamped, arrived, rebased = [], [], []
    for index, (media, arrival, key) in enumerate(packets):
        if clock.observe(media, arrival, key):
            rebased.append(index)
        stamped.append(clock.to_wall(media))
        arrived.append(arrival)
    return np.array(stamped), np.array(arrived), rebased


@pytest.mark.parametrize("drift_ppm", [500.0, -500.0])  # 1.8 s an hour either way: 10x a poor crystal
def test_a_drifting_camera_clock_is_slewed_back_within_the_threshold(drift_ppm: float) -> None:
    clock = WallClock(T0 + 0.03, 0.0, DriftPolicy())
    stamped, arrived, rebased = run(clock, arrivals(4.0, drift_ppm))
    lateness = arrived - stamped  # how long after its stamped time a packet arrived (the delivery delay)
    assert rebased == []
    assert np.all(np.diff(stamped) > 0)  # monotonic: at most 0.2 % faster or slower than media time
    assert np.diff(stamped).min() >= (1 - 0.0021) / FPS and np.diff(stamped).max() <= (1 + 0.0021) / FPS
    uncorrected = abs(drift_ppm) * 1e-6 * 4 * 3600  # 7.2 s after 4 h
    assert abs(clock.correction) == pytest.approx(uncorrected, abs=0.6)
    # A packet is never stamped after it arrived by more than the threshold, nor long before.
    assert lateness.min() > -0.55 and np.percentile(lateness, 50) < 0.6
    assert abs(np.median(lateness[-FPS * 600:]) - 0.04) < 0.5  # the last ten minutes: back on the wall clock


def test_jitter_and_stalls_alone_change_nothing() -> None:
    clock = WallClock(T0 + 0.02, 0.0, DriftPolicy())
    stamped, _, rebased = run(clock, arrivals(2.0, 0.0, seed=2))
    assert rebased == [] and clock.correction == 0.0
    np.testing.assert_allclose(stamped - T0, np.arange(len(stamped)) / FPS + 0.02, atol=1e-6)


@pytest.mark.parametrize("step_s", [30.0, -30.0])
def test_a_clock_step_re_anchors_once_at_a_keyframe(step_s: float) -> None:
    clock = WallClock(T0 + 0.03, 0.0, DriftPolicy())
    stamped, arrived, rebased = run(clock, arrivals(1.0, 0.0, step_at_s=1800.0, step_s=step_s))
    assert len(rebased) == 1 and rebased[0] % GOP == 0  # a keyframe, within a minute and a half of the step
    assert 1800 * FPS < rebased[0] <= 1890 * FPS
    after = slice(rebased[0], None)
    assert abs(np.median(arrived[after] - stamped[after]) - 0.04) < 0.1
    assert np.all(np.diff(stamped[: rebased[0]]) > 0) and np.all(np.diff(stamped[after]) > 0)


class DriftingWall:
    """The wall clock a StreamSession reads per packet: packet k arrives at k / fps * (1 + drift) (+ a step)."""

    def __init__(self, drift: float, step_after: int | None = None, step_s: float = 0.0) -> None:
        self.drift, self.step_after, self.step_s = drift, step_after, step_s
        self.calls = 0

    def __call__(self) -> float:
        k, self.calls = self.calls, self.calls + 1
        step = self.step_s if self.step_after is not None and k >= self.step_after else 0.0
        return T0 + k / FPS * (1 + self.drift) + 0.05 + step


def record(clip: Path, tmp_path: Path, wall: DriftingWall, policy: DriftPolicy) -> tuple[list, list[ClosedSegment]]:
    closed: list[ClosedSegment] = []
    recorder = SegmentRecorder("cam", tmp_path / "rec", 6.0, closed.append)
    packets = []
    with StreamSession(StreamSource(kind="file", location=str(clip), realtime=False), drift=policy, now=wall) as s:
        assert s.video_stream is not None
        recorder.start_connection(s.video_stream)
        for timed in s.packets():
            packets.append((timed.ts, timed.rebased, timed.keyframe))
            recorder.write(timed)
    recorder.close()
    return packets, closed


FAST = DriftPolicy(threshold_s=0.2, settle_s=0.02, slew_rate=0.05, step_s=3.0, window_s=2.0, windows=2)


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_h264_file(tmp_path_factory.mktemp("clock") / "long.mp4", 60, fps=FPS, gop=GOP, width=160, height=90)


def test_a_drifting_source_is_recorded_on_the_wall_clock_in_continuous_segments(long_clip: Path,
                                                                                tmp_path: Path) -> None:
    wall = DriftingWall(drift=0.02)  # 2 % slow: 1.2 s behind after a minute, uncorrected
    packets, segments = record(long_clip, tmp_path, wall, FAST)
    ts = np.array([p[0] for p in packets])
    assert np.all(np.diff(ts) > 0) and not any(p[1] for p in packets)
    assert abs(T0 + 59.8 * 1.02 + 0.05 - ts[-1]) < 0.25  # the last packet: on the wall clock, not 1.2 s off
    assert len(segments) == 10
    for before, after in zip(segments, segments[1:]):  # continuous: each segment ends where the next starts
        assert after.start == pytest.approx(before.end, abs=1e-6)
    # Each segment's stamped span matches its footage within the slew (5 % of it at this test's rate).
    for segment in segments[:-1]:
        media = probe_segment(tmp_path / "rec" / segment.path).duration_s
        assert segment.end - segment.start == pytest.approx(media, rel=0.055)


def test_a_clock_step_starts_a_new_segment_at_the_next_keyframe(long_clip: Path, tmp_path: Path) -> None:
    wall = DriftingWall(drift=0.0, step_after=100, step_s=20.0)  # the host clock jumps 20 s at 20 s
    packets, segments = record(long_clip, tmp_path, wall, FAST)
    rebased = [i for i, p in enumerate(packets) if p[1]]
    assert len(rebased) == 1 and packets[rebased[0]][2]  # one re-anchor, on a keyframe
    index = rebased[0]
    assert 100 < index <= 100 + 4 * FAST.window_s * FPS
    assert packets[index][0] - packets[index - 1][0] == pytest.approx(20.0 + 1 / FPS, abs=0.3)
    assert any(s.start == pytest.approx(packets[index][0]) for s in segments)  # a segment starts right there
    for segment in segments:  # and none spans the step
        media = probe_segment(tmp_path / "rec" / segment.path).duration_s
        assert segment.end - segment.start == pytest.approx(media, abs=0.25)
