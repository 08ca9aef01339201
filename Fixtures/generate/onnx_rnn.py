"""ONNX recurrent-operator fixtures (opset 22): `onnx.LSTM`, `onnx.GRU`, `onnx.RNN`.

1. ONNX's own node tests. The onnx wheel no longer ships their data files, but
   `onnx.backend.test.case.node.lstm` (`gru`, `rnn`) still generates them: each `export_*` calls `expect(node,
   inputs, outputs, name)`, which is captured here and written as a fixture under the test's
   ONNX name, forward only, as ONNX gives it (its numpy reference `LSTMHelper`).
2. Random configurations of every attribute (direction, layout, activations with alpha/beta,
   clip, input_forget, B, P, sequence_lens with 0, initial states), float32: outputs from
   onnxruntime (pinned); gradients from PyTorch autograd through `onnx_lstm` below, a
   transcription of the operator that must first agree with onnxruntime's forward (≤ 1e-5 of
   max(1, |Y|))
   before anything is written. onnxruntime refuses layout=1, so a layout-1 case is checked
   against onnxruntime on the transposed (layout 0) input. float64 twins come from the
   transcription in float64.

Run with the pinned versions of requirements.txt:  python onnx_rnn.py
"""
import os

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import TensorProto, helper
from onnx.backend.test.case.node import gru as onnx_gru_tests
from onnx.backend.test.case.node import lstm as onnx_lstm_tests
from onnx.backend.test.case.node import rnn as onnx_rnn_tests

import common

torch.set_num_threads(1)
FRAMEWORK = None


def framework():
    return common.versions(np, onnx, ort, torch)


# --- the transcription ----------------------------------------------------------------------

def activation(name, alpha, beta):
    """ONNX's activation of that name, as onnxruntime computes it (rnn_activation_functors.h)."""
    n = name.lower()
    if n == "relu":
        return torch.relu
    if n == "tanh":
        return torch.tanh
    if n == "sigmoid":
        return torch.sigmoid
    if n == "affine":
        return lambda x: alpha * x + beta
    if n == "leakyrelu":
        return lambda x: torch.where(x >= 0, x, alpha * x)
    if n == "thresholdedrelu":
        return lambda x: torch.where(x > alpha, x, torch.zeros_like(x))
    if n == "scaledtanh":
        return lambda x: alpha * torch.tanh(beta * x)
    if n == "hardsigmoid":
        return lambda x: torch.clamp(alpha * x + beta, 0, 1)
    if n == "elu":
        return lambda x: torch.where(x >= 0, x, alpha * torch.expm1(torch.clamp(x, max=0)))
    if n == "softsign":
        return lambda x: x / (1 + torch.abs(x))
    if n == "softplus":
        return torch.nn.functional.softplus
    raise ValueError(name)


def read_activations(names, alphas, betas):
    """onnxruntime's reading (rnn_helpers.cc): alpha/beta consumed in order, only by functions
    taking them; defaults LeakyRelu 0.01, HardSigmoid 0.2/0.5, Elu 1.0, else 0."""
    takes_alpha = {"affine", "leakyrelu", "thresholdedrelu", "scaledtanh", "hardsigmoid", "elu"}
    takes_beta = {"affine", "scaledtanh", "hardsigmoid"}
    defaults = {"leakyrelu": (0.01, 0.0), "hardsigmoid": (0.2, 0.5), "elu": (1.0, 0.0)}
    ai = bi = 0
    out = []
    for name in names:
        n = name.lower()
        a, b = defaults.get(n, (0.0, 0.0))
        if n in takes_alpha and ai < len(alphas):
            a = alphas[ai]; ai += 1
        if n in takes_beta and bi < len(betas):
            b = betas[bi]; bi += 1
        out.append(activation(name, float(np.float32(a)), float(np.float32(b))))
    return out


def reverse_sequence(x, lens):
    """tf.reverse_sequence on [T, B, ...]: each row's first len steps reversed."""
    T = x.shape[0]
    idx = []
    for b in range(x.shape[1]):
        L = int(lens[b])
        idx.append([L - 1 - t if t < L else t for t in range(T)])
    idx = torch.tensor(idx).T        # [T, B]
    return torch.stack([x[idx[:, b], b] for b in range(x.shape[1])], dim=1)


