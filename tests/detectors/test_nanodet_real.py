"""NanoDet-g, the default detector, on real frames with known content (needs VMS_TEST_DATA).

Also checks that the set-up conversion is reproducible: converting the fetched tfjs graph again
gives the IR bytes pinned in detectors.models.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors.blobs import mask_boxes
from detectors.models import NANODET_G, ModelMissingError, is_fetched, model_dir, model_file, nanodet_ir
from detectors.types import ClassId, box_iou
from tests.detectors.conftest import read_frame
from tests.detectors.test_ssd_real import _matched, _mot_boxes


@pytest.fixture(scope="module", params=[320, 416], ids=lambda s: f"nanodet{s}")
def nanodet(request):
    if not is_fetched(NANODET_G):
        pytest.skip(f"NanoDet-g model pack not in {model_dir()}: run `python -m detectors.models fetch`")
    from detectors.objects.configs import NanoDetConfig
    from detectors.objects.nanodet import NanoDetDetector

    return NanoDetDetector(NanoDetConfig(input_size=request.param, threads=1))


def test_tud_campus_people_found(test_data: Path, nanodet) -> None:
    root = test_data / "mot15_tud_campus"
    (dets,) = nanodet.detect([read_frame(root / "TUD-Campus.mp4", 1)])
    people = dets[dets.class_id == int(ClassId.PERSON)]
    gt = _mot_boxes(root / "gt.txt", 1)
    assert _matched(people.xyxy, gt, 0.5) >= 4  # 6 in the GT, one mostly hidden
    assert len(dets[dets.class_id != int(ClassId.PERSON)]) == 0


def test_pets09_small_people_found_in_the_whole_frame(test_data: Path, nanodet) -> None:
    root = test_data / "pets09_s2l1"
    frame = read_frame(root / "pets09_s2l1_view001_h264.mp4", 100)
    gt = _mot_boxes(root / "gt.txt", 100)
    h, w = frame.shape[:2]
    dets = nanodet.detect_regions(frame, np.array([[0, 0, w, h]]))  # no crops: the SSD needs them here
    people = dets[(dets.class_id == int(ClassId.PERSON)) & (dets.confidence >= 0.4)]
    assert _matched(people.xyxy, gt, 0.5) >= 0.75 * len(gt)
    assert people.xyxy.dtype == np.float32 and (people.xyxy[:, 2:] <= [w, h]).all()


@pytest.mark.parametrize(
    ("index", "cars"),
    [(900, [[162, 135, 231, 203], [106, 87, 153, 134]]), (1200, [[139, 88, 193, 141]])],
)
def test_cdnet_highway_cars_found(test_data: Path, nanodet, index: int, cars: list[list[int]]) -> None:
    root = test_data / "cdnet_highway"
    gt = cv2.imread(str(root / "groundtruth" / f"gt{index:06d}.png"), cv2.IMREAD_GRAYSCALE)
    gt_boxes, _ = mask_boxes(((gt == 255) * 255).astype(np.uint8), 100)
    assert all(c in gt_boxes.tolist() for c in cars)
    (dets,) = nanodet.detect([read_frame(root / "highway_input_h264.mp4", index)])
    found = dets[np.isin(dets.class_id, [int(ClassId.CAR), int(ClassId.TRUCK)])]
    assert _matched(found.xyxy, np.array(cars, np.float32), 0.5) == len(cars)


def test_conversion_reproduces_the_pinned_ir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not is_fetched(NANODET_G):
        pytest.skip(f"NanoDet-g model pack not in {model_dir()}: run `python -m detectors.models fetch`")
    setup_only = Path(sys.prefix) / "setup-only"  # where `make install` puts the tensorboard wheel
    if not (setup_only / "tensorboard").is_dir():
        pytest.skip(f"set-up-only packages not in {setup_only} (make install puts them there)")
    monkeypatch.syspath_prepend(str(setup_only))
    from detectors.objects.nanodet_convert import convert_in_subprocess

    src = model_file(NANODET_G, "package/models/nanodet.json").parent
    for size in (320, 416):
        xml = convert_in_subprocess(src / "nanodet.json", src / "nanodet.bin", tmp_path / f"nanodet_g_{size}.xml", size)
        for path in (xml, xml.with_suffix(".bin")):
            assert hashlib.sha256(path.read_bytes()).hexdigest() == NANODET_G.built[path.name]


def test_missing_model_names_fetch_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VMS_MODEL_DIR", str(tmp_path))
    with pytest.raises(ModelMissingError, match="python -m detectors.models fetch"):
        nanodet_ir(320)
    with pytest.raises(ValueError, match="320, 416"):
        nanodet_ir(512)


def test_letterbox_finds_the_close_walker_the_stretched_view_scores_low(test_data: Path) -> None:
    """TUD-Campus frame 21: the man entering on the right (~250 px tall, close to the camera) scores
    0.17 when the 4:3 picture is stretched to the square input, and is found when it is padded."""
    if not is_fetched(NANODET_G):
        pytest.skip(f"NanoDet-g model pack not in {model_dir()}")
    from detectors.objects.configs import NanoDetConfig
    from detectors.objects.nanodet import NanoDetDetector

    root = test_data / "mot15_tud_campus"
    frame = read_frame(root / "TUD-Campus.mp4", 21)
    walker = np.array([[565, 176, 639, 423]], np.float32)  # ground truth id 1 in frame 21
    found = {}
    for letterbox in (False, True):
        dets = NanoDetDetector(NanoDetConfig(letterbox=letterbox, threads=1)).detect([frame])[0]
        people = dets[(dets.class_id == int(ClassId.PERSON)) & (dets.confidence >= 0.4)]
        found[letterbox] = bool(len(people)) and box_iou(walker, people.xyxy).max() >= 0.5
        assert (people.xyxy[:, 2:] <= [640, 480]).all() and (people.xyxy[:, :2] >= 0).all()
    assert found == {False: False, True: True}
