"""Event-rule evaluation: scripted scenario suite (simulated detector) + real clips (real detector).

    python bench/events_eval.py --json bench/events_eval.json            # suite + real clips
    python bench/events_eval.py --no-real                                # suite only
    python bench/events_eval.py --only hr_rear_car_motorbike -v          # one scenario, print events

Scoring (AI City style): a detected event matches a ground-truth incident of the same type when
its start is within 10 s of the true start; each matches at most once. Unmatched detections are
false alarms. Time to alert = when the event was raised (its "start" step, in video time) minus
the true start. For hit-and-run, also the alert time relative to the moment the offending
vehicle left the view (target: within 2 s). Line crossings are matched to crossings computed
from the ground-truth tracks on the same line (same direction, within 1 s).

Real clips (`VMS_TEST_DATA`): every clip goes through the real pipeline (motion -> offline SSD
detector on planned regions -> tracker -> rules with default hit-and-run + tamper) and the
hit-and-run events raised are counted; none of the clips contains one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scenarios import Scenario, suite  # noqa: E402
from camera_drivers.simulator import load_scene  # noqa: E402
from camera_drivers.simulator.truth import ground_truth_track, incidents  # noqa: E402
from detectors.pipeline import PipelineConfig  # noqa: E402
from detectors.zones import LineZone  # noqa: E402
from vms.analysis.scene import run_scene  # noqa: E402

MATCH_S = 10.0
REAL_CLIPS = [
    "cdnet_highway/highway_input_h264.mp4", "pets09_s2l1/pets09_s2l1_view001_h264.mp4",
    "mot15_tud_campus/TUD-Campus.mp4", "intel_sample_videos/car-detection.mp4",
    "intel_sample_videos/one-by-one-person-detection.mp4", "bgslibrary/video.avi", "bgslibrary/video02.avi",
    "opencv_samples/tree.avi",
]


def truth_of(sc: Scenario) -> list[dict]:
    """Ground-truth incidents of a scenario (script incidents, tamper items, extra truth)."""
    script = load_scene(sc.script)
    out = [{"type": i.type, "start_s": i.start_s, "end_s": i.end_s, "actors": i.actors} for i in incidents(script)]
    if sc.line_truth is not None:
        out += line_truth(script, sc.line_truth)
    return out + [dict(t) for t in sc.extra_truth]


def line_truth(script, line: tuple) -> list[dict]:
    """Crossings of `line` by ground-truth anchors (bottom centres), as incidents with a direction."""
    zone = LineZone(*line)
    last: dict[int, np.ndarray] = {}
    out = []
    for gt in ground_truth_track(script):
        anchors = np.stack([(gt.xyxy[:, 0] + gt.xyxy[:, 2]) / 2, gt.xyxy[:, 3]], axis=1)
        ids = gt.track_id.tolist()
        have = [i for i, t in enumerate(ids) if t in last]
        if have:
            before = np.array([last[ids[i]] for i in have])
            crossed = zone.crossings(before, anchors[have])
            out += [{"type": "line_crossing", "start_s": gt.t, "end_s": gt.t, "direction": "in" if c > 0 else "out"}
                    for c in crossed if c != 0]
        last.update({t: anchors[i] for i, t in enumerate(ids)})
    return out


def offender_leaves(script) -> float | None:
    """Scene time the actor "offender" was last visible (it left the view)."""
    last = None
    for gt in ground_truth_track(script):
        if "offender" in gt.actor_id.tolist():
            last = gt.t
    return last


def match(truth: list[dict], detected: list[dict], window: float) -> tuple[list[tuple[dict, dict]], list[dict], list[dict]]:
    """Greedy one-to-one matching by start time; returns (pairs, missed truths, false detections)."""
    free = sorted(detected, key=lambda d: d["start_s"])
    pairs, missed = [], []
    for t in sorted(truth, key=lambda t: t["start_s"]):
        hit = next((d for d in free if abs(d["start_s"] - t["start_s"]) <= window
                    and d.get("direction", t.get("direction")) == t.get("direction", d.get("direction"))), None)
        if hit is None:
            missed.append(t)
        else:
            free.remove(hit)
            pairs.append((t, hit))
    return pairs, missed, free


def run_one(sc: Scenario, detect_fps: float | None = None) -> dict:
    """Run a scenario (every frame, or thinned to `detect_fps`); returns its detections (scene-time
    seconds) and truth."""
    run = run_scene(load_scene(sc.script), PipelineConfig(detector=sc.detector), sc.rules, render=sc.render,
                    epoch=sc.epoch, detect_fps=detect_fps)
    detected = [{"type": e.type, "start_s": round(e.start_ts - sc.epoch, 3), "alert_s": round(e.ts - sc.epoch, 3),
                 "direction": e.evidence.get("direction"), "evidence": e.evidence} for e in run.starts()]
    for d in detected:
        if d["direction"] is None:
            del d["direction"]
    return {"name": sc.name, "group": sc.group, "rule": sc.rule, "detected": detected, "truth": truth_of(sc),
            "frames": run.frames}


def score(results: list[dict], scenarios: dict[str, Scenario]) -> dict:
    """Per event type: recall, precision, false alarms, time to alert."""
    per: dict[str, dict] = defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0, "tta": [], "after_leave": [],
                                                "scenarios": set(), "fp_on_negatives": 0, "missed": [], "false": []})
    for r in results:
        types = {t["type"] for t in r["truth"]} | {d["type"] for d in r["detected"]} | {r["rule"]}
        for kind in types:
            window = 1.0 if kind == "line_crossing" else MATCH_S
            truth = [t for t in r["truth"] if t["type"] == kind]
            det = [d for d in r["detected"] if d["type"] == kind]
            pairs, missed, false = match(truth, det, window)
            s = per[kind]
            s["tp"] += len(pairs); s["fn"] += len(missed); s["fp"] += len(false)
            s["tta"] += [d["alert_s"] - t["start_s"] for t, d in pairs]
            s["missed"] += [r["name"]] * len(missed)
            s["false"] += [r["name"]] * len(false)
            if r["rule"] == kind:
                s["scenarios"].add(r["name"])
            if r["group"] == "negative":
                s["fp_on_negatives"] += len(false)
            if kind == "hit_and_run" and pairs:
                leave = offender_leaves(load_scene(scenarios[r["name"]].script))
                if leave is not None:
                    s["after_leave"] += [d["alert_s"] - leave for _, d in pairs]
    return {k: _summary(v) for k, v in sorted(per.items())}


def _summary(s: dict) -> dict:
    tp, fn, fp = s["tp"], s["fn"], s["fp"]
    out = {"recall": round(tp / (tp + fn), 4) if tp + fn else None,
           "precision": round(tp / (tp + fp), 4) if tp + fp else None,
           "tp": tp, "fn": fn, "fp": fp, "false_alarms_on_negatives": s["fp_on_negatives"],
           "scenarios": len(s["scenarios"]),
           "time_to_alert_s": {"mean": round(float(np.mean(s["tta"])), 2), "max": round(float(np.max(s["tta"])), 2)}
           if s["tta"] else None,
           "missed_in": sorted(set(s["missed"])), "false_in": sorted(set(s["false"]))}
    if s["after_leave"]:
        arr = np.asarray(s["after_leave"])
        out["alert_after_vehicle_left_s"] = {"max": round(float(arr.max()), 2), "median": round(float(np.median(arr)), 2),
                                             "within_2s": int((arr <= 2.0).sum()), "of": len(arr)}
    return out


def real_clips(root: Path, every: int, detect_fps: float | None = None) -> dict:
    """Real pipeline (offline SSD) on every real clip; count hit-and-run (and all) events."""
    from vms.analysis.file import analyse_file
    from detectors.rules import default_rules

    out = {}
    for rel in REAL_CLIPS:
        path = root / rel
        if not path.is_file():
            continue
        t0 = time.perf_counter()
        res = analyse_file(path, PipelineConfig(), default_rules(), epoch=1_700_000_000.0, every=every,
                           detect_fps=detect_fps)
        starts = [e for e in res.events if e.phase == "start"]
        out[rel] = {"frames": res.frames, "hit_and_run": sum(e.type == "hit_and_run" for e in starts),
                    "collision": sum(e.type == "collision" for e in starts),
                    "tamper": sum(e.type == "tamper" for e in starts), "tracks": len(res.tracks),
                    "seconds": round(time.perf_counter() - t0, 1)}
        print(f"  real {rel}: {out[rel]}", flush=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, default=None, help="write results here")
    parser.add_argument("--only", default=None, help="run scenarios whose name contains this")
    parser.add_argument("--no-real", action="store_true", help="skip the real clips")
    parser.add_argument("--every", type=int, default=1, help="real clips: process every n-th frame")
    parser.add_argument("--detect-fps", type=float, default=None,
                        help="analyse the scenarios at this rate, as a live camera does (default: every frame)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    scenarios = {sc.name: sc for sc in suite() if args.only is None or args.only in sc.name}
    t0 = time.perf_counter()
    results = []
    for sc in scenarios.values():
        r = run_one(sc, args.detect_fps)
        results.append(r)
        if args.verbose:
            print(sc.name, "truth:", [(t["type"], t["start_s"]) for t in r["truth"]])
            for d in r["detected"]:
                print("   ", d)
    scores = score(results, scenarios)
    elapsed = time.perf_counter() - t0
    print(f"\n{len(results)} scenarios, {sum(r['frames'] for r in results)} frames in {elapsed:.0f} s "
          f"(detector: simulated)\n")
    print(f"{'event type':14} {'scen':>4} {'TP':>4} {'FN':>4} {'FP':>4} {'recall':>7} {'prec':>6} {'FA(neg)':>7} "
          f"{'TTA mean':>8} {'TTA max':>7}")
    for kind, s in scores.items():
        tta = s["time_to_alert_s"] or {"mean": float("nan"), "max": float("nan")}
        print(f"{kind:14} {s['scenarios']:>4} {s['tp']:>4} {s['fn']:>4} {s['fp']:>4} {_f(s['recall']):>7} "
              f"{_f(s['precision']):>6} {s['false_alarms_on_negatives']:>7} {tta['mean']:>8.2f} {tta['max']:>7.2f}")
        if s["missed_in"] or s["false_in"]:
            print(f"{'':14} missed: {s['missed_in']} false: {s['false_in']}")
    hr = scores.get("hit_and_run", {})
    if "alert_after_vehicle_left_s" in hr:
        print(f"\nhit-and-run alert relative to the vehicle leaving the view: {hr['alert_after_vehicle_left_s']}")
    groups = {g: sum(r["group"] == g and r["rule"] == "hit_and_run" for r in results) for g in ("positive", "negative")}
    report = {"detector": "simulated", "detect_fps": args.detect_fps, "scenarios": len(results), "rules": scores,
              "hit_and_run": {**{k: hr.get(k) for k in ("recall", "precision", "false_alarms_on_negatives", "scenarios",
                                                        "time_to_alert_s", "alert_after_vehicle_left_s")},
                              "positive_scenarios": groups["positive"], "negative_scenarios": groups["negative"]},
              # Per scenario, the events raised (type, start in scene s): compare runs at two rates.
              "verdicts": {r["name"]: [[d["type"], d["start_s"]] for d in r["detected"]] for r in results}}
    data = os.environ.get("VMS_TEST_DATA")
    if not args.no_real and data:
        print("\nreal clips (detector: ssd_tflite, full pipeline):")
        clips = real_clips(Path(data), args.every, args.detect_fps)
        report["real_clips"] = clips
        report["real_clips_false_hit_and_run"] = sum(c["hit_and_run"] for c in clips.values())
        print(f"real clips: {len(clips)}, hit-and-run events raised: {report['real_clips_false_hit_and_run']}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


def _f(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


if __name__ == "__main__":
    sys.exit(main())
