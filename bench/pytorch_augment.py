"""The augmentation pipeline in torchvision: ImageFolder (PIL decoding) with RandomResizedCrop, RandomHorizontalFlip,
ColorJitter, ToTensor, RandomErasing (left out with no-erasing: torchvision's ImageNet training recipe) and Normalize,
batched by torch.utils.data.DataLoader with persistent worker processes.
Usage: pytorch_augment.py FOLDER SIZE BATCH WORKERS THREADS PASSES [erasing|no-erasing] -- one untimed pass, then
PASSES timed passes over the folder; prints {"images_per_second": [...], "images": N, "torch": …, "torchvision": …}."""
import json
import sys
import time

import torch
import torchvision
import torchvision.transforms as T
from torchvision.datasets import ImageFolder


def main(argv):
    folder, size, batch, workers, threads, passes = argv[1], int(argv[2]), int(argv[3]), int(argv[4]), int(argv[5]), int(argv[6])
    erasing = len(argv) < 8 or argv[7] == 'erasing'
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    pipeline = T.Compose([
        T.RandomResizedCrop(size, antialias=True), T.RandomHorizontalFlip(), T.ColorJitter(0.4, 0.4, 0.4), T.ToTensor(),
        *([T.RandomErasing()] if erasing else []), T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    ])
    loader = torch.utils.data.DataLoader(ImageFolder(folder, pipeline), batch_size=batch, shuffle=True, num_workers=workers, persistent_workers=True)
    rates = []
    for p in range(passes + 1):
        start = time.perf_counter()
        seen = 0
        for images, _ in loader:
            seen += images.shape[0]
        if p > 0:
            rates.append(seen / (time.perf_counter() - start))
    print(json.dumps({'images_per_second': rates, 'images': seen, 'torch': torch.__version__, 'torchvision': torchvision.__version__}))


if __name__ == '__main__':
    main(sys.argv)
