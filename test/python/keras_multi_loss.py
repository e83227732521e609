"""Keras 3's losses for a two-output model with given weights and data, for compile-multi-output.test.ts.

Reads a JSON file: {"jobs": [{"x": rows, "y": {"kind": rows, "flag": rows}, "weights": {layer: [kernel, bias]},
"loss": list or dict, "loss_weights": list or dict or null, "batch_sizes": [n, ...]}]}. Builds
Input(8) -> Dense(hidden, relu, "hidden") -> [Dense(3, softmax, "kind"), Dense(1, sigmoid, "flag")],
sets the weights, compiles with the job's loss / loss_weights, and prints model.evaluate's dict per job
and batch size.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402


def build(weights):
    hidden_units = len(weights["hidden"][1])
    x = keras.Input((len(weights["hidden"][0]),), name="features")
    h = keras.layers.Dense(hidden_units, activation="relu", name="hidden")(x)
    kind = keras.layers.Dense(len(weights["kind"][1]), activation="softmax", name="kind")(h)
    flag = keras.layers.Dense(len(weights["flag"][1]), activation="sigmoid", name="flag")(h)
    model = keras.Model(x, [kind, flag])
    for name, (kernel, bias) in weights.items():
        model.get_layer(name).set_weights([np.array(kernel, dtype="float32"), np.array(bias, dtype="float32")])
    return model


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)["jobs"]
    out = []
    for job in jobs:
        model = build(job["weights"])
        model.compile(optimizer="sgd", loss=job["loss"], loss_weights=job.get("loss_weights"))
        x = np.array(job["x"], dtype="float32")
        y = {k: np.array(v, dtype="float32") for k, v in job["y"].items()}
        runs = {}
        for bs in job["batch_sizes"]:
            r = model.evaluate(x, y, batch_size=bs, verbose=0, return_dict=True)
            runs[str(bs)] = {k: float(v) for k, v in r.items()}
        out.append(runs)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
