"""python3 -m training.gpu_run --carry .tmp/gpu-carry --out $OUT [--minutes 7] [--init-onnx M.onnx | --init CKPT]

The prepared run for a lent GPU (PyTorch there, no Node, no network, ≤ 10 minutes a command, ≤ 64 MiB back):
continue training the bundled model (recovered from its ONNX, or a checkpoint) on the carried mix with AMP and
data workers on the device's cores, for a fixed time, then write to OUT what comes back and nothing else: model.onnx
+ card, weights.pth (weights only, in float16, no optimiser state: the device tool brings back files of ≤ 16 MiB),
gpu_run.json and the training log. The checkpoints and the recovered init stay in a work folder outside OUT.
Tested here on the CPU with a tiny budget (training/tests).
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

import torch

from . import train
from .recover_onnx import calibration_from_coco, recover

RETURN_FILE_BYTES = 16 * 2 ** 20  # the device tool brings back files of at most 16 MiB


def main(argv=None):
    p = argparse.ArgumentParser(prog='python3 -m training.gpu_run', description=__doc__.split('\n\n')[1])
    p.add_argument('--carry', default='.tmp/gpu-carry')
    p.add_argument('--out', required=True)
    p.add_argument('--minutes', type=float, default=7)
    p.add_argument('--max-steps', type=int, default=None)
    p.add_argument('--init-onnx', default='resources/models/imhn-synth-tiny.onnx')
    p.add_argument('--init', help='a checkpoint to start from instead of the ONNX')
    p.add_argument('--config', default='tiny', choices=sorted(train.CONFIGS))
    p.add_argument('--input-size', type=int, default=256)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--loss', default='l2', choices=['l2', 'focal'])
    p.add_argument('--workers', type=int, default=None)
    p.add_argument('--work', help='keep the checkpoints and the init here (default: a temporary folder, removed at the end)')
    a = p.parse_args(argv)
    mix = os.path.join(a.carry, 'mix.json')
    if not os.path.exists(mix):
        print(f'gpu_run: {mix} is missing; build it with python3 -m training.gpu_carry', file=sys.stderr)
        return 3
    os.makedirs(a.out, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='gpu-run-') as tmp:  # never under OUT: everything there travels back
        work = a.work or tmp
        os.makedirs(work, exist_ok=True)
        return run(a, mix, work)


def run(a, mix, work):
    t0 = time.time()
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    info = {'device': torch.cuda.get_device_name(0) if device == 'cuda' else 'cpu', 'torch': torch.__version__,
            'cores': os.cpu_count()}
    init = a.init
    if not init:
        with open(mix) as f:
            first = next(s for s in json.load(f)['sources'] if s['kind'] == 'coco')
        calib = calibration_from_coco(os.path.join(a.carry, first['coco']), os.path.join(a.carry, first['images']), a.input_size)
        net, report = recover(a.init_onnx, train.CONFIGS[a.config], calib)
        init = os.path.join(work, 'init.pth')
        torch.save({'weights': {'posenet.' + k: v for k, v in net.state_dict().items()}}, init)
        info['recovered_layers'] = report['layers_loaded']
    workers = a.workers if a.workers is not None else max(0, min(12, (os.cpu_count() or 1) - 2))
    args = ['--mix', mix, '--config', a.config, '--init', init, '--out', os.path.join(work, 'run'), '--input-size',
            str(a.input_size), '--batch', str(a.batch), '--lr', str(a.lr), '--loss', a.loss, '--epochs', '1000',
            '--max-minutes', str(a.minutes), '--checkpoint-minutes', '2', '--workers', str(workers)]
    if a.max_steps:
        args += ['--max-steps', str(a.max_steps)]
    code = train.main(args)
    run = os.path.join(work, 'run')
    if code == 0:
        ck = torch.load(os.path.join(run, 'last.pth'), map_location='cpu')
        half = {k: v.half() if v.is_floating_point() else v for k, v in ck['weights'].items()}
        torch.save({'weights': half, 'dtype': 'float16', 'epoch': ck['epoch'], 'step': ck['step'], 'config': ck['config']},
                   os.path.join(a.out, 'weights.pth'))
        for name in ('model.onnx', 'model.card.json', 'train.log'):
            shutil.copyfile(os.path.join(run, name), os.path.join(a.out, name))
    too_big = sorted(n for n in os.listdir(a.out) if os.path.getsize(os.path.join(a.out, n)) > RETURN_FILE_BYTES)
    if too_big:
        print(f'gpu_run: {", ".join(too_big)} over {RETURN_FILE_BYTES >> 20} MiB: the device tool will not bring it back', file=sys.stderr)
    info.update({'exit': code, 'seconds': round(time.time() - t0), 'workers': workers, 'too_big_to_return': too_big, 'args': args})
    with open(os.path.join(a.out, 'gpu_run.json'), 'w') as f:
        json.dump(info, f, indent=1)
    print(json.dumps(info))
    return code


if __name__ == '__main__':
    sys.exit(main())
