// The cnnkit side of the benchmark cases: one training step of a model on fixed random data, or one inference
// (forward pass in eval mode without gradients).
import { F, torch, type Tensor } from '../src/index.js';
import { lectureCnn, mobilenetV2, resnet18, resnet50, smallCnn, type Model } from './models.js';
import { SgdMomentum } from './sgd.js';

export const LR = 0.01;
export const MOMENTUM = 0.9;

/** How many steps to run: `warmup` untimed, then `repeats` timed blocks of `steps` steps. */
export interface Iterations {
  warmup: number;
  steps: number;
  repeats: number;
}

export interface CaseSpec {
  name: string;
  /** ms/step for a training step, ms/batch for an inference. */
  unit: 'ms/step' | 'ms/batch';
  /** Forward only, in eval mode without gradients (default: a training step). */
  inference?: boolean;
  inputShape: number[];
  classes: number;
  makeModel: () => Model;
  /**
   * Iterations of a full run: many short blocks, so that the alternation between the sides evens out changes in
   * machine load; about 30 s per case on an idle 2-core machine (both sides), longer when it is busy.
   */
  full: Iterations;
}

export const cases: CaseSpec[] = [
  { name: 'small_cnn_train_step', unit: 'ms/step', inputShape: [128, 1, 28, 28], classes: 10, makeModel: smallCnn,
    full: { warmup: 3, steps: 3, repeats: 21 } },
  { name: 'lecture_cnn_train_step', unit: 'ms/step', inputShape: [32, 3, 64, 64], classes: 2, makeModel: lectureCnn,
    full: { warmup: 3, steps: 3, repeats: 21 } },
  { name: 'resnet18_train_step', unit: 'ms/step', inputShape: [16, 3, 64, 64], classes: 1000, makeModel: resnet18,
    full: { warmup: 3, steps: 2, repeats: 15 } },
  { name: 'mobilenet_v2_train_step', unit: 'ms/step', inputShape: [16, 3, 64, 64], classes: 1000, makeModel: mobilenetV2,
    full: { warmup: 3, steps: 2, repeats: 15 } },
  { name: 'resnet50_inference', unit: 'ms/batch', inputShape: [8, 3, 224, 224], classes: 1000, makeModel: resnet50, inference: true,
    full: { warmup: 2, steps: 1, repeats: 11 } },
];

export const QUICK: Iterations = { warmup: 1, steps: 1, repeats: 2 };

/** A case made ready to run: model, optimizer and data exist; step() trains once. */
export interface PreparedCase {
  /** One full training step inside a tidy scope: forward, cross entropy, backward, SGD, zero_grad. */
  step(): void;
  /** The same step with the time (ms) of each phase, how many tensor handles it made and its minor page faults. */
  stepPhases(): { forward: number; backward: number; update: number; tensorsMade: number; pageFaults: number };
  dispose(): void;
}

export function prepare(spec: CaseSpec): PreparedCase {
  const model = spec.makeModel();
  // The data is made once, before any timing, as on the PyTorch side.
  const x = torch.randn(spec.inputShape);
  if (spec.inference) return prepareInference(model, x);
  const sgd = new SgdMomentum(model.params, LR, MOMENTUM);
  const y = torch.randint(0, spec.classes, [spec.inputShape[0]]);
  const lossOf = (input: Tensor, target: Tensor) => F.crossEntropy(model.forward(input), target);

  return {
    step() {
      torch.tidy(() => {
        lossOf(x, y).backward();
        sgd.step();
        sgd.zeroGrad();
      });
    },
    stepPhases() {
      const phases = torch.tidy(() => {
        // Nothing is freed inside the scope, so the rise in live handles is the number made.
        const before = torch.memory().numTensors;
        const faults = process.resourceUsage().minorPageFault;
        const t0 = performance.now();
        const loss = lossOf(x, y);
        const t1 = performance.now();
        loss.backward();
        const t2 = performance.now();
        sgd.step();
        sgd.zeroGrad();
        const t3 = performance.now();
        const tensorsMade = torch.memory().numTensors - before;
        return { forward: t1 - t0, backward: t2 - t1, update: t3 - t2, tensorsMade, faults };
      });
      // The scope's end frees the step's tensors: count the faults up to here.
      const { faults, ...rest } = phases;
      return { ...rest, pageFaults: process.resourceUsage().minorPageFault - faults };
    },
    dispose() {
      sgd.dispose();
      model.dispose();
      torch.dispose([x, y]);
    },
  };
}

/** An inference case: the step is one forward pass in eval mode without gradients. */
function prepareInference(model: Model, x: Tensor): PreparedCase {
  if (!model.module) throw new Error('bench: an inference case needs a zoo model (its eval mode)');
  model.module.eval();
  const forward = () => torch.noGrad(() => model.forward(x));
  return {
    step() {
      torch.tidy(() => {
        forward(); // the output goes with the scope
      });
    },
    stepPhases() {
      const phases = torch.tidy(() => {
        const before = torch.memory().numTensors;
        const faults = process.resourceUsage().minorPageFault;
        const t0 = performance.now();
        forward();
        return { forward: performance.now() - t0, backward: 0, update: 0, tensorsMade: torch.memory().numTensors - before, faults };
      });
      const { faults, ...rest } = phases;
      return { ...rest, pageFaults: process.resourceUsage().minorPageFault - faults };
    },
    dispose() {
      model.dispose();
      x.dispose();
    },
  };
}
