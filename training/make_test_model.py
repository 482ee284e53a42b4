"""Regenerates test/fixtures/model: a tiny IMHN (official family, non-trivial random weights) in the official
checkpoint format, its ONNX export + card, an input and PyTorch's output for it.

    /usr/bin/python3 -m training.make_test_model
Used by the Node tests (ONNX Runtime vs PyTorch, max |diff| ≤ 1e-4) and the Python tests.
"""
import json
import os

import numpy as np
import torch

from .imhn.model import ImhnConfig, InferenceWrapper, PoseNet
from .export import main as export_main

TINY = ImhnConfig(nstack=2, inp_dim=32, oup_dim=50, increase=16, depth=4)
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'model')


def randomize(net, seed=3):
    """Weights that keep activations alive through 2 stacks (std ~ He init), BN stats off the identity."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in net.state_dict().items():
            if t.dtype != torch.float32:
                continue
            if name.endswith('running_var'):
                t.copy_(0.5 + torch.rand(t.shape, generator=g))
            elif name.endswith('running_mean'):
                t.copy_(0.1 * torch.randn(t.shape, generator=g))
            elif t.dim() >= 2:
                fan_in = t[0].numel()
                t.copy_(torch.randn(t.shape, generator=g) * (1.0 / fan_in) ** 0.5)
            else:
                t.copy_(0.1 * torch.randn(t.shape, generator=g))
    return net


class _Wrong(torch.nn.Module):
    """NHWC image in, a conv out: a valid ONNX model that is not an IMHN (other channel count or stride)."""

    def __init__(self, channels, stride):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, channels, stride, stride)

    def forward(self, x):
        return self.conv(x.permute(0, 3, 1, 2))


def export_wrong_models():
    for name, channels, stride in [('wrong-channels', 17, 4), ('wrong-stride', 50, 8)]:
        torch.onnx.export(_Wrong(channels, stride).eval(), torch.rand(1, 64, 64, 3), os.path.join(HERE, name + '.onnx'),
                          opset_version=17, input_names=['image'], output_names=['maps'],
                          dynamic_axes={'image': {0: 'b', 1: 'h', 2: 'w'}, 'maps': {0: 'b', 2: 'mh', 3: 'mw'}})


def main():
    os.makedirs(HERE, exist_ok=True)
    net = randomize(PoseNet(TINY)).eval()
    ckpt = os.path.join(HERE, 'tiny.pth')
    # The official format: a dict with 'weights' (keys prefixed posenet.), legacy (non-zip) serialization.
    torch.save({'weights': {'posenet.' + k: v for k, v in net.state_dict().items()}, 'epoch': 0, 'train_loss': 0.0},
               ckpt, _use_new_zipfile_serialization=False)
    export_main([ckpt, '--out', os.path.join(HERE, 'tiny.onnx')])
    export_main([ckpt, '--out', os.path.join(HERE, 'tiny-fp16.onnx'), '--fp16'])
    os.remove(ckpt)  # the ONNX files, input and PyTorch output are the fixture; the checkpoint is only a step
    g = torch.Generator().manual_seed(5)
    x = torch.rand(2, 128, 192, 3, generator=g)
    with torch.no_grad():
        y = InferenceWrapper(net)(x)
    np.save(os.path.join(HERE, 'tiny.input.npy'), x.numpy())
    np.save(os.path.join(HERE, 'tiny.torch-output.npy'), y.numpy())
    export_wrong_models()
    with open(os.path.join(HERE, 'README.json'), 'w') as f:
        json.dump({'config': TINY.to_dict(), 'input_shape': list(x.shape), 'output_shape': list(y.shape),
                   'output_std': float(y.std()), 'made_by': 'python3 -m training.make_test_model', 'torch': torch.__version__}, f, indent=1)


if __name__ == '__main__':
    main()
