"""The bench models of bench/model-cases.ts in Keras 3 on TensorFlow (the `npm run pyref` venv),
trained with `model.fit` (Adam, lr 0.001) on random data, TensorFlow limited to N threads.

    python bench/keras_models.py --model mlp --batch 128 [--rounds 3] [--seconds 3] [--steps N] [--threads 2]

Prints one JSON line: samples per wall second and per CPU second (median round), peak RSS in MiB.
"""
import json
import os
import resource
import statistics
import time
from reference_args import parse_reference_args

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')


def build(name, keras, np):
    """(model, make_x(n), make_y(n), loss) for a model name of bench/model-cases.ts."""
    L = keras.layers
    rng = np.random.default_rng(1)
    onehot = lambda n, k: np.eye(k, dtype='float32')[rng.integers(0, k, n)]
    cce = 'categorical_crossentropy'
    if name == 'mlp':
        m = keras.Sequential([keras.Input((784,)), L.Dense(512, activation='relu'), L.Dense(512, activation='relu'), L.Dense(10, activation='softmax')])
        return m, lambda n: rng.random((n, 784), dtype='float32'), lambda n: onehot(n, 10), cce
    if name == 'cnn':
        m = keras.Sequential([keras.Input((28, 28, 1)), L.Conv2D(32, 3, activation='relu'), L.MaxPooling2D(2),
                              L.Conv2D(64, 3, activation='relu'), L.MaxPooling2D(2), L.Flatten(), L.Dense(10, activation='softmax')])
        return m, lambda n: rng.random((n, 28, 28, 1), dtype='float32'), lambda n: onehot(n, 10), cce
    if name in ('lstm', 'gru'):
        rnn = L.LSTM if name == 'lstm' else L.GRU
        m = keras.Sequential([keras.Input((8, 16)), rnn(32, return_sequences=True), rnn(32, return_sequences=True), rnn(32),
                              L.Dense(10, activation='softmax')])
        return m, lambda n: rng.random((n, 8, 16), dtype='float32'), lambda n: onehot(n, 10), cce
    if name == 'embedding-lstm':
        m = keras.Sequential([keras.Input((40,), dtype='int32'), L.Embedding(1024, 256), L.LSTM(128), L.Dropout(0.5), L.Dense(1, activation='sigmoid')])
        return m, lambda n: rng.integers(0, 1024, (n, 40)).astype('int32'), lambda n: rng.integers(0, 2, (n, 1)).astype('float32'), 'binary_crossentropy'
    if name == 'transformer':
        inp = keras.Input((64,), dtype='int32')
        h = L.Embedding(2000, 64)(inp)
        h = L.MultiHeadAttention(num_heads=2, key_dim=32)(h, h)
        h = L.LayerNormalization(epsilon=1e-6)(h)
        h = L.Dense(64, activation='relu')(h)
        h = L.Dense(64)(h)
        h = L.LayerNormalization(epsilon=1e-6)(h)
        h = L.GlobalAveragePooling1D()(h)
        m = keras.Model(inp, L.Dense(2, activation='softmax')(h))
        return m, lambda n: rng.integers(0, 2000, (n, 64)).astype('int32'), lambda n: onehot(n, 2), cce
    if name == 'conv1d-text':
        m = keras.Sequential([keras.Input((100,), dtype='int32'), L.Embedding(2000, 64), L.Conv1D(64, 5, activation='relu'),
                              L.GlobalMaxPooling1D(), L.Dense(2, activation='softmax')])
        return m, lambda n: rng.integers(0, 2000, (n, 100)).astype('int32'), lambda n: onehot(n, 2), cce
    raise SystemExit(f'unknown model {name}')


def fit_rate(model, x, y, batch):
    """(samples per wall second, samples per CPU second of all threads) of one model.fit epoch."""
    t0 = time.perf_counter()
    c0 = time.process_time()
    model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
    n = len(x)
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0)


def main():
    a = parse_reference_args()
    import numpy as np
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(a.threads)
    import keras
    keras.utils.set_random_seed(1)
    model, make_x, make_y, loss = build(a.model, keras, np)
    model.compile(optimizer=keras.optimizers.Adam(0.001), loss=loss)
    # Warm-up: builds and traces the train function (not timed), then sizes the rounds.
    fit_rate(model, make_x(2 * a.batch), make_y(2 * a.batch), a.batch)
    warm, _ = fit_rate(model, make_x(2 * a.batch), make_y(2 * a.batch), a.batch)
    steps = a.steps or max(2, min(200, round(a.seconds * warm / a.batch)))
    x, y = make_x(steps * a.batch), make_y(steps * a.batch)
    rates = [fit_rate(model, x, y, a.batch) for _ in range(a.rounds)]
    print(json.dumps({'model': a.model, 'samples_per_sec': statistics.median(r[0] for r in rates),
                      'samples_per_cpu_sec': statistics.median(r[1] for r in rates), 'rounds': rates, 'steps': steps,
                      'keras': keras.__version__, 'tensorflow': tf.__version__,
                      'peak_rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == '__main__':
    main()
