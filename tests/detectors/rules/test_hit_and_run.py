"""Hit-and-run and collision on synthetic tracks (ids given, no tracker in the loop)."""

from __future__ import annotations

import pytest

from detectors.rules import HitAndRunConfig, RulesConfig
from detectors.types import ClassId
from tests.detectors.rules.conftest import EPOCH, run_tracks, summary

RULES = RulesConfig(rules=[HitAndRunConfig(name="hr")])
CAR, MOTO, PERSON = ClassId.CAR, ClassId.MOTORBIKE, ClassId.PERSON


def moto_victim(outcome: str) -> list:
    """A motorbike riding east at 60 px/s in the kerb lane (ground y 290), hit at t=5 at x~300."""
    upright = [(0, 0, 260, 30, 290), (5, 300, 260, 330, 290)]
    if outcome == "fell":  # box turns wide and low in 0.5 s, stays
        return upright + [(5.5, 295, 275, 335, 290), (12, 295, 275, 335, 290)]
    if outcome == "stopped":
        return upright + [(5.3, 305, 260, 335, 290), (12, 305, 260, 335, 290)]
    if outcome == "rides_on":
        return upright + [(12, 720, 260, 750, 290)]
    if outcome == "vanished":
        return upright + [(5.2, 304, 260, 334, 290)]
    raise ValueError(outcome)


def car(stop_for: float = 0.0, lane_y: float = 290, speed: float = 150) -> list:
    """A car (60x30) reaching the victim's back at t=5, then driving on (or stopping `stop_for` s)."""
    x_at_5 = 300 - 60 + 8
    keys = [(0, x_at_5 - 5 * speed, lane_y - 30, x_at_5 - 5 * speed + 60, lane_y), (5, x_at_5, lane_y - 30, x_at_5 + 60, lane_y)]
    if stop_for:
        keys += [(5.3, x_at_5 + 20, lane_y - 30, x_at_5 + 80, lane_y), (5.3 + stop_for, x_at_5 + 20, lane_y - 30, x_at_5 + 80, lane_y)]
        t0, x0 = 5.3 + stop_for, x_at_5 + 20
    else:
        t0, x0 = 5.0, x_at_5
    return keys + [(t0 + (700 - x0) / speed, 700, lane_y - 30, 760, lane_y)]


@pytest.mark.parametrize(("victim", "vehicle", "expected"), [
    ("fell", car(), [("start", "hit_and_run"), ("end", "hit_and_run")]),
    ("stopped", car(), [("start", "hit_and_run"), ("end", "hit_and_run")]),
    ("vanished", car(), [("start", "hit_and_run"), ("end", "hit_and_run")]),
    ("rides_on", car(), []),  # near miss: the victim keeps going
    ("fell", car(stop_for=8.0), [("start", "collision"), ("end", "collision")]),  # both stop
    ("fell", car(stop_for=2.0), [("start", "hit_and_run"), ("end", "hit_and_run")]),  # stops briefly, flees
    ("fell", car(lane_y=262), []),  # the car is in the next lane: boxes overlap in the picture only
    ("fell", car(speed=10), []),  # creeping: no closing speed worth a contact
])
def test_outcomes(victim: str, vehicle: list, expected: list) -> None:
    events = run_tracks(RULES, {1: (MOTO, moto_victim(victim)), 2: (CAR, vehicle)}, duration=14)
    assert summary(events) == expected


def test_evidence_and_roles() -> None:
    events = run_tracks(RULES, {1: (MOTO, moto_victim("fell")), 2: (CAR, car())}, duration=14)
    start = events[0]
    assert start.objects == [(2, "vehicle"), (1, "victim")]
    assert start.evidence["victim_outcome"] == "fell"
    assert start.evidence["vehicle_exit"] == "drove_off"
    assert 4.5 <= start.start_ts - EPOCH <= 5.1  # contact time
    assert 290 <= start.evidence["contact_xy"][1] <= 291
    assert start.ts - EPOCH <= 8.0  # raised while the car is driving off, before it leaves the view
    assert start.severity == "alarm" and start.frame is not None


def test_queue_is_not_a_crash() -> None:
    """A car slows to a stop behind a motorbike already waiting at a stop line; both go on later."""
    moto = [(0, 100, 260, 130, 290), (3, 370, 260, 400, 290), (9, 370, 260, 400, 290), (13, 700, 260, 730, 290)]
    car_keys = [(0, -200, 260, -140, 290), (3, 200, 260, 260, 290), (5, 305, 260, 365, 290), (9.5, 305, 260, 365, 290),
                (13, 680, 260, 740, 290)]
    assert run_tracks(RULES, {1: (MOTO, moto), 2: (CAR, car_keys)}, duration=14) == []


