"""Scripted scenes through the real pipeline (simulated detector -> tracker -> rules)."""

from __future__ import annotations

from detectors.objects.configs import SimulatedConfig
from detectors.pipeline import PipelineConfig
from detectors.rules import default_rules
from vms.analysis.scene import run_scene

EPOCH = 1_700_000_000.0


def test_hit_and_run_demo_scene_raises_one_hit_and_run() -> None:
    run = run_scene("hit_and_run_demo", PipelineConfig(detector=SimulatedConfig(seed=1)), default_rules(),
                    t1=60.0, epoch=EPOCH)
    starts = run.starts()
    assert [e.type for e in starts] == ["hit_and_run"]
    hr = starts[0]
    assert 31.8 <= hr.start_ts - EPOCH <= 32.5  # scripted contact at 32 s
    assert hr.ts - EPOCH <= 37.0 + 2.0  # within 2 s of the car leaving the view (~36.6 s)
    assert hr.evidence["victim_outcome"] == "fell"
    assert run.frames == 900


def test_street_day_defocus_is_tamper_and_nothing_else() -> None:
    run = run_scene("street_day", PipelineConfig(detector=SimulatedConfig(seed=2)), default_rules(), render=True,
                    t0=80.0, t1=110.0, epoch=EPOCH)
    starts = run.starts()
    assert [(e.type, e.evidence.get("kind")) for e in starts] == [("tamper", "defocus")]
    assert 100.0 <= starts[0].start_ts - EPOCH <= 100.5
