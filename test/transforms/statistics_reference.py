# Reference values for test/transforms/statistics.test.ts: correlated images made with PyTorch, Keras' feature-wise
# statistics (np.mean / np.std over the batch and pixels) and Keras' ZCA formula in numpy on the centred vectors.
import json

import numpy as np
import torch

torch.manual_seed(0)
n, c, h, w = 400, 3, 8, 8
d = c * h * w
mixing = 0.3 * torch.randn(d, d) / d ** 0.5 + torch.eye(d)
images = (torch.rand(n, d) @ mixing + torch.linspace(0, 1, d)).reshape(n, c, h, w).float()

x = images.double().numpy()
channel_mean = x.mean(axis=(0, 2, 3), keepdims=True)
channel_std = x.std(axis=(0, 2, 3), keepdims=True)
pixel_mean = x.mean(axis=0)
pixel_std = x.std(axis=0)

flat = x.reshape(n, d)
centred = flat - flat.mean(axis=0)
sigma = centred.T @ centred / n
u, s, _ = np.linalg.svd(sigma)
epsilon = 1e-6
principal_components = (u * (1.0 / np.sqrt(s[np.newaxis] + epsilon))) @ u.T

print(json.dumps({
    'images': images.tolist(),
    'channelMean': channel_mean[0].tolist(),
    'channelStd': channel_std[0].tolist(),
    'pixelMean': pixel_mean.tolist(),
    'pixelStd': pixel_std.tolist(),
    'standardizedFirst': ((x[0] - channel_mean[0]) / (channel_std[0] + 1e-6)).tolist(),
    'zcaMean': flat.mean(axis=0).reshape(c, h, w).tolist(),
    'zcaComponents': principal_components.tolist(),
    'whitenedFirst': (centred[:2] @ principal_components).reshape(2, c, h, w).tolist(),
}))
