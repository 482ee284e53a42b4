"""Ground-truth maps exactly as the official generator (IMHN-REFERENCE §5) — the same definition as
src/core/codec/encodeTargets.ts (tested against each other in test/fixtures/targets)."""
import math

import numpy as np

LIMB_FROM = [1, 1, 1, 1, 1, 0, 0, 14, 15, 1, 2, 3, 1, 5, 6, 1, 8, 9, 1, 11, 12, 0, 0, 2, 8, 5, 11, 16, 17, 8]
LIMB_TO = [0, 14, 15, 16, 17, 14, 15, 16, 17, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 2, 5, 8, 12, 11, 9, 2, 5, 11]


def round_half_even(x):
    return int(np.round(x))


def encode_targets(persons, grid_h, grid_w, person_mask=None, stride=4, kp_sigma=9.0, kp_thre=0.015, limb_sigma=7.0,
                   limb_margin=4.0, limb_thre=0.015, limb_floor=0.01):
    """persons: list of (xy [18, 2] float, labelled [18] bool) in input pixels. Returns float32 [50, grid_h, grid_w]."""
    out = np.zeros((50, grid_h, grid_w), np.float32)
    gx = (np.arange(grid_w) * stride + stride / 2 - 0.5).astype(np.float32)
    gy = (np.arange(grid_h) * stride + stride / 2 - 0.5).astype(np.float32)
    half = math.ceil(math.sqrt(-2 * kp_sigma ** 2 * math.log(kp_thre)) / stride)
    two_sig2 = np.float32(2 * kp_sigma * kp_sigma)
    for xy, lab in persons:
        for j in range(18):
            if not lab[j]:
                continue
            x, y = np.float32(xy[j][0]), np.float32(xy[j][1])
            cx, cy = round_half_even(float(xy[j][0]) / stride), round_half_even(float(xy[j][1]) / stride)
            x1, y1 = min(grid_w, cx + half + 1), min(grid_h, cy + half + 1)
            if x1 <= 0 or y1 <= 0:
                continue
            x0, y0 = max(0, cx - half), max(0, cy - half)
            ex = np.exp(-((gx[x0:x1] - x) ** 2) / two_sig2).astype(np.float32)
            ey = np.exp(-((gy[y0:y1] - y) ** 2) / two_sig2).astype(np.float32)
            ch = out[30 + j, y0:y1, x0:x1]
            np.maximum(ch, np.outer(ey, ex).astype(np.float32), out=ch)
    count = np.zeros((grid_h, grid_w), np.float32)
    GX, GY = np.meshgrid(gx.astype(np.float64), gy.astype(np.float64))
    for k in range(30):
        count[:] = 0
        acc = np.zeros((grid_h, grid_w), np.float64)
        a, b = LIMB_FROM[k], LIMB_TO[k]
        for xy, lab in persons:
            if not (lab[a] and lab[b]):
                continue
            x1_, y1_ = float(xy[a][0]), float(xy[a][1])
            x2_, y2_ = float(xy[b][0]), float(xy[b][1])
            dx, dy = x2_ - x1_, y2_ - y1_
            if dx * dx + dy * dy == 0:
                continue
            hx = round_half_even((max(x1_, x2_) + limb_margin) / stride)
            hy = round_half_even((max(y1_, y2_) + limb_margin) / stride)
            if hx < 0 or hy < 0:
                continue
            lx = max(0, round_half_even((min(x1_, x2_) - limb_margin) / stride))
            ly = max(0, round_half_even((min(y1_, y2_) - limb_margin) / stride))
            hx, hy = min(grid_w - 1, hx), min(grid_h - 1, hy)
            X, Y = GX[ly:hy + 1, lx:hx + 1], GY[ly:hy + 1, lx:hx + 1]
            d = np.abs(dx * (y1_ - Y) - (x1_ - X) * dy) / (math.sqrt(dx * dx + dy * dy) + 1e-6)
            g = np.exp(-(d * d) / (2 * limb_sigma ** 2))
            g[g <= limb_thre] = limb_floor
            acc[ly:hy + 1, lx:hx + 1] += g
            count[ly:hy + 1, lx:hx + 1] += 1
        nz = count > 0
        out[k][nz] = (acc[nz] / count[nz]).astype(np.float32)
    if person_mask is not None:
        import cv2
        out[48] = np.clip(cv2.erode(person_mask.astype(np.float32), np.ones((3, 3), np.uint8)), 0, 1)
    out[49] = out[30:48].max(axis=0)
    return out
