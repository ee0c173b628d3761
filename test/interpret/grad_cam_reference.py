"""Grad-CAM by Debian's PyTorch / torchvision 0.14, with hooks as pytorch-grad-cam sets them.

  grad_cam_reference.py DIR   for each model (torchvision's resnet18 at layer4, and a small ViT at the last encoder
                              block's ln_1 with its tokens on their grid): builds it with a fixed seed, gives its batch
                              norms and zero-initialized tensors random values (as the parity tests), saves
                              DIR/NAME.pth, and prints JSON with the raw map
                              ReLU(sum_k alpha_k A_k) at the layer's resolution (alpha_k the mean gradient over h×w)
                              and the map upsampled bilinearly to the input size and min-max normalized per image,
                              for the predicted classes and for given ones.

The inputs are functions of the index (sin(0.37 i + image)), so cnnkit builds the same ones without reading a file.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'models'))
from torchvision_reference import randomize  # noqa: E402  (batch-norm statistics and zero-initialized tensors made random)

torch.set_num_threads(2)
MODELS = {
    'resnet18': dict(size=128, layer='layer4', build=lambda: torchvision.models.resnet18(num_classes=10)),
    'vit_small': dict(size=32, layer='encoder.layers.encoder_layer_1.ln_1', build=lambda: torchvision.models.vision_transformer.VisionTransformer(
        image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64, num_classes=10)),
}
IMAGES = 3
GIVEN = [7, 0, 3]


def inputs(size):
    n = 3 * size * size
    index = torch.arange(n, dtype=torch.float32)
    return torch.stack([torch.sin(index * 0.37 + k).reshape(3, size, size) for k in range(IMAGES)])


def as_feature_map(t):
    """pytorch-grad-cam's reshape_transform for ViTs: the patch tokens on their grid, channels first."""
    if t.dim() == 4:
        return t
    side = int(round((t.shape[1] - 1) ** 0.5))
    return t[:, 1:, :].reshape(t.shape[0], side, side, t.shape[2]).permute(0, 3, 1, 2)


def grad_cam(model, layer, x, classes):
    stored = {}

    def forward_hook(_module, _inputs, output):
        stored['activation'] = output
        output.register_hook(lambda g: stored.__setitem__('gradient', g))

    handle = model.get_submodule(layer).register_forward_hook(forward_hook)
    logits = model(x)
    handle.remove()
    if classes is None:
        classes = logits.argmax(1).tolist()
    model.zero_grad()
    logits.gather(1, torch.tensor(classes).unsqueeze(1)).sum().backward()
    activation = as_feature_map(stored['activation'].detach())
    weights = as_feature_map(stored['gradient']).mean((2, 3), keepdim=True)
    cam = torch.relu((weights * activation).sum(1))
    up = F.interpolate(cam.unsqueeze(1), size=x.shape[2:], mode='bilinear', align_corners=False).squeeze(1)
    low = up.flatten(1).min(1).values[:, None, None]
    high = (up - low).flatten(1).max(1).values[:, None, None]
    heatmap = (up - low) / (high + 1e-7)
    return {'classes': classes, 'cam': cam.tolist(), 'heatmap': heatmap.tolist()}


def main():
    directory = sys.argv[1]
    out = {}
    for name, spec in MODELS.items():
        torch.manual_seed(0)
        model = spec['build']()
        randomize(model)
        model.eval()
        torch.save(model.state_dict(), os.path.join(directory, f'{name}.pth'))
        x = inputs(spec['size'])
        out[name] = {'layer': spec['layer'], 'size': spec['size'],
                     'predicted': grad_cam(model, spec['layer'], x, None), 'given': grad_cam(model, spec['layer'], x, GIVEN)}
    print(json.dumps(out))


main()
