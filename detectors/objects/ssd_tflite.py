"""Offline default backend: Coral's quantised SSD-MobileNet-v2 COCO run with ai-edge-litert.

Measured on this 2-core machine: ~21-46 ms per 300x300 inference. The model takes a uint8
RGB 300x300 image and has TFLite's detection post-processing built in (at most 20 boxes,
normalised [ymin, xmin, ymax, xmax]), so no NMS is needed here.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from detectors.models import SSD_MOBILENET_V2_COCO, model_file
from detectors.objects.base import ObjectDetector
from detectors.objects.configs import SsdTfliteConfig
from detectors.types import Detections, lookup_from_names


def _read_labels(path: str) -> dict[int, str]:
    """Parse Coral's `coco_labels.txt` ("<index>  <name>" per line)."""
    labels = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            idx, _, name = line.strip().partition(" ")
            if idx.isdigit():
                labels[int(idx)] = name.strip()
    return labels


class SsdTfliteDetector(ObjectDetector):
    """SSD-MobileNet-v2 COCO (tflite, uint8). Crops are resized to 300x300 (no letterbox,
    as the model was trained with plain resizing)."""

    name = "ssd_tflite"

    def __init__(self, config: SsdTfliteConfig | None = None) -> None:
        self.config = config or SsdTfliteConfig()
        weights = model_file(SSD_MOBILENET_V2_COCO, "fs/mobilenet_ssd_v2_coco_quant_postprocess.tflite")
        labels = model_file(SSD_MOBILENET_V2_COCO, "fs/coco_labels.txt")
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError("ssd_tflite needs `pip install ai-edge-litert`") from exc
        self._interp = Interpreter(model_path=str(weights), num_threads=self.config.threads)
        self._interp.allocate_tensors()
        inp = self._interp.get_input_details()[0]
        self._input_index = inp["index"]
        self._size = (int(inp["shape"][2]), int(inp["shape"][1]))  # (w, h)
        outs = self._interp.get_output_details()
        self._out_index = [o["index"] for o in outs[:4]]  # boxes, classes, scores, count
        self._lookup = lookup_from_names(_read_labels(str(labels)), size=256)

    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        return [self._detect_one(img) for img in images]

    def _detect_one(self, bgr: np.ndarray) -> Detections:
        h, w = bgr.shape[:2]
        if h < 2 or w < 2:
            return Detections.empty()
        rgb = cv2.cvtColor(cv2.resize(bgr, self._size, interpolation=cv2.INTER_LINEAR), cv2.COLOR_BGR2RGB)
        self._interp.set_tensor(self._input_index, rgb[None])
        self._interp.invoke()
        boxes, classes, scores, count = (self._interp.get_tensor(i) for i in self._out_index)
        n = int(count[0])
        boxes, classes, scores = boxes[0, :n], classes[0, :n].astype(np.int64), scores[0, :n]
        cls = self._lookup[np.clip(classes, 0, 255)]
        keep = (cls >= 0) & (scores >= self.config.score_threshold)
        yx = np.clip(boxes[keep], 0.0, 1.0)
        xyxy = np.stack([yx[:, 1] * w, yx[:, 0] * h, yx[:, 3] * w, yx[:, 2] * h], axis=1)
        return Detections(xyxy=xyxy, confidence=scores[keep], class_id=cls[keep])
