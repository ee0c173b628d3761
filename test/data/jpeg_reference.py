"""Makes the JPEG files of test/data/jpeg.test.ts in argv[1] with PIL (and jpegtran for restart markers) and decodes
them with PIL: each case's C×H×W uint8 pixels go to argv[1]/<case>.raw, and JSON on stdout gives each case's shape,
or the error PIL raised. Cases: "<file> <mode>" (Image.open(f), ImageOps.exif_transpose, convert(mode));
"<file> scale <s>" (draft at 1/s, RGB as stored); "<file> <h>x<w> <fit> <mode>" (draft covering the size, then
exif_transpose, convert, resize BILINEAR and for 'cover' the centre crop, as cnnkit's decoding with a size)."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pil_cases
from PIL import Image, ImageOps

folder = sys.argv[1]
path = lambda name: os.path.join(folder, name)
rng = np.random.default_rng(0)


def photo(height, width, channels=3):
    """Smooth colour gradients, a ripple texture and noise: a JPEG of it has detail in every 8×8 block."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    bands = [120 + 90 * np.sin(x / (9 + 4 * c) + y / (13 + 3 * c)) + 30 * np.cos((x * y) / 400 + c) for c in range(channels)]
    a = np.stack(bands, axis=-1) + rng.normal(0, 12, (height, width, channels))
    return np.clip(a, 0, 255).astype(np.uint8)


rgb = Image.fromarray(photo(157, 203))
small = Image.fromarray(photo(23, 37))
made = {
    'baseline.jpg': (rgb, dict(quality=90)),
    'progressive.jpg': (rgb, dict(quality=90, progressive=True)),
    's420.jpg': (rgb, dict(quality=90, subsampling=2)),
    's422.jpg': (rgb, dict(quality=90, subsampling=1)),
    's444.jpg': (rgb, dict(quality=90, subsampling=0)),
    'gray.jpg': (rgb.convert('L'), dict(quality=90)),
    'cmyk.jpg': (rgb.convert('CMYK'), dict(quality=90)),
}
for name, (image, options) in made.items():
    image.save(path(name), **options)
for orientation in range(1, 9):
    exif = Image.Exif()
    exif[0x0112] = orientation
    small.save(path(f'exif{orientation}.jpg'), quality=90, exif=exif.tobytes())
# Restart markers every MCU row, put into the baseline file losslessly.
jpegtran = shutil.which('jpegtran')
if jpegtran:
    subprocess.run([jpegtran, '-restart', '1', '-outfile', path('restart.jpg'), path('baseline.jpg')], check=True)
data = open(path('baseline.jpg'), 'rb').read()
open(path('truncated.jpg'), 'wb').write(data[: len(data) * 6 // 10])

reference = {}


def record(key, load):
    pil_cases.record(reference, folder, key, load)


def full(name, mode):
    return ImageOps.exif_transpose(Image.open(path(name))).convert(mode)


def scaled(name, s):
    image = Image.open(path(name))
    width, height = image.size
    image.draft(image.mode, (width // s, height // s))
    return image.convert('RGB')


def fitted(name, height, width, fit, mode):
    image = Image.open(path(name))
    turned = image.getexif().get(0x0112, 1) >= 5
    image.draft(image.mode, (height, width) if turned else (width, height))
    image = ImageOps.exif_transpose(image).convert(mode)
    return pil_cases.fit_to(image, height, width, fit)


names = [n for n in made if n != 'cmyk.jpg'] + [f'exif{k}.jpg' for k in range(1, 9)] + (['restart.jpg'] if jpegtran else [])
for name in names:
    for mode in ['RGB', 'L']:
        record(f'{name} {mode}', lambda: full(name, mode))
for s in [2, 4, 8]:
    record(f'baseline.jpg scale {s}', lambda: scaled('baseline.jpg', s))
    record(f's444.jpg scale {s}', lambda: scaled('s444.jpg', s))
for name, height, width, fit, mode in [
    ('baseline.jpg', 64, 64, 'cover', 'RGB'), ('baseline.jpg', 32, 40, 'cover', 'RGB'), ('baseline.jpg', 20, 20, 'cover', 'L'),
    ('progressive.jpg', 48, 30, 'fill', 'RGB'), ('gray.jpg', 36, 36, 'cover', 'RGB'), ('exif6.jpg', 8, 5, 'cover', 'RGB'),
    ('baseline.jpg', 150, 150, 'cover', 'RGB'),
]:
    record(f'{name} {height}x{width} {fit} {mode}', lambda: fitted(name, height, width, fit, mode))
record('truncated.jpg RGB', lambda: full('truncated.jpg', 'RGB'))
print(json.dumps({'restart': bool(jpegtran), 'cases': reference}))
