"""Flax linen fixtures: `flax.linen.RNN` over `LSTMCell`, `OptimizedLSTMCell`, `GRUCell` and
`SimpleCell` (every flag: seq_lengths, reverse, keep_order, time_major, return_carry, an initial
carry, gate_fn/activation_fn, residual), and `flax.linen.Bidirectional`.

Outputs and carries from Flax (pinned, CPU); gradients from `jax.grad` of
L = Σ outputs ⊙ upstream.outputs + Σ_k carry[k] ⊙ upstream.final_state[k] with respect to every
parameter, the inputs and the initial carry. float32 and float64 (`jax_enable_x64`, parameters
and inputs float64). Parameters are keyed by their path in Flax's `params` collection
(`flax.traverse_util.flatten_dict(params, sep="/")`).

Run with the pinned versions of requirements.txt:  python flax_rnn.py
"""
import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")

import flax
import flax.linen as nn
import jax.numpy as jnp
import numpy as np
from flax.traverse_util import flatten_dict, unflatten_dict

import common

CELLS = {
    "flax.linen.LSTMCell": nn.LSTMCell,
    "flax.linen.OptimizedLSTMCell": nn.OptimizedLSTMCell,
    "flax.linen.GRUCell": nn.GRUCell,
    "flax.linen.SimpleCell": nn.SimpleCell,
}
# MGUCell is kept apart so that the random draws of the four cells above stay as they were
ALL_CELLS = dict(CELLS, **{"flax.linen.MGUCell": nn.MGUCell})
FUNCTIONS = {"sigmoid": nn.sigmoid, "tanh": nn.tanh, "relu": nn.relu}


def framework():
    return common.versions(np, jax, flax)


def make_cell(spec, dtype):
    """The Flax cell of a fixture's cell object."""
    kw = {"features": spec["features"], "param_dtype": dtype}
    if "gate_fn" in spec:
        kw["gate_fn"] = FUNCTIONS[spec["gate_fn"]]
    if "activation_fn" in spec:
        kw["activation_fn"] = FUNCTIONS[spec["activation_fn"]]
    if "residual" in spec:
        kw["residual"] = spec["residual"]
    return ALL_CELLS[spec["kind"]](**kw)


def build(model, dtype):
    """The Flax module of a fixture's model object."""
    if model["kind"] == "flax.linen.RNN":
        return nn.RNN(make_cell(model["cell"], dtype), time_major=model.get("time_major", False),
                      return_carry=model.get("return_carry", False), reverse=model.get("reverse", False),
                      keep_order=model.get("keep_order", False))
    return nn.Bidirectional(nn.RNN(make_cell(model["forward_rnn"]["cell"], dtype)),
                            nn.RNN(make_cell(model["backward_rnn"]["cell"], dtype)),
                            time_major=model.get("time_major", False), return_carry=model.get("return_carry", False))


def carry_shapes(model, batch):
    cells = [model["cell"]] if model["kind"] == "flax.linen.RNN" else [model["forward_rnn"]["cell"], model["backward_rnn"]["cell"]]
    out = []
    for c in cells:
        n = 2 if "LSTM" in c["kind"] else 1  # noqa: the LSTMs' carry is (c, h)
        out.append([(batch, c["features"])] * n)
    return out


def nest_carry(model, leaves):
    """The carry pytree of a list of leaves (Flax's order)."""
    groups, k = [], 0
    for shapes in carry_shapes(model, None):
        part = leaves[k:k + len(shapes)]
        k += len(shapes)
        groups.append(tuple(part) if len(part) == 2 else part[0])
    return groups[0] if model["kind"] == "flax.linen.RNN" else tuple(groups)


