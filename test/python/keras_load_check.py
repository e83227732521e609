"""Loads kerats exports with the real Keras 3 and predicts on the given rows.

Usage: python keras_load_check.py JOBS.json  -> JSON on stdout, one entry per job id:
  {"ok": true, "pred": [[...]] or {output: [[...]]}, "params": n, "trainable": n, "keras_version": v}
  {"ok": false, "error": "..."}
A job: {"id", "kind": "keras" | "h5" | "json", "path", "weights" (json only: a .h5 or .weights.h5
file whose weights to load), "x": rows (a list) or {input name: rows}}.
One process for every job, since importing TensorFlow takes seconds.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402


def as_list(y):
    if isinstance(y, dict):
        return {k: np.asarray(v).tolist() for k, v in y.items()}
    if isinstance(y, (list, tuple)):
        return [np.asarray(v).tolist() for v in y]
    return np.asarray(y).tolist()


def run(job):
    if job["kind"] == "json":
        with open(job["path"]) as f:
            model = keras.models.model_from_json(f.read())
        if job.get("weights"):
            model.load_weights(job["weights"])
    else:
        model = keras.saving.load_model(job["path"], compile=False)
    x = job["x"]
    if isinstance(x, dict):
        x = {k: np.asarray(v, dtype="float32") for k, v in x.items()}
    else:
        x = np.asarray(x, dtype="float32")
    # A direct call in inference mode, not model.predict(): predict traces a tf.function per model
    # (about half this script's CPU for a few rows); the layers compute the same numbers.
    y = model(x, training=False)
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    return {
        "ok": True,
        "pred": as_list(y),
        "params": int(model.count_params()),
        "trainable": trainable,
        "keras_version": keras.__version__,
        "layers": [l.__class__.__name__ for l in model.layers],
    }


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    out = {}
    for job in jobs:
        try:
            out[job["id"]] = run(job)
        except Exception as e:  # reported per job, so one bad export does not hide the others
            out[job["id"]] = {"ok": False, "error": f"{type(e).__name__}: {e}"[:2000]}
    sys.stdout.write(json.dumps(out))


if __name__ == "__main__":
    main()
