"""torchvision's own weights API, for test/hub/registry.test.ts (Debian's /usr/bin/python3, torchvision 0.14.1)."""
import json
import math

from torchvision.models import get_model_weights, get_weight

MODELS = ['resnet18', 'resnet50', 'mobilenet_v2', 'vgg16', 'vit_b_16', 'convnext_tiny', 'alexnet']
out = {}
for model in MODELS:
    enum = get_model_weights(model)
    out[model] = {'default': str(enum.DEFAULT), 'weights': []}
    for w in enum:
        t = w.transforms()
        categories = w.meta['categories']
        acc = w.meta['_metrics']['ImageNet-1K']['acc@1']
        out[model]['weights'].append({
            'name': str(w), 'url': w.url, 'resize': t.resize_size, 'crop': t.crop_size, 'mean': list(t.mean),
            'std': list(t.std), 'interpolation': t.interpolation.value, 'numParams': w.meta['num_params'],
            'categories': categories, 'acc1': None if math.isnan(acc) else acc,
        })
out['get_weight'] = str(get_weight('ResNet50_Weights.DEFAULT'))
print(json.dumps(out))
