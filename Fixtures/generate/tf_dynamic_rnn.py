"""TensorFlow v1 `dynamic_rnn` fixtures (graph mode, tf.compat.v1), gradients from tf.gradients.

Every case draws its weights, initial state, inputs, lengths and upstream cotangents from
numpy with the case's seed; nothing is tuned to our implementation. Run with the pinned
versions of requirements.txt:  TF_USE_LEGACY_KERAS=1 python tf_dynamic_rnn.py
"""
import os
import sys

os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf

import common

tf.compat.v1.disable_eager_execution()
rnn_cell = tf.compat.v1.nn.rnn_cell

ACTIVATIONS = {"tanh": tf.tanh, "relu": tf.nn.relu, "sigmoid": tf.sigmoid}


def make_cell(spec, dtype):
    kind = spec["kind"]
    if kind == "tf.BasicRNNCell":
        act = ACTIVATIONS[spec.get("activation", "tanh")]
        return rnn_cell.BasicRNNCell(spec["num_units"], activation=act, dtype=dtype)
    raise ValueError("unknown cell kind " + kind)


def state_shapes(spec):
    if spec["kind"] == "tf.BasicRNNCell":
        return [spec["num_units"]]
    raise ValueError(spec["kind"])


def run_case(name, about, cells, T, B, I, dtype, time_major, lengths, seed, weight_scale=0.5):
    rng = np.random.RandomState(seed)
    npdt = np.float32 if dtype == "float32" else np.float64
    tfdt = tf.float32 if dtype == "float32" else tf.float64
    graph = tf.Graph()
    with graph.as_default():
        xshape = (T, B, I) if time_major else (B, T, I)
        x = tf.compat.v1.placeholder(tfdt, xshape, name="x")
        init = []
        init_ph = []
        for k, c in enumerate(cells):
            for j, w in enumerate(state_shapes(c)):
                ph = tf.compat.v1.placeholder(tfdt, (B, w), name="initial_state_%d" % len(init_ph))
                init_ph.append(ph)
                init.append(ph)
        tf_cells = [make_cell(c, tfdt) for c in cells]
        cell = tf_cells[0] if len(tf_cells) == 1 else rnn_cell.MultiRNNCell(tf_cells)
        if len(tf_cells) == 1:
            initial_state = init[0]
        else:
            initial_state = tuple(init)
        seq_len = tf.compat.v1.placeholder(tf.int64, (B,), name="sequence_length") if lengths is not None else None
        outputs, final_state = tf.compat.v1.nn.dynamic_rnn(cell, x, sequence_length=seq_len,
                                                           initial_state=initial_state, time_major=time_major,
                                                           dtype=tfdt)
        flat_final = tf.nest.flatten(final_state)
        u_out = tf.compat.v1.placeholder(tfdt, outputs.shape, name="u_out")
        u_fin = [tf.compat.v1.placeholder(tfdt, s.shape, name="u_fin_%d" % k) for k, s in enumerate(flat_final)]
        loss = tf.reduce_sum(outputs * u_out) + tf.add_n([tf.reduce_sum(s * u) for s, u in zip(flat_final, u_fin)])
        variables = tf.compat.v1.trainable_variables()
        grads = tf.gradients(loss, variables + [x] + init_ph)
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            tensors = {}
            for v in variables:
                vname = v.name.split(":")[0]
                value = (rng.uniform(-weight_scale, weight_scale, size=v.shape.as_list())).astype(npdt)
                v.load(value, sess)
                tensors[vname] = value
            xv = rng.uniform(-1, 1, size=xshape).astype(npdt)
            feed = {x: xv}
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
            out_v, fin_v, grad_v = sess.run([outputs, flat_final, grads], feed)
    var_names = [v.name.split(":")[0] for v in variables]
    model_cells = []
    for k, c in enumerate(cells):
        prefix = [n for n in var_names if ("cell_%d/" % k in n) or len(cells) == 1]
        weights = {}
        for n in prefix:
            short = n.split("/")[-1]
            weights[short] = n
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
    expected = {
        "outputs": common.tensor(out_v),
        "final_state": [common.tensor(s) for s in fin_v],
        "gradients": {n: common.tensor(g) for n, g in zip(gnames, grad_v)},
    }
    common.write(name, about,
                 {"generator": "Fixtures/generate/tf_dynamic_rnn.py", "framework": common.versions(np, tf),
                  "seed": seed, "document": "001_3c2564362773d149.txt"},
                 dtype, model, tensors, expected)


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


if __name__ == "__main__":
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
