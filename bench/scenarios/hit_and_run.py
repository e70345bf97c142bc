"""Hit-and-run positives (>= 30 variants), collisions, and hard negatives (>= 30).

Positives vary the angle (rear-end in the lane, pedestrian or cyclist crossing), offender class
and speed, victim class, the victim's outcome (falls, stops, vanishes), direction of travel,
day/night (night also degrades the simulated detector) and occlusion (a parked truck nearer the
camera). Negatives are the situations a naive "boxes touched" rule gets wrong: near misses,
queueing at a stop line, pedestrians crossing in front of a stopped car, a motorbike parking
beside a person, dense traffic, a person falling alone, boarding a bus, occlusion by a bus.
"""

from __future__ import annotations

from bench.scenarios.common import (CROSSING_X, EAST_INNER, EAST_KERB, NORTH_WALK, SOUTH_WALK, WEST_KERB, Scenario,
                                    base_scene, detector_for, width)
from detectors.rules import HitAndRunConfig, RulesConfig, TamperConfig

RULES = RulesConfig(rules=[HitAndRunConfig(name="hit_and_run")])
RULES_WITH_TAMPER = RulesConfig(rules=[HitAndRunConfig(name="hit_and_run"), TamperConfig(name="tamper")])


def _mx(x: float, east: bool) -> float:
    return x if east else 640.0 - x


def _wp(points: list[tuple[float, float, float]], east: bool) -> list[list[float]]:
    return [[round(t, 3), round(_mx(x, east), 1), y] for t, x, y in points]


def rear_end(name: str, seed: int, off: str, vic: str, v_off: float, v_vic: float, *, east: bool = True,
             outcome: str = "fall", night: bool = False, occluder: bool = False, pause: float = 0.0,
             collision: bool = False, t_c: float = 12.0, x_c: float = 300.0) -> Scenario:
    """A vehicle runs into a slower victim in the kerb lane (from behind), then drives on (or stops)."""
    y = EAST_KERB if east else WEST_KERB
    yo = y - 16 if east else y + 16  # the offender swerves out after the impact
    xo = x_c - (width(off, y) + width(vic, y)) / 2 + 6
    t_exit = t_c + 0.5 + (780 - xo - 0.5 * v_off) / v_off
    scene = base_scene(name, seed, night=night, quiet=[[t_c - 7, t_c + 3]],
                       closed=[{"road": "main", "direction": "east" if east else "west", "index": 0,
                                "start_s": t_c - 8, "end_s": 30}])
    beh = {"fall": [{"at_s": t_c + 0.05, "action": "fall"}], "stop": [{"at_s": t_c + 0.05, "action": "stop"}],
           "vanish": [{"at_s": t_c + 0.3, "action": "vanish"}]}[outcome]
    victim = {"id": "victim", "class": vic, "color": "red", "behaviours": beh,
              "waypoints": _wp([(t_c - (x_c + 40) / v_vic, -40, y), (t_c, x_c, y), (t_c + (700 - x_c) / v_vic, 700, y)], east)}
    offender_beh = []
    if collision:
        offender_beh = [{"at_s": t_c + 0.3, "action": "stop"}]
    elif pause:
        offender_beh = [{"at_s": t_c + 0.4, "action": "stop"}, {"at_s": t_c + 0.4 + pause, "action": "resume"}]
    offender = {"id": "offender", "class": off, "color": "black", "behaviours": offender_beh,
                "waypoints": _wp([(t_c - (xo + 120) / v_off, -120, y), (t_c, xo, y),
                                  (t_c + 0.5, xo + 0.5 * v_off, yo), (t_exit, 780, yo)], east)}
    scene["actors"] = [victim, offender]
    if occluder:
        scene["actors"].append({"id": "parked", "class": "truck", "color": "white",
                                "waypoints": _wp([(0, x_c + 70, SOUTH_WALK + 14), (30, x_c + 70, SOUTH_WALK + 14)], east)})
    kind = "collision" if collision else "hit_and_run"
    scene["incidents"] = [{"id": "h1", "type": kind, "start_s": t_c - 0.2, "end_s": min(t_exit + pause, 30),
                           "actors": ["offender", "victim"], "note": f"rear-end {off}->{vic} {outcome}"}]
    return Scenario(name, "positive", kind, scene, RULES, detector_for(seed, night),
                    tags=["rear_end", off, vic, outcome] + (["night"] if night else []) + (["occluded"] if occluder else []))


