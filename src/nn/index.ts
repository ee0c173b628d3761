// The nn namespace. Layers and modules arrive with the training issue; the functional forms are here.
export * as functional from './functional.js';
