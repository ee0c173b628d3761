"""PyTorch's nn.MultiheadAttention on fixed inputs, as JSON: the state dict, the inputs and the outputs
(self-attention batch-first, and cross-attention sequence-first with a key/value length unlike the query's)."""
import json

import torch

torch.manual_seed(0)
out = {}
for name, batch_first, lq, lk in [('self', True, 5, 5), ('cross', False, 4, 6)]:
    mha = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first).eval()
    with torch.no_grad():
        mha.in_proj_bias.normal_()
        mha.out_proj.bias.normal_()
    shape = (lambda length: (3, length, 8)) if batch_first else (lambda length: (length, 3, 8))
    query = torch.randn(shape(lq))
    key = query if name == 'self' else torch.randn(shape(lk))
    value = query if name == 'self' else torch.randn(shape(lk))
    with torch.no_grad():
        output, _ = mha(query, key, value, need_weights=False)
    out[name] = {
        'state': {k: v.tolist() for k, v in mha.state_dict().items()},
        'query': query.tolist(), 'key': key.tolist(), 'value': value.tolist(), 'output': output.tolist(),
    }
json.dump(out, __import__('sys').stdout)
