"""python3 -m training.recover_onnx MODEL.onnx --config tiny|small|official --out CHECKPOINT.pth [--calibrate COCO IMAGES]

Rebuilds a trainable checkpoint (official format) from an IMHN exported by `training.export`, for when the training
checkpoint is gone and only the shipped ONNX is left (the bundled model's last.pth was never committed).

The exporter folds each BatchNorm into the convolution before it (W' = W·γ/σ, b' = β − μ·γ/σ), so γ, β, μ and σ
cannot be separated again. The recovered network therefore keeps W' in the convolution and gives each BatchNorm
running statistics measured on real inputs (mean m and variance v of W'x per channel) with γ = √v and β = b' + m:
in eval mode the network is exactly the exported one ((W'x − m)/√v·√v + b' + m = W'x + b'), and in training mode,
where BatchNorm uses batch statistics ≈ (m, v), it starts from (almost) the same function instead of from scratch.

The export keeps only what the last stack's stride-4 output needs; the other heads (coarser scales of the last
stack) are not in the file and start from the official initialisation. `report` lists them.
"""
import argparse
import json
import sys

import numpy as np
import torch
from torch import nn

from .imhn.model import PoseNet
from .train import CONFIGS


class RecoverError(ValueError):
    pass


def module_path(node_name):
    """ONNX node name → module path: '/net/features.0/before_regress.0/before_regress.0.2/fc/fc.0/Gemm' →
    'features.0.before_regress.0.2.fc.0' (torch ≥ 1.13 names nodes by module scope; a child's scope repeats its
    parent's, so 'before_regress.0.2' under 'before_regress.0' is child '2')."""
    segments = node_name.strip('/').split('/')[:-1]
    if not segments or segments[0] != 'net':
        return None
    parts, prev = [], 'net'
    for seg in segments[1:]:
        parts.append(seg[len(prev) + 1:] if seg.startswith(prev + '.') else seg)
        prev = seg
    return '.'.join(parts)


def following_batchnorms(net, size=64):
    """conv module name → name of the BatchNorm that consumes its output directly (the pair the exporter folds)."""
    names = {m: n for n, m in net.named_modules()}
    produced, pairs = {}, {}

    def hook(m, inputs, output):
        if isinstance(m, nn.Conv2d):
            produced[id(output)] = names[m]
        elif isinstance(m, nn.BatchNorm2d) and id(inputs[0]) in produced:
            pairs[produced[id(inputs[0])]] = names[m]

    handles = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.BatchNorm2d))]
    net.eval()
    with torch.no_grad():
        net(torch.rand(1, size, size, 3))
    for h in handles:
        h.remove()
    return pairs


def onnx_weights(onnx_path):
    import onnx
    from onnx import numpy_helper
    model = onnx.load(onnx_path)
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    layers = {}
    for node in model.graph.node:
        if node.op_type not in ('Conv', 'Gemm'):
            continue
        path = module_path(node.name)
        if path is None:
            raise RecoverError(f'{onnx_path}: node {node.name} does not carry a module scope (not exported by training.export?)')
        w = inits.get(node.input[1])
        b = inits.get(node.input[2]) if len(node.input) > 2 else None
        if w is None:
            raise RecoverError(f'{onnx_path}: weights of {node.name} are not constant')
        layers[path] = (w, b)
    return layers


