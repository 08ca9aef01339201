"""003's NestedCell under keras.layers.RNN (section 7 of “Recurrent Neural Networks (RNN) with
Keras”), run with the document's code unmodified under tf-keras (Keras 2, TF_USE_LEGACY_KERAS=1):
Keras 3's `keras.layers.RNN` refuses nested inputs (the document's code fails in `build`), so
these fixtures come from Keras 2 and say so in their provenance. Gradients from tf.GradientTape.
Run with the pinned versions of requirements.txt:  TF_USE_LEGACY_KERAS=1 python keras_nested.py
"""
import os

os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import collections

import numpy as np
import tensorflow as tf

import common

# The document's classes, as written (only the comments' indentation is this file's).
NestedInput = collections.namedtuple('NestedInput', ['feature1', 'feature2'])
NestedState = collections.namedtuple('NestedState', ['state1', 'state2'])

class NestedCell(tf.keras.layers.Layer):

  def __init__(self, unit_1, unit_2, unit_3, **kwargs):
    self.unit_1 = unit_1
    self.unit_2 = unit_2
    self.unit_3 = unit_3
    self.state_size = NestedState(state1=unit_1,
                                  state2=tf.TensorShape([unit_2, unit_3]))
    self.output_size = (unit_1, tf.TensorShape([unit_2, unit_3]))
    super(NestedCell, self).__init__(**kwargs)

  def build(self, input_shapes):
    # expect input_shape to contain 2 items, [(batch, i1), (batch, i2, i3)]
    input_1 = input_shapes.feature1[1]
    input_2, input_3 = input_shapes.feature2[1:]

    self.kernel_1 = self.add_weight(
        shape=(input_1, self.unit_1), initializer='uniform', name='kernel_1')
    self.kernel_2_3 = self.add_weight(
        shape=(input_2, input_3, self.unit_2, self.unit_3),
        initializer='uniform',
        name='kernel_2_3')

  def call(self, inputs, states):
    # inputs should be in [(batch, input_1), (batch, input_2, input_3)]
    # state should be in shape [(batch, unit_1), (batch, unit_2, unit_3)]
    input_1, input_2 = tf.nest.flatten(inputs)
    s1, s2 = states

    output_1 = tf.matmul(input_1, self.kernel_1)
    output_2_3 = tf.einsum('bij,ijkl->bkl', input_2, self.kernel_2_3)
    state_1 = s1 + output_1
    state_2_3 = s2 + output_2_3

    output = [output_1, output_2_3]
    new_states = NestedState(state1=state_1, state2=state_2_3)

    return output, new_states



