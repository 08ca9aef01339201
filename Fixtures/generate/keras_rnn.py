"""Keras 3 (TensorFlow backend) fixtures: `SimpleRNN` and the `MinimalRNNCell` of
“循环神经网络” (000) inside `keras.layers.RNN`. Gradients from tf.GradientTape.
Run with the pinned versions of requirements.txt:  python keras_rnn.py
"""
import os

os.environ.pop("TF_USE_LEGACY_KERAS", None)
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
import numpy as np
import tensorflow as tf

import common


class MinimalRNNCell(keras.layers.Layer):
    """The document's cell, with `tf.keras` spelled `keras` (Keras 3) and `tf.matmul` as
    `keras.ops.matmul`; otherwise as written."""

    def __init__(self, units, **kwargs):
        self.units = units
        self.state_size = units
        super(MinimalRNNCell, self).__init__(**kwargs)

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer='uniform', name='kernel')
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer='uniform',
                                                name='recurrent_kernel')
        self.built = True

    def call(self, inputs, states):
        prev_output = states[0]
        h = keras.ops.matmul(inputs, self.kernel)
        output = h + keras.ops.matmul(prev_output, self.recurrent_kernel)
        return output, [output]


def run_case(name, about, kind, make_layer, cfg, T, B, I, dtype, seed, document, n_states=1,
             return_sequences=True, x_value=None, mask=None, cell_kind=None, layer_flags=None):
    """One Keras layer call with autograd. With `cell_kind` the layer is `keras.layers.RNN(cell)`
    and the fixture says so: `{"kind": "keras.RNN", "cell": {"kind": cell_kind, cfg…, "weights"}}`."""
    keras.backend.clear_session()     # layer names (hence weight paths) do not depend on earlier cases
    rng = np.random.RandomState(seed)
    npdt = np.float32 if dtype == "float32" else np.float64
    layer = make_layer(dtype)
    x = rng.uniform(-1, 1, size=(B, T, I)).astype(npdt)
    if x_value is not None:
        x = np.asarray(x_value, dtype=npdt)
    h0s = [rng.uniform(-1, 1, size=(B, cfg["units"])).astype(npdt) for _ in range(n_states)]
    kw = {} if mask is None else {"mask": tf.constant(np.asarray(mask, dtype=bool))}
    layer(x, initial_state=h0s, **kw)  # build
    tensors = {}
    for w in layer.weights:
        v = rng.uniform(-0.6, 0.6, size=tuple(w.shape)).astype(npdt)
        w.assign(v)
        tensors[w.path] = v
    tx = tf.constant(x)
    th0s = [tf.constant(h) for h in h0s]
    with tf.GradientTape() as tape:
        tape.watch([tx] + th0s)
        out = layer(tx, initial_state=th0s, **kw)
        seq, states = out[0], out[1:]
        u_out = rng.uniform(-1, 1, size=tuple(seq.shape)).astype(npdt)
        u_fin = [rng.uniform(-1, 1, size=tuple(s.shape)).astype(npdt) for s in states]
        loss = tf.reduce_sum(seq * u_out) + tf.add_n([tf.reduce_sum(s * u) for s, u in zip(states, u_fin)])
    wv = [w.value for w in layer.trainable_weights]
    grads = tape.gradient(loss, wv + [tx] + th0s)
    tensors.update({"x": x, "upstream/outputs": u_out})
    if mask is not None:
        tensors["mask"] = np.asarray(mask, dtype=np.int64)
    for k, h in enumerate(h0s):
        tensors["initial_state/%d" % k] = h
    for k, u in enumerate(u_fin):
        tensors["upstream/final_state/%d" % k] = u
    names = [w.path for w in layer.trainable_weights] + ["x"] + ["initial_state/%d" % k for k in range(n_states)]
    model = dict(cfg, kind=kind, return_sequences=return_sequences, return_state=True,
                 weights={w.path.split("/")[-1]: w.path for w in layer.weights},
                 x="x", initial_state=["initial_state/%d" % k for k in range(n_states)],
                 upstream={"outputs": "upstream/outputs",
                           "final_state": ["upstream/final_state/%d" % k for k in range(len(u_fin))]})
    if mask is not None:
        model["mask"] = "mask"
        model["zero_output_for_mask"] = bool(getattr(layer, "zero_output_for_mask", False))
    if cell_kind is not None:
        model["cell"] = dict(cfg, kind=cell_kind, weights=model.pop("weights"))
        model["kind"] = "keras.RNN"
        for k in cfg:
            model.pop(k)
    model.update(layer_flags or {})
    expected = {"outputs": common.tensor(seq.numpy()),
                "final_state": [common.tensor(s.numpy()) for s in states],
                "gradients": {n: common.tensor(g.numpy()) for n, g in zip(names, grads)}}
    common.write(name, about,
                 {"generator": "Fixtures/generate/keras_rnn.py", "framework": common.versions(np, tf, keras),
                  "seed": seed, "document": document},
                 dtype, model, tensors, expected)


