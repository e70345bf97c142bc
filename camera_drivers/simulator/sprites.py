"""Simple but plausible oblique-view shapes for road users, drawn inside their ground-truth box.

Every body part stays inside the box given by `truth.CompiledScene.box`, so the pixels and the
ground truth agree (only night headlight beams, which are light and not objects, reach out). Shapes: vehicles as rounded bodies with cabin windows and wheels (side
pose when moving along x, front/back pose when moving along y); two-wheelers as wheels, frame
and a rider with a helmet; people as head + body + swinging legs; fallen actors lie flat.
At night bodies are dark and vehicles carry headlight beams and tail lights.
"""

from __future__ import annotations

import cv2
import numpy as np

from camera_drivers.simulator.kinematics import ActorState

Box = tuple[float, float, float, float]
_TYRE = (25, 25, 25)
_GLASS = (120, 100, 80)
_SKIN = (120, 160, 210)
_HEADLIGHT = (200, 240, 255)
_TAIL = (30, 30, 230)


def draw_actor(img: np.ndarray, s: ActorState, box: Box, dark: bool) -> None:
    """Draw actor state `s` into `img` (H, W, 3) uint8 BGR, in place, inside `box` (x0, y0, x1, y1)."""
    cls = s.track.class_name
    if dark and (cls in ("car", "truck", "bus") or (cls == "motorbike" and s.fall < 0.5)):
        _beam(img, s, box, narrow=cls == "motorbike")
    # Draw into a view cut to the box's pixels (pixel i covers [i, i+1)): nothing can leak out.
    h, w = img.shape[:2]
    ox, oy = max(int(np.floor(box[0])), 0), max(int(np.floor(box[1])), 0)
    ex, ey = min(int(np.ceil(box[2])), w), min(int(np.ceil(box[3])), h)
    if ex <= ox or ey <= oy:
        return
    img = img[oy:ey, ox:ex]
    box = (box[0] - ox, box[1] - oy, box[2] - ox, box[3] - oy)
    k = 0.3 if dark else 1.0
    body = _dim(s.track.color, k)
    accent = _dim(s.track.accent, k)
    if cls in ("car", "truck", "bus"):
        if s.heading < 2:
            _vehicle_side(img, cls, box, body, accent, s.heading == 1, dark, k)
        else:
            _vehicle_front(img, box, body, s.heading == 2, dark, k)
    elif cls == "person":
        if s.fall >= 0.5:
            _lying_person(img, box, body, k)
        else:
            _person(img, box, body, s.distance, k)
    elif s.fall >= 0.5:
        _lying_two_wheeler(img, box, body, accent, k)
    else:
        _two_wheeler(img, cls, s.heading, box, body, accent, k)


def _dim(color: tuple[int, int, int], k: float) -> tuple[int, int, int]:
    return (int(color[0] * k), int(color[1] * k), int(color[2] * k))


def _p(x: float, y: float) -> tuple[int, int]:
    return round(x), round(y)


def _rounded(img: np.ndarray, x0: float, y0: float, x1: float, y1: float, r: float, color) -> None:
    r = max(1, int(min(r, (x1 - x0) / 2, (y1 - y0) / 2)))
    cv2.rectangle(img, _p(x0 + r, y0), _p(x1 - r, y1), color, -1)
    cv2.rectangle(img, _p(x0, y0 + r), _p(x1, y1 - r), color, -1)
    for cx, cy in ((x0 + r, y0 + r), (x1 - r, y0 + r), (x0 + r, y1 - r), (x1 - r, y1 - r)):
        cv2.circle(img, _p(cx, cy), r, color, -1)


