# Export a bidirectional two-layer torch.nn.LSTM and torch.nn.GRU to ONNX (torch.onnx.export),
# and save PyTorch's own numbers for every LSTM/GRU node of the exported graphs, keyed by the
# graph's tensor names: rnnref then checks that each exported node computes what PyTorch does.
import numpy as np, onnx, torch

torch.manual_seed(0)
T, B, I, H = 5, 2, 3, 4
x = torch.randn(T, B, I)

for name, cls in (("torch_lstm_export", torch.nn.LSTM), ("torch_gru_export", torch.nn.GRU)):
    m = cls(I, H, num_layers=2, bidirectional=True).eval()
    torch.onnx.export(m, (x,), name + ".onnx", input_names=["x"], dynamo=False, opset_version=17)
    nodes = [n for n in onnx.load(name + ".onnx").graph.node if n.op_type in ("LSTM", "GRU")]
    # PyTorch layer by layer: layer k's input is layer k−1's output (time-major [T, B, 2H])
    arrays, layer_in = {}, x
    with torch.no_grad():
        for k, node in enumerate(nodes):
            one = cls(layer_in.shape[-1], H, bidirectional=True)
            for suffix in ("", "_reverse"):
                for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    getattr(one, p + "_l0" + suffix).copy_(getattr(m, "%s_l%d%s" % (p, k, suffix)))
            out, state = one(layer_in)
            states = state if isinstance(state, tuple) else (state,)
            arrays[node.input[0]] = layer_in.numpy()                           # X
            for s_name, s in zip(node.input[5:7], states):                     # initial_h (initial_c): zeros
                if s_name:
                    arrays[s_name] = np.zeros((2, B, H), np.float32)
            arrays[node.output[0]] = out.reshape(T, B, 2, H).permute(0, 2, 1, 3).numpy()   # Y [T, 2, B, H]
            for o_name, s in zip(node.output[1:], states):                     # Y_h (Y_c) [2, B, H]
                arrays[o_name] = s.numpy()
            layer_in = out
    np.savez(name + ".npz", **arrays)
