"""Fixtures from the documents' numpy programs, run as written (ported to Python 3):

- numpy-004-two-step-rnn: the two-step RNN of “TensorFlow RNN入门” (004), with its printed
  numbers; gradients of the same computation from TensorFlow's GradientTape in float64.
- numpy-002-min-char-rnn-*: `lossFun` of “基本概念” (002) on Fixtures/data/sonnets.txt,
  weights drawn from np.random.seed(S) as the document's randn calls do, plus `sample`.
- numpy-random-*: numpy's legacy RandomState streams (raw words, random_sample, randn, uniform,
  choice) for several seeds.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf

import common

DOC004 = "“TensorFlow RNN入门” (004)"
DOC002 = "“基本概念” (002)"


def two_step_rnn():
    # --- the document's program, verbatim apart from collecting the printed values ---
    X = [1, 2]
    state = [0.0, 0.0]
    w_cell_state = np.asarray([[0.1, 0.2], [0.3, 0.4]])
    w_cell_input = np.asarray([0.5, 0.6])
    b_cell = np.asarray([0.1, -0.1])
    w_output = np.asarray([[1.0], [2.0]])
    b_output = 0.1
    befores, states, outputs = [], [], []
    for i in range(len(X)):
        before_activation = np.dot(state, w_cell_state) + X[i] * w_cell_input + b_cell
        state = np.tanh(before_activation)
        final_output = np.dot(state, w_output) + b_output
        print("before activation: ", before_activation)
        print("state: ", state)
        print("output: ", final_output)
        befores.append(before_activation)
        states.append(state)
        outputs.append(final_output)
    # The numbers the document prints (8 significant digits).
    printed = {
        "before_activation": [[0.6, 0.5], [1.2923401, 1.39225678]],
        "state": [[0.53704957, 0.46211716], [0.85973818, 0.88366641]],
        "output": [[1.56128388], [2.72707101]],
    }
    assert np.allclose(befores, printed["before_activation"], atol=5e-9)
    assert np.allclose(states, printed["state"], atol=5e-9)
    assert np.allclose(outputs, printed["output"], atol=5e-9)

    # --- gradients of L = Σ outputs ⊙ u_out + Σ final_state ⊙ u_state, from TensorFlow ---
    rng = np.random.RandomState(4)
    T, B, I, H, O = 2, 1, 1, 2, 1
    u_out = rng.uniform(-1, 1, size=(T, B, O))
    u_state = rng.uniform(-1, 1, size=(B, H))
    tX = tf.constant(np.asarray(X, dtype=np.float64).reshape(T, B, I))
    params = {
        "w_cell_state": tf.constant(w_cell_state),
        "w_cell_input": tf.constant(w_cell_input.reshape(I, H)),
        "b_cell": tf.constant(b_cell),
        "w_output": tf.constant(w_output),
        "b_output": tf.constant(np.asarray([b_output])),
    }
    s0 = tf.constant(np.zeros((B, H)))
    with tf.GradientTape() as tape:
        tape.watch(list(params.values()) + [tX, s0])
        s = s0
        outs = []
        for i in range(T):
            before = tf.matmul(s, params["w_cell_state"]) + tf.matmul(tX[i], params["w_cell_input"]) + params["b_cell"]
            s = tf.tanh(before)
            outs.append(tf.matmul(s, params["w_output"]) + params["b_output"])
        outs = tf.stack(outs)
        loss = tf.reduce_sum(outs * u_out) + tf.reduce_sum(s * u_state)
    names = list(params) + ["X", "state"]
    grads = tape.gradient(loss, list(params.values()) + [tX, s0])
    assert np.allclose(outs.numpy().reshape(T, O), np.asarray(outputs).reshape(T, O), rtol=0, atol=1e-15)

    tensors = {k: v.numpy() for k, v in params.items()}
    tensors.update({"X": tX.numpy(), "state": s0.numpy(), "upstream/outputs": u_out, "upstream/final_state/0": u_state})
    expected = {
        "before_activation": common.tensor(np.asarray(befores).reshape(T, B, H)),
        "states": common.tensor(np.asarray(states).reshape(T, B, H)),
        "outputs": common.tensor(np.asarray(outputs).reshape(T, B, O)),
        "final_state": [common.tensor(np.asarray(states[-1]).reshape(B, H))],
        "gradients": {n: common.tensor(g.numpy()) for n, g in zip(names, grads)},
        "document_printed": {k: common.tensor(np.asarray(v).reshape(T, B, -1)) for k, v in printed.items()},
    }
    model = {
        "kind": "numpy.rnn",
        "weights": {k: k for k in params},
        "x": "X",
        "initial_state": ["state"],
        "upstream": {"outputs": "upstream/outputs", "final_state": ["upstream/final_state/0"]},
    }
    common.write("numpy-004-two-step-rnn",
                 "The two-step numpy RNN of the TF intro: states, outputs and the printed numbers; "
                 "gradients of the same computation from TensorFlow.",
                 {"generator": "Fixtures/generate/numpy_examples.py", "framework": common.versions(np, tf),
                  "seed": 4, "document": DOC004,
                  "gradients": "tf.GradientTape over the document's operations in float64"},
                 "float64", model, tensors, expected, tolerance={"atol": 1e-12, "rtol": 1e-10})


def load_text():
    with open(os.path.join(common.OUT, "data", "sonnets.txt")) as f:
        return f.read()


def min_char_rnn(name, seed, hidden_size, seq_length, weight_scale, chunk, about):
    data = load_text()
    chars = sorted(set(data))       # the document uses list(set(data)); sorted makes it reproducible
    data_size, vocab_size = len(data), len(chars)
    char_to_ix = {ch: i for i, ch in enumerate(chars)}

    np.random.seed(seed)
    Wxh = np.random.randn(hidden_size, vocab_size) * weight_scale
    Whh = np.random.randn(hidden_size, hidden_size) * weight_scale
    Why = np.random.randn(vocab_size, hidden_size) * weight_scale
    bh = np.zeros((hidden_size, 1))
    by = np.zeros((vocab_size, 1))
    n_randn = Wxh.size + Whh.size + Why.size

    # ----- the document's lossFun, ported to Python 3 (xrange -> range) -----
    def lossFun(inputs, targets, hprev):
        xs, hs, ys, ps = {}, {}, {}, {}
        hs[-1] = np.copy(hprev)
        loss = 0
        for t in range(len(inputs)):
            xs[t] = np.zeros((vocab_size, 1))
            xs[t][inputs[t]] = 1
            hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
            ys[t] = np.dot(Why, hs[t]) + by
            ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
            loss += -np.log(ps[t][targets[t], 0])
        dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
        dbh, dby = np.zeros_like(bh), np.zeros_like(by)
        dhnext = np.zeros_like(hs[0])
        for t in reversed(range(len(inputs))):
            dy = np.copy(ps[t])
            dy[targets[t]] -= 1
            dWhy += np.dot(dy, hs[t].T)
            dby += dy
            dh = np.dot(Why.T, dy) + dhnext
            dhraw = (1 - hs[t] * hs[t]) * dh
            dbh += dhraw
            dWxh += np.dot(dhraw, xs[t].T)
            dWhh += np.dot(dhraw, hs[t - 1].T)
            dhnext = np.dot(Whh.T, dhraw)
        unclipped = [d.copy() for d in (dWxh, dWhh, dWhy, dbh, dby)]
        for dparam in [dWxh, dWhh, dWhy, dbh, dby]:
            np.clip(dparam, -5, 5, out=dparam)
        return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1], unclipped

    def sample(h, seed_ix, n):
        x = np.zeros((vocab_size, 1))
        x[seed_ix] = 1
        ixes = []
        for t in range(n):
            h = np.tanh(np.dot(Wxh, x) + np.dot(Whh, h) + bh)
            y = np.dot(Why, h) + by
            p = np.exp(y) / np.sum(np.exp(y))
            ix = np.random.choice(range(vocab_size), p=p.ravel())
            x = np.zeros((vocab_size, 1))
            x[ix] = 1
            ixes.append(ix)
        return ixes

    # chunk 0 from a zero state, then the fixture's chunk from the carried state
    hprev = np.zeros((hidden_size, 1))
    for c in range(chunk + 1):
        p = c * seq_length
        inputs = [char_to_ix[ch] for ch in data[p:p + seq_length]]
        targets = [char_to_ix[ch] for ch in data[p + 1:p + seq_length + 1]]
        if c < chunk:
            hprev = lossFun(inputs, targets, hprev)[6]
    loss, dWxh, dWhh, dWhy, dbh, dby, hlast, unclipped = lossFun(inputs, targets, hprev)
    clipped = sum(int(np.sum(np.abs(u) > 5)) for u in unclipped)
    # sample continues the global stream right after the weight draws (no other draws happened)
    sample_ix = sample(hprev, inputs[0], 200)

    tensors = {"Wxh": Wxh, "Whh": Whh, "Why": Why, "bh": bh, "by": by,
               "inputs": np.asarray(inputs, dtype=np.int64), "targets": np.asarray(targets, dtype=np.int64),
               "hprev": hprev}
    expected = {
        "loss": common.tensor(np.asarray(loss)),
        "gradients": {"Wxh": common.tensor(dWxh), "Whh": common.tensor(dWhh), "Why": common.tensor(dWhy),
                      "bh": common.tensor(dbh), "by": common.tensor(dby)},
        "last_hidden": common.tensor(hlast),
        "sample_ix": common.tensor(np.asarray(sample_ix, dtype=np.int64)),
        "clipped_entries": clipped,
    }
    model = {
        "kind": "numpy.min_char_rnn",
        "hidden_size": hidden_size, "seq_length": seq_length, "vocab": "".join(chars),
        "weights": {k: k for k in ["Wxh", "Whh", "Why", "bh", "by"]},
        "inputs": "inputs", "targets": "targets", "hprev": "hprev", "clip": 5.0,
        "init": {"seed": seed, "randn_scale": weight_scale, "randn_draws": n_randn},
        "sample": {"seed": seed, "skip_randn": n_randn, "seed_ix": int(inputs[0]), "n": 200, "h": "hprev"},
    }
    common.write(name, about,
                 {"generator": "Fixtures/generate/numpy_examples.py", "framework": common.versions(np),
                  "seed": seed, "document": DOC002, "text": "Fixtures/data/sonnets.txt", "chunk": chunk},
                 "float64", model, tensors, expected, tolerance={"atol": 1e-12, "rtol": 1e-9})
    return clipped


def random_streams():
    seeds = [0, 1, 42, 12345, 4294967295]
    for seed in seeds:
        rs = np.random.RandomState(seed)
        p5 = np.asarray([0.1, 0.2, 0.3, 0.15, 0.25])
        calls = [
            {"fn": "randint32", "size": 6},
            {"fn": "random_sample", "size": 7},
            {"fn": "randn", "size": 9},           # odd: leaves a cached gauss behind
            {"fn": "random_sample", "size": 2},   # the cache survives other draws
            {"fn": "randn", "size": 4},
            {"fn": "uniform", "low": -0.5, "high": 2.0, "size": 5},
            {"fn": "choice", "n": 5, "p": p5.tolist(), "size": 8},
        ]
        draws = []
        for c in calls:
            if c["fn"] == "randint32":
                d = [int(rs.randint(0, 2**32, dtype=np.uint32)) for _ in range(c["size"])]
            elif c["fn"] == "random_sample":
                d = [float(rs.random_sample()) for _ in range(c["size"])]
            elif c["fn"] == "randn":
                d = [float(rs.randn()) for _ in range(c["size"])]
            elif c["fn"] == "uniform":
                d = [float(rs.uniform(c["low"], c["high"])) for _ in range(c["size"])]
            elif c["fn"] == "choice":
                d = [int(rs.choice(c["n"], p=np.asarray(c["p"]))) for _ in range(c["size"])]
            draws.append(d)
        common.write("numpy-random-seed%d" % seed,
                     "numpy's legacy RandomState(%d) stream through raw words, random_sample, randn "
                     "(with its cached second value), uniform and choice." % seed,
                     {"generator": "Fixtures/generate/numpy_examples.py", "framework": common.versions(np),
                      "seed": seed},
                     "float64", {"kind": "numpy.random", "seed": seed, "calls": calls}, {},
                     {"draws": draws}, tolerance={"atol": 0, "rtol": 0})


if __name__ == "__main__":
    two_step_rnn()
    n = min_char_rnn("numpy-002-min-char-rnn-lossfun", 42, 100, 25, 0.01, 1,
                     "min-char-rnn lossFun with the document's sizes (hidden 100, seq_length 25) on the "
                     "second 25-character chunk, from the state the first chunk left; then sample(200).")
    assert n == 0, n
    n = min_char_rnn("numpy-002-min-char-rnn-clipped", 7, 24, 25, 0.6, 2,
                     "min-char-rnn lossFun with large weights so that np.clip(dparam, -5, 5) is active.")
    assert n > 0, n
    random_streams()
