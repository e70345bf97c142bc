"""Registry of detector backends by name; imports a backend only when it is built.

Lazy imports keep optional dependencies optional: `ultralytics` (torch) is imported only when
a config asks for it.

Adding a backend (e.g. the `simulated` detector for simulated cameras) takes three small steps:
1. a config class in `configs.py` with `type: Literal["simulated"]`, added to `DetectorConfig`;
2. a subclass of `ObjectDetector` implementing `detect(images) -> list[Detections]` (or, for a
   backend that does not look at pixels, overriding `detect_frame(frame, regions)` and setting
   `needs_pixels = False`);
3. one line here: `"simulated": "detectors.objects.simulated:SimulatedDetector"` (or a call to
   `register()` from the module that defines it).
"""

from __future__ import annotations

import importlib

from pydantic import BaseModel

from detectors.objects.base import ObjectDetector

# type name -> "module:Class"
BACKENDS: dict[str, str] = {
    "nanodet": "detectors.objects.nanodet:NanoDetDetector",
    "ssd_tflite": "detectors.objects.ssd_tflite:SsdTfliteDetector",
    "yolo_onnx": "detectors.objects.yolo_onnx:YoloOnnxDetector",
    "ultralytics": "detectors.objects.ultralytics_backend:UltralyticsDetector",
    "simulated": "detectors.objects.simulated:SimulatedDetector",
}


def register(name: str, target: str) -> None:
    """Add a backend ("module:Class") under `name`; refuses to overwrite silently."""
    if name in BACKENDS and BACKENDS[name] != target:
        raise ValueError(f"detector backend {name!r} already registered as {BACKENDS[name]}")
    BACKENDS[name] = target


def build_detector(config: BaseModel) -> ObjectDetector:
    """Instantiate the backend named by `config.type` with that config."""
    name = getattr(config, "type", None)
    if name not in BACKENDS:
        raise KeyError(f"unknown detector type {name!r}; known: {sorted(BACKENDS)}")
    module_name, cls_name = BACKENDS[name].split(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    return cls(config)
