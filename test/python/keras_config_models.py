"""The models of kerats' configs (configs/seeds/ and configs/guides/) written in Python Keras 3,
as the seed tutorials (/work/shared/seeds) and the Keras guides and examples write them. For each
one it writes the table Keras's model.summary() prints (NAME.summary.txt) and index.json with the
config it belongs to, its source, the Keras version and the totals. test/keras-config-parity.test.ts
compares `kerats summary CONFIG` with these tables, and re-runs this script when the reference
python exists to catch drift.

Layer and model names: each model is built in a fresh Keras session (so automatic names start at
"dense", "dense_1", ...), the model is named after the config, and names a kerats config sets
explicitly are set here too. Where the tutorial writes a subclassed layer that kerats writes as a
block (the seed Transformer), "table" is false: only the totals are compared; a functional
rendering of the same layers ("transformer") gives the layer-by-layer table.

    COLUMNS=200 ~/.cache/kerats/pyref/bin/python test/python/keras_config_models.py [OUT_DIR] [NAME...]
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ["COLUMNS"] = "200"  # wide enough for Keras's default line lengths (88 and 108)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
from keras import layers  # noqa: E402
from keras_ref_common import (  # noqa: E402  (shared with scripts/keras-reference-models.py)
    functional_conv_autoencoder, functional_toy_resnet, imdb_bidirectional_lstm, mnist_convnet, ticket_classifier_layers,
    timeseries_transformer, write_index, write_summary)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "keras3-configs")
SEED = "/work/shared/seeds/"  # the reference tutorials (see configs/seeds/README.md)


# ---- seed tutorials ----------------------------------------------------------------------


def mlp_dropout():
    """Seeds 001/002: the MNIST MLP."""
    model = keras.Sequential(name="mlp-dropout")
    model.add(keras.Input(shape=(784,)))
    model.add(layers.Dense(512, activation="relu"))
    model.add(layers.Dropout(0.2))
    model.add(layers.Dense(512, activation="relu"))
    model.add(layers.Dropout(0.2))
    model.add(layers.Dense(10, activation="softmax"))
    return model


def dense_initializers():
    """Seed 001: Dense(32, input_shape=(16,), he_uniform, MaxNorm), Dense(16), Dense(8)."""
    return keras.Sequential([
        keras.Input(shape=(16,)),
        layers.Dense(32, kernel_initializer="he_uniform", kernel_regularizer=None, kernel_constraint=keras.constraints.MaxNorm(), activation="relu"),
        layers.Dense(16, activation="relu", kernel_regularizer=keras.regularizers.L2(0.0)),
        layers.Dense(8, kernel_regularizer=keras.regularizers.L1(0.0)),
    ], name="dense-initializers")


def two_neuron():
    """Seed 003: Dense(2, input_dim=1, relu), Dense(1, sigmoid)."""
    return keras.Sequential([keras.Input(shape=(1,)), layers.Dense(2, activation="relu"), layers.Dense(1, activation="sigmoid")], name="two-neuron")


def regression():
    """Seed 003: Dense(128, input_dim=3, relu), Dense(32, relu)."""
    return keras.Sequential([keras.Input(shape=(3,)), layers.Dense(128, activation="relu"), layers.Dense(32, activation="relu")], name="regression")


def dnn_mnist():
    """Seed 004: Flatten(input_shape=(28, 28, 1)), Dense 128, 64, 10."""
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ], name="dnn-mnist")


def cnn_batchnorm():
    """Seed 004: the CNN with BatchNormalization on 32x32x3 images."""
    stack = [keras.Input(shape=(32, 32, 3))]
    for filters in (32, 64, 128):
        stack += [layers.Conv2D(filters, (3, 3), padding="same"), layers.BatchNormalization(), layers.Activation("relu"), layers.MaxPooling2D((2, 2))]
    stack += [layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")]
    return keras.Sequential(stack, name="cnn-batchnorm")


def imdb_lstm():
    """Seed 004: Embedding(20000, 128), LSTM(128, dropout=0.2, recurrent_dropout=0.2), Dense(1)."""
    return keras.Sequential([
        keras.Input(shape=(None,)),  # the tutorial pads to 100 words; the model takes any length
        layers.Embedding(20000, 128),
        layers.LSTM(128, dropout=0.2, recurrent_dropout=0.2),
        layers.Dense(1, activation="sigmoid"),
    ], name="imdb-lstm")


def stacked_lstm():
    """Seed 002: three LSTM(32) on (8, 16), Dense(10)."""
    return keras.Sequential([
        keras.Input(shape=(8, 16)),
        layers.LSTM(32, return_sequences=True),
        layers.LSTM(32, return_sequences=True),
        layers.LSTM(32),
        layers.Dense(10, activation="softmax"),
    ], name="stacked-lstm")


def stateful_lstm():
    """Seed 002: the same, stateful, batch_input_shape=(32, 8, 16)."""
    return keras.Sequential([
        keras.Input(batch_shape=(32, 8, 16)),
        layers.LSTM(32, return_sequences=True, stateful=True),
        layers.LSTM(32, return_sequences=True, stateful=True),
        layers.LSTM(32, stateful=True),
        layers.Dense(10, activation="softmax"),
    ], name="stateful-lstm")


def headline_multi_io():
    """Seed 002: the headline model, two inputs and two outputs."""
    main_input = keras.Input(shape=(100,), dtype="int32", name="main_input")
    x = layers.Embedding(output_dim=512, input_dim=10000)(main_input)
    lstm_out = layers.LSTM(32, name="lstm_out")(x)
    auxiliary_output = layers.Dense(1, activation="sigmoid", name="aux_output")(lstm_out)
    auxiliary_input = keras.Input(shape=(5,), name="aux_input")
    x = layers.concatenate([lstm_out, auxiliary_input])
    x = layers.Dense(64, activation="relu")(x)
    x = layers.Dense(64, activation="relu")(x)
    x = layers.Dense(64, activation="relu")(x)
    main_output = layers.Dense(1, activation="sigmoid", name="main_output")(x)
    return keras.Model(inputs=[main_input, auxiliary_input], outputs=[main_output, auxiliary_output], name="headline-multi-io")


def shared_lstm_tweets():
    """Seed 002: one LSTM(64) shared by two tweets."""
    tweet_a = keras.Input(shape=(280, 256), name="tweet_a")
    tweet_b = keras.Input(shape=(280, 256), name="tweet_b")
    shared_lstm = layers.LSTM(64, name="shared_lstm")
    encoded_a = shared_lstm(tweet_a)
    encoded_b = shared_lstm(tweet_b)
    merged_vector = layers.concatenate([encoded_a, encoded_b], axis=-1)
    predictions = layers.Dense(1, activation="sigmoid", name="same_author")(merged_vector)
    return keras.Model(inputs=[tweet_a, tweet_b], outputs=predictions, name="shared-lstm-tweets")


def autoencoder():
    """Seed 004: encoder and decoder Sequential models composed."""
    input_dim = 784
    encoder = keras.Sequential([keras.Input(shape=(input_dim,)), layers.Dense(256, activation="relu"), layers.Dense(128, activation="relu"), layers.Dense(64, activation="relu")], name="encoder")
    decoder = keras.Sequential([keras.Input(shape=(64,)), layers.Dense(128, activation="relu"), layers.Dense(256, activation="relu"), layers.Dense(input_dim, activation="sigmoid")], name="decoder")
    input_img = keras.Input(shape=(input_dim,), name="input_img")
    return keras.Model(input_img, decoder(encoder(input_img)), name="autoencoder")


def functional_mlp():
    """Seed 004: Input(784), Dense 128, 64, 10 with the functional API."""
    inputs = keras.Input(shape=(784,), name="inputs")
    x = layers.Dense(128, activation="relu")(inputs)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(10, activation="softmax", name="outputs")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="functional-mlp")


def transformer_block_layers(x, prefix, embed_dim=128, num_heads=8, ff_dim=512, rate=0.1):
    """The seed's TransformerBlock.call, one Keras layer per step, named as kerats names a block's layers."""
    attn = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim // num_heads, name=f"{prefix}_attention")(x, x)
    attn = layers.Dropout(rate, name=f"{prefix}_dropout1")(attn)
    out1 = layers.LayerNormalization(epsilon=1e-6, name=f"{prefix}_norm1")(layers.Add(name=f"{prefix}_add1")([x, attn]))
    ffn = layers.Dense(ff_dim, activation="relu", name=f"{prefix}_ffn1")(out1)
    ffn = layers.Dense(embed_dim, name=f"{prefix}_ffn2")(ffn)
    ffn = layers.Dropout(rate, name=f"{prefix}_dropout2")(ffn)
    return layers.LayerNormalization(epsilon=1e-6, name=prefix)(layers.Add(name=f"{prefix}_add2")([out1, ffn]))


def transformer():
    """Seed 004: two TransformerBlock(128, 8, 512) on (100, 128), Dense(10) -- layer by layer."""
    inputs = keras.Input(shape=(100, 128), name="inputs")
    x = transformer_block_layers(inputs, "transformer_block")
    x = transformer_block_layers(x, "transformer_block_1")
    outputs = layers.Dense(10, activation="softmax", name="outputs")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="transformer")


def transformer_as_written():
    """Seed 004 as written: subclassed MultiHeadSelfAttention and TransformerBlock layers."""
    import tensorflow as tf

    class MultiHeadSelfAttention(layers.Layer):
        def __init__(self, embed_dim, num_heads):
            super().__init__()
            self.embed_dim, self.num_heads = embed_dim, num_heads
            self.projection_dim = embed_dim // num_heads
            self.query_dense = layers.Dense(embed_dim)
            self.key_dense = layers.Dense(embed_dim)
            self.value_dense = layers.Dense(embed_dim)
            self.combine_heads = layers.Dense(embed_dim)

        def separate_heads(self, x, batch_size):
            x = tf.reshape(x, (batch_size, -1, self.num_heads, self.projection_dim))
            return tf.transpose(x, perm=[0, 2, 1, 3])

        def call(self, inputs):
            batch_size = tf.shape(inputs)[0]
            q = self.separate_heads(self.query_dense(inputs), batch_size)
            k = self.separate_heads(self.key_dense(inputs), batch_size)
            v = self.separate_heads(self.value_dense(inputs), batch_size)
            score = tf.matmul(q, k, transpose_b=True) / tf.math.sqrt(tf.cast(self.projection_dim, tf.float32))
            out = tf.matmul(tf.nn.softmax(score, axis=-1), v)
            out = tf.reshape(tf.transpose(out, perm=[0, 2, 1, 3]), (batch_size, -1, self.embed_dim))
            return self.combine_heads(out)

    class TransformerBlock(layers.Layer):
        def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
            super().__init__()
            self.att = MultiHeadSelfAttention(embed_dim, num_heads)
            self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
            self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
            self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
            self.dropout1 = layers.Dropout(rate)
            self.dropout2 = layers.Dropout(rate)

        def call(self, inputs, training=None):
            out1 = self.layernorm1(inputs + self.dropout1(self.att(inputs), training=training))
            return self.layernorm2(out1 + self.dropout2(self.ffn(out1), training=training))

    inputs = keras.Input(shape=(100, 128), name="inputs")
    x = inputs
    for _ in range(2):
        x = TransformerBlock(128, 8, 512)(x)
    outputs = layers.Dense(10, activation="softmax", name="outputs")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="transformer")


def binary_classifier():
    """Seed 002: Dense(32, relu, input_dim=100), Dense(1, sigmoid) (binary classification)."""
    return keras.Sequential([keras.Input(shape=(100,)), layers.Dense(32, activation="relu"), layers.Dense(1, activation="sigmoid")], name="binary-classifier")


def categorical_classifier():
    """Seed 002: Dense(32, relu, input_dim=100), Dense(10, softmax) (categorical classification)."""
    return keras.Sequential([keras.Input(shape=(100,)), layers.Dense(32, activation="relu"), layers.Dense(10, activation="softmax")], name="categorical-classifier")


def dense_activation():
    """Seeds 002/003: Dense(32, input_dim=784) then Activation('relu')."""
    return keras.Sequential([keras.Input(shape=(784,)), layers.Dense(32), layers.Activation("relu")], name="dense-activation")


def added_layers():
    """Seed 001: input_layer Dense(32, input_shape=(8,)), hidden Dense(64, relu), output Dense(8), added one by one."""
    model = keras.Sequential(name="added-layers")
    model.add(keras.Input(shape=(8,)))
    model.add(layers.Dense(32))
    model.add(layers.Dense(64, activation="relu"))
    model.add(layers.Dense(8))
    return model


def functional_visible_hidden():
    """Seed 003: visible = Input(shape=(2,)); hidden = Dense(2)(visible); Model(visible, hidden)."""
    visible = keras.Input(shape=(2,), name="visible")
    hidden = layers.Dense(2, name="hidden")(visible)
    return keras.Model(inputs=visible, outputs=hidden, name="functional-visible-hidden")


def grid_search_mlp():
    """Seed 004: create_model() for the grid search: Dense(64, relu, input_shape=(4,)), Dense(3, softmax)."""
    return keras.Sequential([keras.Input(shape=(4,)), layers.Dense(64, activation="relu"), layers.Dense(3, activation="softmax")], name="grid-search-mlp")


def densely_connected():
    """Seed 002, "First Example: A densely-connected network" (functional API)."""
    inputs = keras.Input(shape=(784,), name="inputs")
    output_1 = layers.Dense(64, activation="relu")(inputs)
    output_2 = layers.Dense(64, activation="relu")(output_1)
    predictions = layers.Dense(10, activation="softmax", name="predictions")(output_2)
    return keras.Model(inputs=inputs, outputs=predictions, name="densely-connected")


def time_distributed_model():
    """Seed 002: processed_sequences = TimeDistributed(model)(input_sequences), model the one above."""
    model = densely_connected()
    input_sequences = keras.Input(shape=(20, 784), name="input_sequences")
    processed_sequences = layers.TimeDistributed(model, name="processed_sequences")(input_sequences)
    return keras.Model(input_sequences, processed_sequences, name="time-distributed-model")


# ---- Keras guides and examples -----------------------------------------------------------


def sequential_guide_convnet():
    """keras.io/guides/sequential_model: the feature-extraction convnet on 250x250 RGB images."""
    model = keras.Sequential(name="sequential-guide-convnet")
    model.add(keras.Input(shape=(250, 250, 3)))
    model.add(layers.Conv2D(32, 5, strides=2, activation="relu"))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.MaxPooling2D(3))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.MaxPooling2D(3))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.MaxPooling2D(2))
    model.add(layers.GlobalMaxPooling2D())
    model.add(layers.Dense(10))
    return model


def sequential_guide_layers():
    """keras.io/guides/sequential_model: Dense layer1/layer2/layer3 on 4 features."""
    return keras.Sequential([
        keras.Input(shape=(4,)),
        layers.Dense(2, activation="relu", name="layer1"),
        layers.Dense(3, activation="relu", name="layer2"),
        layers.Dense(4, name="layer3"),
    ], name="sequential-guide-layers")


def functional_mnist():
    """keras.io/guides/functional_api: the "mnist_model" 784-64-64-10."""
    inputs = keras.Input(shape=(784,), name="input_layer")
    x = layers.Dense(64, activation="relu")(inputs)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(10)(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")


def text_classification_from_scratch():
    """keras.io/examples/nlp/text_classification_from_scratch: the model after TextVectorization."""
    inputs = keras.Input(shape=(None,), dtype="int64")
    x = layers.Embedding(20000, 128)(inputs)
    x = layers.Dropout(0.5)(x)
    x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)
    return keras.Model(inputs, predictions, name="text-classification")


def rnn_guide_lstm():
    """keras.io/guides/working_with_rnns: Embedding(1000, 64), LSTM(128), Dense(10)."""
    return keras.Sequential([keras.Input(shape=(None,)), layers.Embedding(input_dim=1000, output_dim=64), layers.LSTM(128), layers.Dense(10)], name="rnn-guide-lstm")


def rnn_guide_gru_simple_rnn():
    """keras.io/guides/working_with_rnns: Embedding(1000, 64), GRU(256, return_sequences), SimpleRNN(128), Dense(10)."""
    return keras.Sequential([
        keras.Input(shape=(None,)),
        layers.Embedding(input_dim=1000, output_dim=64),
        layers.GRU(256, return_sequences=True),
        layers.SimpleRNN(128),
        layers.Dense(10),
    ], name="rnn-guide-gru")


def rnn_guide_bidirectional():
    """keras.io/guides/working_with_rnns: Bidirectional LSTM(64, return_sequences) and LSTM(32) on (5, 10)."""
    return keras.Sequential([
        keras.Input(shape=(5, 10)),
        layers.Bidirectional(layers.LSTM(64, return_sequences=True)),
        layers.Bidirectional(layers.LSTM(32)),
        layers.Dense(10),
    ], name="rnn-guide-bidirectional")


def rnn_guide_encoder_decoder():
    """keras.io/guides/working_with_rnns: the encoder's LSTM states start the decoder (return_state, initial_state)."""
    encoder_vocab, decoder_vocab = 1000, 2000
    encoder_input = keras.Input(shape=(None,), name="encoder_input")
    encoder_embedded = layers.Embedding(input_dim=encoder_vocab, output_dim=64)(encoder_input)
    output, state_h, state_c = layers.LSTM(64, return_state=True, name="encoder")(encoder_embedded)
    encoder_state = [state_h, state_c]
    decoder_input = keras.Input(shape=(None,), name="decoder_input")
    decoder_embedded = layers.Embedding(input_dim=decoder_vocab, output_dim=64)(decoder_input)
    decoder_output = layers.LSTM(64, name="decoder")(decoder_embedded, initial_state=encoder_state)
    output = layers.Dense(10)(decoder_output)
    return keras.Model([encoder_input, decoder_input], output, name="rnn-guide-encoder-decoder")


