"""Scripted incidents on a real road with real traffic (parts: bench/composite_road.py).

A scene is a list of actors; each actor gives, per step (10 fps), a cutout and the ground point
(bottom centre) where it is drawn, or nothing. The striking car is a real CDnet car replayed
along its own real passage (lane, speed, growth as it approaches); other real passages are
replayed at random times as flowing traffic, never where they would touch a person; people cross
at walking speed at their perspective height. Frames are rendered at the road clip's scale and
shown at 2x (640x480), by day or as an IR night picture.

Kinds (expected outcome):
- hr_cross: a walker crosses, the car hits, the walker falls and lies; the car drives on. (hit_and_run)
- hr_standing: a person stands still in the lane edge before the car comes; hit, falls. (hit_and_run)
- hr_cyclist: the cyclist crosses at riding speed; hit, falls. (hit_and_run)
- hr_occluded: as hr_cross, while another real car passes over part of the victim or striker. (hit_and_run)
- collision: contact and fall, the car stops just after and stays. (collision, never hit_and_run)
- near_miss: the walker crosses the lane 1.5-2.2 s before or after the car. (nothing)
- step_back: the walker reaches the lane edge, steps back as the car passes close. (nothing)
- stop_and_go: the car stops short of the crossing, the walker crosses in front, the car goes on. (nothing)
- stop_to_help: a walker falls alone at the roadside; a car stops beside them for 4 s, drives on. (nothing)
- market_crowd: 7-10 people stand and mill at the roadside, some cross slowly between cars. (nothing)
- kerb_wait: people wait at the kerb while traffic flows, then cross in a gap. (nothing)

Seeded: scene i of a kind uses seed (kind, i); scenes 6 and 7 of each kind are the unseen part
and use only the held-out tracks and walkers (`composite_road.held_out`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import cv2
import numpy as np
from composite import Cutout, Placement, night_ir, paste
from composite_road import CarTrack, RoadAssets, car_width, held_out, person_height

FPS = 10.0
SCALE = 2  # shown at 640x480
POSITIVE = ("hr_cross", "hr_standing", "hr_cyclist", "hr_occluded")
KINDS = POSITIVE + ("collision", "near_miss", "step_back", "stop_and_go", "stop_to_help", "market_crowd", "kerb_wait")
EXPECTED = {k: "hit_and_run" for k in POSITIVE} | {"collision": "collision"}
UNSEEN_FROM = 6  # scene index from which a kind's scenes are the unseen part
WALK_H_S = 0.8  # walking speed, body heights per second (~1.4 m/s)
ROAD_X = (0.0, 235.0)  # the carriageway's extent in columns (road clip px), kerb at the left


@dataclass
class Actor:
    """Per step: (cutout, ground x, ground y) or None; `role` names it in the truth."""

    role: str
    steps: list[tuple[Cutout, float, float] | None]

    def box(self, k: int) -> np.ndarray | None:
        """xyxy at step k in road-clip px (bottom-centre anchored), or None."""
        if k >= len(self.steps) or self.steps[k] is None:
            return None
        c, x, y = self.steps[k]
        h, w = c.alpha.shape
        return np.array([x - w / 2, y - h, x + w / 2, y], np.float32)


@dataclass
class Scene:
    name: str
    kind: str
    night: bool
    unseen: bool
    steps: int
    actors: list[Actor] = field(default_factory=list)
    contact_s: float | None = None  # scripted contact time (positives, collision)
    seed: int = 0
    occlusion: float = 0.0  # hr_occluded: share of the victim hidden by a passing car near contact

    @property
    def expected(self) -> str | None:
        return EXPECTED.get(self.kind)

    def truth(self, role: str, k: int) -> np.ndarray | None:
        """The first actor of `role`: xyxy in displayed (2x) px at step k."""
        for a in self.actors:
            if a.role == role:
                box = a.box(k)
                return None if box is None else box * SCALE
        return None


def _car_steps(track: CarTrack, start: int, steps: int, hold: tuple[int, int] | None = None,
               brake_s: float = 1.2) -> list:
    """Replay `track` from scene step `start`. `hold` = (sample, steps): brake smoothly (over
    `brake_s`, constant deceleration) to a stop at that sample, stay that many steps, pull away
    as smoothly; a real car does not stop dead between two frames."""
    out: list = [None] * steps
    ramp = max(1, round(brake_s * FPS))
    rates = np.ones(steps + len(track) * 2)
    if hold is not None:
        begin = hold[0] - ramp / 2  # samples covered while slowing from 1 to 0 per step
        step_b = max(0, round(begin))  # the replay reaches `begin` at step start + begin
        rates[step_b:step_b + ramp] = np.linspace(1, 0, ramp, endpoint=False)
        rates[step_b + ramp:step_b + ramp + hold[1]] = 0.0
        rates[step_b + ramp + hold[1]:step_b + 2 * ramp + hold[1]] = np.linspace(0, 1, ramp, endpoint=False)
    pos = np.concatenate([[0.0], np.cumsum(rates)])
    for i in range(len(pos)):
        step = start + i
        k = int(round(pos[i]))
        if step >= steps or k >= len(track):
            break
        if step >= 0:
            out[step] = (track.cutouts[k], track.centre_x(k), track.bottom(k))
    return out


def _walk(frames: list[Cutout], xs: np.ndarray, y: float, direction: int, fallen_from: int | None = None,
          thrown: float = 0.0) -> list:
    """A walker at row `y` through columns `xs` (one per step, nan = absent), lying from
    `fallen_from`, `thrown` px nearer the camera (along the car's way)."""
    h = round(person_height(y))
    cycle = [f.scaled(h) if direction > 0 else f.flipped().scaled(h) for f in frames]
    out: list = []
    lying = cycle[0].rotated(clockwise=direction > 0) if fallen_from is not None else None
    for k, x in enumerate(xs):
        if np.isnan(x):
            out.append(None)
        elif fallen_from is not None and k >= fallen_from:
            out.append((lying, float(x), y + thrown))
        else:
            moving = k > 0 and not np.isnan(xs[k - 1]) and abs(x - xs[k - 1]) > 0.05
            out.append((cycle[k % len(cycle)] if moving else cycle[0], float(x), y))
    return out


def _crossing(x_meet: float, t_meet: float, speed: float, direction: int, steps: int,
              stop_at: float | None = None) -> np.ndarray:
    """Columns of a walker at `speed` px/s reaching `x_meet` at `t_meet`, entering from the road
    side; `stop_at`: it stops there (stays)."""
    t = np.arange(steps) / FPS
    xs = x_meet + direction * speed * (t - t_meet)
    if stop_at is not None:
        xs = np.where(direction * (xs - stop_at) > 0, stop_at, xs)
    xs = np.where((xs < -20) | (xs > 340), np.nan, xs)
    return xs


def _touches(box_a: np.ndarray | None, box_b: np.ndarray | None, slack: float = 0.6) -> bool:
    """Would the rule see these two boxes as in contact (x overlap near, bottoms at one depth)?"""
    if box_a is None or box_b is None:
        return False
    h = min(box_a[3] - box_a[1], box_b[3] - box_b[1])
    x_gap = max(box_a[0], box_b[0]) - min(box_a[2], box_b[2])
    return x_gap < 0.3 * h and abs(box_a[3] - box_b[3]) < slack * h


def _add_traffic(scene: Scene, tracks: list[CarTrack], rng: np.random.Generator, every_s: float = 2.5) -> None:
    """Replay other real passages at random times; drop any that would touch a person or a car."""
    protected = list(scene.actors)
    t = float(rng.uniform(-4, 0))
    while t < scene.steps / FPS:
        track = tracks[int(rng.integers(len(tracks)))]
        candidate = Actor("traffic", _car_steps(track, round(t * FPS), scene.steps))
        clash = any(_touches(candidate.box(k), a.box(k), 0.8) for a in protected for k in range(scene.steps))
        if not clash:
            scene.actors.append(candidate)
            protected.append(candidate)
        t += float(rng.exponential(every_s)) + 0.8


def _pools(assets: RoadAssets, unseen: bool) -> tuple[list[CarTrack], list[list[Cutout]]]:
    tracks = [t for t in assets.tracks if held_out(t.name) == unseen]
    walkers = [w for w in assets.walkers if held_out(w[0].name) == unseen]
    return tracks, walkers


def build(kind: str, index: int, assets: RoadAssets) -> Scene:
    """Scene `index` of `kind`, seeded; night for odd indices."""
    seed = zlib.crc32(f"{kind}:{index}".encode())
    rng = np.random.default_rng(seed)
    unseen = index >= UNSEEN_FROM
    tracks, walkers = _pools(assets, unseen)
    striker = tracks[int(rng.integers(len(tracks)))]
    y_meet = float(rng.uniform(125, 185))
    k_meet = striker.sample_at_row(y_meet)
    t_meet = max(4.0, k_meet / FPS + 0.5)
    steps = int((t_meet + 5.5) * FPS)
    scene = Scene(f"{kind}_{index:02d}", kind, night=index % 2 == 1, unseen=unseen, steps=steps, seed=seed)
    start = round(t_meet * FPS) - k_meet
    x_meet = striker.centre_x(k_meet)
    h = person_height(y_meet)
    direction = 1 if rng.random() < 0.5 else -1
    walker = walkers[int(rng.integers(len(walkers)))]
    meet_step = round(t_meet * FPS)
    BUILDERS[kind](scene, rng, striker, start, k_meet, x_meet, y_meet, h, direction, walker, assets, meet_step)
    others = [t for t in tracks if t is not striker]
    if kind == "hr_occluded":
        scene.occlusion = _add_occluder(scene, others, meet_step)
    _add_traffic(scene, others, rng)
    return scene


def _hit(scene, rng, striker, start, k_meet, x_meet, y_meet, h, direction, walker, assets, meet_step, *,
         frames=None, speed_h=WALK_H_S, standing=False, stop=False):
    """The car hits the walker (or cyclist) at (x_meet, y_meet); the walker falls; the car drives on or stops."""
    frames = frames or walker
    speed = speed_h * h
    if standing:  # already there, not moving, from 1 s into the scene
        xs = np.full(scene.steps, x_meet - direction * 0.15 * car_width(y_meet))
        xs[: int(FPS)] = np.nan
    else:
        xs = _crossing(x_meet - direction * 0.15 * car_width(y_meet), meet_step / FPS, speed, direction, scene.steps)
    xs[meet_step:] = x_meet + direction * 0.35 * h  # thrown a little along its way
    scene.actors.append(Actor("victim", _walk(frames, xs, y_meet, direction, fallen_from=meet_step,
                                              thrown=0.3 * h if stop else 0.12 * h)))
    hold = (striker.sample_at_row(y_meet + 0.08 * h), scene.steps) if stop else None  # stops at the victim
    scene.actors.append(Actor("striker", _car_steps(striker, start, scene.steps, hold)))
    scene.contact_s = meet_step / FPS


def _hr_cross(*a):
    _hit(*a)


def _hr_standing(*a):
    _hit(*a, standing=True)


def _hr_cyclist(*a):
    _hit(*a, frames=a[10].cyclist, speed_h=2.2)


def _collision(*a):
    _hit(*a, stop=True)


def _near_miss(scene, rng, striker, start, k_meet, x_meet, y_meet, h, direction, walker, assets, meet_step):
    offset = float(rng.choice([-1, 1]) * rng.uniform(1.5, 2.2))
    xs = _crossing(x_meet, meet_step / FPS + offset, WALK_H_S * h, direction, scene.steps)
    scene.actors.append(Actor("walker", _walk(walker, xs, y_meet, direction)))
    scene.actors.append(Actor("striker", _car_steps(striker, start, scene.steps)))


def _step_back(scene, rng, striker, start, k_meet, x_meet, y_meet, h, direction, walker, assets, meet_step):
    """Walks to one car width from the car's path, stops as it comes, steps back 0.6 s, stays."""
    edge = x_meet - direction * car_width(y_meet)
    t = np.arange(scene.steps) / FPS
    arrive = meet_step / FPS - 1.0
    xs = _crossing(edge, arrive, WALK_H_S * h, direction, scene.steps, stop_at=edge)
    back = edge - direction * WALK_H_S * h * np.clip(t - arrive - 0.3, 0, 0.6)
    xs = np.where(t > arrive + 0.3, back, xs)
    scene.actors.append(Actor("walker", _walk(walker, xs, y_meet, direction)))
    scene.actors.append(Actor("striker", _car_steps(striker, start, scene.steps)))


def _extend(scene: Scene, seconds: float) -> None:
    extra = int(seconds * FPS)
    scene.steps += extra
    for a in scene.actors:
        a.steps += [None] * (scene.steps - len(a.steps))


def _stop_and_go(scene, rng, striker, start, k_meet, x_meet, y_meet, h, direction, walker, assets, meet_step):
    """The car stops short (bottom 0.7 car widths above the crossing row) for 3.5 s; the walker
    crosses in front of it meanwhile; then the car drives on."""
    k_stop = striker.sample_at_row(y_meet - 0.7 * car_width(y_meet))
    _extend(scene, 3.5)
    scene.actors.append(Actor("striker", _car_steps(striker, start, scene.steps, (k_stop, int(3.5 * FPS)))))
    t_cross = (start + k_stop) / FPS + 1.6
    xs = _crossing(x_meet, t_cross, WALK_H_S * h, direction, scene.steps)
    scene.actors.append(Actor("walker", _walk(walker, xs, y_meet, direction)))


def _stop_to_help(scene, rng, striker, start, k_meet, x_meet, y_meet, h, direction, walker, assets, meet_step):
    """A walker falls alone at the roadside 2 s before the car comes; the car stops beside them
    for 4 s, then drives on."""
    side = x_meet - direction * 1.1 * car_width(y_meet)
    _extend(scene, 4.0)
    xs = _crossing(side, meet_step / FPS - 2.5, WALK_H_S * h, direction, scene.steps, stop_at=side)
    scene.actors.append(Actor("walker", _walk(walker, xs, y_meet, direction, fallen_from=meet_step - 20, thrown=0.1 * h)))
    k_stop = striker.sample_at_row(y_meet)
    scene.actors.append(Actor("striker", _car_steps(striker, start, scene.steps, (k_stop, int(4.0 * FPS)))))


def _add_occluder(scene: Scene, tracks: list[CarTrack], meet_step: int) -> float:
    """A real passage that hides part of the victim or of the striker around the contact: the
    (track, start) whose box covers 20-85 % of one of them within 1 s of the contact, without
    touching anyone. Returns the coverage reached (0 when none fits)."""
    hidden = [a for a in scene.actors if a.role in ("victim", "striker")]
    best: tuple[float, Actor | None] = (0.0, None)
    for track in tracks:
        for start in range(meet_step - len(track), meet_step, 2):
            cand = Actor("occluder", _car_steps(track, start, scene.steps))
            if any(_touches(cand.box(k), a.box(k), 0.8) for a in scene.actors for k in range(scene.steps)):
                continue
            cover = max(_coverage(a.box(k), cand.box(k)) for a in hidden for k in range(meet_step - 10, meet_step + 11))
            if 0.2 <= cover <= 0.85 and cover > best[0]:
                best = (cover, cand)
    if best[1] is not None:
        scene.actors.append(best[1])
    return best[0]


def _coverage(box: np.ndarray | None, other: np.ndarray | None) -> float:
    if box is None or other is None:
        return 0.0
    ix = max(0.0, min(box[2], other[2]) - max(box[0], other[0]))
    iy = max(0.0, min(box[3], other[3]) - max(box[1], other[1]))
    return float(ix * iy / max((box[2] - box[0]) * (box[3] - box[1]), 1e-6))


def _crowd(scene, rng, striker, start, k_meet, x_meet, y_meet, h, direction, walker, assets, meet_step, *,
           people=(7, 11), crossers=3):
    """People standing and milling at the kerb (left of the road), a few crossing slowly in gaps."""
    _, walkers = _pools(assets, scene.unseen)
    for i in range(int(rng.integers(*people))):
        y = float(rng.uniform(120, 215))
        x0 = float(rng.uniform(-25, 2))  # the verge left of the kerb
        drift = rng.uniform(-0.25, 0.25) * person_height(y)
        xs = x0 + drift * np.sin(np.arange(scene.steps) / FPS * rng.uniform(0.2, 0.6))
        scene.actors.append(Actor(f"person_{i}", _walk(walkers[int(rng.integers(len(walkers)))], xs, y, 1)))
    scene.actors.append(Actor("striker", _car_steps(striker, start, scene.steps)))
    for i in range(crossers):
        y = float(rng.uniform(125, 200))
        t0 = float(rng.uniform(1, scene.steps / FPS - 3))
        xs = _crossing(0.0, t0, 0.5 * WALK_H_S * person_height(y), 1, scene.steps)
        cand = Actor(f"crosser_{i}", _walk(walkers[int(rng.integers(len(walkers)))], xs, y, 1))
        if not any(_touches(cand.box(k), a.box(k), 0.9) for a in scene.actors if a.role == "striker" for k in range(scene.steps)):
            scene.actors.append(cand)


def _market_crowd(*a):
    _crowd(*a)


def _kerb_wait(*a):
    _crowd(*a, people=(2, 4), crossers=2)


BUILDERS = {"hr_cross": _hr_cross, "hr_standing": _hr_standing, "hr_cyclist": _hr_cyclist,
            "hr_occluded": _hr_cross, "collision": _collision, "near_miss": _near_miss, "step_back": _step_back,
            "stop_and_go": _stop_and_go, "stop_to_help": _stop_to_help, "market_crowd": _market_crowd,
            "kerb_wait": _kerb_wait}


def render(scene: Scene, assets: RoadAssets, k: int, rng: np.random.Generator) -> np.ndarray:
    """Step k as a 640x480 BGR frame: plate, actors back to front, noise, 2x, night if asked."""
    canvas = assets.plate.copy()
    items = [Placement(*a.steps[k]) for a in scene.actors if k < len(a.steps) and a.steps[k] is not None]
    for item in sorted(items, key=lambda p: p.y):
        paste(canvas, item)
    big = cv2.resize(canvas, (canvas.shape[1] * SCALE, canvas.shape[0] * SCALE), interpolation=cv2.INTER_LINEAR)
    noisy = np.clip(big + rng.normal(0, 2.0, big.shape), 0, 255).astype(np.uint8)
    return night_ir(noisy, rng) if scene.night else noisy


def scenes(assets: RoadAssets, per_kind: int = 8, kinds: tuple[str, ...] = KINDS) -> list[Scene]:
    return [build(kind, i, assets) for kind in kinds for i in range(per_kind)]
