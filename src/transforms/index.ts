// The transforms namespace: torchvision-named augmentations, each a functional kernel and a random class.
export { BatchTransform, Transform, type BatchContext } from './transform.js';
