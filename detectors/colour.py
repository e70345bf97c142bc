"""Dominant colour of a tracked object, from the object's own pixels, named in English and Vietnamese.

Why not "the most frequent colour in the box": a box holds road, shadow and windscreen as much as
car paint, and a walker's box holds the pavement between the legs. So, per crop:

1. Which pixels are the object: the motion foreground inside the box when it covers enough of it
   (the difference from the motion background), otherwise pixels unlike a thin band of ground
   just outside the box; both centre-weighted. People: the upper body only
   (clothing, not hair, legs or pavement).
2. White balance and exposure: per-channel gains that make the frame's grey parts (road, walls)
   grey are applied to the object (grey-world on the grey parts only), and lightness is scaled
   to the frame's white point (a hazy or dim picture's white car is still white).
3. Naming in CIE Lab: if enough of the object's weight is chromatic, the weighted hue vote among
   the chromatic pixels names it (red, orange, yellow, green, blue, purple, pink; dark warm hues are
   brown). Otherwise it is achromatic and the lightness vote decides black / grey / white.
   Specular highlights (very light, colourless) and deep shadow pixels vote less.
4. A monochrome frame (IR night picture, or a camera in black-and-white mode) carries no colour:
   the answer is "unknown" ("không rõ"), never a guessed grey.

Every threshold is a module constant chosen on the tuning part of the hand-labelled real crops
(bench/colour_eval.py, bench/data/colour_labels.csv); the held-out part is reported separately.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# (name_en, name_vi); the index is the colour code used below.
COLOURS: list[tuple[str, str]] = [
    ("black", "đen"),
    ("white", "trắng"),
    ("grey", "xám"),
    ("red", "đỏ"),
    ("orange", "cam"),
    ("yellow", "vàng"),
    ("green", "xanh lá"),
    ("blue", "xanh dương"),
    ("purple", "tím"),
    ("pink", "hồng"),
    ("brown", "nâu"),
]
UNKNOWN: tuple[str, str] = ("unknown", "không rõ")
BLACK, WHITE, GREY, RED, ORANGE, YELLOW, GREEN, BLUE, PURPLE, PINK, BROWN = range(11)

SIDE = 48  # crops are resampled to at most this many px a side: cheap, and enough pixels
MONO_CHROMA = 3.0  # a frame whose 99th-percentile chroma is below this is monochrome (IR)
NEUTRAL_CHROMA = 12.0  # pixels this close to the picture's median colour estimate its cast
CAST_MAX = 30.0  # ... unless more colourful than this (a cast is never that strong)
WHITE_POINT_MIN = 80.0  # the scene's white point is taken no lower than this (a dark night street)
CHROMA_MIN = 9.0  # a pixel this colourful (Lab units, after white balance) is chromatic
CHROMA_BLUE = 24.0  # ... but bluish pixels need more: shiny grey paint and glass mirror the sky
CHROMATIC_SHARE = 0.30  # ... and this share of the object's weight makes the object chromatic
BORDER_DELTA = 14.0  # pixels this close (Lab distance) to the ground around the box are ground
FG_MIN_SHARE = 0.2  # the motion mask counts when it covers this share of the box
DARK_L = 45.0  # Lab L (0-100, scaled to the scene white point) below this is a dark pixel
WHITE_Q = 0.90  # an achromatic object is white when this quantile of its lightness (its lit
WHITE_L = 95.0  # body, not the windows and tyres every car has) is above WHITE_L,
WHITE_BODY = 0.20  # ... at least this share of it is light (L > BODY_L): a white body, not a few glints,
BODY_L = 85.0
SILVER_B = -10.0  # ... and it is not bluish on average (b* below this): metallic silver mirrors the sky
BLACK_SHARE = 0.60  # black when this share of it is darker than DARK_L, else grey
BROWN_L = 42.0  # warm hues darker than this are brown
WARM_DARK_A = 4.5  # a dark object whose mean a* is above this, with a warm mean hue, is brown
WARM_HUE = (0.0, 45.0)  # ... (dark brown leather or paint keeps only a faint warm cast after H.264)
PINK_L = 70.0  # red hues lighter than this with modest chroma are pink
# Lab hue bins in degrees (a* axis = 0, b* axis = 90): upper bound -> colour.
_HUE_BINS: list[tuple[float, int]] = [
    (50.0, RED), (72.0, ORANGE), (105.0, YELLOW), (200.0, GREEN),
    (295.0, BLUE), (320.0, PURPLE), (360.0, RED),
]


@dataclass(frozen=True, slots=True)
class Tone:
    """Scene-level colour facts of one frame.

    Attributes:
        monochrome: an IR / black-and-white picture (no colour to name).
        gains: (3,) BGR gains that make the picture's grey parts grey (white balance).
        white: Lab L of the scene's white point (99th percentile): exposure, haze.
    """

    monochrome: bool
    gains: np.ndarray
    white: float


def frame_tone(bgr: np.ndarray) -> Tone:
    """`Tone` of a (H, W, 3) uint8 frame, from a subsample of ~60 rows (~0.2 ms at 768x576)."""
    step = max(1, min(bgr.shape[:2]) // 60)
    small = bgr[::step, ::step].reshape(-1, 1, 3)
    lab = _lab(small).reshape(-1, 3)
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    white = float(np.clip(np.percentile(lab[:, 0], 99), WHITE_POINT_MIN, 100.0))
    if float(np.percentile(chroma, 99)) < MONO_CHROMA:
        return Tone(True, np.ones(3, np.float32), white)
    # The grey parts of the picture (road, walls): the pixels near its median colour, in two
    # passes, since a strong cast moves them all away from a* = b* = 0 together.
    rough = np.median(lab[:, 1:], axis=0)
    near = (np.hypot(*(lab[:, 1:] - rough).T) < NEUTRAL_CHROMA) & (chroma < CAST_MAX) & (lab[:, 0] > 15)
    if near.sum() < 20:
        return Tone(False, np.ones(3, np.float32), white)
    mean = small.reshape(-1, 3)[near].astype(np.float32).mean(axis=0)
    gains = np.clip(mean.mean() / np.maximum(mean, 1.0), 0.6, 1.6)  # von Kries: per-channel gains
    return Tone(False, gains.astype(np.float32), white)


def object_colour(
    frame_bgr: np.ndarray,
    box: np.ndarray,
    person: bool = False,
    foreground: np.ndarray | None = None,
    tone: Tone | None = None,
) -> tuple[str, str]:
    """Name the dominant colour of the object in `box`.

    Args:
        frame_bgr: (H, W, 3) uint8 full frame.
        box: (4,) xyxy in frame pixels.
        person: name the upper body (clothing).
        foreground: optional (h, w) uint8 motion mask of the whole frame at any resolution
            (non-zero = moving); scaled to the frame.
        tone: `frame_tone(frame_bgr)` if already computed.
    Returns:
        (english, vietnamese), or UNKNOWN for a monochrome picture or an empty box.
    """
    tone = tone if tone is not None else frame_tone(frame_bgr)
    if tone.monochrome:
        return UNKNOWN
    H, W = frame_bgr.shape[:2]
    x1, y1, x2, y2 = (int(round(float(v))) for v in box)
    x1, y1, x2, y2 = max(0, x1), max(0, y1), min(W, x2), min(H, y2)
    if x2 - x1 < 2 or y2 - y1 < 2:
        return UNKNOWN
    crop = frame_bgr[y1:y2, x1:x2]
    scale = min(1.0, SIDE / max(crop.shape[:2]))
    size = (max(2, round(crop.shape[1] * scale)), max(2, round(crop.shape[0] * scale)))
    lab = _balanced(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), tone)
    weight = _centre_weight(size[1], size[0])
    fg = _foreground_share(foreground, (x1, y1, x2, y2), (W, H), size)
    if fg is None:
        ground = _ground_ring(frame_bgr, (x1, y1, x2, y2))
        fg = _unlike(lab, _balanced(ground, tone)) if ground is not None else None
    if fg is not None:
        weight = weight * fg
    if person:  # clothing: below the head, above the hips, the middle of the width
        h, w = size[1], size[0]
        torso = np.zeros((h, w), np.float32)
        torso[int(0.18 * h): max(int(0.18 * h) + 1, int(0.5 * h)), int(0.2 * w): max(int(0.2 * w) + 1, w - int(0.2 * w))] = 1
        weight = weight * torso
        if float(weight.sum()) <= 1e-6:
            weight = torso
    if float(weight.sum()) <= 1e-6:
        weight = _centre_weight(size[1], size[0])
    return COLOURS[name_pixels(lab.reshape(-1, 3), weight.reshape(-1))]


def name_pixels(lab: np.ndarray, weight: np.ndarray) -> int:
    """Colour code of weighted Lab pixels. lab: (n, 3) float32 L 0-100, a*, b*; weight: (n,)."""
    L, a, b = lab[:, 0], lab[:, 1], lab[:, 2]
    chroma = np.hypot(a, b)
    hue = np.degrees(np.arctan2(b, a)) % 360.0
    codes = _hue_codes(hue, L, chroma)
    need = np.where(codes == BLUE, CHROMA_BLUE, CHROMA_MIN)
    chromatic = (chroma >= need) & (L >= 12)
    body = weight  # the white test reads the highlights too: white paint is where they are
    # Colourless highlights (sun on a windscreen) say little about the paint.
    weight = weight * np.where((L > 95) & ~chromatic, 0.5, 1.0)
    total = float(weight.sum()) or 1.0
    if float(weight[chromatic].sum()) / total >= CHROMATIC_SHARE:
        votes = np.bincount(codes[chromatic], weights=(weight * chroma)[chromatic], minlength=len(COLOURS))
        return int(votes.argmax())
    if _is_white(L, b, body, float(body.sum()) or 1.0):
        return WHITE
    grey_w = weight[~chromatic]
    share = float(grey_w.sum()) or 1.0
    grey_l = L[~chromatic]
    if float(grey_w[grey_l < DARK_L].sum()) / share >= BLACK_SHARE:
        return BROWN if _warm(a, b, weight, total) else BLACK
    return GREY


def _is_white(L: np.ndarray, b: np.ndarray, weight: np.ndarray, total: float) -> bool:
    """White paint (or a white shirt), not silver: its lit part is as light as the scene's white
    point, a good share of it is light, and it is not bluish on average (silver and grey metallic
    paint mirror the sky; white paint scatters it). Measured on the tuning crops: silver cars
    average b* -12, white ones -3 to -8, and both have glints at the white point."""
    order = np.argsort(L)
    cum = np.cumsum(weight[order])
    if not len(order) or cum[-1] <= 0:
        return False
    q = L[order][min(len(order) - 1, int(np.searchsorted(cum, WHITE_Q * cum[-1])))]
    light = float(weight[L > BODY_L].sum()) / total
    mean_b = float((b * weight).sum()) / total
    return bool(q >= WHITE_L and light >= WHITE_BODY and mean_b > SILVER_B)


def _warm(a: np.ndarray, b: np.ndarray, weight: np.ndarray, total: float) -> bool:
    """The object's mean colour has a warm cast (red-orange hue, a* above WARM_DARK_A): a dark
    object that is brown, not black (black paint and cloth are neutral or bluish from the sky)."""
    mean_a, mean_b = float((a * weight).sum()) / total, float((b * weight).sum()) / total
    hue = float(np.degrees(np.arctan2(mean_b, mean_a)) % 360.0)
    return mean_a > WARM_DARK_A and WARM_HUE[0] <= hue <= WARM_HUE[1]


def _hue_codes(hue: np.ndarray, L: np.ndarray, chroma: np.ndarray) -> np.ndarray:
    bounds = np.array([b for b, _ in _HUE_BINS])
    names = np.array([c for _, c in _HUE_BINS])
    codes = names[np.searchsorted(bounds, hue, side="right").clip(0, len(names) - 1)]
    warm = np.isin(codes, (RED, ORANGE, YELLOW))
    codes = np.where(warm & (L < BROWN_L) & (codes != RED), BROWN, codes)
    codes = np.where((codes == RED) & (L < BROWN_L * 0.8) & (chroma < 2.2 * CHROMA_MIN), BROWN, codes)
    return np.where((codes == RED) & (L > PINK_L) & (chroma < 35.0), PINK, codes)


def _lab(bgr: np.ndarray) -> np.ndarray:
    """uint8 BGR -> float32 Lab with L in 0-100 and a*, b* centred on 0."""
    lab = cv2.cvtColor(bgr, cv2.COLOR_BGR2LAB).astype(np.float32)
    lab[..., 0] *= 100.0 / 255.0
    lab[..., 1:] -= 128.0
    return lab


def _centre_weight(h: int, w: int) -> np.ndarray:
    """(h, w) Gaussian weight, 1 at the centre, ~0.3 at the box edge: edges are mostly ground."""
    yy = (np.arange(h, dtype=np.float32) + 0.5) / h - 0.5
    xx = (np.arange(w, dtype=np.float32) + 0.5) / w - 0.5
    return np.exp(-(yy[:, None] ** 2 + xx[None, :] ** 2) / (2 * 0.32**2))


def _balanced(bgr: np.ndarray, tone: Tone) -> np.ndarray:
    """Lab of `bgr` white-balanced with the scene's gains, L scaled to the scene's white point."""
    lab = _lab(np.clip(bgr.astype(np.float32) * tone.gains, 0, 255).astype(np.uint8))
    lab[..., 0] *= 100.0 / tone.white  # a hazy or dim picture's white is still white
    return lab


def _ground_ring(frame: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray | None:
    """(n, 1, 3) BGR pixels of a thin band just outside the box: the ground around the object.
    None when the box fills the frame (no band)."""
    x1, y1, x2, y2 = box
    H, W = frame.shape[:2]
    pad = max(2, round(0.12 * max(x2 - x1, y2 - y1)))
    step = max(1, pad // 3)
    parts = [frame[max(0, y1 - pad):y1:step, max(0, x1 - pad):x2 + pad:step],
             frame[y2:y2 + pad:step, max(0, x1 - pad):x2 + pad:step],
             frame[y1:y2:step, max(0, x1 - pad):x1:step], frame[y1:y2:step, x2:x2 + pad:step]]
    pixels = [p.reshape(-1, 3) for p in parts if p.size]
    if not pixels or sum(len(p) for p in pixels) < 8:
        return None
    return np.concatenate(pixels)[:, None, :]


def _unlike(lab: np.ndarray, ground: np.ndarray) -> np.ndarray:
    """(h, w) in [0, 1]: how unlike the ground around the box (its median colour) a pixel is."""
    dist = np.sqrt(((lab - np.median(ground.reshape(-1, 3), axis=0)) ** 2).sum(axis=2))
    return np.clip((dist - 0.5 * BORDER_DELTA) / BORDER_DELTA, 0.0, 1.0)


def _foreground_share(mask: np.ndarray | None, box: tuple[int, int, int, int], frame_wh: tuple[int, int],
                      size: tuple[int, int]) -> np.ndarray | None:
    """The motion mask inside `box`, resampled to `size` (w, h) as floats in [0, 1]; None when absent
    or when it covers too little of the box (a still or slow object: the mask says nothing)."""
    if mask is None:
        return None
    sx, sy = mask.shape[1] / frame_wh[0], mask.shape[0] / frame_wh[1]
    x1, y1, x2, y2 = box
    mx1, my1 = int(x1 * sx), int(y1 * sy)
    mx2, my2 = max(mx1 + 1, int(np.ceil(x2 * sx))), max(my1 + 1, int(np.ceil(y2 * sy)))
    part = mask[my1:my2, mx1:mx2]
    if part.size == 0 or float((part > 0).mean()) < FG_MIN_SHARE:
        return None
    return cv2.resize((part > 0).astype(np.float32), size, interpolation=cv2.INTER_LINEAR)
