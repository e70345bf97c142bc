"""Live view: glass-to-glass latency, server CPU per viewer-stream, and the naive MJPEG baseline.

Side by side in one run, against the real service (`vms serve` in a subprocess, simulated cameras
whose frames carry their capture time as a burned-in code, camera_drivers/simulator/timecode.py):

  idle            the service with N cameras and nobody watching (the reference for CPU)
  1 viewer        one wall tile in Debian chromium (the camera's H.264, fMP4 over WebSocket, MSE)
  16 x 1 viewer   sixteen tiles of sixteen cameras in one wall
  MJPEG baseline  what a naive live view costs: per viewer-stream, decode the same H.264 and encode
                  every frame as JPEG at the same resolution (the relay's socket feeds it, so the
                  camera is not opened twice)

Latency: the page reads the code off every frame it presents (requestVideoFrameCallback, the
video's own pixels) and subtracts it from the time the frame is expected on screen; same
machine, same clock. CPU: utime+stime of the API process and of the camera workers from /proc,
viewer phase minus idle (rows: as measured, % of a core and per frame presented). The headline
`cpu_pct_per_stream` = (API CPU ms per frame presented in the 16-viewer phase + the worker's
publisher ms per packet, measured alone in this process) x fps: per frame, because a loaded
machine delivers fewer frames than the camera's rate; the publisher alone, because in the
service its cost is far below the simulated cameras' rendering noise (the workers' deltas in the
rows can even be negative). The MJPEG baseline is normalised the same way (ms per JPEG x fps)
and does not even count sending the JPEGs (it favours the baseline). Segments lost: gaps in each
camera's recorded segments while the viewers watched.

    python bench/live.py [--cameras 16] [--seconds 20] [--width 640] [--fps 15] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vms.live.protocol import HEADER, TYPE_PACKET, TYPE_STREAM, StreamInfo, decode_packet, socket_address, socket_path  # noqa: E402,E501

PASSWORD = "Bench-Live-7"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--autoplay-policy=no-user-gesture-required"]
TICK = os.sysconf("SC_CLK_TCK")
SEGMENT_S = 2.0

# Runs in the page: for every <video> on the wall, read the burned-in code of each presented frame.
MEASURE_JS = """() => {
  window.__latency = [];
  const BLOCKS = 40, BITS = 36, MOD = 2 ** 36;
  const hook = (video) => {
    if (video.__hooked) return;
    video.__hooked = true;
    const canvas = document.createElement("canvas");
    const g = canvas.getContext("2d", { willReadFrequently: true });
    const step = (now, meta) => {
      const shown = performance.timeOrigin + meta.expectedDisplayTime;
      const w = video.videoWidth, side = w / BLOCKS;
      if (w) {
        canvas.width = w; canvas.height = Math.ceil(side);
        g.drawImage(video, 0, 0, w, side, 0, 0, w, side);
        const row = g.getImageData(0, Math.floor(side / 2), w, 1).data;
        const bit = (i) => { const x = Math.floor((i + 0.5) * side) * 4; return (row[x] + row[x + 1] + row[x + 2]) / 3 > 127 ? 1 : 0; };
        const bits = Array.from({ length: BLOCKS }, (_, i) => bit(i));
        const data = bits.slice(2, 2 + BITS);
        const parity = data.reduce((a, b) => a + b, 0) % 2;
        if (bits[0] === 1 && bits[1] === 0 && bits[BLOCKS - 1] === 0 && parity === bits[2 + BITS]) {
          const value = data.reduce((a, b) => a * 2 + b, 0);
          const base = shown - (shown % MOD);
          const code = [base - MOD + value, base + value, base + MOD + value].reduce((a, b) => Math.abs(b - shown) < Math.abs(a - shown) ? b : a);
          window.__latency.push(shown - code);
        }
      }
      video.requestVideoFrameCallback(step);
    };
    video.requestVideoFrameCallback(step);
  };
  setInterval(() => document.querySelectorAll(".live-tile video").forEach(hook), 200);
}"""


# Runs before the page's scripts: counts the binary WebSocket messages (fMP4 fragments) the page
# receives, i.e. what the server sent, whether or not the browser then presents the frame.
COUNT_WS_JS = """(() => {
  window.__wsBinary = 0;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => { if (typeof event.data !== "string") window.__wsBinary += 1; });
    }
  };
})();"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_site(base: Path, cameras: int, width: int, fps: int) -> Path:
    scene = base / "bench_live.yaml"
    scene.write_text(yaml.safe_dump({"name": "bench_live", "width": width, "height": width * 9 // 16, "fps": fps,
                                     "gop": fps * 2, "duration_s": 60, "timecode": True}), encoding="utf-8")
    config = {"site_name": "bench", "recording": {"segment_seconds": SEGMENT_S},
              "sources": {"scene_dirs": [str(base)]},
              "storage": {"min_free_gb": 0.1, "check_interval_s": 60},
              "cameras": [{"id": f"cam{i:02d}", "name": f"Cam {i:02d}", "source": {"type": "sim", "scene": str(scene),
                                                                                 "seed": i + 1},
                           "detection": {"enabled": False}} for i in range(cameras)]}
    path = base / "site.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


