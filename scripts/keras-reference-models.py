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

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "keras3")


def timeseries_transformer():
    """keras-io/examples/timeseries/timeseries_classification_transformer.py (FordA: 500 steps, 2 classes)."""

    def transformer_encoder(inputs, head_size, num_heads, ff_dim, dropout=0):
        x = layers.MultiHeadAttention(key_dim=head_size, num_heads=num_heads, dropout=dropout)(inputs, inputs)
        x = layers.Dropout(dropout)(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
        res = x + inputs
        x = layers.Conv1D(filters=ff_dim, kernel_size=1, activation="relu")(res)
        x = layers.Dropout(dropout)(x)
        x = layers.Conv1D(filters=inputs.shape[-1], kernel_size=1)(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
        return x + res

    inputs = keras.Input(shape=(500, 1))
    x = inputs
    for _ in range(4):
        x = transformer_encoder(x, 256, 4, 4, 0.25)
    x = layers.GlobalAveragePooling1D(data_format="channels_first")(x)
    for dim in [128]:
        x = layers.Dense(dim, activation="relu")(x)
        x = layers.Dropout(0.4)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def mnist_convnet():
    """keras-io/examples/vision/mnist_convnet.py."""
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])


def imdb_bidirectional_lstm():
    """keras-io/examples/nlp/bidirectional_lstm_imdb.py: variable-length integer sequences."""
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(20000, 128)(inputs)
    x = layers.Bidirectional(layers.LSTM(64, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(64))(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs)


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


def functional_ticket_classifier():
    """keras.io/guides/functional_api: "Models with multiple inputs and outputs" (tickets)."""
    num_tags, num_words, num_departments = 12, 10000, 4
    title_input = keras.Input(shape=(None,), name="title")
    body_input = keras.Input(shape=(None,), name="body")
    tags_input = keras.Input(shape=(num_tags,), name="tags")
    title_features = layers.Embedding(num_words, 64)(title_input)
    body_features = layers.Embedding(num_words, 64)(body_input)
    title_features = layers.LSTM(128)(title_features)
    body_features = layers.LSTM(32)(body_features)
    x = layers.concatenate([title_features, body_features, tags_input])
    priority_pred = layers.Dense(1, name="priority")(x)
    department_pred = layers.Dense(num_departments, name="department")(x)
    return keras.Model(inputs=[title_input, body_input, tags_input], outputs={"priority": priority_pred, "department": department_pred})


def functional_mini_resnet():
    """keras.io/guides/functional_api: "A toy ResNet model" (CIFAR10)."""
    inputs = keras.Input(shape=(32, 32, 3), name="img")
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    block_1_output = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_1_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_2_output = layers.add([x, block_1_output])
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_2_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_3_output = layers.add([x, block_2_output])
    x = layers.Conv2D(64, 3, activation="relu")(block_3_output)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10)(x)
    return keras.Model(inputs, outputs, name="toy_resnet")


def functional_autoencoder():
    """keras.io/guides/functional_api: the encoder/decoder example (Conv2DTranspose, UpSampling2D)."""
    encoder_input = keras.Input(shape=(28, 28, 1), name="img")
    x = layers.Conv2D(16, 3, activation="relu")(encoder_input)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.Conv2D(16, 3, activation="relu")(x)
    encoder_output = layers.GlobalMaxPooling2D()(x)
    x = layers.Reshape((4, 4, 1))(encoder_output)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu")(x)
    x = layers.UpSampling2D(3)(x)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    decoder_output = layers.Conv2DTranspose(1, 3, activation="relu")(x)
    return keras.Model(encoder_input, decoder_output, name="autoencoder")


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


MODELS = {
    "timeseries-transformer": (timeseries_transformer, "https://keras.io/examples/timeseries/timeseries_classification_transformer/"),
    "mnist-convnet": (mnist_convnet, "https://keras.io/examples/vision/mnist_convnet/"),
    "imdb-bidirectional-lstm": (imdb_bidirectional_lstm, "https://keras.io/examples/nlp/bidirectional_lstm_imdb/"),
    "text-conv1d-sequential": (text_conv1d_sequential, "https://keras.io/guides/sequential_model/ (Embedding + Conv1D on variable-length input)"),
    "embedding-lstm-sequential": (embedding_lstm_sequential, "kerats: Sequential Embedding + LSTM on input shape (None,)"),
    "variable-length-conv1d": (variable_length_conv1d, "kerats: Sequential Conv1D on input shape (None, 8)"),
    "ticket-classifier": (functional_ticket_classifier, "https://keras.io/guides/functional_api/#models-with-multiple-inputs-and-outputs"),
    "toy-resnet": (functional_mini_resnet, "https://keras.io/guides/functional_api/#a-toy-resnet-model"),
    "autoencoder": (functional_autoencoder, "https://keras.io/guides/functional_api/#all-models-are-callable-just-like-layers"),
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
        lines = []
        model.summary(print_fn=lambda line, **_: lines.append(line), line_length=None)
        with open(os.path.join(OUT, f"{name}.summary.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
        trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
        non_trainable = sum(int(w.numpy().size) for w in model.non_trainable_weights)
        index[name] = {
            "source": source,
            "keras_version": keras.__version__,
            "total_params": trainable + non_trainable,
            "trainable_params": trainable,
            "non_trainable_params": non_trainable,
            "output_shapes": [list(o.shape) for o in model.outputs],
        }
    with open(index_path, "w") as f:
        json.dump(index, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
