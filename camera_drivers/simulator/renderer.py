"""SceneRenderer: frames and ground truth as pure functions of (script, scene time).

Per frame: copy the pre-painted background for the lighting mode, draw the actors far to near,
apply the IR switch, tamper effects and sensor noise. Noise comes from a small bank of
pre-generated patterns picked by frame index, so it is deterministic and cheap (no per-frame
random generation).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from camera_drivers.simulator.background import paint_backdrops
from camera_drivers.simulator.script import SceneScript
from camera_drivers.simulator.sprites import draw_actor
from camera_drivers.simulator.truth import CompiledScene, GroundTruth, active_tamper, objects_from_states

_NOISE_BANK = 12
# Night cameras run 3D noise reduction; sigma 2 looks noisy yet keeps H.264 at ~0.6 Mbit/s (sigma 5: ~4).
_DEFAULT_NOISE = {"day": 0.0, "dusk": 1.0, "night": 2.0}
IR_FLASH_S = 0.4  # after the IR-cut filter clicks, exposure settles over this long


class SceneRenderer:
    """Renders a scene script. `frame_at(t)` and `objects_at(t)` depend only on the script and t."""

    def __init__(self, script: SceneScript):
        self.script = script
        self.scene = CompiledScene(script)
        light = script.lighting
        modes = {light.time_of_day} | ({"ir"} if light.ir_switch_s is not None else set())
        self._backdrops = paint_backdrops(script, modes)
        sigma = light.noise_sigma if light.noise_sigma is not None else _DEFAULT_NOISE[light.time_of_day]
        self._noise = _noise_bank(script, sigma)

    @property
    def frame_shape(self) -> tuple[int, int, int]:
        return self.script.height, self.script.width, 3

    def mode_at(self, t: float) -> str:
        """Lighting mode at t: the script's time of day, or "ir" after the IR switch."""
        ir = self.script.lighting.ir_switch_s
        return "ir" if ir is not None and t >= ir else self.script.lighting.time_of_day

    def frame_at(self, t: float) -> np.ndarray:
        """The frame at scene time t: (H, W, 3) uint8 BGR."""
        mode = self.mode_at(t)
        img = self._backdrops[mode].copy()
        dark = mode in ("night", "dusk")
        for s in self.scene.states_at(t):
            draw_actor(img, s, self.scene.box(s), dark)
        if mode == "ir":
            img = self._ir(img, t)
        img = self._tamper(img, t)
        if self._noise:
            pos, neg = self._noise[round(t * self.script.fps) % len(self._noise)]
            cv2.add(img, pos, dst=img)
            cv2.subtract(img, neg, dst=img)
        return img

    def objects_at(self, t: float) -> GroundTruth:
        """Every visible object at scene time t (see `GroundTruth`)."""
        return objects_from_states(self.scene, self.scene.states_at(t), t)

    def _ir(self, img: np.ndarray, t: float) -> np.ndarray:
        grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        since = t - float(self.script.lighting.ir_switch_s or 0.0)
        if since < IR_FLASH_S:  # over-exposed right after the switch, settling back
            gain = 1.0 + 1.5 * (1.0 - since / IR_FLASH_S)
            grey = cv2.convertScaleAbs(grey, alpha=gain)
        return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)

    def _tamper(self, img: np.ndarray, t: float) -> np.ndarray:
        h, w = img.shape[:2]
        for e in active_tamper(self.script, t):
            if e.type == "moved":
                m = np.float32([[1, 0, e.shift_px[0]], [0, 1, e.shift_px[1]]])
                img = cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
            elif e.type == "defocus":
                k = 2 * int(1 + e.strength * 7) + 1
                img = cv2.GaussianBlur(img, (k, k), 0)
            elif e.type == "cover":
                # A hand or cloth on the lens: nearly uniform, dark, slightly lit at one edge.
                cover = np.empty_like(img)
                cover[:] = np.linspace(20, 45, w, dtype=np.float32).astype(np.uint8)[None, :, None]
                img = cv2.addWeighted(img, 1.0 - e.strength, cover, e.strength, 0)
            else:  # blackout
                img = np.zeros_like(img)
        return img


def _noise_bank(script: SceneScript, sigma: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pre-generated (positive, negative) uint8 noise parts; empty when sigma is 0."""
    if sigma <= 0:
        return []
    rng = np.random.default_rng([script.seed, 0x501CE])
    bank = []
    for _ in range(_NOISE_BANK):
        n = rng.normal(0.0, sigma, size=(script.height, script.width, 1)).round()
        n = np.repeat(n, 3, axis=2) + rng.normal(0.0, sigma * 0.3, size=(script.height, script.width, 3)).round()
        bank.append((n.clip(0, 255).astype(np.uint8), (-n).clip(0, 255).astype(np.uint8)))
    return bank


def frame_index(script: SceneScript, t: float) -> int:
    """Frame number of scene time t (nearest frame)."""
    return math.floor(t * script.fps + 0.5)
