"""Fixtures for the training building blocks (issue: the documents' training programs):
optimizer updates step by step (TF v1 GradientDescent / Adagrad / Adam, Keras SGD / Adam, and
min-char-rnn's numpy Adagrad), gradient clipping (np.clip, tf.clip_by_global_norm), the losses
(sparse softmax cross-entropy through TF 1.x's `sequence_loss_by_example`, Keras MSE), a Keras
`Dense` layer and `tf.nn.embedding_lookup`, each with every gradient.

Run with TF_USE_LEGACY_KERAS=1 for the TF v1 parts (graph mode); the Keras parts import Keras 3
in a second process (`--keras`), since tf-keras and Keras 3 do not share a process well.
"""
import os
import subprocess
import sys

import numpy as np

from common import tensor, versions, write

STEPS = 10


def grads_sequence(rng, shapes, scale):
    """STEPS lists of gradients; every third step large, so that global-norm clipping acts."""
    out = []
    for s in range(STEPS):
        k = scale * (4.0 if s % 3 == 2 else 1.0)
        out.append([rng.randn(*sh) * k for sh in shapes])
    return out


def optimizer_fixture(name, about, framework, model_opts, params0, grads, snapshots, clip=None, numpy_doc=False):
    names = ["w", "b"]
    tensors = {"w": params0[0], "b": params0[1]}
    gnames = []
    for s, gs in enumerate(grads):
        gnames.append(["grad/%d/%s" % (s, n) for n in names])
        for n, g in zip(names, gs):
            tensors["grad/%d/%s" % (s, n)] = g
    model = dict({"kind": "optimizer"}, **model_opts)
    model["params"] = names
    model["gradients"] = gnames
    if clip:
        model.update(clip)
    expected = {"steps": [{n: tensor(v) for n, v in zip(names, snap)} for snap in snapshots]}
    write(name, about, {"generator": "Fixtures/generate/training.py", "framework": framework, "seed": 0,
                        "document": "“基本概念” (002)" if numpy_doc else "“TensorFlow RNN入门” (004)"},
          "float64", model, tensors, expected)


