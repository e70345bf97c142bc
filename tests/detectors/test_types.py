"""Tests for detectors.types: the Detections contract and IoU."""

from __future__ import annotations

import numpy as np
import pytest

from detectors.types import (
    COCO80_TO_CLASS,
    COCO91_TO_CLASS,
    ClassId,
    Detections,
    box_iou,
    class_lookup,
)


def _three() -> Detections:
    return Detections(
        xyxy=[[0, 0, 10, 10], [5, 5, 15, 25], [100, 100, 110, 120]],
        confidence=[0.9, 0.4, 0.7],
        class_id=[0, 3, 5],
        data={"speed": np.array([1.0, 2.0, 3.0])},
    )


def test_defaults_and_dtypes() -> None:
    d = _three()
    assert d.xyxy.dtype == np.float32 and d.xyxy.shape == (3, 4)
    assert d.confidence.dtype == np.float32
    assert d.class_id.dtype == np.int32
    assert d.tracker_id.dtype == np.int64
    assert d.tracker_id.tolist() == [-1, -1, -1]


@pytest.mark.parametrize(
    ("index", "expected_classes"),
    [
        (np.array([True, False, True]), [0, 5]),
        (np.array([2, 0]), [5, 0]),
        (slice(1, None), [3, 5]),
        (1, [3]),
        (np.array([False, False, False]), []),
    ],
)
def test_indexing(index, expected_classes) -> None:
    sub = _three()[index]
    assert isinstance(sub, Detections)
    assert sub.class_id.tolist() == expected_classes
    assert len(sub.data["speed"]) == len(expected_classes)


def test_mask_by_confidence() -> None:
    d = _three()
    assert d[d.confidence > 0.5].class_id.tolist() == [0, 5]


def test_empty_and_merge() -> None:
    e = Detections.empty()
    assert len(e) == 0 and e.is_empty() and e.xyxy.shape == (0, 4)
    m = Detections.merge([_three(), e, _three()[np.array([0])]])
    assert len(m) == 4
    assert m.class_id.tolist() == [0, 3, 5, 0]
    assert m.data["speed"].tolist() == [1.0, 2.0, 3.0, 1.0]
    assert len(Detections.merge([])) == 0


def test_merge_rejects_mismatched_data() -> None:
    with pytest.raises(ValueError, match="data keys"):
        Detections.merge([_three(), Detections(xyxy=[[0, 0, 1, 1]], confidence=[1], class_id=[0])])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"xyxy": [[0, 0, 1]], "confidence": [1], "class_id": [0]}, "xyxy"),
        ({"xyxy": [[0, 0, 1, 1]], "confidence": [1, 2], "class_id": [0]}, "confidence"),
        ({"xyxy": [[0, 0, 1, 1]], "confidence": [1], "class_id": [0], "data": {"a": np.zeros(2)}}, "data"),
    ],
)
def test_shape_validation(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        Detections(**kwargs)


def test_area_and_anchors() -> None:
    d = _three()
    assert d.area.tolist() == [100.0, 200.0, 200.0]
    assert d.anchors().tolist() == [[5.0, 10.0], [10.0, 25.0], [105.0, 120.0]]
    assert d.anchors("center").tolist() == [[5.0, 5.0], [10.0, 15.0], [105.0, 110.0]]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([0, 0, 10, 10], [0, 0, 10, 10], 1.0),
        ([0, 0, 10, 10], [5, 0, 15, 10], 1 / 3),
        ([0, 0, 10, 10], [20, 20, 30, 30], 0.0),
        ([0, 0, 10, 10], [0, 0, 5, 5], 0.25),
    ],
)
def test_box_iou(a, b, expected) -> None:
    assert box_iou(np.array([a]), np.array([b]))[0, 0] == pytest.approx(expected, abs=1e-6)


def test_box_iou_shape() -> None:
    assert box_iou(np.zeros((3, 4)), np.zeros((0, 4))).shape == (3, 0)


@pytest.mark.parametrize(
    ("mapping", "raw", "expected"),
    [
        (COCO80_TO_CLASS, [0, 1, 2, 3, 5, 7, 4, 15], [0, 1, 3, 2, 4, 5, -1, -1]),
        (COCO91_TO_CLASS, [1, 2, 3, 4, 6, 8, 5, 0], [0, 1, 3, 2, 4, 5, -1, -1]),
    ],
)
def test_class_lookup(mapping, raw, expected) -> None:
    assert class_lookup(mapping)[np.array(raw)].tolist() == expected


def test_class_ids_are_stable() -> None:
    assert [c.value for c in ClassId] == [0, 1, 2, 3, 4, 5]
