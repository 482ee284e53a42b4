#!/usr/bin/env bash
# The one prepared script for a lent GPU machine (device tool: PyTorch, no Node, no network, ≤ 10 min a command,
# ≤ 64 MiB carried each way). Run from the repository root there, with the carry folder built here first:
#   /usr/bin/python3 -m training.gpu_carry --out .tmp/gpu-carry --synth DIR --synth-count 650
#   device run: bash scripts/deviceRun.sh   (carry: [".tmp/gpu-carry"], timeout_s 590)
# It writes under $OUT: torch-gpu.json (issue 13's GPU reference) and gpu-run/ (issue 14: the bundled model trained
# further on the carried mix; model.onnx + card, weights.pth, train.log). MINUTES sets the training time.
set -uo pipefail
OUT="${OUT:-.tmp/device-out}"
mkdir -p "$OUT"
PY="${PY:-python3}"  # on the device, python3 has PyTorch; here: PY=/usr/bin/python3
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/nvidia-smi.csv" 2>&1 || true
"$PY" -c "import torch; print(torch.__version__, torch.cuda.is_available())" > "$OUT/torch.txt" 2>&1
timeout 150 "$PY" -m training.bench_torch_gpu ${QUICK:+--quick} --seconds-per-case 2 --out "$OUT/torch-gpu.json" > "$OUT/torch-gpu.log" 2>&1
echo "bench exit $?"
timeout $(( ${MINUTES:-6} * 60 + 120 )) "$PY" -m training.gpu_run --carry .tmp/gpu-carry --out "$OUT/gpu-run" \
  --minutes "${MINUTES:-6}" ${QUICK:+--batch 2 --max-steps 1 --input-size 128} > "$OUT/gpu-run.log" 2>&1
echo "gpu_run exit $?"
tail -3 "$OUT/gpu-run.log"
