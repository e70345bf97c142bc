"""Tests for detectors.tracking (ByteTrack-style) with scripted detections."""

from __future__ import annotations

import numpy as np
import pytest

from detectors.tracking import ByteTracker, TrackerConfig
from detectors.types import ClassId, Detections


def _dets(boxes, scores, classes=None) -> Detections:
    classes = classes if classes is not None else [0] * len(boxes)
    return Detections(np.array(boxes, np.float32).reshape(-1, 4), scores, classes)


def _walk(f: int, x0: float, vx: float) -> list[float]:
    return [x0 + vx * f, 100.0, x0 + vx * f + 30, 180.0]


def test_two_walkers_keep_ids_through_occlusion() -> None:
    tracker = ByteTracker()
    history = []
    for f in range(20):
        boxes, scores = [_walk(f, 10, 6)], [0.9]
        if not 8 <= f <= 11:  # the second walker is hidden for 4 frames
            boxes.append(_walk(f, 300, -6))
            scores.append(0.9)
        out = tracker.update(_dets(boxes, scores))
        history.append(sorted(out.tracker_id.tolist()))
    assert history[0] == []  # min_hits=2: tentative on the first frame
    assert history[1] == [1, 2]
    assert history[9] == [1]
    assert history[12] == [1, 2]
    assert history[19] == [1, 2]


def test_low_score_detection_continues_track() -> None:
    tracker = ByteTracker()
    for f in range(5):
        tracker.update(_dets([_walk(f, 10, 5)], [0.9]))
    out = tracker.update(_dets([_walk(5, 10, 5)], [0.3]))  # half occluded: low score
    assert out.tracker_id.tolist() == [1]
    assert out.confidence.tolist() == pytest.approx([0.3])


def test_low_score_detection_does_not_start_track() -> None:
    tracker = ByteTracker()
    outs = [tracker.update(_dets([_walk(f, 10, 5)], [0.3])) for f in range(5)]
    assert [len(o) for o in outs] == [0, 0, 0, 0, 0]


def test_track_dropped_after_lost_frames() -> None:
    tracker = ByteTracker(TrackerConfig(lost_frames=3))
    for f in range(4):
        tracker.update(_dets([_walk(f, 10, 5)], [0.9]))
    for _ in range(4):
        tracker.update(Detections.empty())
    out = tracker.update(_dets([_walk(8, 10, 5)], [0.9]))
    assert len(out) == 0  # new tentative track, not id 1
    assert tracker.update(_dets([_walk(9, 10, 5)], [0.9])).tracker_id.tolist() == [2]


@pytest.mark.parametrize(
    ("classes", "expected"),
    [
        ([ClassId.CAR] * 3 + [ClassId.TRUCK], ClassId.CAR),
        ([ClassId.TRUCK, ClassId.TRUCK, ClassId.CAR, ClassId.TRUCK], ClassId.TRUCK),
    ],
)
def test_class_vote(classes, expected) -> None:
    tracker = ByteTracker()
    for f, cls in enumerate(classes):
        out = tracker.update(_dets([_walk(f, 10, 5)], [0.9], [int(cls)]))
    assert out.class_id.tolist() == [int(expected)]


def test_prediction_follows_velocity() -> None:
    tracker = ByteTracker()
    for f in range(10):
        tracker.update(_dets([_walk(f, 10, 5)], [0.9]))
    predicted = tracker.live_boxes()[0]
    # Before the next predict step the filtered box sits at frame 9: x1 = 10 + 45.
    assert predicted[0] == pytest.approx(55.0, abs=1.5)
    assert predicted[2] - predicted[0] == pytest.approx(30.0, abs=1.5)


def test_min_hits_one_reports_at_once() -> None:
    tracker = ByteTracker(TrackerConfig(min_hits=1))
    out = tracker.update(_dets([_walk(0, 10, 5), _walk(0, 200, 5)], [0.9, 0.8]))
    assert out.tracker_id.tolist() == [1, 2]
