# torchvision's preset for published weights (weights.transforms()) on a fixed image, for test/hub/preset.test.ts;
# argv[1] is the weights' full name. torchvision 0.14's preset resizes tensors without antialiasing, but the published
# accuracies were measured on PIL images, which always antialias: so its steps run here with antialias=True.
import json
import sys

import torch
import torchvision
import torchvision.transforms.functional as F

torch.manual_seed(0)
image = torch.rand(3, 300, 410)
preset = torchvision.models.get_weight(sys.argv[1]).transforms()
out = F.resize(image, preset.resize_size, interpolation=preset.interpolation, antialias=True)
out = F.center_crop(out, preset.crop_size)
out = F.normalize(out, mean=preset.mean, std=preset.std)
print(json.dumps({"input": image.flatten().tolist(), "shape": list(out.shape), "output": out.flatten().tolist()}))
