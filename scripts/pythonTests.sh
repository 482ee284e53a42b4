#!/usr/bin/env bash
# The training/ tests, with Debian's PyTorch (the python3 first on PATH cannot see it). Installs the Debian
# packages when this runs as root with apt; otherwise says exactly what is missing and fails.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
PKGS="python3-torch python3-onnx python3-pytest python3-numpy python3-opencv"
have() { [ -x "$PY" ] && "$PY" -c "import torch, onnx, pytest, numpy, cv2" 2>/dev/null; }
if ! have; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian packages for the training tests: $PKGS"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $PKGS >/dev/null
  fi
fi
if ! have; then
  echo "training tests: missing Debian packages; install them with: sudo apt-get install -y $PKGS" >&2
  echo "(needed: $PY with torch, onnx, pytest, numpy and cv2 importable)" >&2
  exit 1
fi
source scripts/testTmp.sh
"$PY" -m pytest -q -p no:cacheprovider training/tests "$@"
