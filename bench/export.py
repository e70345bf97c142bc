"""Evidence export and verification of 10 minutes of 1080p H.264, side by side with a plain copy.

    python bench/export.py --json bench/out/export.json

Makes one 10 s 1080p H.264 segment with PyAV's libx264 (ultrafast, ~4 Mbit/s, 15 fps, GOP 15,
texture + noise so the bitrate resembles a street camera's) and indexes it 60 times as consecutive
10 s recordings of one camera (10 minutes, as the recorder lays them out). Then, best of --runs:

  export   vms.exports.export_package: cut the range without re-encoding, SHA-256 of every source
           segment and output file, signed manifest, evidence hold (the code `vms export` runs)
  verify   vms.evidence.verify_package: signature + every hash (the code `vms verify` runs)
  copy     baseline: shutil.copyfile of the same source bytes into a fresh folder

Files are in the page cache for all three (they were just written), so the figures compare CPU
and memory bandwidth, not the disk.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from camera_drivers.recorder import ClosedSegment, segment_path  # noqa: E402
from vms.config import parse_config  # noqa: E402
from vms.evidence import verify_package  # noqa: E402
from vms.exports import export_package  # noqa: E402
from vms.paths import DataPaths  # noqa: E402
from vms.recordings import add_segment  # noqa: E402
from vms.service import Site  # noqa: E402

FPS, SEGMENT_S, SEGMENTS = 15, 10, 60
T0 = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)


def make_segment(path: Path, bitrate_kbps: int) -> Path:
    rng = np.random.default_rng(1)
    base = rng.integers(0, 255, (1080 // 8, 1920 // 8, 3), dtype=np.uint8)
    texture = np.kron(base, np.ones((8, 8, 1), dtype=np.uint8))
    with av.open(str(path), "w", format="mp4") as output:
        stream = output.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
        stream.bit_rate = bitrate_kbps * 1000
        stream.options = {"g": str(FPS), "bf": "0", "preset": "ultrafast", "tune": "zerolatency"}
        for index in range(SEGMENT_S * FPS):
            frame = np.roll(texture, index * 4, axis=1) + rng.integers(0, 12, texture.shape, dtype=np.uint8)
            output.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")))
        output.mux(stream.encode(None))
    return path


def prepare_site(work: Path, bitrate_kbps: int) -> tuple[Site, list[Path]]:
    site = Site(
        parse_config({"cameras": [{"id": "cam1", "name": "Bench", "source": {"type": "sim"}}]}),
        DataPaths(work / "data"),
    )
    site.prepare()
    template = make_segment(work / "template.mp4", bitrate_kbps)
    root, sources = site.paths.recordings.resolve(), []
    with site.session_factory.begin() as session:
        for index in range(SEGMENTS):
            start = (T0 + timedelta(seconds=SEGMENT_S * index)).timestamp()
            path = segment_path(root, "cam1", start)
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(template, path)
            sources.append(path)
            add_segment(
                session, root, ClosedSegment("cam1", start, start + SEGMENT_S, path, path.stat().st_size)
            )
    return site, sources


def best_of(runs: int, action) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Best wall time and best CPU time (all threads of this process) over `runs`.

    CPU time is printed next to wall time because other jobs on a shared machine stretch the
    wall time of a disk- and CPU-bound step several times over, while its CPU time stays put."""
    walls, cpus = [], []
    for index in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        action(index)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bitrate-kbps", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="vms-bench-export-"))
    try:
        site, sources = prepare_site(work, args.bitrate_kbps)
        total = sum(p.stat().st_size for p in sources)
        end = T0 + timedelta(seconds=SEGMENT_S * SEGMENTS)

        def export(index: int) -> None:
            export_package(
                site.session_factory,
                site.paths,
                site.config,
                work / f"export{index}",
                ["cam1"],
                T0,
                end,
                "HS-BENCH",
                "benchmark",
                "bench",
            )

        def verify(index: int) -> None:
            assert verify_package(work / "export0").ok

        def copy(index: int) -> None:
            folder = work / f"copy{index}"
            folder.mkdir()
            for number, path in enumerate(sources):
                shutil.copyfile(path, folder / f"{number}.mp4")

        timings = {
            "copy": best_of(args.runs, copy),
            "export": best_of(args.runs, export),
            "verify": best_of(args.runs, verify),
        }
        packets = json.loads((work / "export0" / "manifest.json").read_text())["cameras"][0]["packets"]
        site.engine.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    copy_s = timings["copy"][0]
    results = {
        "footage_s": SEGMENT_S * SEGMENTS,
        "resolution": "1920x1080",
        "fps": FPS,
        "bytes": total,
        "packets": packets,
        "load_avg_1min": round(os.getloadavg()[0], 2),
        "export_s": round(timings["export"][0], 3),
        "verify_s": round(timings["verify"][0], 3),
        "copy_s": round(copy_s, 3),
        "export_cpu_s": round(timings["export"][1], 3),
        "verify_cpu_s": round(timings["verify"][1], 3),
        "copy_cpu_s": round(timings["copy"][1], 3),
        "export_vs_copy": round(timings["export"][0] / copy_s, 2),
        "verify_vs_copy": round(timings["verify"][0] / copy_s, 2),
        "targets": {"export_s": 2.0, "verify_s": 1.0},
    }
    print(
        f"10 min 1080p H.264, {total / 1e6:.0f} MB in {SEGMENTS} segments (best of {args.runs}, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    print(f"{'step':<8}{'wall s':>10}{'CPU s':>10}{'MB/s':>10}{'vs copy':>10}{'target':>12}")
    for step, target in (("copy", None), ("export", 2.0), ("verify", 1.0)):
        wall, cpu = timings[step]
        flag = "" if target is None else (f"<{target:g} s ok" if wall < target else f"<{target:g} s MISS")
        print(
            f"{step:<8}{wall:>10.3f}{cpu:>10.3f}{total / 1e6 / wall:>10.0f}{wall / copy_s:>9.2f}x{flag:>12}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
