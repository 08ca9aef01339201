#!/usr/bin/env python3
"""rnnref's benchmark beside PyTorch and TensorFlow/Keras, and beside OpenBLAS itself.

For every case (cell, dtype, pass, shape) it runs, interleaved and in rotating order,
  - `rnnref bench --impl blas` (ours),
  - `rnnref bench --gemm-only` (OpenBLAS sgemm/dgemm on exactly our step shapes: the hardware
    reference; GFLOP/s counted the same way),
  - torch.nn.LSTM/GRU/RNN, keras.layers.LSTM/GRU/SimpleRNN and an onnxruntime session of one
    ONNX LSTM/GRU/RNN node (forward, float32 only) (peer.py workers),
all with the same thread count (`forward` is inference for everyone: ours `DynamicRNN.infer`, no
tape; PyTorch under torch.no_grad(); `train` is a forward pass keeping what BPTT needs plus the
backward pass with every gradient), and prints one markdown table of ratios:
  torch/ours, tf/ours and ort/ours = peer time / our time (> 1: we are faster);
  ours/GEMM = our GFLOP/s / OpenBLAS GEMM GFLOP/s on the same step shapes;
  ours/peak = our GFLOP/s / the machine's peak (OpenBLAS GEMM at 1024³, same threads, same dtype);
  peak/activations = peak memory of our train pass (after a warm-up pass) / the activations BPTT
    must keep, and in brackets the same without what the pass returns (dX and the gradients).
Each time is the median of --repeat runs after a warm-up; with --rounds > 1 the best round.

    Benchmarks/run.py --install          # make Benchmarks/.venv with the peers (PyPI)
    Benchmarks/run.py                    # every shape, cell, dtype and pass (about an hour)
    Benchmarks/run.py --quick            # (64, 100, 256, 256) only
    Benchmarks/run.py --bidirectional    # both directions of every case (torch bidirectional=True, …)
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHAPES = [(64, 100, 256, 256), (64, 100, 512, 512), (1, 100, 128, 128), (16, 500, 64, 1024), (1, 100, 1024, 1024)]

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--install", action="store_true", help="create Benchmarks/.venv with requirements.txt and exit")
ap.add_argument("--python", default=os.path.join(HERE, ".venv", "bin", "python"), help="the peers' interpreter")
ap.add_argument("--threads", type=int, default=os.cpu_count())
ap.add_argument("--quick", action="store_true", help="the first shape only")
ap.add_argument("--shapes", help="only these shapes, e.g. 1,100,128,128;64,100,256,256 (B,T,I,H)")
ap.add_argument("--cells", default="lstm,gru,rnn")
ap.add_argument("--dtypes", default="float32,float64")
ap.add_argument("--passes", default="forward,train")
ap.add_argument("--repeat", type=int, default=5)
ap.add_argument("--rounds", type=int, default=1)
ap.add_argument("--settle", type=float, default=1.0,
                help="seconds of quiet before each runner, so that the previous one's spinning threads "
                     "(OpenBLAS's, onnxruntime's, OpenMP's) have gone to sleep")
ap.add_argument("--peers", default="torch,tf,ort", help="comma list of torch, tf, ort (onnxruntime) (empty: none)")
ap.add_argument("--no-scalar", action="store_true", help="skip the scalar reference rows")
ap.add_argument("--bidirectional", action="store_true",
                help="every case bidirectional: ours `bench --bidirectional` (the directions side by side), the peers' "
                     "bidirectional layers; work and memory count both directions")
ap.add_argument("--out", help="also write the table (markdown) here")
ap.add_argument("--jsonl", help="append every measurement as a JSON line here")
args = ap.parse_args()

if args.install:
    venv = os.path.join(HERE, ".venv")
    subprocess.check_call([sys.executable, "-m", "venv", venv])
    subprocess.check_call([os.path.join(venv, "bin", "pip"), "install", "-q", "-r", os.path.join(HERE, "requirements.txt")])
    print("peers installed in", venv)
    sys.exit(0)

subprocess.check_call(["swift", "build", "-c", "release", "--product", "rnnref"], cwd=ROOT,
                      stdout=subprocess.DEVNULL)
RNNREF = os.path.join(ROOT, ".build", "release", "rnnref")
peers = [p for p in args.peers.split(",") if p]
if peers and not os.path.exists(args.python):
    sys.exit(f"run.py: error: no peer interpreter at {args.python} (run Benchmarks/run.py --install, or --peers '')")

workers = {}
for p in peers:
    w = subprocess.Popen([args.python, os.path.join(HERE, "peer.py"), p, str(args.threads)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    ready = json.loads(w.stdout.readline())
    workers[p] = (w, ready["ready"])


def ours(case, gemm=False, impl="blas", repeat=None, one_at_a_time=False):
    cmd = [RNNREF, "bench", "--cell", case["cell"], "--impl", impl, "--dtype", case["dtype"], "--batch", str(case["batch"]),
           "--steps", str(case["steps"]), "--input", str(case["input"]), "--hidden", str(case["hidden"]),
           "--pass", case["pass"], "--threads", str(args.threads), "--repeat", str(repeat or args.repeat), "--json"]
    if gemm:
        cmd.append("--gemm-only")
    if case.get("bidirectional"):
        cmd.append("--bidirectional")
    if one_at_a_time:
        cmd.append("--one-direction-at-a-time")
    return json.loads(subprocess.check_output(cmd, text=True).strip().splitlines()[-1])


def peer(name, case):
    w = workers[name][0]
    w.stdin.write(json.dumps(dict(case, threads=args.threads, repeat=args.repeat)) + "\n")
    w.stdin.flush()
    return json.loads(w.stdout.readline())


def flops(c):
    g = {"lstm": 4, "gru": 3, "rnn": 1}[c["cell"]]
    f = 2.0 * c["steps"] * c["batch"] * (c["input"] + c["hidden"]) * g * c["hidden"] * (2 if c.get("bidirectional") else 1)
    return f * (3 if c["pass"] == "train" else 1)


rows = []
log = open(args.jsonl, "a") if args.jsonl else None
shapes = SHAPES[:1] if args.quick else SHAPES
if args.shapes:
    shapes = [tuple(int(v) for v in s.split(",")) for s in args.shapes.split(";")]
for (b, t, i, h) in shapes:
    for cell in args.cells.split(","):
        for dtype in args.dtypes.split(","):
            for ps in args.passes.split(","):
                case = {"cell": cell, "dtype": dtype, "batch": b, "steps": t, "input": i, "hidden": h, "pass": ps}
                if args.bidirectional:
                    case["bidirectional"] = True
                runners = [("ours", lambda: ours(case)), ("gemm", lambda: ours(case, gemm=True))]
                if args.bidirectional:       # ours with the directions one after the other, as before
                    runners.append(("seq", lambda: ours(case, one_at_a_time=True)))
                runners += [(p, (lambda p=p: peer(p, case))) for p in peers]
                best = {}
                for r in range(args.rounds):
                    order = runners[r % len(runners):] + runners[:r % len(runners)]   # rotate: no one always first
                    for name, run in order:
                        time.sleep(args.settle)
                        res = run()
                        if log:
                            log.write(json.dumps(dict(case, who=name, round=r, **res)) + "\n")
                        if res.get("median_ms") is None:        # the peer does not run this case
                            continue
                        if name not in best or res["median_ms"] < best[name]["median_ms"]:
                            best[name] = res
                row = dict(case, **{k + "_ms": v["median_ms"] for k, v in best.items()})
                row["peak_gflops"] = best["ours"].get("peak_gflops")
                row["peak_mb"] = best["ours"].get("peak_mb")
                row["activations_mb"] = best["ours"].get("activations_mb")
                row["returned_mb"] = best["ours"].get("returned_mb")
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)

scalar_rows = []
if not args.no_scalar and not args.bidirectional:
    b, t, i, h = SHAPES[0]
    for ps in args.passes.split(","):
        case = {"cell": "lstm", "dtype": "float64", "batch": b, "steps": t, "input": i, "hidden": h, "pass": ps}
        r = ours(case, impl="scalar", repeat=1)
        scalar_rows.append(dict(case, ms=r["median_ms"], gflops=r["gflops"]))

for w, _ in workers.values():
    w.stdin.close()


def fmt(x, spec=".2f"):
    return "-" if x is None else format(x, spec)


cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
columns = (["seq"] if args.bidirectional else []) + peers
lines = [f"Measured {datetime.date.today()} on {cpu}, {os.cpu_count()} CPUs, {args.threads} threads everywhere; "
         f"rnnref {subprocess.check_output(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, text=True).strip()} with "
         f"system OpenBLAS; " + "; ".join(v for _, v in workers.values()) + ". "
         + ("Every case is bidirectional (both directions, outputs concatenated): ours runs the directions side by side, "
            "seq is ours with them one after the other (each with the workers a one-direction pass takes, as before). " if args.bidirectional else "")
         + f"Times are medians of {args.repeat} runs after a warm-up" + (f", best of {args.rounds} interleaved rounds" if args.rounds > 1 else ", interleaved") + ".",
         "",
         "| cell | dtype | pass | B, T, I, H | ours ms | GFLOP/s | " + " | ".join(f"{p} ms" for p in columns) + " | "
         + " | ".join(f"{p}/ours" for p in columns) + " | ours/GEMM | ours/peak | peak/activations |",
         "|" + " --- |" * (9 + 2 * len(columns))]
for r in rows:
    o = r["ours_ms"]
    gf = flops(r) / (o / 1000) / 1e9
    gemm = r["gemm_ms"]
    mem = (f"{r['peak_mb']:.0f}/{r['activations_mb']:.0f} MB = {r['peak_mb'] / r['activations_mb']:.2f}"
           + (f" ({(r['peak_mb'] - r['returned_mb']) / r['activations_mb']:.2f})" if r.get("returned_mb") is not None else "")) if r.get("peak_mb") else "-"
    lines.append(f"| {r['cell']} | {r['dtype']} | {r['pass']} | {r['batch']}, {r['steps']}, {r['input']}, {r['hidden']} | "
                 f"{o:.1f} | {gf:.1f} | " + " | ".join(fmt(r.get(p + '_ms'), '.1f') for p in columns) + " | "
                 + " | ".join(fmt(r[p + '_ms'] / o if r.get(p + '_ms') else None) for p in columns)
                 + f" | {gemm / o:.2f} | {fmt(gf / r['peak_gflops'] if r.get('peak_gflops') else None)} | {mem} |")
if scalar_rows:
    lines += ["", "| scalar reference | dtype | pass | B, T, I, H | ms | GFLOP/s |", "| --- | --- | --- | --- | --- | --- |"]
    for r in scalar_rows:
        lines.append(f"| lstm | {r['dtype']} | {r['pass']} | {r['batch']}, {r['steps']}, {r['input']}, {r['hidden']} | {r['ms']:.0f} | {r['gflops']:.2f} |")
text = "\n".join(lines)
print(text)
if args.out:
    open(args.out, "w").write(text + "\n")