def test_person_falls_alone_is_not_a_crash() -> None:
    person = [(0, 100, 300, 112, 330), (4, 200, 300, 212, 330), (4.5, 190, 319, 220, 330), (12, 190, 319, 220, 330)]
    passing = [(0, -100, 230, -40, 260), (6, 800, 230, 860, 260)]
    assert run_tracks(RULES, {1: (PERSON, person), 2: (CAR, passing)}, duration=12) == []


def test_history_relinks_a_broken_id_and_undoes_a_wrong_relink() -> None:
    import numpy as np

    from detectors.rules import TrackHistory
    from detectors.types import Detections

    hist = TrackHistory()

    def step(t: float, rows: list[tuple[int, float]]) -> list[int]:
        dets = Detections(np.array([[x, 260, x + 30, 290] for _, x in rows], np.float32).reshape(-1, 4),
                          np.full(len(rows), 0.9), np.full(len(rows), int(MOTO)), tracker_id=[r for r, _ in rows])
        return hist.update(t, dets, (640, 360)).track_id.tolist()

    assert step(0.0, [(1, 100)]) == [1]
    assert step(0.1, [(1, 106)]) == [1]
    assert step(0.5, [(2, 130)]) == [1]  # id 1 broke; id 2 appears where 1 should be: same object
    assert step(0.6, [(2, 136), (1, 180)]) == [1, (1 << 40) + 1]  # 1 is back elsewhere: no longer the same


def test_legs_hidden_by_a_car_passing_in_front_is_not_a_fall() -> None:
    """A car drives down the picture (towards the camera) just in front of a walker: as it passes,
    it hides the walker's legs, so the walker's box turns short and wide for a moment, like a fall,
    but from below: the feet went out of sight, the head did not come down. Then the car leaves
    the frame at the bottom. Seen with the real detector on composites (bench/hit_and_run_real.py)."""
    walker = [(0, 400, 270, 414, 330), (3.2, 336, 270, 350, 330), (3.3, 334, 270, 348, 300),
              (3.6, 328, 270, 342, 300), (3.75, 325, 270, 339, 330), (8, 240, 270, 254, 330)]
    passing = [(0, 290, 40, 350, 120), (3.0, 290, 250, 350, 330), (5.0, 290, 390, 350, 470)]
    events = run_tracks(RULES, {1: (PERSON, walker), 2: (CAR, passing)}, duration=8, frame_wh=(640, 360))
    assert summary(events) == []


def test_a_walker_knocked_down_by_a_car_from_behind_the_picture_still_falls() -> None:
    """Same approach, but the walker does go down (the head drops, the feet stay on the ground):
    a hit-and-run."""
    walker = [(0, 400, 270, 414, 330), (3.2, 336, 270, 350, 330), (3.6, 330, 315, 360, 330), (8, 330, 315, 360, 330)]
    passing = [(0, 290, 40, 350, 120), (3.0, 290, 250, 350, 330), (5.0, 290, 390, 350, 470)]
    events = run_tracks(RULES, {1: (PERSON, walker), 2: (CAR, passing)}, duration=8, frame_wh=(640, 360))
    assert summary(events) == [("start", "hit_and_run"), ("end", "hit_and_run")]


def test_victim_lost_just_before_the_impact_still_counts() -> None:
    """The detector loses the motorbike 0.2 s before the car reaches it (covered, or already
    falling) and never finds it again; the car drives on: a hit-and-run, the victim vanished."""
    moto = [(0, 0, 260, 30, 290), (4.8, 288, 260, 318, 290)]
    events = run_tracks(RULES, {1: (MOTO, moto), 2: (CAR, car())}, duration=14)
    assert summary(events) == [("start", "hit_and_run"), ("end", "hit_and_run")]
    assert events[0].evidence["victim_outcome"] == "vanished"


@pytest.mark.parametrize(
    ("walker", "why"),
    [
        # lost for 0.6 s behind the car at the same depth, then seen again walking on
        ([(0, 200, 230, 214, 290), (4.6, 292, 230, 306, 290), (5.2, 304, 230, 318, 290), (12, 444, 230, 458, 290)],
         "seen again"),
        # lost 0.7 s before the car gets there: too long ago to be its victim
        ([(0, 200, 230, 214, 290), (4.3, 286, 230, 300, 290)], "lost too early"),
    ],
)
def test_lost_walker_without_an_outcome_is_not_a_crash(walker: list, why: str) -> None:
    events = run_tracks(RULES, {1: (PERSON, walker), 2: (CAR, car())}, duration=14)
    assert summary(events) == [], why


