"""TensorFlow v1 `dynamic_rnn` fixtures (graph mode, tf.compat.v1), gradients from tf.gradients.

Every case draws its weights, initial state, inputs, lengths and upstream cotangents from
numpy with the case's seed; nothing is tuned to our implementation. Run with the pinned
versions of requirements.txt:  TF_USE_LEGACY_KERAS=1 python tf_dynamic_rnn.py
"""
import os
import re
import sys

os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf

import common
from cifg_cell import CoupledInputForgetGateLSTMCell

CIFG = "tf.contrib.rnn.CoupledInputForgetGateLSTMCell"

tf.compat.v1.disable_eager_execution()
rnn_cell = tf.compat.v1.nn.rnn_cell

ACTIVATIONS = {"tanh": tf.tanh, "relu": tf.nn.relu, "sigmoid": tf.sigmoid}


def make_cell(spec, dtype):
    kind = spec["kind"]
    act = ACTIVATIONS[spec.get("activation", "tanh")]
    if kind == "tf.BasicRNNCell":
        return rnn_cell.BasicRNNCell(spec["num_units"], activation=act, dtype=dtype)
    if kind == "tf.LSTMCell":
        return rnn_cell.LSTMCell(spec["num_units"], use_peepholes=spec.get("use_peepholes", False),
                                 cell_clip=spec.get("cell_clip"), num_proj=spec.get("num_proj"),
                                 proj_clip=spec.get("proj_clip"), forget_bias=spec.get("forget_bias", 1.0),
                                 state_is_tuple=spec.get("state_is_tuple", True), activation=act, dtype=dtype)
    if kind == "tf.GRUCell":
        return rnn_cell.GRUCell(spec["num_units"], activation=act, dtype=dtype)
    if kind == CIFG:
        return CoupledInputForgetGateLSTMCell(spec["num_units"], use_peepholes=spec.get("use_peepholes", False),
                                              num_proj=spec.get("num_proj"), proj_clip=spec.get("proj_clip"),
                                              forget_bias=spec.get("forget_bias", 1.0), state_is_tuple=spec.get("state_is_tuple", True),
                                              activation=act, layer_norm=spec.get("layer_norm", False), dtype=dtype)
    if kind == "tf.BasicLSTMCell":
        return rnn_cell.BasicLSTMCell(spec["num_units"], forget_bias=spec.get("forget_bias", 1.0),
                                      state_is_tuple=spec.get("state_is_tuple", True), activation=act, dtype=dtype)
    raise ValueError("unknown cell kind " + kind)


def state_shapes(spec):
    """Widths of the cell's state tensors in tf.nest.flatten order."""
    h = spec["num_units"]
    if spec["kind"] in ("tf.BasicRNNCell", "tf.GRUCell"):
        return [h]
    p = spec.get("num_proj") or h
    if not spec.get("state_is_tuple", True):
        return [h + p]
    return [h, p]


CELL_SCOPE = re.compile(r"(?:basic_rnn_cell|basic_lstm_cell|coupled_input_forget_gate_lstm_cell|lstm_cell|gru_cell)/(.*)$")


def gradients(loss, xs):
    """tf.gradients, with the zeros TF means by None (a variable the loss does not use: the
    coupled-gate cell's B under layer_norm)."""
    return [g if g is not None else tf.zeros_like(x) for g, x in zip(tf.gradients(loss, xs), xs)]


