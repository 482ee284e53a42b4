"""COCO keypoints → training samples with the official augmentation (IMHN-REFERENCE §5.0) and §5 targets.

Any COCO keypoints file works (the app's exports, the synthetic sets, COCO itself). Bad input never stops an epoch:
missing or corrupt images, zero-keypoint or crowd persons, non-17-keypoint categories are skipped or masked and
counted (`report()`).
"""
import json
import math
import os
import random

import cv2
import numpy as np

from .targets import encode_targets

COCO_TO_IMHN = [0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10]
# After a horizontal flip the person's left is on the right: swap IMHN joint indices (CanonicalConfig.ltr_parts).
FLIP_IMHN = [0, 1, 5, 6, 7, 2, 3, 4, 11, 12, 13, 8, 9, 10, 15, 14, 17, 16]


# Official: the main person's height in the crop, as a fraction of the crop height, before the random scale.
MAIN_PERSON_CROP_FRACTION = 0.6 * 384 / 512


class DatasetError(ValueError):
    pass


def rle_decode(seg, h, w):
    counts = seg['counts']
    if isinstance(counts, str):
        raise DatasetError('compressed RLE segmentations are not supported; use polygons or uncompressed RLE')
    flat = np.zeros(h * w, np.uint8)
    pos, val = 0, 0
    for c in counts:
        flat[pos:pos + c] = val
        pos += c
        val ^= 1
    return flat.reshape((w, h)).T


def person_mask(ann, h, w):
    seg = ann.get('segmentation')
    m = np.zeros((h, w), np.uint8)
    if isinstance(seg, dict):
        return rle_decode(seg, h, w)
    if isinstance(seg, list) and seg:
        for poly in seg:
            pts = np.array(poly, np.float64).reshape(-1, 2).round().astype(np.int32)
            cv2.fillPoly(m, [pts], 1)
        return m
    x, y, bw, bh = ann['bbox']
    m[int(y):int(y + bh) + 1, int(x):int(x + bw) + 1] = 1
    return m


def to_imhn(kps):
    """COCO 17 [x, y, v] → IMHN 18 (xy [18, 2], labelled [18]); neck = mean of labelled shoulders."""
    xy = np.zeros((18, 2), np.float64)
    lab = np.zeros(18, bool)
    k = np.asarray(kps, np.float64).reshape(17, 3)
    for coco, imhn in enumerate(COCO_TO_IMHN):
        if k[coco, 2] > 0:
            xy[imhn] = k[coco, :2]
            lab[imhn] = True
    if lab[2] and lab[5]:
        xy[1] = (xy[2] + xy[5]) / 2
        lab[1] = True
    return xy, lab