@pytest.mark.parametrize(
    ("vehicle", "expected", "why"),
    [
        # brakes after the contact (150 -> 30 px/s) and is then lost by the detector mid-view
        ([(0, -502, 260, -442, 290), (5, 248, 260, 308, 290), (5.6, 290, 260, 350, 290), (6.0, 302, 260, 362, 290)],
         "collision", "braking"),
        # stops dead just past the contact and is lost right there (no slowing seen between frames)
        ([(0, -502, 260, -442, 290), (5, 248, 260, 308, 290), (5.2, 278, 260, 338, 290)], "collision", "still by the contact"),
        # lost in mid-view 3 widths on, still at full speed: it drove on
        ([(0, -502, 260, -442, 290), (5, 248, 260, 308, 290), (6.2, 428, 260, 488, 290)], "hit_and_run", "driving on"),
    ],
)
def test_vehicle_lost_in_mid_view(vehicle: list, expected: str, why: str) -> None:
    """A stopped car without motion is often no longer detected: lost while stopping by its victim
    is a collision (the driver stayed), lost while driving on is a hit-and-run."""
    events = run_tracks(RULES, {1: (MOTO, moto_victim("fell")), 2: (CAR, vehicle)}, duration=14)
    assert [e.type for e in events if e.phase == "start"] == [expected], why


def test_a_fast_crossing_cyclist_hit_by_a_slower_car_is_a_victim() -> None:
    """A cyclist (seen as a person) crosses at 3 heights/s in front of a car that comes towards
    the camera at 1 height/s in the picture: the cyclist is the faster one on screen and still the
    victim (the 'faster one hits' test is only for two vehicles); it falls, the car drives out."""
    car_down = [(0, 300, 170, 360, 200), (3, 300, 260, 360, 290), (5.4, 300, 332, 360, 362)]
    cyclist = [(2, 200, 250, 214, 290), (3, 323, 250, 337, 290), (3.3, 320, 276, 360, 290), (10, 320, 276, 360, 290)]
    events = run_tracks(RULES, {1: (PERSON, cyclist), 2: (CAR, car_down)}, duration=10)
    assert [e.type for e in events if e.phase == "start"] == ["hit_and_run"]
    assert events[0].objects == [(2, "vehicle"), (1, "victim")]


def test_car_that_stops_over_its_victim_is_a_collision() -> None:
    """The walker is lost at the impact (hidden under the car, or lying and not detected); the car
    brakes and stays over the spot for 7 s, the detector missing it for 0.9 s on the way (a new
    tracker id after, re-linked): a collision, however long the victim has been out of the track
    history."""
    braking = [(0, -502, 260, -442, 290), (5, 248, 260, 308, 290), (5.4, 268, 260, 328, 290), (6.2, 276, 260, 336, 290),
               (7.0, 276, 260, 336, 290)]
    stays = [(7.9, 276, 260, 336, 290), (14, 276, 260, 336, 290)]
    walker = [(0, 400, 250, 414, 290), (5.0, 300, 250, 314, 290)]
    events = run_tracks(RULES, {1: (PERSON, walker), 2: (CAR, braking), 3: (CAR, stays)}, duration=14)
    assert [e.type for e in events if e.phase == "start"] == ["collision"]




@pytest.mark.parametrize(("car_px_s", "walker_px_s", "walker_x", "expected"), [
    # 2.5 heights/s: a hard hit, though the gap closes at only ~0.7 heights/s on screen
    (75, 45, 340, ["hit_and_run"]),
    # 1.4 heights/s, closing 0.6 heights/s: catching up with a walker who then stops is not a hit
    (42, 20, 333, []),
])
def test_walker_who_stops_after_a_fast_car_from_behind(car_px_s: float, walker_px_s: float, walker_x: float,
                                                       expected: list) -> None:
    """Car and walker both go down the picture (towards the camera), the car faster; it catches
    the walker from behind, who stops dead (upright: no fall seen). The gap closes slowly on screen
    (both move the same way), so only the car's own speed shows the hit was hard; the car drives
    on out of the view."""
    c, w, x = car_px_s, walker_px_s, walker_x
    car_keys = [(0, 300, 260 - 3 * c, 360, 290 - 3 * c), (3, 300, 260, 360, 290), (3 + 100 / c, 300, 360, 360, 390)]
    walker = [(0, x, 260 - 3 * w, x + 14, 300 - 3 * w), (3, x, 260, x + 14, 300),
              (3.2, x, 260 + 0.2 * w, x + 14, 300 + 0.2 * w), (11, x, 260 + 0.2 * w, x + 14, 300 + 0.2 * w)]
    events = run_tracks(RULES, {1: (PERSON, walker), 2: (CAR, car_keys)}, duration=11)
    assert [e.type for e in events if e.phase == "start"] == expected
    if expected:
        assert events[0].evidence["victim_outcome"] == "stopped"
