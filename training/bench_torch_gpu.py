"""The GPU reference the app's CUDA path will be held to (issue 13): IMHN network throughput in PyTorch for the
official-size, small and bundled-size models, FP32 and FP16 (autocast), batch 1 and 8, on a 512×512 input and on
the flip pair of a 640×480 photo at scale 1 (2×512×704×3, what the app feeds). Weights don't change timings.

    /usr/bin/python3 -m training.bench_torch_gpu [--out FILE.json] [--seconds-per-case 4] [--quick]

Runs on the CPU too (--quick, for the tests here); on a lent device it is one step of scripts/deviceRun.sh.
"""
import argparse
import json
import statistics
import sys
import time

import torch

from .imhn.model import OFFICIAL_CONFIG, SMALL_CONFIG, InferenceWrapper, PoseNet
from .train import CONFIGS

CASES = [('512x512', (1, 512, 512, 3)), ('512x512', (8, 512, 512, 3)), ('flip-pair 2x512x704', (2, 512, 704, 3))]


def time_case(net, shape, dtype, device, seconds, min_reps=3):
    x = torch.rand(*shape, device=device)
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    half = dtype if dtype != torch.float32 else (torch.float16 if device.type == 'cuda' else torch.bfloat16)
    with torch.no_grad(), torch.autocast(device_type=device.type, dtype=half, enabled=dtype != torch.float32):
        for _ in range(2):
            net(x)
        sync()
        times, t_end = [], time.perf_counter() + seconds
        while len(times) < min_reps or time.perf_counter() < t_end:
            t = time.perf_counter()
            net(x)
            sync()
            times.append(time.perf_counter() - t)
            if len(times) >= 200:
                break
    ms = statistics.median(times) * 1000
    return {'median_ms': round(ms, 3), 'reps': len(times), 'images_per_s': round(shape[0] * 1000 / ms, 1)}


def main(argv=None):
    p = argparse.ArgumentParser(prog='python3 -m training.bench_torch_gpu')
    p.add_argument('--out')
    p.add_argument('--seconds-per-case', type=float, default=4)
    p.add_argument('--quick', action='store_true', help='tiny inputs, one model: checks the script, not the device')
    a = p.parse_args(argv)
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    torch.backends.cudnn.benchmark = True
    models = [('official', OFFICIAL_CONFIG), ('small', SMALL_CONFIG), ('bundled-size (tiny)', CONFIGS['tiny'])]
    cases = CASES
    if a.quick:
        models, cases = [('bundled-size (tiny)', CONFIGS['tiny'])], [('64x64', (1, 64, 64, 3))]
    dtypes = [('fp32', torch.float32)] + ([('fp16', torch.float16)] if device.type == 'cuda' else [('bf16', torch.bfloat16)])
    rows = []
    for name, cfg in models:
        net = InferenceWrapper(PoseNet(cfg, init_weights=True)).eval().to(device)
        for dname, dtype in dtypes:
            for label, shape in cases:
                r = time_case(net, shape, dtype, device, 0.2 if a.quick else a.seconds_per_case)
                rows.append({'model': name, 'precision': dname, 'input': label, 'batch': shape[0], **r})
                print(json.dumps(rows[-1]), flush=True)
        del net
        if device.type == 'cuda':
            torch.cuda.empty_cache()
    info = {'device': torch.cuda.get_device_name(0) if device.type == 'cuda' else 'cpu', 'torch': torch.__version__,
            'cudnn_benchmark': True, 'rows': rows}
    if a.out:
        with open(a.out, 'w') as f:
            json.dump(info, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
