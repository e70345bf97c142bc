"""Tests for detectors.tracking with scripted detections (and synthetic Y planes for still objects),
and one standing person on real footage with the real default detector (VMS_TEST_DATA).

Timing is in seconds: every scripted case runs at 5 fps (the default detect rate) and at 25 fps.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from detectors.frame import Frame
from detectors.tracking import ByteTracker, TrackerConfig
from detectors.tracking.association import FORBIDDEN, assign
from detectors.types import ClassId, Detections

RATES = [5.0, 25.0]
NO_LOOK = np.zeros((0, 4), np.int32)  # the model ran nowhere this frame (no motion, no crops)


def _dets(boxes, scores=None, classes=None) -> Detections:
    boxes = np.array(boxes, np.float32).reshape(-1, 4)
    scores = [0.9] * len(boxes) if scores is None else scores
    classes = [int(ClassId.PERSON)] * len(boxes) if classes is None else classes
    return Detections(boxes, scores, classes)


def _walk(f: int, x0: float, vx: float) -> list[float]:
    return [x0 + vx * f, 100.0, x0 + vx * f + 30, 180.0]


def _run(tracker: ByteTracker, script, fps: float, **kw) -> list[list[int]]:
    """Feed `script(t) -> list of boxes` for each frame; returns the reported ids per frame."""
    out = []
    for k, boxes in enumerate(script):
        out.append(tracker.update(_dets(boxes), k / fps, **kw).tracker_id.tolist())
    return out


@pytest.mark.parametrize("fps", RATES)
@pytest.mark.parametrize(
    ("growth", "drift_px"),
    [
        (2.0, (20, 100)),  # a car approaching: twice as big after 1 s, moving down the picture
        (3.0, (-40, 160)),  # faster and closer: three times as big, down and to the left
    ],
)
def test_growing_box_keeps_its_id(fps: float, growth: float, drift_px: tuple[int, int]) -> None:
    n = int(2 * fps) + 1  # two seconds
    script = []
    for k in range(n):
        t = k / fps
        scale = growth ** (t / 1.0) if t <= 1.0 else growth  # grows for 1 s, then keeps its size
        cx, cy = 300 + drift_px[0] * min(t, 1.0), 100 + drift_px[1] * min(t, 1.0)
        w, h = 40 * scale, 30 * scale
        script.append([[cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]])
    ids = _run(ByteTracker(), script, fps)
    assert all(frame_ids == [1] for frame_ids in ids)  # reported from the first frame (it was there)


@pytest.mark.parametrize("fps", RATES)
def test_two_crossing_walkers_keep_their_ids(fps: float) -> None:
    # Two people walk towards each other at 60 px/s and pass; their boxes overlap for ~0.5 s and
    # for ~0.3 s the detector sees only the front one (the other is hidden behind it).
    n = int(6 * fps)
    script, hidden = [], []
    for k in range(n):
        t = k / fps
        a = [100 + 60 * t, 100, 130 + 60 * t, 180]
        b = [380 - 60 * t, 104, 410 - 60 * t, 184]
        overlap = abs(a[0] - b[0]) < 20  # the boxes overlap by a third or more: one detection
        script.append([a] if overlap else [a, b])
        hidden.append(overlap)
    tracker = ByteTracker()
    first_seen: dict[int, float] = {}
    for k, boxes in enumerate(script):
        out = tracker.update(_dets(boxes), k / fps)
        for tid, box in zip(out.tracker_id.tolist(), out.xyxy):
            first_seen.setdefault(tid, box[0])
            # walker 1 starts left and walks right, walker 2 the opposite: ids never swap sides
            moving_right = tid == 1
            expected_x = 100 + 60 * k / fps if moving_right else 380 - 60 * k / fps
            assert abs(box[0] - expected_x) < 15, (k, tid)
    assert any(hidden)
    assert sorted(first_seen) == [1, 2]


@pytest.mark.parametrize("fps", RATES)
@pytest.mark.parametrize("hidden_s", [0.6, 1.0])
def test_short_occlusion_reassociates(fps: float, hidden_s: float) -> None:
    # A walker (0.5 box heights per second) disappears behind a pillar and comes out again.
    n = int(4 * fps)
    script = []
    for k in range(n):
        t = k / fps
        visible = not (1.5 <= t < 1.5 + hidden_s)
        script.append([[100 + 40 * t, 100, 130 + 40 * t, 180]] if visible else [])
    ids = _run(ByteTracker(), script, fps)
    seen = {tid for frame_ids in ids for tid in frame_ids}
    assert seen == {1}
    assert ids[-1] == [1]


def test_occlusion_longer_than_lost_s_gives_a_new_id() -> None:
    tracker = ByteTracker(TrackerConfig(lost_s=0.5))
    fps = 10.0
    script = [[_walk(k, 10, 5)] if not 4 <= k < 12 else [] for k in range(16)]
    ids = _run(tracker, script, fps)
    assert ids[3] == [1]
    assert ids[12] == []  # a new tentative track
    assert ids[13] == [2]


def test_reassociation_prefers_the_walker_that_looks_alike() -> None:
    """After a loss, a lost track takes the detection that looks like it, not merely the nearest."""
    fps = 5.0
    y = np.full((240, 480), 90, np.uint8)
    bgr = np.full((240, 480, 3), 90, np.uint8)
    red, blue = (40, 40, 200), (200, 60, 40)
    tracker = ByteTracker()
    for k in range(8):  # a red-clothed walker, seen for 1.6 s
        box = [100 + 8 * k, 60, 130 + 8 * k, 140]
        img = bgr.copy()
        img[60:140, int(box[0]):int(box[2])] = red
        tracker.update(_dets([box]), k / fps, Frame("c", k / fps, y, bgr_source=lambda i=img: i))
    for k in range(8, 11):  # hidden for 0.6 s
        tracker.update(_dets([]), k / fps, Frame("c", k / fps, y, bgr_source=lambda: bgr))
    # Two people now: a blue one right where the prediction points, the red one a bit further on.
    k = 11
    pred_x = 100 + 8 * k
    boxes = [[pred_x, 60, pred_x + 30, 140], [pred_x + 22, 60, pred_x + 52, 140]]
    img = bgr.copy()
    img[60:140, pred_x:pred_x + 22] = blue
    img[60:140, pred_x + 30:pred_x + 52] = red
    out = tracker.update(_dets(boxes), k / fps, Frame("c", k / fps, y, bgr_source=lambda: img))
    assert out.tracker_id.tolist() == [1]
    assert out.xyxy[0][0] == pytest.approx(pred_x + 22, abs=6)  # the red one


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


def test_person_never_continues_a_bicycle_track() -> None:
    tracker = ByteTracker()
    bike = [int(ClassId.BICYCLE)]
    for f in range(4):
        tracker.update(_dets([_walk(f, 10, 5)], classes=bike))
    out = tracker.update(_dets([_walk(4, 10, 5)], classes=[int(ClassId.PERSON)]))
    assert out.tracker_id.tolist() == []  # a new tentative person track, the bicycle is lost


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


def test_prediction_follows_velocity_in_seconds() -> None:
    tracker = ByteTracker()
    for f in range(10):  # 5 px per 0.1 s = 50 px/s
        tracker.update(_dets([_walk(f, 10, 5)]), f / 10)
    tracker.update(_dets([]), 1.4)  # 0.5 s later, unseen: predicted 25 px further
    predicted = tracker.live_boxes()[0]
    assert predicted[0] == pytest.approx(10 + 45 + 25, abs=3)
    assert predicted[2] - predicted[0] == pytest.approx(30.0, abs=1.5)


def test_min_hits_one_reports_at_once() -> None:
    tracker = ByteTracker(TrackerConfig(min_hits=1))
    out = tracker.update(_dets([_walk(0, 10, 5), _walk(0, 200, 5)], [0.9, 0.8]))
    assert out.tracker_id.tolist() == [1, 2]


@pytest.mark.parametrize("fps", RATES)
def test_what_is_there_when_tracking_starts_is_reported_on_the_first_frame(fps: float) -> None:
    tracker = ByteTracker()
    ids = _run(tracker, [[_walk(f, 10, 5), _walk(f, 200, -5)] for f in range(3)], fps)
    assert ids == [[1, 2], [1, 2], [1, 2]]


def test_later_arrivals_still_wait_for_min_hits() -> None:
    tracker = ByteTracker()
    script = [[_walk(0, 10, 5)], [_walk(1, 10, 5), _walk(0, 200, 5)], [_walk(2, 10, 5), _walk(1, 200, 5)]]
    assert _run(tracker, script, 5.0) == [[1], [1], [1, 2]]
    off = ByteTracker(TrackerConfig(confirm_first_frame=False))
    assert _run(off, [[_walk(f, 10, 5)] for f in range(2)], 5.0) == [[], [1]]


# --------------------------------------------------------------------------- stationary tracks
BOX = [200.0, 80.0, 240.0, 180.0]  # a standing person, 40 x 100 px


def _plate(seed: int = 0) -> np.ndarray:
    """A textured 320x240 background (pavement-like noise, smoothed)."""
    rng = np.random.default_rng(seed)
    base = rng.integers(60, 160, (60, 80)).astype(np.uint8)
    return np.kron(base, np.ones((4, 4), np.uint8))


def _with_person(plate: np.ndarray) -> np.ndarray:
    y = plate.copy()
    rng = np.random.default_rng(7)
    y[80:180, 200:240] = rng.integers(0, 60, (100, 40)).astype(np.uint8)  # dark, textured clothes
    return y


def _stand(tracker: ByteTracker, y: np.ndarray, fps: float, seconds: float, t0: float = 0.0,
           detected: bool = True, regions: np.ndarray | None = None) -> list[Detections]:
    out = []
    for k in range(int(round(seconds * fps))):
        t = t0 + k / fps
        dets = _dets([BOX]) if detected else _dets([])
        out.append(tracker.update(dets, t, Frame("c", t, y), regions=regions))
    return out


@pytest.mark.parametrize("fps", RATES)
def test_stationary_track_survives_60s_while_its_patch_is_unchanged(fps: float) -> None:
    plate = _plate()
    person = _with_person(plate)
    tracker = ByteTracker()
    seen = _stand(tracker, person, fps, 3.0)  # detected while standing for 3 s
    assert seen[-1].data["stationary"].tolist() == [True]
    # No motion, so the model runs nowhere for a minute; the Y patch alone holds the track.
    held = _stand(tracker, person, fps, 60.0, t0=3.0, detected=False, regions=NO_LOOK)
    assert all(o.tracker_id.tolist() == [1] for o in held)
    assert all(o.data["stationary"].tolist() == [True] and o.data["detected"].tolist() == [False] for o in held)
    assert tracker.stationary_boxes().shape == (1, 4)
    # Nothing looked at it for stationary_look_s (2 s): it asks for one crop; once looked at and
    # found, a held track needs no crop again until the next look is due.
    assert tracker.live_boxes().shape == (1, 4)
    _stand(tracker, person, fps, 1 / fps, t0=63.0 - 2 / fps)
    _stand(tracker, person, fps, 1 / fps, t0=63.0 - 1 / fps, detected=False, regions=NO_LOOK)
    assert tracker.live_boxes().shape == (0, 4)
    # The person walks away: the patch shows the pavement again and the track ends.
    gone = _stand(tracker, plate, fps, 3.0, t0=63.0, detected=False, regions=NO_LOOK)
    assert gone[0].tracker_id.tolist() == []
    assert len(tracker.ids) == 0  # forgotten after lost_s


def test_stationary_track_the_detector_keeps_missing_ends_after_stationary_missed_s() -> None:
    """A false detection of a static thing must not live on: when the model looks (the periodic
    full-frame look) and finds nothing for stationary_missed_s, the held track ends."""
    person = _with_person(_plate())
    tracker = ByteTracker(TrackerConfig(stationary_missed_s=10.0))
    _stand(tracker, person, 5.0, 3.0)
    held = _stand(tracker, person, 5.0, 15.0, t0=3.0, detected=False, regions=None)
    ids = [o.tracker_id.tolist() for o in held]
    assert ids[:45] == [[1]] * 45  # held 9 s
    assert ids[-1] == []


def test_static_thing_kept_only_by_low_scores_ends_after_stationary_missed_s() -> None:
    """A bin the model scores 0.3 in every zoomed crop (once 0.9): the low-score pass must not keep
    a stationary track alive for ever; only a high score confirms it."""
    person = _with_person(_plate())
    tracker = ByteTracker(TrackerConfig(stationary_missed_s=3.0))
    _stand(tracker, person, 5.0, 3.0)
    out = []
    for k in range(40):
        t = 3.0 + k / 5
        out.append(tracker.update(_dets([BOX], [0.3]), t, Frame("c", t, person)).tracker_id.tolist())
    assert out[:14] == [[1]] * 14  # up to 3 s after the last high score
    assert out[-1] == [] and len(tracker.ids) == 0


def test_briefly_seen_static_thing_is_not_held() -> None:
    person = _with_person(_plate())
    tracker = ByteTracker()
    _stand(tracker, person, 5.0, 0.4)  # two detections only
    held = _stand(tracker, person, 5.0, 3.0, t0=0.4, detected=False, regions=NO_LOOK)
    assert all(o.tracker_id.tolist() == [] for o in held)


@pytest.mark.parametrize("fps", RATES)
def test_stationary_track_comes_back_after_a_vehicle_passes_in_front(fps: float) -> None:
    plate = _plate()
    person = _with_person(plate)
    tracker = ByteTracker()
    _stand(tracker, person, fps, 3.0)
    covered = person.copy()
    covered[60:200, 150:290] = 230  # a white van in front of the standing person for 0.6 s
    during = _stand(tracker, covered, fps, 0.6, t0=3.0, detected=False, regions=NO_LOOK)
    after = _stand(tracker, person, fps, 2.0, t0=3.6, detected=False, regions=NO_LOOK)
    assert all(o.tracker_id.tolist() == [] for o in during)  # hidden: lost, not reported
    assert all(o.tracker_id.tolist() == [1] for o in after)  # the same id, held again


def test_lighting_change_keeps_a_textured_stationary_track() -> None:
    person = _with_person(_plate())
    tracker = ByteTracker()
    _stand(tracker, person, 5.0, 3.0)
    dusk = (person.astype(np.float32) * 0.6 + 10).astype(np.uint8)  # exposure drops
    held = _stand(tracker, dusk, 5.0, 2.0, t0=3.0, detected=False, regions=NO_LOOK)
    assert all(o.tracker_id.tolist() == [1] for o in held)


def test_score_thresholds_follow_the_detector() -> None:
    assert ByteTracker(TrackerConfig(), "nanodet").config.high_threshold == 0.4
    assert ByteTracker(TrackerConfig(), "nanodet").config.new_track_threshold == 0.45
    assert ByteTracker(TrackerConfig(), "ssd_tflite").config.new_track_threshold == 0.6
    mine = ByteTracker(TrackerConfig(high_threshold=0.3, new_track_threshold=0.7), "nanodet").config
    assert (mine.high_threshold, mine.new_track_threshold) == (0.3, 0.7)
    # A NanoDet score of 0.5 starts a track; the same score from the SSD does not.
    assert len(ByteTracker(TrackerConfig(min_hits=1), "nanodet").update(_dets([_walk(0, 10, 5)], [0.5])))
    assert not len(ByteTracker(TrackerConfig(min_hits=1), "ssd_tflite").update(_dets([_walk(0, 10, 5)], [0.5])))


def test_assignment_pairs_as_many_allowed_pairs_as_possible_at_least_cost() -> None:
    rng = np.random.default_rng(7)
    for _ in range(300):
        n, m = (int(v) for v in rng.integers(0, 6, 2))
        cost = rng.random((n, m)) * 3
        cost[rng.random((n, m)) < 0.4] = FORBIDDEN
        rows, cols = assign(cost)
        assert len(set(rows.tolist())) == len(rows) and len(set(cols.tolist())) == len(cols)
        assert np.all(cost[rows, cols] < FORBIDDEN)
        assert (len(rows), round(float(cost[rows, cols].sum()), 9)) == _best_assignment(cost)


def _best_assignment(cost: np.ndarray) -> tuple[int, float]:
    """Brute force: (most allowed pairs, least total cost among those)."""
    n, m = cost.shape
    best = (0, 0.0)
    for perm in itertools.permutations(range(max(n, m)), max(n, m)):
        pairs = [(r, perm[r]) for r in range(n) if perm[r] < m and cost[r, perm[r]] < FORBIDDEN]
        key = (len(pairs), round(float(sum(cost[r, c] for r, c in pairs)), 9))
        if key[0] > best[0] or (key[0] == best[0] and key[1] < best[1]):
            best = key
    return best


def test_standing_person_on_real_footage_found_by_full_looks_and_held(test_data) -> None:
    """Intel's one-by-one-person clip, 9.5-27 s: a man stands still ~23 s, then walks out. At 5 fps
    with the model on the whole frame once a second only (the periodic full look; no motion
    crops at all, the worst case for a still person), he becomes one stationary track that the
    Y patch holds between looks (no crop needed: live_boxes() leaves it out), and he is let go
    when he moves off."""
    import cv2

    from detectors.objects.configs import NanoDetConfig
    from detectors.objects.registry import build_detector

    nanodet = build_detector(NanoDetConfig())
    cap = cv2.VideoCapture(str(test_data / "intel_sample_videos" / "one-by-one-person-detection.mp4"))
    cap.set(cv2.CAP_PROP_POS_FRAMES, 950)
    tracker = ByteTracker(detector_type="nanodet")
    rows, looks = [], 0
    for i in range(950, 1220):
        ok, bgr = cap.read()
        assert ok
        if i % 2:
            continue  # the 10 fps clip analysed at 5 fps
        t = (i - 950) / 10
        y = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        look = (i - 950) % 10 == 0
        regions = np.array([[0, 0, y.shape[1], y.shape[0]]]) if look else NO_LOOK
        dets = nanodet.detect_regions(bgr, regions) if look else Detections.empty()
        looks += look
        out = tracker.update(dets, t, Frame("intel", t, y, bgr_source=lambda b=bgr: b), regions)
        rows.append((t, look, out, len(tracker.live_boxes())))
    standing = [r for r in rows if 2.0 <= r[0] <= 22.8]  # found by the third look, until he moves
    assert all(out.tracker_id.tolist() == [1] for _, _, out, _ in standing)
    assert all(out.data["stationary"].tolist() == [True] for _, _, out, _ in standing)
    held = [(out, live) for _, look, out, live in standing if not look]
    assert len(held) >= 75 and all(out.data["detected"].tolist() == [False] and live == 0 for out, live in held)
    assert looks == 27  # 27 model runs in 27 s
    assert all(len(out) == 0 for t, _, out, _ in rows if t >= 25.6)  # he walked out: the track ended
    assert {int(i) for _, _, out, _ in rows for i in out.tracker_id} == {1}  # one id throughout
