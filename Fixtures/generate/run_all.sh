#!/usr/bin/env bash
# Regenerates every committed fixture from the real frameworks, with the pinned versions of
# requirements.txt in a virtualenv of its own (Fixtures/generate/.venv, not committed).
# Needs PyPI; takes a few minutes (TensorFlow is large). Tests never run this.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/pip install -q -r requirements.txt
fi
.venv/bin/python numpy_examples.py
TF_USE_LEGACY_KERAS=1 .venv/bin/python tf_dynamic_rnn.py
.venv/bin/python keras_rnn.py
.venv/bin/python keras_models.py
TF_USE_LEGACY_KERAS=1 .venv/bin/python keras_nested.py
.venv/bin/python torch_rnn.py
.venv/bin/python onnx_rnn.py
.venv/bin/python flax_rnn.py
.venv/bin/python atlas_edges.py
TF_USE_LEGACY_KERAS=1 .venv/bin/python training.py
.venv/bin/python npy_files.py
# The min-char-rnn transcripts: numpy on the *system* OpenBLAS (Debian's python3-numpy links
# it, as rnnref does) with numpy's SIMD loops limited to its baseline, so that np.tanh is libm's
# tanh; then the Swift program prints the same lines bit for bit (see Fixtures/README.md).
command -v /usr/bin/python3 >/dev/null && /usr/bin/python3 -c "import numpy" 2>/dev/null || sudo apt-get install -y python3-numpy
export OPENBLAS_CORETYPE=Haswell     # the kernels openblas-env.sh pins for the tests
export NPY_DISABLE_CPU_FEATURES="FMA3 AVX2 AVX512F AVX512CD AVX512_KNL AVX512_KNM AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL"
/usr/bin/python3 min_char_rnn_program.py --text ../data/sonnets.txt --seed 7 --iterations 1001 --log-every 100 > ../programs/min-char-rnn-sonnets-seed7.txt
/usr/bin/python3 min_char_rnn_program.py --text ../data/sonnets.txt --seed 2026 --iterations 3001 --log-every 500 > ../programs/min-char-rnn-sonnets-seed2026.txt