def recover(onnx_path, config, calibration_batches):
    """Returns (net, report). calibration_batches: iterable of NHWC float32 tensors in [0, 1]."""
    net = PoseNet(config, init_weights=True)
    modules = dict(net.named_modules())
    pairs = following_batchnorms(net)
    layers = onnx_weights(onnx_path)
    loaded, folded = set(), {}
    with torch.no_grad():
        for path, (w, b) in layers.items():
            m = modules.get(path)
            if m is None or tuple(m.weight.shape) != w.shape:
                have = None if m is None else tuple(m.weight.shape)
                raise RecoverError(f'{onnx_path}: layer {path} {w.shape} does not fit the {config} network ({have})')
            m.weight.copy_(torch.from_numpy(np.array(w)))
            loaded.add(path)
            bn_name = pairs.get(path)
            if bn_name is not None:
                bn = modules[bn_name]
                bn.weight.fill_(1.0)
                bn.bias.copy_(torch.from_numpy(np.array(b)) if b is not None else torch.zeros_like(bn.bias))
                bn.running_mean.zero_()
                bn.running_var.fill_(1.0 - bn.eps)
                folded[bn_name] = bn
                loaded.add(bn_name)
            elif b is not None:
                m.bias.copy_(torch.from_numpy(np.array(b)))
    # Measure each folded BatchNorm's input statistics; in eval mode the network is exactly the exported one, so one
    # pass over the calibration batches sees every layer's true inputs.
    sums = {n: [0.0, 0.0, 0] for n in folded}
    handles = []
    for n, bn in folded.items():
        def hook(m, inputs, _out, n=n):
            x = inputs[0].double()
            s = sums[n]
            s[0] = s[0] + x.sum((0, 2, 3))
            s[1] = s[1] + (x * x).sum((0, 2, 3))
            s[2] += x.numel() // x.shape[1]
        handles.append(bn.register_forward_hook(hook))
    net.eval()
    with torch.no_grad():
        for batch in calibration_batches:
            net(batch)
    for h in handles:
        h.remove()
    with torch.no_grad():
        for n, bn in folded.items():
            s1, s2, count = sums[n]
            if count == 0:
                continue
            mean = s1 / count
            var = (s2 / count - mean * mean).clamp(min=1e-4)
            bias = bn.bias.double().clone()
            bn.running_mean.copy_(mean.float())
            bn.running_var.copy_((var - bn.eps).clamp(min=1e-6).float())
            bn.weight.copy_(torch.sqrt(bn.running_var.double() + bn.eps).float())
            bn.bias.copy_((bias + mean).float())
    missing = sorted(n for n, m in modules.items() if isinstance(m, (nn.Conv2d, nn.Linear)) and n not in loaded)
    return net, {'layers_loaded': len(loaded), 'fresh_layers': missing}


def calibration_from_coco(coco_path, images_dir, input_size, count=32, batch=4, seed=0):
    from .data import CocoPoseDataset
    ds = CocoPoseDataset(coco_path, images_dir, input_size=input_size, seed=seed)
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(ds), size=min(count, len(ds)), replace=False)
    imgs = [ds[int(i)][0] for i in idx]
    return [torch.from_numpy(np.stack(imgs[i:i + batch])) for i in range(0, len(imgs), batch)]


def main(argv=None):
    p = argparse.ArgumentParser(prog='python3 -m training.recover_onnx', description=__doc__.split('\n\n')[1])
    p.add_argument('onnx')
    p.add_argument('--config', choices=sorted(CONFIGS), required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--calibrate', nargs=2, metavar=('COCO', 'IMAGES'), help='images for the BatchNorm statistics')
    p.add_argument('--input-size', type=int, default=256)
    a = p.parse_args(argv)
    if a.calibrate:
        batches = calibration_from_coco(a.calibrate[0], a.calibrate[1], a.input_size)
    else:
        batches = [torch.rand(4, a.input_size, a.input_size, 3) for _ in range(4)]
    try:
        net, report = recover(a.onnx, CONFIGS[a.config], batches)
    except (RecoverError, OSError) as e:
        print(f'recover_onnx: {e}', file=sys.stderr)
        return 3
    torch.save({'weights': {'posenet.' + k: v for k, v in net.state_dict().items()}, 'epoch': 0, 'step': 0,
                'config': CONFIGS[a.config].to_dict(), 'recovered_from': a.onnx}, a.out)
    print(json.dumps({'out': a.out, 'layers_loaded': report['layers_loaded'], 'fresh_layers': report['fresh_layers']}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
