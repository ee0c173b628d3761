"""torchvision's results for test/transforms/*.test.ts, printed as JSON. Run by the tests with Debian's /usr/bin/python3."""
import json
import warnings

import torch
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode

warnings.filterwarnings('ignore')
torch.set_num_threads(1)
NEAREST, BILINEAR, BICUBIC = InterpolationMode.NEAREST, InterpolationMode.BILINEAR, InterpolationMode.BICUBIC

torch.manual_seed(0)
# Odd, non-square sizes catch off-by-one centres; the uint8 image has a smooth part and noise, so histograms are uneven.
f = torch.rand(3, 11, 13)
u = (torch.linspace(0, 1, 11 * 13).view(1, 11, 13) * 180 + torch.rand(3, 11, 13) * 60).to(torch.uint8)
batch = torch.rand(2, 3, 11, 13)
images = {'f': f, 'u': u, 'batch': batch}

cases = {
    'hflip': ('f', lambda x: F.hflip(x)),
    'vflip': ('u', lambda x: F.vflip(x)),
    'rotate30_nearest': ('f', lambda x: F.rotate(x, 30.0)),
    'rotate-45_bilinear': ('f', lambda x: F.rotate(x, -45.0, BILINEAR)),
    'rotate90_nearest_u8': ('u', lambda x: F.rotate(x, 90.0)),
    'rotate30_bilinear_fill': ('f', lambda x: F.rotate(x, 30.0, BILINEAR, fill=[0.5, 0.25, 1.0])),
    'rotate30_nearest_fill_u8': ('u', lambda x: F.rotate(x, 30.0, NEAREST, fill=[7.0])),
    'rotate30_expand': ('f', lambda x: F.rotate(x, 30.0, BILINEAR, expand=True)),
    'rotate20_center': ('f', lambda x: F.rotate(x, 20.0, BILINEAR, center=[3, 4])),
    'affine_nearest': ('f', lambda x: F.affine(x, 20.0, [2, -1], 1.2, [10.0, 5.0])),
    'affine_bilinear_u8': ('u', lambda x: F.affine(x, -15.0, [1, 2], 0.8, [0.0, -8.0], BILINEAR, fill=[0.0])),
    'affine_bilinear_center': ('f', lambda x: F.affine(x, 33.0, [0, 0], 1.1, [12.0, 0.0], BILINEAR, fill=[0.3], center=[2, 8])),
    'affine_batch': ('batch', lambda x: F.affine(x, 10.0, [1, 1], 0.9, [5.0, 0.0], BILINEAR)),
    'resize_bilinear_aa': ('f', lambda x: F.resize(x, [7, 9], BILINEAR, antialias=True)),
    'resize_bilinear_noaa': ('f', lambda x: F.resize(x, [7, 9], BILINEAR, antialias=False)),
    'resize_up_bilinear_u8': ('u', lambda x: F.resize(x, [15, 20], BILINEAR, antialias=True)),
    'resize_up_bilinear_aa': ('f', lambda x: F.resize(x, [15, 20], BILINEAR, antialias=True)),
    'resized_crop_up_batch': ('batch', lambda x: F.resized_crop(x, 2, 3, 5, 7, [16, 17], BILINEAR, antialias=True)),
    'resize_short_edge_aa_u8': ('u', lambda x: F.resize(x, 6, BILINEAR, antialias=True)),
    'resize_nearest': ('f', lambda x: F.resize(x, [5, 17], NEAREST)),
    'resize_bicubic_aa': ('f', lambda x: F.resize(x, [8, 6], BICUBIC, antialias=True)),
    'resize_max_size': ('f', lambda x: F.resize(x, 8, BILINEAR, max_size=9, antialias=True)),
    'center_crop': ('f', lambda x: F.center_crop(x, [6, 7])),
    'center_crop_pad': ('u', lambda x: F.center_crop(x, [14, 16])),
    'crop_outside': ('f', lambda x: F.crop(x, -2, 9, 6, 7)),
    'resized_crop': ('f', lambda x: F.resized_crop(x, 2, 3, 7, 8, [5, 5], BILINEAR, antialias=True)),
    'pad_constant': ('u', lambda x: F.pad(x, [1, 2, 3, 4], fill=9)),
    'pad_edge': ('u', lambda x: F.pad(x, [2, 1])),
    'pad_reflect': ('f', lambda x: F.pad(x, [3], padding_mode='reflect')),
    'pad_edge_mode': ('f', lambda x: F.pad(x, [1, 2, 3, 4], padding_mode='edge')),
    'pad_symmetric': ('u', lambda x: F.pad(x, [2, 3, 1, 4], padding_mode='symmetric')),
    'brightness': ('f', lambda x: F.adjust_brightness(x, 1.3)),
    'brightness_u8': ('u', lambda x: F.adjust_brightness(x, 1.3)),
    'contrast': ('f', lambda x: F.adjust_contrast(x, 0.6)),
    'contrast_u8': ('u', lambda x: F.adjust_contrast(x, 1.7)),
    'saturation': ('f', lambda x: F.adjust_saturation(x, 1.7)),
    'saturation_u8': ('u', lambda x: F.adjust_saturation(x, 0.3)),
    'hue': ('f', lambda x: F.adjust_hue(x, 0.2)),
    'hue_negative_u8': ('u', lambda x: F.adjust_hue(x, -0.35)),
    'sharpness': ('f', lambda x: F.adjust_sharpness(x, 2.0)),
    'sharpness_u8': ('u', lambda x: F.adjust_sharpness(x, 0.4)),
    'posterize_u8': ('u', lambda x: F.posterize(x, 3)),
    'solarize': ('f', lambda x: F.solarize(x, 0.6)),
    'solarize_u8': ('u', lambda x: F.solarize(x, 100)),
    'invert_u8': ('u', lambda x: F.invert(x)),
    'grayscale': ('f', lambda x: F.rgb_to_grayscale(x)),
    'grayscale3_u8': ('u', lambda x: F.rgb_to_grayscale(x, 3)),
    'gaussian_blur': ('f', lambda x: F.gaussian_blur(x, [5, 5], [1.3, 1.3])),
    'gaussian_blur_xy_u8': ('u', lambda x: F.gaussian_blur(x, [3, 5], [0.8, 1.5])),
    'gaussian_blur_default_sigma': ('f', lambda x: F.gaussian_blur(x, [7, 7])),
    'normalize': ('f', lambda x: F.normalize(x, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])),
    'autocontrast': ('f', lambda x: F.autocontrast(x)),
    'autocontrast_u8': ('u', lambda x: F.autocontrast(x)),
    'equalize_u8': ('u', lambda x: F.equalize(x)),
    'equalize_batch': ('batch', lambda x: F.equalize((x * 255).to(torch.uint8))),
    'convert_u8': ('f', lambda x: F.convert_image_dtype(x, torch.uint8)),
}

out = {'inputs': {k: v.tolist() for k, v in images.items()}, 'cases': {}}
for name, (source, fn) in cases.items():
    y = fn(images[source].clone())
    out['cases'][name] = {'input': source, 'dtype': str(y.dtype).replace('torch.', ''), 'output': y.tolist()}
print(json.dumps(out))
