"""Building blocks of the official IMHN (models/layers_transposed.py + models/posenet.py at df0a8ce).

Attribute names and Sequential indices are kept exactly so that state_dict keys match the official checkpoint
(IMHN-REFERENCE §1.2, §1.9). Every activation is LeakyReLU(0.01); every norm BatchNorm2d with PyTorch defaults.
"""
import torch
from torch import nn

LEAKY = 0.01


class Conv(nn.Module):
    """Conv2d(k, stride, padding (k-1)//2) [+ BN] [+ LeakyReLU]; bias only without BN. Keys: conv.*, bn.*."""

    def __init__(self, inp_dim, out_dim, kernel_size=3, stride=1, bn=False, relu=True):
        super().__init__()
        self.inp_dim = inp_dim
        self.conv = nn.Conv2d(inp_dim, out_dim, kernel_size, stride, padding=(kernel_size - 1) // 2, bias=not bn)
        self.relu = nn.LeakyReLU(LEAKY) if relu else None
        self.bn = nn.BatchNorm2d(out_dim) if bn else None

    def forward(self, x):
        x = self.conv(x)
        if self.bn is not None:
            x = self.bn(x)
        if self.relu is not None:
            x = self.relu(x)
        return x


class DilatedConv(nn.Module):
    """3×3 conv with padding = dilation = d, no bias, BN, LeakyReLU (stem only). Keys: conv.*, bn.*."""

    def __init__(self, inp_dim, out_dim, dilation):
        super().__init__()
        self.conv = nn.Conv2d(inp_dim, out_dim, 3, 1, padding=dilation, dilation=dilation, bias=False)
        self.bn = nn.BatchNorm2d(out_dim)
        self.relu = nn.LeakyReLU(LEAKY)

    def forward(self, x):
        return self.relu(self.bn(self.conv(x)))


class Residual(nn.Module):
    """Bottleneck residual: convBlock [0..7] (1×1 → 3×3 → 1×1 with BN/LeakyReLU) + skip (1×1 conv + BN if ins ≠ outs)."""

    def __init__(self, ins, outs):
        super().__init__()
        mid = outs // 2
        self.convBlock = nn.Sequential(
            nn.Conv2d(ins, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.LeakyReLU(LEAKY),
            nn.Conv2d(mid, mid, 3, 1, 1, bias=False), nn.BatchNorm2d(mid), nn.LeakyReLU(LEAKY),
            nn.Conv2d(mid, outs, 1, bias=False), nn.BatchNorm2d(outs),
        )
        self.skipConv = nn.Sequential(nn.Conv2d(ins, outs, 1, bias=False), nn.BatchNorm2d(outs)) if ins != outs else None
        self.relu = nn.LeakyReLU(LEAKY)

    def forward(self, x):
        skip = self.skipConv(x) if self.skipConv is not None else x
        return self.relu(self.convBlock(x) + skip)


class SELayer(nn.Module):
    """Squeeze-and-excitation; fc = [0] Linear C→C/r, [1] LeakyReLU, [2] Linear C/r→C, [3] Sigmoid."""

    def __init__(self, channels, reduction=16):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Sequential(
            nn.Linear(channels, channels // reduction), nn.LeakyReLU(LEAKY),
            nn.Linear(channels // reduction, channels), nn.Sigmoid(),
        )

    def forward(self, x):
        b, c = x.shape[0], x.shape[1]
        y = self.fc(self.avg_pool(x).view(b, c)).view(b, c, 1, 1)
        return x * y


class Merge(nn.Module):
    """1×1 conv (no bias) + BN, no activation. Keys: conv.conv.weight, conv.bn.*."""

    def __init__(self, x_dim, y_dim):
        super().__init__()
        self.conv = Conv(x_dim, y_dim, 1, relu=False, bn=True)

    def forward(self, x):
        return self.conv(x)


class Backbone(nn.Module):
    """Stem (attribute `pre`): conv1 7×7/2 → bn1 → LReLU → res1 → maxpool → res2 → 6 dilated convs; output
    concat [res2, dilation] = 2·half channels at stride 4 (half = 128 officially)."""

    def __init__(self, half=128, dilations=(3, 3, 4, 4, 5, 5)):
        super().__init__()
        first = half // 2
        self.conv1 = nn.Conv2d(3, first, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(first)
        self.relu = nn.LeakyReLU(LEAKY)
        self.res1 = Residual(first, half)
        self.pool = nn.MaxPool2d(2, 2)
        self.res2 = Residual(half, half)
        self.dilation = nn.Sequential(*[DilatedConv(half, half, d) for d in dilations])

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.res2(self.pool(self.res1(x)))
        return torch.cat([x, self.dilation(x)], 1)


class Hourglass(nn.Module):
    """`hg[i]` = [Res(Ci→Ci), Res(Ci→Ci+1), Res(Ci+1→Ci), Conv(Ci→Ci, 3×3, BN, LReLU)] (+ [4] Res(C_depth) at i = depth−1),
    C_i = nFeat + increase·i. forward returns [level-0 output] + reversed(low2 of each level): depth+1 scales."""

    def __init__(self, depth, n_feat, increase):
        super().__init__()
        self.depth = depth
        c = [n_feat + increase * i for i in range(depth + 1)]
        levels = []
        for i in range(depth):
            mods = [Residual(c[i], c[i]), Residual(c[i], c[i + 1]), Residual(c[i + 1], c[i]), Conv(c[i], c[i], 3, bn=True, relu=True)]
            if i == depth - 1:
                mods.append(Residual(c[i + 1], c[i + 1]))
            levels.append(nn.ModuleList(mods))
        self.hg = nn.ModuleList(levels)
        self.pool = nn.MaxPool2d(2, 2)
        self.up = nn.Upsample(scale_factor=2, mode='nearest')

    def _forward(self, level, x, up_fms):
        up1 = self.hg[level][0](x)
        low1 = self.hg[level][1](self.pool(x))
        if level == self.depth - 1:
            low2 = self.hg[level][4](low1)
        else:
            low2 = self._forward(level + 1, low1, up_fms)
        low3 = self.hg[level][2](low2)
        up_fms.append(low2)
        return up1 + self.hg[level][3](self.up(low3))

    def forward(self, x):
        up_fms = []
        out = self._forward(0, x, up_fms)
        return [out] + up_fms[::-1]
