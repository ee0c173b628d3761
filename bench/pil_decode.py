"""Photo JPEGs or PNGs decoded one at a time in one thread, as torchvision's ImageFolder loads them (PIL's
Image.open(f).convert('RGB')) and with torchvision.io.decode_jpeg / decode_png(read_file(f)).
Usage: pil_decode.py FILE_LIST PASSES [jpeg|png] -- FILE_LIST holds one path a line; one untimed pass of each, then
PASSES timed passes; prints {"pil": [ms per image, each pass], "torchvision": [...]}."""
import json
import sys
import time

import torch
from PIL import Image
from torchvision.io import decode_jpeg, decode_png, read_file


def per_image(paths, decode):
    start = time.perf_counter()
    for path in paths:
        decode(path)
    return (time.perf_counter() - start) * 1000 / len(paths)


def main(argv):
    paths = open(argv[1]).read().split('\n')
    passes = int(argv[2])
    decode_file = decode_png if len(argv) > 3 and argv[3] == 'png' else decode_jpeg
    torch.set_num_threads(1)
    ways = {'pil': lambda p: Image.open(p).convert('RGB'), 'torchvision': lambda p: decode_file(read_file(p))}
    times = {name: [] for name in ways}
    for p in range(passes + 1):
        for name, decode in ways.items():
            ms = per_image(paths, decode)
            if p > 0:
                times[name].append(ms)
    print(json.dumps(times))


if __name__ == '__main__':
    main(sys.argv)
