#!/usr/bin/env bash
# The one prepared script for a lent GPU machine (device tool: PyTorch, no Node, no network, ≤ 10 min a command,
# ≤ 64 MiB carried each way). Run from the repository root there, with the carry folder built here first:
#   /usr/bin/python3 -m training.gpu_carry --out .tmp/gpu-carry --synth DIR --synth-count 650
#   device run: bash scripts/deviceRun.sh   (carry: [".tmp/gpu-carry"], timeout_s 590)
# It writes under $OUT what the device tool brings back (at most 8 files, each ≤ 16 MiB, ≤ 2 folders down):
# device.txt (GPU, driver, torch), torch-gpu.json (issue 13's GPU reference), run.log (both commands' output) and
# gpu-run/ (issue 14: the bundled model trained further on the carried mix: model.onnx + card, weights.pth,
# gpu_run.json). MINUTES sets the training time; CARRY the carry folder; QUICK=1 PY=/usr/bin/python3 tests it here.
set -uo pipefail
OUT="${OUT:-.tmp/device-out}"
CARRY="${CARRY:-.tmp/gpu-carry}"
mkdir -p "$OUT"
PY="${PY:-python3}"  # on the device, python3 has PyTorch; here: PY=/usr/bin/python3
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 || echo "no nvidia-smi"
  "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" 2>&1
} > "$OUT/device.txt"
timeout 150 "$PY" -m training.bench_torch_gpu ${QUICK:+--quick} --seconds-per-case 2 --out "$OUT/torch-gpu.json" > "$OUT/run.log" 2>&1
echo "bench exit $?" | tee -a "$OUT/run.log"
timeout $(( ${MINUTES:-6} * 60 + 120 )) "$PY" -m training.gpu_run --carry "$CARRY" --out "$OUT/gpu-run" \
  --minutes "${MINUTES:-6}" ${QUICK:+--batch 2 --max-steps 1 --input-size 128} >> "$OUT/run.log" 2>&1
code=$?
echo "gpu_run exit $code" | tee -a "$OUT/run.log"
tail -3 "$OUT/run.log"
exit $code
