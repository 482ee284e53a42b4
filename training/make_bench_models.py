"""Writes random-weight IMHN models for benchmarks (not committed): .tmp/bench-models/{official,small}.onnx + cards.

    /usr/bin/python3 -m training.make_bench_models [--only small|official]
Weights use the official initialisation (conv N(0, 0.001²)); timings do not depend on weight values.
"""
import argparse
import os
import sys
import time

import torch

from .imhn.model import OFFICIAL_CONFIG, SMALL_CONFIG, PoseNet
from .export import main as export_main

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '.tmp', 'bench-models')


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument('--only', choices=['small', 'official'])
    a = p.parse_args(argv)
    os.makedirs(OUT, exist_ok=True)
    for name, cfg in [('small', SMALL_CONFIG), ('official', OFFICIAL_CONFIG)]:
        if a.only and a.only != name:
            continue
        onnx_path = os.path.join(OUT, name + '.onnx')
        if os.path.exists(onnx_path):
            continue
        t = time.time()
        torch.manual_seed(0)
        net = PoseNet(cfg, init_weights=True)
        ckpt = os.path.join(OUT, name + '.pth')
        torch.save({'weights': {'posenet.' + k: v for k, v in net.state_dict().items()}}, ckpt, _use_new_zipfile_serialization=False)
        export_main([ckpt, '--out', onnx_path])
        os.remove(ckpt)
        print(f'{name}: exported in {time.time() - t:.0f} s', file=sys.stderr)


if __name__ == '__main__':
    main()
