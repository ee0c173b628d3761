// The hub namespace: torchvision's published weights, their download and cache, and PyTorch's .pth files.
