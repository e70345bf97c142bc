"""Intrusion (with schedules), loitering, line crossing and wrong-way on synthetic tracks."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from detectors.rules import (DEFAULT_TIMEZONE, IntrusionConfig, LineCrossingConfig, LoiteringConfig, RulesConfig, WrongWayConfig)
from detectors.rules.zone_rules import in_schedule
from detectors.types import ClassId
from tests.detectors.rules.conftest import EPOCH, run_tracks, summary

YARD = [[300, 100], [400, 100], [400, 160], [300, 160]]
TZ = ZoneInfo(DEFAULT_TIMEZONE)
# EPOCH = 2023-11-14 22:13:20 UTC = 2023-11-15 05:13:20 in Hanoi.
NIGHT = EPOCH - 7 * 3600  # 22:13 local


@pytest.mark.parametrize(("ts", "schedule", "expected"), [
    (NIGHT, "22:00-05:00", True), (EPOCH, "22:00-05:00", False), (EPOCH, "05:00-06:00", True),
    (EPOCH, None, True), (NIGHT, "08:00-17:00", False), (NIGHT + 3 * 3600, "22:00-05:00", True),
])
def test_schedule(ts: float, schedule: str | None, expected: bool) -> None:
    assert in_schedule(ts, schedule, TZ) is expected


def walker(stay: float) -> list:
    """A person walks up into the yard at t=3, stays `stay` s, walks out (feet = box bottom)."""
    return [(0, 340, 170, 352, 200), (3, 340, 110, 352, 140), (3 + stay, 345, 110, 357, 140),
            (5 + stay, 345, 170, 357, 200), (9 + stay, 600, 170, 612, 200)]


@pytest.mark.parametrize(("cls", "epoch", "expected"), [
    (ClassId.PERSON, NIGHT, [("start", "intrusion"), ("end", "intrusion")]),
    (ClassId.PERSON, EPOCH, []),     # outside the schedule
    (ClassId.CAR, NIGHT, []),        # class not watched
])
def test_intrusion(cls: ClassId, epoch: float, expected: list) -> None:
    rules = RulesConfig(rules=[IntrusionConfig(name="yard", polygon=YARD, schedule="22:00-05:00")])
    events = run_tracks(rules, {1: (cls, walker(4))}, duration=16, epoch=epoch)
    assert summary(events) == expected


def test_intrusion_second_person_is_an_update() -> None:
    rules = RulesConfig(rules=[IntrusionConfig(name="yard", polygon=YARD)])
    late = [(k[0] + 2, *k[1:]) for k in walker(4)]
    events = run_tracks(rules, {1: (ClassId.PERSON, walker(4)), 2: (ClassId.PERSON, late)}, duration=18)
    assert summary(events) == [("start", "intrusion"), ("update", "intrusion"), ("end", "intrusion")]
    assert events[1].objects == [(1, "intruder"), (2, "intruder")]
    assert events[0].zone == "yard"


@pytest.mark.parametrize(("stay", "expected"), [
    (40, [("start", "loitering"), ("end", "loitering")]),
    (20, []),
])
def test_loitering(stay: float, expected: list) -> None:
    rules = RulesConfig(rules=[LoiteringConfig(name="gate", polygon=YARD, min_inside_s=30)])
    events = run_tracks(rules, {1: (ClassId.PERSON, walker(stay))}, duration=stay + 12)
    assert summary(events) == expected
    if expected:
        assert events[0].evidence["dwell_s"] == 30.0
        assert abs(events[0].start_ts - (EPOCH + 2.0)) < 0.1  # feet crossed y=160 on the way up


def test_line_crossing_counts_and_direction() -> None:
    rules = RulesConfig(rules=[LineCrossingConfig(name="gate", line=((320, 0), (320, 360)), direction="both")])
    east = [(0, 100, 200, 112, 230), (4, 500, 200, 512, 230)]
    west = [(0, 500, 250, 512, 280), (4, 100, 250, 112, 280)]
    events = run_tracks(rules, {1: (ClassId.PERSON, east), 2: (ClassId.CAR, west), 3: (ClassId.PERSON, east)},
                        duration=5)
    dirs = [e.evidence["direction"] for e in events]
    assert sorted(dirs) == ["in", "out", "out"]
    assert events[-1].evidence["count_in"] + events[-1].evidence["count_out"] == 3


def test_line_crossing_direction_filter() -> None:
    rules = RulesConfig(rules=[LineCrossingConfig(name="gate", line=((320, 0), (320, 360)), direction="in")])
    east = [(0, 100, 200, 112, 230), (4, 500, 200, 512, 230)]
    west = [(0, 500, 250, 512, 280), (4, 100, 250, 112, 280)]
    events = run_tracks(rules, {1: (ClassId.PERSON, east), 2: (ClassId.PERSON, west)}, duration=5)
    assert [e.evidence["direction"] for e in events] == ["in"]


@pytest.mark.parametrize(("start_x", "end_x", "expected"), [
    (600, 50, [("start", "wrong_way")]),  # westbound in an eastbound lane
    (50, 600, []),
])
def test_wrong_way(start_x: float, end_x: float, expected: list) -> None:
    rules = RulesConfig(rules=[WrongWayConfig(name="lane", polygon=[[0, 270], [640, 270], [640, 300], [0, 300]],
                                              direction=(1, 0))])
    moto = [(0, start_x, 260, start_x + 30, 290), (6, end_x, 260, end_x + 30, 290)]
    assert summary(run_tracks(rules, {1: (ClassId.MOTORBIKE, moto)}, duration=6)) == expected