def main():
    for dt, seed in [("float64", 21), ("float32", 22)]:
        cfg = {"units": 4, "activation": "tanh", "use_bias": True}
        run_case("keras-simplernn-%s" % dt.replace("float", "f"),
                 "keras.layers.SimpleRNN(4, return_sequences=True, return_state=True) with an initial state (%s)." % dt,
                 "keras.SimpleRNN",
                 lambda d: keras.layers.SimpleRNN(4, return_sequences=True, return_state=True, dtype=d),
                 cfg, 5, 3, 2, dt, seed, "“Recurrent Neural Networks (RNN) with Keras” (003)")
    cfg = {"units": 3, "activation": "relu", "use_bias": False}
    run_case("keras-simplernn-relu-nobias-f64",
             "keras.layers.SimpleRNN(3, activation='relu', use_bias=False) with an initial state.",
             "keras.SimpleRNN",
             lambda d: keras.layers.SimpleRNN(3, activation="relu", use_bias=False, return_sequences=True,
                                              return_state=True, dtype=d),
             cfg, 4, 2, 3, "float64", 23, "“Recurrent Neural Networks (RNN) with Keras” (003)")
    for dt, seed in [("float64", 24), ("float32", 25)]:
        run_case("keras-minimalrnncell-%s" % dt.replace("float", "f"),
                 "The document's MinimalRNNCell(4) in keras.layers.RNN (return_sequences, return_state), %s." % dt,
                 "keras.MinimalRNNCell",
                 lambda d: keras.layers.RNN(MinimalRNNCell(4, dtype=d), return_sequences=True, return_state=True, dtype=d),
                 {"units": 4}, 6, 2, 1, dt, seed, "“循环神经网络” (000)")


