"""PyTorch's results for test/nn/*.test.ts, printed as JSON. Run by the tests with Debian's /usr/bin/python3."""
import json
import torch
from torch import nn

torch.set_num_threads(1)
out = {}


def t(x):
    return x.detach().tolist()


# Default initializations drawn in PyTorch's order after the same seed.
torch.manual_seed(0)
conv = nn.Conv2d(3, 8, 3)
lin = nn.Linear(10, 4)
grouped = nn.Conv2d(4, 6, (3, 5), groups=2, bias=False)
out['init'] = {'conv.weight': t(conv.weight), 'conv.bias': t(conv.bias), 'linear.weight': t(lin.weight),
               'linear.bias': t(lin.bias), 'grouped.weight': t(grouped.weight)}
torch.manual_seed(1)
w = torch.empty(6, 4, 3, 3)
nn.init.trunc_normal_(w, std=0.5)
k = torch.empty(5, 7)
nn.init.kaiming_normal_(k, mode='fan_out', nonlinearity='relu')
x = torch.empty(5, 7)
nn.init.xavier_uniform_(x, gain=2.0)
out['init_fns'] = {'trunc': t(w), 'kaiming': t(k), 'xavier': t(x)}

# A small CNN: names, printed form, outputs and gradients in train and eval, running statistics.
torch.manual_seed(2)
model = nn.Sequential(
    nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(4, 4, 3, padding='same', bias=False), nn.BatchNorm2d(4, momentum=None), nn.LeakyReLU(0.2),
    nn.Flatten(), nn.Dropout(0.5), nn.Linear(4 * 3 * 3, 3))
state = {k: t(v) for k, v in model.state_dict().items()}
printed = str(model)
inp = torch.randn(5, 2, 6, 6)
target = torch.tensor([0, 2, 1, 1, 0])
model.eval()
eval_out = model(inp)
model.train()
model[8].p = 0.0  # deterministic training pass
train_out = model(inp)
loss = nn.functional.cross_entropy(train_out, target)
loss.backward()
model(inp)  # a second batch for the cumulative (momentum=None) average
out['cnn'] = {
    'state': state, 'keys': list(model.state_dict().keys()), 'repr': printed,
    'input': t(inp), 'target': t(target), 'eval_out': t(eval_out), 'train_out': t(train_out), 'loss': loss.item(),
    'grads': {n: t(p.grad) for n, p in model.named_parameters()},
    'after': {k: t(v) for k, v in model.state_dict().items() if 'running' in k or 'num_batches' in k},
    'num_parameters': sum(p.numel() for p in model.parameters()),
}
print(json.dumps(out))
