"""Dataset, loss and training loop (issue 4). Uses a few generated images; run: /usr/bin/python3 -m pytest training/tests"""
import json
import os

import cv2
import numpy as np
import pytest
import torch

from training.data import CocoPoseDataset, DatasetError, to_imhn
from training.loss import pose_loss
from training.train import main as train_main


def make_set(tmp_path, n=3):
    """A small COCO set with one drawn stick person per image, plus every kind of bad entry."""
    imgs = tmp_path / 'images'
    imgs.mkdir()
    kp = []
    for j, (x, y) in enumerate([(60, 30), (64, 26), (56, 26), (68, 28), (52, 28), (75, 50), (45, 50), (80, 70), (40, 70),
                                (82, 90), (38, 90), (70, 95), (50, 95), (72, 120), (48, 120), (73, 145), (47, 145)]):
        kp += [x, y, 2]
    images, anns = [], []
    for i in range(1, n + 1):
        img = np.full((160, 128, 3), 90, np.uint8)
        cv2.line(img, (60, 30), (60, 140), (200, 180, 160), 8)
        cv2.imwrite(str(imgs / f'{i}.jpg'), img)
        images.append({'id': i, 'file_name': f'{i}.jpg', 'width': 128, 'height': 160})
        anns.append({'id': i, 'image_id': i, 'category_id': 1, 'keypoints': kp, 'num_keypoints': 17, 'bbox': [38, 26, 44, 119], 'area': 3000, 'iscrowd': 0, 'segmentation': [[38, 26, 82, 26, 82, 145, 38, 145]]})
    images.append({'id': 90, 'file_name': 'missing.jpg', 'width': 128, 'height': 160})
    (imgs / 'corrupt.jpg').write_bytes(b'\xff\xd8 not really a jpeg')
    images.append({'id': 91, 'file_name': 'corrupt.jpg', 'width': 128, 'height': 160})
    anns.append({'id': 50, 'image_id': 91, 'category_id': 1, 'keypoints': kp, 'num_keypoints': 17, 'bbox': [0, 0, 10, 10], 'area': 100, 'iscrowd': 0})
    anns.append({'id': 51, 'image_id': 1, 'category_id': 1, 'keypoints': [0] * 51, 'num_keypoints': 0, 'bbox': [0, 0, 20, 20], 'area': 400, 'iscrowd': 0})
    anns.append({'id': 52, 'image_id': 1, 'category_id': 1, 'keypoints': [0] * 51, 'num_keypoints': 0, 'bbox': [90, 0, 30, 30], 'area': 900, 'iscrowd': 1, 'segmentation': {'counts': [0, 100], 'size': [160, 128]}})
    anns.append({'id': 53, 'image_id': 2, 'category_id': 2, 'keypoints': [0] * 15, 'num_keypoints': 0, 'bbox': [0, 0, 1, 1], 'area': 1, 'iscrowd': 0})
    cats = [{'id': 1, 'name': 'person', 'keypoints': ['k'] * 17, 'skeleton': []}, {'id': 2, 'name': 'hand', 'keypoints': ['k'] * 5}]
    ann_file = tmp_path / 'ann.json'
    ann_file.write_text(json.dumps({'images': images, 'annotations': anns, 'categories': cats}))
    return str(ann_file), str(imgs)


def test_dataset_counts_and_skips_bad_input_and_yields_samples(tmp_path):
    ann, imgs = make_set(tmp_path)
    ds = CocoPoseDataset(ann, imgs, input_size=128)
    rep = ds.report()
    assert rep['images_missing'] == 1 and rep['non_coco17_annotations'] == 1
    assert rep['persons_without_keypoints'] == 1 and rep['crowd_persons'] == 1
    for i in range(len(ds)):  # the corrupt image is skipped, never a crash
        img, t, miss = ds[i]
        assert img.shape == (128, 128, 3) and t.shape == (50, 32, 32) and miss.shape == (32, 32)
        assert t[30:48].max() > 0.5 and 0 <= t.min() and t.max() <= 1
    assert ds.report()['images_corrupt'] >= 1


def test_dataset_refuses_files_without_usable_data(tmp_path):
    (tmp_path / 'bad.json').write_text('{oops')
    with pytest.raises(DatasetError, match='cannot read COCO annotations'):
        CocoPoseDataset(str(tmp_path / 'bad.json'), str(tmp_path))
    (tmp_path / 'nocat.json').write_text(json.dumps({'images': [], 'annotations': [], 'categories': [{'id': 1, 'name': 'x'}]}))
    with pytest.raises(DatasetError, match='no category with the 17 COCO keypoints'):
        CocoPoseDataset(str(tmp_path / 'nocat.json'), str(tmp_path))


def test_neck_is_the_mean_of_labelled_shoulders():
    kp = [0] * 51
    kp[15:18] = [10, 20, 2]
    kp[18:21] = [30, 40, 1]
    xy, lab = to_imhn(kp)
    assert lab[1] and tuple(xy[1]) == (20, 30)


def test_loss_focal_and_l2_definitions():
    gt = torch.zeros(1, 50, 8, 8)
    gt[0, 30, 4, 4] = 1
    pred = [[torch.full((1, 50, 8 // 2 ** s, 8 // 2 ** s), 0.5) for s in range(2)]]
    miss = torch.ones(1, 1, 8, 8)
    l2 = pose_loss(pred, gt, miss, 'l2')
    focal = pose_loss(pred, gt, miss, 'focal')
    assert l2.item() > 0 and focal.item() > 0 and abs(l2.item() - focal.item()) > 1e-3


def test_train_one_step_resume_and_export(tmp_path):
    ann, imgs = make_set(tmp_path, n=2)
    out = str(tmp_path / 'run')
    args = ['--coco', ann, '--images', imgs, '--config', 'tiny', '--input-size', '128', '--batch', '2', '--epochs', '1', '--out', out]
    assert train_main(args) == 0
    ck = torch.load(os.path.join(out, 'last.pth'))
    assert all(k.startswith('posenet.') for k in ck['weights']) and ck['epoch'] == 1
    assert train_main(args[:-4] + ['--epochs', '2', '--out', out, '--resume']) == 0
    assert torch.load(os.path.join(out, 'last.pth'))['epoch'] == 2
    card = json.load(open(os.path.join(out, 'model.card.json')))
    assert card['training']['epochs'] == 2 and os.path.getsize(os.path.join(out, 'model.onnx')) > 0
    assert 'resumed from' in open(os.path.join(out, 'train.log')).read()
    capped = str(tmp_path / 'capped')
    assert train_main(args[:-2] + ['--out', capped, '--epochs', '5', '--max-steps', '1']) == 0
    assert torch.load(os.path.join(capped, 'last.pth'))['step'] == 1