def side_impact(name: str, seed: int, off: str, vic: str, v_off: float, *, lane: float = EAST_KERB,
                night: bool = False, outcome: str = "fall", t_c: float = 12.0) -> Scenario:
    """A vehicle hits a pedestrian or cyclist crossing the road (north to south) and drives on."""
    x_c = CROSSING_X - 20
    v_vic = 35.0 if vic == "person" else 70.0
    xo = x_c - width(off, lane) / 2 + 5
    t_exit = t_c + (780 - xo) / v_off
    scene = base_scene(name, seed, night=night, quiet=[[t_c - 7, t_c + 3]])
    beh = {"fall": [{"at_s": t_c + 0.05, "action": "fall"}], "stop": [{"at_s": t_c + 0.05, "action": "stop"}],
           "vanish": [{"at_s": t_c + 0.3, "action": "vanish"}]}[outcome]
    victim = {"id": "victim", "class": vic, "color": "yellow", "behaviours": beh,
              "waypoints": [[t_c - (lane - NORTH_WALK) / v_vic, x_c, NORTH_WALK], [t_c, x_c, lane],
                            [t_c + (340 - lane) / v_vic, x_c, 340]]}
    offender = {"id": "offender", "class": off, "color": "silver",
                "waypoints": [[t_c - (xo + 120) / v_off, -120, lane], [t_c, xo, lane], [t_exit, 780, lane]]}
    scene["actors"] = [victim, offender]
    scene["incidents"] = [{"id": "h1", "type": "hit_and_run", "start_s": t_c - 0.2, "end_s": t_exit,
                           "actors": ["offender", "victim"], "note": f"side impact {off}->{vic} {outcome}"}]
    return Scenario(name, "positive", "hit_and_run", scene, RULES, detector_for(seed, night),
                    tags=["side", off, vic, outcome] + (["night"] if night else []))


def positives() -> list[Scenario]:
    """36 hit-and-run variants and 6 collisions."""
    out: list[Scenario] = []
    seed = 100
    for off, v_off in (("car", 150), ("truck", 120), ("bus", 110), ("motorbike", 170)):
        for vic, v_vic in (("motorbike", 60), ("bicycle", 45), ("person", 30)):
            if off == "motorbike" and vic == "person":
                v_off = 140
            seed += 1
            out.append(rear_end(f"hr_rear_{off}_{vic}", seed, off, vic, v_off, v_vic, east=seed % 2 == 0))
    for off, v_off in (("car", 160), ("truck", 120), ("bus", 110), ("motorbike", 150)):
        for vic in ("person", "bicycle"):
            seed += 1
            out.append(side_impact(f"hr_side_{off}_{vic}", seed, off, vic, v_off,
                                   lane=EAST_KERB if seed % 2 else EAST_INNER))
    for i, (off, vic, outcome) in enumerate([("car", "motorbike", "stop"), ("car", "person", "vanish"),
                                             ("truck", "bicycle", "stop"), ("motorbike", "bicycle", "vanish")]):
        seed += 1
        out.append(rear_end(f"hr_rear_{off}_{vic}_{outcome}", seed, off, vic, 150, 50, outcome=outcome, east=i % 2 == 0))
    seed += 1
    out.append(side_impact("hr_side_car_person_stop", seed, "car", "person", 150, outcome="stop"))
    for off, vic in (("car", "motorbike"), ("truck", "person"), ("motorbike", "bicycle"), ("bus", "motorbike")):
        seed += 1
        out.append(rear_end(f"hr_night_rear_{off}_{vic}", seed, off, vic, 140, 50, night=True, east=seed % 2 == 0))
    for off, vic in (("car", "person"), ("motorbike", "person")):
        seed += 1
        out.append(side_impact(f"hr_night_side_{off}_{vic}", seed, off, vic, 150, night=True))
    for off, vic in (("car", "motorbike"), ("car", "bicycle"), ("truck", "motorbike")):
        seed += 1
        out.append(rear_end(f"hr_occluded_{off}_{vic}", seed, off, vic, 150, 55, occluder=True))
    seed += 1
    out.append(rear_end("hr_pause_then_flee", seed, "car", "motorbike", 150, 55, pause=2.0))
    seed += 1
    out.append(rear_end("hr_fast_car_motorbike", seed, "car", "motorbike", 240, 70))
    seed += 1
    out.append(rear_end("hr_slow_car_bicycle", seed, "car", "bicycle", 90, 35))
    for off, vic in (("car", "motorbike"), ("truck", "bicycle"), ("car", "person"), ("motorbike", "motorbike"),
                     ("bus", "person"), ("car", "bicycle")):
        seed += 1
        out.append(rear_end(f"col_{off}_{vic}", seed, off, vic, 130, 50, collision=True, east=seed % 2 == 0))
    return out