def run_case(name, about, units, inputs, B, T, dtype, seed, return_sequences=False, return_state=False,
             initial_state=False, go_backwards=False, mask=None, full=False):
    """keras.layers.RNN(NestedCell(*units), ...) on random inputs; weights uniform(±0.6) from
    RandomState(seed) (the document's 'uniform' initializer draws from [-0.05, 0.05]). With
    `full` (003's sizes): weights as the document initialises them, uniform(±0.05), kernel_2_3
    stored as its numpy draw, the inputs in a sidecar .npz, and kernel_2_3's and feature2's
    gradients (1.2M and 205k values) left out: the scaled-down fixtures check every gradient."""
    tf.keras.backend.clear_session()
    rng = np.random.RandomState(seed)
    npdt = np.float32 if dtype == "float32" else np.float64
    (u1, u2, u3), (i1, i2, i3) = units, inputs
    cell = NestedCell(u1, u2, u3, dtype=dtype)
    rnn = tf.keras.layers.RNN(cell, return_sequences=return_sequences, return_state=return_state,
                              go_backwards=go_backwards, dtype=dtype)
    x1 = rng.uniform(-1, 1, size=(B, T, i1)).astype(npdt)
    x2 = rng.uniform(-1, 1, size=(B, T, i2, i3)).astype(npdt)
    s0 = [rng.uniform(-1, 1, size=(B, u1)).astype(npdt), rng.uniform(-1, 1, size=(B, u2, u3)).astype(npdt)] if initial_state else None
    kw = {} if mask is None else {"mask": tf.constant(np.asarray(mask, dtype=bool))}
    tx = [tf.constant(x1), tf.constant(x2)]
    ts = [tf.constant(s) for s in s0] if s0 else None
    rnn(NestedInput(feature1=tx[0], feature2=tx[1]), initial_state=ts, **kw)    # build
    tensors = {}
    for k, w in enumerate(rnn.weights):
        wname = w.name.split(":")[0]
        if full:
            kseed = seed * 100 + k
            v = np.random.RandomState(kseed).uniform(-0.05, 0.05, size=tuple(w.shape)).astype(npdt)
            tensors[wname] = {"shape": list(w.shape), "numpy": {"seed": kseed, "dist": "uniform", "low": -0.05, "high": 0.05}}
        else:
            v = rng.uniform(-0.6, 0.6, size=tuple(w.shape)).astype(npdt)
            tensors[wname] = v
        w.assign(v)
    with tf.GradientTape() as tape:
        tape.watch(tx + (ts or []))
        out = rnn(NestedInput(feature1=tx[0], feature2=tx[1]), initial_state=ts, **kw)
        outs = list(out[:2]) if return_state else list(out)
        states = list(out[2:]) if return_state else []
        u_out = [rng.uniform(-1, 1, size=tuple(o.shape)).astype(npdt) for o in outs]
        u_fin = [rng.uniform(-1, 1, size=tuple(s.shape)).astype(npdt) for s in states]
        loss = tf.add_n([tf.reduce_sum(o * u) for o, u in zip(outs + states, u_out + u_fin)])
    wv = [w for w in rnn.trainable_weights]
    grads = tape.gradient(loss, wv + tx + (ts or []))
    names = [w.name.split(":")[0] for w in wv] + ["x/feature1", "x/feature2"] + (["initial_state/0", "initial_state/1"] if ts else [])
    tensors.update({"x/feature1": x1, "x/feature2": x2})
    if s0:
        tensors.update({"initial_state/0": s0[0], "initial_state/1": s0[1]})
    for k, u in enumerate(u_out):
        tensors["upstream/outputs/%d" % k] = u
    for k, u in enumerate(u_fin):
        tensors["upstream/final_state/%d" % k] = u
    model = {"kind": "keras.RNN",
             "cell": {"kind": "NestedCell", "unit_1": u1, "unit_2": u2, "unit_3": u3,
                      "weights": {n.split("/")[-1]: n for n in names[:2]}},
             "return_sequences": return_sequences, "return_state": return_state, "go_backwards": go_backwards,
             "x": ["x/feature1", "x/feature2"],
             "upstream": {"outputs": ["upstream/outputs/%d" % k for k in range(len(u_out))]}}
    if s0:
        model["initial_state"] = ["initial_state/0", "initial_state/1"]
    if u_fin:
        model["upstream"]["final_state"] = ["upstream/final_state/%d" % k for k in range(len(u_fin))]
    if mask is not None:
        tensors["mask"] = np.asarray(mask, dtype=np.int64)
        model["mask"] = "mask"
    omitted = [n for n in names if full and (n.endswith("kernel_2_3") or n == "x/feature2")]
    expected = {"outputs": [common.tensor(o.numpy()) for o in outs],
                "gradients": {n: common.tensor(g.numpy()) for n, g in zip(names, grads) if n not in omitted}}
    if omitted:
        expected["gradients_omitted"] = "the gradients of %s are too large for a JSON fixture; keras-003-nested-cell and the other NestedCell fixtures check every gradient at smaller sizes" % ", ".join(omitted)
    if states:
        expected["final_state"] = [common.tensor(s.numpy()) for s in states]
    if full:
        sidecar = {k: v for k, v in tensors.items() if not isinstance(v, dict)}
        np.savez(os.path.join(common.OUT, name + ".npz"), **sidecar)
        tensors = {k: v for k, v in tensors.items() if isinstance(v, dict)}
    common.write(name, about,
                 {"generator": "Fixtures/generate/keras_nested.py",
                  "framework": common.versions(np, tf) + ", tf-keras (Keras 2, TF_USE_LEGACY_KERAS=1): Keras 3's RNN refuses nested inputs",
                  "seed": seed, "document": "“Recurrent Neural Networks (RNN) with Keras” (003)"},
                 dtype, model, tensors, expected, tensors_file=name + ".npz" if full else None)


if __name__ == "__main__":
    run_case("keras-003-nested-cell", "003's NestedCell(unit_1, unit_2, unit_3) under keras.layers.RNN, as the document builds it (last output, zero initial state), scaled down from units (10, 20, 30) and inputs 32, (64, 32) to (2, 3, 4) and 3, (2, 3); batch 2, 5 steps (float32).",
             (2, 3, 4), (3, 2, 3), 2, 5, "float32", 120)
    run_case("keras-nested-cell-sequences-state-f64", "keras.layers.RNN(NestedCell(3, 2, 2), return_sequences=True, return_state=True) with a nested initial state (float64).",
             (3, 2, 2), (2, 3, 2), 3, 4, "float64", 121, return_sequences=True, return_state=True, initial_state=True)
    run_case("keras-nested-cell-go-backwards-mask-f64", "keras.layers.RNN(NestedCell(2, 2, 3), go_backwards=True, return_sequences=True, return_state=True) called with a mask (float64).",
             (2, 2, 3), (2, 2, 2), 3, 5, "float64", 122, return_sequences=True, return_state=True, initial_state=True, go_backwards=True,
             mask=[[1, 1, 0, 1, 0], [0, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    run_case("keras-003-nested-cell-full", "003's NestedCell model at the document's sizes: units (10, 20, 30), inputs 32 and (64, 32), 50 steps, RNN's last output; batch 2 instead of 64, the document's uniform(±0.05) weights; inputs in a sidecar .npz (float32).",
             (10, 20, 30), (32, 64, 32), 2, 50, "float32", 123, full=True)
