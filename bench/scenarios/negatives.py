"""Hard negatives for hit-and-run: nothing here may raise `hit_and_run` (nor `collision`)."""

from __future__ import annotations

from bench.scenarios.common import (CROSSING_X, EAST_INNER, EAST_KERB, NORTH_WALK, SOUTH_WALK, WEST_INNER, Scenario,
                                    base_scene, detector_for, width)
from bench.scenarios.hit_and_run import RULES


def _neg(name: str, seed: int, actors: list[dict], *, night: bool = False, traffic: float = 12.0,
         duration: float = 30.0, tag: str = "") -> Scenario:
    scene = base_scene(name, seed, night=night, traffic=traffic, duration=duration)
    scene["actors"] = actors
    return Scenario(name, "negative", "hit_and_run", scene, RULES, detector_for(seed, night),
                    tags=[tag] + (["night"] if night else []))


def near_miss(name: str, seed: int, off: str, v_off: float, gap_s: float, night: bool = False) -> list[dict]:
    """A pedestrian crosses; the vehicle passes `gap_s` after (>0) or before (<0) she is in its lane."""
    x_c, t_c, lane = CROSSING_X - 20, 12.0, EAST_KERB
    xo = x_c - width(off, lane) / 2 + 5
    person = {"id": "walker", "class": "person", "color": "green",
              "waypoints": [[t_c - (lane - NORTH_WALK) / 35, x_c, NORTH_WALK], [t_c, x_c, lane],
                            [t_c + (340 - lane) / 35, x_c, 340]]}
    t_v = t_c + gap_s
    car = {"id": "car", "class": off, "color": "blue",
           "waypoints": [[t_v - (xo + 120) / v_off, -120, lane], [t_v, xo, lane], [t_v + (780 - xo) / v_off, 780, lane]]}
    return [person, car]


def queue(front: str, back: str, stop_x: float = 390.0, lane: float = EAST_KERB, touch: float = 4.0) -> list[dict]:
    """Two road users slow down to a stop line one behind the other, wait, and go on."""
    wf, wb = width(front, lane), width(back, lane)
    xf = stop_x - wf / 2
    xb = xf - wf / 2 - wb / 2 + touch
    return [
        {"id": "front", "class": front, "color": "red",
         "waypoints": [[4, -40, lane], [10, xf - 60, lane], [12, xf, lane], [17, xf, lane], [19, xf + 60, lane],
                       [24, 720, lane]]},
        {"id": "back", "class": back, "color": "black",
         "waypoints": [[5, -120, lane], [10.5, xb - 80, lane], [12.6, xb, lane], [17.8, xb, lane], [19.8, xb + 60, lane],
                       [19.8 + (760 - xb - 60) / (660 - xf - 60) * 5, 760 - (xf - xb), lane]]},
    ]


def stopped_car_pedestrian(off: str) -> list[dict]:
    """A vehicle stops before the zebra; a pedestrian crosses in front of it; the vehicle goes on."""
    lane = EAST_KERB
    xo = CROSSING_X - 30 - width(off, lane) / 2
    return [
        {"id": "car", "class": off, "color": "white",
         "waypoints": [[4, -120, lane], [9, xo - 60, lane], [11, xo, lane], [19, xo, lane], [21, xo + 60, lane],
                       [25, 780, lane]]},
        {"id": "walker", "class": "person", "color": "orange",
         "waypoints": [[11, CROSSING_X, NORTH_WALK], [11 + (SOUTH_WALK - NORTH_WALK) / 35, CROSSING_X, SOUTH_WALK],
                       [30, CROSSING_X + 120, SOUTH_WALK]]},
    ]


def park_beside(moto: str = "motorbike") -> list[dict]:
    """A motorbike slows down and parks next to a person standing at the kerb; she walks off later."""
    return [
        {"id": "standing", "class": "person", "color": "pink",
         "waypoints": [[0, 300, SOUTH_WALK], [20, 300, SOUTH_WALK], [30, 640, SOUTH_WALK]]},
        {"id": "rider", "class": moto, "color": "red",
         "waypoints": [[6, -40, EAST_KERB], [11, 240, EAST_KERB], [13, 318, SOUTH_WALK - 4], [30, 318, SOUTH_WALK - 4]]},
    ]


