#!/usr/bin/env bash
# Creates (once) the Python reference environment that the format, backend and bench checks run
# against: TensorFlow 2.21 with Keras 3, ONNX Runtime, TensorBoard, PyTorch 2.13, h5py and onnx.
# Where it lives: $KERATS_PYREF, else ~/.cache/kerats/pyref. A second call only checks it.
# Where pip cannot install these (no wheels, no network), it says so and exits 0: the tests that
# need it skip with that reason printed.
set -uo pipefail
dir="${KERATS_PYREF:-$HOME/.cache/kerats/pyref}"
py="$dir/bin/python"
check='import tensorflow, keras, onnxruntime, tensorboard, torch, h5py, onnx'
if [ -x "$py" ] && "$py" -c "$check" >/dev/null 2>&1; then
  echo "== Python reference: $dir (ready)"
  exit 0
fi
base="${KERATS_PYREF_PYTHON:-python3}"
if ! command -v "$base" >/dev/null 2>&1; then
  echo "== Python reference: skipped ($base not found)"
  exit 0
fi
echo "== Python reference: creating $dir"
rm -rf "$dir.partial"
"$base" -m venv "$dir.partial" || { echo "== Python reference: skipped ($base -m venv failed)"; rm -rf "$dir.partial"; exit 0; }
# A pip configured with local file:// indexes (a wheel mirror) is pointed at the first of them as
# its main index, so that it does not spend minutes retrying an index it cannot reach.
args=(--retries 1 --timeout 20)
local_index=$("$dir.partial/bin/pip" config list 2>/dev/null | grep -o "file://[^' ]*" | head -n 1 || true)
if [ -n "$local_index" ]; then export PIP_INDEX_URL="$local_index"; fi
if "$dir.partial/bin/pip" install "${args[@]}" -q \
    tensorflow-cpu==2.21.0 onnxruntime tensorboard torch==2.13.0 h5py onnx 2>&1 | grep -v "is ignored: it is neither"; then :; fi
if "$dir.partial/bin/python" -c "$check" >/dev/null 2>&1; then
  rm -rf "$dir" && mv "$dir.partial" "$dir"
  echo "== Python reference: ready at $dir"
else
  rm -rf "$dir.partial"
  echo "== Python reference: skipped (pip could not install tensorflow-cpu 2.21, onnxruntime, tensorboard, torch 2.13)"
fi
exit 0
