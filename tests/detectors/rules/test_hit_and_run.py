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


BICYCLE, TRUCK, BUS = ClassId.BICYCLE, ClassId.TRUCK, ClassId.BUS


def side_impact(speed: float = 450.0, t_c: float = 5.0) -> tuple[list, list]:
    """A walker crosses the kerb lane (ground y 290) north to south at 35 px/s; a car (60x30)
    going east at `speed` px/s passes over her at x 300-312 around `t_c`. At 450 px/s the boxes
    touch for 0.19 s, between the two frames a 5 fps camera analyses (t_c and t_c + 0.2)."""
    x2 = 291.0  # at t_c the car's front is 9 px short of her, at t_c + 0.2 its back 9 px past her
    car_keys = [(t_c - 3, x2 - 60 - 3 * speed, 260, x2 - 3 * speed, 290), (t_c, x2 - 60, 260, x2, 290),
                (t_c + 3, x2 - 60 + 3 * speed, 260, x2 + 3 * speed, 290)]
    walker = [(0, 300, 105, 312, 135), (t_c + 0.25, 300, 269, 312, 299),  # ... she is hit and falls
              (t_c + 0.55, 292, 287, 322, 299), (12, 292, 287, 322, 299)]
    return walker, car_keys


@pytest.mark.parametrize("fps", [15, 5])
def test_side_impact_shorter_than_a_frame_interval(fps: float) -> None:
    """The contact falls between two analysed frames at 5 fps (the car is short of the walker at
    one, past her at the next): the boxes swept over the interval still meet. Same verdict at
    15 fps and at 5 fps."""
    walker, car_keys = side_impact()
    events = run_tracks(RULES, {1: (PERSON, walker), 2: (CAR, car_keys)}, duration=10, fps=fps)
    assert [e.type for e in events if e.phase == "start"] == ["hit_and_run"]
    assert abs(events[0].start_ts - EPOCH - 5.0) <= 0.1  # the contact time is the touch, not the next frame


@pytest.mark.parametrize("fps", [15, 5])
def test_paths_that_cross_at_different_times_do_not_touch(fps: float) -> None:
    """Same paths, but the walker reaches the lane 0.6 s after the car went by: interpolating
    between frames must not invent a contact."""
    _, car_keys = side_impact()
    late = [(0.6, 300, 105, 312, 135), (5.6, 300, 260, 312, 290), (7.0, 300, 309, 312, 339), (10, 300, 309, 312, 339)]
    events = run_tracks(RULES, {1: (PERSON, late), 2: (CAR, car_keys)}, duration=10, fps=fps)
    assert events == []


@pytest.mark.parametrize("fps", [15, 5])
def test_bystander_next_to_the_victim_is_not_the_victim(fps: float) -> None:
    """A bystander stands still 25 px from where the victim is hit; the detector loses the victim
    for 0.25 s at the impact, then finds her again (same id) lying on the road. The contact must
    follow the victim, not jump to the bystander who was there all along."""
    walker, car_keys = side_impact()
    bystander = [(0, 325, 262, 336, 290), (12, 325, 262, 336, 290)]
    tracks = {1: (PERSON, walker), 2: (CAR, car_keys), 3: (PERSON, bystander)}
    events = run_tracks(RULES, tracks, duration=10, fps=fps, hide={1: (4.96, 5.2)})
    assert [e.type for e in events if e.phase == "start"] == ["hit_and_run"]
    assert (1, "victim") in events[0].objects


def jittery_standing(x: float, y2: float, h: float, duration: float, glitch: tuple[float, float] | None) -> list:
    """A person standing still at (x, y2), h px tall; `glitch` = (t0, t1): the detector's box sits
    8 px to the side meanwhile (a box merged with a neighbour, a shadow), then comes back."""
    keys = [(0.0, x, y2 - h, x + 0.4 * h, y2)]
    if glitch is not None:
        t0, t1 = glitch
        keys += [(t0 - 1e-3, x, y2 - h, x + 0.4 * h, y2), (t0, x + 8, y2 - h, x + 8 + 0.4 * h, y2),
                 (t1, x + 8, y2 - h, x + 8 + 0.4 * h, y2), (t1 + 1e-3, x, y2 - h, x + 0.4 * h, y2)]
    return keys + [(duration, x, y2 - h, x + 0.4 * h, y2)]


@pytest.mark.parametrize("fps", [15, 5])
def test_motorbike_parking_beside_a_standing_person_is_not_a_collision(fps: float) -> None:
    """A motorbike comes in fast and parks right beside a person standing at the kerb and stays; the
    person's box jumps 8 px sideways for 0.3 s as the motorbike arrives. A velocity over the last
    two or three samples reads that jump as walking ("moving at contact, then stopped" is a
    casualty); the person's net displacement over a second says she stood still."""
    person = jittery_standing(300, 292, 28, 20, glitch=(11.9, 12.2))
    moto = [(6, -40, 262, -10, 290), (11, 200, 262, 230, 290), (12.2, 283, 262, 313, 292), (20, 283, 262, 313, 292)]
    events = run_tracks(RULES, {1: (PERSON, person), 2: (MOTO, moto)}, duration=20, fps=fps)
    assert events == []


