#!/usr/bin/env python3
"""torchvision's way of replacing a head, after torch.manual_seed(0): the new layer's first values and sums, as JSON.

ResNet's fc keeps nn.Linear's default init; MobileNetV2's classifier[1] is then drawn N(0, 0.01) with a zero bias
(torchvision.models.mobilenetv2's init loop); ViT's heads.head is zeroed.
"""
import json

import torch
import torch.nn as nn


def describe(layer):
    return {'weight': layer.weight[:2, :6].tolist(), 'weightSum': layer.weight.double().sum().item(),
            'biasSum': layer.bias.double().sum().item(), 'bias': layer.bias[:4].tolist()}


torch.manual_seed(0)
resnet_fc = nn.Linear(512, 7)
torch.manual_seed(0)
mobilenet_head = nn.Linear(1280, 7)
nn.init.normal_(mobilenet_head.weight, 0, 0.01)
nn.init.zeros_(mobilenet_head.bias)
print(json.dumps({'resnet18': describe(resnet_fc), 'mobilenet_v2': describe(mobilenet_head)}))
