"""Photo-like JPEGs for the augment_pipeline_photos case: COUNT files in 4 class folders under FOLDER, each of a size
drawn from 300–500 × 240–500 (width × height, as Dogs vs. Cats), with smooth colour fields, a texture and noise, saved
by PIL at quality 90 with the noise tuned per file so that it is 40–60 KB, as photos of that size are.
Usage: make_photos.py FOLDER COUNT SEED; prints {"images": N, "kb": [min, mean, max], "pixels": [min, max]}."""
import io
import json
import os
import sys

import numpy as np
from PIL import Image

LOW, HIGH = 40_000, 60_000


def field(rng, height, width):
    """Smooth colour blobs (a coarse grid upsampled) plus a finer texture: what the noise rides on."""
    coarse = Image.fromarray(rng.integers(0, 256, (5, 6, 3), dtype=np.uint8)).resize((width, height), Image.BICUBIC)
    fine = Image.fromarray(rng.integers(0, 256, (height // 10, width // 10, 3), dtype=np.uint8)).resize((width, height), Image.BILINEAR)
    return 0.7 * np.asarray(coarse, np.float32) + 0.3 * np.asarray(fine, np.float32)


def encode(base, noise, amplitude):
    out = io.BytesIO()
    Image.fromarray(np.clip(base + amplitude * noise, 0, 255).astype(np.uint8)).save(out, 'JPEG', quality=90)
    return out.getvalue()


def main(argv):
    folder, count, seed = argv[1], int(argv[2]), int(argv[3])
    rng = np.random.default_rng(seed)
    sizes, pixels = [], []
    for i in range(count):
        width, height = int(rng.integers(300, 501)), int(rng.integers(240, 501))
        base, noise = field(rng, height, width), rng.normal(0, 1, (height, width, 3)).astype(np.float32)
        # File size grows with the noise: a few multiplicative steps bring it into the range.
        amplitude = 12.0 * (150_000 / (width * height)) ** 1.5
        for _ in range(12):
            data = encode(base, noise, amplitude)
            if LOW <= len(data) <= HIGH:
                break
            amplitude *= 1.25 if len(data) < LOW else 0.8
        os.makedirs(os.path.join(folder, f'class{i % 4}'), exist_ok=True)
        with open(os.path.join(folder, f'class{i % 4}', f'{i}.jpg'), 'wb') as f:
            f.write(data)
        sizes.append(len(data) / 1000)
        pixels.append(width * height)
    print(json.dumps({'images': count, 'kb': [min(sizes), sum(sizes) / count, max(sizes)], 'pixels': [min(pixels), max(pixels)]}))


if __name__ == '__main__':
    main(sys.argv)
