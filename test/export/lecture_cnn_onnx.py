"""The ONNX file of a lecture_cnn run by PyTorch's own exporter (Debian's torch): the same layers as cnnkit's
lecture_cnn (src/models/lecture-cnn.ts, without its switches), the run's weights from its safetensors checkpoint
(read by hand: an 8-byte little-endian header length, the JSON header, the raw float32 data), exported in eval mode
with a dynamic batch axis. The web page's test runs it where cnnkit's own exporter is not at hand.

usage: /usr/bin/python3 lecture_cnn_onnx.py RUN_DIR OUT.onnx
"""
import json
import struct
import sys

import torch
from torch import nn

run, out = sys.argv[1], sys.argv[2]
config = json.load(open(f'{run}/config.json'))
options = config['modelOptions']
assert config['model'] == 'lecture_cnn' and not options.get('batchNorm') and not options.get('residual'), 'plain lecture_cnn only'
in_channels, classes = options['inChannels'], options['numClasses']
height, width = options['inputSize']

raw = open(f'{run}/best.safetensors', 'rb').read()
length = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + length])
data = raw[8 + length:]
state = {}
for name, entry in header.items():
    if name == '__metadata__':
        continue
    assert entry['dtype'] == 'F32', name
    start, end = entry['data_offsets']
    state[name] = torch.frombuffer(bytearray(data[start:end]), dtype=torch.float32).reshape(entry['shape'])

channels = [32, 64, 128, 128]
features = nn.Sequential(*[
    nn.Sequential(nn.Conv2d(in_channels if i == 0 else channels[i - 1], c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
    for i, c in enumerate(channels)])
classifier = nn.Sequential(nn.Flatten(), nn.Linear(128 * (height // 16) * (width // 16), 512), nn.ReLU(), nn.Linear(512, classes))
model = nn.Module()
model.features, model.classifier = features, classifier
model.forward = lambda x: classifier(features(x))
model.load_state_dict(state, strict=True)
model.eval()
torch.onnx.export(model, torch.zeros(1, in_channels, height, width), out, input_names=['input'], output_names=['logits'],
                  dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, opset_version=13)
