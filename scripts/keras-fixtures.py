"""Writes the Keras-saved fixtures kerats' import tests read (test/fixtures/keras/).

Run with the reference venv:  ~/.cache/kerats/pyref/bin/python scripts/keras-fixtures.py
For each small model (Sequential with BatchNormalization, functional with LSTM/GRU/BatchNormalization
and two inputs) it saves NAME.keras and NAME.h5 with the real Keras 3, and expected.json with the
Keras and TensorFlow versions, fixed input rows, Keras's predictions on them and model.summary()'s
totals. The models are trained for a few steps first so BatchNormalization's moving statistics and
all weights are not at their initial values.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "keras")
keras.utils.set_random_seed(1)
rng = np.random.default_rng(1)


def sequential_bn():
    model = keras.Sequential(
        [
            keras.Input((6,)),
            layers.Dense(8, activation="relu"),
            layers.BatchNormalization(),
            layers.Dropout(0.2),
            layers.Dense(3, activation="softmax"),
        ],
        name="seq_bn",
    )
    x = rng.normal(size=(64, 6)).astype("float32") * 3 + 1
    y = rng.integers(0, 3, size=(64,))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    return model, x[:5]


def functional_lstm():
    seq = keras.Input((5, 3), name="seq")
    aux = keras.Input((2,), name="aux")
    h = layers.LSTM(4, return_sequences=True, name="lstm")(seq)
    h = layers.GRU(3, name="gru")(h)
    h = layers.Concatenate(name="cat")([h, aux])
    h = layers.BatchNormalization(name="bn")(h)
    out = layers.Dense(2, name="out")(h)
    model = keras.Model([seq, aux], out, name="func_lstm")
    xs = rng.normal(size=(64, 5, 3)).astype("float32")
    xa = rng.normal(size=(64, 2)).astype("float32")
    y = rng.normal(size=(64, 2)).astype("float32")
    model.compile(optimizer="adam", loss="mse")
    model.fit({"seq": xs, "aux": xa}, y, epochs=3, batch_size=16, verbose=0)
    return model, {"seq": xs[:4], "aux": xa[:4]}


def totals(model):
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    non_trainable = int(sum(np.prod(w.shape) for w in model.non_trainable_weights))
    return {"total_params": trainable + non_trainable, "trainable_params": trainable, "non_trainable_params": non_trainable}


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {"keras_version": keras.__version__, "tensorflow_version": tf.__version__, "models": {}}
    for build in (sequential_bn, functional_lstm):
        model, x = build()
        name = model.name
        model.save(os.path.join(OUT, f"{name}.keras"))
        model.save(os.path.join(OUT, f"{name}.h5"))
        pred = model.predict(x, verbose=0)
        expected["models"][name] = {
            "inputs": {k: v.tolist() for k, v in x.items()} if isinstance(x, dict) else x.tolist(),
            "predictions": pred.tolist(),
            **totals(model),
        }
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    sys.stdout.write(f"wrote {OUT} with Keras {keras.__version__}\n")


if __name__ == "__main__":
    main()
