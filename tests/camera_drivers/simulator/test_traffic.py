"""Background traffic: seeded, motorbike-heavy, orderly lanes, closures respected."""

from __future__ import annotations

from collections import Counter

import pytest

from camera_drivers.simulator import load_scene
from camera_drivers.simulator.traffic import generate_traffic


def _busy(**traffic) -> list:
    return generate_traffic(load_scene({"seed": 9, "duration_s": 600, "traffic": {"rate_per_min": 60, **traffic}}))


def test_same_seed_same_traffic() -> None:
    assert _busy() == _busy()
    other = generate_traffic(load_scene({"seed": 10, "duration_s": 600, "traffic": {"rate_per_min": 60}}))
    assert other != _busy()


def test_motorbikes_dominate() -> None:
    counts = Counter(a.class_name for a in _busy())
    assert counts.most_common(1)[0][0] == "motorbike"
    assert counts["motorbike"] / sum(counts.values()) > 0.5


def test_no_overtaking_within_a_lane() -> None:
    lanes: dict[tuple, list] = {}
    for a in _busy():
        if a.lane is not None:
            key = (a.lane.road, a.lane.direction, a.lane.index, a.class_name in ("motorbike", "bicycle"))
            lanes.setdefault(key, []).append(a)
    for actors in lanes.values():
        exits = [a.start_s + 780 / a.speed_px_s for a in actors]  # lane length: 640 + 2 * 70 px
        assert exits == sorted(exits)


@pytest.mark.parametrize("window", [(100.0, 200.0), (0.0, 30.0)])
def test_quiet_windows_and_closed_lanes(window: tuple[float, float]) -> None:
    actors = _busy(quiet=[list(window)],
                   closed_lanes=[{"direction": "east", "index": 0, "start_s": 0, "end_s": 600}])
    assert not [a for a in actors if window[0] <= a.start_s < window[1]]
    assert not [a for a in actors if a.lane and a.lane.direction == "east" and a.lane.index == 0]
    assert [a for a in actors if a.lane and a.lane.direction == "east" and a.lane.index == 1]