def _vehicle_side(img, cls: str, box: Box, body, accent, west: bool, dark: bool, k: float) -> None:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    wheel_r = h * (0.17 if cls == "car" else 0.14)
    glass = _dim(_GLASS, k)
    if cls == "car":
        cab0, cab1 = (x0 + 0.22 * w, x1 - 0.3 * w) if not west else (x0 + 0.3 * w, x1 - 0.22 * w)
        _rounded(img, cab0, y0, cab1, y0 + 0.55 * h, 0.2 * h, body)
        mid = (cab0 + cab1) / 2
        cv2.rectangle(img, _p(cab0 + 3, y0 + 0.12 * h), _p(mid - 1, y0 + 0.45 * h), glass, -1)
        cv2.rectangle(img, _p(mid + 1, y0 + 0.12 * h), _p(cab1 - 3, y0 + 0.45 * h), glass, -1)
        _rounded(img, x0, y0 + 0.38 * h, x1, y1 - wheel_r * 0.6, 0.2 * h, body)
    elif cls == "truck":
        cab = 0.28 * w
        cx0, cx1 = (x1 - cab, x1) if not west else (x0, x0 + cab)
        bx0, bx1 = (x0, x1 - cab - 2) if not west else (x0 + cab + 2, x1)
        _rounded(img, bx0, y0, bx1, y1 - wheel_r, 3, accent)
        _rounded(img, cx0, y0 + 0.25 * h, cx1, y1 - wheel_r * 0.6, 4, body)
        cv2.rectangle(img, _p(cx0 + 0.2 * cab, y0 + 0.32 * h), _p(cx1 - 0.2 * cab, y0 + 0.5 * h), glass, -1)
    else:  # bus
        _rounded(img, x0, y0, x1, y1 - wheel_r * 0.6, 0.15 * h, body)
        for wx in np.arange(x0 + 0.06 * w, x1 - 0.1 * w, 0.11 * w):
            cv2.rectangle(img, _p(wx, y0 + 0.15 * h), _p(wx + 0.08 * w, y0 + 0.45 * h), glass, -1)
        cv2.rectangle(img, _p(x0 + 2, y0 + 0.55 * h), _p(x1 - 2, y0 + 0.62 * h), accent, -1)
    for wx in (x0 + 0.2 * w, x1 - 0.2 * w):
        cv2.circle(img, _p(wx, y1 - wheel_r), int(max(wheel_r, 2)), _TYRE, -1)
    front_x, back_x = (x1 - 3, x0 + 1) if not west else (x0 + 1, x1 - 3)
    ly = y1 - 0.45 * h
    head = _HEADLIGHT if dark else _dim((170, 220, 230), k)
    cv2.rectangle(img, _p(front_x, ly), _p(front_x + 2, ly + 3), head, -1)
    cv2.rectangle(img, _p(back_x, ly), _p(back_x + 2, ly + 3), _TAIL if dark else (40, 40, 160), -1)


def _vehicle_front(img, box: Box, body, toward: bool, dark: bool, k: float) -> None:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    _rounded(img, x0, y0, x1, y1 - 0.08 * h, 0.2 * w, body)
    glass = _dim(_GLASS, k)
    cv2.rectangle(img, _p(x0 + 0.15 * w, y0 + 0.12 * h), _p(x1 - 0.15 * w, y0 + 0.42 * h), glass, -1)
    cv2.rectangle(img, _p(x0 + 0.08 * w, y1 - 0.1 * h), _p(x0 + 0.25 * w, y1), _TYRE, -1)
    cv2.rectangle(img, _p(x1 - 0.25 * w, y1 - 0.1 * h), _p(x1 - 0.08 * w, y1), _TYRE, -1)
    lamp = (_HEADLIGHT if dark else (190, 230, 240)) if toward else (_TAIL if dark else (40, 40, 170))
    for lx in (x0 + 0.18 * w, x1 - 0.18 * w):
        cv2.circle(img, _p(lx, y1 - 0.3 * h), max(int(0.07 * w), 2), lamp, -1)


def _two_wheeler(img, cls: str, heading: int, box: Box, body, accent, k: float) -> None:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    r = 0.17 * h
    shirt = accent
    if heading < 2:
        wa, wb = (x0 + r, y1 - r), (x1 - r, y1 - r)
        thick = 1 if cls == "bicycle" else -1
        for c in (wa, wb):
            cv2.circle(img, _p(*c), max(int(r), 2), _TYRE, thick if cls == "bicycle" else -1)
        if cls == "motorbike":
            _rounded(img, x0 + 0.25 * w, y1 - 0.5 * h, x1 - 0.25 * w, y1 - 0.2 * h, 3, body)
        else:
            cv2.line(img, _p(*wa), _p(x0 + 0.5 * w, y1 - 0.45 * h), body, 2)
            cv2.line(img, _p(*wb), _p(x0 + 0.5 * w, y1 - 0.45 * h), body, 2)
        torso_x = x0 + 0.5 * w
    else:
        cv2.rectangle(img, _p(x0 + 0.3 * w, y1 - 0.35 * h), _p(x1 - 0.3 * w, y1), _TYRE, -1)
        _rounded(img, x0 + 0.1 * w, y1 - 0.55 * h, x1 - 0.1 * w, y1 - 0.2 * h, 2, body)
        cv2.line(img, _p(x0, y1 - 0.55 * h), _p(x1, y1 - 0.55 * h), _TYRE, 1)  # handlebar
        cv2.circle(img, _p((x0 + x1) / 2, y1 - 0.4 * h), max(int(0.12 * w), 1),
                   (200, 230, 240) if heading == 2 else (40, 40, 200), -1)  # head or tail lamp
        torso_x = x0 + 0.5 * w
    tw = max(0.3 * w if heading < 2 else 0.42 * w, 2)
    cv2.ellipse(img, _p(torso_x, y0 + 0.42 * h), _p(tw, 0.2 * h), 0, 0, 360, shirt, -1)
    helmet = (40, 40, 40) if cls == "bicycle" else _dim((60, 60, 200), k)
    cv2.circle(img, _p(torso_x, y0 + 0.12 * h), max(int(0.12 * h), 2), helmet, -1)


