"""Scripted suite verdicts at full rate vs a camera's detect fps, scenario by scenario (issue 11 item 2).

    VMS_TEST_DATA=/work/shared/data python bench/events_rates.py OUT.jsonl [--resume] [--detect-fps 5]

Each scenario of `bench/scenarios` runs twice back to back through `bench/events_eval.run_one`
(every frame, then thinned to the detect fps) and one JSON line per scenario is appended to OUT:
truth, detections of both runs and per event type [tp, fn, fp] (events_eval's matching). A
bounded or interrupted run keeps every finished scenario (`--resume` skips those).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import events_eval as ev  # noqa: E402

from bench.scenarios import suite  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--resume", action="store_true", help="skip scenarios already in OUT")
    parser.add_argument("--detect-fps", type=float, default=5.0)
    parser.add_argument("--only", default=None, help="scenarios whose name contains this")
    args = parser.parse_args()
    done = set()
    if args.resume and args.out.is_file():
        done = {json.loads(line)["name"] for line in args.out.read_text().splitlines() if line.strip()}
    changed = 0
    with args.out.open("a" if args.resume else "w") as out:
        for sc in suite():
            if sc.name in done or (args.only is not None and args.only not in sc.name):
                continue
            t0 = time.process_time()
            full, thin = ev.run_one(sc, None), ev.run_one(sc, args.detect_fps)
            s_full, s_thin = ev.score([full], {sc.name: sc}), ev.score([thin], {sc.name: sc})
            row = {"name": sc.name, "group": sc.group, "rule": sc.rule,
                   "truth": [[t["type"], t["start_s"]] for t in full["truth"]],
                   "full": [[d["type"], d["start_s"]] for d in full["detected"]],
                   "five": [[d["type"], d["start_s"]] for d in thin["detected"]],
                   "frames": [full["frames"], thin["frames"]],
                   "score_full": {k: [v["tp"], v["fn"], v["fp"]] for k, v in s_full.items()},
                   "score_five": {k: [v["tp"], v["fn"], v["fp"]] for k, v in s_thin.items()},
                   "cpu_s": round(time.process_time() - t0, 1)}
            changed += row["score_full"] != row["score_five"]
            print(f"{sc.name:36s} {'same' if row['score_full'] == row['score_five'] else 'CHANGED'} "
                  f"full {row['score_full']} at {args.detect_fps:g} fps {row['score_five']}", flush=True)
            out.write(json.dumps(row) + "\n")
            out.flush()
    print(f"verdicts changed in {changed} scenario(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
