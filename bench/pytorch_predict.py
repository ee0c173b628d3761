"""Prediction over a folder of JPEGs in torchvision: ImageFolder (PIL decoding) with Resize and CenterCrop to the model's
input size and ToTensor, torch.utils.data.DataLoader with worker processes, a ResNet-18 in eval mode under
torch.inference_mode(), softmax. A new DataLoader each pass, as a script predicting a folder makes one.
Usage: pytorch_predict.py FOLDER SIZE CLASSES BATCH WORKERS THREADS PASSES -- one untimed pass, then PASSES timed
passes; prints {"images_per_second": [...], "images": N, "torch": …, "torchvision": …}."""
import json
import sys
import time

import torch
import torchvision
import torchvision.transforms as T
from torchvision.datasets import ImageFolder


def main(argv):
    folder, size, classes, batch, workers, threads, passes = argv[1], *map(int, argv[2:8])
    torch.set_num_threads(threads)
    model = torchvision.models.resnet18(num_classes=classes).eval()
    images = ImageFolder(folder, T.Compose([T.Resize(size), T.CenterCrop(size), T.ToTensor()]))
    rates = []
    for p in range(passes + 1):
        start = time.perf_counter()
        seen = 0
        with torch.inference_mode():
            for inputs, _ in torch.utils.data.DataLoader(images, batch_size=batch, num_workers=workers):
                probabilities = model(inputs).softmax(1)
                seen += probabilities.shape[0]
        if p > 0:
            rates.append(seen / (time.perf_counter() - start))
    print(json.dumps({'images_per_second': rates, 'images': seen, 'torch': torch.__version__, 'torchvision': torchvision.__version__}))


if __name__ == '__main__':
    main(sys.argv)
