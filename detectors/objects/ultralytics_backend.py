"""Optional backend: any ultralytics model (`pip install .[ultralytics]`, pulls torch ~6 GB).

ultralytics ships no weights: a bare name such as "yolo11n.pt" triggers a download, which
fails offline. We refuse that up front with a message naming the offline alternatives.
A model YAML ("yolo11n.yaml") builds random weights and is how the code path is tested.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from detectors.models import FETCH_COMMAND
from detectors.objects.base import ObjectDetector
from detectors.objects.configs import UltralyticsConfig
from detectors.types import Detections, lookup_from_names

OFFLINE_HINT = (
    "Offline alternatives: detector type 'nanodet' (the offline default) or 'ssd_tflite' (the low-end "
    f"fallback), both fetched once with `{FETCH_COMMAND}`, or 'yolo_onnx' with a YOLO .onnx file "
    "exported elsewhere."
)


class UltralyticsDetector(ObjectDetector):
    """Wraps `ultralytics.YOLO`; class names come from the model itself."""

    name = "ultralytics"

    def __init__(self, config: UltralyticsConfig) -> None:
        try:
            from ultralytics import YOLO
        except ImportError as exc:
            raise ImportError(
                "detector type 'ultralytics' needs the optional extra: pip install '.[ultralytics]' "
                f"(torch, ~6 GB). {OFFLINE_HINT}"
            ) from exc
        self.config = config
        is_yaml = config.model.endswith((".yaml", ".yml"))
        if not is_yaml and not Path(config.model).is_file():
            raise FileNotFoundError(
                f"ultralytics model {config.model!r} is not a local file and this system works "
                f"offline (ultralytics would try to download it). {OFFLINE_HINT}"
            )
        self._model = YOLO(config.model)
        self._lookup = lookup_from_names(dict(self._model.names), size=len(self._model.names))

    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        if not images:
            return []
        results = self._model.predict(
            list(images),
            imgsz=self.config.input_size,
            conf=self.config.score_threshold,
            iou=self.config.iou_threshold,
            verbose=False,
        )
        out = []
        for res in results:
            boxes = res.boxes
            cls = self._lookup[boxes.cls.cpu().numpy().astype(np.int64)]
            keep = cls >= 0
            out.append(
                Detections(
                    xyxy=boxes.xyxy.cpu().numpy()[keep],
                    confidence=boxes.conf.cpu().numpy()[keep],
                    class_id=cls[keep],
                )
            )
        return out
