"""Decodes the fixture images that test/data/images.test.ts wrote into argv[1] with PIL and torchvision, and prints
JSON: for each case, the C×H×W shape and the values, row-major."""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image, ImageOps
from torchvision.datasets import ImageFolder
from torchvision.io import ImageReadMode, decode_png, read_file
from torchvision.utils import make_grid

folder = sys.argv[1]


def chw(image):
    a = np.asarray(image)
    a = a[:, :, None] if a.ndim == 2 else a
    a = a.transpose(2, 0, 1)
    return {'shape': list(a.shape), 'values': a.reshape(-1).tolist()}


def pil(name, mode=None):
    image = ImageOps.exif_transpose(Image.open(os.path.join(folder, name)))
    return chw(image.convert(mode) if mode else image)


def png(name, mode):
    t = decode_png(read_file(os.path.join(folder, name)), mode)
    return {'shape': list(t.shape), 'values': t.reshape(-1).tolist()}


def tensor_json(t):
    return {'shape': list(t.shape), 'values': t.reshape(-1).tolist()}


# The test builds the same batch: 5 images 3×3×4 with values k / 180.
batch = torch.arange(5 * 3 * 3 * 4, dtype=torch.float32).reshape(5, 3, 3, 4) / 180
# Gray + alpha, which sharp does not write: made here, read by the test after this script.
la = (np.arange(13 * 20 * 2).reshape(13, 20, 2) * 7 % 256).astype(np.uint8)
Image.fromarray(la, 'LA').save(os.path.join(folder, 'gray-alpha.png'))
gray16 = np.asarray(Image.open(os.path.join(folder, 'gray16.png'))).astype(np.int64)
folder_set = ImageFolder(os.path.join(folder, 'tree'))
reference = {
    'rgb.png': png('rgb.png', ImageReadMode.RGB),
    'rgb.png gray': pil('rgb.png', 'L'),
    'gray.png': png('gray.png', ImageReadMode.UNCHANGED),
    'gray.png rgb': png('gray.png', ImageReadMode.RGB),
    'rgba.png': png('rgba.png', ImageReadMode.RGB_ALPHA),
    'rgba.png rgb': pil('rgba.png', 'RGB'),
    'gray-alpha.png': pil('gray-alpha.png'),
    'gray-alpha.png rgba': pil('gray-alpha.png', 'RGBA'),
    'gray-alpha.png rgb': pil('gray-alpha.png', 'RGB'),
    'rgba.png gray': pil('rgba.png', 'L'),
    'lossless.webp': pil('lossless.webp', 'RGB'),
    'rgb.jpg': pil('rgb.jpg', 'RGB'),
    'exif6.jpg': pil('exif6.jpg', 'RGB'),
    'gray16.png keep': {'shape': [1, *gray16.shape], 'values': gray16.reshape(-1).tolist()},
    'gray16.png': {'shape': [1, *gray16.shape], 'values': np.floor(gray16 / 257 + 0.5).astype(np.int64).reshape(-1).tolist()},
    'grid': tensor_json(make_grid(batch, nrow=2, padding=1, pad_value=0.5)),
    'grid normalized': tensor_json(make_grid(batch * 4 - 1, nrow=3, normalize=True)),
    'grid gray': tensor_json(make_grid(batch[:, :1], padding=2)),
    'tree': {'classes': folder_set.classes, 'class_to_idx': folder_set.class_to_idx,
             'samples': [[os.path.relpath(p, folder), c] for p, c in folder_set.samples]},
}
print(json.dumps(reference))
