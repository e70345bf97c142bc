"""Scenarios for intrusion, loitering, line crossing, wrong-way and tampering."""

from __future__ import annotations

from bench.scenarios.common import (EAST_KERB, EPOCH_DAY, EPOCH_NIGHT, NORTH_WALK, SOUTH_WALK, Scenario, base_scene,
                                    detector_for)
from detectors.rules import (IntrusionConfig, LineCrossingConfig, LoiteringConfig, RulesConfig, TamperConfig,
                             WrongWayConfig)

YARD = [[300, 110], [420, 110], [420, 152], [300, 152]]  # closed shop yard above the north sidewalk
BENCH = [[250, 298], [380, 298], [380, 336], [250, 336]]  # south sidewalk by the school gate
LINE = ((320.0, 150.0), (320.0, 345.0))  # across sidewalks and road; "in" = moving west (left of start->end)
EAST_LANE = [[0, 276], [640, 276], [640, 304], [0, 304]]


def _intruder(cls: str, stay: float) -> dict:
    return {"id": "intruder", "class": cls, "color": "dark_blue",
            "waypoints": [[2, -20, NORTH_WALK], [8, 360, NORTH_WALK], [9.5, 360, 140], [9.5 + stay, 360, 140],
                          [11 + stay, 360, NORTH_WALK], [20 + stay, 700, NORTH_WALK]]}


def intrusion() -> list[Scenario]:
    rules = RulesConfig(rules=[IntrusionConfig(name="yard", polygon=YARD, classes=("person", "motorbike"),
                                               schedule="22:00-05:00", min_inside_s=1.0)])
    out = []
    for i, (cls, stay, night_epoch, positive) in enumerate([
            ("person", 5, True, True), ("person", 12, True, True), ("motorbike", 6, True, True),
            ("person", 3, True, True), ("person", 6, False, False), ("motorbike", 8, False, False)]):
        night = night_epoch
        scene = base_scene(f"intrusion_{i}", 700 + i, night=night)
        scene["actors"] = [_intruder(cls, stay)]
        if positive:
            scene["incidents"] = [{"id": "i1", "type": "intrusion", "start_s": 9.4, "end_s": 9.5 + stay + 0.8,
                                   "actors": ["intruder"], "region": YARD}]
        out.append(Scenario(f"intrusion_{cls}_{stay}s_{'night' if night_epoch else 'day'}", "intrusion", "intrusion",
                            scene, rules, detector_for(700 + i, night), epoch=EPOCH_NIGHT if night_epoch else EPOCH_DAY))
    for i in range(2):  # people and cars only pass by at night
        scene = base_scene(f"intrusion_passby_{i}", 720 + i, night=True, traffic=30)
        out.append(Scenario(f"intrusion_passby_{i}", "intrusion", "intrusion", scene, rules, detector_for(720 + i, True),
                            epoch=EPOCH_NIGHT))
    return out


def loitering() -> list[Scenario]:
    rules = RulesConfig(rules=[LoiteringConfig(name="school_gate", polygon=BENCH, min_inside_s=30)])
    cases = [("person", 40, True), ("person", 50, True), ("motorbike", 45, True), ("person", 15, False),
             ("person", 2, False)]
    out = []
    for i, (cls, stay, positive) in enumerate(cases):
        scene = base_scene(f"loiter_{i}", 800 + i, duration=75, night=i == 1)
        y = SOUTH_WALK if cls == "person" else SOUTH_WALK - 4
        scene["actors"] = [{"id": "who", "class": cls, "color": "brown",
                            "waypoints": [[2, -20, y], [8, 270, y], [8 + stay / 2, 320, y + 6], [8 + stay, 300, y],
                                          [16 + stay, 700, y]]}]
        if positive:
            scene["incidents"] = [{"id": "l1", "type": "loitering", "start_s": 7.6, "end_s": 8 + stay,
                                   "actors": ["who"], "region": BENCH}]
        out.append(Scenario(f"loiter_{cls}_{stay}s", "loitering", "loitering", scene, rules,
                            detector_for(800 + i, i == 1)))
    return out


def line_crossing() -> list[Scenario]:
    rules = RulesConfig(rules=[LineCrossingConfig(name="gate_line", line=LINE)])
    out = []
    for i, (rate, night) in enumerate([(20, False), (40, False), (20, True), (60, False)]):
        scene = base_scene(f"line_{i}", 900 + i, night=night, traffic=rate, duration=60)
        out.append(Scenario(f"line_crossing_{rate}pm_{'night' if night else 'day'}", "line_crossing", "line_crossing",
                            scene, rules, detector_for(900 + i, night), line_truth=LINE))
    return out


def wrong_way() -> list[Scenario]:
    rules = RulesConfig(rules=[WrongWayConfig(name="east_kerb_lane", polygon=EAST_LANE, direction=(1.0, 0.0))])
    out = []
    for i, (cls, positive) in enumerate([("motorbike", True), ("car", True), ("bicycle", True), (None, False),
                                         (None, False)]):
        scene = base_scene(f"wrong_way_{i}", 950 + i, traffic=20)
        truth = []
        if cls:
            scene["actors"] = [{"id": "ghost", "class": cls, "color": "red",
                                "waypoints": [[8, 700, EAST_KERB], [8 + 740 / 90, -40, EAST_KERB]]}]
            truth = [{"type": "wrong_way", "start_s": 8.5, "end_s": 8 + 740 / 90}]
        out.append(Scenario(f"wrong_way_{cls or 'none'}_{i}", "wrong_way", "wrong_way", scene, rules,
                            detector_for(950 + i, False), extra_truth=truth))
    return out


def tamper() -> list[Scenario]:
    rules = RulesConfig(rules=[TamperConfig(name="tamper")])
    out = []
    kinds = [("cover", 0.95), ("defocus", 0.7), ("moved", 1.0), ("blackout", 1.0)]
    for night in (False, True):
        for i, (kind, strength) in enumerate(kinds):
            seed = 1000 + i + 10 * night
            scene = base_scene(f"tamper_{kind}", seed, night=night, traffic=20, duration=40)
            item = {"type": kind, "start_s": 20, "end_s": 28, "strength": strength}
            if kind == "moved":
                item["shift_px"] = [48, 20]
            scene["tamper"] = [item]
            out.append(Scenario(f"tamper_{kind}_{'night' if night else 'day'}", "tamper", "tamper", scene, rules,
                                detector_for(seed, night), render=True))
    ir = base_scene("tamper_neg_ir", 1100, night=True, traffic=20, duration=40)
    ir["lighting"]["ir_switch_s"] = 20
    out.append(Scenario("tamper_neg_ir_switch", "tamper", "tamper", ir, rules, detector_for(1100, True), render=True))
    busy = base_scene("tamper_neg_busy", 1101, traffic=90, duration=40)
    out.append(Scenario("tamper_neg_busy", "tamper", "tamper", busy, rules, detector_for(1101, False), render=True))
    return out
