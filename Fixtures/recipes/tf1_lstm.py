# Export a trained TF v1 LSTMCell (graph mode), a batch, and TF's outputs and gradients for rnnref.
# Run with TF_USE_LEGACY_KERAS=1 (tf-keras installed) under TensorFlow 2.x.
import json, numpy as np, tensorflow as tf
tf.compat.v1.disable_eager_execution()
v1 = tf.compat.v1

x = v1.placeholder(tf.float64, [2, 6, 3])                  # [B, T, I], batch-major
lengths = v1.placeholder(tf.int64, [2])
cell = v1.nn.rnn_cell.LSTMCell(4, use_peepholes=True, cell_clip=2.0, num_proj=3, forget_bias=1.0)
out, (c, m) = v1.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=tf.float64)
u_out, u_c, u_m = (v1.placeholder(tf.float64, s) for s in ([2, 6, 3], [2, 4], [2, 3]))
loss = tf.reduce_sum(out * u_out) + tf.reduce_sum(c * u_c) + tf.reduce_sum(m * u_m)
train = v1.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_mean(tf.square(out)))
variables = v1.trainable_variables()
grads = tf.gradients(loss, variables + [x])

rng = np.random.RandomState(0)
with v1.Session() as s:
    s.run(v1.global_variables_initializer())
    for _ in range(20):                                     # "train" a little
        s.run(train, {x: rng.randn(2, 6, 3), lengths: [6, 6]})
    feed = {x: rng.randn(2, 6, 3), lengths: [6, 4], u_out: rng.randn(2, 6, 3), u_c: rng.randn(2, 4), u_m: rng.randn(2, 3)}
    o, cv, mv, g, w = s.run([out, c, m, grads, variables], feed)

names = [v.name[:-2] for v in variables]                    # "rnn/lstm_cell/kernel", ...
arrays = dict(zip(names, w))
arrays.update({"grad/" + n: gv for n, gv in zip(names + ["x"], g)})
arrays.update(x=feed[x], sequence_length=np.array(feed[lengths], np.int64), out=o, c=cv, m=mv,
              u_out=feed[u_out], u_c=feed[u_c], u_m=feed[u_m])
np.savez("tf1_lstm.npz", **arrays)
json.dump({"provenance": {"framework": "tensorflow " + tf.__version__},
           "model": {"kind": "tf.nn.dynamic_rnn", "time_major": False, "x": "x", "sequence_length": "sequence_length",
                     "cells": [{"kind": "tf.LSTMCell", "num_units": 4, "use_peepholes": True, "cell_clip": 2.0,
                                "num_proj": 3, "forget_bias": 1.0,
                                "weights": {n.split("lstm_cell/")[1]: n for n in names}}],
                     "upstream": {"outputs": "u_out", "final_state": ["u_c", "u_m"]}},
           "expected": {"outputs": "out", "final_state": ["c", "m"],
                        "gradients": {n: "grad/" + n for n in names + ["x"]}}},
          open("tf1_lstm.model.json", "w"), indent=1)