def rear_end_keys(victim_h: float, victim_w: float, victim_px_s: float) -> tuple[list, list]:
    """Victim going east in the kerb lane (ground y 290), hit from behind at t=5 at x~300 by the
    striker; it falls (wide and low) and stays."""
    v = victim_px_s
    x0 = 300 - 5 * v
    victim = [(0, x0, 290 - victim_h, x0 + victim_w, 290), (5, 300, 290 - victim_h, 300 + victim_w, 290),
              (5.5, 300, 290 - 0.4 * victim_h, 300 + 2.2 * victim_h, 290), (14, 300, 290 - 0.4 * victim_h, 300 + 2.2 * victim_h, 290)]
    return victim


STRIKERS = {CAR: (60, 30, 150), TRUCK: (90, 45, 120), BUS: (110, 50, 110), MOTO: (30, 30, 170)}  # w, h, px/s
VICTIMS = {PERSON: (30, 12, 30), BICYCLE: (30, 30, 45), MOTO: (30, 30, 60)}  # h, w, px/s


@pytest.mark.parametrize("fps", [15, 5])
@pytest.mark.parametrize("striker", list(STRIKERS))
@pytest.mark.parametrize("victim", list(VICTIMS))
@pytest.mark.parametrize("stays", [False, True])
def test_every_striker_and_victim_class(striker: ClassId, victim: ClassId, stays: bool, fps: float) -> None:
    """COCO motorcycle and bicycle take part as cars and pedestrians do: a motorbike, car, truck or
    bus runs into a person, a bicycle or a motorbike from behind; the victim falls; the striker
    drives out of the view (hit-and-run) or stops 1 width on and stays (collision). Every pair,
    at 15 fps and at 5 fps."""
    w, h, speed = STRIKERS[striker]
    vh, vw, vspeed = VICTIMS[victim]
    victim_keys = rear_end_keys(vh, vw, vspeed)
    x_at_5 = 300 - w + 8
    keys = [(0, x_at_5 - 5 * speed, 290 - h, x_at_5 - 5 * speed + w, 290), (5, x_at_5, 290 - h, x_at_5 + w, 290)]
    if stays:  # brakes over 1 s to a stop one width on, stays
        keys += [(6, x_at_5 + w, 290 - h, x_at_5 + 2 * w, 290), (14, x_at_5 + w, 290 - h, x_at_5 + 2 * w, 290)]
    else:
        keys += [(5 + (700 - x_at_5) / speed, 700, 290 - h, 700 + w, 290)]
    events = run_tracks(RULES, {1: (victim, victim_keys), 2: (striker, keys)}, duration=14, fps=fps)
    starts = [e for e in events if e.phase == "start"]
    assert [e.type for e in starts] == ["collision" if stays else "hit_and_run"]
    assert starts[0].objects == [(2, "vehicle"), (1, "victim")]


def test_coco_names_map_to_the_rule_classes() -> None:
    """A COCO detector says "motorcycle"; the rules' default striker and victim lists hold it."""
    from detectors.rules.config import class_ids
    from detectors.types import COCO80_TO_CLASS, NAME_TO_CLASS

    cfg = HitAndRunConfig(name="hr")
    assert NAME_TO_CLASS["motorcycle"] == MOTO and COCO80_TO_CLASS[3] == MOTO and COCO80_TO_CLASS[1] == BICYCLE
    assert int(MOTO) in class_ids(cfg.vehicles) and int(MOTO) in class_ids(cfg.victims)
    assert int(BICYCLE) in class_ids(cfg.victims)


@pytest.mark.parametrize("fps", [15, 5])
def test_car_lost_as_it_leaves_at_the_bottom_edge_fled(fps: float) -> None:
    """A car coming towards the camera (growing, down the picture) knocks a walker down and the
    detector loses it 0.3 s later, its box still 60 px above the bottom edge, at full speed: it
    drove out of the view (at its last speed it was out of it within the second), not a stop by the victim."""
    car_down = [(3, 300, 40, 380, 100), (4, 280, 220, 400, 320), (4.3, 270, 280, 410, 420)]
    walker = [(0, 420, 220, 440, 320), (4, 330, 220, 350, 320), (4.3, 320, 290, 380, 320), (10, 320, 290, 380, 320)]
    events = run_tracks(RULES, {1: (PERSON, walker), 2: (CAR, car_down)}, duration=10, fps=fps, frame_wh=(640, 480))
    starts = [e for e in events if e.phase == "start"]
    assert [e.type for e in starts] == ["hit_and_run"]
    assert starts[0].evidence["vehicle_exit"] == "left_view"


@pytest.mark.parametrize("fps", [15, 5])
def test_the_victim_lying_where_the_striker_was_lost_is_not_the_striker(fps: float) -> None:
    """A motorbike rear-ends a bicycle; the bicycle falls and lies there; the detector misses the
    motorbike for 1.1 s right after the contact (night), then finds it again driving off. The
    stopped object by the spot where the motorbike was lost is its victim, not the motorbike
    under a new id: a hit-and-run."""
    bike = rear_end_keys(30, 30, 45)
    moto = [(0, 278 - 5 * 170, 260, 308 - 5 * 170, 290), (5, 278, 260, 308, 290), (9, 278 + 4 * 170, 260, 308 + 4 * 170, 290)]
    events = run_tracks(RULES, {1: (BICYCLE, bike), 2: (MOTO, moto)}, duration=12, fps=fps, hide={2: (5.1, 6.2)})
    starts = [e for e in events if e.phase == "start"]
    assert [e.type for e in starts] == ["hit_and_run"]
    assert starts[0].objects == [(2, "vehicle"), (1, "victim")]
