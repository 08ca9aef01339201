# Export a trained bidirectional torch.nn.GRU run on a padded batch the way PyTorch users run one
# (pack_padded_sequence → module → pad_packed_sequence), with PyTorch's outputs and gradients.
import json, numpy as np, torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.manual_seed(0)
gru = torch.nn.GRU(input_size=3, hidden_size=4, num_layers=2, batch_first=True, bidirectional=True).double()
opt = torch.optim.Adam(gru.parameters(), lr=0.01)
for _ in range(20):                                   # "train" a little on a toy target
    x = torch.randn(4, 6, 3, dtype=torch.float64)
    loss = (gru(x)[0].sum(-1) - x.sum(-1)).pow(2).mean()
    opt.zero_grad(); loss.backward(); opt.step()

x = torch.randn(3, 7, 3, dtype=torch.float64, requires_grad=True)     # the padded batch to check
lengths = torch.tensor([5, 2, 6])                                     # unsorted: enforce_sorted=False
h0 = torch.randn(4, 3, 4, dtype=torch.float64, requires_grad=True)    # [num_layers·2, B, H]
packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
out, hn = gru(packed, h0)
out, _ = pad_packed_sequence(out, batch_first=True)                   # [3, 6, 8]: max(lengths) steps
u_out, u_h = torch.randn_like(out), torch.randn_like(hn)
gru.zero_grad()
((out * u_out).sum() + (hn * u_h).sum()).backward()                   # L = Σ out⊙u + Σ h_n⊙u_h

arrays = {n: p.detach().numpy() for n, p in gru.named_parameters()}   # ..._l0, ..._l0_reverse, ...
arrays.update({"grad/" + n: p.grad.numpy() for n, p in gru.named_parameters()})
arrays.update(x=x.detach().numpy(), h_0=h0.detach().numpy(), lengths=lengths.numpy(),
              out=out.detach().numpy(), h_n=hn.detach().numpy(), u_out=u_out.numpy(), u_h=u_h.numpy(),
              **{"grad/x": x.grad.numpy(), "grad/h_0": h0.grad.numpy()})
np.savez("torch_bidirectional_packed.npz", **arrays)
names = [n for n, _ in gru.named_parameters()]
json.dump({"provenance": {"framework": "torch " + torch.__version__},
           "model": {"kind": "torch.nn.GRU", "input_size": 3, "hidden_size": 4, "num_layers": 2,
                     "batch_first": True, "bidirectional": True, "weights": {n: n for n in names},
                     "x": "x", "lengths": "lengths", "initial_state": ["h_0"],
                     "upstream": {"outputs": "u_out", "final_state": ["u_h"]}},
           "expected": {"outputs": "out", "final_state": ["h_n"],
                        "gradients": {n: "grad/" + n for n in names + ["x", "h_0"]}}},
          open("torch_bidirectional_packed.model.json", "w"), indent=1)