def run_case(name, about, cells, T, B, I, dtype, time_major, lengths, seed, weight_scale=0.5,
             tf_init=False, zero_state=False, x_value=None, document="“从NN到CNN到RNN” (001)", extra_expected=None,
             upstream=True, seeded_kernels=False, normal_inputs=False):
    """One dynamic_rnn case. Weights: uniform(±weight_scale) from numpy's RandomState(seed), or
    with tf_init TF's default initialisation as the documents run it (glorot_uniform kernels,
    zero biases), drawn from the same numpy stream so that reruns reproduce the file. zero_state: the initial state is cell.zero_state (not a gradient
    input). x_value: a fixed input (the documents' X)."""
    rng = np.random.RandomState(seed)
    npdt = np.float32 if dtype == "float32" else np.float64
    tfdt = tf.float32 if dtype == "float32" else tf.float64
    graph = tf.Graph()
    with graph.as_default():
        if tf_init:
            tf.compat.v1.set_random_seed(seed)
        xshape = (T, B, I) if time_major else (B, T, I)
        x = tf.compat.v1.placeholder(tfdt, xshape, name="x")
        init_ph = []
        per_layer = []
        tf_cells = [make_cell(c, tfdt) for c in cells]
        for k, c in enumerate(cells):
            if zero_state:
                per_layer.append(tf_cells[k].zero_state(B, tfdt))
                continue
            phs = []
            for j, w in enumerate(state_shapes(c)):
                ph = tf.compat.v1.placeholder(tfdt, (B, w), name="initial_state_%d" % len(init_ph))
                init_ph.append(ph)
                phs.append(ph)
            if c["kind"] in ("tf.BasicRNNCell", "tf.GRUCell") or len(phs) == 1:
                per_layer.append(phs[0])
            else:
                per_layer.append(rnn_cell.LSTMStateTuple(phs[0], phs[1]))
        cell = tf_cells[0] if len(tf_cells) == 1 else rnn_cell.MultiRNNCell(tf_cells)
        initial_state = per_layer[0] if len(tf_cells) == 1 else tuple(per_layer)
        seq_len = tf.compat.v1.placeholder(tf.int64, (B,), name="sequence_length") if lengths is not None else None
        outputs, final_state = tf.compat.v1.nn.dynamic_rnn(cell, x, sequence_length=seq_len,
                                                           initial_state=initial_state, time_major=time_major,
                                                           dtype=tfdt)
        flat_final = tf.nest.flatten(final_state)
        u_out = tf.compat.v1.placeholder(tfdt, outputs.shape, name="u_out")
        u_fin = [tf.compat.v1.placeholder(tfdt, s.shape, name="u_fin_%d" % k) for k, s in enumerate(flat_final)]
        loss = tf.reduce_sum(outputs * u_out) + tf.add_n([tf.reduce_sum(s * u) for s, u in zip(flat_final, u_fin)])
        variables = tf.compat.v1.trainable_variables()
        grads = gradients(loss, variables + [x] + init_ph)
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            tensors = {}
            for v in variables:
                vname = v.name.split(":")[0]
                if tf_init:
                    # TF's defaults, drawn reproducibly: glorot_uniform kernels, zero biases
                    shape = v.shape.as_list()
                    if len(shape) == 2 and seeded_kernels:
                        # too large for JSON: stored as the numpy draws that make it
                        limit = float(np.sqrt(6.0 / (shape[0] + shape[1])))
                        kseed = seed * 100 + len(tensors)
                        value = np.random.RandomState(kseed).uniform(-limit, limit, size=shape).astype(npdt)
                        v.load(value, sess)
                        tensors[vname] = {"shape": shape, "numpy": {"seed": kseed, "dist": "uniform", "low": -limit, "high": limit}}
                        continue
                    if len(shape) == 2:
                        limit = np.sqrt(6.0 / (shape[0] + shape[1]))
                        value = rng.uniform(-limit, limit, size=shape).astype(npdt)
                    else:
                        value = np.zeros(shape, dtype=npdt)
                    v.load(value, sess)
                else:
                    value = (rng.uniform(-weight_scale, weight_scale, size=v.shape.as_list())).astype(npdt)
                    v.load(value, sess)
                tensors[vname] = value
            xv = rng.uniform(-1, 1, size=xshape).astype(npdt) if x_value is None else np.asarray(x_value, dtype=npdt)
            if normal_inputs:
                xv = rng.randn(*xshape).astype(npdt)
            feed = {x: xv}
            tensors["x"] = xv
            for k, ph in enumerate(init_ph):
                sv = (rng.randn(*ph.shape.as_list()) if normal_inputs else rng.uniform(-1, 1, size=ph.shape.as_list())).astype(npdt)
                feed[ph] = sv
                tensors["initial_state/%d" % k] = sv
            if lengths is not None:
                feed[seq_len] = np.asarray(lengths, dtype=np.int64)
                tensors["sequence_length"] = np.asarray(lengths, dtype=np.int64)
            uo = rng.uniform(-1, 1, size=outputs.shape.as_list()).astype(npdt)
            feed[u_out] = uo
            tensors["upstream/outputs"] = uo
            for k, u in enumerate(u_fin):
                uv = rng.uniform(-1, 1, size=u.shape.as_list()).astype(npdt)
                feed[u] = uv
                tensors["upstream/final_state/%d" % k] = uv
            out_v, fin_v, grad_v = sess.run([outputs, flat_final, grads], feed)
    var_names = [v.name.split(":")[0] for v in variables]
    model_cells = []
    for k, c in enumerate(cells):
        weights = {}
        for n in var_names:
            if len(cells) > 1 and "/cell_%d/" % k not in n:
                continue
            weights[CELL_SCOPE.search(n).group(1)] = n
        model_cells.append(dict(c, weights=weights))
    model = {
        "kind": "tf.nn.dynamic_rnn",
        "time_major": time_major,
        "cells": model_cells,
        "x": "x",
        "initial_state": ["initial_state/%d" % k for k in range(len(init_ph))],
        "upstream": {"outputs": "upstream/outputs",
                     "final_state": ["upstream/final_state/%d" % k for k in range(len(u_fin))]},
    }
    if lengths is not None:
        model["sequence_length"] = "sequence_length"
    gnames = var_names + ["x"] + ["initial_state/%d" % k for k in range(len(init_ph))]
    omitted = [n for n in var_names if isinstance(tensors[n], dict)]
    expected = {
        "outputs": common.tensor(out_v),
        "final_state": [common.tensor(s) for s in fin_v],
        "gradients": {n: common.tensor(g) for n, g in zip(gnames, grad_v) if n not in omitted},
    }
    if omitted:
        expected["gradients_omitted"] = "the gradients of %s (%d values) are too large for a JSON fixture; every other gradient is here, and the scaled-down fixture of the same model checks them all" % (
            ", ".join(omitted), sum(int(np.prod(tensors[n]["shape"])) for n in omitted))
    if zero_state:
        del model["initial_state"]
    if extra_expected:
        expected.update(extra_expected)
    common.write(name, about,
                 {"generator": "Fixtures/generate/tf_dynamic_rnn.py", "framework": common.versions(np, tf),
                  "seed": seed, "document": document,
                  "weights": "TF's defaults (glorot_uniform kernels, zero biases) drawn from numpy RandomState(seed)" if tf_init
                  else "numpy RandomState(seed).uniform(-%g, %g)" % (weight_scale, weight_scale)},
                 dtype, model, tensors, expected)
    return out_v, fin_v, tensors


def basic_rnn_cases():
    cases = [
        # name, cells, T, B, I, dtype, time_major, lengths, seed
        ("tf-basicrnn-f64-lengths", [{"kind": "tf.BasicRNNCell", "num_units": 5}], 6, 4, 3, "float64", False, [6, 3, 0, 1], 11),
        ("tf-basicrnn-f32-lengths", [{"kind": "tf.BasicRNNCell", "num_units": 5}], 6, 4, 3, "float32", False, [2, 6, 5, 0], 12),
        ("tf-basicrnn-f64-timemajor", [{"kind": "tf.BasicRNNCell", "num_units": 4}], 5, 3, 2, "float64", True, None, 13),
        ("tf-basicrnn-f32-timemajor-relu", [{"kind": "tf.BasicRNNCell", "num_units": 4, "activation": "relu"}], 5, 3, 2, "float32", True, [5, 4, 2], 14),
        ("tf-basicrnn-f64-stacked", [{"kind": "tf.BasicRNNCell", "num_units": 4}, {"kind": "tf.BasicRNNCell", "num_units": 3}], 5, 3, 2, "float64", True, [5, 0, 3], 15),
        ("tf-basicrnn-f32-stacked-sigmoid", [{"kind": "tf.BasicRNNCell", "num_units": 3, "activation": "sigmoid"}, {"kind": "tf.BasicRNNCell", "num_units": 4}], 4, 2, 3, "float32", False, None, 16),
        ("tf-basicrnn-f64-b1-t1-h1", [{"kind": "tf.BasicRNNCell", "num_units": 1}], 1, 1, 1, "float64", False, [1], 17),
    ]
    for name, cells, T, B, I, dt, tm, lens, seed in cases:
        about = "tf.compat.v1.nn.dynamic_rnn over %s (T=%d, B=%d, I=%d, %s, %s%s)." % (
            " / ".join("%s(%d%s)" % (c["kind"], c["num_units"], ", " + c["activation"] if "activation" in c else "") for c in cells),
            T, B, I, dt, "time-major" if tm else "batch-major",
            ", sequence_length %s" % lens if lens is not None else "")
        run_case(name, about, cells, T, B, I, dt, tm, lens, seed)


