"""Makes the PNG files of test/data/png.test.ts in argv[1] with PIL and decodes them with PIL: each case's C×H×W uint8
pixels go to argv[1]/<case>.raw, and JSON on stdout gives each case's shape, or the error PIL raised. Cases:
"<file> <mode>" (Image.open(f).convert(mode)); "<file> <h>x<w> <fit> <mode>" (convert, then resize BILINEAR and for
'cover' the centre crop, as cnnkit's decoding with a size)."""
import json
import os
import struct
import sys
import zlib

import numpy as np
import pil_cases
from PIL import Image, PngImagePlugin

folder = sys.argv[1]
path = lambda name: os.path.join(folder, name)
rng = np.random.default_rng(0)
y, x = np.mgrid[0:61, 0:83].astype(np.float64)
bands = [120 + 90 * np.sin(x / (7 + 3 * c) + y / (11 + 2 * c)) + rng.normal(0, 10, x.shape) for c in range(4)]
rgba = Image.fromarray(np.clip(np.stack(bands, axis=-1), 0, 255).astype(np.uint8), 'RGBA')
rgb = rgba.convert('RGB')

gamma = PngImagePlugin.PngInfo()
gamma.add(b'gAMA', struct.pack('>I', 100000))  # gamma 1.0: a decoder that applied it would change every pixel
made = {
    'rgb.png': (rgb, {}),
    'palette.png': (rgb.quantize(200), {}),
    'palette4.png': (rgb.quantize(16), {'bits': 4}),
    'palette-trns.png': (rgb.quantize(64), {'transparency': 3}),
    'rgb-trns.png': (rgb, {'transparency': tuple(int(v) for v in np.asarray(rgb)[5, 9])}),
    'gray-trns.png': (rgb.convert('L'), {'transparency': int(np.asarray(rgb.convert('L'))[2, 3])}),
    'bilevel.png': (rgb.convert('1'), {}),
    'gamma.png': (rgb, {'pnginfo': gamma}),
}
for name, (image, options) in made.items():
    image.save(path(name), **options)
data = open(path('rgb.png'), 'rb').read()
open(path('truncated.png'), 'wb').write(data[: len(data) * 6 // 10])
# The first IDAT's data scrambled, its CRC made right again: the zlib stream itself is bad.
at = data.index(b'IDAT') - 4
length = struct.unpack('>I', data[at:at + 4])[0]
body = bytearray(data[at + 8:at + 8 + length])
for i in range(40, min(240, length)):
    body[i] = (body[i] * 7 + 3) & 0xFF
chunk = b'IDAT' + bytes(body)
open(path('corrupt.png'), 'wb').write(data[:at + 4] + chunk + struct.pack('>I', zlib.crc32(chunk)) + data[at + 12 + length:])

reference = {}


def record(key, load):
    pil_cases.record(reference, folder, key, load)


def fitted(name, height, width, fit, mode):
    image = Image.open(path(name)).convert(mode)
    return pil_cases.fit_to(image, height, width, fit)


for name in made:
    for mode in ['RGB', 'L', 'RGBA']:
        record(f'{name} {mode}', lambda: Image.open(path(name)).convert(mode))
for name, height, width, fit, mode in [('rgb.png', 32, 32, 'cover', 'RGB'), ('rgb.png', 20, 50, 'fill', 'RGB'), ('palette.png', 24, 24, 'cover', 'L')]:
    record(f'{name} {height}x{width} {fit} {mode}', lambda: fitted(name, height, width, fit, mode))
for name in ['truncated.png', 'corrupt.png']:
    record(f'{name} RGB', lambda: Image.open(path(name)).convert('RGB'))
print(json.dumps(reference))
