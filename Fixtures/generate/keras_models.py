"""Keras 3 (TensorFlow backend) fixtures: the whole models of “Recurrent Neural Networks (RNN)
with Keras” (003), `keras.Sequential` with `Embedding`, recurrent layers, `BatchNormalization` and
`Dense` heads, at the document's sizes and scaled down, plus random configurations of every
option. Gradients from tf.GradientTape (every weight, the non-trainable moving statistics
included), the moving statistics a training-mode BatchNormalization leaves as `updates`.

The document's models, as it writes them:

    model = tf.keras.Sequential()
    model.add(layers.Embedding(input_dim=1000, output_dim=64))
    model.add(layers.LSTM(128))
    model.add(layers.Dense(10, activation='softmax'))

    model.add(layers.Embedding(input_dim=1000, output_dim=64))
    model.add(layers.GRU(256, return_sequences=True))
    model.add(layers.SimpleRNN(128))
    model.add(layers.Dense(10, activation='softmax'))

    lstm_layer = tf.keras.layers.LSTM(units, input_shape=(None, input_dim))       # or
    lstm_layer = tf.keras.layers.RNN(tf.keras.layers.LSTMCell(units), input_shape=(None, input_dim))
    model = tf.keras.models.Sequential([
        lstm_layer,
        tf.keras.layers.BatchNormalization(),
        tf.keras.layers.Dense(output_size, activation='softmax')])

(MNIST rows are the MNIST model's input; the machine has no MNIST download, so the pixels are
random multiples of 1/255, as `x_train / 255.0` makes them.)

Run with the pinned versions of requirements.txt:  python keras_models.py
"""
import os

os.environ.pop("TF_USE_LEGACY_KERAS", None)
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
import numpy as np
import tensorflow as tf

import common
from keras_rnn import layer_model

DOC = "“Recurrent Neural Networks (RNN) with Keras” (003)"
RNN_KINDS = {"LSTM": "keras.LSTM", "GRU": "keras.GRU", "SimpleRNN": "keras.SimpleRNN"}
CELL_KINDS = {"LSTMCell": "keras.LSTMCell", "GRUCell": "keras.GRUCell", "SimpleRNNCell": "keras.SimpleRNNCell"}


def name_of(fn):
    """Keras' serialised activation name."""
    return keras.activations.serialize(fn) if not isinstance(fn, str) else fn


def describe(layer, training):
    """The fixture's layer object: the constructor's keys by Keras' names, weights by path."""
    weights = {w.path.split("/")[-1]: w.path for w in layer.weights}
    if isinstance(layer, keras.layers.Embedding):
        return {"kind": "keras.Embedding", "input_dim": layer.input_dim, "output_dim": layer.output_dim,
                "mask_zero": layer.mask_zero, "weights": weights}
    if isinstance(layer, keras.layers.Dense):
        return {"kind": "keras.Dense", "units": layer.units, "activation": name_of(layer.activation),
                "use_bias": layer.use_bias, "weights": weights}
    if isinstance(layer, keras.layers.BatchNormalization):
        return {"kind": "keras.BatchNormalization", "epsilon": layer.epsilon, "momentum": layer.momentum,
                "center": layer.center, "scale": layer.scale, "training": training, "weights": weights}
    if isinstance(layer, keras.layers.Bidirectional):
        kind = RNN_KINDS[type(layer.forward_layer).__name__]
        return {"kind": "keras.Bidirectional", "merge_mode": layer.merge_mode, "layer": layer_model(layer.forward_layer, kind),
                "backward_layer": dict(layer_model(layer.backward_layer, kind), go_backwards=False)}
    if type(layer).__name__ in RNN_KINDS:
        return dict(layer_model(layer, RNN_KINDS[type(layer).__name__]), zero_output_for_mask=layer.zero_output_for_mask)
    # keras.layers.RNN(cell)
    cell = layer.cell
    cfg = cell.get_config()
    c = {"kind": CELL_KINDS[type(cell).__name__], "units": cfg["units"], "weights": weights}
    for k in ("activation", "recurrent_activation", "use_bias", "reset_after"):
        if k in cfg:
            c[k] = cfg[k]
    return {"kind": "keras.RNN", "return_sequences": layer.return_sequences, "return_state": layer.return_state,
            "go_backwards": layer.go_backwards, "zero_output_for_mask": layer.zero_output_for_mask, "cell": c}


