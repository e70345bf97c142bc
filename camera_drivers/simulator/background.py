"""The static street behind the actors, painted once per scene with OpenCV primitives.

`paint_backdrops` returns one image per lighting mode the scene needs ("day", "dusk", "night",
"ir"); the renderer copies one per frame, so the per-frame cost of the background is a memcpy.
Layout randomness (building colours, tree and window placement, asphalt texture) comes from the
scene seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from camera_drivers.simulator.layout import road_span
from camera_drivers.simulator.script import Road, SceneScript

_ASPHALT = (88, 86, 84)
_SIDEWALK = (170, 172, 176)
_GROUND = (120, 150, 150)
_FACADES = ((150, 215, 235), (190, 190, 240), (220, 200, 160), (170, 215, 180), (200, 220, 225), (150, 180, 220))


@dataclass(frozen=True, slots=True)
class Fixtures:
    """Things the night painter lights up: lamp heads (x, y) and windows (x0, y0, x1, y1)."""

    lamps: tuple[tuple[int, int], ...]
    windows: tuple[tuple[int, int, int, int], ...]


def paint_backdrops(script: SceneScript, modes: set[str]) -> dict[str, np.ndarray]:
    """Background images, (H, W, 3) uint8 BGR, one per requested lighting mode."""
    rng = np.random.default_rng([script.seed, 0xBAC6])
    day, fixtures = _paint_day(script, rng)
    out: dict[str, np.ndarray] = {}
    for mode in modes:
        if mode == "day":
            out[mode] = day
        elif mode == "ir":
            grey = cv2.cvtColor(day, cv2.COLOR_BGR2GRAY).astype(np.float32) * 0.85 * _vignette(script, 0.55)[:, :, 0]
            out[mode] = cv2.cvtColor(grey.clip(0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)
        else:
            out[mode] = _paint_dark(script, day, fixtures, rng, night=(mode == "night"))
    return out


def _paint_day(script: SceneScript, rng: np.random.Generator) -> tuple[np.ndarray, Fixtures]:
    w, h = script.width, script.height
    img = np.empty((h, w, 3), dtype=np.uint8)
    img[:] = _GROUND
    windows = _buildings(img, script, rng)
    roads = script.layout.roads
    for road in roads:
        _sidewalks(img, script, road)
    for road in roads:
        _carriageway(img, road, w, h)
    for a in roads:  # junction boxes: plain asphalt, no lane markings
        for b in roads:
            if a.axis == "horizontal" and b.axis == "vertical":
                ay0, ay1 = road_span(a)
                bx0, bx1 = road_span(b)
                cv2.rectangle(img, (int(bx0), int(ay0)), (int(bx1), int(ay1)), _ASPHALT, -1)
    for crossing in script.layout.crossings:
        road = next(r for r in roads if r.id == crossing.road)
        _zebra(img, road, crossing.at, crossing.width)
    # Low-frequency texture: looks like worn asphalt and still compresses well.
    texture = cv2.GaussianBlur(rng.normal(0, 9, size=(h, w)).astype(np.float32), (0, 0), 1.5)
    texture = texture.round().astype(np.int16)[:, :, None]
    img = (img.astype(np.int16) + texture).clip(0, 255).astype(np.uint8)
    _trees(img, script, rng)
    lamps = _lamps(img, script)
    return img, Fixtures(lamps, tuple(windows))


def _buildings(img: np.ndarray, script: SceneScript, rng: np.random.Generator) -> list[tuple[int, int, int, int]]:
    """Row of shop-houses above the topmost horizontal road's far sidewalk; returns window rects."""
    horizontal = [r for r in script.layout.roads if r.axis == "horizontal"]
    if not script.layout.buildings or not horizontal:
        return []
    base = int(min(road_span(r)[0] for r in horizontal) - script.layout.sidewalk_width)
    if base < 30:
        return []
    windows = []
    x = -int(rng.integers(0, 40))
    while x < script.width:
        bw = int(rng.integers(50, 110))
        top = int(rng.integers(0, max(base // 3, 1)))
        color = _FACADES[int(rng.integers(len(_FACADES)))]
        cv2.rectangle(img, (x, top), (x + bw - 2, base), color, -1)
        cv2.rectangle(img, (x, top), (x + bw - 2, base), (90, 100, 110), 1)
        sign = _FACADES[int(rng.integers(len(_FACADES)))][::-1]
        cv2.rectangle(img, (x + 4, base - 34), (x + bw - 6, base - 26), sign, -1)  # shop sign
        cv2.rectangle(img, (x + 8, base - 24), (x + bw - 10, base), (60, 60, 70), -1)  # open shop front
        for wy in range(top + 8, base - 46, 22):
            for wx in range(x + 8, x + bw - 18, 20):
                cv2.rectangle(img, (wx, wy), (wx + 10, wy + 12), (110, 90, 70), -1)
                windows.append((wx, wy, wx + 10, wy + 12))
        x += bw
    return windows


def _sidewalks(img: np.ndarray, script: SceneScript, road: Road) -> None:
    low, high = road_span(road)
    sw = script.layout.sidewalk_width
    for a, b in ((low - sw, low), (high, high + sw)):
        p0, p1 = ((0, int(a)), (img.shape[1], int(b))) if road.axis == "horizontal" else ((int(a), 0), (int(b), img.shape[0]))
        cv2.rectangle(img, p0, p1, _SIDEWALK, -1)
        step = 18
        if road.axis == "horizontal":
            for x in range(0, img.shape[1], step):
                cv2.line(img, (x, int(a)), (x, int(b)), (150, 152, 156), 1)
        else:
            for y in range(0, img.shape[0], step):
                cv2.line(img, (int(a), y), (int(b), y), (150, 152, 156), 1)


def _carriageway(img: np.ndarray, road: Road, w: int, h: int) -> None:
    low, high = road_span(road)
    horizontal = road.axis == "horizontal"
    p0, p1 = ((0, int(low)), (w, int(high))) if horizontal else ((int(low), 0), (int(high), h))
    cv2.rectangle(img, p0, p1, _ASPHALT, -1)
    length = w if horizontal else h
    kerb = (200, 200, 200)
    for edge in (low, high):
        a, b = ((0, int(edge)), (w, int(edge))) if horizontal else ((int(edge), 0), (int(edge), h))
        cv2.line(img, a, b, kerb, 2)
    c = int(road.center)
    yellow = (40, 200, 230)
    for d in (-2, 2):  # double yellow centre line
        a, b = ((0, c + d), (w, c + d)) if horizontal else ((c + d, 0), (c + d, h))
        cv2.line(img, a, b, yellow, 1)
    for k in range(1, road.lanes_per_direction):
        for side in (-1, 1):
            pos = int(road.center + side * k * road.lane_width)
            for s in range(0, length, 32):
                a, b = ((s, pos), (s + 16, pos)) if horizontal else ((pos, s), (pos, s + 16))
                cv2.line(img, a, b, (220, 220, 220), 1)


def _zebra(img: np.ndarray, road: Road, at: float, width: float) -> None:
    low, high = road_span(road)
    half = width / 2
    pos = low + 3
    while pos < high - 3:
        if road.axis == "horizontal":
            cv2.rectangle(img, (int(at - half), int(pos)), (int(at + half), int(pos + 4)), (230, 230, 230), -1)
        else:
            cv2.rectangle(img, (int(pos), int(at - half)), (int(pos + 4), int(at + half)), (230, 230, 230), -1)
        pos += 9


def _blocked_x(script: SceneScript, x: float, margin: float) -> bool:
    """True if x is on (or within margin of) a vertical road or a crossing: no tree or lamp there."""
    for road in script.layout.roads:
        low, high = road_span(road)
        if road.axis == "vertical" and low - script.layout.sidewalk_width - margin < x < high + margin:
            return True
    return any(abs(c.at - x) < c.width / 2 + margin for c in script.layout.crossings
               if next(r for r in script.layout.roads if r.id == c.road).axis == "horizontal")


def _trees(img: np.ndarray, script: SceneScript, rng: np.random.Generator) -> None:
    horizontal = [r for r in script.layout.roads if r.axis == "horizontal"]
    if not horizontal or not script.layout.trees:
        return
    y = int(road_span(horizontal[0])[0] - script.layout.sidewalk_width * 0.5)
    spots = [x for x in rng.uniform(10, script.width - 10, size=3 * script.layout.trees) if not _blocked_x(script, x, 20)]
    for x in sorted(spots[:script.layout.trees]):
        r = int(rng.integers(13, 20))
        cv2.rectangle(img, (int(x) - 2, y - r), (int(x) + 2, y + 4), (40, 60, 80), -1)
        cv2.circle(img, (int(x), y - r - 6), r, (40, 110, 50), -1)
        cv2.circle(img, (int(x) - r // 2, y - r - 10), r // 2, (60, 140, 70), -1)


def _lamps(img: np.ndarray, script: SceneScript) -> tuple[tuple[int, int], ...]:
    horizontal = [r for r in script.layout.roads if r.axis == "horizontal"]
    n = script.layout.lamps
    if not horizontal or not n:
        return ()
    low = road_span(horizontal[0])[0]
    foot = int(low - 4)
    heads = []
    for k in range(n):
        x = int((k + 0.5) * script.width / n)
        if _blocked_x(script, x, 6):
            x += int(script.width / n / 2)  # step aside off the cross road / crossing
        cv2.line(img, (x, foot), (x, foot - 70), (70, 70, 70), 2)
        cv2.line(img, (x, foot - 70), (x + 14, foot - 66), (70, 70, 70), 2)
        cv2.circle(img, (x + 14, foot - 64), 3, (200, 230, 240), -1)
        heads.append((x + 14, foot - 64))
    return tuple(heads)


def _vignette(script: SceneScript, floor: float) -> np.ndarray:
    """(H, W, 1) float32 gain falling from 1 at the centre to `floor` in the corners (IR lamp falloff)."""
    ys, xs = np.mgrid[0:script.height, 0:script.width].astype(np.float32)
    d = np.hypot((xs - script.width / 2) / (script.width / 2), (ys - script.height * 0.6) / script.height)
    return (1.0 - (1.0 - floor) * np.clip(d, 0, 1) ** 1.5)[:, :, None]


def _paint_dark(script: SceneScript, day: np.ndarray, fx: Fixtures, rng: np.random.Generator,
                night: bool) -> np.ndarray:
    """Night or dusk: darkened, tinted day image plus lit windows and pools of lamp light."""
    gain, tint = (0.22, (1.15, 0.9, 0.8)) if night else (0.55, (0.8, 0.9, 1.15))
    img = day.astype(np.float32) * gain * np.asarray(tint, dtype=np.float32)
    for x0, y0, x1, y1 in fx.windows:
        if rng.random() < (0.4 if night else 0.2):
            img[y0:y1, x0:x1] = (90, 190, 235)
    ys, xs = np.mgrid[0:script.height, 0:script.width].astype(np.float32)
    light = np.zeros((script.height, script.width), dtype=np.float32)
    for lx, ly in fx.lamps:
        pool_y = ly + 90  # light pool on the road below the lamp head
        light += 140 * np.exp(-(((xs - lx) / 55) ** 2 + ((ys - pool_y) / 40) ** 2))
        light += 220 * np.exp(-(((xs - lx) / 5) ** 2 + ((ys - ly) / 5) ** 2))
    glow = (light * (1.0 if night else 0.5))[:, :, None] * np.asarray([0.55, 0.8, 1.0], dtype=np.float32)
    img = img + glow * (day.astype(np.float32) / 255.0 + 0.25)
    return img.clip(0, 255).astype(np.uint8)
