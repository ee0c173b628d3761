# PyTorch's side of test/amp/*.test.ts: autocast's output dtypes and values on the CPU, and GradScaler's scale and
# skipped steps on a scripted pattern of inf gradients. Run with /usr/bin/python3 -O (see the GradScaler note).
import json
import math

import torch
import torch.nn.functional as F


def autocast_cpu():
    torch.manual_seed(0)
    x = torch.randn(4, 3, 8, 8)
    w = torch.randn(5, 3, 3, 3) * 0.3
    b = torch.randn(5)
    lw = torch.randn(10, 320) * 0.05
    lb = torch.randn(10)
    t = torch.randint(0, 10, (4,))
    with torch.autocast('cpu', dtype=torch.bfloat16):
        conv = F.conv2d(x, w, b, padding=1)
        logits = F.linear(conv.flatten(1), lw, lb)
        soft = torch.softmax(logits, 1)
        loss = F.cross_entropy(logits, t)
    out = {'inputs': {'x': x.flatten().tolist(), 'w': w.flatten().tolist(), 'b': b.tolist(), 'lw': lw.flatten().tolist(), 'lb': lb.tolist(), 't': t.tolist()}}
    for name, value in [('conv2d', conv), ('linear', logits), ('softmax', soft), ('cross_entropy', loss)]:
        out[name] = {'dtype': str(value.dtype).replace('torch.', ''), 'shape': list(value.shape), 'values': value.float().flatten().tolist()}
    return out


# torch.cuda.amp.GradScaler is CUDA-only in torch 1.13: its two kernels have no CPU implementation, and its Python code
# asserts CUDA tensors. Run with -O (no asserts), the scaler's own Python code (scale, unscale_, step, update, the
# skip decision) runs on the CPU, with the two kernels written out after aten/src/ATen/native/cuda/AmpKernels.cu.
def non_finite_check_and_unscale_(grads, found_inf, inv_scale):
    for g in grads:
        if not torch.isfinite(g).all():
            found_inf.fill_(1.0)
        g.mul_(inv_scale)


def update_scale_(scale, growth_tracker, found_inf, growth_factor, backoff_factor, growth_interval):
    if found_inf.item():
        scale.mul_(backoff_factor)
        growth_tracker.fill_(0)
    else:
        successful = growth_tracker.item() + 1
        if successful == growth_interval:
            grown = scale.item() * growth_factor
            if math.isfinite(grown):
                scale.fill_(grown)
            growth_tracker.fill_(0)
        else:
            growth_tracker.fill_(successful)
    return scale


def grad_scaler(steps=30, inf_steps=(3, 4, 10), growth_interval=3):
    assert not __debug__, 'run with python3 -O'
    torch._amp_foreach_non_finite_check_and_unscale_ = non_finite_check_and_unscale_
    torch._amp_update_scale_ = update_scale_
    # The constructor disables the scaler where CUDA is missing; it is told CUDA is there while it runs.
    is_available = torch.cuda.is_available
    torch.cuda.is_available = lambda: True
    try:
        scaler = torch.cuda.amp.GradScaler(init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=growth_interval)
    finally:
        torch.cuda.is_available = is_available
    p = torch.nn.Parameter(torch.tensor([1.0, -2.0, 3.0, 0.5]))
    opt = torch.optim.SGD([p], lr=0.1)
    scales, stepped, losses = [], [], []
    for step in range(1, steps + 1):
        opt.zero_grad()
        x = torch.tensor([0.5, 1.0, -1.5, 2.0]) * step
        loss = (p * x).sum() / 10
        scaler.scale(loss).backward()
        if step in inf_steps:
            p.grad[1] = float('inf') if step != 10 else float('nan')
        before = p.detach().clone()
        scaler.step(opt)
        scaler.update()
        stepped.append(not torch.equal(before, p.detach()))
        scales.append(scaler.get_scale())
        losses.append(loss.item())
    return {'scales': scales, 'stepped': stepped, 'param': p.detach().tolist(), 'state': scaler.state_dict()}


print(json.dumps({'autocast_cpu': autocast_cpu(), 'grad_scaler': grad_scaler()}))