def oxford_pets_unet():
    """keras.io/examples/vision/oxford_pets_image_segmentation: get_model((160, 160), 3)."""
    inputs = keras.Input(shape=(160, 160, 3))
    x = layers.Conv2D(32, 3, strides=2, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    previous_block_activation = x
    for filters in [64, 128, 256]:
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        residual = layers.Conv2D(filters, 1, strides=2, padding="same")(previous_block_activation)
        x = layers.add([x, residual])
        previous_block_activation = x
    for filters in [256, 128, 64, 32]:
        x = layers.Activation("relu")(x)
        x = layers.Conv2DTranspose(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.Conv2DTranspose(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.UpSampling2D(2)(x)
        residual = layers.UpSampling2D(2)(previous_block_activation)
        residual = layers.Conv2D(filters, 1, padding="same")(residual)
        x = layers.add([x, residual])
        previous_block_activation = x
    outputs = layers.Conv2D(3, 3, activation="softmax", padding="same")(x)
    return keras.Model(inputs, outputs, name="oxford-pets-unet")


def transfer_learning_frozen():
    """keras.io/guides/transfer_learning: two Dense layers, the first frozen."""
    layer1 = layers.Dense(3, activation="relu")
    layer2 = layers.Dense(3, activation="sigmoid")
    model = keras.Sequential([keras.Input(shape=(3,)), layer1, layer2], name="transfer-learning-frozen")
    layer1.trainable = False
    return model


def rnn_guide_mnist_lstm():
    """keras.io/guides/working_with_rnns, "Using CuDNN kernels when available": build_model()."""
    return keras.Sequential([
        keras.Input(shape=(None, 28)),
        layers.LSTM(64),
        layers.BatchNormalization(),
        layers.Dense(10),
    ], name="rnn-guide-mnist-lstm")


def timeseries_fcn():
    """keras.io/examples/timeseries/timeseries_classification_from_scratch: make_model((500, 1))."""
    input_layer = keras.layers.Input((500, 1))
    x = input_layer
    for _ in range(3):
        x = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
    gap = keras.layers.GlobalAveragePooling1D()(x)
    output_layer = keras.layers.Dense(2, activation="softmax")(gap)
    return keras.models.Model(inputs=input_layer, outputs=output_layer, name="timeseries-fcn")


def functional_ensemble():
    """keras.io/guides/functional_api: three get_model() models averaged (models are callable)."""

    def get_model():
        inputs = keras.Input(shape=(128,))
        outputs = layers.Dense(1)(inputs)
        return keras.Model(inputs, outputs)

    model1, model2, model3 = get_model(), get_model(), get_model()
    inputs = keras.Input(shape=(128,))
    y1, y2, y3 = model1(inputs), model2(inputs), model3(inputs)
    outputs = layers.average([y1, y2, y3])
    return keras.Model(inputs=inputs, outputs=outputs, name="ensemble")


def image_classification_from_scratch():
    """keras.io/examples/vision/image_classification_from_scratch: make_model((180, 180, 3), num_classes=2)."""
    inputs = keras.Input(shape=(180, 180, 3))
    x = layers.Rescaling(1.0 / 255)(inputs)
    x = layers.Conv2D(128, 3, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    previous_block_activation = x
    for size in [256, 512, 728]:
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        residual = layers.Conv2D(size, 1, strides=2, padding="same")(previous_block_activation)
        x = layers.add([x, residual])
        previous_block_activation = x
    x = layers.SeparableConv2D(1024, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.25)(x)
    outputs = layers.Dense(1, activation=None)(x)
    return keras.Model(inputs, outputs, name="image-classification")


def functional_ticket_classifier():
    """The ticket classifier with its outputs as a list, as the config writes them."""
    inputs, priority_pred, department_pred = ticket_classifier_layers()
    return keras.Model(inputs=inputs, outputs=[priority_pred, department_pred], name="ticket-classifier")


GUIDE = "https://keras.io/guides/"
MODELS = {
    # name: (builder, config, source, compare the layer table?)
    "mlp-dropout": (mlp_dropout, "configs/seeds/mlp-dropout.yaml", SEED + "001_c97e81f92253718c.txt, 002_7d436fd80d4b1c91.txt", True),
    "dense-initializers": (dense_initializers, "configs/seeds/dense-initializers.yaml", SEED + "001_c97e81f92253718c.txt", True),
    "two-neuron": (two_neuron, "configs/seeds/two-neuron.yaml", SEED + "003_cf1e2c2dc2a08cf7.txt", True),
    "regression": (regression, "configs/seeds/regression.yaml", SEED + "003_cf1e2c2dc2a08cf7.txt", True),
    "dnn-mnist": (dnn_mnist, "configs/seeds/dnn-mnist.yaml", SEED + "004_4e2a30444431d284.txt", True),
    "cnn-batchnorm": (cnn_batchnorm, "configs/seeds/cnn-batchnorm.yaml", SEED + "004_4e2a30444431d284.txt", True),
    "imdb-lstm": (imdb_lstm, "configs/seeds/imdb-lstm.yaml", SEED + "004_4e2a30444431d284.txt", True),
    "stacked-lstm": (stacked_lstm, "configs/seeds/stacked-lstm.yaml", SEED + "002_7d436fd80d4b1c91.txt", True),
    "stateful-lstm": (stateful_lstm, "configs/seeds/stateful-lstm.yaml", SEED + "002_7d436fd80d4b1c91.txt", True),
    "headline-multi-io": (headline_multi_io, "configs/seeds/headline-multi-io.yaml", SEED + "002_7d436fd80d4b1c91.txt", True),
    "shared-lstm-tweets": (shared_lstm_tweets, "configs/seeds/shared-lstm-tweets.yaml", SEED + "002_7d436fd80d4b1c91.txt", True),
    "autoencoder": (autoencoder, "configs/seeds/autoencoder.yaml", SEED + "004_4e2a30444431d284.txt", True),
    "functional-mlp": (functional_mlp, "configs/seeds/functional-mlp.yaml", SEED + "004_4e2a30444431d284.txt", True),
    "transformer": (transformer, "configs/seeds/transformer.yaml", SEED + "004_4e2a30444431d284.txt (the TransformerBlock's layers, one row each)", True),
    "transformer-as-written": (transformer_as_written, "configs/seeds/transformer.yaml", SEED + "004_4e2a30444431d284.txt (subclassed TransformerBlock: totals only)", False),
    "binary-classifier": (binary_classifier, "configs/seeds/binary-classifier.yaml", SEED + "002_7d436fd80d4b1c91.txt", True),
    "categorical-classifier": (categorical_classifier, "configs/seeds/categorical-classifier.yaml", SEED + "002_7d436fd80d4b1c91.txt", True),
    "dense-activation": (dense_activation, "configs/seeds/dense-activation.yaml", SEED + "002_7d436fd80d4b1c91.txt, 003_cf1e2c2dc2a08cf7.txt", True),
    "added-layers": (added_layers, "configs/seeds/added-layers.yaml", SEED + "001_c97e81f92253718c.txt", True),
    "functional-visible-hidden": (functional_visible_hidden, "configs/seeds/functional-visible-hidden.yaml", SEED + "003_cf1e2c2dc2a08cf7.txt", True),
    "grid-search-mlp": (grid_search_mlp, "configs/seeds/grid-search-mlp.yaml", SEED + "004_4e2a30444431d284.txt", True),
    "densely-connected": (densely_connected, "configs/seeds/densely-connected.yaml", SEED + "002_7d436fd80d4b1c91.txt", True),
    "time-distributed-model": (time_distributed_model, "configs/seeds/time-distributed-model.yaml", SEED + "002_7d436fd80d4b1c91.txt", True),
    "sequential-guide-convnet": (sequential_guide_convnet, "configs/guides/sequential-guide-convnet.yaml", GUIDE + "sequential_model/", True),
    "sequential-guide-layers": (sequential_guide_layers, "configs/guides/sequential-guide-layers.yaml", GUIDE + "sequential_model/", True),
    "functional-mnist": (functional_mnist, "configs/guides/functional-mnist.yaml", GUIDE + "functional_api/", True),
    "conv-autoencoder": (functional_conv_autoencoder, "configs/guides/conv-autoencoder.yaml", GUIDE + "functional_api/#all-models-are-callable-just-like-layers", True),
    "ensemble": (functional_ensemble, "configs/guides/ensemble.yaml", GUIDE + "functional_api/#all-models-are-callable-just-like-layers", True),
    "ticket-classifier": (functional_ticket_classifier, "configs/guides/ticket-classifier.yaml", GUIDE + "functional_api/#models-with-multiple-inputs-and-outputs", True),
    "toy-resnet": (functional_toy_resnet, "configs/guides/toy-resnet.yaml", GUIDE + "functional_api/#a-toy-resnet-model", True),
    "mnist-convnet": (lambda: mnist_convnet("mnist-convnet"), "configs/guides/mnist-convnet.yaml", "https://keras.io/examples/vision/mnist_convnet/", True),
    "imdb-bidirectional-lstm": (lambda: imdb_bidirectional_lstm("imdb-bidirectional-lstm"), "configs/guides/imdb-bidirectional-lstm.yaml", "https://keras.io/examples/nlp/bidirectional_lstm_imdb/", True),
    "text-classification": (text_classification_from_scratch, "configs/guides/text-classification.yaml", "https://keras.io/examples/nlp/text_classification_from_scratch/", True),
    "rnn-guide-lstm": (rnn_guide_lstm, "configs/guides/rnn-guide-lstm.yaml", GUIDE + "working_with_rnns/", True),
    "rnn-guide-gru": (rnn_guide_gru_simple_rnn, "configs/guides/rnn-guide-gru.yaml", GUIDE + "working_with_rnns/", True),
    "rnn-guide-bidirectional": (rnn_guide_bidirectional, "configs/guides/rnn-guide-bidirectional.yaml", GUIDE + "working_with_rnns/#bidirectional-rnns", True),
    "timeseries-transformer": (lambda: timeseries_transformer("timeseries-transformer"), "configs/guides/timeseries-transformer.yaml", "https://keras.io/examples/timeseries/timeseries_classification_transformer/", True),
    "image-classification": (image_classification_from_scratch, "configs/guides/image-classification.yaml", "https://keras.io/examples/vision/image_classification_from_scratch/", True),
    "oxford-pets-unet": (oxford_pets_unet, "configs/guides/oxford-pets-unet.yaml", "https://keras.io/examples/vision/oxford_pets_image_segmentation/", True),
    "transfer-learning-frozen": (transfer_learning_frozen, "configs/guides/transfer-learning-frozen.yaml", GUIDE + "transfer_learning/#freezing-layers-understanding-the-trainable-attribute", True),
    "rnn-guide-mnist-lstm": (rnn_guide_mnist_lstm, "configs/guides/rnn-guide-mnist-lstm.yaml", GUIDE + "working_with_rnns/#using-cudnn-kernels-when-available", True),
    "timeseries-fcn": (timeseries_fcn, "configs/guides/timeseries-fcn.yaml", "https://keras.io/examples/timeseries/timeseries_classification_from_scratch/", True),
    "rnn-guide-encoder-decoder": (rnn_guide_encoder_decoder, "configs/guides/rnn-guide-encoder-decoder.yaml", GUIDE + "working_with_rnns/#rnn-state-reuse", True),
}


def main():
    args = sys.argv[1:]
    out = args.pop(0) if args and not args[0] in MODELS else OUT
    only = set(args)
    os.makedirs(out, exist_ok=True)
    index_path = os.path.join(out, "index.json")
    index = json.load(open(index_path)) if os.path.exists(index_path) else {}
    for name, (make, config, source, table) in MODELS.items():
        if only and name not in only:
            continue
        keras.backend.clear_session()  # automatic names start again at "dense", "lstm", ...
        model = make()
        index[name] = {"config": config, "source": source, "table": table, **write_summary(model, os.path.join(out, f"{name}.summary.txt"))}
    write_index(index_path, index)


if __name__ == "__main__":
    main()
