"""IMHN definition and checkpoint import (issue 3). Run: /usr/bin/python3 -m pytest training/tests"""
import json
import os

import pytest
import torch

from training.imhn.model import (CheckpointError, ImhnConfig, InferenceWrapper, OFFICIAL_CONFIG, PoseNet,
                                 count_parameters, infer_config, load_checkpoint)
from training.export import main as export_main

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
KEYS = os.path.join(ROOT, '..', 'shared', 'docs', 'imhn-state-dict-keys.txt')


def test_default_config_has_every_official_key_and_shape_in_order():
    sd = PoseNet(OFFICIAL_CONFIG).state_dict()
    ref = [line.split(' ', 1) for line in open(KEYS).read().strip().split('\n')]
    mine = [('posenet.' + k, str(list(v.shape))) for k, v in sd.items()]
    assert len(mine) == len(ref) == 1848
    for (k, shape), (rk, rshape) in zip(mine, ref):
        assert (k, shape) == (rk, rshape.strip())


def test_parameter_count_is_the_official_129m():
    assert count_parameters(PoseNet(OFFICIAL_CONFIG)) == 128_998_760


def save_official_format(net, path):
    """As train_distributed.py saved it: {'weights': posenet.-prefixed state_dict, ...}, legacy serialization."""
    torch.save({'weights': {'posenet.' + k: v for k, v in net.state_dict().items()}, 'optimizer_weight': None,
                'train_loss': 0.1, 'epoch': 52}, path, _use_new_zipfile_serialization=False)


def test_official_format_checkpoint_loads_strictly_and_its_config_is_inferred(tmp_path):
    cfg = ImhnConfig(nstack=2, inp_dim=64, oup_dim=50, increase=32, depth=4)  # a 2-stack member of the family
    net = PoseNet(cfg)
    with torch.no_grad():
        for p in net.parameters():
            p.normal_(0, 0.05)
    path = str(tmp_path / 'PoseNet_2stack.pth')
    save_official_format(net, path)
    loaded, inferred, ckpt = load_checkpoint(path)
    assert inferred == cfg
    assert ckpt['epoch'] == 52
    for (k, a), (k2, b) in zip(net.state_dict().items(), loaded.state_dict().items()):
        assert k == k2 and torch.equal(a, b)
    # strict=True load of the official NetworkEval shape: everything under `posenet.`
    wrapper = torch.nn.Module()
    wrapper.posenet = PoseNet(cfg)
    wrapper.load_state_dict(torch.load(path)['weights'], strict=True)


def test_forward_returns_all_stacks_and_scales_and_the_wrapper_the_last_stride4():
    cfg = ImhnConfig(nstack=2, inp_dim=32, oup_dim=50, increase=16, depth=4)
    net = PoseNet(cfg).eval()
    x = torch.rand(1, 128, 192, 3)
    with torch.no_grad():
        preds = net(x)
        out = InferenceWrapper(net)(x)
    assert len(preds) == 2 and len(preds[0]) == 5
    assert [tuple(p.shape) for p in preds[1]] == [(1, 50, 32 // (2 ** s), 48 // (2 ** s)) for s in range(5)]
    assert torch.equal(out, preds[-1][0])


def test_another_architecture_is_refused_naming_the_keys(tmp_path):
    path = str(tmp_path / 'resnet.pth')
    torch.save({'conv1.weight': torch.zeros(64, 3, 7, 7), 'fc.weight': torch.zeros(10, 512)}, path)
    with pytest.raises(CheckpointError, match=r'not an IMHN checkpoint.*first keys: conv1.weight, fc.weight'):
        load_checkpoint(path)
    cfg = ImhnConfig(nstack=2, inp_dim=32, oup_dim=50, increase=16, depth=4)
    sd = {'posenet.' + k: v for k, v in PoseNet(cfg).state_dict().items()}
    sd.pop('posenet.outs.1.4.conv.bias')
    sd['posenet.extra.weight'] = torch.zeros(1)
    bad = str(tmp_path / 'bad.pth')
    torch.save({'weights': sd}, bad)
    with pytest.raises(CheckpointError, match=r"missing keys: \['outs.1.4.conv.bias'\].*unexpected keys: \['extra.weight'\]"):
        load_checkpoint(bad)
    (tmp_path / 'junk.pth').write_bytes(b'not a checkpoint')
    with pytest.raises(CheckpointError, match='cannot be read as a PyTorch checkpoint'):
        load_checkpoint(str(tmp_path / 'junk.pth'))


def test_infer_config_reads_the_official_config_from_keys():
    sd = PoseNet(OFFICIAL_CONFIG).state_dict()
    assert infer_config(sd) == OFFICIAL_CONFIG


def test_export_writes_onnx_and_card_fp32_and_fp16(tmp_path):
    import onnx
    cfg = ImhnConfig(nstack=1, inp_dim=32, oup_dim=50, increase=16, depth=4)
    ckpt = str(tmp_path / 'm.pth')
    save_official_format(PoseNet(cfg), ckpt)
    for fp16 in (False, True):
        out = str(tmp_path / ('m16.onnx' if fp16 else 'm.onnx'))
        assert export_main([ckpt, '--out', out] + (['--fp16'] if fp16 else [])) == 0
        model = onnx.load(out)
        onnx.checker.check_model(model)
        assert model.opset_import[0].version >= 13
        dims = [d.dim_param or d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
        assert dims == ['batch', 'height', 'width', 3]
        card = json.load(open(out[:-5] + '.card.json'))
        assert card['weights'] == ('fp16' if fp16 else 'fp32')
        assert card['input']['layout'] == 'NHWC' and card['input']['pad_value'] == 128 and card['input']['box_size'] == 512
        assert card['output']['stride'] == 4 and card['output']['channels'] == 50
        assert len(card['source']['sha256']) == 64 and card['architecture']['nstack'] == 1
    assert os.path.getsize(str(tmp_path / 'm16.onnx')) < 0.6 * os.path.getsize(str(tmp_path / 'm.onnx'))


def test_export_reports_a_bad_checkpoint(tmp_path, capsys):
    (tmp_path / 'x.pth').write_bytes(b'junk')
    assert export_main([str(tmp_path / 'x.pth'), '--out', str(tmp_path / 'x.onnx')]) == 3
    assert 'cannot be read as a PyTorch checkpoint' in capsys.readouterr().err
    assert not (tmp_path / 'x.onnx').exists()
