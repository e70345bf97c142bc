"""Hit-and-run with the REAL detector: composites of real people and cars on a real street.

No licensed footage of a hit-and-run exists, and the scripted-scene suite (bench/events_eval.py)
uses the simulated detector. This benchmark closes the gap between the two: real PETS09 people and
real CDnet cars (bench/composite.py) are moved by a script over the empty PETS09 street, and the
whole product path runs on the rendered frames: motion -> offline SSD on planned crops ->
tracker -> rules (default hit-and-run + tamper), exactly as a camera worker runs it.

Scripts (10 fps, perspective from the PETS09 person boxes: height = 0.23 y + 18.7 px at feet y;
cars drive towards the camera, as their front views were filmed; people cross the lane):
- hit_and_run: the car reaches the walker, the walker falls (the cutout lies down) and stays,
  the car drives on out of the bottom of the frame. Expected: one `hit_and_run`.
- collision: the same contact, but the car stops just after and stays. Expected: no
  `hit_and_run` (a `collision` is right).
- near_miss: the walker crosses the lane 2 s after the car has passed. Expected: nothing.
- behind: the walker crosses 0.8 body heights behind (higher in the frame) while the car passes
  in front, so their boxes overlap in the picture only. Expected: nothing.

Scoring: recall of hit_and_run on the hit_and_run scripts, false hit_and_run on all others, and
the alert delay after the car left the frame.

`--night` renders every frame as a night IR picture (grey, darker, lamp fall-off, more noise).

`--real-clips` runs every real clip of VMS_TEST_DATA instead (none holds an accident: any
hit-and-run is a false alarm). The harder road family is bench/composite_eval.py.

Usage:
    VMS_TEST_DATA=/work/shared/data python bench/hit_and_run_real.py [--json PATH] [--per-kind N] [--night]
    VMS_TEST_DATA=/work/shared/data python bench/hit_and_run_real.py --real-clips [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clips import read_frames
from composite import Cutout, Placement, highway_cars, night_ir, people, plate, render

from detectors.analysis import CameraAnalysis
from detectors.frame import Frame
from detectors.objects.base import ObjectDetector
from detectors.objects.configs import SsdTfliteConfig
from detectors.objects.registry import build_detector
from detectors.pipeline import PipelineConfig
from detectors.rules import default_rules

FPS = 10.0
EPOCH = 1_700_000_000.0
KINDS = ("hit_and_run", "collision", "near_miss", "behind")
CAR_HEIGHT_RATIO = 0.9  # a car's front is ~1.5 m high, a person ~1.7 m
WALK_HEIGHTS_S = 0.8  # walking speed in body heights per second (~1.4 m/s)
CAR_CROSS_S = (2.5, 4.0)
NEAR_MISS_S = 2.0  # near miss: the walker reaches the lane this long after the car


def person_height(feet_y: float) -> float:
    """PETS09 perspective: a person's height in px with the feet at row `feet_y`."""
    return 0.23 * feet_y + 18.7


@dataclass(frozen=True)
class Script:
    """One scripted scene. Positions are functions of time through `place`."""

    name: str
    kind: str
    walker: Cutout
    car: Cutout
    lane_x: float  # the car's centre column
    meet_y: float  # feet row where walker and car meet (for hit_and_run / collision)
    walk_dir: int  # +1 walks left to right
    car_speed: float  # rows per second
    t_meet: float = 4.0
    duration: float = 11.0

    def car_y(self, t: float) -> float:
        stop_y = self.meet_y + 0.3 * person_height(self.meet_y)
        y = self.meet_y + self.car_speed * (t - self.t_meet)
        return min(y, stop_y) if self.kind == "collision" else y

    def walker_at(self, t: float) -> tuple[float, float, bool]:
        """Walker feet (x, y) and whether it has fallen."""
        feet_y = self.meet_y if self.kind != "behind" else self.meet_y - 0.8 * person_height(self.meet_y)
        delay = NEAR_MISS_S if self.kind == "near_miss" else 0.0
        speed = WALK_HEIGHTS_S * person_height(feet_y)
        # Walker reaches the lane when the car does (or `delay` s later), from the side.
        x = self.lane_x + self.walk_dir * speed * (t - self.t_meet - delay)
        fallen = self.kind in ("hit_and_run", "collision") and t >= self.t_meet
        if fallen:
            x = self.lane_x + self.walk_dir * 0.2 * person_height(feet_y)  # thrown a little ahead
        return x, feet_y, fallen

    def items(self, t: float) -> list[Placement]:
        x, feet_y, fallen = self.walker_at(t)
        h = person_height(feet_y)
        walker = self.walker.scaled(round(h)) if self.walk_dir > 0 else self.walker.flipped().scaled(round(h))
        if fallen:
            walker = walker.rotated(clockwise=self.walk_dir > 0)
        car_y = self.car_y(t)
        car = self.car.scaled(max(8, round(CAR_HEIGHT_RATIO * person_height(car_y))))
        return [Placement(walker, x, feet_y), Placement(car, self.lane_x, car_y)]


def scripts(walkers: list[Cutout], cars: list[Cutout], per_kind: int, seed: int = 7) -> list[Script]:
    """`per_kind` scripts of each kind, walkers, cars, lanes, meeting rows and speeds drawn at
    random (seeded) so that every kind sees the same spread."""
    rng = np.random.default_rng(seed)
    out = []
    for kind in KINDS:
        for i in range(per_kind):
            meet_y = float(rng.uniform(330, 470))
            cross_s = float(rng.uniform(*CAR_CROSS_S))
            out.append(
                Script(
                    name=f"{kind}_{i:02d}",
                    kind=kind,
                    walker=walkers[int(rng.integers(len(walkers)))],
                    car=cars[int(rng.integers(len(cars)))],
                    lane_x=float(rng.uniform(220, 560)),
                    meet_y=meet_y,
                    walk_dir=1 if rng.random() < 0.5 else -1,
                    car_speed=(576 - 150) / cross_s,
                )
            )
    return out


