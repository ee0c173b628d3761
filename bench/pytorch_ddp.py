#!/usr/bin/env python3
"""The PyTorch side of cnnkit's data-parallel cases (bench/ddp.ts): the lecture CNN of pytorch_cases.py at 64×64
trained with SGD (lr 0.01, momentum 0.9) by WORLD_SIZE processes that this script starts, each with THREADS
intra-op threads and BATCH images of its own random data; with WORLD_SIZE 2 the ranks form a Gloo group on loopback
and train torch.nn.parallel.DistributedDataParallel (defaults: 25 MB buckets, buffers broadcast), with 1 the one
process trains the plain model.

Usage: pytorch_ddp.py WORLD_SIZE THREADS BATCH WARMUP STEPS REPEATS [--interleave]

Alone, the ranks warm up for WARMUP steps, time REPEATS blocks of STEPS steps, and it prints one JSON object:
  {"world_size", "threads", "batch", "torch", "step_ms": [per block: the slowest rank's mean ms per step], "median_ms"}
With --interleave (how bench/ddp.ts drives it) it prints {"ready": true, "torch": version} once every rank has
warmed up, then obeys one command per stdin line: `block` times a block on every rank and answers {"block_ms": ...};
`done` (or the end of input) answers the JSON object above and exits.
Run it with Debian's /usr/bin/python3, whose torch is the same libtorch cnnkit links against.
"""
import json
import multiprocessing
import os
import socket
import statistics
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from pytorch_cases import LR, MOMENTUM, lecture_cnn


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def rank_main(rank, world_size, port, threads, batch, warmup, steps, conn):
    torch.set_num_threads(threads)
    if world_size > 1:
        # Gloo on loopback, as cnnkit's group for a loopback master.
        os.environ['GLOO_SOCKET_IFNAME'] = 'lo'
        dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank, world_size=world_size)
    torch.manual_seed(0)
    model, (_, channels, height, width), classes = lecture_cnn()
    net = DistributedDataParallel(model) if world_size > 1 else model
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    # Each rank its own share of data, made before any timing.
    torch.manual_seed(1000 + rank)
    x = torch.randn(batch, channels, height, width)
    y = torch.randint(0, classes, (batch,))

    def step():
        F.cross_entropy(net(x), y).backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    for _ in range(warmup):
        step()
    conn.send('ready')
    while conn.recv() == 'block':
        start = time.perf_counter()
        for _ in range(steps):
            step()
        conn.send((time.perf_counter() - start) * 1000 / steps)
    if world_size > 1:
        dist.destroy_process_group()


def say(obj):
    print(json.dumps(obj), flush=True)


def main(argv):
    if len(argv) < 7:
        sys.stderr.write(f'usage: {argv[0]} WORLD_SIZE THREADS BATCH WARMUP STEPS REPEATS [--interleave]\n')
        return 2
    world_size, threads, batch, warmup, steps, repeats = (int(a) for a in argv[1:7])
    interleave = '--interleave' in argv[7:]
    context = multiprocessing.get_context('spawn')
    port = free_port()
    conns, ranks = [], []
    for rank in range(world_size):
        ours, theirs = context.Pipe()
        process = context.Process(target=rank_main, args=(rank, world_size, port, threads, batch, warmup, steps, theirs), daemon=True)
        process.start()
        conns.append(ours)
        ranks.append(process)

    def answer():
        # A rank that died closes its end of the pipe: recv raises EOFError and the script fails.
        return [c.recv() for c in conns]

    def block():
        for c in conns:
            c.send('block')
        # A block ends when its slowest rank does (with DDP they wait for each other at every step anyway).
        return max(answer())

    answer()  # every rank has warmed up
    blocks = []
    if interleave:
        say({'ready': True, 'torch': torch.__version__})
        for line in sys.stdin:
            command = line.strip()
            if command == 'block':
                blocks.append(block())
                say({'block_ms': blocks[-1]})
            elif command == 'done':
                break
            else:
                sys.stderr.write(f'pytorch_ddp.py: unknown command {command!r}\n')
                return 2
    else:
        blocks = [block() for _ in range(repeats)]
    for c in conns:
        c.send('done')
    for process in ranks:
        process.join()
    say({'world_size': world_size, 'threads': threads, 'batch': batch, 'torch': torch.__version__, 'step_ms': blocks,
         'median_ms': statistics.median(blocks) if blocks else None})
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
