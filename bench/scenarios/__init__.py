"""Scenario suite for the event-rule evaluation: scripted scenes with ground-truth incidents.

`suite()` returns every scenario; `python -m bench.scenarios --out DIR` writes their scene
scripts as YAML (view one with `VMS_SCENE_DIR=DIR python -m camera_drivers.simulator preview NAME`).
"""

from __future__ import annotations

from bench.scenarios.common import Scenario
from bench.scenarios.hit_and_run import positives
from bench.scenarios.negatives import negatives
from bench.scenarios.others import intrusion, line_crossing, loitering, tamper, wrong_way


def suite() -> list[Scenario]:
    """All scenarios, hit-and-run first."""
    return positives() + negatives() + intrusion() + loitering() + line_crossing() + wrong_way() + tamper()


__all__ = ["Scenario", "suite"]