def tf_part():
    import tensorflow as tf
    tf.compat.v1.disable_eager_execution()
    fw = versions(np, tf)
    shapes = [(3, 4), (4,)]
    cases = [
        ("tf-optimizer-sgd", "tf.train.GradientDescentOptimizer(0.5), 10 steps",
         {"optimizer": "tf.train.GradientDescentOptimizer", "learning_rate": 0.5},
         lambda: tf.compat.v1.train.GradientDescentOptimizer(0.5), None),
        ("tf-optimizer-adagrad", "tf.train.AdagradOptimizer(0.1) (initial_accumulator_value 0.1), 10 steps",
         {"optimizer": "tf.train.AdagradOptimizer", "learning_rate": 0.1, "initial_accumulator_value": 0.1},
         lambda: tf.compat.v1.train.AdagradOptimizer(0.1), None),
        ("tf-optimizer-adam", "tf.train.AdamOptimizer(0.01) with its defaults (epsilon 1e-8), 10 steps",
         {"optimizer": "tf.train.AdamOptimizer", "learning_rate": 0.01, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
         lambda: tf.compat.v1.train.AdamOptimizer(0.01), None),
        ("tf-optimizer-adam-eps", "tf.train.AdamOptimizer(0.05, epsilon=0.1): a large epsilon shows where it is added",
         {"optimizer": "tf.train.AdamOptimizer", "learning_rate": 0.05, "beta1": 0.8, "beta2": 0.99, "epsilon": 0.1},
         lambda: tf.compat.v1.train.AdamOptimizer(0.05, beta1=0.8, beta2=0.99, epsilon=0.1), None),
        ("tf-optimizer-sgd-clip-global-norm", "004's PTB update: tf.clip_by_global_norm(grads, 5) then SGD(1.0), 10 steps",
         {"optimizer": "tf.train.GradientDescentOptimizer", "learning_rate": 1.0},
         lambda: tf.compat.v1.train.GradientDescentOptimizer(1.0), {"clip_by_global_norm": 5.0}),
    ]
    for i, (name, about, opts, make, clip) in enumerate(cases):
        rng = np.random.RandomState(100 + i)
        p0 = [rng.randn(*s) for s in shapes]
        grads = grads_sequence(rng, shapes, 1.5)
        g = tf.Graph()
        with g.as_default():
            vs = [tf.compat.v1.Variable(p, dtype=tf.float64) for p in p0]
            phs = [tf.compat.v1.placeholder(tf.float64, s) for s in shapes]
            gl = phs
            if clip:
                gl, _ = tf.clip_by_global_norm(phs, clip["clip_by_global_norm"])
            train = make().apply_gradients(list(zip(gl, vs)))
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                snaps = []
                for gs in grads:
                    sess.run(train, {ph: gv for ph, gv in zip(phs, gs)})
                    snaps.append(sess.run(vs))
        optimizer_fixture(name, about, fw, opts, p0, grads, snaps, clip)

    # tf.clip_by_global_norm on its own: the clipped list and the norm
    rng = np.random.RandomState(7)
    ts = [rng.randn(3, 4) * 2, rng.randn(5) * 2, rng.randn(2, 2) * 2]
    for name, clip_norm in [("tf-clip-by-global-norm-active", 2.0), ("tf-clip-by-global-norm-inactive", 100.0)]:
        g = tf.Graph()
        with g.as_default():
            c, n = tf.clip_by_global_norm([tf.constant(t) for t in ts], clip_norm)
            with tf.compat.v1.Session() as sess:
                cv, nv = sess.run([c, n])
        write(name, "tf.clip_by_global_norm(t_list, %g)" % clip_norm,
              {"generator": "Fixtures/generate/training.py", "framework": fw, "seed": 7, "document": "“TensorFlow RNN入门” (004)"},
              "float64", {"kind": "tf.clip_by_global_norm", "t_list": ["t/0", "t/1", "t/2"], "clip_norm": clip_norm},
              {"t/%d" % k: t for k, t in enumerate(ts)},
              {"list_clipped": [tensor(v) for v in cv], "global_norm": float(nv)})

    # TF 1.x legacy_seq2seq.sequence_loss_by_example (its code, on TF ops) over T logits [B, V]
    for name, dtype, T, B, V, weights_one in [("tf-sequence-loss-by-example-f64", tf.float64, 3, 4, 7, False),
                                              ("tf-sequence-loss-by-example-ptb-f32", tf.float32, 1, 12, 9, True)]:
        rng = np.random.RandomState(11)
        npd = np.float64 if dtype == tf.float64 else np.float32
        logits = [(rng.randn(B, V) * 3).astype(npd) for _ in range(T)]
        targets = [rng.randint(0, V, size=B) for _ in range(T)]
        weights = [np.ones(B, npd) if weights_one else rng.uniform(0.2, 1.0, B).astype(npd) for _ in range(T)]
        up = rng.randn(B).astype(npd)
        g = tf.Graph()
        with g.as_default():
            lt = [tf.constant(l) for l in logits]
            wt = [tf.constant(w) for w in weights]
            crossents = [tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant(t), logits=l) * w
                         for l, t, w in zip(lt, targets, wt)]
            log_perps = tf.add_n(crossents)
            total_size = tf.add_n(wt) + 1e-12
            loss = log_perps / total_size
            grads = tf.gradients(loss, lt + wt, grad_ys=tf.constant(up))
            with tf.compat.v1.Session() as sess:
                lv, gv = sess.run([loss, grads])
        tens = {}
        for k in range(T):
            tens["logits/%d" % k] = logits[k]
            tens["targets/%d" % k] = targets[k]
            tens["weights/%d" % k] = weights[k]
        tens["upstream/loss"] = up
        grads_exp = {"logits/%d" % k: tensor(gv[k]) for k in range(T)}
        grads_exp.update({"weights/%d" % k: tensor(gv[T + k]) for k in range(T)})
        write(name, "TF 1.x legacy_seq2seq.sequence_loss_by_example (average_across_timesteps) over %d logits [%d, %d]" % (T, B, V),
              {"generator": "Fixtures/generate/training.py", "framework": fw, "seed": 11, "document": "“TensorFlow RNN入门” (004)"},
              "float64" if dtype == tf.float64 else "float32",
              {"kind": "tf.legacy_seq2seq.sequence_loss_by_example", "logits": ["logits/%d" % k for k in range(T)],
               "targets": ["targets/%d" % k for k in range(T)], "weights": ["weights/%d" % k for k in range(T)],
               "average_across_timesteps": True, "upstream": {"loss": "upstream/loss"}},
              tens, {"loss": tensor(lv), "gradients": grads_exp})

    # tf.nn.embedding_lookup with repeated ids: the dense gradient sums the rows
    rng = np.random.RandomState(12)
    table = rng.randn(6, 3)
    ids = np.array([[1, 4, 1], [0, 5, 1]])
    up = rng.randn(2, 3, 3)
    g = tf.Graph()
    with g.as_default():
        tv = tf.constant(table)
        out = tf.nn.embedding_lookup(tv, tf.constant(ids))
        (gt,) = tf.gradients(out, [tv], grad_ys=tf.constant(up))
        gt = tf.convert_to_tensor(gt)
        with tf.compat.v1.Session() as sess:
            ov, gtv = sess.run([out, gt])
    write("tf-embedding-lookup", "tf.nn.embedding_lookup(params [6, 3], ids [2, 3]) with a repeated id; gradient densified",
          {"generator": "Fixtures/generate/training.py", "framework": fw, "seed": 12, "document": "“TensorFlow RNN入门” (004)"},
          "float64", {"kind": "tf.nn.embedding_lookup", "params": "embedding", "ids": "ids", "upstream": {"outputs": "upstream/outputs"}},
          {"embedding": table, "ids": ids, "upstream/outputs": up},
          {"outputs": tensor(ov), "gradients": {"embedding": tensor(gtv)}})


