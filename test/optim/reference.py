"""PyTorch's results for the optim tests: reads a JSON spec on stdin, prints JSON on stdout.

Run by test/optim/reference.ts with Debian's /usr/bin/python3 (PyTorch 1.13). Options arrive in cnnkit's
camelCase and are passed to torch.optim in snake_case; every optimizer runs its single-tensor
(foreach=False) implementation, which cnnkit follows.
"""
import json
import re
import sys
import warnings

import torch
from torch.nn.utils import clip_grad_norm_, clip_grad_value_
from torch.optim import lr_scheduler

warnings.simplefilter('ignore')  # scheduler-order and deprecation notices would only add noise to stderr
SPECIAL = {'tMax': 'T_max'}


def snake(options):
    return {SPECIAL.get(k, re.sub('([A-Z])', r'_\1', k).lower()): v for k, v in options.items()}


def tensor(p):
    return torch.tensor(p['values'], dtype=torch.float32).reshape(p['shape'])


def make_optimizer(name, params, options, groups):
    kwargs = snake(options)
    if 'betas' in kwargs:
        kwargs['betas'] = tuple(kwargs['betas'])
    if groups is not None:
        params = [dict(snake({k: v for k, v in g.items() if k != 'params'}), params=[params[i] for i in g['params']])
                  for g in groups]
        for g in params:
            if 'betas' in g:
                g['betas'] = tuple(g['betas'])
    return getattr(torch.optim, name)(params, foreach=False, **kwargs)


def run_optimizer(case):
    params = [tensor(p).requires_grad_() for p in case['params']]
    opt = make_optimizer(case['optimizer'], params, case['options'], case.get('groups'))
    trajectory = []
    for step in range(case['steps']):
        opt.zero_grad(set_to_none=True)
        if case.get('loss') == 'quadratic':
            loss = sum((p * p * 0.5 + (p * 3).sin()).sum() for p in params)
            loss.backward()
        else:
            for p, g in zip(params, case['grads'][step]):
                p.grad = None if g is None else tensor({'values': g, 'shape': list(p.shape)})
        opt.step()
        trajectory.append([p.detach().flatten().tolist() for p in params])
    return trajectory


def make_scheduler(spec, opt):
    options = snake(spec.get('options', {}))
    if spec['type'] == 'SequentialLR':
        options['schedulers'] = [make_scheduler(s, opt) for s in spec['options']['schedulers']]
    return getattr(lr_scheduler, spec['type'])(opt, **options)


def momentum_of(group):
    return group['betas'][0] if 'betas' in group else group['momentum']


def run_scheduler(case):
    params = [torch.zeros(1, requires_grad=True) for _ in case['lrs']]
    opt = getattr(torch.optim, case['optimizer'])([{'params': [p], 'lr': lr} for p, lr in zip(params, case['lrs'])])
    scheduler = make_scheduler(case['scheduler'], opt)
    lrs = [[g['lr'] for g in opt.param_groups]]
    momenta = [[momentum_of(g) for g in opt.param_groups]]
    for step in range(case['steps']):
        opt.step()
        if case['scheduler']['type'] == 'ReduceLROnPlateau':
            scheduler.step(case['metrics'][step])
        else:
            scheduler.step()
        lrs.append([g['lr'] for g in opt.param_groups])
        momenta.append([momentum_of(g) for g in opt.param_groups])
    return {'lr': lrs, 'momentum': momenta}


def run_clip(case):
    params = [tensor(p).requires_grad_() for p in case['params']]
    for p, g in zip(params, case['grads']):
        p.grad = None if g is None else tensor({'values': g, 'shape': list(p.shape)})
    if case['kind'] == 'norm':
        norm = float(clip_grad_norm_(params, case['maxNorm'], case['normType']))
    else:
        norm = None
        clip_grad_value_(params, case['clipValue'])
    return {'norm': norm, 'grads': [None if p.grad is None else p.grad.flatten().tolist() for p in params]}


def main():
    spec = json.load(sys.stdin)
    out = {
        'optimizers': {c['name']: run_optimizer(c) for c in spec.get('optimizers', [])},
        'schedulers': {c['name']: run_scheduler(c) for c in spec.get('schedulers', [])},
        'clip': {c['name']: run_clip(c) for c in spec.get('clip', [])},
    }
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
