"""Checks kerats' ONNX exports with the real ONNX libraries: onnx.checker (full check, with shape
inference) accepts each file, and onnxruntime's outputs on the given inputs equal kerats' (the
first output). Reads a JSON manifest [{file, inputs: {name: {shape, dtype, data}}, expected}],
prints [{file, max_diff, opset, classes}] as JSON (classes: the kerats.classes metadata as
onnxruntime reads it). One process for all files, so the imports are paid once."""
import json
import sys

import numpy as np
import onnx
import onnxruntime as ort


def main(manifest_path):
    with open(manifest_path) as f:
        manifest = json.load(f)
    results = []
    for entry in manifest:
        model = onnx.load(entry["file"])
        onnx.checker.check_model(model, full_check=True)
        session = ort.InferenceSession(entry["file"], providers=["CPUExecutionProvider"])
        feeds = {
            name: np.asarray(spec["data"], dtype=np.float32 if spec["dtype"] == "float32" else np.int32).reshape(spec["shape"])
            for name, spec in entry["inputs"].items()
        }
        first = session.run(None, feeds)[0]
        got = first.reshape(first.shape[0], -1)
        expected = np.asarray(entry["expected"], dtype=np.float64)
        if got.shape != expected.shape:
            raise SystemExit(f"{entry['file']}: output shape {got.shape}, kerats gave {expected.shape}")
        opset = max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
        classes = session.get_modelmeta().custom_metadata_map.get("kerats.classes")
        results.append({"file": entry["file"], "max_diff": float(np.max(np.abs(got - expected))), "opset": opset, "classes": classes})
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1])
