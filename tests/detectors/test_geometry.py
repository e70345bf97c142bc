"""Rule geometry in main-stream pixels, analysis on smaller frames (detectors.geometry, CameraAnalysis).

A camera's zones, lines, calibration and the simulator's truth are in pixels of its main
(recorded) stream; analysis may run on the sub stream (e.g. 640x360 beside 1920x1080) or on a
frame scaled down by `max_width`. The verdicts must not depend on which: the same scene gives the
same events, and every box that leaves the analysis is in main pixels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from detectors.analysis import CameraAnalysis
from detectors.attributes import Calibration, to_ground
from detectors.frame import Frame
from detectors.geometry import FrameGeometry
from detectors.objects import ObjectDetector
from detectors.objects.configs import SimulatedConfig
from detectors.pipeline import PipelineConfig
from detectors.rules import RuleEvent, RulesConfig
from detectors.rules.config import IntrusionConfig, LineCrossingConfig
from detectors.types import ClassId, Detections
from vms.analysis.scene import run_scene

FPS = 10.0
MAIN = (1920, 1080)
EPOCH = 1_700_000_000.0


def test_a_frame_without_main_size_is_full_size() -> None:
    frame = Frame("cam", 0.0, np.zeros((360, 640), np.uint8))
    assert frame.scale == (1.0, 1.0)
    assert FrameGeometry.of(frame).identity
    sub = Frame("cam", 0.0, np.zeros((576, 704), np.uint8), main_wh=MAIN)
    assert sub.scale == pytest.approx((1920 / 704, 1080 / 576))


@pytest.mark.parametrize("calibration", [
    Calibration(metres_per_pixel=0.01),
    Calibration(homography=[[0.01, 0.002, -3.0], [0.0, 0.03, -5.0], [0.0, 0.0005, 1.0]]),
])
@pytest.mark.parametrize("frame_wh", [(640, 360), (640, 480)])
def test_calibration_gives_the_same_ground_point_from_either_picture(calibration: Calibration,
                                                                    frame_wh: tuple[int, int]) -> None:
    geometry = FrameGeometry(frame_wh, MAIN)
    sx, sy = geometry.scale
    main_points = np.array([[100.0, 900.0], [1500.0, 700.0], [960.0, 1000.0]])
    frame_points = main_points / [sx, sy]
    expected = to_ground(main_points, calibration)
    assert to_ground(frame_points, geometry.calibration_to_frame(calibration)) == pytest.approx(expected)


def test_boxes_go_to_main_pixels_and_back_per_axis() -> None:
    geometry = FrameGeometry((640, 480), MAIN)  # 3x across, 2.25x down (a 4:3 sub beside a 16:9 main)
    main = geometry.boxes_to_main(np.array([[10, 20, 30, 60]], np.float32))
    assert main.tolist() == [[30, 45, 90, 135]]
    assert geometry.boxes_to_frame(main).tolist() == [[10, 20, 30, 60]]
    dets = Detections(np.array([[10, 20, 30, 60]], np.float32), np.array([0.9]), np.array([1]))
    assert geometry.detections_to_main(dets).xyxy.tolist() == [[30, 45, 90, 135]]
    assert dets.xyxy.tolist() == [[10, 20, 30, 60]]  # the tracker's own array is left alone


class WalkerDetector(ObjectDetector):
    """A person walking right along y = 900 main px, reported in the frame's pixels (no pixels read)."""

    name = "walker"
    needs_pixels = False

    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        return [Detections.empty() for _ in images]

    def detect_frame(self, frame: Frame, regions: np.ndarray | None = None) -> Detections:
        x = 100.0 + 120.0 * frame.ts  # main px: 120 px/s
        sx, sy = frame.scale
        box = np.array([[x - 20, 780, x + 20, 900]], np.float32) / [sx, sy, sx, sy]
        return Detections(box, np.array([0.9]), np.array([int(ClassId.PERSON)]))