def setup(X, R, lens, h0, c0, attrs, default_activations):
    """What every operator's loop starts from: layout 0 inputs, D, T, B, H, the activations
    (ORT's reading), the clip and the lengths."""
    layout = attrs.get("layout", 0)
    direction = attrs.get("direction", "forward")
    D = 2 if direction == "bidirectional" else 1
    if layout == 1:
        X = X.transpose(0, 1)
        h0 = None if h0 is None else h0.transpose(0, 1)
        c0 = None if c0 is None else c0.transpose(0, 1)
    T, Bn, _ = X.shape
    names = attrs.get("activations", default_activations * D)
    acts = read_activations(names, attrs.get("activation_alpha", []), attrs.get("activation_beta", []))
    clip = attrs.get("clip")
    clipf = (lambda v: torch.clamp(v, -clip, clip)) if clip is not None else (lambda v: v)
    lens_t = torch.tensor(lens if lens is not None else [T] * Bn)
    return X, h0, c0, layout, direction, D, T, Bn, R.shape[-1], acts, clipf, lens_t


def onnx_op(op, X, W, R, B, lens, h0, c0, P, attrs):
    """The operator `op` ("LSTM", "GRU", "RNN") written out (see onnx_lstm for the loop's rules):
    GRU: z, r, h with either linear_before_reset; RNN: Ht = f(Xt·Wᵀ + Ht-1·Rᵀ + Wb + Rb); clip on
    every activation's input."""
    if op == "LSTM":
        return onnx_lstm(X, W, R, B, lens, h0, c0, P, attrs)
    X, h0, _, layout, direction, D, T, Bn, H, acts, clipf, lens_t = setup(
        X, R, lens, h0, None, attrs, ["Sigmoid", "Tanh"] if op == "GRU" else ["Tanh"])
    G = 3 if op == "GRU" else 1
    Ys, Yh = [], []
    for d in range(D):
        rev = direction == "reverse" or d == 1
        x = reverse_sequence(X, lens_t) if rev else X
        h = h0[d] if h0 is not None else torch.zeros(Bn, H, dtype=X.dtype)
        wb = B[d][:G * H] if B is not None else torch.zeros(G * H, dtype=X.dtype)
        rb = B[d][G * H:] if B is not None else torch.zeros(G * H, dtype=X.dtype)
        ys = []
        for t in range(T):
            if op == "RNN":
                Hn = acts[d](clipf(x[t] @ W[d].T + h @ R[d].T + wb + rb))
            else:
                f, g = acts[2 * d], acts[2 * d + 1]
                xw = x[t] @ W[d].T + wb
                hr = h @ R[d].T
                z = f(clipf(xw[:, :H] + hr[:, :H] + rb[:H]))
                r = f(clipf(xw[:, H:2 * H] + hr[:, H:2 * H] + rb[H:2 * H]))
                if attrs.get("linear_before_reset", 0):
                    hh = g(clipf(xw[:, 2 * H:] + r * (hr[:, 2 * H:] + rb[2 * H:])))
                else:
                    hh = g(clipf(xw[:, 2 * H:] + (r * h) @ R[d][2 * H:].T + rb[2 * H:]))
                Hn = (1 - z) * hh + z * h
            live = (t < lens_t).unsqueeze(1)
            h = torch.where(live, Hn, h)
            ys.append(torch.where(live, Hn, torch.zeros_like(Hn)))
        y = torch.stack(ys)
        if rev:
            y = reverse_sequence(y, lens_t)
        Ys.append(y)
        Yh.append(torch.where((lens_t == 0).unsqueeze(1), torch.zeros_like(h), h))
    Y, Y_h = torch.stack(Ys, dim=1), torch.stack(Yh)
    if layout == 1:
        Y = Y.permute(2, 0, 1, 3)
        Y_h = Y_h.transpose(0, 1)
    return Y, Y_h, None