def make(name, about, model, dtype, seed, batch, steps, inputs_size, lengths=None, initial=True, weight_scale=0.6,
         flax_init=False, upstream_carry=True, tolerance=None):
    rng = np.random.RandomState(seed)
    jdt = jnp.float64 if dtype == "float64" else jnp.float32
    ndt = np.float64 if dtype == "float64" else np.float32
    module = build(model, jdt)
    time_major = model.get("time_major", False)
    x = rng.uniform(-1, 1, (steps, batch, inputs_size) if time_major else (batch, steps, inputs_size)).astype(ndt)
    variables = module.init(jax.random.key(seed), jnp.asarray(x))
    flat = flatten_dict(variables["params"], sep="/")
    if not flax_init:
        flat = {k: rng.uniform(-weight_scale, weight_scale, v.shape).astype(ndt) for k, v in sorted(flat.items())}
    else:
        flat = {k: np.asarray(v) for k, v in sorted(flat.items())}
    shapes = [s for group in carry_shapes(model, batch) for s in group]
    c0 = [rng.uniform(-0.8, 0.8, s).astype(ndt) for s in shapes] if initial else None
    seq = np.asarray(lengths, dtype=np.int32) if lengths is not None else None
    returns_carry = model.get("return_carry", False)

    def apply(p, xs, carry_leaves):
        kw = {}
        if carry_leaves is not None:
            kw["initial_carry"] = nest_carry(model, carry_leaves)
        if seq is not None:
            kw["seq_lengths"] = jnp.asarray(seq)
        out = module.apply({"params": unflatten_dict(p, sep="/")}, xs, **kw)
        if returns_carry:
            carry, y = out
            return y, jax.tree_util.tree_leaves(carry)
        return out, []

    p = {k: jnp.asarray(v) for k, v in flat.items()}
    y, carry = apply(p, jnp.asarray(x), [jnp.asarray(c) for c in c0] if c0 is not None else None)
    u_out = rng.uniform(-1, 1, y.shape).astype(ndt)
    u_carry = [rng.uniform(-1, 1, c.shape).astype(ndt) for c in carry] if (returns_carry and upstream_carry) else []

    def loss(p, xs, cl):
        yy, cc = apply(p, xs, cl)
        l = jnp.sum(yy * u_out)
        for c, u in zip(cc, u_carry):
            l = l + jnp.sum(c * u)
        return l

    argnums = (0, 1, 2) if c0 is not None else (0, 1)
    args = (p, jnp.asarray(x), [jnp.asarray(c) for c in c0] if c0 is not None else None)
    grads = jax.grad(loss, argnums=argnums)(*args)

    tensors = {"inputs": x}
    m = dict(model)
    m["params"] = {}
    for k, v in flat.items():
        tensors["params/" + k] = v
        m["params"][k] = "params/" + k
    m["inputs"] = "inputs"
    if seq is not None:
        tensors["seq_lengths"] = seq.astype(np.int64)
        m["seq_lengths"] = "seq_lengths"
    if c0 is not None:
        m["initial_carry"] = []
        for i, c in enumerate(c0):
            tensors["initial_carry/%d" % i] = c
            m["initial_carry"].append("initial_carry/%d" % i)
    tensors["upstream/outputs"] = u_out
    m["upstream"] = {"outputs": "upstream/outputs"}
    if u_carry:
        m["upstream"]["final_state"] = []
        for i, u in enumerate(u_carry):
            tensors["upstream/carry/%d" % i] = u
            m["upstream"]["final_state"].append("upstream/carry/%d" % i)
    g = {"inputs": common.tensor(np.asarray(grads[1]))}
    for k, v in grads[0].items():
        g["params/" + k] = common.tensor(np.asarray(v))
    if c0 is not None:
        for i, v in enumerate(grads[2]):
            g["initial_carry/%d" % i] = common.tensor(np.asarray(v))
    expected = {"outputs": common.tensor(np.asarray(y)), "gradients": g}
    if returns_carry:
        expected["final_state"] = [common.tensor(np.asarray(c)) for c in carry]
    common.write(name, about, {"generator": "Fixtures/generate/flax_rnn.py", "framework": framework(), "seed": seed},
                 dtype, m, tensors, expected, tolerance=tolerance)


def rnn(cell, **flags):
    return dict({"kind": "flax.linen.RNN", "cell": cell}, **flags)


def lstm(h, kind="flax.linen.LSTMCell", **kw):
    return dict({"kind": kind, "features": h}, **kw)


