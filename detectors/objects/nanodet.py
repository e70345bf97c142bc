"""Default backend: NanoDet-g (COCO-80) on OpenVINO, pre/post-processing in vectorised NumPy.

The model (fetched and converted once at set-up, see `detectors.models`) takes a square image
stretched to the input side (no letterbox), BGR, normalised with the mean/std below, NCHW;
normalisation and layout run inside the compiled model (OpenVINO PrePostProcessor), so the
host sends resized uint8 pixels only. Outputs, per stride 8, 16, 32 (grid g = side / stride):

- class map (1, g*g, 80), sigmoid already applied in the graph;
- box regression (1, g*g, 44) = 4 sides (left, top, right, bottom) x 11 bins: softmax over the
  bins, expected bin index x stride = distance from the cell centre ((x + 0.5) * stride,
  (y + 0.5) * stride); cells are row-major (index = y * g + x).

Then per-class greedy NMS at `iou_threshold`, COCO-80 labels mapped to project classes. With
`letterbox` the picture is first centred on a grey square (aspect ratio kept) and boxes are
mapped back from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from detectors.models import nanodet_ir
from detectors.objects.base import PAD_GREY, ObjectDetector, nms_per_class
from detectors.objects.configs import NanoDetConfig
from detectors.types import COCO80_TO_CLASS, Detections

MEAN_BGR = (103.53, 116.28, 123.675)
STD_BGR = (57.375, 57.12, 58.395)
STRIDES = (8, 16, 32)
REG_BINS = 11  # reg_max 10 -> bins 0..10
MAX_CANDIDATES = 1000  # (cell, class) pairs kept before NMS; a crowded frame has far fewer

_COCO_IDS = np.array(sorted(COCO80_TO_CLASS), np.int64)  # the COCO columns the product uses
_PROJECT_IDS = np.array([int(COCO80_TO_CLASS[c]) for c in _COCO_IDS], np.int32)


def cell_centres(side: int) -> np.ndarray:
    """(sum g*g, 3) float32 rows (cx, cy, stride) for all strides, in output order."""
    parts = []
    for stride in STRIDES:
        g = side // stride
        ys, xs = np.divmod(np.arange(g * g, dtype=np.float32), g)
        parts.append(np.stack([(xs + 0.5) * stride, (ys + 0.5) * stride, np.full(g * g, stride, np.float32)], 1))
    return np.concatenate(parts).astype(np.float32)


def decode(
    scores: np.ndarray,
    reg: np.ndarray,
    centres: np.ndarray,
    score_threshold: float,
    iou_threshold: float,
) -> Detections:
    """Decode one image's raw outputs into Detections in model-input pixels.

    Args:
        scores: (N, 80) float32 class probabilities, all strides concatenated.
        reg: (N, 44) float32 bin logits.
        centres: (N, 3) float32 (cx, cy, stride) from `cell_centres`.
    """
    wanted = scores[:, _COCO_IDS]  # (N, 6): drop the 74 classes the product ignores first
    cell, col = np.nonzero(wanted >= score_threshold)
    conf = wanted[cell, col]
    if len(conf) > MAX_CANDIDATES:
        top = np.argpartition(-conf, MAX_CANDIDATES)[:MAX_CANDIDATES]
        cell, col, conf = cell[top], col[top], conf[top]
    if len(conf) == 0:
        return Detections.empty()
    logits = reg[cell].reshape(-1, 4, REG_BINS)
    logits = logits - logits.max(axis=2, keepdims=True)
    prob = np.exp(logits)
    dist = (prob @ np.arange(REG_BINS, dtype=np.float32)) / prob.sum(axis=2)  # (k, 4) in bins
    cx, cy, stride = centres[cell, 0], centres[cell, 1], centres[cell, 2]
    dist *= stride[:, None]
    xyxy = np.stack([cx - dist[:, 0], cy - dist[:, 1], cx + dist[:, 2], cy + dist[:, 3]], 1).astype(np.float32)
    cls = _PROJECT_IDS[col]
    keep = nms_per_class(xyxy, conf, cls, iou_threshold)
    return Detections(xyxy=xyxy[keep], confidence=conf[keep].astype(np.float32), class_id=cls[keep])


class NanoDetDetector(ObjectDetector):
    """NanoDet-g COCO on OpenVINO (device and threads configurable)."""

    name = "nanodet"

    def __init__(self, config: NanoDetConfig | None = None, ir_path: Path | None = None) -> None:
        """Compile the model; `ir_path` overrides the fetched IR (benchmarks of other builds)."""
        self.config = config or NanoDetConfig()
        xml = ir_path or nanodet_ir(self.config.input_size, self.config.int8)
        try:
            import openvino as ov
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError("detector type 'nanodet' needs `pip install openvino`") from exc
        core = ov.Core()
        model = core.read_model(str(xml))
        ppp = ov.preprocess.PrePostProcessor(model)
        ppp.input().tensor().set_element_type(ov.Type.u8).set_layout(ov.Layout("NHWC"))
        ppp.input().preprocess().convert_element_type(ov.Type.f32).mean(list(MEAN_BGR)).scale(list(STD_BGR))
        ppp.input().model().set_layout(ov.Layout("NCHW"))
        model = ppp.build()
        props = {"PERFORMANCE_HINT": "LATENCY"}
        if self.config.device == "CPU":
            props["INFERENCE_NUM_THREADS"] = self.config.threads
        self._compiled = core.compile_model(model, self.config.device, props)
        self._request = self._compiled.create_infer_request()
        # Six outputs: class maps (last dim 80) and regressions (44), finest stride (most cells) first.
        shapes = [tuple(o.get_shape()) for o in self._compiled.outputs]
        by_cells = sorted(range(len(shapes)), key=lambda i: -shapes[i][1])
        self._cls_idx = [i for i in by_cells if shapes[i][2] == 80]
        self._reg_idx = [i for i in by_cells if shapes[i][2] == 4 * REG_BINS]
        self._side = self.config.input_size
        self.input_side = self._side
        self._centres = cell_centres(self._side)

    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        return [self._detect_one(img) for img in images]

    def raw_outputs(self, bgr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Run the model on one BGR image: (N, 80) scores and (N, 44) regression logits."""
        side = self._side
        resized = cv2.resize(bgr, (side, side), interpolation=cv2.INTER_LINEAR)
        self._request.infer({0: resized[None]})
        return self._outputs()

    def _outputs(self) -> tuple[np.ndarray, np.ndarray]:
        outs = [self._request.get_output_tensor(i).data for i in range(len(self._compiled.outputs))]
        scores = np.concatenate([outs[i][0] for i in self._cls_idx])
        reg = np.concatenate([outs[i][0] for i in self._reg_idx])
        return scores, reg

    def _detect_one(self, bgr: np.ndarray) -> Detections:
        h, w = bgr.shape[:2]
        if h < 2 or w < 2:
            return Detections.empty()
        if self.config.letterbox:
            image, (ox, oy) = letterbox(bgr)
        else:
            image, ox, oy = bgr, 0, 0
        scores, reg = self.raw_outputs(image)
        dets = decode(scores, reg, self._centres, self.config.score_threshold, self.config.iou_threshold)
        if not len(dets):
            return dets
        ih, iw = image.shape[:2]
        scale = np.array([iw, ih, iw, ih], np.float32) / self._side
        xyxy = dets.xyxy * scale - np.array([ox, oy, ox, oy], np.float32)
        xyxy = np.clip(xyxy, 0, [w, h, w, h]).astype(np.float32)
        keep = (xyxy[:, 2] - xyxy[:, 0] >= 1) & (xyxy[:, 3] - xyxy[:, 1] >= 1)  # boxes wholly on the padding
        return Detections(xyxy=xyxy[keep], confidence=dets.confidence[keep], class_id=dets.class_id[keep])


def letterbox(bgr: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """The image centred on a grey square of side max(h, w); returns it and the (x, y) offset."""
    h, w = bgr.shape[:2]
    side = max(h, w)
    if h == w:
        return bgr, (0, 0)
    canvas = np.full((side, side, 3), PAD_GREY, np.uint8)
    ox, oy = (side - w) // 2, (side - h) // 2
    canvas[oy:oy + h, ox:ox + w] = bgr
    return canvas, (ox, oy)
