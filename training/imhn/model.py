"""The IMHN of "Simple Pose" (AAAI 2020), official default = PoseNet(nstack=4, inp_dim=256, oup_dim=50, increase=128).

Source: IMHN-REFERENCE §1 (models/posenet.py + models/layers_transposed.py at df0a8ce). state_dict keys and order are
those of `shared/docs/imhn-state-dict-keys.txt` (without the `posenet.` prefix of the checkpoint).
"""
from dataclasses import dataclass, asdict

import torch
from torch import nn

from .layers import Backbone, Conv, Hourglass, Merge, SELayer


@dataclass(frozen=True)
class ImhnConfig:
    nstack: int = 4
    inp_dim: int = 256
    oup_dim: int = 50
    increase: int = 128
    depth: int = 4  # hourglass levels → depth + 1 output scales

    def to_dict(self):
        return asdict(self)


OFFICIAL_CONFIG = ImhnConfig()
SMALL_CONFIG = ImhnConfig(nstack=2, inp_dim=128, oup_dim=50, increase=64, depth=4)


class Features(nn.Module):
    """Per-stack heads before regression: before_regress[s] = [Conv(C_s→inp,3), Conv(inp→inp,3), SELayer(inp)]."""

    def __init__(self, inp_dim, increase, depth):
        super().__init__()
        self.before_regress = nn.ModuleList([
            nn.Sequential(Conv(inp_dim + i * increase, inp_dim, 3, bn=True), Conv(inp_dim, inp_dim, 3, bn=True), SELayer(inp_dim))
            for i in range(depth + 1)
        ])

    def forward(self, fms):
        return [self.before_regress[i](fms[i]) for i in range(len(fms))]


class PoseNet(nn.Module):
    """Input NHWC float32 BGR in [0, 1] (H, W multiples of 64). forward → pred[t][s], (N, oup_dim, H/(4·2^s), W/(4·2^s))."""

    def __init__(self, config: ImhnConfig = OFFICIAL_CONFIG, init_weights=False):
        super().__init__()
        c = config
        self.config = c
        self.pre = Backbone(half=c.inp_dim // 2)
        self.hourglass = nn.ModuleList([Hourglass(c.depth, c.inp_dim, c.increase) for _ in range(c.nstack)])
        self.features = nn.ModuleList([Features(c.inp_dim, c.increase, c.depth) for _ in range(c.nstack)])
        scales = range(c.depth + 1)
        self.outs = nn.ModuleList([nn.ModuleList([Conv(c.inp_dim, c.oup_dim, 1, bn=False, relu=False) for _ in scales]) for _ in range(c.nstack)])
        self.merge_features = nn.ModuleList([nn.ModuleList([Merge(c.inp_dim, c.inp_dim + j * c.increase) for j in scales]) for _ in range(c.nstack - 1)])
        self.merge_preds = nn.ModuleList([nn.ModuleList([Merge(c.oup_dim, c.inp_dim + j * c.increase) for j in scales]) for _ in range(c.nstack - 1)])
        if init_weights:
            self._initialize_weights()

    def forward(self, imgs):
        x = imgs.permute(0, 3, 1, 2)  # NHWC → NCHW
        x = self.pre(x)
        preds = []
        cache = None
        for t in range(self.config.nstack):
            fms = self.hourglass[t](x)
            if cache is not None:
                fms = [f + c for f, c in zip(fms, cache)]
            feats = self.features[t](fms)
            preds.append([self.outs[t][s](feats[s]) for s in range(len(feats))])
            if t < self.config.nstack - 1:
                cache = [self.merge_preds[t][s](preds[t][s]) + self.merge_features[t][s](feats[s]) for s in range(len(feats))]
                x = x + cache[0]
        return preds

    def _initialize_weights(self):
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, std=0.001)
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, std=0.01)
                nn.init.constant_(m.bias, 0)


class InferenceWrapper(nn.Module):
    """What inference uses (IMHN-REFERENCE §1.6 step 5): the last stack's stride-4 output, (N, 50, H/4, W/4)."""

    def __init__(self, net: PoseNet):
        super().__init__()
        self.net = net

    def forward(self, imgs):
        return self.net(imgs)[-1][0]


def count_parameters(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def infer_config(state_dict) -> ImhnConfig:
    """Reads the configuration of a checkpoint of the official family from its keys and shapes."""
    keys = list(state_dict.keys())
    try:
        nstack = 1 + max(int(k.split('.')[1]) for k in keys if k.startswith('hourglass.'))
        depth = 1 + max(int(k.split('.')[3]) for k in keys if k.startswith('hourglass.0.hg.'))
        inp_dim = state_dict['hourglass.0.hg.0.0.convBlock.6.weight'].shape[0]
        increase = state_dict['hourglass.0.hg.0.1.convBlock.6.weight'].shape[0] - inp_dim
        oup_dim = state_dict['outs.0.0.conv.weight'].shape[0]
    except (KeyError, ValueError) as e:
        first = ', '.join(keys[:3]) or '(no keys)'
        raise CheckpointError(f'not an IMHN checkpoint of the official family: cannot read its configuration ({e}); first keys: {first}') from None
    return ImhnConfig(nstack=nstack, inp_dim=inp_dim, oup_dim=oup_dim, increase=increase, depth=depth)


class CheckpointError(ValueError):
    pass


def strip_prefix(state_dict, prefix='posenet.'):
    """The official checkpoint stores NetworkEval/Network weights: every key starts with `posenet.`."""
    if state_dict and all(k.startswith(prefix) for k in state_dict):
        return {k[len(prefix):]: v for k, v in state_dict.items()}
    return dict(state_dict)


def load_checkpoint(path, map_location='cpu'):
    """Loads an official-format checkpoint (dict with 'weights', or a bare state_dict; `posenet.`/`module.` prefixes
    stripped), infers its configuration and returns a PoseNet with the weights loaded strictly."""
    try:
        ckpt = torch.load(path, map_location=map_location)
    except Exception as e:  # torch raises many types for corrupt files
        raise CheckpointError(f'{path}: cannot be read as a PyTorch checkpoint ({type(e).__name__}: {e})') from None
    sd = ckpt.get('weights', ckpt.get('state_dict', ckpt)) if isinstance(ckpt, dict) else None
    if not isinstance(sd, dict) or not sd or not all(torch.is_tensor(v) for v in sd.values()):
        raise CheckpointError(f'{path}: no state_dict found (expected a dict of tensors, or a dict with "weights")')
    sd = strip_prefix(strip_prefix(sd, 'module.'), 'posenet.')
    config = infer_config(sd)
    net = PoseNet(config)
    result = net.load_state_dict(sd, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise CheckpointError(
            f'{path}: checkpoint does not match the IMHN architecture inferred from it ({config}); '
            f'missing keys: {result.missing_keys[:5]}{" …" if len(result.missing_keys) > 5 else ""}; '
            f'unexpected keys: {result.unexpected_keys[:5]}{" …" if len(result.unexpected_keys) > 5 else ""}')
    return net, config, ckpt
