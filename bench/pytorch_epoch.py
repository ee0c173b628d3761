"""One epoch of Fashion-MNIST training of the lecture CNN in PyTorch, data loading included: a TensorDataset in
a torch.utils.data.DataLoader (batch 128, shuffled), batch norm and dropout 0.5, Adam (lr 0.001).
Usage: pytorch_epoch.py IMAGES_FILE LABELS_FILE COUNT THREADS -- prints {"seconds": …, "torch": …, "threads": …}.
The files are raw uint8 pixels (COUNT×28×28) and labels (COUNT), written by bench/epoch.ts from cnnkit's copy."""
import json
import sys
import time

import numpy as np
import torch
from torch import nn


def lecture_cnn():
    layers, cin = [], 1
    for cout in (32, 64, 128, 128):
        layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2)]
        cin = cout
    return nn.Sequential(*layers, nn.Flatten(), nn.Dropout(0.5), nn.Linear(128, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, 10))


def main(argv):
    images_file, labels_file, count, threads = argv[1], argv[2], int(argv[3]), int(argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    images = torch.from_numpy(np.fromfile(images_file, dtype=np.uint8).reshape(count, 1, 28, 28).copy())
    labels = torch.from_numpy(np.fromfile(labels_file, dtype=np.uint8).astype(np.int64))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images.float().div(255), labels), batch_size=128, shuffle=True)
    model = lecture_cnn()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    model.train()
    start = time.perf_counter()
    for x, y in loader:
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    seconds = time.perf_counter() - start
    print(json.dumps({'seconds': seconds, 'torch': torch.__version__, 'threads': torch.get_num_threads()}))


if __name__ == '__main__':
    main(sys.argv)
