"""Run a simulated scene straight into the analysis (no encode, no decode).

For the rule evaluation and tests: the scene's per-frame ground truth goes in as `Frame.truth`
(for the simulated detector), and pixels are rendered only when asked (`render=True`: tamper
rules and motion need them; the simulated detector does not). The live path (worker) instead
decodes the simulated camera's H.264 and `camera_drivers.frames` attaches the same ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from camera_drivers.simulator import SceneRenderer, SceneScript, load_scene
from camera_drivers.simulator.truth import CompiledScene, objects_from_states
from detectors.analysis import CameraAnalysis
from detectors.frame import Frame, RateGate
from detectors.pipeline import PipelineConfig
from detectors.rules import RuleEvent, RulesConfig


@dataclass
class SceneRun:
    """What a scene run produced: every lifecycle step, in order, and counters."""

    events: list[RuleEvent] = field(default_factory=list)
    frames: int = 0
    model_runs: int = 0

    def starts(self, kind: str | None = None) -> list[RuleEvent]:
        return [e for e in self.events if e.phase == "start" and (kind is None or e.type == kind)]


def run_scene(script: SceneScript | str | dict, pipeline: PipelineConfig, rules: RulesConfig, *,
              render: bool = False, t0: float = 0.0, t1: float | None = None, detect_fps: float | None = None,
              epoch: float = 1_700_000_000.0, camera_id: str = "sim",
              size: tuple[int, int] | None = None) -> SceneRun:
    """Process scene time [t0, t1) frame by frame (thinned to `detect_fps`); frame time = epoch + scene time.

    Args:
        render: draw real pixels (needed for tamper/motion); otherwise a flat grey frame.
        size: analyse frames of this (width, height), as a camera's smaller sub stream would be
            analysed; rules and truth stay in scene (main-stream) pixels. None: the scene's size.
    """
    script = load_scene(script) if not isinstance(script, SceneScript) else script
    scene = CompiledScene(script)
    renderer = SceneRenderer(script) if render else None
    width, height = size or (script.width, script.height)
    main_wh = (script.width, script.height)
    flat = np.full((height, width), 110, np.uint8)
    analysis = CameraAnalysis(pipeline, rules)
    gate = RateGate(detect_fps)
    run = SceneRun()
    end = script.duration_s if t1 is None else t1
    k0, k1 = int(np.ceil(t0 * script.fps - 1e-9)), int(np.ceil(end * script.fps - 1e-9))
    ts = epoch
    for k in range(k0, k1):
        t = k / script.fps
        if not gate.keep(epoch + t):
            continue
        ts = epoch + t
        truth = objects_from_states(scene, scene.states_at(t), t)
        if renderer is not None:
            bgr = renderer.frame_at(t)
            if (width, height) != main_wh:
                bgr = cv2.resize(bgr, (width, height), interpolation=cv2.INTER_AREA)
            frame = Frame(camera_id, ts, np.ascontiguousarray(bgr[:, :, 1]), truth=truth, _bgr=bgr, main_wh=main_wh)
        else:
            frame = Frame(camera_id, ts, flat, truth=truth, main_wh=main_wh)
        run.events += analysis.step(frame).events
        run.frames += 1
    run.events += analysis.close(ts)
    run.model_runs = analysis.model_runs
    return run
