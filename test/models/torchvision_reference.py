"""torchvision's side of the model parity tests (Debian's torch 1.13 / torchvision 0.14).

  make DIR SIZE:NAME...   builds each model with a fixed seed, gives its batch norms and zero-initialized tensors
                          random values (so every tensor matters), saves DIR/NAME.pth and prints JSON with the
                          state dict's names and shapes, the parameter count, the printed form, the eval-mode
                          logits for the shared input, and per-tensor statistics of a fresh initialization.
  check DIR SIZE:NAME...  loads DIR/NAME.cnnkit.pth into a fresh model with strict=True and prints its logits.

The input is a function of the index (sin(0.37 i)), so cnnkit builds the same one without reading a file.
"""
import json
import sys

import torch
import torchvision

torch.set_num_threads(2)


def shared_input(size):
    n = 3 * size * size
    return torch.sin(torch.arange(n, dtype=torch.float32) * 0.37).reshape(1, 3, size, size)


def randomize(model):
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.copy_(torch.randn(module.running_mean.shape, generator=generator) * 0.1)
                module.running_var.copy_(torch.rand(module.running_var.shape, generator=generator) + 0.5)
        for name, p in model.named_parameters():
            # zero or constant at initialization (biases, norms' affine, ViT's head, ConvNeXt's layer scale)
            if p.numel() == 1 or p.std() == 0:
                p.copy_(torch.rand(p.shape, generator=generator) * 0.5 + (0.75 if p.abs().mean() > 0.5 else -0.25))


def init_stats(model):
    return {name: [p.mean().item(), p.std().item() if p.numel() > 1 else 0.0] for name, p in model.named_parameters()}


# a ViT small enough for every test run, built from the same class as vit_b_16
SMALL_VIT = dict(image_size=32, patch_size=16, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64)


def build(name):
    if name == 'vit_small':
        return torchvision.models.vision_transformer.VisionTransformer(**SMALL_VIT)
    return torchvision.models.get_model(name)


def main():
    mode, directory, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
    out = {}
    for spec in specs:
        size, name = spec.split(':')
        size = int(size)
        torch.manual_seed(0)
        model = build(name)
        if mode == 'make':
            entry = {
                'numParameters': sum(p.numel() for p in model.parameters()),
                'stateDict': [[k, list(v.shape)] for k, v in model.state_dict().items()],
                'repr': str(model),
                'init': init_stats(model),
            }
            randomize(model)
            torch.save(model.state_dict(), f'{directory}/{name}.pth')
        else:
            model.load_state_dict(torch.load(f'{directory}/{name}.cnnkit.pth'), strict=True)
            entry = {}
        model.eval()
        with torch.no_grad():
            entry['logits'] = model(shared_input(size))[0].tolist()
        out[name] = entry
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