def keras_part():
    import keras
    fw = versions(np, keras)
    shapes = [(3, 4), (4,)]
    cases = [
        ("keras-optimizer-sgd", "keras.optimizers.SGD(0.3), 10 steps", {"optimizer": "keras.optimizers.SGD", "learning_rate": 0.3},
         lambda: keras.optimizers.SGD(0.3)),
        ("keras-optimizer-adam", "keras.optimizers.Adam(0.01) with its defaults (epsilon 1e-7), 10 steps",
         {"optimizer": "keras.optimizers.Adam", "learning_rate": 0.01, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
         lambda: keras.optimizers.Adam(0.01)),
        ("keras-optimizer-adam-eps", "keras.optimizers.Adam(0.05, beta_1=0.8, beta_2=0.99, epsilon=0.1)",
         {"optimizer": "keras.optimizers.Adam", "learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 0.1},
         lambda: keras.optimizers.Adam(0.05, beta_1=0.8, beta_2=0.99, epsilon=0.1)),
    ]
    for i, (name, about, opts, make) in enumerate(cases):
        keras.backend.clear_session()
        rng = np.random.RandomState(200 + i)
        p0 = [rng.randn(*s) for s in shapes]
        grads = grads_sequence(rng, shapes, 1.5)
        vs = [keras.Variable(p, dtype="float64") for p in p0]
        opt = make()
        snaps = []
        for gs in grads:
            opt.apply_gradients(zip([keras.ops.convert_to_tensor(g, dtype="float64") for g in gs], vs))
            snaps.append([np.array(v.numpy()) for v in vs])
        optimizer_fixture(name, about, fw, opts, p0, grads, snaps)

    # Keras Dense and mean squared error (000's head: Dense(1) and loss='mse')
    import tensorflow as tf
    keras.backend.clear_session()
    rng = np.random.RandomState(21)
    x = rng.randn(5, 4)
    y = rng.randn(5, 1)
    dense = keras.layers.Dense(1, dtype="float64")
    dense.build((None, 4))
    dense.set_weights([rng.randn(4, 1), rng.randn(1)])
    xt = tf.constant(x)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(xt)
        pred = dense(xt)
        loss = keras.losses.MeanSquaredError()(tf.constant(y), pred)
    gx, gk, gb = tape.gradient(loss, [xt, dense.kernel, dense.bias])
    write("keras-dense-mse", "000's regression head: keras Dense(1) on [5, 4] and MeanSquaredError, loss and every gradient",
          {"generator": "Fixtures/generate/training.py", "framework": versions(np, tf, keras), "seed": 21, "document": "“循环神经网络” (000)"},
          "float64", {"kind": "keras.Dense+MeanSquaredError", "x": "x", "y_true": "y",
                      "weights": {"kernel": "dense/kernel", "bias": "dense/bias"}},
          {"x": x, "y": y, "dense/kernel": dense.get_weights()[0], "dense/bias": dense.get_weights()[1]},
          {"outputs": tensor(pred.numpy()), "loss": float(loss.numpy()),
           "gradients": {"x": tensor(gx.numpy()), "dense/kernel": tensor(gk.numpy()), "dense/bias": tensor(gb.numpy())}})


def numpy_part():
    # min-char-rnn's Adagrad, as the document writes it, with np.clip to ±5 first (lossFun's clip)
    shapes = [(3, 4), (4,)]
    rng = np.random.RandomState(300)
    p0 = [rng.randn(*s) for s in shapes]
    grads = grads_sequence(rng, shapes, 3.0)
    ps = [p.copy() for p in p0]
    mems = [np.zeros_like(p) for p in ps]
    snaps = []
    for gs in grads:
        for param, dparam, mem in zip(ps, [g.copy() for g in gs], mems):
            np.clip(dparam, -5, 5, out=dparam)
            mem += dparam * dparam
            param += -0.1 * dparam / np.sqrt(mem + 1e-8)
        snaps.append([p.copy() for p in ps])
    optimizer_fixture("numpy-min-char-rnn-adagrad", "min-char-rnn's update: np.clip(dparam, -5, 5), then mem += d*d; p += -lr*d/sqrt(mem+1e-8)",
                      versions(np), {"optimizer": "numpy.min_char_rnn.adagrad", "learning_rate": 0.1}, p0, grads, snaps,
                      {"clip_by_value": [-5.0, 5.0]}, numpy_doc=True)


if __name__ == "__main__":
    if "--keras" in sys.argv:
        keras_part()
    else:
        numpy_part()
        tf_part()
        env = dict(os.environ)
        env.pop("TF_USE_LEGACY_KERAS", None)
        subprocess.check_call([sys.executable, os.path.abspath(__file__), "--keras"], env=env)
