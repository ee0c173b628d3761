# Grad-CAM and CAM of a small CNN in PyTorch (forward and backward hooks, as pytorch-grad-cam computes them), and the
# images adversarial erasing makes from them, for test/transforms/adversarial-erasing.test.ts.
import json

import torch
from torch import nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                                      nn.Conv2d(4, 6, 3, padding=1, stride=2), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        return self.fc(self.pool(self.features(x)).flatten(1))


def grad_cam(model, images, classes, layer):
    store = {}
    module = dict(model.named_modules())[layer]
    forward = module.register_forward_hook(lambda m, i, o: store.update(activations=o))
    backward = module.register_full_backward_hook(lambda m, gi, go: store.update(gradients=go[0]))
    logits = model(images)
    model.zero_grad()
    logits.gather(1, classes[:, None]).sum().backward()
    forward.remove()
    backward.remove()
    weights = store['gradients'].mean(dim=(2, 3), keepdim=True)
    cam = F.relu((weights * store['activations']).sum(1, keepdim=True))
    return F.interpolate(cam, size=images.shape[2:], mode='bilinear', align_corners=False)[:, 0].detach()


def cam(model, images, classes):
    with torch.no_grad():
        features = model.features(images)
        maps = (model.fc.weight[classes][:, :, None, None] * features).sum(1, keepdim=True)
        return F.interpolate(maps, size=images.shape[2:], mode='bilinear', align_corners=False)[:, 0]


def erase(images, maps, threshold=0.8):
    peak = maps.flatten(1).max(1).values[:, None, None]
    mask = (maps > threshold * peak) & (peak > 0)
    return images.masked_fill(mask[:, None], 0)


torch.manual_seed(0)
model = Net()
model.features[1].running_mean.uniform_(-0.5, 0.5)
model.features[1].running_var.uniform_(0.5, 2)
model.eval()
images = torch.rand(4, 3, 12, 12)
classes = torch.tensor([0, 2, 1, 2])
out = {
    'state': {k: v.tolist() for k, v in model.state_dict().items()},
    'images': images.tolist(),
    'classes': classes.tolist(),
    'gradcam': {layer: grad_cam(model, images, classes, layer).tolist() for layer in ('features.4', 'features.3')},
    'cam': cam(model, images, classes).tolist(),
}
out['erased_gradcam'] = erase(images, torch.tensor(out['gradcam']['features.4'])).tolist()
print(json.dumps(out))
