// The benchmark's models: two as plain parameter tensors and forward functions, mirroring the nn.Sequential models
// in bench/pytorch_cases.py layer for layer, and torchvision architectures from cnnkit's zoo.
import { F, models, torch, type nn, type Tensor } from '../src/index.js';

export interface Model {
  /** The trainable parameters, in a fixed order. */
  params: Tensor[];
  /** Training-mode forward pass: logits for a batch. */
  forward(x: Tensor): Tensor;
  /** Frees the parameters and any buffers. */
  dispose(): void;
  /** The nn.Module behind a zoo model (its mode is set for inference cases). */
  module?: nn.Module;
}

/** PyTorch's default Conv/Linear init: U(-1/sqrt(fanIn), 1/sqrt(fanIn)) for the weight and the bias. */
function uniformParam(shape: number[], fanIn: number): Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  return torch.empty(shape).uniform_(-bound, bound).requiresGrad_(true);
}

function conv(cin: number, cout: number) {
  const fanIn = cin * 3 * 3;
  return { weight: uniformParam([cout, cin, 3, 3], fanIn), bias: uniformParam([cout], fanIn) };
}

function linear(fin: number, fout: number) {
  return { weight: uniformParam([fout, fin], fin), bias: uniformParam([fout], fin) };
}

function batchNorm(channels: number) {
  return {
    weight: torch.ones([channels]).requiresGrad_(true),
    bias: torch.zeros([channels]).requiresGrad_(true),
    runningMean: torch.zeros([channels]),
    runningVar: torch.ones([channels]),
  };
}

/**
 * conv3x3 1→32 + BN + ReLU + maxpool2, conv3x3 32→64 + BN + ReLU + maxpool2, flatten,
 * linear 64·7·7→128, ReLU, linear 128→10. Input N×1×28×28.
 */
export function smallCnn(): Model {
  const c1 = conv(1, 32), bn1 = batchNorm(32);
  const c2 = conv(32, 64), bn2 = batchNorm(64);
  const fc1 = linear(64 * 7 * 7, 128), fc2 = linear(128, 10);
  const block = (x: Tensor, c: { weight: Tensor; bias: Tensor }, bn: ReturnType<typeof batchNorm>) => {
    const h = F.conv2d(x, c.weight, c.bias, { padding: 1 });
    const n = F.batchNorm(h, bn.runningMean, bn.runningVar, { weight: bn.weight, bias: bn.bias, training: true });
    return F.maxPool2d(F.relu(n), 2);
  };
  const params = [c1.weight, c1.bias, bn1.weight, bn1.bias, c2.weight, c2.bias, bn2.weight, bn2.bias,
    fc1.weight, fc1.bias, fc2.weight, fc2.bias];
  return {
    params,
    forward(x) {
      const h = block(block(x, c1, bn1), c2, bn2).flatten(1);
      return F.linear(F.relu(F.linear(h, fc1.weight, fc1.bias)), fc2.weight, fc2.bias);
    },
    dispose() {
      torch.dispose([params, bn1.runningMean, bn1.runningVar, bn2.runningMean, bn2.runningVar]);
    },
  };
}

/**
 * Four blocks conv3x3 + ReLU + maxpool2 of 32, 64, 128, 128 channels, flatten (128·4·4),
 * linear 512, ReLU, linear 2. Input N×3×64×64.
 */
export function lectureCnn(): Model {
  const channels = [3, 32, 64, 128, 128];
  const convs = channels.slice(1).map((cout, i) => conv(channels[i], cout));
  const fc1 = linear(128 * 4 * 4, 512), fc2 = linear(512, 2);
  const params = [...convs.flatMap((c) => [c.weight, c.bias]), fc1.weight, fc1.bias, fc2.weight, fc2.bias];
  return {
    params,
    forward(x) {
      let h = x;
      for (const c of convs) h = F.maxPool2d(F.relu(F.conv2d(h, c.weight, c.bias, { padding: 1 })), 2);
      return F.linear(F.relu(F.linear(h.flatten(1), fc1.weight, fc1.bias)), fc2.weight, fc2.bias);
    },
    dispose() {
      torch.dispose(params);
    },
  };
}

/** A model of cnnkit's zoo, in training mode (eval mode for inference cases); mirrors torchvision's in pytorch_cases.py. */
function zooModel(build: () => nn.Module): Model {
  // Built in a scope: the tensors a Parameter or Buffer was made from are freed now, not by the garbage collector
  // in the middle of the timed loop (which the memory check would report).
  const module = torch.tidy(build);
  return { params: module.parameters(), forward: (x) => module.forward(x), dispose: () => module.dispose(), module };
}

/** torchvision's ResNet-18, 1000 classes. */
export const resnet18 = (): Model => zooModel(() => models.resnet18());
/** torchvision's MobileNetV2, 1000 classes. */
export const mobilenetV2 = (): Model => zooModel(() => models.mobilenetV2());
/** torchvision's ResNet-50, 1000 classes. */
export const resnet50 = (): Model => zooModel(() => models.resnet50());
