"""Writes src/hub/torchvision-weights.json from torchvision's own weights enums, offline.

Run with Debian's Python, which has torchvision 0.14.1:  /usr/bin/python3 scripts/make-weights-registry.py
Each entry keeps what torchvision's weights API describes: url, the file-name hash prefix that torch.hub checks,
the ImageClassification preprocessing as plain numbers, and the meta (categories stored once by name).
"""
import json
import math
import os
import re

import torchvision
from torchvision.models import get_model_weights

MODELS = ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', 'mobilenet_v2', 'mobilenet_v3_small',
          'mobilenet_v3_large', 'alexnet', 'vgg11', 'vgg11_bn', 'vgg16', 'vgg16_bn', 'vit_b_16', 'convnext_tiny']
HASH_REGEX = re.compile(r'-([a-f0-9]*)\.')  # torch.hub's rule for the hash prefix in a checkpoint's file name
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', 'hub', 'torchvision-weights.json')


def transforms_of(weights):
    preset = weights.transforms()
    return {
        'resizeSize': list(preset.resize_size),
        'cropSize': list(preset.crop_size),
        'mean': list(preset.mean),
        'std': list(preset.std),
        'interpolation': preset.interpolation.value,
        # The published accuracies were measured on PIL images, which always resize with antialiasing.
        'antialias': True,
    }


def main():
    category_lists = {}
    models = {}
    for model in MODELS:
        enum = get_model_weights(model)
        entries = []
        for weights in enum:
            file_name = os.path.basename(weights.url)
            match = HASH_REGEX.search(file_name)
            meta = dict(weights.meta)
            categories = meta.pop('categories')
            if categories is None:  # VGG16_Weights.IMAGENET1K_FEATURES: only the feature extractor is trained
                category_ref = None
            elif len(categories) == 1000:
                category_lists.setdefault('imagenet1k', categories)
                assert category_lists['imagenet1k'] == categories, f'{weights}: another 1000-class list'
                category_ref = 'imagenet1k'
            else:
                category_ref = f'{model}.{weights.name}'
                category_lists[category_ref] = categories
            entry_meta = {
                'categories': category_ref,
                'numClasses': len(categories) if categories is not None else None,
                'numParams': meta.pop('num_params'),
                'minSize': list(meta.pop('min_size')),
                'recipe': meta.pop('recipe'),
                'metrics': {data: {name: None if math.isnan(value) else value for name, value in values.items()}
                            for data, values in meta.pop('_metrics').items()},
                'docs': meta.pop('_docs'),
            }
            if 'license' in meta:
                entry_meta['license'] = meta.pop('license')
            assert not meta, f'{weights}: unrecorded meta {sorted(meta)}'
            entries.append({
                'name': weights.name,
                'url': weights.url,
                'fileName': file_name,
                'hashPrefix': match.group(1) if match else None,
                'transforms': transforms_of(weights),
                'meta': entry_meta,
            })
        models[model] = {'enum': enum.__name__, 'default': enum.DEFAULT.name, 'weights': entries}
    registry = {'source': f'torchvision {torchvision.__version__}', 'categories': category_lists, 'models': models}
    with open(OUT, 'w') as f:
        json.dump(registry, f, indent=1, allow_nan=False)
        f.write('\n')


main()
