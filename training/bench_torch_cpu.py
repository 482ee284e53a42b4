"""Times the same IMHN networks in PyTorch on the CPU (the Python-side comparison available here: Debian has no
onnxruntime for Python and PyPI is unreachable). Same input as bench/inferBench.ts: 2×512×704×3 (640×480 photo,
single scale + flip).

    /usr/bin/python3 -m training.bench_torch_cpu
"""
import json
import statistics
import time

import torch

from .imhn.model import OFFICIAL_CONFIG, SMALL_CONFIG, InferenceWrapper, PoseNet


def main():
    torch.set_num_threads(2)
    x = torch.rand(2, 512, 704, 3)
    for name, cfg, reps in [('small', SMALL_CONFIG, 7), ('official', OFFICIAL_CONFIG, 3)]:
        net = InferenceWrapper(PoseNet(cfg, init_weights=True)).eval()
        with torch.no_grad():
            net(x)
            times = []
            for _ in range(reps):
                t = time.perf_counter()
                net(x)
                times.append((time.perf_counter() - t) * 1000)
        print(json.dumps({'model': name, 'torch': torch.__version__, 'threads': torch.get_num_threads(), 'input': '2x512x704x3', 'reps': reps, 'median_ms': statistics.median(times)}))


if __name__ == '__main__':
    main()
