"""Simulated camera: scripted street scenes with per-frame ground truth, streamed as H.264/MPEG-TS.

Public API (used by the ingest path, the demo and the event-rule evaluation):

- `load_scene(source)` -> `SceneScript`: a name in configs/scenes, a YAML path or a dict.
- `SceneRenderer(script)`: `frame_at(t)` (H, W, 3) uint8 BGR and `objects_at(t)` -> `GroundTruth`.
- `open_simulated_stream(script, realtime=True, loop=True, duration_s=None)` -> `SimulatedStream`,
  a readable file-like object carrying H.264 in MPEG-TS for `av.open(stream, format="mpegts")`.
- `SimulatedCamera.shared(key, script).open("main" | "sub")`: a camera with a main and a sub stream
  (rendered once, two encoders, one clock), each opened and closed on its own.
- `ground_truth_track(script, t0, t1)` per-frame ground truth; `incidents(script)` scripted incidents.
"""

from camera_drivers.simulator.renderer import SceneRenderer
from camera_drivers.simulator.script import PALETTE, SceneError, SceneScript, load_scene
from camera_drivers.simulator.stream import SimulatedCamera, SimulatedStream, open_simulated_stream, sub_stream_size
from camera_drivers.simulator.truth import GroundTruth, IncidentTruth, ground_truth_track, incidents

__all__ = [
    "PALETTE",
    "GroundTruth",
    "IncidentTruth",
    "SceneError",
    "SceneRenderer",
    "SceneScript",
    "SimulatedCamera",
    "SimulatedStream",
    "ground_truth_track",
    "incidents",
    "load_scene",
    "open_simulated_stream",
    "sub_stream_size",
]
