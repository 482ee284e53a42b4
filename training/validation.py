"""Validation loss on held-out images: fixed crops (no augmentation: each image's main person centred at the
official scale), the training loss, in eval mode. The same images and crops every time, so the curve is comparable
from one evaluation to the next."""
import torch

from .data import CocoPoseDataset
from .loss import pose_loss


class ValidationSet:
    def __init__(self, coco, images, input_size, max_images=64):
        ds = CocoPoseDataset(coco, images, input_size=input_size, augment=False, seed=0)
        n = min(len(ds), max_images)
        self.samples = [ds[i] for i in range(n)]
        self.report = {'images': n, **{k: v for k, v in ds.report().items() if k != 'images'}}

    def loss(self, net, device, kind, gamma, batch=8):
        was_training = net.training
        net.eval()
        total = 0.0
        with torch.no_grad():
            for i in range(0, len(self.samples), batch):
                chunk = self.samples[i:i + batch]
                imgs = torch.stack([torch.from_numpy(s[0]) for s in chunk]).to(device)
                gt = torch.stack([torch.from_numpy(s[1]) for s in chunk]).to(device)
                miss = torch.stack([torch.from_numpy(s[2]) for s in chunk])[:, None].to(device)
                preds = net(imgs)
                total += pose_loss([[p.float() for p in st] for st in preds], gt, miss, kind, gamma).item() * len(chunk)
        net.train(was_training)
        return total / max(len(self.samples), 1)
