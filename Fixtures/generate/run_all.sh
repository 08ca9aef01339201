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
.venv/bin/python torch_rnn.py
TF_USE_LEGACY_KERAS=1 .venv/bin/python training.py
.venv/bin/python min_char_rnn_program.py --text ../data/sonnets.txt --seed 7 --iterations 1001 --log-every 100 > ../programs/min-char-rnn-sonnets-seed7.txt
