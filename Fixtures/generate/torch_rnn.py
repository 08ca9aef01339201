"""PyTorch fixtures: `torch.nn.LSTM` (proj_size, num_layers, batch_first), gradients from
autograd. Run with the pinned versions of requirements.txt:  python torch_rnn.py
"""
import numpy as np
import torch

import common


def run_case(name, about, T, B, I, H, layers, proj, bias, batch_first, dtype, seed):
    rng = np.random.RandomState(seed)
    npdt = np.float32 if dtype == "float32" else np.float64
    tdt = torch.float32 if dtype == "float32" else torch.float64
    torch.manual_seed(seed)
    lstm = torch.nn.LSTM(I, H, num_layers=layers, bias=bias, batch_first=batch_first, proj_size=proj).to(tdt)
    tensors = {}
    with torch.no_grad():
        for n, p in lstm.named_parameters():
            v = rng.uniform(-0.6, 0.6, size=tuple(p.shape)).astype(npdt)
            p.copy_(torch.from_numpy(v))
            tensors[n] = v
    P = proj if proj > 0 else H
    x = rng.uniform(-1, 1, size=(B, T, I) if batch_first else (T, B, I)).astype(npdt)
    h0 = rng.uniform(-1, 1, size=(layers, B, P)).astype(npdt)
    c0 = rng.uniform(-1, 1, size=(layers, B, H)).astype(npdt)
    tx, th0, tc0 = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
    out, (hn, cn) = lstm(tx, (th0, tc0))
    u_out = rng.uniform(-1, 1, size=tuple(out.shape)).astype(npdt)
    u_h = rng.uniform(-1, 1, size=tuple(hn.shape)).astype(npdt)
    u_c = rng.uniform(-1, 1, size=tuple(cn.shape)).astype(npdt)
    loss = (out * torch.from_numpy(u_out)).sum() + (hn * torch.from_numpy(u_h)).sum() + (cn * torch.from_numpy(u_c)).sum()
    loss.backward()
    names = [n for n, _ in lstm.named_parameters()]
    grads = {n: p.grad.numpy() for n, p in lstm.named_parameters()}
    grads.update({"x": tx.grad.numpy(), "h_0": th0.grad.numpy(), "c_0": tc0.grad.numpy()})
    tensors.update({"x": x, "h_0": h0, "c_0": c0, "upstream/outputs": u_out, "upstream/h_n": u_h, "upstream/c_n": u_c})
    model = {"kind": "torch.nn.LSTM", "input_size": I, "hidden_size": H, "num_layers": layers, "bias": bias,
             "batch_first": batch_first, "proj_size": proj, "weights": {n: n for n in names},
             "x": "x", "initial_state": ["h_0", "c_0"],
             "upstream": {"outputs": "upstream/outputs", "final_state": ["upstream/h_n", "upstream/c_n"]}}
    expected = {"outputs": common.tensor(out.detach().numpy()),
                "final_state": [common.tensor(hn.detach().numpy()), common.tensor(cn.detach().numpy())],
                "gradients": {n: common.tensor(grads[n]) for n in names + ["x", "h_0", "c_0"]}}
    common.write(name, about, {"generator": "Fixtures/generate/torch_rnn.py", "framework": common.versions(np, torch), "seed": seed},
                 dtype, model, tensors, expected)


def run_gru(name, about, T, B, I, H, layers, bias, batch_first, dtype, seed):
    rng = np.random.RandomState(seed)
    npdt = np.float32 if dtype == "float32" else np.float64
    tdt = torch.float32 if dtype == "float32" else torch.float64
    gru = torch.nn.GRU(I, H, num_layers=layers, bias=bias, batch_first=batch_first).to(tdt)
    tensors = {}
    with torch.no_grad():
        for n, p in gru.named_parameters():
            v = rng.uniform(-0.6, 0.6, size=tuple(p.shape)).astype(npdt)
            p.copy_(torch.from_numpy(v))
            tensors[n] = v
    x = rng.uniform(-1, 1, size=(B, T, I) if batch_first else (T, B, I)).astype(npdt)
    h0 = rng.uniform(-1, 1, size=(layers, B, H)).astype(npdt)
    tx, th0 = (torch.tensor(a, requires_grad=True) for a in (x, h0))
    out, hn = gru(tx, th0)
    u_out = rng.uniform(-1, 1, size=tuple(out.shape)).astype(npdt)
    u_h = rng.uniform(-1, 1, size=tuple(hn.shape)).astype(npdt)
    loss = (out * torch.from_numpy(u_out)).sum() + (hn * torch.from_numpy(u_h)).sum()
    loss.backward()
    names = [n for n, _ in gru.named_parameters()]
    grads = {n: p.grad.numpy() for n, p in gru.named_parameters()}
    grads.update({"x": tx.grad.numpy(), "h_0": th0.grad.numpy()})
    tensors.update({"x": x, "h_0": h0, "upstream/outputs": u_out, "upstream/h_n": u_h})
    model = {"kind": "torch.nn.GRU", "input_size": I, "hidden_size": H, "num_layers": layers, "bias": bias,
             "batch_first": batch_first, "weights": {n: n for n in names}, "x": "x", "initial_state": ["h_0"],
             "upstream": {"outputs": "upstream/outputs", "final_state": ["upstream/h_n"]}}
    expected = {"outputs": common.tensor(out.detach().numpy()), "final_state": [common.tensor(hn.detach().numpy())],
                "gradients": {n: common.tensor(grads[n]) for n in names + ["x", "h_0"]}}
    common.write(name, about, {"generator": "Fixtures/generate/torch_rnn.py", "framework": common.versions(np, torch), "seed": seed},
                 dtype, model, tensors, expected)


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