def named():
    # seq_lengths: the cell runs on the padding; outputs there are not zeroed; the carry is the
    # one after each row's last step, and for a length-0 row the one after all T steps (index -1)
    make("flax-lstm-seq-lengths", "flax.linen.RNN(LSTMCell) with seq_lengths [0, 2, 5]: outputs past a row's length are the "
         "cell run on the padding (not zeros); the carry is the one after the row's last step, and for the length-0 row the one "
         "after all T steps (Flax's index -1 wraps around)",
         rnn(lstm(3), return_carry=True), "float32", 1, batch=3, steps=5, inputs_size=2, lengths=[0, 2, 5])
    # reverse within each length; the padding is reversed too (unlike tf.reverse_sequence)
    make("flax-gru-reverse-seq-lengths", "flax.linen.RNN(GRUCell, reverse=True) with seq_lengths [1, 3, 4] over T = 4: each "
         "row flipped within its length and its padding flipped behind it (flip_sequences), outputs left in the processing order",
         rnn({"kind": "flax.linen.GRUCell", "features": 3}, return_carry=True, reverse=True), "float32", 2, batch=3, steps=4,
         inputs_size=2, lengths=[1, 3, 4])
    make("flax-gru-reverse-keep-order", "flax.linen.RNN(GRUCell, reverse=True, keep_order=True) with seq_lengths: the outputs "
         "flipped back into the input's order",
         rnn({"kind": "flax.linen.GRUCell", "features": 3}, return_carry=True, reverse=True, keep_order=True), "float32", 3,
         batch=3, steps=4, inputs_size=2, lengths=[2, 0, 4])
    # biases: the LSTM's on the hidden side only; the GRU's on the input side, plus hn's
    make("flax-lstm-default-init", "flax.linen.RNN(LSTMCell) with Flax's own initialisation: the biases are zeros and nothing "
         "adds 1 to the forget gate (no forget_bias, unlike TF; Keras' unit_forget_bias is an initialiser Flax does not have)",
         rnn(lstm(4), return_carry=True), "float32", 4, batch=2, steps=3, inputs_size=3, initial=False, flax_init=True)
    make("flax-optimized-lstm", "flax.linen.RNN(OptimizedLSTMCell): LSTMCell's parameters and function, one concatenated matmul",
         rnn(lstm(3, "flax.linen.OptimizedLSTMCell"), return_carry=True, time_major=True), "float32", 5, batch=2, steps=4, inputs_size=3)
    make("flax-simple-residual", "flax.linen.RNN(SimpleCell(residual=True)): h' = tanh(x·W_i + b_i + h·W_h + h)",
         rnn({"kind": "flax.linen.SimpleCell", "features": 3, "residual": True}, return_carry=True), "float32", 6, batch=2, steps=4,
         inputs_size=2)
    make("flax-bidirectional-lstm-seq-lengths", "flax.linen.Bidirectional(RNN(LSTMCell), RNN(LSTMCell)) with seq_lengths "
         "[3, 1, 0]: the backward RNN runs reverse=True, keep_order=True; outputs [B, T, 2H]; carry (forward (c, h), backward (c, h))",
         {"kind": "flax.linen.Bidirectional", "forward_rnn": {"cell": lstm(3)}, "backward_rnn": {"cell": lstm(3)},
          "return_carry": True}, "float32", 7, batch=3, steps=3, inputs_size=2, lengths=[3, 1, 0])
    make("flax-bidirectional-gru-simple", "flax.linen.Bidirectional(RNN(GRUCell(4)), RNN(SimpleCell(2))), time-major, without "
         "return_carry (outputs only)",
         {"kind": "flax.linen.Bidirectional", "forward_rnn": {"cell": {"kind": "flax.linen.GRUCell", "features": 4}},
          "backward_rnn": {"cell": {"kind": "flax.linen.SimpleCell", "features": 2}}, "time_major": True}, "float64", 8,
         batch=2, steps=3, inputs_size=3)