def lstm_option_matrix():
    """tf.LSTMCell: peepholes × cell_clip × (no projection | num_proj | num_proj + proj_clip) ×
    forget_bias 0/1 × float32/float64, with random initial states; every other case with
    sequence_length, time-major alternating. The clips are small enough that every fixture
    clips (cell_clip 0.7 and proj_clip 0.4 left 17 of them unclipped, proj_clip 0.15 one; the test suite's
    FixturesBiteTests asserts that each one bites)."""
    k = 0
    for peep in (False, True):
        for clip in (None, 0.3):
            for proj in ("none", "proj", "proj_clip"):
                for fb in (0.0, 1.0):
                    for dt in ("float32", "float64"):
                        c = {"kind": "tf.LSTMCell", "num_units": 4, "use_peepholes": peep, "forget_bias": fb}
                        if clip is not None:
                            c["cell_clip"] = clip
                        if proj != "none":
                            c["num_proj"] = 3
                        if proj == "proj_clip":
                            c["proj_clip"] = 0.1
                        lens = [5, 2, 0] if k % 2 else None
                        name = "tf-lstm-%s%s%s-fb%d-%s%s" % ("peep-" if peep else "", "clip-" if clip else "",
                                                            {"none": "noproj", "proj": "proj", "proj_clip": "projclip"}[proj],
                                                            int(fb), dt.replace("float", "f"), "-lengths" if lens else "")
                        about = "tf.compat.v1.nn.rnn_cell.LSTMCell(4, use_peepholes=%s, cell_clip=%s, num_proj=%s, proj_clip=%s, forget_bias=%s) through dynamic_rnn (%s%s)." % (
                            peep, clip, c.get("num_proj"), c.get("proj_clip"), fb, dt, ", sequence_length %s" % lens if lens else "")
                        run_case(name, about, [c], 5, 3, 2, dt, bool(k % 4 >= 2), lens, 100 + k,
                                 document="“循环神经网络” (000)", weight_scale=0.8)
                        k += 1


