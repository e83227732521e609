"""Builds real Keras 3 models from keras-io examples and the Keras guides, and writes for each one
its model.to_json() (NAME.json) and the table model.summary() prints (NAME.summary.txt) into
test/fixtures/keras3/, with index.json recording the source, the Keras version and the totals.
kerats' tests read these files: its summary of the JSON must give Keras's shapes and totals, and
its box table must be the one Keras printed.

Run with the reference python (npm run pyref), in a terminal wide enough for Keras's default
widths (88 columns for sequential-like models, 108 for functional ones; Keras narrows to the
terminal's width minus 4):
    COLUMNS=200 ~/.cache/kerats/pyref/bin/python scripts/keras-reference-models.py
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ["COLUMNS"] = os.environ.get("COLUMNS", "200")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
from keras import layers  # noqa: E402

# The keras.io models test/python/keras_config_models.py builds too, and the summary writer, live in test/python/keras_ref_common.py.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "python"))
from keras_ref_common import (  # noqa: E402
    functional_conv_autoencoder, functional_toy_resnet, imdb_bidirectional_lstm, mnist_convnet, ticket_classifier_layers,
    timeseries_transformer, write_index, write_summary)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "keras3")


def text_conv1d_sequential():
    """A Sequential text classifier on sequences of any length (Keras guide "The Sequential model")."""
    return keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        layers.Embedding(1000, 64),
        layers.Conv1D(32, 5, activation="relu"),
        layers.GlobalMaxPooling1D(),
        layers.Dense(1, activation="sigmoid"),
    ])


def embedding_lstm_sequential():
    """Embedding + LSTM on sequences of any length: Input(shape=(None,)) in a Sequential model."""
    return keras.Sequential([
        keras.Input(shape=(None,)),
        layers.Embedding(1000, 64),
        layers.LSTM(32),
        layers.Dense(1),
    ])


def variable_length_conv1d():
    """Sequential Conv1D on (None, 8) inputs: any number of steps, 8 features."""
    return keras.Sequential([
        keras.Input(shape=(None, 8)),
        layers.Conv1D(16, 3, activation="relu"),
        layers.Conv1D(16, 3, activation="relu"),
        layers.GlobalAveragePooling1D(),
        layers.Dense(1),
    ])


def conv1d_transpose_cropping():
    """Conv1DTranspose, Cropping1D/2D, UpSampling1D/3D and channels_first pooling, as Keras builds them."""
    return keras.Sequential([
        keras.Input(shape=(20, 4)),
        layers.Conv1DTranspose(8, 3, strides=2),
        layers.Cropping1D((1, 2)),
        layers.UpSampling1D(2),
        layers.MaxPooling1D(2, data_format="channels_first"),
        layers.GlobalAveragePooling1D(data_format="channels_first"),
        layers.Dense(3),
    ])


def functional_ticket_classifier():
    """keras.io/guides/functional_api: "Models with multiple inputs and outputs" (tickets), outputs by name."""
    inputs, priority_pred, department_pred = ticket_classifier_layers()
    return keras.Model(inputs=inputs, outputs={"priority": priority_pred, "department": department_pred})


MODELS = {
    "timeseries-transformer": (timeseries_transformer, "https://keras.io/examples/timeseries/timeseries_classification_transformer/"),
    "mnist-convnet": (mnist_convnet, "https://keras.io/examples/vision/mnist_convnet/"),
    "imdb-bidirectional-lstm": (imdb_bidirectional_lstm, "https://keras.io/examples/nlp/bidirectional_lstm_imdb/"),
    "text-conv1d-sequential": (text_conv1d_sequential, "https://keras.io/guides/sequential_model/ (Embedding + Conv1D on variable-length input)"),
    "embedding-lstm-sequential": (embedding_lstm_sequential, "kerats: Sequential Embedding + LSTM on input shape (None,)"),
    "variable-length-conv1d": (variable_length_conv1d, "kerats: Sequential Conv1D on input shape (None, 8)"),
    "ticket-classifier": (functional_ticket_classifier, "https://keras.io/guides/functional_api/#models-with-multiple-inputs-and-outputs"),
    "toy-resnet": (functional_toy_resnet, "https://keras.io/guides/functional_api/#a-toy-resnet-model"),
    "autoencoder": (functional_conv_autoencoder, "https://keras.io/guides/functional_api/#all-models-are-callable-just-like-layers"),
    "conv1d-transpose-cropping": (conv1d_transpose_cropping, "kerats: Conv1DTranspose, Cropping1D, UpSampling1D, channels_first pooling"),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    only = set(sys.argv[1:])
    index_path = os.path.join(OUT, "index.json")
    index = json.load(open(index_path)) if os.path.exists(index_path) else {}
    for name, (make, source) in MODELS.items():
        if only and name not in only:
            continue
        model = make()
        with open(os.path.join(OUT, f"{name}.json"), "w") as f:
            json.dump(json.loads(model.to_json()), f, indent=1)
            f.write("\n")
        index[name] = {"source": source, **write_summary(model, os.path.join(OUT, f"{name}.summary.txt"))}
    write_index(index_path, index)


if __name__ == "__main__":
    main()
