# PyTorch's strides for channels_last tensors and for a convolution's output on them (test/torch/memory-format.test.ts).
import json

import torch
import torch.nn.functional as F

shapes = [[2, 3, 5, 7], [1, 1, 4, 4], [8, 16, 3, 2]]
out = {'strides': [list(torch.empty(s).contiguous(memory_format=torch.channels_last).stride()) for s in shapes]}
x = torch.empty(2, 3, 8, 8).contiguous(memory_format=torch.channels_last)
w = torch.empty(4, 3, 3, 3).contiguous(memory_format=torch.channels_last)
out['conv_output_stride'] = list(F.conv2d(x, w, padding=1).stride())
out['shapes'] = shapes
print(json.dumps(out))