def onnx_lstm(X, W, R, B, lens, h0, c0, P, attrs):
    """The LSTM operator of ONNX (onnx/defs/rnn/defs.cc), written out: gates i, o, f, c; clip on
    each gate's input after bias and peepholes; input_forget: f = 1 − i; Y past a row's length
    is 0; a reversed direction runs within each length; a length-0 row's Y_h, Y_c are 0."""
    X, h0, c0, layout, direction, D, T, Bn, H, acts, clipf, lens_t = setup(X, R, lens, h0, c0, attrs, ["Sigmoid", "Tanh", "Tanh"])
    Ys, Yh, Yc = [], [], []
    for d in range(D):
        f, g, hact = acts[3 * d:3 * d + 3]
        rev = direction == "reverse" or d == 1
        x = reverse_sequence(X, lens_t) if rev else X
        h = h0[d] if h0 is not None else torch.zeros(Bn, H, dtype=X.dtype)
        c = c0[d] if c0 is not None else torch.zeros(Bn, H, dtype=X.dtype)
        bias = B[d][:4 * H] + B[d][4 * H:] if B is not None else torch.zeros(4 * H, dtype=X.dtype)
        pi, po, pf = (P[d][:H], P[d][H:2 * H], P[d][2 * H:]) if P is not None else (0, 0, 0)
        ys = []
        for t in range(T):
            z = x[t] @ W[d].T + h @ R[d].T + bias
            zi, zo, zf, zc = z[:, :H], z[:, H:2 * H], z[:, 2 * H:3 * H], z[:, 3 * H:]
            i = f(clipf(zi + pi * c))
            ff = 1 - i if attrs.get("input_forget", 0) else f(clipf(zf + pf * c))
            cc = g(clipf(zc))
            C = ff * c + i * cc
            o = f(clipf(zo + po * C))
            Hn = o * hact(C)
            live = (t < lens_t).unsqueeze(1)
            h = torch.where(live, Hn, h)
            c = torch.where(live, C, c)
            ys.append(torch.where(live, Hn, torch.zeros_like(Hn)))
        y = torch.stack(ys)
        if rev:
            y = reverse_sequence(y, lens_t)
        zero = (lens_t == 0).unsqueeze(1)
        Ys.append(y)
        Yh.append(torch.where(zero, torch.zeros_like(h), h))
        Yc.append(torch.where(zero, torch.zeros_like(c), c))
    Y = torch.stack(Ys, dim=1)                 # [T, D, B, H]
    Y_h, Y_c = torch.stack(Yh), torch.stack(Yc)
    if layout == 1:
        Y = Y.permute(2, 0, 1, 3)
        Y_h, Y_c = Y_h.transpose(0, 1), Y_c.transpose(0, 1)
    return Y, Y_h, Y_c


# --- onnxruntime ----------------------------------------------------------------------------

def input_names(op):
    return ["X", "W", "R", "B", "sequence_lens", "initial_h"] + (["initial_c", "P"] if op == "LSTM" else [])


def output_names(op):
    return ["Y", "Y_h", "Y_c"] if op == "LSTM" else ["Y", "Y_h"]