def _walk(frame_wh: tuple[int, int], seconds: float = 12.0) -> tuple[list[RuleEvent], list[np.ndarray]]:
    rules = RulesConfig(rules=[
        IntrusionConfig(name="yard", polygon=[(800, 600), (1200, 600), (1200, 1000), (800, 1000)], min_inside_s=0.5,
                        end_grace_s=1.0),
        LineCrossingConfig(name="gate", line=((1500, 500), (1500, 1080)))])
    analysis = CameraAnalysis(PipelineConfig(), rules, detector=WalkerDetector())
    events, tracks = [], []
    for i in range(int(seconds * FPS)):
        frame = Frame("cam", i / FPS, np.zeros((frame_wh[1], frame_wh[0]), np.uint8), main_wh=MAIN)
        step = analysis.step(frame)
        events += step.events
        tracks.append(step.tracks.xyxy)
    return events + analysis.close(), tracks


@pytest.mark.parametrize("frame_wh", [(640, 360), (704, 576), (960, 540)])
def test_a_zone_drawn_in_main_pixels_fires_alike_on_smaller_frames(frame_wh: tuple[int, int]) -> None:
    full, full_tracks = _walk(MAIN)
    small, small_tracks = _walk(frame_wh)
    summary = [(e.type, e.phase, round(e.start_ts, 2), round(e.ts, 2)) for e in full]
    # Walker enters x >= 800 at t ~5.8 s (anchor at the box centre), leaves x 1200 at ~9.2 s, crosses 1500 at ~11.7 s.
    assert [(t, p) for t, p, _, _ in summary] == [("intrusion", "start"), ("intrusion", "end"),
                                                  ("line_crossing", "start")]
    assert [(e.type, e.phase, round(e.start_ts, 2), round(e.ts, 2)) for e in small] == summary
    for a, b in zip(full, small):
        if a.boxes is not None:
            np.testing.assert_allclose(b.boxes, a.boxes, atol=0.01)  # main px, whatever size was analysed
    assert full[0].boxes[0, 3] == pytest.approx(900)
    assert small[2].evidence["direction"] == full[2].evidence["direction"]
    for a, b in zip(full_tracks, small_tracks):
        np.testing.assert_allclose(b, a, atol=0.01)


def test_a_sub_stream_back_at_another_size_keeps_the_rules_going() -> None:
    rules = RulesConfig(rules=[IntrusionConfig(name="yard", polygon=[(0, 600), (1920, 600), (1920, 1080), (0, 1080)],
                                               min_inside_s=0.2, end_grace_s=1.0)])
    analysis = CameraAnalysis(PipelineConfig(), rules, detector=WalkerDetector())
    events = []
    for i in range(20):  # the sub stream at 640x360 ...
        events += analysis.step(Frame("cam", i / FPS, np.zeros((360, 640), np.uint8), main_wh=MAIN)).events
    assert [(e.type, e.phase) for e in events] == [("intrusion", "start")]
    for i in range(20, 40):  # ... reconnects at 1280x720: the same zone, the same episode
        step = analysis.step(Frame("cam", i / FPS, np.zeros((720, 1280), np.uint8), main_wh=MAIN))
        events += step.events
    assert [(e.type, e.phase) for e in events if e.phase != "update"] == [("intrusion", "start")]
    assert step.tracks.xyxy[0, 3] == pytest.approx(900)  # main px at either size


def test_the_scripted_intrusion_fires_alike_on_the_scene_and_on_a_half_size_sub_stream() -> None:
    # junction_day: a pedestrian crosses the junction box at 43-50 s; the zone is the scene's (main px) region.
    zone = IntrusionConfig(name="box", polygon=[(300, 198), (360, 198), (360, 302), (300, 302)], classes=("person",))
    detector = SimulatedConfig(seed=3, miss_rate=0.0, false_positives=0.0)
    runs = [run_scene("junction_day", PipelineConfig(detector=detector), RulesConfig(rules=[zone]), t0=38.0, t1=56.0,
                      epoch=EPOCH, size=size) for size in (None, (320, 180))]
    full, sub = ([(e.phase, round(e.start_ts - EPOCH, 2)) for e in run.events if e.type == "intrusion"] for run in runs)
    assert full[0][0] == "start" and 41.5 <= full[0][1] <= 46.0
    assert sub == full
    full_box, sub_box = (run.starts("intrusion")[0].boxes for run in runs)
    np.testing.assert_allclose(sub_box, full_box, atol=0.01)  # main px: the scene's own pixels
