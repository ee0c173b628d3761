# torchvision 0.14's autoaugment for test/transforms/policies.test.ts: the magnitude tables of the three policies, and
# _apply_op of every operation at fixed signed magnitudes on one uint8 image.
import json

import torch
from torchvision.transforms import InterpolationMode
from torchvision.transforms.autoaugment import AutoAugment, RandAugment, TrivialAugmentWide, _apply_op


def table(space):
    return {name: [magnitudes.tolist() if magnitudes.ndim > 0 else None, signed] for name, (magnitudes, signed) in space.items()}


torch.manual_seed(0)
image = torch.randint(0, 256, (3, 20, 24), dtype=torch.uint8)
size = (20, 24)
tables = {
    'autoAugment': table(AutoAugment()._augmentation_space(10, size)),
    'randAugment': table(RandAugment()._augmentation_space(31, size)),
    'trivialAugment': table(TrivialAugmentWide()._augmentation_space(31)),
}
cases = []
for name, (magnitudes, signed) in tables['randAugment'].items():
    for sign in ((1, -1) if signed else (1,)):
        cases.append({'op': name, 'magnitude': sign * magnitudes[9] if magnitudes else 0.0})
for name in ('ShearX', 'TranslateY', 'Rotate', 'Contrast', 'Posterize', 'Solarize'):
    magnitudes, signed = tables['trivialAugment'][name]
    cases.append({'op': name, 'magnitude': (-1 if signed else 1) * magnitudes[27]})
cases.append({'op': 'Invert', 'magnitude': 0.0})
cases.append({'op': 'Rotate', 'magnitude': 20.0, 'interpolation': 'bilinear', 'fill': [10, 20, 30]})
cases.append({'op': 'ShearY', 'magnitude': -0.5, 'fill': [200, 100, 0]})
for case in cases:
    interpolation = InterpolationMode.BILINEAR if case.get('interpolation') == 'bilinear' else InterpolationMode.NEAREST
    fill = [float(f) for f in case['fill']] if 'fill' in case else None
    case['output'] = _apply_op(image, case['op'], case['magnitude'], interpolation=interpolation, fill=fill).tolist()
print(json.dumps({'image': image.tolist(), 'tables': tables, 'cases': cases}))
