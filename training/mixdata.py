"""A training mix for photos: COCO sets with the official augmentation, real people pasted onto real and synthetic
backgrounds, and person-free crops of real photos as negatives (targets all background).

Described by a JSON file (`--mix`):

    {"epoch_size": 6000,
     "sources": [
       {"kind": "coco", "coco": "synth/annotations.json", "images": "synth/images", "weight": 0.35},
       {"kind": "coco", "coco": "train2017.json", "images": "train2017", "weight": 0.15},
       {"kind": "paste", "people": [["train2017.json", "train2017"]], "backgrounds": [["train2017.json", "train2017"]],
        "synthetic_backgrounds": [["synth/annotations.json", "synth/images"]], "weight": 0.35},
       {"kind": "negative", "backgrounds": [["train2017.json", "train2017"]], "weight": 0.15}]}

Relative paths are relative to the JSON file. People for pasting are the non-crowd persons with ≥ 5 labelled
keypoints and a polygon segmentation; backgrounds are the images that list no person at all. A pasted person keeps
its labelled joints; a synthetic background keeps its own people (their joints stay targets).
"""
import json
import math
import os
import random

import cv2
import numpy as np

from .data import FLIP_IMHN, CocoPoseDataset, DatasetError, person_mask, to_imhn
from .targets import encode_targets


def _load(ann_file):
    try:
        with open(ann_file) as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise DatasetError(f'{ann_file}: cannot read COCO annotations ({e})') from None


def person_free_images(pairs):
    """[(coco, images_dir)] → paths of images that list no annotation at all (real "nothing here")."""
    out = []
    for ann_file, images_dir in pairs:
        coco = _load(ann_file)
        busy = {a['image_id'] for a in coco.get('annotations', [])}
        out += [os.path.join(images_dir, im['file_name']) for im in coco.get('images', []) if im['id'] not in busy]
    return [p for p in out if os.path.exists(p)]


class Cutout:
    """One real person: a crop of its photo, its polygon mask (uint8 0/255) and IMHN joints in crop pixels."""

    def __init__(self, img, mask, xy, lab, height):
        self.img, self.mask, self.xy, self.lab, self.height = img, mask, xy, lab, height


def load_cutouts(pairs, min_keypoints=5):
    cutouts = []
    for ann_file, images_dir in pairs:
        coco = _load(ann_file)
        by_image = {}
        for a in coco.get('annotations', []):
            if a.get('iscrowd') or a.get('num_keypoints', 0) < min_keypoints or not isinstance(a.get('segmentation'), list):
                continue
            by_image.setdefault(a['image_id'], []).append(a)
        for im in coco.get('images', []):
            anns = by_image.get(im['id'])
            path = os.path.join(images_dir, im['file_name'])
            if not anns or not os.path.exists(path):
                continue
            img = cv2.imread(path, cv2.IMREAD_COLOR)
            if img is None:
                continue
            h, w = img.shape[:2]
            for a in anns:
                m = person_mask(a, h, w) * 255
                x, y, bw, bh = a['bbox']
                pad = 0.15 * max(bw, bh)
                x0, y0 = max(0, int(x - pad)), max(0, int(y - pad))
                x1, y1 = min(w, int(x + bw + pad) + 1), min(h, int(y + bh + pad) + 1)
                xy, lab = to_imhn(a['keypoints'])
                xy = xy - np.array([x0, y0], np.float64)
                cutouts.append(Cutout(img[y0:y1, x0:x1].copy(), m[y0:y1, x0:x1].copy(), xy, lab, max(bh, 1.0)))
    return cutouts


