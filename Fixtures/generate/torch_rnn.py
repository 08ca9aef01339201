"""PyTorch fixtures: `torch.nn.RNN`, `torch.nn.LSTM` (proj_size) and `torch.nn.GRU` with every
constructor option (num_layers, bias, batch_first, bidirectional, nonlinearity), unpacked and on
packed sequences (pack_padded_sequence → module → pad_packed_sequence); gradients from autograd.
Run with the pinned versions of requirements.txt:  python torch_rnn.py
"""
import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import common


def run_module(name, about, kind, T, B, I, H, layers=1, proj=0, bias=True, batch_first=False, bidirectional=False,
               nonlinearity="tanh", lengths=None, dtype="float64", seed=0, weight_scale=0.6):
    """One `torch.nn.RNN` / `LSTM` / `GRU` (every constructor option), run once with autograd:
    `L = Σ output ⊙ u_out + Σ h_n ⊙ u_h (+ Σ c_n ⊙ u_c)`. With `lengths` the module runs on
    `pack_padded_sequence(x, lengths, batch_first, enforce_sorted=False)` and its output is
    `pad_packed_sequence(out, batch_first)[0]` (max(lengths) steps). Draws from
    RandomState(seed): weights in `named_parameters` order, x, h_0, c_0, then u_out, u_h, u_c."""
    rng = np.random.RandomState(seed)
    npdt = np.float32 if dtype == "float32" else np.float64
    tdt = torch.float32 if dtype == "float32" else torch.float64
    torch.manual_seed(seed)
    D = 2 if bidirectional else 1
    args = dict(num_layers=layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional)
    if kind == "LSTM":
        module = torch.nn.LSTM(I, H, proj_size=proj, **args)
    elif kind == "GRU":
        module = torch.nn.GRU(I, H, **args)
    else:
        module = torch.nn.RNN(I, H, nonlinearity=nonlinearity, **args)
    module = module.to(tdt)
    tensors = {}
    with torch.no_grad():
        for n, p in module.named_parameters():
            v = rng.uniform(-weight_scale, weight_scale, size=tuple(p.shape)).astype(npdt)
            p.copy_(torch.from_numpy(v))
            tensors[n] = v
    P = proj if proj > 0 else H
    x = rng.uniform(-1, 1, size=(B, T, I) if batch_first else (T, B, I)).astype(npdt)
    h0 = rng.uniform(-1, 1, size=(layers * D, B, P)).astype(npdt)
    state = [h0]
    if kind == "LSTM":
        state.append(rng.uniform(-1, 1, size=(layers * D, B, H)).astype(npdt))
    leaves = [torch.tensor(a, requires_grad=True) for a in [x] + state]
    tx, ts = leaves[0], leaves[1:]
    inp = tx
    if lengths is not None:
        inp = pack_padded_sequence(tx, torch.tensor(lengths, dtype=torch.int64), batch_first=batch_first, enforce_sorted=False)
    out, fin = module(inp, tuple(ts) if kind == "LSTM" else ts[0])
    if lengths is not None:
        out, _ = pad_packed_sequence(out, batch_first=batch_first)
    fin = list(fin) if kind == "LSTM" else [fin]
    u_out = rng.uniform(-1, 1, size=tuple(out.shape)).astype(npdt)
    u_fin = [rng.uniform(-1, 1, size=tuple(f.shape)).astype(npdt) for f in fin]
    loss = (out * torch.from_numpy(u_out)).sum()
    for f, u in zip(fin, u_fin):
        loss = loss + (f * torch.from_numpy(u)).sum()
    loss.backward()
    names = [n for n, _ in module.named_parameters()]
    state_names = ["h_0", "c_0"][:len(state)]
    fin_names = ["h_n", "c_n"][:len(state)]
    grads = {n: p.grad.numpy() for n, p in module.named_parameters()}
    grads["x"] = tx.grad.numpy()
    for n, t in zip(state_names, ts):
        grads[n] = t.grad.numpy()
    tensors["x"] = x
    tensors.update(dict(zip(state_names, state)))
    tensors["upstream/outputs"] = u_out
    tensors.update({"upstream/" + n: u for n, u in zip(fin_names, u_fin)})
    model = {"kind": "torch.nn." + kind, "input_size": I, "hidden_size": H, "num_layers": layers, "bias": bias,
             "batch_first": batch_first}
    if kind == "LSTM":
        model["proj_size"] = proj
    if kind == "RNN":
        model["nonlinearity"] = nonlinearity
    if bidirectional:
        model["bidirectional"] = True
    model.update({"weights": {n: n for n in names}, "x": "x", "initial_state": state_names,
                  "upstream": {"outputs": "upstream/outputs", "final_state": ["upstream/" + n for n in fin_names]}})
    if lengths is not None:
        tensors["lengths"] = np.asarray(lengths, dtype=np.int64)
        model["lengths"] = "lengths"
    expected = {"outputs": common.tensor(out.detach().numpy()),
                "final_state": [common.tensor(f.detach().numpy()) for f in fin],
                "gradients": {n: common.tensor(grads[n]) for n in names + ["x"] + state_names}}
    common.write(name, about, {"generator": "Fixtures/generate/torch_rnn.py", "framework": common.versions(np, torch), "seed": seed},
                 dtype, model, tensors, expected)


