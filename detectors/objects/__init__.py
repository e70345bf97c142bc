"""Object detection backends behind one contract (batch of crops in, `Detections` out).

Backends are chosen by name from an explicit registry (`registry.BACKENDS`) and configured
with a pydantic discriminated union on `type` (`configs.DetectorConfig`).
"""

from detectors.objects.base import ObjectDetector
from detectors.objects.configs import DetectorConfig
from detectors.objects.registry import BACKENDS, build_detector

__all__ = ["BACKENDS", "DetectorConfig", "ObjectDetector", "build_detector"]