def random_affine(r, src_w, src_h, S, scale, center=None, max_deg=40, flip=None):
    """Official-style affine: centre → rotate/scale → (flip) → crop centre ± shift. Returns (A [2, 3], flipped)."""
    cx, cy = center if center is not None else (src_w / 2, src_h / 2)
    a = math.radians(r.uniform(-max_deg, max_deg))
    flip = r.random() < 0.5 if flip is None else flip
    dx, dy = [r.uniform(-1, 1) * 50 * S / 512 for _ in range(2)]
    M = np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1]], np.float64)
    R = np.array([[math.cos(a) * scale, math.sin(a) * scale, 0], [-math.sin(a) * scale, math.cos(a) * scale, 0], [0, 0, 1]])
    F = np.array([[-1 if flip else 1, 0, 0], [0, 1, 0], [0, 0, 1]], np.float64)
    T = np.array([[1, 0, S / 2 - 0.5 + dx], [0, 1, S / 2 - 0.5 + dy], [0, 0, 1]], np.float64)
    return (T @ F @ R @ M)[:2], flip


def transform_joints(A, xy, lab, flipped):
    out = (A @ np.concatenate([xy, np.ones((18, 1))], 1).T).T
    return (out[FLIP_IMHN], lab[FLIP_IMHN]) if flipped else (out, lab)


def tint(r, img):
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV).astype(np.int16)
    hsv[..., 0] = (hsv[..., 0] + r.randint(-10, 10)) % 180
    hsv[..., 1] = np.clip(hsv[..., 1] + r.randint(-30, 40), 0, 255)
    hsv[..., 2] = np.clip(hsv[..., 2] * r.uniform(0.7, 1.3) + r.randint(-20, 20), 0, 255)
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR)


