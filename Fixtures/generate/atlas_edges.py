"""Edge cases the cross-framework atlas (`rnnref atlas`) needs that the other generators do not
write: Keras' row whose mask is all False, and PyTorch's refusal of a length-0 row in
`pack_padded_sequence` (a *refusal record* under refusals/: the model and inputs as a fixture,
and in `expected.refused` the framework's own error message; rnnref must refuse them too).

Run with the pinned versions of requirements.txt:  python atlas_edges.py
"""
import os

os.environ.pop("TF_USE_LEGACY_KERAS", None)
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence

import common
import keras_rnn


def keras_empty_row():
    # row 1's mask is all False: Keras computes nothing for it
    mask = [[1, 1, 1, 0], [0, 0, 0, 0], [1, 0, 1, 1]]
    keras_rnn.run_case("keras-lstm-mask-empty-row-f64",
                       "keras.layers.LSTM(3, return_sequences=True, return_state=True) with a mask whose second row is all "
                       "False: that row's outputs are 0 and its final state is its initial state (float64).",
                       "keras.LSTM", lambda d: keras.layers.LSTM(3, return_sequences=True, return_state=True, dtype=d),
                       {"units": 3}, 4, 3, 2, "float64", 111, "“Recurrent Neural Networks (RNN) with Keras” (003)",
                       n_states=2, mask=mask)


def torch_zero_length_refused():
    rng = np.random.RandomState(112)
    T, B, I, H = 3, 2, 2, 3
    module = torch.nn.LSTM(I, H).to(torch.float64)
    tensors = {}
    with torch.no_grad():
        for n, p in module.named_parameters():
            v = rng.uniform(-0.6, 0.6, size=tuple(p.shape))
            p.copy_(torch.from_numpy(v))
            tensors[n] = v
    x = rng.uniform(-1, 1, size=(T, B, I))
    lengths = [3, 0]
    try:
        packed = pack_padded_sequence(torch.from_numpy(x), torch.tensor(lengths, dtype=torch.int64), enforce_sorted=False)
        module(packed)
        raise SystemExit("PyTorch accepted a length-0 row: the atlas's claim no longer holds")
    except RuntimeError as e:
        message = str(e).strip().splitlines()[0]
    tensors["x"] = x
    tensors["lengths"] = np.asarray(lengths, dtype=np.int64)
    model = {"kind": "torch.nn.LSTM", "input_size": I, "hidden_size": H, "num_layers": 1, "bias": True, "batch_first": False,
             "proj_size": 0, "weights": {n: n for n, _ in module.named_parameters()}, "x": "x", "lengths": "lengths"}
    common.write("torch-lstm-packed-zero-length-refused",
                 "torch.nn.LSTM(2, 3) on pack_padded_sequence(x, lengths=[3, 0], enforce_sorted=False): PyTorch refuses a "
                 "length-0 row (expected.refused is its message)",
                 {"generator": "Fixtures/generate/atlas_edges.py", "framework": common.versions(np, torch), "seed": 112},
                 "float64", model, tensors, {"refused": message}, subdir="refusals")


if __name__ == "__main__":
    keras_empty_row()
    torch_zero_length_refused()