def run_case(name, about, T, B, I, H, layers, proj, bias, batch_first, dtype, seed):
    run_module(name, about, "LSTM", T, B, I, H, layers, proj, bias, batch_first, dtype=dtype, seed=seed)


def run_gru(name, about, T, B, I, H, layers, bias, batch_first, dtype, seed):
    run_module(name, about, "GRU", T, B, I, H, layers, 0, bias, batch_first, dtype=dtype, seed=seed)


def random_modules(count, seed):
    """`count` random configurations of the three modules, every option drawn: kind, layers 1-3,
    hidden and proj sizes, bias, batch_first, bidirectional, nonlinearity, packed lengths (some
    shorter than T everywhere, so pad_packed_sequence returns fewer steps), float32/float64."""
    rng = np.random.RandomState(seed)
    for k in range(count):
        kind = ["RNN", "LSTM", "GRU"][k % 3]
        T, B, I, H = (int(v) for v in rng.randint(1, 6, size=4))
        layers = int(rng.randint(1, 4))
        proj = int(rng.randint(1, H)) if kind == "LSTM" and H >= 2 and rng.rand() < 0.5 else 0
        bias, batch_first, bidirectional = (bool(v) for v in rng.rand(3) < [0.7, 0.5, 0.6])
        nonlinearity = ["tanh", "relu"][int(rng.randint(2))]
        lengths = [int(v) for v in rng.randint(1, T + 1, size=B)] if rng.rand() < 0.6 else None
        dtype = ["float32", "float64"][k % 2]
        opts = "num_layers=%d, bias=%s, batch_first=%s, bidirectional=%s" % (layers, bias, batch_first, bidirectional)
        if kind == "LSTM":
            opts += ", proj_size=%d" % proj
        if kind == "RNN":
            opts += ", nonlinearity='%s'" % nonlinearity
        about = "Random torch.nn.%s(%d, %d, %s) on T=%d, B=%d%s (%s)." % (
            kind, I, H, opts, T, B, ", packed with lengths %s" % lengths if lengths else "", dtype)
        run_module("torch-random-%d" % k, about, kind, T, B, I, H, layers, proj, bias, batch_first, bidirectional,
                   nonlinearity, lengths, dtype, seed=900 + k)


