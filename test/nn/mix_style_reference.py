# The MixStyle paper's reference code (KaiyangZhou/mixstyle-release, mixstyle.py) run with a given permutation and λ,
# for test/nn/mix-style.test.ts: output and the gradient of sum(output * weight) with respect to the input.
import json

import torch


def mixstyle(x, perm, lmda, eps=1e-6):
    mu = x.mean(dim=[2, 3], keepdim=True)
    var = x.var(dim=[2, 3], keepdim=True)
    sig = (var + eps).sqrt()
    mu, sig = mu.detach(), sig.detach()
    x_normed = (x - mu) / sig
    mu2, sig2 = mu[perm], sig[perm]
    mu_mix = mu * lmda + mu2 * (1 - lmda)
    sig_mix = sig * lmda + sig2 * (1 - lmda)
    return x_normed * sig_mix + mu_mix


torch.manual_seed(0)
x = (torch.rand(4, 3, 5, 6) * 3 + torch.arange(4.0).view(4, 1, 1, 1)).requires_grad_()
weight = torch.randn(4, 3, 5, 6)
perm = torch.tensor([2, 0, 3, 1])
lmda = torch.tensor([0.1, 0.5, 0.9, 0.3]).view(4, 1, 1, 1)
out = mixstyle(x, perm, lmda)
(out * weight).sum().backward()
print(json.dumps({'x': x.tolist(), 'weight': weight.tolist(), 'perm': perm.tolist(), 'lambda': lmda.flatten().tolist(),
                  'output': out.tolist(), 'grad': x.grad.tolist()}))