def _lying_two_wheeler(img, box: Box, body, accent, k: float) -> None:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    cv2.ellipse(img, _p(x0 + 0.3 * w, y1 - 0.5 * h), _p(0.28 * w, 0.45 * h), 0, 0, 360, body, -1)
    cv2.circle(img, _p(x0 + 0.12 * w, y1 - 0.45 * h), max(int(0.35 * h), 2), _TYRE, 2)
    cv2.ellipse(img, _p(x0 + 0.72 * w, y1 - 0.35 * h), _p(0.18 * w, 0.3 * h), 0, 0, 360, accent, -1)
    cv2.circle(img, _p(x1 - 0.08 * w, y1 - 0.4 * h), max(int(0.3 * h), 2), _dim((60, 60, 200), k), -1)


def _person(img, box: Box, body, distance: float, k: float) -> None:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    cx = (x0 + x1) / 2
    swing = 0.35 * w * np.sin(distance / 4.0)  # legs swing with distance walked
    trousers = _dim((70, 60, 50), k)
    cv2.line(img, _p(cx, y0 + 0.6 * h), _p(cx + swing, y1 - 1), trousers, max(int(0.25 * w), 1))
    cv2.line(img, _p(cx, y0 + 0.6 * h), _p(cx - swing, y1 - 1), trousers, max(int(0.25 * w), 1))
    cv2.ellipse(img, _p(cx, y0 + 0.43 * h), _p(0.48 * w, 0.22 * h), 0, 0, 360, body, -1)
    cv2.circle(img, _p(cx, y0 + 0.12 * h), max(int(0.12 * h), 2), _dim(_SKIN, k), -1)
    cv2.ellipse(img, _p(cx, y0 + 0.08 * h), _p(0.12 * h, 0.06 * h), 0, 180, 360, _dim((30, 30, 30), k), -1)


def _lying_person(img, box: Box, body, k: float) -> None:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    cv2.ellipse(img, _p(x0 + 0.45 * w, y1 - 0.5 * h), _p(0.35 * w, 0.45 * h), 0, 0, 360, body, -1)
    cv2.circle(img, _p(x1 - 0.1 * w, y1 - 0.5 * h), max(int(0.4 * h), 2), _dim(_SKIN, k), -1)


def _beam(img: np.ndarray, s: ActorState, box: Box, narrow: bool = False) -> None:
    """Add a soft headlight beam in front of a vehicle (additive light, night only)."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    reach, spread = (1.5 * w, 0.5 * h) if narrow else (1.8 * w, 0.6 * h)
    ly = y1 - 0.4 * h
    if s.heading == 0:
        poly = [(x1, ly - 2), (x1, ly + 2), (x1 + reach, ly + spread), (x1 + reach, ly - spread)]
    elif s.heading == 1:
        poly = [(x0, ly - 2), (x0, ly + 2), (x0 - reach, ly + spread), (x0 - reach, ly - spread)]
    elif s.heading == 2:
        cx, reach = (x0 + x1) / 2, 1.2 * h
        poly = [(x0, y1), (x1, y1), (cx + w, y1 + reach), (cx - w, y1 + reach)]
    else:
        return  # driving away: the beam is hidden by the vehicle itself
    pts = np.asarray(poly, dtype=np.float32)
    bx0, by0 = np.floor(pts.min(axis=0)).astype(int)
    bx1, by1 = np.ceil(pts.max(axis=0)).astype(int) + 1
    H, W = img.shape[:2]
    cx0, cy0, cx1, cy1 = max(bx0, 0), max(by0, 0), min(bx1, W), min(by1, H)
    if cx1 <= cx0 or cy1 <= cy0:
        return
    light = np.zeros((by1 - by0, bx1 - bx0, 3), dtype=np.uint8)
    cv2.fillConvexPoly(light, np.round(pts - (bx0, by0)).astype(np.int32), (70, 100, 110))
    # Fade with distance from the lamp so the beam has no hard far edge.
    if s.heading < 2:
        ramp = np.linspace(1.0, 0.0, light.shape[1], dtype=np.float32)[None, :, None]
        ramp = ramp if s.heading == 0 else ramp[:, ::-1]
    else:
        ramp = np.linspace(1.0, 0.0, light.shape[0], dtype=np.float32)[:, None, None]
    light = cv2.blur((light * ramp).astype(np.uint8), (7, 7))
    roi = img[cy0:cy1, cx0:cx1]
    cv2.add(roi, light[cy0 - by0:cy1 - by0, cx0 - bx0:cx1 - bx0], dst=roi)