if __name__ == "__main__":
    torch.set_num_threads(1)
    run_case("torch-lstm-2layer-proj-f64", "torch.nn.LSTM(3, 5, num_layers=2, proj_size=2) with (h_0, c_0) (float64).",
             6, 3, 3, 5, 2, 2, True, False, "float64", 41)
    run_case("torch-lstm-2layer-proj-f32-batchfirst", "torch.nn.LSTM(2, 4, num_layers=2, proj_size=3, batch_first=True) (float32).",
             5, 2, 2, 4, 2, 3, True, True, "float32", 42)
    run_case("torch-lstm-nobias-f64", "torch.nn.LSTM(3, 4, bias=False) (float64).", 4, 2, 3, 4, 1, 0, False, False, "float64", 43)
    run_case("torch-lstm-f32", "torch.nn.LSTM(4, 6) (float32).", 7, 3, 4, 6, 1, 0, True, False, "float32", 44)
    run_gru("torch-gru-2layer-f64", "torch.nn.GRU(3, 4, num_layers=2) with h_0 (float64).", 6, 3, 3, 4, 2, True, False, "float64", 71)
    run_gru("torch-gru-2layer-f32-batchfirst", "torch.nn.GRU(2, 5, num_layers=2, batch_first=True) (float32).", 5, 2, 2, 5, 2, True, True, "float32", 72)
    run_gru("torch-gru-nobias-f64", "torch.nn.GRU(3, 3, bias=False) (float64).", 4, 2, 3, 3, 1, False, False, "float64", 73)
    run_module("torch-lstm-bidirectional-2layer-proj-f64", "torch.nn.LSTM(3, 4, num_layers=2, proj_size=2, bidirectional=True) (float64).",
               "LSTM", 5, 3, 3, 4, layers=2, proj=2, bidirectional=True, seed=81)
    run_module("torch-gru-bidirectional-2layer-f32-batchfirst", "torch.nn.GRU(2, 3, num_layers=2, bidirectional=True, batch_first=True) (float32).",
               "GRU", 4, 2, 2, 3, layers=2, batch_first=True, bidirectional=True, dtype="float32", seed=82)
    run_module("torch-rnn-tanh-2layer-f64", "torch.nn.RNN(3, 4, num_layers=2) (float64).", "RNN", 6, 3, 3, 4, layers=2, seed=83)
    run_module("torch-rnn-relu-nobias-f32", "torch.nn.RNN(2, 5, nonlinearity='relu', bias=False, batch_first=True) (float32).",
               "RNN", 5, 2, 2, 5, bias=False, batch_first=True, nonlinearity="relu", dtype="float32", seed=84)
    run_module("torch-rnn-relu-bidirectional-f64", "torch.nn.RNN(3, 3, nonlinearity='relu', num_layers=2, bidirectional=True) (float64).",
               "RNN", 4, 2, 3, 3, layers=2, bidirectional=True, nonlinearity="relu", seed=85)
    run_module("torch-lstm-packed-f64", "torch.nn.LSTM(3, 4) on pack_padded_sequence(x, lengths=[5, 2, 4], enforce_sorted=False) (float64).",
               "LSTM", 5, 3, 3, 4, lengths=[5, 2, 4], seed=86)
    run_module("torch-lstm-bidirectional-packed-proj-f64",
               "torch.nn.LSTM(2, 4, num_layers=2, proj_size=3, bidirectional=True, batch_first=True) on packed lengths [3, 6, 1, 4]; "
               "pad_packed_sequence returns 6 of the 7 steps (float64).",
               "LSTM", 7, 4, 2, 4, layers=2, proj=3, batch_first=True, bidirectional=True, lengths=[3, 6, 1, 4], seed=87)
    run_module("torch-gru-bidirectional-packed-f32", "torch.nn.GRU(3, 3, bidirectional=True) on packed lengths [2, 4, 3] (float32).",
               "GRU", 4, 3, 3, 3, bidirectional=True, lengths=[2, 4, 3], dtype="float32", seed=88)
    run_module("torch-rnn-bidirectional-packed-f64", "torch.nn.RNN(2, 3, num_layers=2, bidirectional=True, batch_first=True) on packed lengths [1, 3] "
               "(pad_packed_sequence returns 3 of the 5 steps) (float64).",
               "RNN", 5, 2, 2, 3, layers=2, batch_first=True, bidirectional=True, lengths=[1, 3], seed=89)
    random_modules(12, 2026)