def ort_run(op, arrays, attrs):
    """onnxruntime's outputs for a layout-0 float32 node."""
    names = input_names(op)
    node_inputs = [n if n in arrays else "" for n in names]
    while node_inputs and node_inputs[-1] == "":
        node_inputs.pop()
    node = helper.make_node(op, inputs=node_inputs, outputs=output_names(op),
                            **{k: v for k, v in attrs.items() if k != "layout"})
    inputs = []
    for n in node_inputs:
        if n == "":
            continue
        a = arrays[n]
        dt = TensorProto.INT32 if n == "sequence_lens" else TensorProto.FLOAT
        inputs.append(helper.make_tensor_value_info(n, dt, list(a.shape)))
    outputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in output_names(op)]
    graph = helper.make_graph([node], op.lower(), inputs, outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feed = {n: (arrays[n].astype(np.int32) if n == "sequence_lens" else arrays[n].astype(np.float32)) for n in node_inputs if n}
    out = sess.run(None, feed)
    return out + [None] * (3 - len(out))


# --- writing --------------------------------------------------------------------------------

def write_fixture(name, about, dtype, attrs, arrays, Y, Y_h, Y_c, grads=None, upstream=None, seed=None, source=None, op="LSTM"):
    inputs = {n: n for n in input_names(op) if n in arrays}
    model = {"kind": "onnx." + op, "attributes": attrs, "inputs": inputs}
    tensors = {n: (np.asarray(a, dtype=np.int64) if n == "sequence_lens" else np.asarray(a)) for n, a in arrays.items()}
    expected = {}
    if Y is not None:
        expected["outputs"] = common.tensor(Y)
    expected["final_state"] = [common.tensor(s) if s is not None else None for s in ((Y_h, Y_c) if op == "LSTM" else (Y_h,))]
    if upstream is not None:
        states = output_names(op)[1:]
        model["upstream"] = {"outputs": "upstream/Y", "final_state": ["upstream/" + n for n in states]}
        tensors["upstream/Y"] = upstream[0]
        for n, u in zip(states, upstream[1:]):
            tensors["upstream/" + n] = u
        expected["gradients"] = {inputs[n]: common.tensor(g) for n, g in grads.items()}
    common.write(name, about, {"generator": "Fixtures/generate/onnx_rnn.py", "framework": framework(), "seed": seed,
                               "source": source or "random configuration"}, dtype, model, tensors, expected)


def node_tests():
    """ONNX's test_lstm_*, test_gru_*, test_rnn_* and test_simple_rnn_* node tests, captured from their generators."""
    captured = []
    for module, cls in ((onnx_lstm_tests, "LSTM"), (onnx_gru_tests, "GRU"), (onnx_rnn_tests, "RNN")):
        module.expect = lambda node, inputs, outputs, name, **kw: captured.append((node, inputs, outputs, name))
        c = getattr(module, cls)
        for fn in sorted(n for n in dir(c) if n.startswith("export")):
            getattr(c, fn)()
    for node, ins, outs, name in captured:
        op = node.op_type
        attrs = {}
        for a in node.attribute:
            v = helper.get_attribute_value(a)
            attrs[a.name] = v.decode() if isinstance(v, bytes) else ([s.decode() for s in v] if isinstance(v, list) and v and isinstance(v[0], bytes) else v)
        arrays = {n: np.asarray(v) for n, v in zip(node.input, ins) if n}
        got = dict(zip([o for o in node.output if o], outs))      # outputs are given for the named ones
        Y, Y_h, Y_c = got.get("Y"), got.get("Y_h"), got.get("Y_c")
        dtype = "float32" if arrays["X"].dtype == np.float32 else "float64"
        write_fixture("onnx-node-" + name.replace("_", "-"), "ONNX's own node test %s (onnx.backend.test.case.node.%s), forward only as ONNX gives it." % (name, op.lower()),
                      dtype, attrs, arrays, Y, Y_h, Y_c, source="onnx %s, %s" % (onnx.__version__, name), op=op)


def random_case(seed, dtype="float32", op="LSTM"):
    rng = np.random.RandomState(seed)
    G = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    per = {"LSTM": 3, "GRU": 2, "RNN": 1}[op]
    npdt = np.float32 if dtype == "float32" else np.float64
    direction = ["forward", "reverse", "bidirectional"][rng.randint(3)]
    D = 2 if direction == "bidirectional" else 1
    layout = int(rng.randint(2))
    T, Bn, I, H = rng.randint(1, 5), rng.randint(1, 4), rng.randint(1, 4), rng.randint(1, 4)
    attrs = {"hidden_size": int(H), "direction": direction}
    if layout or rng.rand() < 0.3:
        attrs["layout"] = layout
    smooth = ["Sigmoid", "Tanh", "Affine", "ScaledTanh", "Softsign", "Softplus", "Elu", "LeakyRelu"]
    kinked = ["Relu", "ThresholdedRelu", "HardSigmoid"]
    if rng.rand() < 0.7:
        # the gate activation f from the bounded ones (an unbounded gate lets c grow without
        # limit, and float32 then says little); g and h from all eleven
        gates = ["Sigmoid", "HardSigmoid", "Tanh", "Softsign", "ScaledTanh"]
        pool = smooth + kinked
        if op == "RNN":      # f is the output: any function, bounded ones more often
            attrs["activations"] = [(gates + pool)[rng.randint(len(gates + pool))] for k in range(D)]
        else:
            attrs["activations"] = [(gates if k % per == 0 else pool)[rng.randint(len(gates if k % per == 0 else pool))] for k in range(per * D)]
        # enough alpha/beta values for every function that takes one (ORT's fill-ins, 0 for
        # Affine, ScaledTanh and ThresholdedRelu, make degenerate functions: the dedicated
        # fixtures below pin that rule)
        names = [a.lower() for a in attrs["activations"]]
        n_alpha = sum(n in ("affine", "leakyrelu", "thresholdedrelu", "scaledtanh", "hardsigmoid", "elu") for n in names)
        n_beta = sum(n in ("affine", "scaledtanh", "hardsigmoid") for n in names)
        if n_alpha:
            attrs["activation_alpha"] = [float(np.float32(v)) for v in rng.uniform(0.2, 1.5, n_alpha)]
        if n_beta:
            attrs["activation_beta"] = [float(np.float32(v)) for v in rng.uniform(0.2, 1.5, n_beta)]
    if rng.rand() < 0.5:
        attrs["clip"] = float(np.float32(rng.uniform(0.5, 2.0)))
    if op == "LSTM" and rng.rand() < 0.3:
        attrs["input_forget"] = 1
    if op == "GRU" and rng.rand() < 0.5:
        attrs["linear_before_reset"] = 1
    arrays = {"X": rng.uniform(-1, 1, (T, Bn, I) if layout == 0 else (Bn, T, I)).astype(npdt),
              "W": rng.uniform(-0.8, 0.8, (D, G * H, I)).astype(npdt),
              "R": rng.uniform(-0.8, 0.8, (D, G * H, H)).astype(npdt)}
    if rng.rand() < 0.8:
        arrays["B"] = rng.uniform(-0.5, 0.5, (D, 2 * G * H)).astype(npdt)
    if rng.rand() < 0.5:
        lens = rng.randint(0, T + 1, Bn)
        lens[0] = T
        arrays["sequence_lens"] = lens.astype(np.int64)
    shape = (D, Bn, H) if layout == 0 else (Bn, D, H)
    if rng.rand() < 0.7:
        arrays["initial_h"] = rng.uniform(-1, 1, shape).astype(npdt)
    if op == "LSTM" and rng.rand() < 0.7:
        arrays["initial_c"] = rng.uniform(-1, 1, shape).astype(npdt)
    if op == "LSTM" and rng.rand() < 0.5:
        arrays["P"] = rng.uniform(-0.6, 0.6, (D, 3 * H)).astype(npdt)
    return attrs, arrays


def run_random(name, seed, dtype, op="LSTM"):
    attrs, arrays = random_case(seed, dtype, op)
    run_given(name, None, seed, dtype, attrs, arrays, op)


def run_given(name, about, seed, dtype, attrs, arrays, op="LSTM"):
    tdt = torch.float32 if dtype == "float32" else torch.float64
    t = {n: torch.tensor(a, dtype=tdt if n != "sequence_lens" else torch.int64, requires_grad=(n != "sequence_lens")) for n, a in arrays.items()}
    lens = arrays.get("sequence_lens")
    Y, Y_h, Y_c = onnx_op(op, t["X"], t["W"], t["R"], t.get("B"), None if lens is None else list(lens), t.get("initial_h"), t.get("initial_c"), t.get("P"), attrs)
    # onnxruntime's forward, on the layout-0 form of the same inputs
    a0 = {n: np.asarray(v, dtype=np.float32) if n != "sequence_lens" else v for n, v in arrays.items()}
    if attrs.get("layout", 0) == 1:
        a0["X"] = np.swapaxes(a0["X"], 0, 1)
        for k in ("initial_h", "initial_c"):
            if k in a0:
                a0[k] = np.swapaxes(a0[k], 0, 1)
    oY, oYh, oYc = ort_run(op, a0, attrs)
    if attrs.get("layout", 0) == 1:
        oY, oYh = np.transpose(oY, (2, 0, 1, 3)), np.swapaxes(oYh, 0, 1)
        oYc = None if oYc is None else np.swapaxes(oYc, 0, 1)
    for mine, theirs, what in ((Y, oY, "Y"), (Y_h, oYh, "Y_h"), (Y_c, oYc, "Y_c")):
        if theirs is None:
            continue
        m64, t64 = mine.detach().numpy().astype(np.float64), theirs.astype(np.float64)
        err = np.max(np.abs(m64 - t64)) / max(1.0, np.max(np.abs(t64))) if theirs.size else 0
        assert err <= 1e-5, "%s: the transcription parts from onnxruntime in %s by %g (relative to max(1, |Y|))" % (name, what, err)
    rng = np.random.RandomState(seed + 1000)
    npdt = np.float32 if dtype == "float32" else np.float64
    outs_t = [v for v in (Y, Y_h, Y_c) if v is not None]
    ups = [rng.uniform(-1, 1, tuple(v.shape)).astype(npdt) for v in outs_t]
    loss = sum((v * torch.tensor(u)).sum() for v, u in zip(outs_t, ups))
    diff = [n for n in ["X", "W", "R", "B", "initial_h", "initial_c", "P"] if n in t]
    gs = torch.autograd.grad(loss, [t[n] for n in diff])
    grads = {n: g.numpy() for n, g in zip(diff, gs)}
    if dtype == "float32":
        outs = (oY, oYh, oYc)          # onnxruntime's numbers are the expected ones
    else:
        outs = tuple(None if v is None else v.detach().numpy() for v in (Y, Y_h, Y_c))
    about = (about + " " if about else "A random onnx.%s (seed %d, %s): " % (op, seed, dtype)) + "%s; inputs %s. %s" % ( ", ".join("%s=%s" % kv for kv in sorted(attrs.items())), ", ".join(sorted(arrays)),
        "Outputs from onnxruntime, gradients from PyTorch autograd through the transcription (which agrees with onnxruntime's forward to 1e-5)."
        if dtype == "float32" else "Outputs and gradients from the transcription in float64 (which agrees with onnxruntime's float32 forward to 1e-5).")
    write_fixture(name, about, dtype, attrs, arrays, *outs, grads=grads, upstream=ups, seed=seed, op=op)


def fixed_case(name, about, attrs, seed, D=1, T=3, Bn=2, I=2, H=2, dtype="float32", lens=None, op="LSTM", peepholes=False):
    """A hand-chosen attribute set on random weights, checked against onnxruntime like the random ones."""
    rng = np.random.RandomState(seed)
    npdt = np.float32 if dtype == "float32" else np.float64
    G = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    arrays = {"X": rng.uniform(-1, 1, (T, Bn, I)).astype(npdt), "W": rng.uniform(-0.8, 0.8, (D, G * H, I)).astype(npdt),
              "R": rng.uniform(-0.8, 0.8, (D, G * H, H)).astype(npdt), "B": rng.uniform(-0.5, 0.5, (D, 2 * G * H)).astype(npdt),
              "initial_h": rng.uniform(-1, 1, (D, Bn, H)).astype(npdt)}
    c0 = rng.uniform(-1, 1, (D, Bn, H)).astype(npdt)
    if op == "LSTM":
        arrays["initial_c"] = c0
    if lens is not None:
        arrays["sequence_lens"] = np.asarray(lens, dtype=np.int64)
    if peepholes:
        arrays["P"] = rng.uniform(-0.8, 0.8, (D, 3 * H)).astype(npdt)
    run_given(name, about, seed, dtype, attrs, arrays, op)


if __name__ == "__main__":
    node_tests()
    fixed_case("onnx-lstm-alpha-beta-order",
               "How onnxruntime reads activation_alpha/beta (the spec leaves it open): values are consumed in order, each only by a function that takes it: HardSigmoid gets alpha 0.4 and the only beta 0.6, LeakyRelu 0.3, Elu 0.7; the extra alpha 9 is ignored.",
               {"hidden_size": 2, "activations": ["HardSigmoid", "LeakyRelu", "Elu"], "activation_alpha": [0.4, 0.3, 0.7, 9.0],
                "activation_beta": [0.6]}, 700)
    fixed_case("onnx-lstm-alpha-beta-defaults",
               "No activation_alpha/beta: each function takes its ONNX operator's default (HardSigmoid 0.2 and 0.5, LeakyRelu 0.01, Elu 1.0), as onnxruntime does.",
               {"hidden_size": 2, "activations": ["HardSigmoid", "LeakyRelu", "Elu"]}, 704)
    fixed_case("onnx-lstm-affine-without-alpha-beta",
               "An Affine with no alpha/beta left: onnxruntime fills both with 0, so g = 0 and the cell state only decays (c_t = f⊙c_t-1); the specification gives no default.",
               {"hidden_size": 2, "activations": ["Sigmoid", "Affine", "Tanh"]}, 701)
    fixed_case("onnx-lstm-issue-example",
               "The model block a reader writes (the example of the issue that introduced the onnx kinds, key for key): bidirectional, per-direction activations with HardSigmoid 0.2/0.5 and Softsign, clip 2, input_forget 1, peepholes and sequence_lens.",
               {"hidden_size": 3, "direction": "bidirectional", "layout": 0,
                "activations": ["Sigmoid", "Tanh", "Tanh", "HardSigmoid", "Tanh", "Softsign"],
                "activation_alpha": [0.2], "activation_beta": [0.5], "clip": 2.0, "input_forget": 1},
               705, D=2, T=4, Bn=3, I=2, H=3, lens=[4, 2, 3], peepholes=True)
    fixed_case("onnx-lstm-zero-length-rows",
               "sequence_lens with rows of length 0 and T, bidirectional: onnxruntime gives a length-0 row Y = 0 and Y_h = Y_c = 0, not its initial state (the specification does not say).",
               {"hidden_size": 2, "direction": "bidirectional"}, 702, D=2, Bn=3, lens=[0, 3, 1])
    fixed_case("onnx-lstm-clip-bites",
               "clip = 0.25, small enough to bound most gate inputs: onnxruntime clips each gate's input after bias and peephole terms, never the cell state (c here grows past 0.25).",
               {"hidden_size": 2, "clip": 0.25}, 703, T=4)
    fixed_case("onnx-gru-linear-before-reset-0-vs-1",
               "linear_before_reset=0 (the default: the reset before the matmul, Rbh outside it); its twin onnx-gru-linear-before-reset-1 has the same weights with the reset after (PyTorch's form).",
               {"hidden_size": 2}, 710, op="GRU")
    fixed_case("onnx-gru-linear-before-reset-1",
               "linear_before_reset=1: ht = g(Xt·Whᵀ + Wbh + rt⊙(Ht-1·Rhᵀ + Rbh)), PyTorch's GRU in ONNX's gate order z, r, h.",
               {"hidden_size": 2, "linear_before_reset": 1}, 710, op="GRU")
    fixed_case("onnx-gru-zero-length-rows-clip",
               "GRU, reverse, clip 0.5 and rows of length 0: a length-0 row gets Y_h = 0 (onnxruntime).",
               {"hidden_size": 3, "direction": "reverse", "clip": 0.5}, 711, Bn=3, H=3, lens=[2, 0, 3], op="GRU")
    fixed_case("onnx-rnn-zero-length-rows",
               "RNN, bidirectional, rows of length 0: Y = 0 and Y_h = 0 for them (onnxruntime).",
               {"hidden_size": 2, "direction": "bidirectional"}, 712, D=2, Bn=3, lens=[3, 0, 2], op="RNN")
    for k in range(16):
        run_random("onnx-random-lstm-%d" % k, 500 + k, "float32")
    for k in range(8):
        run_random("onnx-random-lstm-f64-%d" % k, 600 + k, "float64")
    for op, base in (("GRU", 800), ("RNN", 900)):
        for k in range(12):
            run_random("onnx-random-%s-%d" % (op.lower(), k), base + k, "float32", op)
        for k in range(6):
            run_random("onnx-random-%s-f64-%d" % (op.lower(), k), base + 50 + k, "float64", op)
