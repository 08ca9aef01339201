"""Shared helpers for the fixture generators: exact JSON encoding and provenance."""
import json
import os
import platform
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, ".."))


def versions(*mods):
    """'numpy 2.4.6, tensorflow 2.21.0' for the modules given."""
    parts = []
    for m in mods:
        parts.append("%s %s" % (m.__name__, m.__version__))
    return ", ".join(parts)


def tensor(a, dtype=None):
    """A fixture tensor. Floats are written as the float64 value of the stored number, whose
    Python repr round-trips exactly (float32 values are exact in float64)."""
    a = np.asarray(a)
    if np.issubdtype(a.dtype, np.integer):
        return {"shape": list(a.shape), "dtype": "int64", "data": [int(v) for v in a.ravel()]}
    return {"shape": list(a.shape), "data": [float(v) for v in a.astype(np.float64).ravel()]}


def write(name, about, provenance, dtype, model, tensors, expected, tolerance=None, subdir="", tensors_file=None):
    doc = {
        "format": "rnnref-fixture/1",
        "name": name,
        "about": about,
        "provenance": dict(provenance, python=platform.python_version()),
        "dtype": dtype,
        "model": model,
        "tensors": {k: (v if isinstance(v, dict) else tensor(v)) for k, v in tensors.items()},
        "expected": expected,
    }
    if tolerance is not None:
        doc["tolerance"] = tolerance
    if tensors_file is not None:
        doc["tensors_file"] = tensors_file
    d = os.path.join(OUT, subdir)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, name + ".json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.relpath(path, OUT), file=sys.stderr)