def misc(kind: str) -> list[dict]:
    """Other everyday scenes that look a bit like an accident."""
    if kind == "self_fall":  # a person trips alone on the sidewalk and gets up
        return [{"id": "p", "class": "person", "color": "grey",
                 "waypoints": [[2, -20, SOUTH_WALK], [30, 700, SOUTH_WALK]],
                 "behaviours": [{"at_s": 12, "action": "fall"}, {"at_s": 17, "action": "resume"}]}]
    if kind == "bus_boarding":  # the bus stops, a person walks to it and "vanishes" inside
        xb = 320.0
        return [{"id": "bus", "class": "bus", "color": "green",
                 "waypoints": [[3, -140, EAST_KERB], [9, xb - 60, EAST_KERB], [11, xb, EAST_KERB], [20, xb, EAST_KERB],
                               [22, xb + 80, EAST_KERB], [26, 800, EAST_KERB]]},
                {"id": "p", "class": "person", "color": "yellow", "waypoints": [[10, xb + 40, 330], [14, xb + 30, 296]],
                 "behaviours": [{"at_s": 14, "action": "vanish"}]}]
    if kind == "occluded_walker":  # a bus nearer the camera hides a walker for a second
        return [{"id": "p", "class": "person", "color": "white", "waypoints": [[2, -20, NORTH_WALK], [30, 700, NORTH_WALK]]},
                {"id": "bus", "class": "bus", "color": "blue",
                 "waypoints": [[8, 780, WEST_INNER], [16, -160, WEST_INNER]]}]
    if kind == "overtake":  # a fast motorbike overtakes a slow one in the same lane
        return [{"id": "slow", "class": "motorbike", "color": "red", "waypoints": [[2, -40, EAST_KERB], [26, 700, EAST_KERB]]},
                {"id": "fast", "class": "motorbike", "color": "black",
                 "waypoints": [[6, -40, EAST_KERB], [14, 700, EAST_KERB - 6]]}]
    if kind == "pull_away":  # a car parked at the kerb pulls away from a person standing beside it
        return [{"id": "p", "class": "person", "color": "purple",
                 "waypoints": [[0, 290, SOUTH_WALK], [16, 290, SOUTH_WALK], [30, 0, SOUTH_WALK]]},
                {"id": "car", "class": "car", "color": "silver",
                 "waypoints": [[0, 300, EAST_KERB], [12, 300, EAST_KERB], [14, 360, EAST_KERB], [19, 780, EAST_KERB]]}]
    if kind == "cyclist_waits":  # a cyclist stops at the kerb while a car passes in the next lane
        return [{"id": "bike", "class": "bicycle", "color": "orange",
                 "waypoints": [[2, -40, EAST_KERB], [10, 300, EAST_KERB], [18, 300, EAST_KERB], [28, 700, EAST_KERB]]},
                {"id": "car", "class": "car", "color": "black",
                 "waypoints": [[8, -100, EAST_INNER], [14, 760, EAST_INNER]]}]
    raise ValueError(kind)


def negatives() -> list[Scenario]:
    """34 hard negatives."""
    out: list[Scenario] = []
    seed = 500
    for off, v, gap in (("car", 150, 1.0), ("motorbike", 170, 0.8), ("truck", 120, 1.2), ("bus", 110, 1.3),
                        ("car", 150, -0.9), ("motorbike", 160, -0.6)):
        seed += 1
        out.append(_neg(f"neg_near_miss_{off}_{gap:+.1f}", seed, near_miss("n", seed, off, v, gap), tag="near_miss"))
    for front, back in (("motorbike", "car"), ("motorbike", "motorbike"), ("bicycle", "car"), ("car", "truck"),
                        ("motorbike", "bus")):
        seed += 1
        out.append(_neg(f"neg_queue_{back}_behind_{front}", seed, queue(front, back), tag="junction_stop"))
    seed += 1
    out.append(_neg("neg_queue_touching", seed, queue("motorbike", "car", touch=10.0), tag="junction_stop"))
    for off in ("car", "truck", "motorbike"):
        seed += 1
        out.append(_neg(f"neg_pedestrian_before_stopped_{off}", seed, stopped_car_pedestrian(off), tag="stopped_car"))
    for moto in ("motorbike", "bicycle"):
        seed += 1
        out.append(_neg(f"neg_park_beside_{moto}", seed, park_beside(moto), tag="parking"))
    for i, night in enumerate((False, False, True, True)):
        seed += 1
        out.append(_neg(f"neg_dense_traffic_{i}", seed, [], night=night, traffic=90, duration=60, tag="dense"))
    for kind in ("self_fall", "bus_boarding", "occluded_walker", "overtake", "pull_away", "cyclist_waits"):
        seed += 1
        out.append(_neg(f"neg_{kind}", seed, misc(kind), tag=kind))
    for off, v, gap in (("car", 150, 1.0), ("motorbike", 170, -0.8)):
        seed += 1
        out.append(_neg(f"neg_night_near_miss_{off}", seed, near_miss("n", seed, off, v, gap), night=True, tag="near_miss"))
    for front, back in (("motorbike", "car"), ("bicycle", "motorbike")):
        seed += 1
        out.append(_neg(f"neg_night_queue_{back}_{front}", seed, queue(front, back), night=True, tag="junction_stop"))
    seed += 1
    out.append(_neg("neg_night_park_beside", seed, park_beside(), night=True, tag="parking"))
    seed += 1
    out.append(_neg("neg_night_self_fall", seed, misc("self_fall"), night=True, tag="self_fall"))
    seed += 1
    out.append(_neg("neg_night_bus_boarding", seed, misc("bus_boarding"), night=True, tag="bus_boarding"))
    return out
