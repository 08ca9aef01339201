"""`.npy` / `.npz` files written by numpy itself, for the readers' tests (Fixtures/npy/): every
dtype rnnref reads (float32, float64, int32, int64) in both byte orders, C and Fortran order,
format versions 1.0, 2.0 and 3.0; `np.savez` and `np.savez_compressed` archives; files rnnref
must refuse (complex, bool, structured, object, a bad magic); and a fixture whose tensors live in
a sidecar `.npz` (`tensors_file`). `expected.json` holds each array's values in C order, as
numpy's own `tolist()` gives them.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "npy"))
os.makedirs(OUT, exist_ok=True)
expected = {}
base = (np.arange(24).reshape(2, 3, 4) - 7)
for code in ["f4", "f8", "i4", "i8"]:
    for order_mark, order_name in [("<", "little"), (">", "big")]:
        for fortran in [False, True]:
            for version in [(1, 0), (2, 0), (3, 0)]:
                a = (base * (0.25 if code[0] == "f" else 1)).astype(order_mark + code)
                if fortran:
                    a = np.asfortranarray(a)
                name = "%s-%s-%s-v%d.npy" % (code, order_name, "F" if fortran else "C", version[0])
                with open(os.path.join(OUT, name), "wb") as f:
                    np.lib.format.write_array(f, a, version=version)
                expected[name] = {"shape": list(a.shape), "data": a.ravel(order="C").tolist()}
for name, a in [("scalar-f8.npy", np.array(3.5)), ("empty-f4.npy", np.zeros((0, 3), np.float32)),
                ("vector-i8.npy", np.array([1, -2, 2**40], np.int64))]:
    np.save(os.path.join(OUT, name), a)
    expected[name] = {"shape": list(a.shape), "data": a.ravel().tolist()}
rng = np.random.RandomState(5)
arrs = {"kernel": rng.randn(3, 4), "bias": rng.randn(4).astype(np.float32), "ids": np.array([3, 1, 2])}
np.savez(os.path.join(OUT, "stored.npz"), **arrs)
np.savez_compressed(os.path.join(OUT, "compressed.npz"), **arrs)
for k, a in arrs.items():
    expected["npz:" + k] = {"shape": list(a.shape), "data": a.ravel().tolist()}
# what must be refused, with a reason
np.save(os.path.join(OUT, "bad-complex.npy"), np.array([1 + 2j]))
np.save(os.path.join(OUT, "bad-bool.npy"), np.array([True, False]))
np.save(os.path.join(OUT, "bad-structured.npy"), np.zeros(2, dtype=[("a", "<f8"), ("b", "<i4")]))
np.save(os.path.join(OUT, "bad-object.npy"), np.array([{"x": 1}], dtype=object), allow_pickle=True)
with open(os.path.join(OUT, "bad-magic.npy"), "wb") as f:
    f.write(b"NUMPY\x01\x00garbage")
with open(os.path.join(OUT, "bad-truncated.npy"), "wb") as f:
    buf = open(os.path.join(OUT, "f8-little-C-v1.npy"), "rb").read()
    f.write(buf[:-9])
with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump(expected, f, indent=0, sort_keys=True)
    f.write("\n")

# a fixture whose tensors live in a sidecar .npz
src = os.path.join(HERE, "..", "tf-basicrnn-f64-lengths.json")
doc = json.load(open(src))
tensors = doc.pop("tensors")
np.savez(os.path.join(HERE, "..", "tf-basicrnn-f64-lengths-sidecar.npz"),
         **{k: np.array(v["data"], dtype=np.int64 if v.get("dtype") == "int64" else np.float64).reshape(v["shape"]) for k, v in tensors.items()})
doc["tensors_file"] = "tf-basicrnn-f64-lengths-sidecar.npz"
doc["name"] = "tf-basicrnn-f64-lengths-sidecar"
doc["about"] = "tf-basicrnn-f64-lengths with every tensor in a sidecar .npz (tensors_file)"
doc["provenance"]["sidecar_by"] = "Fixtures/generate/npy_files.py, numpy " + np.__version__
with open(os.path.join(HERE, "..", "tf-basicrnn-f64-lengths-sidecar.json"), "w") as f:
    json.dump(doc, f, separators=(",", ":"))
    f.write("\n")
print("wrote", len(expected), "arrays")
