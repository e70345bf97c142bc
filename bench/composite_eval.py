"""Hit-and-run on the road composite family (bench/composite_scenes.py), through the product path.

Every scene is rendered frame by frame and fed to the same analysis a camera worker runs
(`detectors.analysis.CameraAnalysis`): the
default detector of `PipelineConfig()` (whatever the project ships as default), motion-planned
crops, the tracker and the default rules (hit-and-run + tamper). Per kind: expected outcome,
what was raised, recall / false alarms; and, measured against the scene's own ground truth:
- striker_tracked_s: how long before the contact the vehicle of the event (or, without an
  event, the longest-lived track on the striker) had been tracked on the striker (IoU >= 0.3);
- striker_ids: distinct stable ids (the ids events carry, tracker ids re-linked by the rule
  engine) on the striker while it approached (1 = one object, one id); striker_tracker_ids: the
  tracker's own ids (before re-linking);
- victim_seen_s: for a person standing still before the car comes (hr_standing), how long after
  it appeared it was first tracked.

Usage:
    VMS_TEST_DATA=/work/shared/data python bench/composite_eval.py [--part tune|unseen|all]
        [--per-kind 8] [--first-index 0] [--kinds a,b] [--only NAME] [--light day|night|all] [--json PATH] [--mp4 DIR]
        [--detect-fps 5]

Per positive (and collision) scene `diagnosis` says where it failed (see `_diagnosis`), counted
per kind and per day/night in the summary.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import av
import cv2
import numpy as np
import yaml
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from composite_road import road_assets
from composite_scenes import FPS, KINDS, POSITIVE, RoadAssets, Scene, render, scenes

from detectors.analysis import CameraAnalysis
from detectors.frame import Frame, RateGate
from detectors.objects.base import ObjectDetector
from detectors.objects.registry import build_detector
from detectors.pipeline import PipelineConfig
from detectors.rules import default_rules
from detectors.types import CLASS_NAMES_EN, ClassId, box_iou

EPOCH = 1_700_000_000.0


def run(scene: Scene, assets: RoadAssets, detector: ObjectDetector, mp4: Path | None = None,
        config: PipelineConfig | None = None, trace: bool = False, detect_fps: float | None = None) -> dict:
    """Render and analyse one scene (1 s of empty road first, as a live camera learns it).

    `detect_fps`: analyse only the frames a camera at that rate would (every frame is still rendered)."""
    rng = np.random.default_rng(scene.seed)
    gate = RateGate(detect_fps)
    analysis = CameraAnalysis(config or PipelineConfig(), default_rules(), detector=detector)
    events, matches, contacts = [], [], set()
    writer = _Mp4(mp4 / f"{scene.name}.mp4") if mp4 else None
    warm = int(FPS)
    for step in range(-warm, scene.steps):
        k = max(step, -1)
        bgr = render(scene, assets, k, rng) if step >= 0 else _empty(scene, assets, rng)
        ts = EPOCH + step / FPS
        if writer:
            writer.write(bgr)
        if not gate.keep(ts):
            if step >= 0:
                matches.append({})  # not analysed: nothing seen at this step
            continue
        frame = Frame("composite", ts, cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), bgr_source=lambda b=bgr: b)
        result = analysis.step(frame)
        events += result.events
        contacts |= _contacts(analysis)
        if step >= 0:
            matches.append(_match(scene, step, result.tracks, analysis.stable_id))
            if trace:
                print(_trace_line(scene, step, result, analysis))
    events += analysis.close(EPOCH + scene.steps / FPS)
    if writer:
        writer.close()
    starts = [e for e in events if e.phase == "start"]
    hr = [e for e in starts if e.type == "hit_and_run"]
    return {
        "name": scene.name, "kind": scene.kind, "night": scene.night, "unseen": scene.unseen,
        "expected": scene.expected, "contact_s": scene.contact_s, "occlusion": round(scene.occlusion, 2),
        "hit_and_run": [round(e.ts - EPOCH, 2) for e in hr],
        "collision": [round(e.ts - EPOCH, 2) for e in starts if e.type == "collision"],
        **_striker_stats(scene, matches, [e.objects for e in hr]),
        **_victim_stats(scene, matches),
        **_diagnosis(scene, matches, contacts, starts),
    }


def _contacts(analysis: CameraAnalysis) -> set[tuple[int, int, str | None]]:
    """(vehicle id, victim id, victim outcome) of every contact the hit-and-run rule watches now."""
    return {(c.vehicle, c.victim, c.outcome) for rule in analysis.engine.track_rules
            for c in getattr(rule, "contacts", {}).values()}


def _diagnosis(scene: Scene, matches: list[dict], contacts: set, starts: list) -> dict:
    """Where a positive (or a collision) failed, first cause first: "striker_never_tracked" (no
    track on the striker up to the contact), "victim_not_tracked" (no track on the victim in the
    second before the contact), "no_contact" (both tracked, the rule never saw them touch),
    "no_victim_outcome" (a contact, but no fall/stop/vanish within the window), "called_collision"
    / "called_hit_and_run" (the victim outcome was seen, the vehicle's judged wrong), "no_vehicle_outcome"
    (the victim outcome was seen, nothing raised); "ok" when the expected event was raised."""
    if scene.contact_s is None:
        return {}
    contact = round(scene.contact_s * FPS)
    striker = {t for m in matches[:contact + 6] for t in m.get("striker", [])}
    victim = {t for m in matches[max(contact - 10, 0):contact + 1] for t in m.get("victim", [])}
    kinds = {e.type for e in starts if any(tid in striker for tid, role in e.objects if role == "vehicle")}
    if scene.expected in {e.type for e in starts}:
        cause = "ok"
    elif not striker:
        cause = "striker_never_tracked"
    elif not victim:
        cause = "victim_not_tracked"
    elif not (ours := [c for c in contacts if c[0] in striker]):
        cause = "no_contact"
    elif all(outcome is None for _, _, outcome in ours) and not kinds:
        cause = "no_victim_outcome"
    elif kinds:
        cause = "called_" + sorted(kinds)[0]
    else:
        cause = "no_vehicle_outcome"
    return {"diagnosis": cause}


def _empty(scene: Scene, assets: RoadAssets, rng: np.random.Generator) -> np.ndarray:
    empty = Scene(scene.name, scene.kind, scene.night, scene.unseen, 1)
    return render(empty, assets, 0, rng)


def _match(scene: Scene, step: int, tracks, stable_id) -> dict:
    """Stable ids (the rule engine's, as events name objects) on the striker and on the victim
    (or walker) at this step (IoU >= 0.3); `raw_<role>`: the tracker's own ids."""
    out: dict = {}
    for role in ("striker", "victim", "walker"):
        box = scene.truth(role, step)
        if box is None or not len(tracks):
            continue
        iou = box_iou(box[None].astype(np.float32), tracks.xyxy)[0]
        raw = [int(t) for t in tracks.tracker_id[iou >= 0.3]]
        out[role] = [stable_id(t) for t in raw]
        out[f"raw_{role}"] = raw
    return out


def _trace_line(scene: Scene, step: int, result, analysis: CameraAnalysis) -> str:
    """One diagnosis line: per role, truth height, best raw detection on it (score, class),
    tracker ids on it; the number of model regions and their sides; contacts under watch."""
    parts = [f"{step:3d} t{step / FPS:4.1f}"]
    raw = result.pipeline.detections
    for role in ("striker", "victim", "walker"):
        box = scene.truth(role, step)
        if box is None:
            continue
        text = f"{role[:3]} h{int(box[3] - box[1]):3d}"
        if len(raw):
            iou = box_iou(box[None].astype(np.float32), raw.xyxy)[0]
            if (iou >= 0.3).any():
                i = int(np.argmax(np.where(iou >= 0.3, raw.confidence, -1)))
                text += f" det {raw.confidence[i]:.2f}/{CLASS_NAMES_EN[ClassId(int(raw.class_id[i]))][:4]}"
        tracks = result.tracks
        if len(tracks):
            iou = box_iou(box[None].astype(np.float32), tracks.xyxy)[0]
            ids = [analysis.stable_id(int(t)) for t in tracks.tracker_id[iou >= 0.3]]
            text += f" trk {ids}" if ids else ""
        parts.append(text)
    regions = result.pipeline.regions
    parts.append(f"reg {[int(r[2] - r[0]) for r in regions]}")
    for rule in analysis.engine.track_rules:
        contacts = getattr(rule, "contacts", {})
        if contacts:
            parts.append("contacts " + ",".join(
                f"{v}-{u}:{c.outcome} hid{c.hidden_s:.1f} unc{'-' if c.uncovered_since is None else round(c.uncovered_since - c.ts, 1)}"
                for (v, u), c in contacts.items()))
    return "  ".join(parts)


def _striker_stats(scene: Scene, matches: list[dict], event_objects: list) -> dict:
    if scene.contact_s is None:
        return {}
    contact = round(scene.contact_s * FPS)
    first: dict[int, int] = {}
    raw: set[int] = set()
    for step, m in enumerate(matches[:contact + 1]):
        for tid in m.get("striker", []):
            first.setdefault(tid, step)
        raw.update(m.get("raw_striker", []))
    event_ids = [tid for objs in event_objects for tid, role in objs if role == "vehicle"]
    chosen = next((t for t in event_ids if t in first), None)
    if chosen is None and first:
        chosen = min(first, key=first.get)
    appear = next((k for k in range(len(matches)) if scene.truth("striker", k) is not None), 0)
    return {
        "striker_tracked_s": round((contact - first[chosen]) / FPS, 2) if chosen is not None else 0.0,
        "striker_visible_s": round((contact - appear) / FPS, 2),
        "striker_ids": len(first),
        "striker_tracker_ids": len(raw),
    }


def _victim_stats(scene: Scene, matches: list[dict]) -> dict:
    if scene.kind != "hr_standing":
        return {}
    appear = next((k for k in range(len(matches)) if scene.truth("victim", k) is not None), 0)
    seen = next((k for k in range(appear, len(matches)) if matches[k].get("victim")), None)
    return {"victim_seen_s": round((seen - appear) / FPS, 2) if seen is not None else None,
            "victim_before_contact": seen is not None and seen < round(scene.contact_s * FPS)}


class _Mp4:
    """H.264 file of the rendered frames, for `vms analyze FILE --json`."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.container = av.open(str(path), "w")
        self.stream = self.container.add_stream("libx264", rate=int(FPS))
        self.stream.width, self.stream.height, self.stream.pix_fmt = 640, 480, "yuv420p"
        self.stream.options = {"crf": "20"}

    def write(self, bgr: np.ndarray) -> None:
        for packet in self.stream.encode(av.VideoFrame.from_ndarray(bgr, format="bgr24")):
            self.container.mux(packet)

    def close(self) -> None:
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()


def summary(results: list[dict]) -> dict:
    """Per kind and per day/night: outcomes against the expected ones."""
    out: dict = {"kinds": {}}
    for kind in sorted({r["kind"] for r in results}, key=KINDS.index):
        rows = [r for r in results if r["kind"] == kind]
        out["kinds"][kind] = {
            "scenes": len(rows), "night": sum(r["night"] for r in rows),
            "hit_and_run": sum(bool(r["hit_and_run"]) for r in rows),
            "collision": sum(bool(r["collision"]) for r in rows),
        }
        if kind in POSITIVE or kind == "collision":
            out["kinds"][kind]["diagnosis"] = _count(r.get("diagnosis") for r in rows)
    for label, sel in (("day", lambda r: not r["night"]), ("night", lambda r: r["night"]), ("all", lambda r: True)):
        pos = [r for r in results if r["kind"] in POSITIVE and sel(r)]
        neg = [r for r in results if r["expected"] is None and sel(r)]
        col = [r for r in results if r["kind"] == "collision" and sel(r)]
        out[label] = {
            "hit_and_run_recall": round(sum(bool(r["hit_and_run"]) for r in pos) / len(pos), 3) if pos else None,
            "positives": len(pos),
            "negatives": len(neg), "false_hit_and_run": sum(bool(r["hit_and_run"]) for r in neg),
            "collisions": len(col), "collision_as_hit_and_run": sum(bool(r["hit_and_run"]) for r in col),
            "collision_recall": round(sum(bool(r["collision"]) for r in col) / len(col), 3) if col else None,
            "striker_tracked_2s_share": round(sum(r["striker_tracked_s"] >= 2.0 for r in pos) / len(pos), 3) if pos else None,
            "diagnosis": _count(r.get("diagnosis") for r in pos + col),
        }
    pos = [r for r in results if r["kind"] in POSITIVE]
    if pos:
        out["striker_tracked_2s_share"] = round(sum(r["striker_tracked_s"] >= 2.0 for r in pos) / len(pos), 3)
        # A striker that enters the view less than 2 s before the contact cannot be tracked 2 s
        # before it: the share among the scenes where it could.
        could = [r for r in pos if r["striker_visible_s"] >= 2.0]
        out["striker_in_view_2s"] = len(could)
        out["striker_tracked_2s_share_of_in_view"] = (
            round(sum(r["striker_tracked_s"] >= 2.0 for r in could) / len(could), 3) if could else None)
        out["striker_ids_mean"] = round(float(np.mean([r["striker_ids"] for r in pos])), 2)
        out["striker_one_id_share"] = round(sum(r["striker_ids"] == 1 for r in pos) / len(pos), 3)
        out["striker_one_tracker_id_share"] = round(sum(r["striker_tracker_ids"] == 1 for r in pos) / len(pos), 3)
    standing = [r for r in results if r["kind"] == "hr_standing"]
    if standing:
        out["standing_victim_seen_before_contact"] = sum(r["victim_before_contact"] for r in standing)
        out["standing_victims"] = len(standing)
    return out


def _count(values) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        if v is not None:
            out[v] = out.get(v, 0) + 1
    return dict(sorted(out.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=("tune", "unseen", "all"), default="tune")
    parser.add_argument("--per-kind", type=int, default=8)
    parser.add_argument("--first-index", type=int, default=0,
                        help="scenes from this index of each kind on (e.g. 8 with --per-kind 12: scenes 8-11, a held-out set)")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--only", default=None, help="scenes whose name contains this")
    parser.add_argument("--light", choices=("day", "night", "all"), default="all", help="day scenes, IR night scenes or both")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--mp4", type=Path, help="also write each scene as an H.264 file here")
    parser.add_argument("--trace", action="store_true", help="diagnosis: print one line per frame per scene")
    parser.add_argument("--pipeline", default=None,
                        help="diagnosis only: PipelineConfig overrides as YAML, e.g. '{regions: {max_side: 160}}'")
    parser.add_argument("--detect-fps", type=float, default=None,
                        help=f"analyse at this rate, as a live camera does (default: every frame, {FPS:g} fps)")
    args = parser.parse_args()
    data = Path(os.environ.get("VMS_TEST_DATA", "/work/shared/data"))
    assets = road_assets(data)
    chosen = [s for s in scenes(assets, args.per_kind, tuple(args.kinds.split(",")))
              if int(s.name.rsplit("_", 1)[1]) >= args.first_index
              and (args.part == "all" or s.unseen == (args.part == "unseen"))
              and (args.only is None or args.only in s.name)
              and (args.light == "all" or s.night == (args.light == "night"))]
    config = PipelineConfig.model_validate(yaml.safe_load(args.pipeline)) if args.pipeline else PipelineConfig()
    detector = build_detector(config.detector)
    t0 = time.perf_counter()
    results = []
    partial = args.json.with_suffix(".partial.jsonl") if args.json else None
    for s in tqdm(chosen, desc="scenes", unit="scene"):
        results.append(run(s, assets, detector, args.mp4, config, args.trace, args.detect_fps))
        if partial is not None:  # a bounded run cut short still leaves every finished scene
            with partial.open("a" if len(results) > 1 else "w") as f:
                f.write(json.dumps(results[-1]) + "\n")
    for r in results:
        print(f"  {r['name']:18s} {'night' if r['night'] else 'day  '} expected {str(r['expected']):12s} "
              f"hr {r['hit_and_run']} col {r['collision']} tracked {r.get('striker_tracked_s')} "
              f"ids {r.get('striker_ids')} seen {r.get('victim_seen_s')} {r.get('diagnosis', '')}")
    scores = summary(results)
    scores.update(detector=config.detector.type, pipeline_overrides=args.pipeline, part=args.part,
                  detect_fps=args.detect_fps, seconds=round(time.perf_counter() - t0, 1),
                  load_avg_1m=round(os.getloadavg()[0], 2))
    print(json.dumps(scores, indent=2))
    if args.json:
        args.json.write_text(json.dumps({"summary": scores, "scenes": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
