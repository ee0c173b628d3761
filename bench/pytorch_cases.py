#!/usr/bin/env python3
"""The PyTorch side of cnnkit's benchmark: the same models, data shapes and SGD step as bench/cases.ts (inference
cases: one forward pass in eval mode under torch.no_grad()).

Usage: pytorch_cases.py CASE THREADS WARMUP STEPS REPEATS [--phases] [--interleave]

Alone, it warms up for WARMUP steps, times REPEATS blocks of STEPS steps (and with --phases, STEPS more steps
with a clock between forward, backward and the optimizer), and prints one JSON object:
  {"case", "threads", "torch", "step_ms": [mean ms per step of each block], "median_ms",
   "phases": {"forward": ms, "backward": ms, "update": ms, "pageFaults": minor faults per step}
             (with --phases: medians over the phase samples)}

With --interleave (how bench/run.ts drives it) it prints {"ready": true} after the warm-up and then obeys one
command per stdin line, so that the caller can alternate cnnkit's work with PyTorch's and both sides see the
same machine load:
  block   times a block of STEPS steps; answers {"block_ms": mean ms per step}
  phases  one step timed by phase; answers {"phase": {"forward", "backward", "update", "pageFaults"}}
  done    (or end of input) answers the JSON object above and exits
Run it with Debian's /usr/bin/python3, whose torch is the same libtorch cnnkit links against.
"""
import json
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def small_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 7 * 7, 128), nn.ReLU(),
        nn.Linear(128, 10),
    ), (128, 1, 28, 28), 10


def lecture_cnn():
    layers = []
    channels = [3, 32, 64, 128, 128]
    for cin, cout in zip(channels, channels[1:]):
        layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
    layers += [nn.Flatten(), nn.Linear(128 * 4 * 4, 512), nn.ReLU(), nn.Linear(512, 2)]
    return nn.Sequential(*layers), (32, 3, 64, 64), 2


def torchvision_model(name, input_shape):
    def build():
        import torchvision
        return getattr(torchvision.models, name)(), input_shape, 1000
    return build


CASES = {
    'small_cnn_train_step': small_cnn,
    'lecture_cnn_train_step': lecture_cnn,
    'resnet18_train_step': torchvision_model('resnet18', (16, 3, 64, 64)),
    'mobilenet_v2_train_step': torchvision_model('mobilenet_v2', (16, 3, 64, 64)),
    'resnet50_inference': torchvision_model('resnet50', (8, 3, 224, 224)),
}
INFERENCE = {'resnet50_inference'}

LR = 0.01
MOMENTUM = 0.9


def say(obj):
    print(json.dumps(obj), flush=True)


def main(argv):
    if len(argv) < 6 or argv[1] not in CASES:
        sys.stderr.write(f'usage: {argv[0]} CASE THREADS WARMUP STEPS REPEATS [--phases] [--interleave]; '
                         f'CASE is one of {", ".join(CASES)}\n')
        return 2
    case, threads, warmup, steps, repeats = argv[1], int(argv[2]), int(argv[3]), int(argv[4]), int(argv[5])
    want_phases = '--phases' in argv[6:]
    interleave = '--interleave' in argv[6:]
    torch.set_num_threads(threads)
    torch.manual_seed(0)

    model, input_shape, classes = CASES[case]()
    inference = case in INFERENCE
    model.train(not inference)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    # The data is made before any timing, as on the cnnkit side.
    x = torch.randn(*input_shape)
    y = torch.randint(0, classes, (input_shape[0],))

    def step():
        if inference:
            with torch.no_grad():
                model(x)
            return
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    def block():
        start = time.perf_counter()
        for _ in range(steps):
            step()
        return (time.perf_counter() - start) * 1000 / steps

    def phased_step():
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        if inference:
            t0 = time.perf_counter()
            step()
            return {'forward': (time.perf_counter() - t0) * 1000, 'backward': 0, 'update': 0,
                    'pageFaults': resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults}
        t0 = time.perf_counter()
        loss = F.cross_entropy(model(x), y)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        t3 = time.perf_counter()
        del loss
        return {'forward': (t1 - t0) * 1000, 'backward': (t2 - t1) * 1000, 'update': (t3 - t2) * 1000,
                'pageFaults': resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults}

    for _ in range(warmup):
        step()

    blocks, phases = [], []
    if interleave:
        say({'ready': True})
        for line in sys.stdin:
            command = line.strip()
            if command == 'block':
                blocks.append(block())
                say({'block_ms': blocks[-1]})
            elif command == 'phases':
                phases.append(phased_step())
                say({'phase': phases[-1]})
            elif command == 'done':
                break
            else:
                sys.stderr.write(f'pytorch_cases.py: unknown command {command!r}\n')
                return 2
    else:
        blocks = [block() for _ in range(repeats)]
        if want_phases:
            phases = [phased_step() for _ in range(steps)]

    result = {
        'case': case,
        'threads': torch.get_num_threads(),
        'torch': torch.__version__,
        'step_ms': blocks,
        'median_ms': statistics.median(blocks) if blocks else None,
    }
    if phases:
        result['phases'] = {key: statistics.median(p[key] for p in phases) for key in ('forward', 'backward', 'update', 'pageFaults')}
    say(result)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