class Service:
    """`vms serve` in a subprocess, stopped by PID."""

    def __init__(self, base: Path, config: Path):
        self.base, self.port, self.data = base, free_port(), base / "data"
        env = {**os.environ, "VMS_ADMIN_PASSWORD": PASSWORD}
        self.log = (base / "service.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "vms.cli", "serve", "--config", str(config), "--data", str(self.data),
             "--port", str(self.port), "--duration", "3600"], cwd=ROOT, env=env, stdout=self.log,
            stderr=subprocess.STDOUT)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, cameras: int, timeout_s: float = 240) -> None:
        import httpx

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"service exited; see {self.base / 'service.log'}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    live = self.data / "state" / "live"
                    online = [p for p in live.glob("*.main.json") if json.loads(p.read_text()).get("online")]
                    if len(online) >= cameras:
                        return
            except (httpx.HTTPError, ValueError, OSError):
                pass
            time.sleep(1)
        raise TimeoutError("cameras not online in time")

    def pids(self) -> list[int]:
        """The API process and its children (camera workers, detector service)."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return [self.process.pid, *children]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    """utime + stime of a process (or of one of its threads)."""
    path = f"/proc/{pid}/task/{thread}/stat" if thread is not None else f"/proc/{pid}/stat"
    try:
        fields = Path(path).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def measure_cpu(service: Service, seconds: float) -> dict[str, float]:
    """% of one core used by the API process and by the workers together over `seconds`."""
    pids = service.pids()
    api_pid = service.process.pid
    before = {pid: cpu_seconds(pid) for pid in pids}
    loop_before = cpu_seconds(api_pid, api_pid)  # the main thread runs uvicorn's event loop: the relay
    start = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - start
    used = {pid: cpu_seconds(pid) - before[pid] for pid in pids}
    api = used.pop(api_pid)
    return {"api_pct": 100 * api / elapsed, "workers_pct": 100 * sum(used.values()) / elapsed,
            "loop_pct": 100 * (cpu_seconds(api_pid, api_pid) - loop_before) / elapsed}


def watch(service: Service, browser, cameras: list[str], seconds: float,  # type: ignore[no-untyped-def]
          profile: Path | None = None) -> tuple[list[float], dict[str, float]]:
    """Open a kiosk wall of `cameras` in chromium; latencies (ms) and server CPU while it plays.

    `profile`: also sample the API process with py-spy (if installed) into this file while it plays."""
    context = browser.new_context(viewport={"width": 1600, "height": 900}, base_url=service.url)
    context.add_init_script(COUNT_WS_JS)
    page = context.new_page()
    page.goto("/")
    page.fill("#login-form input[name=username]", "admin")
    page.fill("#login-form input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#logout", timeout=60_000)
    layout = 1 if len(cameras) == 1 else 4 if len(cameras) <= 4 else 9 if len(cameras) <= 9 else 16
    page.evaluate("([cams, layout]) => localStorage.setItem('vms-wall:admin', JSON.stringify({layout, cameras: cams}))",
                  [cameras, layout])
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.goto("/#/wall?kiosk=1")
    page.reload()  # the wall starts from the arrangement just stored
    try:
        page.wait_for_function(
            f"() => document.querySelectorAll('.live-tile[data-state=playing]').length >= {len(cameras)}",
            timeout=120_000)
    except Exception:
        page.screenshot(path=str(service.base / "wall_timeout.png"))
        states = page.evaluate("() => [...document.querySelectorAll('.live-tile')].map((t) => t.dataset.state)")
        print(f"wall did not play: tile states {states}; console: {console[-10:]}; "
              f"screenshot {service.base / 'wall_timeout.png'}", file=sys.stderr)
        raise
    page.evaluate(MEASURE_JS)
    time.sleep(3)  # settle: players reach the live edge
    page.evaluate("() => { window.__latency = []; window.__wsBinary = 0; }")
    spy = start_profiler(service.process.pid, seconds, profile) if profile else None
    cpu = measure_cpu(service, seconds)
    cpu["fragments"] = page.evaluate("() => window.__wsBinary")
    if spy is not None:
        spy.wait(timeout=seconds + 120)
    latencies = page.evaluate("() => window.__latency")
    context.close()
    return latencies, cpu


def start_profiler(pid: int, seconds: float, out: Path) -> subprocess.Popen | None:
    """py-spy (a sampling profiler, not a dependency of the project) on `pid`, as a flat text report."""
    import shutil

    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print("--profile: py-spy not found (pip install py-spy)", file=sys.stderr)
        return None
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "200",
                             "--nonblocking", "--format", "raw", "--output", str(out)],
                            stdout=subprocess.DEVNULL)


DRAIN_CODE = """import socket, sys
sock = socket.socket(socket.AF_UNIX)
sock.connect(sys.argv[1])
while sock.recv(1 << 16):
    pass
