"""Cost of the simulated camera per frame: render, encode, and 4 live cameras together.

Prints a table and optionally writes JSON (--json PATH). Baselines in the same run:
- "repaint": painting the static background every frame instead of once per scene;
- "veryfast": x264 preset veryfast instead of ultrafast.

    python bench/bench_simulator.py --frames 300 --live-seconds 20 --json /tmp/sim_bench.json
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from fractions import Fraction

import av
import numpy as np

from camera_drivers.simulator import SceneRenderer, load_scene, open_simulated_stream
from camera_drivers.simulator.background import paint_backdrops

SCENES = ("street_day", "street_night", "junction_day", "hit_and_run_demo")


def _ms(samples: list[float]) -> tuple[float, float]:
    arr = np.asarray(samples) * 1000.0
    return float(arr.mean()), float(np.percentile(arr, 95))


def bench_render(name: str, frames: int) -> dict:
    script = load_scene(name)
    t0 = time.perf_counter()
    renderer = SceneRenderer(script)
    setup = time.perf_counter() - t0
    times = [k * script.duration_s / frames for k in range(frames)]
    render, gt, repaint = [], [], []
    for t in times:
        a = time.perf_counter()
        renderer.frame_at(t)
        b = time.perf_counter()
        renderer.objects_at(t)
        render.append(b - a)
        gt.append(time.perf_counter() - b)
    modes = {script.lighting.time_of_day}
    for t in times[:: max(frames // 20, 1)]:
        a = time.perf_counter()
        paint_backdrops(script, modes)
        renderer.frame_at(t)
        repaint.append(time.perf_counter() - a)
    row = {"scene": name, "setup_ms": setup * 1000}
    row["render_ms"], row["render_p95_ms"] = _ms(render)
    row["truth_ms"], _ = _ms(gt)
    row["repaint_baseline_ms"], _ = _ms(repaint)
    for preset in ("ultrafast", "veryfast"):
        row[f"encode_{preset}_ms"], row[f"kbps_{preset}"] = _encode(renderer, times, preset)
    return row


def _encode(renderer: SceneRenderer, times: list[float], preset: str) -> tuple[float, float]:
    """Mean encode ms/frame (BGR -> yuv420p -> libx264, 1 thread) and bitrate, 10 s of consecutive frames."""
    s = renderer.script
    start = times[len(times) // 3]
    frames = [renderer.frame_at(start + k / s.fps) for k in range(int(10 * s.fps))]
    ctx = av.CodecContext.create("libx264", "w")
    ctx.width, ctx.height, ctx.pix_fmt = s.width, s.height, "yuv420p"
    ctx.time_base = Fraction(1, round(s.fps))
    ctx.thread_count = 1
    ctx.options = {"preset": preset, "tune": "zerolatency", "x264-params": f"keyint={s.gop}:bframes=0:crf=23"}
    nbytes, spent = 0, 0.0
    for k, img in enumerate(frames):
        a = time.perf_counter()
        frame = av.VideoFrame.from_ndarray(img, format="bgr24")
        frame.pts = k
        nbytes += sum(p.size for p in ctx.encode(frame))
        spent += time.perf_counter() - a
    nbytes += sum(p.size for p in ctx.encode(None))
    return spent / len(frames) * 1000, nbytes * 8 / (len(frames) / s.fps) / 1000


def bench_live(seconds: float) -> dict:
    """Four realtime looping cameras, each read by a demuxing thread (as the recorder does)."""
    streams = [open_simulated_stream(load_scene(n), realtime=True, loop=True) for n in SCENES]
    counts = [0] * len(streams)

    def consume(i: int) -> None:
        with av.open(streams[i], format="mpegts", options={"probesize": "32", "analyzeduration": "0"}) as c:
            for _ in c.demux(video=0):
                counts[i] += 1

    threads = [threading.Thread(target=consume, args=(i,)) for i in range(len(streams))]
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for th in threads:
        th.start()
    time.sleep(seconds)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    for s in streams:
        s.close()
    for th in threads:
        th.join(timeout=5)
    frames = sum(counts)
    return {"cameras": len(streams), "seconds": wall, "frames": frames, "fps_per_camera": frames / wall / len(streams),
            "cpu_percent_of_one_core": 100 * cpu / wall, "cpu_ms_per_frame": 1000 * cpu / max(frames, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--live-seconds", type=float, default=20.0)
    ap.add_argument("--json", type=str)
    args = ap.parse_args()
    rows = [bench_render(n, args.frames) for n in SCENES]
    cols = ("scene", "setup_ms", "render_ms", "render_p95_ms", "truth_ms", "repaint_baseline_ms",
            "encode_ultrafast_ms", "encode_veryfast_ms", "kbps_ultrafast", "kbps_veryfast")
    print(" | ".join(f"{c:>19}" for c in cols))
    for r in rows:
        print(" | ".join(f"{r[c]:>19.2f}" if isinstance(r[c], float) else f"{r[c]:>19}" for c in cols))
    live = bench_live(args.live_seconds) if args.live_seconds > 0 else None
    if live:
        print("live:", ", ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in live.items()))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"scenes": rows, "live": live}, fh, indent=2)


if __name__ == "__main__":
    main()