def lstm_cases():
    for dt, seed in [("float64", 31), ("float32", 32)]:
        run_case("keras-lstm-%s" % dt.replace("float", "f"),
                 "keras.layers.LSTM(4, return_sequences=True, return_state=True) with initial state [h, c] (%s)." % dt,
                 "keras.LSTM", lambda d: keras.layers.LSTM(4, return_sequences=True, return_state=True, dtype=d),
                 {"units": 4, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": True, "unit_forget_bias": True},
                 5, 3, 2, dt, seed, "“Recurrent Neural Networks (RNN) with Keras” (003)", n_states=2)
    run_case("keras-lstm-nobias-last-f64",
             "keras.layers.LSTM(3, use_bias=False, return_state=True) returning the last output only (float64).",
             "keras.LSTM", lambda d: keras.layers.LSTM(3, use_bias=False, return_sequences=False, return_state=True, dtype=d),
             {"units": 3, "use_bias": False}, 4, 2, 3, "float64", 33, "“Recurrent Neural Networks (RNN) with Keras” (003)", n_states=2,
             return_sequences=False)
    # 000's sine task, scaled down: LSTM(128) on windows of 50 -> LSTM(8) on windows of 10 of sin(linspace(-100, 100, 1000))
    y = np.sin(np.linspace(-100, 100, 1000))
    windows = np.stack([y[s:s + 10] for s in (0, 100, 200, 300)]).reshape(4, 10, 1)
    run_case("keras-000-sine-lstm8", "000's keras LSTM on windows of sin(linspace(-100, 100, 1000)), scaled down from LSTM(128) x 50 steps to LSTM(8) x 10 steps, batch 4 (float32).",
             "keras.LSTM", lambda d: keras.layers.LSTM(8, return_sequences=True, return_state=True, dtype=d),
             {"units": 8}, 10, 4, 1, "float32", 34, "“循环神经网络” (000)", n_states=2, x_value=windows)


def gru_cases():
    for after in (True, False):
        tag = "after" if after else "before"
        for dt, seed in [("float64", 61 if after else 63), ("float32", 62 if after else 64)]:
            run_case("keras-gru-reset%s-%s" % (tag, dt.replace("float", "f")),
                     "keras.layers.GRU(4, reset_after=%s, return_sequences=True, return_state=True) with an initial state (%s)." % (after, dt),
                     "keras.GRU", lambda d, a=after: keras.layers.GRU(4, reset_after=a, return_sequences=True, return_state=True, dtype=d),
                     {"units": 4, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": True, "reset_after": after},
                     5, 3, 2, dt, seed, "“Recurrent Neural Networks (RNN) with Keras” (003)")
    run_case("keras-gru-nobias-resetbefore-f64", "keras.layers.GRU(3, use_bias=False, reset_after=False) (float64).",
             "keras.GRU", lambda d: keras.layers.GRU(3, use_bias=False, reset_after=False, return_sequences=True, return_state=True, dtype=d),
             {"units": 3, "use_bias": False, "reset_after": False}, 4, 2, 3, "float64", 65, "“Recurrent Neural Networks (RNN) with Keras” (003)")
    # 003's GRU(256, return_sequences=True) over embeddings of 64, scaled down to GRU(16) over 8 features
    run_case("keras-003-gru-return-sequences", "003's layers.GRU(256, return_sequences=True) scaled down to GRU(16, return_sequences=True) on 8 features, batch 4, 6 steps (float32).",
             "keras.GRU", lambda d: keras.layers.GRU(16, return_sequences=True, return_state=True, dtype=d),
             {"units": 16}, 6, 4, 8, "float32", 66, "“Recurrent Neural Networks (RNN) with Keras” (003)")


def layer_model(layer, kind):
    """The fixture description of a Keras RNN layer (its config keys and weight paths)."""
    cfg = layer.get_config()
    o = {"kind": kind, "units": cfg["units"], "return_sequences": cfg["return_sequences"],
         "return_state": cfg["return_state"], "go_backwards": cfg["go_backwards"],
         "weights": {w.path.split("/")[-1]: w.path for w in layer.weights}}
    for k in ("activation", "recurrent_activation", "use_bias", "reset_after"):
        if k in cfg:
            o[k] = cfg[k] if not isinstance(cfg[k], dict) else cfg[k].get("config", {}).get("name", cfg[k])
    return o


def bidirectional_case(name, about, make_layer, kind, merge_mode, units, n_states, T, B, I, dtype, seed, return_sequences=True, mask=None):
    """keras.layers.Bidirectional over a Keras RNN layer; with `mask` ([B, T] of 0/1) the call gets
    `mask=` (Bidirectional sets its layers' zero_output_for_mask to return_sequences)."""
    keras.backend.clear_session()     # layer names (hence weight paths) do not depend on earlier cases
    rng = np.random.RandomState(seed)
    npdt = np.float32 if dtype == "float32" else np.float64
    layer = keras.layers.Bidirectional(make_layer(dtype), merge_mode=merge_mode, dtype=dtype)
    x = rng.uniform(-1, 1, size=(B, T, I)).astype(npdt)
    h0s = [rng.uniform(-1, 1, size=(B, units)).astype(npdt) for _ in range(2 * n_states)]
    layer(x, initial_state=h0s)
    tensors = {}
    for w in layer.weights:
        v = rng.uniform(-0.6, 0.6, size=tuple(w.shape)).astype(npdt)
        w.assign(v)
        tensors[w.path] = v
    tx = tf.constant(x)
    th0s = [tf.constant(h) for h in h0s]
    kw = {} if mask is None else {"mask": tf.constant(np.asarray(mask, dtype=bool))}
    with tf.GradientTape() as tape:
        tape.watch([tx] + th0s)
        out = layer(tx, initial_state=th0s, **kw)
        outs = list(out[:2]) if merge_mode is None else [out[0]]
        states = list(out[2:]) if merge_mode is None else list(out[1:])
        u_out = [rng.uniform(-1, 1, size=tuple(o.shape)).astype(npdt) for o in outs]
        u_fin = [rng.uniform(-1, 1, size=tuple(s_.shape)).astype(npdt) for s_ in states]
        loss = tf.add_n([tf.reduce_sum(o * u) for o, u in zip(outs, u_out)] + [tf.reduce_sum(s_ * u) for s_, u in zip(states, u_fin)])
    grads = tape.gradient(loss, [w.value for w in layer.trainable_weights] + [tx] + th0s)
    names = [w.path for w in layer.trainable_weights] + ["x"] + ["initial_state/%d" % k for k in range(len(h0s))]
    tensors["x"] = x
    for k, h in enumerate(h0s):
        tensors["initial_state/%d" % k] = h
    for k, u in enumerate(u_out):
        tensors["upstream/outputs/%d" % k] = u
    for k, u in enumerate(u_fin):
        tensors["upstream/final_state/%d" % k] = u
    model = {"kind": "keras.Bidirectional", "merge_mode": merge_mode,
             "layer": layer_model(layer.forward_layer, kind), "backward_layer": layer_model(layer.backward_layer, kind),
             "x": "x", "initial_state": ["initial_state/%d" % k for k in range(len(h0s))],
             "upstream": {"outputs": ["upstream/outputs/0", "upstream/outputs/1"] if merge_mode is None else "upstream/outputs/0",
                          "final_state": ["upstream/final_state/%d" % k for k in range(len(u_fin))]}}
    model["backward_layer"]["go_backwards"] = False   # as the wrapped layer; Bidirectional flips it
    if mask is not None:
        tensors["mask"] = np.asarray(mask, dtype=np.int64)
        model["mask"] = "mask"
    expected = {"outputs": [common.tensor(o.numpy()) for o in outs] if merge_mode is None else common.tensor(outs[0].numpy()),
                "final_state": [common.tensor(s_.numpy()) for s_ in states],
                "gradients": {n: common.tensor(g.numpy()) for n, g in zip(names, grads)}}
    common.write(name, about, {"generator": "Fixtures/generate/keras_rnn.py", "framework": common.versions(np, tf, keras),
                               "seed": seed, "document": "“Recurrent Neural Networks (RNN) with Keras” (003)"}, dtype, model, tensors, expected)


def run_stateful(name, about, make_layer, model, n_calls, T, B, I, dtype, seed):
    """A stateful layer (or Bidirectional) over consecutive batches: each call starts from the
    state the previous call left (a variable, so no gradient crosses calls); one tape around
    each call. `model(layer)` gives the fixture's model object without x and upstream."""
    keras.backend.clear_session()     # layer names (hence weight paths) do not depend on earlier cases
    rng = np.random.RandomState(seed)
    npdt = np.float32 if dtype == "float32" else np.float64
    layer = make_layer(dtype)
    xs = [rng.uniform(-1, 1, size=(B, T, I)).astype(npdt) for _ in range(n_calls)]
    layer(xs[0])
    tensors = {}
    for w in layer.weights:
        v = rng.uniform(-0.6, 0.6, size=tuple(w.shape)).astype(npdt)
        w.assign(v)
        tensors[w.path] = v
    layer.reset_states()
    outs, total = [], {}
    names = [w.path for w in layer.trainable_weights]
    for k, x in enumerate(xs):
        tx = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(tx)
            out = layer(tx)
            seq = out[0] if isinstance(out, (list, tuple)) else out
            u = rng.uniform(-1, 1, size=tuple(seq.shape)).astype(npdt)
            loss = tf.reduce_sum(seq * u)
        g = tape.gradient(loss, [w.value for w in layer.trainable_weights] + [tx])
        for n, gv in zip(names, g[:-1]):
            total[n] = total.get(n, 0) + gv.numpy()
        total["x/%d" % k] = g[-1].numpy()
        outs.append(seq.numpy())
        tensors["x/%d" % k] = x
        tensors["upstream/outputs/%d" % k] = u
    layer.reset_states()
    m = dict(model(layer), x=["x/%d" % k for k in range(n_calls)],
             upstream={"outputs": ["upstream/outputs/%d" % k for k in range(n_calls)]})
    expected = {"outputs": [common.tensor(o) for o in outs],
                "gradients": {n: common.tensor(v) for n, v in total.items()}}
    common.write(name, about, {"generator": "Fixtures/generate/keras_rnn.py", "framework": common.versions(np, tf, keras),
                               "seed": seed, "document": "“Recurrent Neural Networks (RNN) with Keras” (003)"}, dtype, m, tensors, expected)


def stateful_case(name, about, make_layer, kind, cfg, n_calls, T, B, I, dtype, seed, n_states):
    """003's stateful layer over consecutive batches."""
    run_stateful(name, about, make_layer,
                 lambda layer: dict(cfg, kind=kind, stateful=True, return_sequences=layer.return_sequences, return_state=False,
                                    weights={w.path.split("/")[-1]: w.path for w in layer.weights}),
                 n_calls, T, B, I, dtype, seed)


def stateful_bidirectional_case(name, about, make_layer, kind, merge_mode, n_calls, T, B, I, dtype, seed):
    """keras.layers.Bidirectional over a stateful layer across consecutive batches: both the
    forward and the backward layer keep their final state for the next call."""
    def model(layer):
        return {"kind": "keras.Bidirectional", "merge_mode": merge_mode, "stateful": True,
                "layer": layer_model(layer.forward_layer, kind),
                "backward_layer": dict(layer_model(layer.backward_layer, kind), go_backwards=False)}   # Bidirectional flips it
    run_stateful(name, about, lambda d: keras.layers.Bidirectional(make_layer(d), merge_mode=merge_mode, dtype=d), model,
                 n_calls, T, B, I, dtype, seed)


def sequential_case(name, about, make_layers, T, B, I, dtype, seed):
    keras.backend.clear_session()     # layer names (hence weight paths) do not depend on earlier cases
    rng = np.random.RandomState(seed)
    npdt = np.float32 if dtype == "float32" else np.float64
    layers = make_layers(dtype)
    model = keras.Sequential(layers)
    x = rng.uniform(-1, 1, size=(B, T, I)).astype(npdt)
    model(x)
    tensors = {}
    for w in model.weights:
        v = rng.uniform(-0.6, 0.6, size=tuple(w.shape)).astype(npdt)
        w.assign(v)
        tensors[w.path] = v
    tx = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(tx)
        out = model(tx)
        u = rng.uniform(-1, 1, size=tuple(out.shape)).astype(npdt)
        loss = tf.reduce_sum(out * u)
    grads = tape.gradient(loss, [w.value for w in model.trainable_weights] + [tx])
    names = [w.path for w in model.trainable_weights] + ["x"]
    tensors.update({"x": x, "upstream/outputs": u})

    def describe(layer):
        if isinstance(layer, keras.layers.Bidirectional):
            kind = {"LSTM": "keras.LSTM", "GRU": "keras.GRU", "SimpleRNN": "keras.SimpleRNN"}[type(layer.forward_layer).__name__]
            return {"kind": "keras.Bidirectional", "merge_mode": layer.merge_mode,
                    "layer": layer_model(layer.forward_layer, kind), "backward_layer": dict(layer_model(layer.backward_layer, kind), go_backwards=False)}
        kind = {"LSTM": "keras.LSTM", "GRU": "keras.GRU", "SimpleRNN": "keras.SimpleRNN"}[type(layer).__name__]
        return layer_model(layer, kind)
    desc = {"kind": "keras.Sequential", "layers": [describe(l) for l in layers], "x": "x", "upstream": {"outputs": "upstream/outputs"}}
    expected = {"outputs": common.tensor(out.numpy()), "gradients": {n: common.tensor(g.numpy()) for n, g in zip(names, grads)}}
    common.write(name, about, {"generator": "Fixtures/generate/keras_rnn.py", "framework": common.versions(np, tf, keras),
                               "seed": seed, "document": "“Recurrent Neural Networks (RNN) with Keras” (003)"}, dtype, desc, tensors, expected)


def encoder_decoder_case(name, about, make_enc, make_dec, kind, T_e, T_d, B, I, dtype, seed):
    """003's encoder/decoder: the encoder's final states are the decoder's initial_state (the
    embeddings and the Dense head are left out)."""
    keras.backend.clear_session()     # layer names (hence weight paths) do not depend on earlier cases
    rng = np.random.RandomState(seed)
    npdt = np.float32 if dtype == "float32" else np.float64
    enc, dec = make_enc(dtype), make_dec(dtype)
    xe = rng.uniform(-1, 1, size=(B, T_e, I)).astype(npdt)
    xd = rng.uniform(-1, 1, size=(B, T_d, I)).astype(npdt)
    st = enc(xe)[1:]
    dec(xd, initial_state=list(st))
    tensors = {}
    for w in enc.weights + dec.weights:
        v = rng.uniform(-0.6, 0.6, size=tuple(w.shape)).astype(npdt)
        w.assign(v)
        tensors[w.path] = v
    txe, txd = tf.constant(xe), tf.constant(xd)
    with tf.GradientTape() as tape:
        tape.watch([txe, txd])
        out = enc(txe)
        y = dec(txd, initial_state=list(out[1:]))
        u = rng.uniform(-1, 1, size=tuple(y.shape)).astype(npdt)
        loss = tf.reduce_sum(y * u)
    ws = enc.trainable_weights + dec.trainable_weights
    grads = tape.gradient(loss, [w.value for w in ws] + [txe, txd])
    names = [w.path for w in ws] + ["x_encoder", "x_decoder"]
    tensors.update({"x_encoder": xe, "x_decoder": xd, "upstream/outputs": u})
    model = {"kind": "keras.EncoderDecoder", "encoder": layer_model(enc, kind), "decoder": layer_model(dec, kind),
             "x_encoder": "x_encoder", "x_decoder": "x_decoder", "upstream": {"outputs": "upstream/outputs"}}
    expected = {"outputs": common.tensor(y.numpy()), "gradients": {n: common.tensor(g.numpy()) for n, g in zip(names, grads)}}
    common.write(name, about, {"generator": "Fixtures/generate/keras_rnn.py", "framework": common.versions(np, tf, keras),
                               "seed": seed, "document": "“Recurrent Neural Networks (RNN) with Keras” (003)"}, dtype, model, tensors, expected)


def mask_cases():
    mask = [[1, 1, 0, 1, 0], [0, 1, 1, 1, 1], [1, 1, 1, 0, 0]]
    run_case("keras-lstm-mask-f64", "keras.layers.LSTM(3, return_sequences=True, return_state=True) called with a mask (state carried, output repeated through masked steps) (float64).",
             "keras.LSTM", lambda d: keras.layers.LSTM(3, return_sequences=True, return_state=True, dtype=d), {"units": 3},
             5, 3, 2, "float64", 101, "“Recurrent Neural Networks (RNN) with Keras” (003)", n_states=2, mask=mask)
    run_case("keras-gru-mask-zero-output-f64", "keras.layers.GRU(3, return_sequences=True, return_state=True, zero_output_for_mask=True) with a mask (float64).",
             "keras.GRU", lambda d: keras.layers.GRU(3, return_sequences=True, return_state=True, zero_output_for_mask=True, dtype=d), {"units": 3},
             5, 3, 2, "float64", 102, "“Recurrent Neural Networks (RNN) with Keras” (003)", mask=mask)
    run_case("keras-simplernn-mask-go-backwards-last-f32", "keras.layers.SimpleRNN(4, go_backwards=True, return_state=True) with a mask, last output only (float32).",
             "keras.SimpleRNN", lambda d: keras.layers.SimpleRNN(4, go_backwards=True, return_state=True, dtype=d), {"units": 4, "go_backwards": True},
             5, 3, 2, "float32", 103, "“Recurrent Neural Networks (RNN) with Keras” (003)", mask=mask, return_sequences=False)


# Every elementwise activation Keras 3 accepts by name (keras.activations.ALL_OBJECTS_DICT minus
# softmax, log_softmax, glu, sparsemax and threshold), in the order of Fixtures/README.md's table,
# and gelu's tanh form, which has no name: the fixtures call it "gelu_approximate".
ACTIVATION_NAMES = ["tanh", "sigmoid", "relu", "linear", "hard_sigmoid", "hard_silu", "hard_tanh", "hard_shrink",
                    "soft_shrink", "elu", "selu", "celu", "softplus", "softsign", "silu", "gelu", "gelu_approximate",
                    "exponential", "leaky_relu", "relu6", "mish", "log_sigmoid", "tanh_shrink", "sparse_plus",
                    "sparse_sigmoid", "squareplus", "swish", "hard_swish"]


def keras_activation(name):
    if name == "gelu_approximate":
        return lambda x: keras.activations.gelu(x, approximate=True)
    return name


def rnn_cell_cases():
    """keras.layers.RNN around each Keras cell; and 003's claim that `RNN(LSTMCell(10))` gives the
    same results as `LSTM(10)`: the two fixtures share the seed, hence weights, inputs, states and
    cotangents (the weight paths differ: lstm_cell under rnn/ or lstm/)."""
    doc = "“Recurrent Neural Networks (RNN) with Keras” (003)"
    run_case("keras-003-lstm10", "003's LSTM(10) (one of a pair with keras-003-rnn-lstmcell10: same weights and inputs) (float32).",
             "keras.LSTM", lambda d: keras.layers.LSTM(10, return_sequences=True, return_state=True, dtype=d), {"units": 10},
             5, 3, 4, "float32", 130, doc, n_states=2)
    run_case("keras-003-rnn-lstmcell10", "003's RNN(LSTMCell(10)), 'mathematically the same results as LSTM(10)': the pair of keras-003-lstm10 (float32).",
             "keras.LSTM", lambda d: keras.layers.RNN(keras.layers.LSTMCell(10, dtype=d), return_sequences=True, return_state=True, dtype=d),
             {"units": 10}, 5, 3, 4, "float32", 130, doc, n_states=2, cell_kind="keras.LSTMCell")
    run_case("keras-rnn-grucell-f64", "keras.layers.RNN(GRUCell(3, reset_after=False), go_backwards=True, return_sequences=True, return_state=True) (float64).",
             "keras.GRU", lambda d: keras.layers.RNN(keras.layers.GRUCell(3, reset_after=False, dtype=d), go_backwards=True,
                                                    return_sequences=True, return_state=True, dtype=d),
             {"units": 3, "reset_after": False}, 4, 2, 3, "float64", 131, doc, cell_kind="keras.GRUCell", layer_flags={"go_backwards": True})
    run_case("keras-rnn-simplernncell-mask-f64", "keras.layers.RNN(SimpleRNNCell(4, activation='relu'), return_sequences=True, return_state=True) called with a mask (float64).",
             "keras.SimpleRNN", lambda d: keras.layers.RNN(keras.layers.SimpleRNNCell(4, activation="relu", dtype=d),
                                                          return_sequences=True, return_state=True, dtype=d),
             {"units": 4, "activation": "relu"}, 5, 3, 2, "float64", 132, doc, cell_kind="keras.SimpleRNNCell",
             mask=[[1, 1, 0, 1, 0], [0, 1, 1, 1, 1], [1, 1, 1, 0, 0]])


def activation_cases():
    """Every activation twice: as the `activation` of a SimpleRNN, an LSTM and a GRU in turn
    (recurrent_activation left at sigmoid), and as the `recurrent_activation` of an LSTM and a GRU
    in turn (activation tanh); every third in float32. Names go into the fixture as written
    (`swish`, `hard_swish` included)."""
    classes = {"keras.SimpleRNN": keras.layers.SimpleRNN, "keras.LSTM": keras.layers.LSTM, "keras.GRU": keras.layers.GRU}
    for k, a in enumerate(ACTIVATION_NAMES):
        for role in ("activation", "recurrent_activation"):
            kinds = ["keras.SimpleRNN", "keras.LSTM", "keras.GRU"] if role == "activation" else ["keras.LSTM", "keras.GRU"]
            kind = kinds[k % len(kinds)]
            dt = "float32" if k % 3 == 2 else "float64"
            cfg = {"units": 3, role: a}
            kw = {role: keras_activation(a)}
            cls = classes[kind]
            about = "%s(3, %s=%r, return_sequences=True, return_state=True) (%s)." % (kind.replace("keras.", "keras.layers."), role, a, dt)
            run_case("keras-%s-%s" % (role.replace("_", "-"), a.replace("_", "-")), about, kind,
                     lambda d, cls=cls, kw=kw: cls(3, return_sequences=True, return_state=True, dtype=d, **kw), cfg,
                     4, 2, 3, dt, (200 if role == "activation" else 300) + k, "“Recurrent Neural Networks (RNN) with Keras” (003)",
                     n_states=2 if kind == "keras.LSTM" else 1)


def layer_cases():
    stateful_case("keras-003-stateful-lstm-three-paragraphs",
                  "003's LSTM(64, stateful=True) over paragraph1, paragraph2, paragraph3 (scaled down to LSTM(6), batch 4, 5 steps, 3 features), state carried between the calls (float32).",
                  lambda d: keras.layers.LSTM(6, stateful=True, dtype=d), "keras.LSTM", {"units": 6}, 3, 5, 4, 3, "float32", 98, 2)
    stateful_case("keras-stateful-gru-sequences-f64",
                  "keras.layers.GRU(3, stateful=True, return_sequences=True) over two consecutive batches (float64).",
                  lambda d: keras.layers.GRU(3, stateful=True, return_sequences=True, dtype=d), "keras.GRU", {"units": 3}, 2, 4, 2, 2, "float64", 99, 1)
    for k, mm in enumerate(["concat", "sum", "ave", "mul", None]):
        bidirectional_case("keras-bidi-lstm-%s" % (mm or "none"),
                           "keras.layers.Bidirectional(LSTM(3, return_sequences=True, return_state=True), merge_mode=%r) with initial states (float64)." % mm,
                           lambda d: keras.layers.LSTM(3, return_sequences=True, return_state=True, dtype=d), "keras.LSTM", mm, 3, 2,
                           4, 2, 2, "float64", 90 + k)
    bidirectional_case("keras-bidi-gru-last-f32", "keras.layers.Bidirectional(GRU(4, return_state=True)) returning the last outputs, concatenated (float32).",
                       lambda d: keras.layers.GRU(4, return_state=True, dtype=d), "keras.GRU", "concat", 4, 1, 5, 3, 2, "float32", 96)
    stateful_bidirectional_case("keras-bidi-stateful-lstm-concat-f64",
                                "keras.layers.Bidirectional(LSTM(3, stateful=True, return_sequences=True)) over three consecutive batches; each direction carries its state (float64).",
                                lambda d: keras.layers.LSTM(3, stateful=True, return_sequences=True, dtype=d), "keras.LSTM", "concat", 3, 4, 2, 2, "float64", 112)
    stateful_bidirectional_case("keras-bidi-stateful-gru-sum-last-f32",
                                "keras.layers.Bidirectional(GRU(4, stateful=True), merge_mode='sum') over two consecutive batches, last outputs (float32).",
                                lambda d: keras.layers.GRU(4, stateful=True, dtype=d), "keras.GRU", "sum", 2, 5, 3, 2, "float32", 113)
    mask = [[1, 1, 0, 1, 0], [0, 1, 1, 1, 1], [1, 1, 1, 0, 0]]
    bidirectional_case("keras-bidi-lstm-mask-concat-f64",
                       "keras.layers.Bidirectional(LSTM(3, return_sequences=True, return_state=True)) called with a mask with gaps (masked outputs are zeros inside Bidirectional) (float64).",
                       lambda d: keras.layers.LSTM(3, return_sequences=True, return_state=True, dtype=d), "keras.LSTM", "concat", 3, 2,
                       5, 3, 2, "float64", 108, mask=mask)
    bidirectional_case("keras-bidi-simplernn-mask-sum-f32",
                       "keras.layers.Bidirectional(SimpleRNN(4, return_sequences=True), merge_mode='sum') called with a mask (float32).",
                       lambda d: keras.layers.SimpleRNN(4, return_sequences=True, return_state=True, dtype=d), "keras.SimpleRNN", "sum", 4, 1,
                       5, 3, 2, "float32", 109, mask=mask)
    bidirectional_case("keras-bidi-gru-mask-last-f64",
                       "keras.layers.Bidirectional(GRU(3, return_state=True), merge_mode=None) called with a mask, last outputs only (float64).",
                       lambda d: keras.layers.GRU(3, return_state=True, dtype=d), "keras.GRU", None, 3, 1,
                       5, 3, 2, "float64", 110, mask=mask)
    run_case("keras-lstm-unroll-f64", "keras.layers.LSTM(3, unroll=True, return_sequences=True, return_state=True): unrolling changes the graph, not the function (float64).",
             "keras.LSTM", lambda d: keras.layers.LSTM(3, unroll=True, return_sequences=True, return_state=True, dtype=d),
             {"units": 3, "unroll": True}, 4, 2, 3, "float64", 111, "“Recurrent Neural Networks (RNN) with Keras” (003)", n_states=2)
    run_case("keras-simplernn-go-backwards-f64", "keras.layers.SimpleRNN(3, go_backwards=True, return_sequences=True, return_state=True) (float64).",
             "keras.SimpleRNN", lambda d: keras.layers.SimpleRNN(3, go_backwards=True, return_sequences=True, return_state=True, dtype=d),
             {"units": 3, "go_backwards": True}, 5, 2, 2, "float64", 97, "“Recurrent Neural Networks (RNN) with Keras” (003)")


if __name__ == "__main__":
    main()
    lstm_cases()
    gru_cases()
    layer_cases()
    mask_cases()
    activation_cases()
    rnn_cell_cases()
    sequential_case("keras-003-stacked-bidirectional-lstm", "003's Bidirectional(LSTM(64, return_sequences=True)) followed by Bidirectional(LSTM(32)), scaled down to 4 and 3 units, 5 features, batch 3, 6 steps (float32).",
                    lambda d: [keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True, dtype=d), dtype=d),
                               keras.layers.Bidirectional(keras.layers.LSTM(3, dtype=d), dtype=d)], 6, 3, 5, "float32", 104)
    encoder_decoder_case("keras-003-encoder-decoder-lstm", "003's encoder LSTM(64, return_state=True) whose [state_h, state_c] start the decoder LSTM(64), scaled down to 5 units over 4 features, encoder 6 steps, decoder 4, batch 3 (float32).",
                         lambda d: keras.layers.LSTM(5, return_state=True, dtype=d), lambda d: keras.layers.LSTM(5, dtype=d), "keras.LSTM",
                         6, 4, 3, 4, "float32", 106)
    encoder_decoder_case("keras-encoder-decoder-gru-f64", "A GRU(3, return_state=True) encoder starting a GRU(3, return_sequences=True) decoder (float64).",
                         lambda d: keras.layers.GRU(3, return_state=True, dtype=d), lambda d: keras.layers.GRU(3, return_sequences=True, dtype=d), "keras.GRU",
                         5, 3, 2, 2, "float64", 107)
    sequential_case("keras-sequential-lstm-gru-f64", "keras.Sequential([LSTM(4, return_sequences=True), GRU(3, return_sequences=True)]) (float64).",
                    lambda d: [keras.layers.LSTM(4, return_sequences=True, dtype=d), keras.layers.GRU(3, return_sequences=True, dtype=d)],
                    5, 2, 3, "float64", 105)