class BackgroundSource:
    """Person-free real photos, warped with a random affine to an S×S crop."""

    def __init__(self, pairs, S):
        self.paths, self.S = person_free_images(pairs), S
        if not self.paths:
            raise DatasetError('no person-free background image in ' + ', '.join(a for a, _ in pairs))
        self._cache = {}

    def draw(self, r):
        path = r.choice(self.paths)
        img = self._cache.get(path)
        if img is None:
            img = self._cache[path] = cv2.imread(path, cv2.IMREAD_COLOR)
        h, w = img.shape[:2]
        scale = self.S / min(h, w) * r.uniform(0.6, 2.0)
        A, _ = random_affine(r, w, h, self.S, scale, center=(r.uniform(0.2, 0.8) * w, r.uniform(0.2, 0.8) * h))
        out = cv2.warpAffine(img, A, (self.S, self.S), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        return tint(r, out) if r.random() < 0.5 else out


class PasteSource:
    """1–3 real people pasted onto a person-free real photo or onto a synthetic image (whose people stay)."""

    def __init__(self, people, backgrounds, S, stride=4, synthetic=None, seed=0):
        self.cutouts = load_cutouts(people)
        if not self.cutouts:
            raise DatasetError('no person with ≥ 5 keypoints and a polygon to paste in ' + ', '.join(a for a, _ in people))
        self.bg = BackgroundSource(backgrounds, S)
        self.synth = [CocoPoseDataset(a, d, input_size=S, stride=stride, seed=seed) for a, d in (synthetic or [])]
        self.S, self.g = S, S // stride

    def sample(self, r):
        S, g = self.S, self.g
        persons, mask_all = [], np.zeros((S, S), np.uint8)
        if self.synth and r.random() < 0.3:
            ds = r.choice(self.synth)
            ds.rng = r
            canvas, synth_targets, _ = ds[r.randrange(len(ds))]
            canvas = (canvas * 255).astype(np.uint8)
        else:
            canvas, synth_targets = self.bg.draw(r), None
        for _ in range(r.choice([1, 1, 2, 2, 3])):
            c = r.choice(self.cutouts)
            h, w = c.img.shape[:2]
            scale = (0.6 * 384 / 512) * S / c.height * r.uniform(0.5, 1.3)
            center = (w / 2, h / 2)
            A, flipped = random_affine(r, w, h, S, scale, center=center, max_deg=30)
            A[:, 2] += [r.uniform(-0.3, 0.3) * S, r.uniform(-0.3, 0.3) * S]
            img = tint(r, c.img) if r.random() < 0.5 else c.img
            warped = cv2.warpAffine(img, A, (S, S), flags=cv2.INTER_LINEAR)
            m = cv2.warpAffine(c.mask, A, (S, S), flags=cv2.INTER_LINEAR)
            alpha = cv2.GaussianBlur(m, (3, 3), 0).astype(np.float32)[..., None] / 255
            canvas = (warped * alpha + canvas * (1 - alpha)).astype(np.uint8)
            mask_all = np.maximum(mask_all, m)
            persons.append(transform_joints(A, c.xy, c.lab, flipped))
        allm = cv2.resize(mask_all, (g, g), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
        targets = encode_targets(persons, g, g, allm)
        if synth_targets is not None:
            # keypoint and limb maps of the two sets of people combine by maximum (each is ≤ 1); the mask too.
            targets = np.maximum(targets, synth_targets)
            targets[49] = targets[30:48].max(axis=0)
        return canvas.astype(np.float32) / 255, targets, np.ones((g, g), np.float32)


class NegativeSource:
    def __init__(self, backgrounds, S, stride=4):
        self.bg, self.g = BackgroundSource(backgrounds, S), S // stride

    def sample(self, r):
        targets = encode_targets([], self.g, self.g, np.zeros((self.g, self.g), np.float32))
        return self.bg.draw(r).astype(np.float32) / 255, targets, np.ones((self.g, self.g), np.float32)


class CocoSource:
    def __init__(self, ann_file, images_dir, S, stride=4, seed=0):
        self.ds = CocoPoseDataset(ann_file, images_dir, input_size=S, stride=stride, seed=seed)

    def sample(self, r):
        self.ds.rng = r
        return self.ds[r.randrange(len(self.ds))]


class MixedPoseDataset:
    """Index i of epoch e draws its source and sample from Random(seed, e, i): the same mix file, seed and steps give
    the same samples (up to multi-threaded CPU kernels)."""

    def __init__(self, mix_file, input_size=256, stride=4, seed=0):
        spec = _load(mix_file)
        base = os.path.dirname(os.path.abspath(mix_file))
        rel = lambda p: p if os.path.isabs(p) else os.path.join(base, p)
        pairs = lambda ps: [(rel(a), rel(d)) for a, d in ps]
        self.sources, self.weights, self.kinds = [], [], []
        for s in spec.get('sources', []):
            kind = s.get('kind')
            if kind == 'coco':
                src = CocoSource(rel(s['coco']), rel(s['images']), input_size, stride, seed)
            elif kind == 'paste':
                src = PasteSource(pairs(s['people']), pairs(s['backgrounds']), input_size, stride,
                                  pairs(s.get('synthetic_backgrounds', [])), seed)
            elif kind == 'negative':
                src = NegativeSource(pairs(s['backgrounds']), input_size, stride)
            else:
                raise DatasetError(f'{mix_file}: unknown source kind {kind!r} (coco, paste or negative)')
            self.sources.append(src)
            self.weights.append(float(s.get('weight', 1)))
            self.kinds.append(kind)
        if not self.sources:
            raise DatasetError(f'{mix_file}: no sources')
        self.epoch_size, self.seed, self.epoch = int(spec.get('epoch_size', 6000)), seed, 0

    def __len__(self):
        return self.epoch_size

    def set_epoch(self, epoch):
        self.epoch = epoch

    def report(self):
        out = {'mix': [{'kind': k, 'weight': w} for k, w in zip(self.kinds, self.weights)], 'epoch_size': self.epoch_size}
        for k, s in zip(self.kinds, self.sources):
            if k == 'paste':
                out['paste_people'] = len(s.cutouts)
                out['backgrounds'] = len(s.bg.paths)
        return out

    def __getitem__(self, idx):
        r = random.Random(f'{self.seed}/{self.epoch}/{idx}')
        src = r.choices(self.sources, weights=self.weights)[0]
        return src.sample(r)
