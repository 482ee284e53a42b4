"""Multi-scale focal L2 / plain L2 (IMHN-REFERENCE §6) in PyTorch; the same definition as src/core/loss/focalL2Loss.ts."""
import torch
import torch.nn.functional as F

SCALE_WEIGHTS = [0.1, 0.2, 0.4, 1.6, 6.4]


def channel_weights(device):
    w = torch.ones(50, device=device)
    w[30:48] = 3.0
    w[48] = 0.1
    return w


def pose_loss(preds, gt, mask_miss, kind='focal', gamma=1, threshold=0.01):
    """preds[t][s]: (N, 50, h, w); gt (N, 50, H, W); mask_miss (N, 1, H, W). Returns the scalar loss per sample."""
    total, wsum = 0.0, 0.0
    cw = channel_weights(gt.device).view(1, 50, 1, 1)
    for s, lam in enumerate(SCALE_WEIGHTS[:len(preds[0])]):
        h, w = preds[0][s].shape[2:]
        g = F.adaptive_avg_pool2d(gt, (h, w))
        m = F.interpolate(mask_miss, (h, w), mode='bilinear', align_corners=False)
        m = torch.where(m < 0.5, torch.zeros_like(m), m)
        per_stack = []
        for t in range(len(preds)):
            p = preds[t][s]
            sq = (p - g) ** 2
            if kind == 'focal':
                st = torch.where(g >= threshold, p, 1 - p)
                sq = sq * torch.abs(1 - st) ** gamma * cw
            per_stack.append((sq * m).sum())
        total = total + lam * torch.stack(per_stack).mean()
        wsum += lam
    return total / wsum / gt.shape[0]
