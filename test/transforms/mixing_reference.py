# Reference values for test/transforms/mixing.test.ts: PyTorch's cross entropy with probability targets, and timm's
# formulas (timm.loss.SoftTargetCrossEntropy, timm.data.mixup.one_hot / mixup_target) written out, as timm is not installed.
import json

import torch
import torch.nn.functional as F

torch.manual_seed(0)
logits = torch.randn(6, 5, dtype=torch.float64)
probabilities = torch.softmax(torch.randn(6, 5, dtype=torch.float64) * 2, dim=1)
classes = torch.tensor([0, 4, 2, 2, 1, 3])


def timm_one_hot(x, num_classes, on_value=1.0, off_value=0.0):
    x = x.long().view(-1, 1)
    return torch.full((x.size()[0], num_classes), off_value).scatter_(1, x, on_value)


def timm_mixup_target(target, num_classes, lam=1.0, smoothing=0.0):
    off_value = smoothing / num_classes
    on_value = 1.0 - smoothing + off_value
    y1 = timm_one_hot(target, num_classes, on_value=on_value, off_value=off_value)
    y2 = timm_one_hot(target.flip(0), num_classes, on_value=on_value, off_value=off_value)
    return y1 * lam + y2 * (1.0 - lam)


def timm_soft_target_cross_entropy(x, target):
    return torch.sum(-target * F.log_softmax(x, dim=-1), dim=-1).mean()


print(json.dumps({
    'logits': logits.tolist(),
    'probabilities': probabilities.tolist(),
    'classes': classes.tolist(),
    'crossEntropy': F.cross_entropy(logits, probabilities).item(),
    'crossEntropyNone': F.cross_entropy(logits, probabilities, reduction='none').tolist(),
    'crossEntropySmoothed': F.cross_entropy(logits, probabilities, label_smoothing=0.1).item(),
    'timmLoss': timm_soft_target_cross_entropy(logits, probabilities).item(),
    'mixupTarget': timm_mixup_target(classes, 5, lam=0.3, smoothing=0.1).tolist(),
    'mixupTargetLoss': timm_soft_target_cross_entropy(logits, timm_mixup_target(classes, 5, lam=0.3, smoothing=0.1).double()).item(),
}))