class CocoPoseDataset:
    def __init__(self, ann_file, images_dir, input_size=512, stride=4, augment=True, seed=0):
        try:
            with open(ann_file) as f:
                coco = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            raise DatasetError(f'{ann_file}: cannot read COCO annotations ({e})') from None
        self.input_size, self.stride, self.augment = input_size, stride, augment
        self.rng = random.Random(seed)
        self.counts = {'images_missing': 0, 'images_corrupt': 0, 'persons_without_keypoints': 0, 'crowd_persons': 0, 'non_coco17_annotations': 0}
        cats17 = {c['id'] for c in coco.get('categories', []) if len(c.get('keypoints', [])) == 17}
        if not cats17:
            raise DatasetError(f'{ann_file}: no category with the 17 COCO keypoints')
        by_image = {}
        for a in coco.get('annotations', []):
            if a.get('category_id') not in cats17 or len(a.get('keypoints', [])) != 51:
                self.counts['non_coco17_annotations'] += 1
                continue
            by_image.setdefault(a['image_id'], []).append(a)
        self.items = []
        for im in coco.get('images', []):
            path = os.path.join(images_dir, im['file_name'])
            anns = by_image.get(im['id'], [])
            if not os.path.exists(path):
                self.counts['images_missing'] += 1
                continue
            if any(a['num_keypoints'] > 0 and not a.get('iscrowd') for a in anns):
                self.items.append((path, im, anns))
        for _, _, anns in self.items:
            self.counts['persons_without_keypoints'] += sum(1 for a in anns if a['num_keypoints'] == 0 and not a.get('iscrowd'))
            self.counts['crowd_persons'] += sum(1 for a in anns if a.get('iscrowd'))
        if not self.items:
            raise DatasetError(f'{ann_file}: no usable image (with a labelled person and the file present in {images_dir})')

    def __len__(self):
        return len(self.items)

    def report(self):
        return {'images': len(self.items), **self.counts}

    def __getitem__(self, idx):
        for attempt in range(10):
            path, im, anns = self.items[(idx + attempt) % len(self.items)]
            img = cv2.imread(path, cv2.IMREAD_COLOR)
            if img is None:
                self.counts['images_corrupt'] += 1
                continue
            return self._sample(img, anns)
        raise DatasetError('ten consecutive images could not be read')

    def _sample(self, img, anns):
        r, S, g = self.rng, self.input_size, self.input_size // self.stride
        h, w = img.shape[:2]
        labelled = [a for a in anns if a['num_keypoints'] > 0 and not a.get('iscrowd')]
        main = r.choice([a for a in labelled if a['num_keypoints'] >= 5] or labelled)
        bx, by, bw, bh = main['bbox']
        center = (bx + bw / 2, by + bh / 2)
        # Official: scale so the main person is ~0.6·(384/512) of the crop height, × U(0.7, 1.3) with p = 0.8.
        scale = MAIN_PERSON_CROP_FRACTION * S / max(bh, 1)
        deg, flip, dx, dy = 0.0, False, 0.0, 0.0
        if self.augment:
            if r.random() < 0.8:
                scale *= r.uniform(0.7, 1.3)
            deg = r.uniform(-40, 40)
            flip = r.random() < 0.5
            dx, dy = [int(r.uniform(-1, 1) * 50 * S / 512) for _ in range(2)]
        a = math.radians(deg)
        M = np.array([[1, 0, -center[0]], [0, 1, -center[1]], [0, 0, 1]], np.float64)
        R = np.array([[math.cos(a) * scale, math.sin(a) * scale, 0], [-math.sin(a) * scale, math.cos(a) * scale, 0], [0, 0, 1]])
        F = np.array([[-1 if flip else 1, 0, 0], [0, 1, 0], [0, 0, 1]], np.float64)
        T = np.array([[1, 0, S / 2 - 0.5 + dx], [0, 1, S / 2 - 0.5 + dy], [0, 0, 1]], np.float64)
        A = (T @ F @ R @ M)[:2]
        out = cv2.warpAffine(img, A, (S, S), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(124, 127, 127))
        if self.augment and r.random() < 0.2:  # colour tint (HSV jitter)
            hsv = cv2.cvtColor(out, cv2.COLOR_BGR2HSV).astype(np.int16)
            hsv[..., 0] = (hsv[..., 0] + r.randint(-10, 10)) % 180
            hsv[..., 1] = np.clip(hsv[..., 1] + r.randint(-20, 60), 0, 255)
            hsv[..., 2] = np.clip(hsv[..., 2] + r.randint(-20, 40), 0, 255)
            out = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR)
        mask_all = np.zeros((h, w), np.uint8)
        mask_miss = np.full((h, w), 255, np.uint8)
        persons = []
        for ann in anns:
            m = person_mask(ann, h, w)
            mask_all[m > 0] = 255
            if ann['num_keypoints'] == 0 or ann.get('iscrowd'):
                mask_miss[m > 0] = 0
                continue
            xy, lab = to_imhn(ann['keypoints'])
            xy = (A @ np.concatenate([xy, np.ones((18, 1))], 1).T).T
            if flip:
                xy, lab = xy[FLIP_IMHN], lab[FLIP_IMHN]
            persons.append((xy, lab))
        warp = lambda m, border: cv2.resize(cv2.warpAffine(m, A, (S, S), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=border), (g, g), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
        miss, allm = warp(mask_miss, 255), warp(mask_all, 0)
        targets = encode_targets(persons, g, g, allm)
        return out.astype(np.float32) / 255, targets, miss