def documents_lstm_cases():
    X = np.array([[[1, 2, 1], [2, 0, 0], [2, 1, 0], [1, 1, 0]],
                  [[1, 2, 1], [2, 0, 0], [2, 1, 0], [1, 1, 0]],
                  [[1, 2, 1], [2, 0, 0], [2, 1, 0], [1, 1, 0]]])
    # 001: LSTMCell(5) over the fixed X [3, 4, 3], time_major, zero initial state
    run_case("tf-001-lstmcell5-dynamic-rnn", "001's LSTMCell(num_units=5) through dynamic_rnn(time_major=True) on its fixed X [3, 4, 3] from cell.zero_state; TF's default initializers.",
             [{"kind": "tf.LSTMCell", "num_units": 5}], 3, 4, 3, "float32", True, None, 1, tf_init=True, zero_state=True, x_value=X)
    run_case("tf-001-multirnncell-lstm5x2", "001's MultiRNNCell([LSTMCell(5), LSTMCell(5)]) through dynamic_rnn(time_major=True) on X from zero states; TF's default initializers.",
             [{"kind": "tf.LSTMCell", "num_units": 5}, {"kind": "tf.LSTMCell", "num_units": 5}], 3, 4, 3, "float32", True, None, 2,
             tf_init=True, zero_state=True, x_value=X)
    # 001: BasicLSTMCell stacks, one step with random states (scaled down from [100, 400, 300], depth 128)
    run_case("tf-001-basiclstm-stack-one-step", "001's MultiRNNCell of BasicLSTMCell called for one step on random inputs and random (c, h) states, scaled down from [100, 400, 300] x depth 128 to [10, 40, 30] x depth 16, batch 10.",
             [{"kind": "tf.BasicLSTMCell", "num_units": 10}, {"kind": "tf.BasicLSTMCell", "num_units": 40},
              {"kind": "tf.BasicLSTMCell", "num_units": 30}], 1, 10, 16, "float32", True, None, 3, tf_init=True)
    run_case("tf-001-basiclstm-stack-one-step-full", "001's MultiRNNCell of BasicLSTMCell [100, 400, 300] called for one step on batch 10, depth 128, with random normal inputs and (c, h) states, at the document's sizes; kernels are stored as their numpy draws.",
             [{"kind": "tf.BasicLSTMCell", "num_units": 100}, {"kind": "tf.BasicLSTMCell", "num_units": 400},
              {"kind": "tf.BasicLSTMCell", "num_units": 300}], 1, 10, 128, "float32", True, None, 8, tf_init=True,
             seeded_kernels=True, normal_inputs=True)
    run_case("tf-basiclstm-f64-lengths", "BasicLSTMCell(4, forget_bias=1.0) through dynamic_rnn with sequence_length (float64).",
             [{"kind": "tf.BasicLSTMCell", "num_units": 4}], 6, 3, 2, "float64", False, [6, 1, 0], 4)
    run_case("tf-basiclstm-concat-state-f64", "BasicLSTMCell(3, forget_bias=0.5, state_is_tuple=False) stacked twice (float64).",
             [{"kind": "tf.BasicLSTMCell", "num_units": 3, "forget_bias": 0.5, "state_is_tuple": False},
              {"kind": "tf.BasicLSTMCell", "num_units": 3, "forget_bias": 0.5, "state_is_tuple": False}], 4, 2, 2, "float64", True, [4, 2], 5)
    run_case("tf-lstm-concat-state-proj-f64", "LSTMCell(4, use_peepholes=True, num_proj=2, state_is_tuple=False) (float64).",
             [{"kind": "tf.LSTMCell", "num_units": 4, "use_peepholes": True, "num_proj": 2, "state_is_tuple": False}], 4, 2, 3, "float64", False, None, 6)
    # 000: the document's numpy LSTMCell (zero bias, forget_bias 1.0) equals TF's LSTMCell with zero bias
    T, I, H = 6, 2, 3
    rng = np.random.RandomState(7)
    seq = rng.uniform(-1, 1, size=(T, I))
    out_v, fin_v, tensors = run_case("tf-000-lstmcell-zero-bias-tf", "TF's LSTMCell(3) with its default (zero) bias over one sequence: the reference for 000's numpy LSTMCell.",
                                     [{"kind": "tf.LSTMCell", "num_units": H}], T, 1, I, "float64", False, None, 7,
                                     tf_init=True, zero_state=True, x_value=seq.reshape(1, T, I), document="“循环神经网络” (000)")
    kernel = tensors["rnn/lstm_cell/kernel"]
    assert not np.any(tensors["rnn/lstm_cell/bias"])
    import math

    def sigmoid(x):
        return 1 / (1 + np.power(math.e, -1 * x))

    class LSTMCell:            # the document's class, as written
        def __init__(self, kernel):
            self.kernel = kernel
            self.forget_bias = 1.0

        def __call__(self, seqs, *args, **kwargs):
            fw = []
            h_zero_state = np.zeros(shape=[1, self.kernel.shape[1] // 4], dtype=float)
            c_zero_state = np.zeros(shape=[1, self.kernel.shape[1] // 4], dtype=float)
            for index in range(seqs.shape[0]):
                combine_input = np.concatenate(([seqs[index]], h_zero_state), axis=-1)
                lstm_matrix = np.matmul(combine_input, self.kernel)
                i, j, f, o = np.split(lstm_matrix, indices_or_sections=4, axis=1)
                c = sigmoid(f + self.forget_bias) * c_zero_state + sigmoid(i) * np.tanh(j)
                m = sigmoid(o) * np.tanh(c)
                fw.append(m)
                c_zero_state = c
                h_zero_state = m
            return fw

    fw = np.asarray(LSTMCell(kernel)(seq)).reshape(1, T, H)
    assert np.allclose(fw, out_v, rtol=0, atol=1e-14), np.abs(fw - out_v).max()
    model = {"kind": "tf.nn.dynamic_rnn", "time_major": False,
             "cells": [{"kind": "tf.LSTMCell", "num_units": H, "weights": {"kernel": "kernel", "bias": "bias"}}],
             "x": "x"}
    common.write("numpy-000-lstmcell-zero-bias", "000's numpy LSTMCell (zero bias, forget_bias 1.0, as written) over one sequence; expected outputs are the numpy program's (TensorFlow's LSTMCell agrees to 1e-14).",
                 {"generator": "Fixtures/generate/tf_dynamic_rnn.py", "framework": common.versions(np, tf), "seed": 7,
                  "document": "“循环神经网络” (000)", "weights": "glorot_uniform kernel (TF's default) from numpy RandomState(7), zero bias; the numpy class uses the same kernel"},
                 "float64", model, {"kernel": kernel, "bias": np.zeros(4 * H), "x": seq.reshape(1, T, I)},
                 {"outputs": common.tensor(fw)})


def gru_cases():
    """TF v1 GRUCell: random initializers for every variable (biases included), random initial
    states, one and two layers, float32 and float64, with and without sequence_length."""
    cases = [
        ("tf-gru-f64", [{"kind": "tf.GRUCell", "num_units": 4}], 5, 3, 2, "float64", False, None, 51),
        ("tf-gru-f32-lengths", [{"kind": "tf.GRUCell", "num_units": 4}], 6, 3, 3, "float32", True, [6, 0, 3], 52),
        ("tf-gru-2layer-f64-lengths", [{"kind": "tf.GRUCell", "num_units": 3}, {"kind": "tf.GRUCell", "num_units": 5}], 5, 4, 2, "float64", True, [5, 2, 0, 4], 53),
        ("tf-gru-2layer-f32", [{"kind": "tf.GRUCell", "num_units": 5}, {"kind": "tf.GRUCell", "num_units": 2}], 4, 2, 3, "float32", False, None, 54),
        ("tf-gru-relu-f64", [{"kind": "tf.GRUCell", "num_units": 3, "activation": "relu"}], 4, 2, 2, "float64", False, [4, 3], 55),
    ]
    for name, cells, T, B, I, dt, tm, lens, seed in cases:
        about = "tf.compat.v1.nn.rnn_cell.GRUCell through dynamic_rnn: %s (T=%d, B=%d, I=%d, %s%s)." % (
            " / ".join("GRUCell(%d%s)" % (c["num_units"], ", " + c["activation"] if "activation" in c else "") for c in cells),
            T, B, I, dt, ", sequence_length %s" % lens if lens is not None else "")
        run_case(name, about, cells, T, B, I, dt, tm, lens, seed, document="“基本概念” (002)", weight_scale=0.8)


def run_random(r, name, about, cells, seed, document):
    """The rest of a random configuration from the same stream `r`: T, B, I, dtype, major order,
    lengths (half the time), then the case."""
    T, B, I = int(r.randint(1, 7)), int(r.randint(1, 5)), int(r.randint(1, 5))
    dt = str(r.choice(["float32", "float64"]))
    tm = bool(r.randint(2))
    lens = [int(v) for v in r.randint(0, T + 1, size=B)] if r.randint(2) else None
    run_case(name, about, cells, T, B, I, dt, tm, lens, seed, weight_scale=0.8, document=document)


def random_gru(seed):
    """One random tf.GRUCell configuration (one or two layers, random biases and state)."""
    r = np.random.RandomState(seed)
    layers = int(r.randint(1, 3))
    cells = [{"kind": "tf.GRUCell", "num_units": int(r.randint(1, 6))} for _ in range(layers)]
    run_random(r, "tf-random-gru-%d" % seed, "random GRU configuration %d: %s" % (seed, cells), cells, seed, "“基本概念” (002)")


def bidirectional_case(name, about, cells_fw, cells_bw, T, B, I, dtype, time_major, lengths, seed, weight_scale=0.7):
    """tf.compat.v1.nn.bidirectional_dynamic_rnn with random weights, random initial states for
    both directions, optional sequence_length; gradients from tf.gradients."""
    rng = np.random.RandomState(seed)
    npdt = np.float32 if dtype == "float32" else np.float64
    tfdt = tf.float32 if dtype == "float32" else tf.float64
    graph = tf.Graph()
    with graph.as_default():
        xshape = (T, B, I) if time_major else (B, T, I)
        x = tf.compat.v1.placeholder(tfdt, xshape, name="x")
        phs = {"fw": [], "bw": []}
        states = {}
        cells = {}
        for d, specs in (("fw", cells_fw), ("bw", cells_bw)):
            tf_cells = [make_cell(c, tfdt) for c in specs]
            per_layer = []
            for c in specs:
                layer = []
                for w in state_shapes(c):
                    ph = tf.compat.v1.placeholder(tfdt, (B, w))
                    phs[d].append(ph)
                    layer.append(ph)
                if c["kind"] in ("tf.BasicRNNCell", "tf.GRUCell") or len(layer) == 1:
                    per_layer.append(layer[0])
                else:
                    per_layer.append(rnn_cell.LSTMStateTuple(layer[0], layer[1]))
            cells[d] = tf_cells[0] if len(tf_cells) == 1 else rnn_cell.MultiRNNCell(tf_cells)
            states[d] = per_layer[0] if len(tf_cells) == 1 else tuple(per_layer)
        seq_len = tf.compat.v1.placeholder(tf.int64, (B,)) if lengths is not None else None
        (out_fw, out_bw), (st_fw, st_bw) = tf.compat.v1.nn.bidirectional_dynamic_rnn(
            cells["fw"], cells["bw"], x, sequence_length=seq_len, initial_state_fw=states["fw"],
            initial_state_bw=states["bw"], time_major=time_major, dtype=tfdt)
        flat = tf.nest.flatten(st_fw) + tf.nest.flatten(st_bw)
        u_o = [tf.compat.v1.placeholder(tfdt, o.shape) for o in (out_fw, out_bw)]
        u_f = [tf.compat.v1.placeholder(tfdt, s_.shape) for s_ in flat]
        loss = tf.add_n([tf.reduce_sum(o * u) for o, u in zip((out_fw, out_bw), u_o)] +
                        [tf.reduce_sum(s_ * u) for s_, u in zip(flat, u_f)])
        variables = tf.compat.v1.trainable_variables()
        init_all = phs["fw"] + phs["bw"]
        grads = gradients(loss, variables + [x] + init_all)
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            tensors = {}
            for v in variables:
                value = rng.uniform(-weight_scale, weight_scale, size=v.shape.as_list()).astype(npdt)
                v.load(value, sess)
                tensors[v.name.split(":")[0]] = value
            xv = rng.uniform(-1, 1, size=xshape).astype(npdt)
            feed = {x: xv}
            tensors["x"] = xv
            names = {"fw": [], "bw": []}
            for d in ("fw", "bw"):
                for k, ph in enumerate(phs[d]):
                    sv = rng.uniform(-1, 1, size=ph.shape.as_list()).astype(npdt)
                    feed[ph] = sv
                    n = "initial_state_%s/%d" % (d, k)
                    tensors[n] = sv
                    names[d].append(n)
            if lengths is not None:
                feed[seq_len] = np.asarray(lengths, dtype=np.int64)
                tensors["sequence_length"] = np.asarray(lengths, dtype=np.int64)
            for k, u in enumerate(u_o):
                uv = rng.uniform(-1, 1, size=u.shape.as_list()).astype(npdt)
                feed[u] = uv
                tensors["upstream/outputs/%d" % k] = uv
            for k, u in enumerate(u_f):
                uv = rng.uniform(-1, 1, size=u.shape.as_list()).astype(npdt)
                feed[u] = uv
                tensors["upstream/final_state/%d" % k] = uv
            ov_fw, ov_bw, fin_v, grad_v = sess.run([out_fw, out_bw, flat, grads], feed)
    var_names = [v.name.split(":")[0] for v in variables]
    model_cells = {}
    for d, specs in (("fw", cells_fw), ("bw", cells_bw)):
        out = []
        for k, c in enumerate(specs):
            weights = {}
            for n in var_names:
                if "/%s/" % d not in n or (len(specs) > 1 and "/cell_%d/" % k not in n):
                    continue
                weights[CELL_SCOPE.search(n).group(1)] = n
            out.append(dict(c, weights=weights))
        model_cells[d] = out
    model = {"kind": "tf.nn.bidirectional_dynamic_rnn", "time_major": time_major,
             "cells_fw": model_cells["fw"], "cells_bw": model_cells["bw"], "x": "x",
             "initial_state_fw": names["fw"], "initial_state_bw": names["bw"],
             "upstream": {"outputs": ["upstream/outputs/0", "upstream/outputs/1"],
                          "final_state": ["upstream/final_state/%d" % k for k in range(len(u_f))]}}
    if lengths is not None:
        model["sequence_length"] = "sequence_length"
    gnames = var_names + ["x"] + names["fw"] + names["bw"]
    expected = {"outputs": [common.tensor(ov_fw), common.tensor(ov_bw)],
                "final_state": [common.tensor(v) for v in fin_v],
                "gradients": {n: common.tensor(g) for n, g in zip(gnames, grad_v)}}
    common.write(name, about, {"generator": "Fixtures/generate/tf_dynamic_rnn.py", "framework": common.versions(np, tf),
                               "seed": seed, "document": "“TensorFlow RNN入门” (004)"}, dtype, model, tensors, expected)


def sequence_cases():
    # mixed stacks: LSTM over GRU over BasicRNN, random lengths including 0 and T
    run_case("tf-mixed-stack-f64-lengths", "MultiRNNCell([BasicRNNCell(3), GRUCell(4), LSTMCell(3, use_peepholes=True, num_proj=2)]) through dynamic_rnn, lengths [6, 0, 3, 6] (float64).",
             [{"kind": "tf.BasicRNNCell", "num_units": 3}, {"kind": "tf.GRUCell", "num_units": 4},
              {"kind": "tf.LSTMCell", "num_units": 3, "use_peepholes": True, "num_proj": 2}], 6, 4, 2, "float64", False, [6, 0, 3, 6], 81,
             document="“TensorFlow RNN入门” (004)", weight_scale=0.7)
    run_case("tf-mixed-stack-f32-timemajor", "MultiRNNCell([LSTMCell(4), GRUCell(3), BasicRNNCell(2)]) time-major, lengths [2, 5, 1] (float32).",
             [{"kind": "tf.LSTMCell", "num_units": 4}, {"kind": "tf.GRUCell", "num_units": 3}, {"kind": "tf.BasicRNNCell", "num_units": 2}],
             5, 3, 3, "float32", True, [2, 5, 1], 82, document="“TensorFlow RNN入门” (004)", weight_scale=0.7)
    bidirectional_case("tf-bidi-lstm-f64-lengths", "bidirectional_dynamic_rnn(LSTMCell(3), LSTMCell(2)), lengths [5, 2, 0] (float64).",
                       [{"kind": "tf.LSTMCell", "num_units": 3}], [{"kind": "tf.LSTMCell", "num_units": 2}], 5, 3, 2, "float64", False, [5, 2, 0], 83)
    bidirectional_case("tf-bidi-gru-f32-timemajor", "bidirectional_dynamic_rnn(GRUCell(4), GRUCell(4)) time-major without lengths (float32).",
                       [{"kind": "tf.GRUCell", "num_units": 4}], [{"kind": "tf.GRUCell", "num_units": 4}], 4, 2, 3, "float32", True, None, 84)
    bidirectional_case("tf-bidi-stacked-mixed-f64", "bidirectional_dynamic_rnn of MultiRNNCell([BasicLSTMCell(3), GRUCell(2)]) forward and MultiRNNCell([BasicRNNCell(2), LSTMCell(3, num_proj=2)]) backward, lengths [4, 1] (float64).",
                       [{"kind": "tf.BasicLSTMCell", "num_units": 3}, {"kind": "tf.GRUCell", "num_units": 2}],
                       [{"kind": "tf.BasicRNNCell", "num_units": 2}, {"kind": "tf.LSTMCell", "num_units": 3, "num_proj": 2}],
                       4, 2, 3, "float64", True, [4, 1], 85)


def random_bidirectional(seed):
    """A random bidirectional configuration: stacks of any cell kind, either major order,
    random lengths including 0 and T."""
    r = np.random.RandomState(seed)

    def rand_cell():
        k = r.choice(["tf.BasicRNNCell", "tf.GRUCell", "tf.LSTMCell", "tf.BasicLSTMCell"])
        c = {"kind": str(k), "num_units": int(r.randint(1, 5))}
        if k == "tf.LSTMCell" and r.randint(2):
            c["use_peepholes"] = True
        if k == "tf.LSTMCell" and r.randint(2):
            c["num_proj"] = int(r.randint(1, 4))
        return c
    fw = [rand_cell() for _ in range(int(r.randint(1, 3)))]
    bw = [rand_cell() for _ in range(int(r.randint(1, 3)))]
    T, B, I = int(r.randint(1, 6)), int(r.randint(2, 5)), int(r.randint(1, 4))
    lens = [int(v) for v in r.randint(0, T + 1, size=B)]
    lens[0], lens[1] = 0, T
    bidirectional_case("tf-random-bidi-%d" % seed, "random bidirectional configuration %d: fw %s, bw %s" % (seed, fw, bw), fw, bw, T, B, I,
                       str(r.choice(["float32", "float64"])), bool(r.randint(2)), lens if r.randint(3) else None, seed)


def dropout_case(name, about, cells, keep, mask_seeds, T, B, I, dtype, time_major, lengths, seed):
    """MultiRNNCell of DropoutWrapper(cell, output_keep_prob) cells, as the PTB model builds it,
    with each layer's mask drawn from numpy: (RandomState(mask_seed).rand(T, B, O) < keep) / keep.
    TensorFlow computes the same graph layer by layer, multiplying each layer's outputs by its
    mask (what DropoutWrapper does with that mask: the state is not dropped)."""
    rng = np.random.RandomState(seed)
    npdt = np.float32 if dtype == "float32" else np.float64
    tfdt = tf.float32 if dtype == "float32" else tf.float64
    graph = tf.Graph()
    with graph.as_default():
        xshape = (T, B, I) if time_major else (B, T, I)
        x = tf.compat.v1.placeholder(tfdt, xshape)
        seq_len = tf.compat.v1.placeholder(tf.int64, (B,)) if lengths is not None else None
        inp = x
        init_ph, finals, masks = [], [], []
        for k, c in enumerate(cells):
            cell = make_cell(c, tfdt)
            phs = [tf.compat.v1.placeholder(tfdt, (B, w)) for w in state_shapes(c)]
            init_ph += phs
            st = phs[0] if len(phs) == 1 else rnn_cell.LSTMStateTuple(phs[0], phs[1])
            out, fin = tf.compat.v1.nn.dynamic_rnn(cell, inp, sequence_length=seq_len, initial_state=st, time_major=time_major,
                                                   scope="rnn/multi_rnn_cell/cell_%d" % k)
            width = out.shape.as_list()[-1]
            m = (np.random.RandomState(mask_seeds[k]).rand(T, B, width) < keep[k]) / keep[k]
            masks.append(m)
            inp = out * tf.constant((m if time_major else m.transpose(1, 0, 2)).astype(npdt))
            finals += tf.nest.flatten(fin)
        outputs = inp
        u_out = tf.compat.v1.placeholder(tfdt, outputs.shape)
        u_fin = [tf.compat.v1.placeholder(tfdt, f_.shape) for f_ in finals]
        loss = tf.reduce_sum(outputs * u_out) + tf.add_n([tf.reduce_sum(f_ * u) for f_, u in zip(finals, u_fin)])
        variables = tf.compat.v1.trainable_variables()
        grads = gradients(loss, variables + [x] + init_ph)
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            tensors, feed = {}, {}
            for v in variables:
                value = rng.uniform(-0.7, 0.7, size=v.shape.as_list()).astype(npdt)
                v.load(value, sess)
                tensors[v.name.split(":")[0]] = value
            xv = rng.uniform(-1, 1, size=xshape).astype(npdt)
            feed[x] = xv
            tensors["x"] = xv
            for k, ph in enumerate(init_ph):
                sv = rng.uniform(-1, 1, size=ph.shape.as_list()).astype(npdt)
                feed[ph] = sv
                tensors["initial_state/%d" % k] = sv
            if lengths is not None:
                feed[seq_len] = np.asarray(lengths, dtype=np.int64)
                tensors["sequence_length"] = np.asarray(lengths, dtype=np.int64)
            uo = rng.uniform(-1, 1, size=outputs.shape.as_list()).astype(npdt)
            feed[u_out] = uo
            tensors["upstream/outputs"] = uo
            for k, u in enumerate(u_fin):
                uv = rng.uniform(-1, 1, size=u.shape.as_list()).astype(npdt)
                feed[u] = uv
                tensors["upstream/final_state/%d" % k] = uv
            out_v, fin_v, grad_v = sess.run([outputs, finals, grads], feed)
    var_names = [v.name.split(":")[0] for v in variables]
    model_cells = []
    for k, c in enumerate(cells):
        weights = {CELL_SCOPE.search(n).group(1): n for n in var_names if "/cell_%d/" % k in n}
        inner = dict(c, weights=weights)
        model_cells.append({"kind": "tf.DropoutWrapper", "output_keep_prob": keep[k], "seed": mask_seeds[k], "cell": inner})
    model = {"kind": "tf.nn.dynamic_rnn", "time_major": time_major, "cells": model_cells, "x": "x",
             "initial_state": ["initial_state/%d" % k for k in range(len(init_ph))],
             "upstream": {"outputs": "upstream/outputs", "final_state": ["upstream/final_state/%d" % k for k in range(len(u_fin))]}}
    if lengths is not None:
        model["sequence_length"] = "sequence_length"
    gnames = var_names + ["x"] + ["initial_state/%d" % k for k in range(len(init_ph))]
    expected = {"outputs": common.tensor(out_v), "final_state": [common.tensor(f_) for f_ in fin_v],
                "gradients": {n: common.tensor(g) for n, g in zip(gnames, grad_v)}}
    common.write(name, about, {"generator": "Fixtures/generate/tf_dynamic_rnn.py", "framework": common.versions(np, tf), "seed": seed,
                               "document": "“TensorFlow RNN入门” (004)",
                               "masks": "numpy RandomState(cell seed).rand(T, B, O) < output_keep_prob, scaled by 1/output_keep_prob"},
                 dtype, model, tensors, expected)


def random_mixed(seed):
    """A random dynamic_rnn stack of any cell kinds, either major order, random lengths with
    0 and T present."""
    r = np.random.RandomState(seed)
    kinds = ["tf.BasicRNNCell", "tf.GRUCell", "tf.LSTMCell", "tf.BasicLSTMCell"]
    cells = []
    for _ in range(int(r.randint(1, 4))):
        k = str(r.choice(kinds))
        c = {"kind": k, "num_units": int(r.randint(1, 5))}
        if k == "tf.LSTMCell":
            if r.randint(2):
                c["use_peepholes"] = True
            if r.randint(2):
                c["num_proj"] = int(r.randint(1, 4))
            if r.randint(2):
                c["cell_clip"] = 0.5
        cells.append(c)
    T, B, I = int(r.randint(1, 7)), int(r.randint(2, 5)), int(r.randint(1, 4))
    lens = [int(v) for v in r.randint(0, T + 1, size=B)]
    lens[0], lens[1] = 0, T
    run_case("tf-random-mixed-%d" % seed, "random mixed stack %d: %s" % (seed, cells), cells, T, B, I,
             str(r.choice(["float32", "float64"])), bool(r.randint(2)), lens if r.randint(4) else None, seed,
             weight_scale=0.8, document="“TensorFlow RNN入门” (004)")


def cifg_cases():
    """tf.contrib.rnn.CoupledInputForgetGateLSTMCell (the cell's TF 1.x call, see cifg_cell.py):
    use_peepholes × (no projection | num_proj | num_proj + proj_clip) × layer_norm × float32/float64,
    forget_bias 1 / 0 / 0.5 in turn, every fifth with state_is_tuple=False, some with relu, half of
    each dtype with sequence_length; stacked with tf.LSTMCell; one bidirectional."""
    k = 0
    for peep in (False, True):
        for proj in ("none", "proj", "projclip"):
            for ln in (False, True):
                for dt in ("float32", "float64"):
                    c = {"kind": CIFG, "num_units": 4, "use_peepholes": peep, "forget_bias": [1.0, 0.0, 0.5][k % 3], "layer_norm": ln}
                    if proj != "none":
                        c["num_proj"] = 3
                    if proj == "projclip":
                        c["proj_clip"] = 0.1
                    if k % 5 == 4:
                        c["state_is_tuple"] = False
                    if k % 7 == 3:
                        c["activation"] = "relu"
                    lens = [5, 2, 0] if k % 4 in (1, 2) else None
                    name = "tf-cifg-%s%s%s-%s%s" % ("peep-" if peep else "", "ln-" if ln else "", {"none": "noproj", "proj": "proj", "projclip": "projclip"}[proj],
                                                  dt.replace("float", "f"), "-lengths" if lens else "")
                    about = "CoupledInputForgetGateLSTMCell(4, %s) through dynamic_rnn (%s%s)." % (
                        ", ".join("%s=%s" % (a, c[a]) for a in sorted(c) if a not in ("kind", "num_units")), dt,
                        ", sequence_length %s" % lens if lens else "")
                    run_case(name, about, [c], 5, 3, 2, dt, bool(k % 4 >= 2), lens, 300 + k, document="“基本概念” (002)", weight_scale=0.8)
                    k += 1
    for dt, seed in (("float32", 330), ("float64", 331)):
        cells = [{"kind": CIFG, "num_units": 4, "use_peepholes": True, "num_proj": 3, "layer_norm": True, "forget_bias": 0.5},
                 {"kind": "tf.LSTMCell", "num_units": 3, "use_peepholes": True}]
        run_case("tf-cifg-stacked-lstmcell-%s-lengths" % dt.replace("float", "f"),
                 "MultiRNNCell([CoupledInputForgetGateLSTMCell(4, use_peepholes=True, num_proj=3, layer_norm=True, forget_bias=0.5), LSTMCell(3, use_peepholes=True)]) with sequence_length (%s)." % dt,
                 cells, 6, 4, 3, dt, dt == "float64", [6, 0, 3, 1], seed, document="“基本概念” (002)", weight_scale=0.8)
    bidirectional_case("tf-bidi-cifg-lstm-f64-lengths",
                       "bidirectional_dynamic_rnn: CoupledInputForgetGateLSTMCell(3, layer_norm=True) forward, CoupledInputForgetGateLSTMCell(2, use_peepholes=True) over LSTMCell(2) backward, sequence_length (float64).",
                       [{"kind": CIFG, "num_units": 3, "layer_norm": True}],
                       [{"kind": CIFG, "num_units": 2, "use_peepholes": True}, {"kind": "tf.LSTMCell", "num_units": 2}],
                       5, 3, 2, "float64", False, [5, 1, 3], 332)


def random_cifg(seed):
    """One random configuration of coupled-gate LSTMs (any mix of the options), maybe over a tf.LSTMCell."""
    r = np.random.RandomState(seed)
    cells = []
    for _ in range(int(r.randint(1, 3))):
        # layer norm over one feature is the constant beta, over two it is ±gamma + beta (the
        # normalised values are ±1): the gradient through it is 0 and finite differences
        # measure only the rounding of TF's v·inv + (beta − mean·inv), so a normalised cell has
        # at least 3 units
        ln = bool(r.randint(2))
        c = {"kind": CIFG, "num_units": int(r.randint(3 if ln else 1, 6)), "use_peepholes": bool(r.randint(2)),
             "forget_bias": float(r.choice([0.0, 1.0, 0.5])), "layer_norm": ln,
             "state_is_tuple": bool(r.randint(4) != 0), "activation": str(r.choice(["tanh", "relu"]))}
        if r.randint(2):
            c["num_proj"] = int(r.randint(1, 5))
            if r.randint(2):
                c["proj_clip"] = 0.05
        cells.append(c)
    if r.randint(2):
        cells.append({"kind": "tf.LSTMCell", "num_units": int(r.randint(1, 5))})
    run_random(r, "tf-random-cifg-%d" % seed, "random coupled-gate LSTM configuration %d: %s" % (seed, cells), cells, seed, "“基本概念” (002)")


def random_lstm(seed):
    """One random tf.LSTMCell / BasicLSTMCell configuration (any mix of the options)."""
    r = np.random.RandomState(seed)
    layers = int(r.randint(1, 3))
    cells = []
    for _ in range(layers):
        if r.randint(4) == 0:
            c = {"kind": "tf.BasicLSTMCell", "num_units": int(r.randint(1, 6)), "forget_bias": float(r.choice([0.0, 1.0, 0.5]))}
        else:
            c = {"kind": "tf.LSTMCell", "num_units": int(r.randint(1, 6)), "use_peepholes": bool(r.randint(2)),
                 "forget_bias": float(r.choice([0.0, 1.0, 0.5]))}
            if r.randint(2):
                c["cell_clip"] = float(r.choice([0.3, 0.6, 1.0]))
            if r.randint(2):
                c["num_proj"] = int(r.randint(1, 5))
                if r.randint(2):
                    c["proj_clip"] = float(r.choice([0.05, 0.02]))   # small enough to clip (FixturesBiteTests)
        if r.randint(5) == 0:
            c["state_is_tuple"] = False
        cells.append(c)
    run_random(r, "tf-random-lstm-%d" % seed, "random LSTM configuration %d: %s" % (seed, cells), cells, seed, "“循环神经网络” (000)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--random-mixed":
        for s_ in sys.argv[2:]:
            random_mixed(int(s_))
        sys.exit(0)
    if len(sys.argv) > 1 and sys.argv[1] == "--random-bidi":
        for s_ in sys.argv[2:]:
            random_bidirectional(int(s_))
        sys.exit(0)
    if len(sys.argv) > 1 and sys.argv[1] == "--random-gru":
        for s_ in sys.argv[2:]:
            random_gru(int(s_))
        sys.exit(0)
    if len(sys.argv) > 1 and sys.argv[1] == "--lstm-options":
        lstm_option_matrix()
        sys.exit(0)
    if len(sys.argv) > 1 and sys.argv[1] == "--cifg":
        cifg_cases()
        for s_ in (1, 2, 3, 4):
            random_cifg(s_)
        sys.exit(0)
    if len(sys.argv) > 1 and sys.argv[1] == "--random-lstm":
        for s_ in sys.argv[2:]:
            random_lstm(int(s_))
        sys.exit(0)
    if len(sys.argv) > 1 and sys.argv[1] == "--random":
        # `--random SEED`: one random configuration, written as tf-random-<SEED>.json (for
        # checking `rnnref run` on cases nobody tuned to).
        seed = int(sys.argv[2])
        r = np.random.RandomState(seed)
        layers = int(r.randint(1, 3))
        cells = [{"kind": "tf.BasicRNNCell", "num_units": int(r.randint(1, 7)),
                  "activation": str(r.choice(["tanh", "relu", "sigmoid"]))} for _ in range(layers)]
        T, B, I = int(r.randint(1, 8)), int(r.randint(1, 5)), int(r.randint(1, 6))
        dt = str(r.choice(["float32", "float64"]))
        tm = bool(r.randint(2))
        lens = [int(v) for v in r.randint(0, T + 1, size=B)] if r.randint(2) else None
        out = sys.argv[3] if len(sys.argv) > 3 else "random"
        run_case("tf-random-%d" % seed, "random BasicRNNCell configuration %d" % seed, cells, T, B, I, dt, tm, lens, seed)
    else:
        basic_rnn_cases()
        lstm_option_matrix()
        documents_lstm_cases()
        for s_ in (1, 2, 3, 4):
            random_lstm(s_)
        gru_cases()
        for s_ in (1, 2, 3):
            random_gru(s_)
        cifg_cases()
        for s_ in (1, 2, 3, 4):
            random_cifg(s_)
        sequence_cases()
        for s_ in (1, 2):
            random_bidirectional(s_)
        dropout_case("tf-ptb-dropout-basiclstm2-f64", "004's PTB stack scaled down: MultiRNNCell([DropoutWrapper(BasicLSTMCell(4), output_keep_prob=0.5)] * 2) with sequence_length (float64).",
                     [{"kind": "tf.BasicLSTMCell", "num_units": 4}, {"kind": "tf.BasicLSTMCell", "num_units": 4}], [0.5, 0.5], [11, 12],
                     5, 3, 3, "float64", False, [5, 3, 0], 86)
        dropout_case("tf-dropout-gru-f32-timemajor", "DropoutWrapper(GRUCell(3), output_keep_prob=0.7) time-major (float32).",
                     [{"kind": "tf.GRUCell", "num_units": 3}], [0.7], [13], 4, 2, 2, "float32", True, None, 87)
