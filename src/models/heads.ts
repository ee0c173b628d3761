// Where each architecture keeps its classifier, how torchvision initializes it, and fastai-style layer groups
// (the units that freezing and discriminative learning rates work on).
import { checkInt } from '../torch/check.js';
import { tidy } from '../torch/scope.js';
import { Linear } from '../nn/layers/linear.js';
import { normal_, truncNormal_, zeros_ } from '../nn/init.js';
import { Module } from '../nn/module.js';
import type { Parameter } from '../nn/parameter.js';

/** How a new head's weights are drawn: as torchvision's model constructors do for that architecture. */
type HeadInit = 'default' | 'normal' | 'truncNormal' | 'zeros';

interface Architecture {
  /** The dotted name of the final Linear layer, the one replaceHead swaps. */
  head: string;
  init: HeadInit;
  /** Top-level children per body group, earliest first; the head group is every other top-level child. */
  body?: string[][];
}

/**
 * By class name, so the table needs no import of the model files. Body splits follow fastai's model_meta where
 * it has one (ResNet: stem to layer2, then layer3 and layer4); other architectures are [body, head].
 */
const ARCHITECTURES: Record<string, Architecture> = {
  ResNet: { head: 'fc', init: 'default', body: [['conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2'], ['layer3', 'layer4']] },
  ResNetCifar: { head: 'fc', init: 'default', body: [['conv1', 'bn1', 'relu', 'layer1'], ['layer2', 'layer3']] },
  LectureCnn: { head: 'classifier.-1', init: 'default', body: [['features.0', 'features.1'], ['features.2', 'features.3']] },
  MobileNetV2: { head: 'classifier.-1', init: 'normal' },
  MobileNetV3: { head: 'classifier.-1', init: 'normal' },
  VGG: { head: 'classifier.-1', init: 'normal' },
  AlexNet: { head: 'classifier.-1', init: 'default' },
  ConvNeXt: { head: 'classifier.-1', init: 'truncNormal' },
  VisionTransformer: { head: 'heads.head', init: 'zeros' },
};

/** Resolves a dotted path where a negative part counts from the end of a container ('classifier.-1'). */
function resolve(model: Module, path: string): { parent: Module; key: string; module: Module } {
  let parent: Module = model;
  let key = '';
  let module: Module = model;
  for (const part of path.split('.')) {
    parent = module;
    const children = module.namedChildren();
    const index = Number(part);
    const found = Number.isInteger(index) && index < 0 ? children[children.length + index] : children.find(([name]) => name === part);
    if (!found) throw new Error(`${model.typeName} has no submodule '${path}' (no '${part}' in ${parent.typeName})`);
    [key, module] = found;
  }
  return { parent, key, module };
}

/** The architecture's entry, or one found from the structure: the last Linear layer is the head. */
function architectureOf(model: Module, where: string): Architecture {
  if (!(model instanceof Module)) throw new TypeError(`${where}: expected an nn.Module, got ${model === null ? 'null' : typeof model}`);
  const known = ARCHITECTURES[model.typeName];
  if (known) return known;
  const linears = model.namedModules().filter(([name, m]) => name !== '' && m instanceof Linear);
  if (linears.length === 0) throw new Error(`${where}: ${model.typeName} has no Linear layer to treat as its head; replace the classifier by hand`);
  return { head: linears[linears.length - 1][0], init: 'default' };
}

/** The model's final Linear layer (ResNet's fc, MobileNet's classifier[-1], ViT's heads.head, …). */
export function headOf(model: Module): Linear {
  const { module } = resolve(model, architectureOf(model, 'headOf').head);
  if (!(module instanceof Linear)) throw new Error(`headOf: ${model.typeName}'s head is a ${module.typeName}, not a Linear layer`);
  return module;
}

/**
 * Replaces the final Linear layer with a new one of `numClasses` outputs (same input features, device and dtype),
 * initialized as torchvision initializes that architecture's head; returns the new layer.
 */
export function replaceHead(model: Module, numClasses: number): Linear {
  checkInt(numClasses, 'numClasses', 'replaceHead', 1);
  const architecture = architectureOf(model, 'replaceHead');
  const { parent, key, module: old } = resolve(model, architecture.head);
  if (!(old instanceof Linear)) throw new Error(`replaceHead: ${model.typeName}'s head is a ${old.typeName}, not a Linear layer`);
  // In a scope: the tensors the parameters were made from, and the handles the initializers return, go with it.
  const head = tidy(() => {
    const linear = new Linear(old.inFeatures, numClasses, { bias: old.bias !== null });
    switch (architecture.init) {
      case 'normal': normal_(linear.weight, 0, 0.01); break;
      case 'truncNormal': truncNormal_(linear.weight, 0, 0.02); break;
      case 'zeros': zeros_(linear.weight); break;
      case 'default': break; // Linear's own kaiming-uniform init, which torchvision keeps for these heads
    }
    if (linear.bias && architecture.init !== 'default') zeros_(linear.bias);
    return linear;
  });
  head.to(old.weight.dtype);
  head.to(old.weight.device);
  head.train(old.training);
  (parent as unknown as Record<string, Module>)[key] = head;
  old.dispose();
  return head;
}

/** A layer group: modules trained, frozen and given a learning rate together. */
export interface LayerGroup {
  /** The dotted names of its modules. */
  names: string[];
  modules: Module[];
  /** Their parameters; the first group also holds the model's own (ViT's class_token). */
  params: Parameter[];
}

/**
 * fastai-style layer groups, earliest first; the last one is the head (the top-level child holding the final
 * Linear layer: ResNet's fc, LectureCnn's and MobileNet's classifier, ViT's heads).
 * - ResNet: [conv1 … layer2], [layer3, layer4], [fc] (fastai's split);
 * - ResNetCifar: [conv1, bn1, layer1], [layer2, layer3], [fc];
 * - LectureCnn: [features.0, features.1], [features.2, features.3], [classifier];
 * - any other model: [body, head], the body being every other top-level child.
 * Parameters of the model itself (ViT's class_token) belong to the first group.
 */
export function layerGroups(model: Module): LayerGroup[] {
  const architecture = architectureOf(model, 'layerGroups');
  const headName = architecture.head.split('.')[0];
  const topLevel = model.namedChildren().map(([name]) => name);
  const exists = (name: string) => {
    try {
      resolve(model, name);
      return true;
    } catch {
      return false;
    }
  };
  // A variant without some listed child (a ReLU called functionally, say) still splits the same way.
  const body = architecture.body?.map((names) => names.filter(exists)) ?? [topLevel.filter((name) => name !== headName)];
  const inBody = new Set(body.flat().map((name) => name.split('.')[0]));
  const head = topLevel.filter((name) => !inBody.has(name));
  const groups = [...body, head].filter((names) => names.length > 0).map((names): LayerGroup => {
    const modules = names.map((name) => resolve(model, name).module);
    return { names, modules, params: modules.flatMap((m) => m.parameters()) };
  });
  groups[0].params.unshift(...model.parameters(false));
  return groups;
}
