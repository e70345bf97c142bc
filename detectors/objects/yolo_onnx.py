"""YOLO models exported by ultralytics to ONNX, run with plain onnxruntime (no torch).

Export layout: input (1, 3, S, S) float32 RGB in [0, 1], letterboxed; output (1, 4 + nc, N)
with rows cx, cy, w, h (input pixels) then one score per class, no objectness, no NMS.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from detectors.objects.base import ObjectDetector, nms_per_class
from detectors.objects.configs import YoloOnnxConfig
from detectors.types import COCO80_TO_CLASS, Detections, class_lookup, lookup_from_names


def letterbox(bgr: np.ndarray, size: int) -> tuple[np.ndarray, float, tuple[int, int]]:
    """Resize keeping aspect into a size x size grey canvas.

    Returns:
        (size, size, 3) uint8 image, scale factor, (pad_x, pad_y) in px.
    """
    h, w = bgr.shape[:2]
    scale = min(size / w, size / h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    canvas = np.full((size, size, 3), 114, np.uint8)
    px, py = (size - nw) // 2, (size - nh) // 2
    canvas[py : py + nh, px : px + nw] = cv2.resize(bgr, (nw, nh), interpolation=cv2.INTER_LINEAR)
    return canvas, scale, (px, py)


def decode_yolo(
    output: np.ndarray, lookup: np.ndarray, score_threshold: float, iou_threshold: float
) -> Detections:
    """Decode one image's raw output (4 + nc, N) into Detections in input-pixel coordinates."""
    pred = output.T  # (N, 4 + nc)
    scores_all = pred[:, 4:]
    raw_cls = scores_all.argmax(axis=1)
    score = scores_all[np.arange(len(pred)), raw_cls]
    cls = lookup[raw_cls] if len(lookup) > 0 else np.full(len(pred), -1)
    keep = (score >= score_threshold) & (cls >= 0)
    pred, score, cls = pred[keep], score[keep], cls[keep]
    cxcy, wh = pred[:, :2], pred[:, 2:4]
    xyxy = np.concatenate([cxcy - wh / 2, cxcy + wh / 2], axis=1).astype(np.float32)
    kept = nms_per_class(xyxy, score, cls, iou_threshold)
    return Detections(xyxy=xyxy[kept], confidence=score[kept], class_id=cls[kept])


class YoloOnnxDetector(ObjectDetector):
    """ultralytics-exported YOLO (v8/11 layout) on onnxruntime CPU."""

    name = "yolo_onnx"

    def __init__(self, config: YoloOnnxConfig) -> None:
        import onnxruntime as ort

        self.config = config
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = config.threads
        self._session = ort.InferenceSession(config.path, opts, providers=["CPUExecutionProvider"])
        self._input_name = self._session.get_inputs()[0].name
        if config.class_names is None:
            self._lookup = class_lookup(COCO80_TO_CLASS, 80)
        else:
            self._lookup = lookup_from_names(dict(enumerate(config.class_names)), len(config.class_names))

    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        return [self._detect_one(img) for img in images]

    def _detect_one(self, bgr: np.ndarray) -> Detections:
        size = self.config.input_size
        canvas, scale, (px, py) = letterbox(bgr, size)
        blob = cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB).transpose(2, 0, 1)[None].astype(np.float32) / 255.0
        (out,) = self._session.run(None, {self._input_name: blob})[:1]
        dets = decode_yolo(out[0], self._lookup, self.config.score_threshold, self.config.iou_threshold)
        h, w = bgr.shape[:2]
        xyxy = (dets.xyxy - np.array([px, py, px, py], np.float32)) / scale
        xyxy = np.clip(xyxy, 0, [w, h, w, h]).astype(np.float32)
        return Detections(xyxy=xyxy, confidence=dets.confidence, class_id=dets.class_id)
