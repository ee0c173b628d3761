"""What the JPEG and PNG reference scripts share: a case's PIL pixels recorded for the TypeScript test, and a decoded
image brought to a size as cnnkit's decoding with a size does (BILINEAR, and for 'cover' the centre crop)."""
import os

import numpy as np
from PIL import Image


def record(reference, folder, key, load):
    """Writes load()'s C×H×W uint8 pixels to folder/<key>.raw and their shape to reference[key], or PIL's error."""
    try:
        a = np.asarray(load())
    except Exception as error:  # PIL's own error, for the cases that must fail
        reference[key] = {'error': f'{type(error).__name__}: {error}'}
        return
    a = (a[:, :, None] if a.ndim == 2 else a).transpose(2, 0, 1).copy()
    a.astype(np.uint8).tofile(os.path.join(folder, key + '.raw'))
    reference[key] = {'shape': list(a.shape)}


def fit_to(image, height, width, fit):
    """'fill' stretches; 'cover' scales the shorter side to fit (sizes truncated) and crops the centre."""
    w, h = image.size
    if fit == 'fill':
        return image.resize((width, height), Image.BILINEAR)
    rh, rw = (height, max(width, w * height // h)) if height / h >= width / w else (max(height, h * width // w), width)
    image = image.resize((rw, rh), Image.BILINEAR)
    top, left = round((rh - height) / 2), round((rw - width) / 2)
    return image.crop((left, top, left + width, top + height))
