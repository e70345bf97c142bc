"""Tests for detector backends: contract plumbing, YOLO ONNX decoding, registry, ultralytics."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from detectors.objects import ObjectDetector, build_detector
from detectors.objects.base import merge_overlapping, nms_per_class
from detectors.objects.configs import UltralyticsConfig, YoloOnnxConfig
from detectors.types import ClassId, Detections

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper

NC = 80


def _yolo_graph(path: Path, size: int, rows: list[tuple[float, float, float, float, int, float]]) -> None:
    """Write a tiny ONNX model whose output has the ultralytics export layout (1, 4+nc, N).

    The output is a constant plus 0 x mean(input), so it depends on the input like a real net.
    """
    n = len(rows)
    out = np.zeros((1, 4 + NC, n), np.float32)
    for i, (cx, cy, w, h, cls, score) in enumerate(rows):
        out[0, :4, i] = (cx, cy, w, h)
        out[0, 4 + cls, i] = score
    nodes = [
        helper.make_node(
            "Constant", [], ["pred"], value=helper.make_tensor("p", TensorProto.FLOAT, out.shape, out.ravel())
        ),
        helper.make_node("ReduceMean", ["images"], ["m"], keepdims=0),
        helper.make_node(
            "Constant", [], ["zero"], value=helper.make_tensor("z", TensorProto.FLOAT, [], [0.0])
        ),
        helper.make_node("Mul", ["m", "zero"], ["m0"]),
        helper.make_node("Add", ["pred", "m0"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_yolo",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 4 + NC, n])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))


def test_yolo_onnx_decodes_ultralytics_layout(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    path = tmp_path / "tiny.onnx"
    _yolo_graph(
        path,
        640,
        [
            (320, 320, 100, 200, 0, 0.9),  # person
            (325, 320, 100, 200, 0, 0.8),  # duplicate person: removed by NMS
            (100, 300, 50, 50, 16, 0.95),  # dog: not a product class
            (500, 300, 80, 40, 2, 0.3),  # car below the score threshold
            (500, 400, 80, 40, 3, 0.7),  # motorcycle -> motorbike
        ],
    )
    det = build_detector(YoloOnnxConfig(path=str(path), input_size=640, score_threshold=0.5))
    image = np.zeros((640, 1280, 3), np.uint8)  # letterboxed: scale 0.5, pad_y 160
    (out,) = det.detect([image])
    assert out.class_id.tolist() == [int(ClassId.PERSON), int(ClassId.MOTORBIKE)]
    assert out.confidence.tolist() == pytest.approx([0.9, 0.7])
    assert out.xyxy.tolist() == [[540.0, 120.0, 740.0, 520.0], [920.0, 440.0, 1080.0, 520.0]]


class _FixedDetector(ObjectDetector):
    """A real backend with a scripted answer per crop size: exercises the base-class plumbing."""

    name = "fixed"

    def __init__(self, answers: dict[tuple[int, int], Detections]) -> None:
        self.answers = answers

    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        return [self.answers.get(img.shape[:2], Detections.empty()) for img in images]


def test_detect_regions_shifts_and_prefers_whole_boxes() -> None:
    frame = np.zeros((400, 600, 3), np.uint8)
    # Region A (0..200 x 0..200) sees a person cut by its right edge; region B (100..400 x
    # 0..300) sees the whole person. B's box must win although A's box scores higher.
    answers = {
        (200, 200): Detections([[150, 50, 200, 150]], [0.95], [0]),
        (300, 300): Detections([[50, 50, 160, 150]], [0.8], [0]),
    }
    out = _FixedDetector(answers).detect_regions(frame, np.array([[0, 0, 200, 200], [100, 0, 400, 300]]))
    assert out.xyxy.tolist() == [[150.0, 50.0, 260.0, 150.0]]
    assert out.confidence.tolist() == pytest.approx([0.8])


@pytest.mark.parametrize(
    ("boxes", "scores", "cut", "expected"),
    [
        ([[0, 0, 10, 10], [1, 1, 11, 11]], [0.9, 0.8], [False, False], [0]),
        ([[0, 0, 10, 10], [20, 20, 30, 30]], [0.9, 0.8], [False, False], [0, 1]),
        (
            [[0, 0, 10, 10], [0, 0, 20, 20]],
            [0.9, 0.8],
            [True, False],
            [1],
        ),  # cut box lies inside the whole one
    ],
)
def test_merge_overlapping(boxes, scores, cut, expected) -> None:
    keep = merge_overlapping(np.array(boxes, np.float32), np.array(scores), np.array(cut))
    assert keep.tolist() == expected


def test_nms_is_per_class() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 10]], np.float32)
    keep = nms_per_class(boxes, np.array([0.9, 0.8, 0.7]), np.array([0, 0, 3]), 0.5)
    assert keep.tolist() == [0, 2]


def test_registry_rejects_unknown_type() -> None:
    class _Cfg:
        type = "nope"

    with pytest.raises(KeyError, match="ssd_tflite"):
        build_detector(_Cfg())  # type: ignore[arg-type]


def test_ultralytics_offline_name_fails_clearly() -> None:
    try:
        import ultralytics  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="ssd_tflite"):
            build_detector(UltralyticsConfig(model="yolo11n.pt"))
        return
    with pytest.raises(FileNotFoundError, match="ssd_tflite"):
        build_detector(UltralyticsConfig(model="yolo11n.pt"))


def test_ultralytics_yaml_model_runs() -> None:
    pytest.importorskip("ultralytics", reason="optional extra not installed (needs torch)")
    det = build_detector(UltralyticsConfig(model="yolo11n.yaml", input_size=320, score_threshold=0.0))
    (out,) = det.detect([np.zeros((240, 320, 3), np.uint8)])
    assert out.xyxy.dtype == np.float32 and out.xyxy.shape[1] == 4
    assert set(out.class_id.tolist()) <= {int(c) for c in ClassId}


def test_a_window_past_the_frame_is_shown_grey_there_and_boxes_map_back() -> None:
    from detectors.objects.base import PAD_GREY, window_image

    frame = np.full((480, 640, 3), 7, np.uint8)
    image, scale = window_image(frame, np.array([0, -80, 640, 560]))  # letterbox, no size limit
    assert image.shape == (640, 640, 3) and scale == 1.0
    assert (image[:80] == PAD_GREY).all() and (image[80:560] == 7).all() and (image[560:] == PAD_GREY).all()
    image, scale = window_image(frame, np.array([-160, -240, 800, 720]), max_side=320)  # zoomed out 1.5x
    assert image.shape == (320, 320, 3) and scale == pytest.approx(1 / 3)
    assert (image[80:240, 53:267] == 7).all() and (image[:79] == PAD_GREY).all()
    inside, scale = window_image(frame, np.array([10, 20, 110, 220]))
    assert inside.shape == (200, 100, 3) and scale == 1.0 and np.shares_memory(inside, frame)  # a crop: a view

    # The backend answers in the composed image's pixels; detect_regions maps back to the frame.
    answers = {(320, 320): Detections([[100, 120, 140, 200]], [0.9], [0])}
    det = _FixedDetector(answers)
    det.input_side = 320
    out = det.detect_regions(frame, np.array([[-160, -240, 800, 720]]))
    assert out.xyxy.tolist() == [[140.0, 120.0, 260.0, 360.0]]
