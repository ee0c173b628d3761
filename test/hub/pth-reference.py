"""PyTorch's side of test/hub/pth.test.ts, run with Debian's /usr/bin/python3.

make DIR: writes .pth files with torch.save into DIR and prints their contents as JSON.
check FILE: reads FILE with torch.load(weights_only=True) and prints its contents and metadata as JSON.
"""
import json
import os
import sys
import zipfile
from collections import OrderedDict

import torch
from torch import nn


def values(t):
    t = t.detach()
    dtype = str(t.dtype).replace('torch.', '')
    if t.dtype in (torch.float16, torch.bfloat16):
        t = t.float()
    return {'dtype': dtype, 'shape': list(t.shape), 'values': t.flatten().tolist()}


def describe(sd):
    return {k: values(v) for k, v in sd.items()}


class RunsCode:
    def __reduce__(self):
        return (os.system, ('touch ' + sys.argv[3],))


def make(folder):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4, 2))
    model[1].running_mean.uniform_()
    sd = model.state_dict()
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    sd['float64'] = torch.randn(3, dtype=torch.float64)
    sd['float16'] = torch.tensor([0.5, -1.25, 65504.0], dtype=torch.float16)
    sd['bfloat16'] = torch.tensor([1.5, -2.0, 3.0e38], dtype=torch.bfloat16)
    sd['int64'] = torch.tensor([-3, 2 ** 40, 7])
    sd['int32'] = torch.tensor([[-2 ** 31, 5]], dtype=torch.int32)
    sd['int16'] = torch.tensor([-300, 300], dtype=torch.int16)
    sd['int8'] = torch.tensor([-128, 127], dtype=torch.int8)
    sd['uint8'] = torch.tensor([0, 255, 9], dtype=torch.uint8)
    sd['bool'] = torch.tensor([True, False, True])
    sd['transposed'] = base.t()                      # non-contiguous view
    sd['column'] = base[:, 2]                        # offset + stride
    sd['shares_base'] = base[1:3]                    # same storage as the two above, with an offset
    sd['scalar'] = torch.tensor(2.5)
    sd['empty'] = torch.zeros(0, 3)
    sd['expanded'] = torch.tensor([1.0, 2.0]).expand(3, 2)  # stride 0
    torch.save(sd, os.path.join(folder, 'state.pth'))
    torch.save(sd, os.path.join(folder, 'legacy.pth'), _use_new_zipfile_serialization=False)
    torch.save({'epoch': 3, 'state_dict': sd, 'best': 0.5}, os.path.join(folder, 'checkpoint.pth'))
    torch.save(nn.Linear(2, 1), os.path.join(folder, 'module.pth'))
    torch.jit.save(torch.jit.script(nn.Linear(2, 1)), os.path.join(folder, 'scripted.pt'))
    with zipfile.ZipFile(os.path.join(folder, 'no-pickle.pth'), 'w') as archive:
        archive.writestr('archive/version', '3\n')
    meta = {k: v for k, v in sd._metadata.items()}
    return {'state': describe(sd), 'metadata': meta}


def make_malicious(path):
    torch.save({'weight': torch.ones(2), 'payload': RunsCode()}, path)


def check(path):
    sd = torch.load(path, weights_only=True)
    meta = getattr(sd, '_metadata', None)
    return {'type': type(sd).__name__, 'state': describe(sd), 'keys': list(sd.keys()),
            'metadata': dict(meta) if meta is not None else None}


if sys.argv[1] == 'make':
    print(json.dumps(make(sys.argv[2])))
elif sys.argv[1] == 'malicious':
    make_malicious(sys.argv[2])
else:
    print(json.dumps(check(sys.argv[2])))
