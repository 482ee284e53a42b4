"""Regenerates test/fixtures/model: a tiny IMHN (official family, non-trivial random weights) in the official
checkpoint format, its ONNX export + card, an input and PyTorch's output for it, and the attack models.

    /usr/bin/python3 -m training.make_test_model            # everything
    /usr/bin/python3 -m training.make_test_model --attack   # only the attack models (hang, nan, inf)
    /usr/bin/python3 -m training.make_test_model --checkpoint OUT.pth   # only the tiny checkpoint (official format)
Used by the Node tests (ONNX Runtime vs PyTorch, max |diff| ≤ 1e-4) and the Python tests.
"""
import json
import os
import sys

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


def _attack_graph(name, tail):
    """NHWC image -> 4x4/4 conv (50 channels) -> `tail` -> maps: a model that passes the loader's 64x64 probe.

    `tail(g, maps, wide)` adds nodes from the conv output `maps` and the bool `wide` (input wider than 256 px: false
    for the loader's probe, true for any photo at scale 1) and returns the output's name.
    """
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(11)
    g = {'nodes': [], 'inits': [
        numpy_helper.from_array(rng.normal(0, 0.1, (50, 3, 4, 4)).astype(np.float32), 'w'),
        numpy_helper.from_array(np.array([2], np.int64), 'width_axis'),
        numpy_helper.from_array(np.array([256], np.int64), 'max_width'),
    ]}
    n = g['nodes']
    n.append(helper.make_node('Transpose', ['image'], ['nchw'], perm=[0, 3, 1, 2]))
    n.append(helper.make_node('Conv', ['nchw', 'w'], ['conv'], kernel_shape=[4, 4], strides=[4, 4]))
    n.append(helper.make_node('Shape', ['image'], ['shape']))
    n.append(helper.make_node('Gather', ['shape', 'width_axis'], ['width']))
    n.append(helper.make_node('Greater', ['width', 'max_width'], ['wide1']))
    n.append(helper.make_node('Squeeze', ['wide1'], ['wide']))
    out = tail(g, 'conv', 'wide')
    graph = helper.make_graph(
        n, name, [helper.make_tensor_value_info('image', TensorProto.FLOAT, ['b', 'h', 'w', 3])],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, ['b', 50, 'mh', 'mw'])], g['inits'])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)], producer_name='make_test_model')


def _hang_tail(g, maps, wide):
    """A Loop without a trip count whose condition stays `wide`: never ends for a real image."""
    from onnx import TensorProto, helper
    body = helper.make_graph(
        [helper.make_node('Identity', ['c_in'], ['c_out']), helper.make_node('Neg', ['v_in'], ['v_out'])], 'spin',
        [helper.make_tensor_value_info('i', TensorProto.INT64, []), helper.make_tensor_value_info('c_in', TensorProto.BOOL, []),
         helper.make_tensor_value_info('v_in', TensorProto.FLOAT, None)],
        [helper.make_tensor_value_info('c_out', TensorProto.BOOL, []), helper.make_tensor_value_info('v_out', TensorProto.FLOAT, None)])
    g['nodes'].append(helper.make_node('Loop', ['', wide, maps], ['maps'], body=body))
    return 'maps'


def _bad_value_tail(value):
    def tail(g, maps, wide):
        import numpy as np
        from onnx import helper, numpy_helper
        g['inits'].append(numpy_helper.from_array(np.array(value, np.float32), 'bad'))
        g['nodes'].append(helper.make_node('Mul', [maps, 'bad'], ['bad_maps']))
        if value == value and abs(value) == float('inf'):  # Inf everywhere, the probe included
            g['nodes'].append(helper.make_node('Identity', ['bad_maps'], ['maps']))
            return 'maps'
        g['nodes'].append(helper.make_node('Where', [wide, 'bad_maps', maps], ['maps']))
        return 'maps'
    return tail


def export_attack_models():
    """hang.onnx loops forever on any network input wider than 256 px; nan.onnx gives NaN maps for those; inf.onnx
    gives Inf maps for every input (the loader's probe too). Each with a card copied from tiny.card.json."""
    import onnx
    with open(os.path.join(HERE, 'tiny.card.json')) as f:
        card = json.load(f)
    for name, tail in [('hang', _hang_tail), ('nan', _bad_value_tail(float('nan'))), ('inf', _bad_value_tail(float('inf')))]:
        model = _attack_graph(name, tail)
        onnx.checker.check_model(model)
        onnx.save(model, os.path.join(HERE, name + '.onnx'))
        c = dict(card, name=name, weights='fp32', architecture={'family': 'attack fixture: ' + name}, source={})
        with open(os.path.join(HERE, name + '.card.json'), 'w') as f:
            json.dump(c, f, indent=1)


def save_checkpoint(net, ckpt):
    # The official format: a dict with 'weights' (keys prefixed posenet.), legacy (non-zip) serialization.
    torch.save({'weights': {'posenet.' + k: v for k, v in net.state_dict().items()}, 'epoch': 0, 'train_loss': 0.0},
               ckpt, _use_new_zipfile_serialization=False)


def main():
    if '--attack' in sys.argv[1:]:
        export_attack_models()
        return
    if '--checkpoint' in sys.argv[1:]:
        # Only the tiny checkpoint (the same weights as tiny.onnx): the app's checkpoint-import tests export it.
        save_checkpoint(randomize(PoseNet(TINY)).eval(), sys.argv[sys.argv.index('--checkpoint') + 1])
        return
    os.makedirs(HERE, exist_ok=True)
    net = randomize(PoseNet(TINY)).eval()
    ckpt = os.path.join(HERE, 'tiny.pth')
    save_checkpoint(net, ckpt)
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
    export_attack_models()
    with open(os.path.join(HERE, 'README.json'), 'w') as f:
        json.dump({'config': TINY.to_dict(), 'input_shape': list(x.shape), 'output_shape': list(y.shape),
                   'output_std': float(y.std()), 'made_by': 'python3 -m training.make_test_model', 'torch': torch.__version__}, f, indent=1)


if __name__ == '__main__':
    main()
