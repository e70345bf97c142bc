"""Config models for detector backends: a discriminated union on `type`.

Adding a backend = one config class here (with a literal `type`), one detector class, one
registry line in `registry.py`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    score_threshold: float = Field(
        0.3,
        ge=0.0,
        le=1.0,
        description="Drop detections below this. Low on purpose: the tracker uses 0.3-0.5 scores to "
        "continue existing tracks (ByteTrack) and only starts tracks above its own threshold.",
    )


class SsdTfliteConfig(_Base):
    """Offline default: Coral SSD-MobileNet-v2 COCO (quantised tflite) via ai-edge-litert."""

    type: Literal["ssd_tflite"] = "ssd_tflite"
    threads: int = Field(2, ge=1, le=16, description="Interpreter CPU threads.")


class NanoDetConfig(_Base):
    """Default: NanoDet-g COCO (converted at set-up to OpenVINO IR), run with OpenVINO."""

    type: Literal["nanodet"] = "nanodet"
    input_size: Literal[320, 416] = Field(
        320, description="Square model input side in px (how the frame fills it: `detection.regions.view`)."
    )
    int8: bool = Field(False, description="Use the int8 model (Conv layers quantised at set-up).")
    device: str = Field(
        "CPU",
        pattern=r"^(CPU|GPU(\.\d+)?|NPU|AUTO(:[A-Z0-9.,]+)?)$",
        description="OpenVINO device: CPU, GPU, GPU.1, NPU or AUTO (where the hardware is present).",
    )
    threads: int = Field(2, ge=1, le=64, description="CPU inference threads (device CPU only).")
    iou_threshold: float = Field(0.5, ge=0.0, le=1.0, description="Per-class NMS IoU threshold.")
    letterbox: bool = Field(
        False,
        description="Pad every image (crops too) to a square with grey instead of stretching it. The whole-frame "
        "view is better chosen per camera by `detection.regions.view` (letterbox / fit by object size), which "
        "does the same for the whole frame: bench/RESULTS.md \"Detector view by object size\".",
    )


class YoloOnnxConfig(_Base):
    """A YOLO model exported by ultralytics to ONNX, run with onnxruntime (no torch)."""

    type: Literal["yolo_onnx"] = "yolo_onnx"
    path: str = Field(..., min_length=1, description="Path to the .onnx file.")
    input_size: int = Field(640, ge=32, le=2048, multiple_of=32, description="Square input side in px.")
    iou_threshold: float = Field(0.45, ge=0.0, le=1.0, description="NMS IoU threshold.")
    class_names: list[str] | None = Field(
        None, description="Label names in model order; default the 80 COCO names."
    )
    threads: int = Field(2, ge=1, le=16, description="onnxruntime intra-op threads.")


class UltralyticsConfig(_Base):
    """Any ultralytics model (optional extra `pip install .[ultralytics]`, needs torch)."""

    type: Literal["ultralytics"] = "ultralytics"
    model: str = Field(..., min_length=1, description="Weights file (.pt/.onnx) or model YAML.")
    input_size: int = Field(640, ge=32, le=2048, multiple_of=32, description="Inference size in px.")
    iou_threshold: float = Field(0.45, ge=0.0, le=1.0, description="NMS IoU threshold.")


class SimulatedConfig(_Base):
    """Simulated cameras only: their ground truth degraded like a real detector (see objects/simulated.py)."""

    type: Literal["simulated"] = "simulated"
    seed: int = Field(0, ge=0, description="Random seed; the same seed gives the same detections.")
    miss_rate: float = Field(0.05, ge=0, le=0.9, description="Share of visible objects missed per frame.")
    occluded_miss: float = Field(0.6, ge=0, le=1.01, description="Objects hidden more than this are always missed.")
    min_side_px: float = Field(4.0, ge=0, le=100, description="Boxes smaller than this are missed.")
    jitter: float = Field(0.03, ge=0, le=0.5, description="Box corner noise, fraction of box size (std).")
    confuse_vehicle: float = Field(0.05, ge=0, le=1, description="Share of car/truck/bus labels swapped.")
    confuse_two_wheel: float = Field(0.08, ge=0, le=1, description="Share of bicycle/motorbike labels swapped.")
    false_positives: float = Field(0.02, ge=0, le=10, description="Mean random false boxes per frame.")
    score_mean: float = Field(0.8, ge=0.3, le=0.99, description="Mean confidence of true detections.")


DetectorConfig = Annotated[
    NanoDetConfig | SsdTfliteConfig | YoloOnnxConfig | UltralyticsConfig | SimulatedConfig,
    Field(discriminator="type"),
]


def default_detector() -> NanoDetConfig:
    """The detector a real camera gets when its config names none: NanoDet-g (bench/models.py)."""
    return NanoDetConfig()


# Named detector set-ups: `default` (NanoDet-g) and `low_end` (the SSD: half the memory, runs where
# OpenVINO does not, e.g. old ARM boxes). YAML names the type: `detector: {type: ssd_tflite}`.
DETECTOR_PRESETS: dict[str, NanoDetConfig | SsdTfliteConfig] = {
    "default": NanoDetConfig(),
    "low_end": SsdTfliteConfig(),
}
