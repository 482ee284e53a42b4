"""The photo training mix (pasted people, negatives) and recovering a checkpoint from an exported ONNX (issue 14)."""
import json
import os

import cv2
import numpy as np
import torch

from training.export import export_onnx
from training.imhn.model import ImhnConfig, InferenceWrapper, PoseNet
from training.mixdata import MixedPoseDataset, load_cutouts, person_free_images
from training.recover_onnx import module_path, recover
from training.train import main as train_main

SMALL = ImhnConfig(nstack=2, inp_dim=16, oup_dim=50, increase=8, depth=2)


def make_photo_set(tmp_path):
    """Two images with one polygon person each (joints inside the polygon) and two person-free images."""
    imgs = tmp_path / 'images'
    imgs.mkdir()
    rng = np.random.default_rng(0)
    kp = []
    for x, y in [(60, 30), (64, 26), (56, 26), (68, 28), (52, 28), (75, 50), (45, 50), (80, 70), (40, 70), (82, 90),
                 (38, 90), (70, 95), (50, 95), (72, 120), (48, 120), (73, 145), (47, 145)]:
        kp += [x, y, 2]
    images, anns = [], []
    for i in range(1, 5):
        img = rng.integers(0, 255, (160, 128, 3), dtype=np.uint8)
        cv2.imwrite(str(imgs / f'{i}.png'), img)
        images.append({'id': i, 'file_name': f'{i}.png', 'width': 128, 'height': 160})
        if i <= 2:
            anns.append({'id': i, 'image_id': i, 'category_id': 1, 'keypoints': kp, 'num_keypoints': 17,
                         'bbox': [30, 20, 60, 130], 'area': 7800, 'iscrowd': 0,
                         'segmentation': [[30, 20, 90, 20, 90, 150, 30, 150]]})
    cats = [{'id': 1, 'name': 'person', 'keypoints': ['k'] * 17, 'skeleton': []}]
    ann = tmp_path / 'ann.json'
    ann.write_text(json.dumps({'images': images, 'annotations': anns, 'categories': cats}))
    return str(ann), str(imgs)


def carry_folder(tmp_path):
    """A GPU carry folder (training.gpu_carry) built from a shared/ whose coco-mini train2017 is make_photo_set."""
    from training.gpu_carry import build
    shared = tmp_path / 'shared'
    mini = shared / 'data' / 'coco-mini'
    (mini / 'annotations').mkdir(parents=True)
    ann, imgs = make_photo_set(tmp_path)
    os.rename(imgs, mini / 'train2017')
    os.rename(ann, mini / 'annotations' / 'person_keypoints_train2017.json')
    carry = str(tmp_path / 'carry')
    assert build(carry, str(shared)) > 0
    return carry


def write_mix(tmp_path, ann, imgs, kinds):
    sources = {
        'coco': {'kind': 'coco', 'coco': ann, 'images': imgs, 'weight': 1},
        'paste': {'kind': 'paste', 'people': [[ann, imgs]], 'backgrounds': [[ann, imgs]], 'weight': 1},
        'negative': {'kind': 'negative', 'backgrounds': [[ann, imgs]], 'weight': 1},
    }
    path = tmp_path / 'mix.json'
    path.write_text(json.dumps({'epoch_size': 12, 'sources': [sources[k] for k in kinds]}))
    return str(path)


def test_people_and_backgrounds_are_found(tmp_path):
    ann, imgs = make_photo_set(tmp_path)
    assert sorted(p[-5:] for p in person_free_images([(ann, imgs)])) == ['3.png', '4.png']
    cut = load_cutouts([(ann, imgs)])
    assert len(cut) == 2 and cut[0].mask.max() == 255 and cut[0].lab.sum() == 18  # 17 joints + the neck


def test_negatives_are_all_background_and_pasted_people_are_targets(tmp_path):
    ann, imgs = make_photo_set(tmp_path)
    neg = MixedPoseDataset(write_mix(tmp_path, ann, imgs, ['negative']), input_size=128)
    for i in range(4):
        img, t, miss = neg[i]
        assert img.shape == (128, 128, 3) and t.shape == (50, 32, 32) and miss.min() == 1
        assert t[:30].max() == 0 and t[30:48].max() == 0 and t[48].max() == 0
    paste = MixedPoseDataset(write_mix(tmp_path, ann, imgs, ['paste']), input_size=128)
    peaks = [paste[i][1][30:48].max() for i in range(6)]
    assert min(peaks) > 0.5  # at least one joint of a pasted person lies in the crop, as a Gaussian peak
    a, b = paste[3], MixedPoseDataset(write_mix(tmp_path, ann, imgs, ['paste']), input_size=128)[3]
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])  # same seed, epoch and index: same sample
    paste.set_epoch(1)
    assert not np.array_equal(paste[3][0], a[0])


