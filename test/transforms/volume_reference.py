# PyTorch's results for test/transforms/volume.test.ts: torch.rot90 of a volume, and affine_grid + grid_sample of volumes
# under affine maps built here independently (4×4 homogeneous matrices in voxel units, inverted by numpy).
import json
import math

import numpy as np
import torch
import torch.nn.functional as F


def volume(c, d, h, w):
    return (torch.arange(c * d * h * w, dtype=torch.float32).reshape(c, d, h, w) * 0.37).sin()


def rotation(axis, degrees):
    # axes in (x, y, z) = (W, H, D) order; about D turns x-y, about H turns z-x, about W turns y-z.
    a = math.radians(degrees)
    i, j = {'D': (0, 1), 'H': (2, 0), 'W': (1, 2)}[axis]
    r = np.eye(4)
    r[i, i], r[i, j], r[j, i], r[j, j] = math.cos(a), -math.sin(a), math.sin(a), math.cos(a)
    return r


def theta(angles, translate, scale, size):
    d, h, w = size
    forward = np.eye(4)
    forward[:3, 3] = [translate[2], translate[1], translate[0]]
    forward = forward @ np.diag([scale, scale, scale, 1.0]) @ rotation('D', angles[0]) @ rotation('H', angles[1]) @ rotation('W', angles[2])
    to_voxels = np.diag([w / 2, h / 2, d / 2, 1.0])
    return (np.linalg.inv(to_voxels) @ np.linalg.inv(forward) @ to_voxels)[:3]


out = {}
x = volume(2, 4, 5, 6)
out['input'] = x.tolist()
out['rot90'] = {f'{k}_{a}{b}': torch.rot90(x, k, [a + 1, b + 1]).tolist() for k in (1, 2, 3) for a, b in ((0, 1), (1, 2), (0, 2))}
out['flip'] = {str(a): torch.flip(x, [a + 1]).tolist() for a in (0, 1, 2)}

# The nearest case puts no sample point on a half-voxel boundary, where float rounding (CPU or CUDA) could pick either voxel.
cases = [
    {'angles': [30, 0, 0], 'translate': [0, 0, 0], 'scale': 1.0, 'mode': 'bilinear'},
    {'angles': [10, -20, 35], 'translate': [1, -2, 1], 'scale': 1.2, 'mode': 'bilinear'},
    {'angles': [5, 40, -15], 'translate': [0, 1, -1], 'scale': 0.85, 'mode': 'nearest'},
]
for case in cases:
    t = torch.tensor(theta(case['angles'], case['translate'], case['scale'], x.shape[1:]), dtype=torch.float32)
    grid = F.affine_grid(t[None], [1, *x.shape], align_corners=False)
    case['theta'] = t.tolist()
    case['output'] = F.grid_sample(x[None], grid, mode=case['mode'], padding_mode='zeros', align_corners=False)[0].tolist()
out['affine'] = cases
print(json.dumps(out))