def car_left_at(script: Script, height: int) -> float | None:
    """Time the car's top edge passes the bottom of the frame (None if it never does)."""
    for step in range(int(script.duration * FPS)):
        t = step / FPS
        car_y = script.car_y(t)
        if car_y - CAR_HEIGHT_RATIO * person_height(car_y) > height:
            return t
    return None


def run(script: Script, background: np.ndarray, detector: ObjectDetector, night: bool = False) -> dict:
    """Render and analyse one script; returns its hit_and_run / collision starts (video s)."""
    rng = np.random.default_rng(zlib.crc32(script.name.encode()))
    analysis = CameraAnalysis(PipelineConfig(), default_rules(), detector=detector)
    events = []
    # One second of the empty street first: the motion background is learnt as on a live camera.
    steps = int((script.duration + 1.0) * FPS)
    for step in range(steps):
        t = step / FPS - 1.0
        bgr = render(background, script.items(t) if t >= 0 else [], rng)
        if night:
            bgr = night_ir(bgr, rng)
        frame = Frame(
            "composite", EPOCH + t, cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), bgr_source=lambda b=bgr: b
        )
        events += analysis.step(frame).events
    events += analysis.close(EPOCH + script.duration)
    starts = [e for e in events if e.phase == "start"]
    return {
        "name": script.name,
        "kind": script.kind,
        "walker": script.walker.name,
        "car": script.car.name,
        "hit_and_run": [round(e.ts - EPOCH, 2) for e in starts if e.type == "hit_and_run"],
        "collision": [round(e.ts - EPOCH, 2) for e in starts if e.type == "collision"],
        "car_left_s": car_left_at(script, background.shape[0]),
    }


def summary(results: list[dict]) -> dict:
    positives = [r for r in results if r["kind"] == "hit_and_run"]
    found = [r for r in positives if r["hit_and_run"]]
    delays = [r["hit_and_run"][0] - r["car_left_s"] for r in found if r["car_left_s"] is not None]
    out: dict = {
        "hit_and_run_recall": len(found) / max(1, len(positives)),
        "hit_and_run_found": len(found),
        "hit_and_run_scripts": len(positives),
        "alert_after_car_left_s_median": float(np.median(delays)) if delays else None,
        "alert_after_car_left_s_max": float(np.max(delays)) if delays else None,
    }
    for kind in KINDS[1:]:
        rows = [r for r in results if r["kind"] == kind]
        out[f"{kind}_false_hit_and_run"] = sum(bool(r["hit_and_run"]) for r in rows)
        out[f"{kind}_scripts"] = len(rows)
    collisions = [r for r in results if r["kind"] == "collision"]
    out["collision_recall"] = sum(bool(r["collision"]) for r in collisions) / max(1, len(collisions))
    return out


def real_clip_negatives(out: Path | None) -> int:
    """Every real clip (none holds an accident) through the file-analysis path with the default
    detector and rules: any hit-and-run is a false alarm. Shares bench/events_eval.py's loop."""
    from events_eval import real_clips

    data = Path(os.environ.get("VMS_TEST_DATA", "/work/shared/data"))
    clips = real_clips(data, every=1)
    report = {"real_clips": clips, "real_clips_false_hit_and_run": sum(c["hit_and_run"] for c in clips.values()),
              "real_clips_collision": sum(c["collision"] for c in clips.values()),
              "load_avg_1m": round(os.getloadavg()[0], 2)}
    print(json.dumps(report, indent=2))
    if out:
        out.write_text(json.dumps(report, indent=2))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="write results here")
    parser.add_argument("--per-kind", type=int, default=12, help="scripts per kind")
    parser.add_argument("--only", default=None, help="run scripts whose name contains this")
    parser.add_argument("--night", action="store_true", help="render as a night IR picture (`night_ir`)")
    parser.add_argument("--save", type=Path, default=None, help="write each script's middle frames here")
    parser.add_argument("--real-clips", action="store_true",
                        help="instead: run every real clip of VMS_TEST_DATA through `vms analyze`'s path as negatives")
    args = parser.parse_args()
    if args.real_clips:
        return real_clip_negatives(args.json)
    data = Path(os.environ.get("VMS_TEST_DATA", "/work/shared/data"))
    background = plate(read_frames(data / "pets09_s2l1" / "pets09_s2l1_view001_h264.mp4", step=8))
    walkers, cars = people(data), highway_cars(data)
    detector = build_detector(SsdTfliteConfig())
    chosen = [s for s in scripts(walkers, cars, args.per_kind) if args.only is None or args.only in s.name]
    t0 = time.perf_counter()
    results = []
    for script in tqdm(chosen, desc="scripts", unit="script"):
        results.append(run(script, background, detector, night=args.night))
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            rng = np.random.default_rng(0)
            strip = [render(background, script.items(t), rng) for t in (3.0, 4.0, 5.0)]
            strip = [night_ir(f, rng) for f in strip] if args.night else strip
            cv2.imwrite(str(args.save / f"{script.name}.jpg"), np.hstack(strip))
    scores = summary(results)
    scores["seconds"] = round(time.perf_counter() - t0, 1)
    scores["night"] = args.night
    for r in results:
        print(
            f"  {r['name']:16s} hit_and_run at {r['hit_and_run']}  collision at {r['collision']}  "
            f"car left {r['car_left_s']}"
        )
    print(json.dumps(scores, indent=2))
    if args.json:
        args.json.write_text(json.dumps({"summary": scores, "scripts": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
