"""One benchmark peer (PyTorch or TensorFlow/Keras) as a long-lived worker.

Reads one JSON case per line on stdin, answers one JSON line on stdout:
  {"cell": "lstm|gru|rnn", "dtype": "float32|float64", "batch": B, "steps": T, "input": I,
   "hidden": H, "pass": "forward|train", "threads": N, "repeat": R, "bidirectional": false|true}
  -> {"median_ms": m, "runs": [...]}
The same work as `rnnref bench`: a time-major (PyTorch) or batch-major (Keras) sequence through
one layer, `forward` = outputs, `train` = forward + backward with every gradient (weights and
input), upstream cotangents all given; bidirectional: both directions, outputs concatenated (torch
bidirectional=True, keras Bidirectional, ONNX direction="bidirectional"). Warm-up once, then the
median of R runs.
Usage: python peer.py torch|tf|ort THREADS (ort: forward float32 only; other cases answer
{"median_ms": null})
"""
import json
import statistics
import sys
import time

framework, threads = sys.argv[1], int(sys.argv[2])

if framework == "torch":
    import torch
    torch.set_num_threads(threads)
    torch.set_grad_enabled(True)

    def make(c):
        dt = torch.float64 if c["dtype"] == "float64" else torch.float32
        kind = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[c["cell"]]
        d = 2 if c.get("bidirectional") else 1
        m = kind(c["input"], c["hidden"], bidirectional=d == 2).to(dt)
        x = torch.rand(c["steps"], c["batch"], c["input"], dtype=dt) * 2 - 1
        dy = torch.rand(c["steps"], c["batch"], d * c["hidden"], dtype=dt) * 2 - 1
        if c["pass"] == "forward":
            def once():
                with torch.no_grad():
                    m(x)
        else:
            xg = x.clone().requires_grad_(True)
            def once():
                m.zero_grad(set_to_none=True)
                xg.grad = None
                y, _ = m(xg)
                y.backward(dy)
        return once
    version = "torch " + torch.__version__
elif framework == "ort":
    # onnxruntime: one ONNX LSTM/GRU/RNN node (opset 22; GRU with linear_before_reset=1, as PyTorch
    # exports it) in an InferenceSession; onnxruntime runs these operators forward and in float32 only
    import numpy as np
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    def make(c):
        if c["dtype"] != "float32" or c["pass"] != "forward":
            return None
        op = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}[c["cell"]]
        g = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
        T, B, I, H = c["steps"], c["batch"], c["input"], c["hidden"]
        rng = np.random.RandomState(0)
        s = 1 / np.sqrt(H)
        d = 2 if c.get("bidirectional") else 1
        weights = {"W": rng.uniform(-s, s, (d, g * H, I)), "R": rng.uniform(-s, s, (d, g * H, H)), "B": rng.uniform(-s, s, (d, 2 * g * H))}
        node = helper.make_node(op, ["X", "W", "R", "B"], ["Y"], hidden_size=H, direction="bidirectional" if d == 2 else "forward",
                                **({"linear_before_reset": 1} if op == "GRU" else {}))
        graph = helper.make_graph([node], "bench", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [T, B, I])],
                                  [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
                                  initializer=[numpy_helper.from_array(w.astype(np.float32), n) for n, w in weights.items()])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
        x = rng.uniform(-1, 1, (T, B, I)).astype(np.float32)

        def once():
            sess.run(None, {"X": x})
        return once
    version = "onnxruntime " + ort.__version__
else:
    import os
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    def make(c):
        dt = c["dtype"]
        kind = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "rnn": keras.layers.SimpleRNN}[c["cell"]]
        d = 2 if c.get("bidirectional") else 1
        layer = kind(c["hidden"], return_sequences=True, dtype=dt)
        if d == 2:
            layer = keras.layers.Bidirectional(layer, dtype=dt)
        x = tf.random.uniform((c["batch"], c["steps"], c["input"]), -1, 1, dtype=dt)
        dy = tf.random.uniform((c["batch"], c["steps"], d * c["hidden"]), -1, 1, dtype=dt)
        layer(x)
        if c["pass"] == "forward":
            f = tf.function(lambda: layer(x, training=False))
        else:
            @tf.function
            def f():
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    y = layer(x, training=True)
                return tape.gradient(y, [x] + layer.trainable_variables, output_gradients=dy)
        def once():
            r = f()
            (r[0] if isinstance(r, list) else r).numpy()
        return once
    version = "tensorflow " + tf.__version__ + ", keras " + keras.__version__

print(json.dumps({"ready": version}), flush=True)
for line in sys.stdin:
    c = json.loads(line)
    once = make(c)
    if once is None:                      # a case this peer does not run
        print(json.dumps({"median_ms": None, "runs": []}), flush=True)
        continue
    once()
    runs = []
    for _ in range(c["repeat"]):
        t0 = time.perf_counter()
        once()
        runs.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"median_ms": statistics.median(runs), "runs": runs}), flush=True)