def run_model(name, about, make_layers, x, dtype, seed, training=False, weights="random", full=False):
    """One call of keras.Sequential(make_layers()) on x (token ids or values) with
    `training=training`, gradients of Σ output ⊙ upstream for every weight (and x when it is
    values). weights: "random" draws every weight uniform(±0.6) (moving variances from
    uniform(0.5, 1.5)); "keras" keeps Keras' own initialisers (the document's model as built),
    with random moving statistics, gamma and beta so that inference mode is not the identity.
    `full` keeps the tensors and the expected values in a sidecar .npz."""
    keras.backend.clear_session()     # layer names (hence weight paths) do not depend on earlier cases
    keras.utils.set_random_seed(seed)
    rng = np.random.RandomState(seed)
    npdt = np.float32 if dtype == "float32" else np.float64
    layers = make_layers(dtype)
    model = keras.Sequential(layers)
    model(x, training=False)          # build
    tensors = {}
    for w in model.weights:
        last = w.path.split("/")[-1]
        if last == "moving_variance":
            v = rng.uniform(0.5, 1.5, size=tuple(w.shape))
        elif weights == "random" or last in ("moving_mean", "gamma", "beta"):
            v = rng.uniform(-0.6, 0.6, size=tuple(w.shape))
        else:
            v = w.numpy()
        v = np.asarray(v).astype(npdt)
        w.assign(v)
        tensors[w.path] = v
    is_tokens = np.issubdtype(np.asarray(x).dtype, np.integer)
    tx = tf.constant(x)
    variables = [w.value for w in model.weights]
    with tf.GradientTape() as tape:
        for v in variables:
            tape.watch(v)
        if not is_tokens:
            tape.watch(tx)
        out = model(tx, training=training)
        u = rng.uniform(-1, 1, size=tuple(out.shape)).astype(npdt)
        loss = tf.reduce_sum(out * u)
    sources = variables + ([] if is_tokens else [tx])
    grads = tape.gradient(loss, sources, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    names = [w.path for w in model.weights] + ([] if is_tokens else ["x"])
    tensors.update({"x": np.asarray(x), "upstream/outputs": u})
    gradients = {n: tf.convert_to_tensor(g).numpy() for n, g in zip(names, grads)}   # IndexedSlices densified
    updates = {}
    for l in layers:
        if isinstance(l, keras.layers.BatchNormalization) and training:
            for w in (l.moving_mean, l.moving_variance):
                updates[w.path] = w.numpy()
    desc = {"kind": "keras.Sequential", "layers": [describe(l, training) for l in layers], "x": "x",
            "upstream": {"outputs": "upstream/outputs"}}
    expected = {"outputs": out.numpy(), "gradients": gradients}
    if updates:
        expected["updates"] = updates
    tensors_file = None
    if full:
        side = dict(tensors)
        side["expected/outputs"] = expected["outputs"]
        for n, g in gradients.items():
            side["expected/gradients/" + n] = g
        for n, g in updates.items():
            side["expected/updates/" + n] = g
        np.savez_compressed(os.path.join(common.OUT, name + ".npz"), **side)
        tensors = {}
        tensors_file = name + ".npz"
        expected = {"outputs": {"tensor": "expected/outputs"},
                    "gradients": {n: {"tensor": "expected/gradients/" + n} for n in gradients},
                    **({"updates": {n: {"tensor": "expected/updates/" + n} for n in updates}} if updates else {})}
    else:
        expected = {"outputs": common.tensor(expected["outputs"]),
                    "gradients": {n: common.tensor(g) for n, g in gradients.items()},
                    **({"updates": {n: common.tensor(g) for n, g in updates.items()}} if updates else {})}
    common.write(name, about, {"generator": "Fixtures/generate/keras_models.py", "framework": common.versions(np, tf, keras),
                               "seed": seed, "document": DOC}, dtype, desc, tensors, expected, tensors_file=tensors_file)


def ids(rng, B, T, V, zeros=()):
    """Token ids uniform in 1..V-1, with 0 (the padding id) at the (b, t) listed."""
    a = rng.randint(1, V, size=(B, T)).astype(np.int64)
    for b, t in zeros:
        a[b, t] = 0
    return a


def pixels(rng, B, T, I, dtype):
    """Stand-in MNIST rows: random integers 0..255 divided by 255.0 (the document's x / 255.0)."""
    return (rng.randint(0, 256, size=(B, T, I)) / 255.0).astype(dtype)


def document_cases():
    L = keras.layers
    r = np.random.RandomState(300)
    run_model("keras-003-embedding-lstm-dense-full",
              "003's Embedding(1000, 64) → LSTM(128) → Dense(10, softmax) at the document's sizes, Keras' own initial weights; batch 4, 12 steps of token ids; tensors and expected values in a sidecar .npz (float32).",
              lambda d: [L.Embedding(1000, 64, dtype=d), L.LSTM(128, dtype=d), L.Dense(10, activation="softmax", dtype=d)],
              ids(r, 4, 12, 1000), "float32", 300, weights="keras", full=True)
    r = np.random.RandomState(301)
    run_model("keras-003-embedding-gru-simplernn-dense-full",
              "003's Embedding(1000, 64) → GRU(256, return_sequences=True) → SimpleRNN(128) → Dense(10, softmax) at the document's sizes, Keras' own initial weights; batch 3, 10 steps of token ids; sidecar .npz (float32).",
              lambda d: [L.Embedding(1000, 64, dtype=d), L.GRU(256, return_sequences=True, dtype=d), L.SimpleRNN(128, dtype=d),
                         L.Dense(10, activation="softmax", dtype=d)],
              ids(r, 3, 10, 1000), "float32", 301, weights="keras", full=True)
    for training, tag in ((False, "inference"), (True, "training")):
        r = np.random.RandomState(302)
        run_model("keras-003-mnist-lstm-bn-dense-%s-full" % tag,
                  "003's MNIST model LSTM(64) → BatchNormalization() → Dense(10, softmax) at the document's sizes (28 rows of 28 pixels), Keras' own initial weights, random moving statistics, gamma and beta, BatchNormalization in %s mode%s; batch 8 of stand-in MNIST rows; sidecar .npz (float32)." % (tag, " (batch statistics; updates are the moving statistics after the call)" if training else " (moving statistics)"),
                  lambda d: [L.LSTM(64, dtype=d), L.BatchNormalization(dtype=d), L.Dense(10, activation="softmax", dtype=d)],
                  pixels(r, 8, 28, 28, np.float32), "float32", 302, training=training, weights="keras", full=True)
    r = np.random.RandomState(303)
    run_model("keras-003-mnist-rnn-lstmcell-bn-dense-training-full",
              "003's slow MNIST model RNN(LSTMCell(64)) → BatchNormalization() → Dense(10, softmax) at the document's sizes, BatchNormalization in training mode; batch 8 of stand-in MNIST rows; sidecar .npz (float32).",
              lambda d: [L.RNN(L.LSTMCell(64, dtype=d), dtype=d), L.BatchNormalization(dtype=d), L.Dense(10, activation="softmax", dtype=d)],
              pixels(r, 8, 28, 28, np.float32), "float32", 303, training=True, weights="keras", full=True)


def scaled_cases():
    L = keras.layers
    for dtype, tag in (("float64", "f64"), ("float32", "f32")):
        r = np.random.RandomState(310)
        run_model("keras-003-embedding-lstm-dense-%s" % tag,
                  "003's Embedding → LSTM → Dense(softmax) scaled down: Embedding(20, 4) → LSTM(5) → Dense(3, softmax); batch 3, 6 steps (%s)." % dtype,
                  lambda d: [L.Embedding(20, 4, dtype=d), L.LSTM(5, dtype=d), L.Dense(3, activation="softmax", dtype=d)],
                  ids(r, 3, 6, 20), dtype, 310)
        r = np.random.RandomState(311)
        run_model("keras-003-embedding-gru-simplernn-dense-%s" % tag,
                  "003's second model scaled down: Embedding(20, 4) → GRU(6, return_sequences=True) → SimpleRNN(5) → Dense(3, softmax); batch 3, 5 steps, a repeated id (%s)." % dtype,
                  lambda d: [L.Embedding(20, 4, dtype=d), L.GRU(6, return_sequences=True, dtype=d), L.SimpleRNN(5, dtype=d),
                             L.Dense(3, activation="softmax", dtype=d)],
                  np.array([[3, 7, 7, 1, 19], [7, 2, 5, 5, 5], [11, 3, 3, 0, 7]], dtype=np.int64), dtype, 311)
        for training in (False, True):
            r = np.random.RandomState(312)
            run_model("keras-003-mnist-lstm-bn-dense-%s-%s" % ("training" if training else "inference", tag),
                      "003's MNIST model scaled down: LSTM(5) → BatchNormalization() → Dense(3, softmax) on 6 rows of 4 pixels, batch 5, BatchNormalization in %s mode (%s)." % ("training" if training else "inference", dtype),
                      lambda d: [L.LSTM(5, dtype=d), L.BatchNormalization(dtype=d), L.Dense(3, activation="softmax", dtype=d)],
                      pixels(r, 5, 6, 4, np.float64 if dtype == "float64" else np.float32), dtype, 312, training=training)
    r = np.random.RandomState(313)
    run_model("keras-003-mnist-rnn-lstmcell-bn-dense-inference-f64",
              "RNN(LSTMCell(5)) → BatchNormalization() → Dense(3, softmax), BatchNormalization in inference mode: the same numbers as LSTM(5) in that place (float64).",
              lambda d: [L.RNN(L.LSTMCell(5, dtype=d), dtype=d), L.BatchNormalization(dtype=d), L.Dense(3, activation="softmax", dtype=d)],
              pixels(r, 5, 6, 4, np.float64), "float64", 313)


def mask_and_option_cases():
    L = keras.layers
    r = np.random.RandomState(320)
    run_model("keras-embedding-mask-zero-gru-bn-training-dense-f64",
              "Embedding(12, 3, mask_zero=True) → GRU(4, return_sequences=True) → BatchNormalization (training: the statistics skip masked steps, Σw + 1e-7) → Dense(3, log_softmax) on every step; padded rows (float64).",
              lambda d: [L.Embedding(12, 3, mask_zero=True, dtype=d), L.GRU(4, return_sequences=True, dtype=d),
                         L.BatchNormalization(momentum=0.9, epsilon=0.01, dtype=d), L.Dense(3, activation="log_softmax", dtype=d)],
              ids(r, 3, 5, 12, zeros=[(0, 3), (0, 4), (1, 0), (2, 2)]), "float64", 320, training=True)
    r = np.random.RandomState(321)
    run_model("keras-embedding-mask-zero-lstm-simplernn-dense-f32",
              "Embedding(10, 4, mask_zero=True) → LSTM(3, return_sequences=True) → SimpleRNN(4) → Dense(2, tanh): the mask reaches both recurrent layers (masked steps carry the state); a row that starts with padding (float32).",
              lambda d: [L.Embedding(10, 4, mask_zero=True, dtype=d), L.LSTM(3, return_sequences=True, dtype=d), L.SimpleRNN(4, dtype=d),
                         L.Dense(2, activation="tanh", dtype=d)],
              ids(r, 3, 6, 10, zeros=[(0, 0), (0, 1), (1, 5), (2, 2), (2, 3)]), "float32", 321)
    r = np.random.RandomState(322)
    run_model("keras-bn-nocenter-noscale-dense-nobias-f64",
              "LSTM(4, return_sequences=True) → BatchNormalization(center=False, scale=False, epsilon=0.1, momentum=0.5) in training mode over all B·T steps → Dense(3, relu, use_bias=False) on every step (float64).",
              lambda d: [L.LSTM(4, return_sequences=True, dtype=d), L.BatchNormalization(center=False, scale=False, epsilon=0.1, momentum=0.5, dtype=d),
                         L.Dense(3, activation="relu", use_bias=False, dtype=d)],
              r.uniform(-1, 1, size=(3, 4, 2)), "float64", 322, training=True)
    r = np.random.RandomState(323)
    run_model("keras-bidirectional-bn-dense-softmax-f32",
              "003's stacked Bidirectional model with its Dense(10, softmax) head, scaled down: Bidirectional(LSTM(4, return_sequences=True)) → Bidirectional(LSTM(3)) → BatchNormalization (inference) → Dense(5, softmax) (float32).",
              lambda d: [L.Bidirectional(L.LSTM(4, return_sequences=True, dtype=d), dtype=d), L.Bidirectional(L.LSTM(3, dtype=d), dtype=d),
                         L.BatchNormalization(dtype=d), L.Dense(5, activation="softmax", dtype=d)],
              r.uniform(-1, 1, size=(3, 5, 2)).astype(np.float32), "float32", 323)


def random_cases(count=10):
    """Random keras.Sequential models: an Embedding (mask_zero or not) or values first, one to
    three recurrent layers (LSTM, GRU either reset, SimpleRNN, RNN(cell), Bidirectional in each
    merge mode), optional Dense and BatchNormalization (either mode, center/scale, epsilon,
    momentum) between and after, a Dense head with a random activation; float32 or float64."""
    L = keras.layers
    acts = ["softmax", "log_softmax", "linear", "tanh", "sigmoid", "relu", "elu", "softplus", "gelu", "silu"]
    for k in range(count):
        seed = 330 + k
        r = np.random.RandomState(seed)
        dtype = ["float32", "float64"][r.randint(2)]
        npdt = np.float32 if dtype == "float32" else np.float64
        B, T = r.randint(2, 5), r.randint(2, 6)
        plan = []   # (constructor, returns_sequences)
        embed = r.rand() < 0.5
        mask_zero = embed and r.rand() < 0.5
        V, I = 9, int(r.randint(2, 5))
        n_rnn = r.randint(1, 4)
        training = bool(r.rand() < 0.5)

        def rnn(d, units, seq, r=r):
            c = r.randint(5)
            if c == 0:
                return L.LSTM(units, return_sequences=seq, use_bias=bool(r.rand() < 0.8), dtype=d)
            if c == 1:
                return L.GRU(units, return_sequences=seq, reset_after=bool(r.rand() < 0.5), dtype=d)
            if c == 2:
                return L.SimpleRNN(units, return_sequences=seq, activation=["tanh", "relu"][r.randint(2)], dtype=d)
            if c == 3:
                cell = [L.LSTMCell, L.GRUCell, L.SimpleRNNCell][r.randint(3)](units, dtype=d)
                return L.RNN(cell, return_sequences=seq, dtype=d)
            inner = [L.LSTM, L.GRU, L.SimpleRNN][r.randint(3)](units, return_sequences=seq, dtype=d)
            return L.Bidirectional(inner, merge_mode=["concat", "sum", "ave", "mul"][r.randint(4)], dtype=d)

        units = [int(r.randint(2, 5)) for _ in range(n_rnn)]
        extras = [int(r.randint(3)) for _ in range(n_rnn)]   # 0 nothing, 1 Dense, 2 BatchNormalization after the layer
        bn_cfg = dict(center=bool(r.rand() < 0.7), scale=bool(r.rand() < 0.7), epsilon=float(r.choice([1e-3, 0.05])),
                      momentum=float(r.choice([0.99, 0.8])))
        dense_units = int(r.randint(2, 4))
        heads = [a for a in acts if a != "relu"]   # a relu head over 2 units can be all zero: no gradient to check
        head_act = heads[r.randint(len(heads))]
        mid_act = acts[2 + r.randint(len(acts) - 2)]

        def make(d):
            ls = [L.Embedding(V, I, mask_zero=mask_zero, dtype=d)] if embed else []
            for j in range(n_rnn):
                ls.append(rnn(d, units[j], j < n_rnn - 1))
                if extras[j] == 1:
                    ls.append(L.Dense(int(units[j]) + 1, activation=mid_act, dtype=d))
                elif extras[j] == 2:
                    ls.append(L.BatchNormalization(dtype=d, **bn_cfg))
            ls.append(L.Dense(dense_units, activation=head_act, dtype=d))
            return ls
        if embed:
            x = ids(r, B, T, V, zeros=[(0, T - 1)] if mask_zero else [])
        else:
            x = r.uniform(-1, 1, size=(B, T, I)).astype(npdt)
        run_model("keras-random-sequential-%d" % k,
                  "A random keras.Sequential (seed %d): %s (%s)." % (seed, "see model.layers", dtype),
                  make, x, dtype, seed, training=training)


if __name__ == "__main__":
    scaled_cases()
    mask_and_option_cases()
    random_cases()
    document_cases()