"""


def publisher_cost(width: int, fps: int, frames: int = 600) -> dict:
    """Worker side of the relay, alone: CPU ms per packet to publish one camera stream to one client.

    In the service this cost drowns in the simulated cameras' rendering noise; it is paid once per
    watched camera stream (the API is the worker's only client), whatever the number of viewers.
    Real packets (the bench scene at the same size), a LivePublisher in this process and a reader
    draining its socket in another one (the reader is the API's side, measured in the service).
    """
    import av

    from camera_drivers.simulator.script import load_scene
    from camera_drivers.simulator.stream import open_simulated_stream
    from vms.live.protocol import StreamInfo
    from vms.live.publisher import LivePublisher

    script = load_scene({"name": "bench_live", "width": width, "height": width * 9 // 16, "fps": fps, "gop": fps * 2,
                         "duration_s": 60, "timecode": True})
    packets = []
    with open_simulated_stream(script, realtime=False, loop=False, duration_s=frames / fps) as stream, \
            av.open(stream, format="mpegts") as container:
        for packet in container.demux(video=0):
            if packet.size:
                packets.append((packet.pts or 0, packet.dts or 0, bool(packet.is_keyframe), bytes(packet)))
    with tempfile.TemporaryDirectory(prefix="bench-live-pub-") as tmp:
        publisher = LivePublisher(Path(tmp), "cam", "main").open()
        publisher.start_stream(StreamInfo("cam", "main", "h264", width, width * 9 // 16, 1, 90000, fps))
        # The reader (the API's side of the socket, measured in the service) runs in another
        # process, so this process's CPU is the worker's side alone.
        reader = subprocess.Popen([sys.executable, "-c", DRAIN_CODE, socket_address(socket_path(Path(tmp), "cam", "main"))])
        time.sleep(1.0)
        # CPU of the publish calls (the recording thread's share) + the publisher's own serving
        # thread; not the pacing sleeps between packets (in a worker, packets arrive from the
        # camera socket: that wake-up is recording's, paid with or without a viewer).
        process0, main0, publishing = time.process_time(), time.thread_time(), 0.0
        for pts, dts, key, data in packets:
            began = time.thread_time()
            publisher.publish(pts, dts, 6000, key, time.time(), data)
            publishing += time.thread_time() - began
            time.sleep(0.002)  # let the serving thread send each one on its own, as at camera pace
        time.sleep(0.2)
        other_threads = (time.process_time() - process0) - (time.thread_time() - main0)
        used = publishing + max(0.0, other_threads)
        publisher.close()
        reader.wait(timeout=10)
    ms = 1000 * used / max(1, len(packets))
    return {"packets": len(packets), "ms_per_packet": round(ms, 4), "pct_at_fps": round(ms * fps / 10, 3),
            "bytes_per_packet": round(sum(len(p[3]) for p in packets) / max(1, len(packets)))}


def mjpeg_child(live_dir: str, camera_ids: list[str], seconds: float, out: str) -> None:
    """Baseline, in its own process: per stream, decode every frame and encode it as JPEG."""
    import av
    import cv2

    stop = time.monotonic() + seconds
    frames = [0]

    def one(camera_id: str) -> None:
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(socket_address(socket_path(Path(live_dir), camera_id, "main")))
        reader = sock.makefile("rb")
        decoder = None
        while time.monotonic() < stop:
            length, kind = HEADER.unpack(reader.read(HEADER.size))
            payload = reader.read(length)
            if kind == TYPE_STREAM:
                info = StreamInfo.from_json(payload)
                decoder = av.CodecContext.create(info.codec, "r")
                decoder.extradata = info.extradata or None
                decoder.thread_count = 1
            elif kind == TYPE_PACKET and decoder is not None:
                packet = decode_packet(payload)
                for frame in decoder.decode(av.Packet(packet.data)):
                    cv2.imencode(".jpg", frame.to_ndarray(format="bgr24"), [cv2.IMWRITE_JPEG_QUALITY, 80])
                    frames[0] += 1
        sock.close()

    cpu0, wall0 = time.process_time(), time.monotonic()
    threads = [threading.Thread(target=one, args=(cid,)) for cid in camera_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - wall0
    Path(out).write_text(json.dumps({"cpu_pct": 100 * (time.process_time() - cpu0) / elapsed, "frames": frames[0],
                                     "seconds": elapsed}))


def mjpeg_baseline(service: Service, camera_ids: list[str], seconds: float) -> dict:
    out = service.base / "mjpeg.json"
    code = ("import sys; sys.path.insert(0, %r); from bench.live import mjpeg_child; "
            "mjpeg_child(%r, %r, %r, %r)") % (str(ROOT), str(service.data / "state" / "live"), camera_ids,
                                               seconds, str(out))
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=seconds + 120)
    return json.loads(out.read_text())


def segments_lost(service: Service, since: float, until: float) -> int:
    """Segments missing from the index between `since` and `until` (gaps longer than half a segment)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{service.data / 'state' / 'vms.db'}")
    try:
        with engine.connect() as db:
            rows = db.execute(text("SELECT camera_id, start, \"end\" FROM segments ORDER BY camera_id, start")).all()
    finally:
        engine.dispose()
    from datetime import datetime

    def ts(value: object) -> float:
        return (value if isinstance(value, datetime) else datetime.fromisoformat(str(value))).timestamp()

    lost, last_end = 0, {}
    for camera_id, start, end in rows:
        start_s, end_s = ts(start), ts(end)
        previous = last_end.get(camera_id)
        if previous is not None and since <= start_s <= until and start_s - previous > SEGMENT_S / 2:
            lost += max(1, round((start_s - previous) / SEGMENT_S))
        last_end[camera_id] = end_s
    return lost


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def run(args: argparse.Namespace) -> dict:
    from playwright.sync_api import sync_playwright

    base = Path(tempfile.mkdtemp(prefix="bench-live-"))
    service = Service(base, write_site(base, args.cameras, args.width, args.fps))
    try:
        service.wait_ready(args.cameras)
        time.sleep(3)
        idle = measure_cpu(service, args.seconds)
        ids = [f"cam{i:02d}" for i in range(args.cameras)]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            watched_from = time.time()
            one_lat, one_cpu = watch(service, browser, ids[:1], args.seconds)
            many_lat, many_cpu = watch(service, browser, ids, args.seconds, args.profile)
            watched_to = time.time()
            browser.close()
        mjpeg = mjpeg_baseline(service, ids[:args.mjpeg_streams], args.seconds)
        lost = segments_lost(service, watched_from, watched_to)
        # Idle again, once the live channels' linger is over: the reference is the mean of both
        # (the API process also runs the supervisor and the janitor, whose CPU drifts).
        idle_after = measure_cpu(service, args.seconds)
        idle = {key: (idle[key] + idle_after[key]) / 2 for key in idle} | {"before": idle, "after": idle_after}
    finally:
        service.stop()
    publisher = publisher_cost(args.width, args.fps)
    return summarise(args, idle, (one_lat, one_cpu), (many_lat, many_cpu), mjpeg, lost, publisher)


def per_stream(cpu: dict[str, float], idle: dict[str, float], streams: int) -> float:
    return max(0.0, (cpu["api_pct"] - idle["api_pct"]) + (cpu["workers_pct"] - idle["workers_pct"])) / streams


def per_frame_ms(cpu_pct: float, frames: int, seconds: float) -> float | None:
    """CPU milliseconds per frame delivered: robust when a loaded machine delivers fewer frames."""
    return round(cpu_pct / 100 * seconds * 1000 / frames, 3) if frames else None


def summarise(args, idle, one, many, mjpeg, lost, publisher) -> dict:  # type: ignore[no-untyped-def]
    rows = {}
    for name, (lat, cpu), streams in (("1 viewer", one, 1), (f"{args.cameras} x 1 viewer", many, args.cameras)):
        # Per fragment the server sent (counted by the page): a browser starved of CPU presents
        # fewer frames than it receives, and the server's work is per frame sent.
        sent = int(cpu.get("fragments") or len(lat))
        rows[name] = {"latency_ms": {"p50": round(percentile(lat, 50), 1), "p95": round(percentile(lat, 95), 1),
                                     "frames": len(lat)},
                      "fragments": sent,
                      "api_cpu_pct": round(cpu["api_pct"] - idle["api_pct"], 2),
                      "workers_cpu_pct": round(cpu["workers_pct"] - idle["workers_pct"], 2),
                      "cpu_pct_per_stream": round(per_stream(cpu, idle, streams), 3),
                      "api_ms_per_frame": per_frame_ms(cpu["api_pct"] - idle["api_pct"], sent, args.seconds),
                      "api_loop_ms_per_frame": per_frame_ms(cpu["loop_pct"] - idle["loop_pct"], sent, args.seconds),
                      "relay_ms_per_frame": per_frame_ms(per_stream(cpu, idle, 1), sent, args.seconds)}
    worst = max(rows.values(), key=lambda r: r["latency_ms"]["p95"])
    many_row = rows[f"{args.cameras} x 1 viewer"]
    # Headline cost of one viewer-stream: the API's CPU per frame delivered (measured in the service;
    # the API is idle otherwise) + the worker's publisher per packet (measured alone: in the service
    # it is lost in the simulated cameras' noise), at the camera's frame rate.
    api_ms = many_row["api_ms_per_frame"] or 0.0
    ours_ms = round(max(0.0, api_ms) + publisher["ms_per_packet"], 4)
    ours = round(ours_ms * args.fps / 10, 3)  # ms per frame x frames per s / 1000 ms x 100 %
    mjpeg_ms = per_frame_ms(mjpeg["cpu_pct"], mjpeg["frames"], mjpeg["seconds"])
    mjpeg_per_stream = (mjpeg_ms or 0.0) * args.fps / 10
    return {
        "latency_ms": {"p50": worst["latency_ms"]["p50"], "p95": worst["latency_ms"]["p95"]},
        "cpu_pct_per_stream": ours,
        "mjpeg_cpu_pct_per_stream": round(mjpeg_per_stream, 2),
        "ratio_vs_mjpeg": round(mjpeg_per_stream / ours, 1) if ours > 0 else None,
        "segments_lost": lost,
        "relay_ms_per_frame": ours_ms,
        "mjpeg_ms_per_frame": mjpeg_ms,
        "mjpeg_cpu_pct_measured": round(mjpeg["cpu_pct"] / max(1, args.mjpeg_streams), 2),
        "publisher": publisher,
        "rows": rows,
        "idle_cpu_pct": {k: round(v, 2) if isinstance(v, float) else {x: round(y, 2) for x, y in v.items()}
                         for k, v in idle.items()},
        "mjpeg": mjpeg,
        "setup": {"cameras": args.cameras, "width": args.width, "fps": args.fps, "seconds": args.seconds,
                  "mjpeg_streams": args.mjpeg_streams, "load_average": os.getloadavg()},
    }


def print_table(result: dict) -> None:
    def ms(value: float | None) -> str:
        return f"{value:>10.3f}" if value is not None else f"{'-':>10}"

    print(f"{'run':<18}{'p50 ms':>9}{'p95 ms':>9}{'frames':>8}{'sent':>7}{'API %':>8}{'workers %':>11}"
          f"{'% / stream':>12}{'ms/frame':>10}{'API ms/fr':>11}{'loop ms/fr':>11}")
    for name, row in result["rows"].items():
        lat = row["latency_ms"]
        print(f"{name:<18}{lat['p50']:>9.0f}{lat['p95']:>9.0f}{lat['frames']:>8}{row['fragments']:>7}"
              f"{row['api_cpu_pct']:>8.2f}{row['workers_cpu_pct']:>11.2f}{row['cpu_pct_per_stream']:>12.3f}"
              f"{ms(row['relay_ms_per_frame'])}{ms(row['api_ms_per_frame'])}{ms(row['api_loop_ms_per_frame'])}")
    print(f"{'MJPEG baseline':<18}{'':>9}{'':>9}{result['mjpeg']['frames']:>8}{'':>7}{'':>8}{'':>11}"
          f"{result['mjpeg_cpu_pct_per_stream']:>12.2f}{ms(result['mjpeg_ms_per_frame'])}")
    pub = result["publisher"]
    print(f"worker publisher alone: {pub['ms_per_packet']:.3f} ms/packet ({pub['bytes_per_packet']} B avg)")
    print(f"per viewer-stream at {result['setup']['fps']} fps: relay {result['relay_ms_per_frame']:.3f} ms/frame = "
          f"{result['cpu_pct_per_stream']:.3f} % of a core (API per frame + publisher); MJPEG "
          f"{result['mjpeg_ms_per_frame']:.3f} ms/frame = {result['mjpeg_cpu_pct_per_stream']:.2f} %; "
          f"ratio {result['ratio_vs_mjpeg']}x")
    print(f"segments lost: {result['segments_lost']}   "
          f"load average: {' '.join(f'{x:.2f}' for x in result['setup']['load_average'])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cameras", type=int, default=16, help="cameras (and tiles) in the many-viewer run")
    parser.add_argument("--width", type=int, default=640, help="simulated camera width (16:9)")
    parser.add_argument("--fps", type=int, default=15)
    parser.add_argument("--seconds", type=float, default=20, help="length of each measured phase")
    parser.add_argument("--mjpeg-streams", type=int, default=4, help="streams the MJPEG baseline serves at once")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--profile", type=Path, help="py-spy the API process in the many-viewer phase (raw stacks)")
    args = parser.parse_args()
    result = run(args)
    print_table(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