def test_train_on_a_mix_from_recovered_weights(tmp_path):
    ann, imgs = make_photo_set(tmp_path)
    mix = write_mix(tmp_path, ann, imgs, ['coco', 'paste', 'negative'])
    out = str(tmp_path / 'run')
    assert train_main(['--mix', mix, '--config', 'tiny', '--input-size', '128', '--batch', '2', '--epochs', '1',
                       '--max-steps', '2', '--out', out, '--box-size', '256']) == 0
    card = json.load(open(f'{out}/model.card.json'))
    assert card['input']['box_size'] == 256 and card['training']['steps'] == 2
    assert card['training']['data']['mix'][1]['kind'] == 'paste'


def test_module_path_follows_the_exporters_scope_names():
    assert module_path('/net/features.0/before_regress.0/before_regress.0.2/fc/fc.0/Gemm') == 'features.0.before_regress.0.2.fc.0'
    assert module_path('/net/pre/res1/convBlock/convBlock.0/Conv') == 'pre.res1.convBlock.0'
    assert module_path('/other/Conv') is None


def test_recovered_network_computes_the_exported_function(tmp_path):
    torch.manual_seed(3)
    net = PoseNet(SMALL)
    with torch.no_grad():  # non-trivial BatchNorm statistics and affine parameters, as a trained net has
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    net.eval()
    path = str(tmp_path / 'm.onnx')
    export_onnx(net, path)
    calib = [torch.rand(2, 64, 64, 3) for _ in range(3)]
    rec, report = recover(path, SMALL, calib)
    x = torch.rand(1, 128, 64, 3)
    with torch.no_grad():
        want = InferenceWrapper(net).eval()(x)
        got = InferenceWrapper(rec).eval()(x)
    assert torch.max(torch.abs(want - got)).item() <= 1e-4 * max(1.0, torch.max(torch.abs(want)).item())
    assert report['layers_loaded'] > 0 and any(p.startswith('outs.1.1') for p in report['fresh_layers'])
    rec.train()  # in training mode BatchNorm uses batch statistics ≈ the measured ones: close to the same function
    with torch.no_grad():
        trained_mode = InferenceWrapper(rec)(torch.cat([x, torch.rand(3, 128, 64, 3)]))[:1]
    rel = torch.norm(trained_mode - want) / torch.norm(want)
    assert rel.item() < 0.5


def test_gpu_carry_and_run_on_the_cpu_with_a_tiny_budget(tmp_path):
    """The prepared GPU command, end to end on the CPU: pack the carry folder, recover the init from an ONNX, train
    two steps with a data worker, and leave what comes back (ONNX + card, weights only, log)."""
    from training.gpu_run import main as gpu_main
    carry = carry_folder(tmp_path)
    torch.manual_seed(0)
    onnx_path = str(tmp_path / 'init.onnx')
    export_onnx(PoseNet(train_configs()['tiny']).eval(), onnx_path)
    out = str(tmp_path / 'out')
    assert gpu_main(['--carry', carry, '--out', out, '--init-onnx', onnx_path, '--input-size', '128', '--batch', '2',
                     '--max-steps', '2', '--workers', '1']) == 0
    assert sorted(os.listdir(out)) == ['gpu_run.json', 'model.card.json', 'model.onnx', 'train.log', 'weights.pth']
    assert 'optimizer_weight' not in torch.load(os.path.join(out, 'weights.pth'))


def train_configs():
    from training.train import CONFIGS
    return CONFIGS


def test_gpu_throughput_script_runs(tmp_path):
    from training.bench_torch_gpu import main as bench_main
    out = tmp_path / 'b.json'
    assert bench_main(['--quick', '--out', str(out)]) == 0
    rows = json.load(open(out))['rows']
    assert {r['precision'] for r in rows} >= {'fp32'} and all(r['images_per_s'] > 0 for r in rows)
