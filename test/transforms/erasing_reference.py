# Reference values for test/transforms/erasing.test.ts from torchvision 0.14: erase() at given boxes, RandomErasing's
# printed form, and the mean erased area of RandomErasing's own sampling procedure (Monte Carlo over get_params).
import json

import torch
import torchvision.transforms as T
import torchvision.transforms.functional as TF

torch.manual_seed(0)
image = torch.arange(3 * 8 * 10, dtype=torch.float32).reshape(3, 8, 10) / 240
image_u8 = (torch.arange(3 * 8 * 10) % 256).to(torch.uint8).reshape(3, 8, 10)
per_channel = torch.tensor([0.1, 0.2, 0.3])[:, None, None]
noise = torch.linspace(-1, 1, 3 * 4 * 5).reshape(3, 4, 5)

erase = {
    'scalar': TF.erase(image, 2, 3, 4, 5, torch.tensor(0.5)).tolist(),
    'perChannel': TF.erase(image, 0, 0, 8, 2, per_channel).tolist(),
    'tensor': TF.erase(image, 1, 4, 4, 5, noise).tolist(),
    'uint8': TF.erase(image_u8, 5, 6, 3, 4, torch.tensor([7, 8, 9], dtype=torch.uint8)[:, None, None]).tolist(),
    'batch': TF.erase(torch.stack([image, image * 2]), 3, 1, 2, 6, torch.tensor(0.0)).tolist(),
}


def erased_fraction(height, width, scale, ratio, draws):
    """Mean and variance of h*w/(H*W) over torchvision's get_params; a box that never fits erases nothing."""
    probe = torch.zeros(3, height, width)
    fractions = []
    for _ in range(draws):
        i, j, h, w, v = T.RandomErasing.get_params(probe, scale=scale, ratio=ratio, value=[0.0])
        fractions.append(0.0 if v is probe else h * w / (height * width))
    mean = sum(fractions) / draws
    variance = sum((f - mean) ** 2 for f in fractions) / (draws - 1)
    return {'mean': mean, 'variance': variance, 'none': sum(f == 0 for f in fractions) / draws}


print(json.dumps({
    'erase': erase,
    'repr': [str(T.RandomErasing()), str(T.RandomErasing(p=1.0, scale=(0.1, 0.2), ratio=(0.5, 2.0), value='random', inplace=True))],
    'fraction32': erased_fraction(32, 32, (0.02, 0.33), (0.3, 3.3), 20000),
    'fractionLarge': erased_fraction(16, 24, (0.3, 0.9), (0.3, 3.3), 20000),
}))
