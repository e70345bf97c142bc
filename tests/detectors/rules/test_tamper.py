"""Tamper detection on synthetic textured frames."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from detectors.frame import Frame
from detectors.rules import RulesConfig, TamperConfig
from detectors.rules.engine import RuleEngine

EPOCH = 1_700_000_000.0


def scene(rng: np.random.Generator) -> np.ndarray:
    """A 360x640 luma frame with blocks and edges (a street-like texture)."""
    img = np.full((360, 640), 120, np.uint8)
    for _ in range(60):
        x, y = rng.integers(0, 600), rng.integers(0, 330)
        cv2.rectangle(img, (int(x), int(y)), (int(x) + int(rng.integers(10, 60)), int(y) + int(rng.integers(10, 40))),
                      int(rng.integers(20, 240)), -1)
    return img


def tampered(kind: str, img: np.ndarray) -> np.ndarray:
    if kind == "blackout":
        return np.zeros_like(img)
    if kind == "cover":
        return np.full_like(img, 70)
    if kind == "defocus":
        return cv2.GaussianBlur(img, (0, 0), 6)
    if kind == "moved":
        return np.roll(img, (30, 60), axis=(0, 1))
    if kind == "brighter":  # lighting change: same structure, brighter
        return cv2.convertScaleAbs(img, alpha=1.0, beta=90)
    if kind == "none":
        return img
    raise ValueError(kind)


@pytest.mark.parametrize(("kind", "expected"), [
    ("blackout", ["blackout"]), ("cover", ["cover"]), ("defocus", ["defocus"]), ("moved", ["moved"]),
    ("brighter", []), ("none", []),
])
def test_tamper_kinds(kind: str, expected: list[str]) -> None:
    base = scene(np.random.default_rng(3))
    noise = np.random.default_rng(4)
    engine = RuleEngine(RulesConfig(rules=[TamperConfig(name="t")]))
    events = []
    for k in range(15 * 20):  # 20 s: 10 s normal, 5 s tampered, 5 s normal
        t = k / 15
        img = tampered(kind, base) if 10 <= t < 15 else base
        y = np.clip(img.astype(np.int16) + noise.integers(-2, 3, img.shape), 0, 255).astype(np.uint8)
        events += engine.update(Frame("cam", EPOCH + t, y), _no_tracks())
    starts = [e for e in events if e.phase == "start"]
    assert [e.evidence["kind"] for e in starts] == expected
    if expected:
        assert 10 <= starts[0].start_ts - EPOCH <= 10.5
        assert 11.5 <= starts[0].ts - EPOCH <= 12.5  # held for min_duration_s (1.5 s)
        ends = [e for e in events if e.phase == "end"]
        assert len(ends) == 1 and 15 <= ends[0].end_ts - EPOCH <= 16


def _no_tracks():
    from detectors.types import Detections
    return Detections.empty()


def test_repointed_camera_is_moved_but_a_big_vehicle_is_not() -> None:
    from detectors.rules.tamper import changed_share, shrink

    rng = np.random.default_rng(5)
    base, other = scene(rng), scene(rng)
    truck = base.copy()
    cv2.rectangle(truck, (0, 100), (300, 300), 30, -1)  # a dark truck fills a third of the view
    ref = shrink(base)
    assert changed_share(shrink(other), ref) >= 0.75
    assert changed_share(shrink(truck), ref) < 0.75
    assert changed_share(ref, ref) == 0.0
