# Export a trained torch.nn.LSTM, a batch, and PyTorch's outputs and gradients for rnnref.
import json, numpy as np, torch

torch.manual_seed(0)
lstm = torch.nn.LSTM(input_size=3, hidden_size=5, num_layers=2, batch_first=True).double()
opt = torch.optim.Adam(lstm.parameters(), lr=0.01)
for _ in range(20):                                   # "train" a little on a toy target
    x = torch.randn(4, 6, 3, dtype=torch.float64)
    loss = (lstm(x)[0].sum(-1) - x.sum(-1)).pow(2).mean()
    opt.zero_grad(); loss.backward(); opt.step()

x = torch.randn(2, 6, 3, dtype=torch.float64, requires_grad=True)     # the batch to check
h0 = torch.randn(2, 2, 5, dtype=torch.float64, requires_grad=True)
c0 = torch.randn(2, 2, 5, dtype=torch.float64, requires_grad=True)
out, (hn, cn) = lstm(x, (h0, c0))
u_out, u_h, u_c = torch.randn_like(out), torch.randn_like(hn), torch.randn_like(cn)
lstm.zero_grad()
((out * u_out).sum() + (hn * u_h).sum() + (cn * u_c).sum()).backward()   # L = Σ out⊙u + ...

arrays = {n: p.detach().numpy() for n, p in lstm.named_parameters()}
arrays.update({"grad/" + n: p.grad.numpy() for n, p in lstm.named_parameters()})
arrays.update(x=x.detach().numpy(), h_0=h0.detach().numpy(), c_0=c0.detach().numpy(),
              out=out.detach().numpy(), h_n=hn.detach().numpy(), c_n=cn.detach().numpy(),
              u_out=u_out.numpy(), u_h=u_h.numpy(), u_c=u_c.numpy(),
              **{"grad/x": x.grad.numpy(), "grad/h_0": h0.grad.numpy(), "grad/c_0": c0.grad.numpy()})
np.savez("torch_lstm.npz", **arrays)
names = [n for n, _ in lstm.named_parameters()]
json.dump({"provenance": {"framework": "torch " + torch.__version__},
           "model": {"kind": "torch.nn.LSTM", "input_size": 3, "hidden_size": 5, "num_layers": 2,
                     "batch_first": True, "weights": {n: n for n in names}, "x": "x",
                     "initial_state": ["h_0", "c_0"],
                     "upstream": {"outputs": "u_out", "final_state": ["u_h", "u_c"]}},
           "expected": {"outputs": "out", "final_state": ["h_n", "c_n"],
                        "gradients": {n: "grad/" + n for n in names + ["x", "h_0", "c_0"]}}},
          open("torch_lstm.model.json", "w"), indent=1)
