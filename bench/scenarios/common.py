"""Shared pieces of the scenario suite: the street layout, box widths, the Scenario record.

All scenes use one 640x360 street (a 2+2-lane horizontal road, y grows towards the camera):
ground y of the lanes and sidewalks are constants below. A scenario is a scene script (dict,
validated by the simulator) plus the rules and simulated-detector settings it is judged with,
and its ground-truth incidents (`incidents` in the script; tamper items add their own).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from detectors.objects.configs import SimulatedConfig
from detectors.rules import RulesConfig

EAST_KERB, EAST_INNER, WEST_INNER, WEST_KERB = 290.0, 262.0, 218.0, 190.0
SOUTH_WALK, NORTH_WALK = 316.0, 172.0
CROSSING_X = 430.0
EPOCH_NIGHT = 1_700_064_000.0  # 2023-11-15 16:00 UTC = 23:00 in Asia/Ho_Chi_Minh (UTC+7)
EPOCH_DAY = EPOCH_NIGHT - 9 * 3600  # 14:00 local
SIDE_W = {"car": 62, "truck": 92, "bus": 118, "motorbike": 30, "bicycle": 30, "person": 12}


def scale_at(y: float, depth: float = 0.35, height: float = 360) -> float:
    """Box scale at ground y (the simulator's depth model)."""
    return 1.0 - depth * (1.0 - min(max(y / height, 0.0), 1.0))


def width(cls: str, y: float) -> float:
    """Side-view box width px of a class at ground y."""
    return SIDE_W[cls] * scale_at(y)


@dataclass
class Scenario:
    """One scripted scene with what it is judged against.

    Attributes:
        name: unique; group: "positive" / "negative" / rule name; rule: the rule family judged.
        script: scene dict for `camera_drivers.simulator.load_scene`.
        rules: rules run on it; detector: simulated detector degradation.
        render: needs pixels (tamper); epoch: wall time of scene time 0.
        line_truth: for line crossing, the ground-truth line (start, end) to count crossings on.
    """

    name: str
    group: str
    rule: str
    script: dict
    rules: RulesConfig
    detector: SimulatedConfig
    render: bool = False
    epoch: float = EPOCH_DAY
    line_truth: tuple | None = None
    extra_truth: list[dict] = field(default_factory=list)  # incidents the script format cannot name (wrong_way)
    tags: list[str] = field(default_factory=list)


def base_scene(name: str, seed: int, *, night: bool = False, duration: float = 30.0, traffic: float = 12.0,
               quiet: list | None = None, closed: list | None = None) -> dict:
    """The street, with seeded background traffic."""
    return {
        "name": name, "width": 640, "height": 360, "fps": 15, "gop": 30, "seed": seed, "duration_s": duration,
        "lighting": {"time_of_day": "night" if night else "day"},
        "layout": {"roads": [{"id": "main", "axis": "horizontal", "center": 240, "lanes_per_direction": 2,
                              "lane_width": 28}],
                   "sidewalk_width": 30, "crossings": [{"road": "main", "at": CROSSING_X, "width": 40}],
                   "trees": 4, "lamps": 3},
        "traffic": {"rate_per_min": traffic, "quiet": quiet or [], "closed_lanes": closed or []},
        "actors": [], "incidents": [],
    }


def detector_for(seed: int, night: bool) -> SimulatedConfig:
    """Day: light degradation; night: more misses, more jitter, more false boxes."""
    if night:
        return SimulatedConfig(seed=seed, miss_rate=0.12, jitter=0.05, confuse_vehicle=0.1, confuse_two_wheel=0.15,
                               false_positives=0.06, score_mean=0.7)
    return SimulatedConfig(seed=seed)