def random_cases():
    rng = np.random.RandomState(2026)
    kinds = list(CELLS)
    n = 0
    for dtype, count in (("float32", 24), ("float64", 12)):
        for k in range(count):
            kind = kinds[k % len(kinds)]
            h = int(rng.randint(1, 5))
            cell = {"kind": kind, "features": h}
            if kind != "flax.linen.SimpleCell" and rng.rand() < 0.3:
                cell["gate_fn"] = str(rng.choice(["sigmoid", "tanh"]))
            if rng.rand() < 0.3:
                cell["activation_fn"] = str(rng.choice(["tanh", "sigmoid", "relu"]))
            if kind == "flax.linen.SimpleCell" and rng.rand() < 0.5:
                cell["residual"] = True
            batch, steps, size = int(rng.randint(1, 4)), int(rng.randint(1, 6)), int(rng.randint(1, 4))
            flags = {}
            for f in ("time_major", "return_carry", "reverse", "keep_order"):
                if rng.rand() < 0.5:
                    flags[f] = True
            lengths = [int(v) for v in rng.randint(0, steps + 1, batch)] if rng.rand() < 0.6 else None
            bidirectional = rng.rand() < 0.25
            if bidirectional:
                other = {"kind": kinds[int(rng.randint(len(kinds)))], "features": int(rng.randint(1, 5))}
                model = {"kind": "flax.linen.Bidirectional", "forward_rnn": {"cell": cell}, "backward_rnn": {"cell": other}}
                for f in ("time_major", "return_carry"):
                    if f in flags:
                        model[f] = True
            else:
                model = rnn(cell, **flags)
            short = kind.split(".")[-1].lower().replace("cell", "")
            name = "flax-random-%s-%02d-%s%s" % ("f32" if dtype == "float32" else "f64", n, "bi-" if bidirectional else "", short)
            make(name, "a random configuration of %s: %s" % (model["kind"], ", ".join(
                "%s=%s" % (k, v) for k, v in sorted(flags.items())) or "default flags") + (", seq_lengths %s" % lengths if lengths else ""),
                 model, dtype, 100 + n, batch=batch, steps=steps, inputs_size=size, lengths=lengths, initial=rng.rand() < 0.7)
            n += 1


def mgu_cases():
    make("flax-mgu-seq-lengths", "flax.linen.RNN(MGUCell) with seq_lengths [3, 1]: one gate f for both of the GRU's "
         "(n = tanh(x·W_in + b_in + f ⊙ (h·W_hn + b_hn)), h' = (1 − f) ⊙ n + f ⊙ h)",
         rnn({"kind": "flax.linen.MGUCell", "features": 3}, return_carry=True), "float32", 9, batch=2, steps=3, inputs_size=2,
         lengths=[3, 1])
    make("flax-mgu-default-init", "flax.linen.RNN(MGUCell) with Flax's own initialisation: if/bias starts at 1 "
         "(forget_bias_init=ones), in/bias and hn/bias at 0; nothing is added in the function",
         rnn({"kind": "flax.linen.MGUCell", "features": 4}, return_carry=True), "float64", 10, batch=2, steps=4, inputs_size=3,
         initial=False, flax_init=True)
    rng = np.random.RandomState(2027)
    for k in range(8):
        dtype = "float32" if k < 5 else "float64"
        cell = {"kind": "flax.linen.MGUCell", "features": int(rng.randint(1, 5))}
        if rng.rand() < 0.3:
            cell["gate_fn"] = str(rng.choice(["sigmoid", "tanh"]))
        if rng.rand() < 0.3:
            cell["activation_fn"] = str(rng.choice(["tanh", "relu"]))
        batch, steps, size = int(rng.randint(1, 4)), int(rng.randint(1, 6)), int(rng.randint(1, 4))
        flags = {f: True for f in ("time_major", "return_carry", "reverse", "keep_order") if rng.rand() < 0.5}
        lengths = [int(v) for v in rng.randint(0, steps + 1, batch)] if rng.rand() < 0.6 else None
        if k % 4 == 3:
            model = {"kind": "flax.linen.Bidirectional", "forward_rnn": {"cell": cell},
                     "backward_rnn": {"cell": {"kind": "flax.linen.MGUCell", "features": int(rng.randint(1, 5))}},
                     "return_carry": True}
        else:
            model = rnn(cell, **flags)
        make("flax-random-mgu-%s-%d" % ("f32" if dtype == "float32" else "f64", k),
             "a random configuration of %s over MGUCell: %s" % (model["kind"], ", ".join("%s=%s" % kv for kv in sorted(flags.items())) or "default flags")
             + (", seq_lengths %s" % lengths if lengths else ""), model, dtype, 200 + k, batch=batch, steps=steps, inputs_size=size,
             lengths=lengths, initial=rng.rand() < 0.7)


if __name__ == "__main__":
    named()
    random_cases()
    mgu_cases()
