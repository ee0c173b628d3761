// The benchmark: each case in cnnkit and in Python PyTorch side by side, same threads, same model and data shapes.
//   node dist/bench/run.js [--quick] [--threads N] [--json FILE] [--case NAME]... [--profile] [--verbose] [--stable-malloc]
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { torch } from '../src/index.js';
import { runAugmentCase, type AugmentMode } from './augment.js';
import { cases, prepare, QUICK, type CaseSpec, type Iterations } from './cases.js';
import { DDP_FULL, GLOBAL_BATCH, imagesPerSecond, PER_RANK, runDdpTrainStep, runDdpVsThreads } from './ddp.js';
import { runDecodeCase } from './decode.js';
import { runEpochCase } from './epoch.js';
import { runPredictCase } from './predict.js';
import { PytorchWorker, type PhaseTimes } from './pytorch.js';
import { GcCounter, type GcCount } from './gc.js';
import { formatTable, writeJson, type TableRow } from './report.js';
import { median, timeBlock } from './timing.js';

/** One epoch of Fashion-MNIST training, data loading included (bench/epoch.ts). */
const EPOCH_CASE = 'fashion_mnist_epoch';
/**
 * JPEGs decoded, augmented and batched (bench/augment.ts): cnnkit augmenting whole batches, decoding every pass or
 * once, or each sample; and photo-sized JPEGs through torchvision's ImageNet training pipeline.
 */
const AUGMENT_CASES: Record<string, AugmentMode> = {
  augment_pipeline: 'batched', augment_pipeline_cached: 'cached', augment_pipeline_per_sample: 'per-sample', augment_pipeline_photos: 'photos',
};
/** Photo-sized JPEGs and PNGs decoded one at a time on one thread: cnnkit's readImage against PIL, with sharp's and torchvision.io's own figures (bench/decode.ts). */
const DECODE_CASES = { decode_photo_jpeg: 'jpeg', decode_photo_png: 'png' } as const;
/** A trained run's classifier over a folder of photo-sized JPEGs, decoding included (bench/predict.ts). */
const PREDICT_CASE = 'predict_folder';
/** The lecture CNN trained by 2 DistributedDataParallel ranks × 1 thread on loopback, cnnkit against PyTorch (bench/ddp.ts). */
const DDP_STEP_CASE = 'ddp_train_step';
/** On each side, what 2 DDP ranks × 1 thread gain over 1 process × 2 threads on the same global batch (bench/ddp.ts). */
const DDP_GAIN_CASE = 'ddp_vs_threads';

const CASE_NAMES = [...cases.map((c) => c.name), EPOCH_CASE, ...Object.keys(AUGMENT_CASES), ...Object.keys(DECODE_CASES), PREDICT_CASE, DDP_STEP_CASE, DDP_GAIN_CASE];

const USAGE = `usage: node dist/bench/run.js [options]   (or: npm run bench -- [options])
  --threads N   intra-op threads on both sides (default: os.availableParallelism() = ${availableParallelism()})
  --quick       a fast smoke run (few iterations)
  --json FILE   also write [{case, unit, cnnkit, pytorch, ratio}] to FILE (atomically)
  --case NAME   run only this case (repeatable); cases: ${CASE_NAMES.join(', ')}
  --profile     also time forward / backward / update separately on both sides, and count tensors made per step
  --verbose     print every block's time, in the order they ran, and cnnkit's live tensors around the timed loop
  --stable-malloc
                run both sides with glibc's malloc thresholds fixed (GLIBC_TUNABLES), so that neither returns freed
                memory to the system between steps and page faults no longer depend on each process's history;
                this compares the compute alone, not what a user gets by default`;

/** Large fixed thresholds: freed tensor memory stays in the heap, and tensors come from the heap, not mmap. */
const STABLE_MALLOC = 'glibc.malloc.trim_threshold=4294967296:glibc.malloc.mmap_threshold=1073741824';

function parse() {
  const { values } = parseArgs({
    options: {
      threads: { type: 'string' },
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      case: { type: 'string', multiple: true },
      profile: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      'stable-malloc': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const threads = values.threads === undefined ? availableParallelism() : Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads must be a positive integer, got '${values.threads}'`);
  const unknown = (values.case ?? []).filter((name) => !CASE_NAMES.includes(name));
  if (unknown.length) throw new Error(`unknown case ${unknown.join(', ')}; cases: ${CASE_NAMES.join(', ')}`);
  const selected = values.case ? cases.filter((c) => values.case!.includes(c.name)) : cases;
  const epochCase = !values.case || values.case.includes(EPOCH_CASE);
  const augmentCases = Object.keys(AUGMENT_CASES).filter((name) => !values.case || values.case.includes(name));
  const decodeCases = (Object.keys(DECODE_CASES) as (keyof typeof DECODE_CASES)[]).filter((name) => !values.case || values.case.includes(name));
  const predictCase = !values.case || values.case.includes(PREDICT_CASE);
  const ddpStepCase = !values.case || values.case.includes(DDP_STEP_CASE);
  const ddpGainCase = !values.case || values.case.includes(DDP_GAIN_CASE);
  return { ...values, threads, selected, epochCase, augmentCases, decodeCases, predictCase, ddpStepCase, ddpGainCase };
}

type CnnkitPhases = PhaseTimes & { tensorsMade: number };
interface CaseResult {
  cnnkit: number[];
  pytorch: number[];
  pytorchThreads: number;
  pytorchVersion: string;
  phases?: { cnnkit: CnnkitPhases; pytorch: PhaseTimes; samples: number; gc: GcCount };
  /** cnnkit's live tensors just before and just after the timed loop. */
  memory: { before: Memory; after: Memory };
}
type Memory = ReturnType<typeof torch.memory>;

const medianOf = <T extends object>(samples: T[], keys: (keyof T)[]) =>
  Object.fromEntries(keys.map((k) => [k, median(samples.map((s) => s[k] as number))]));

/**
 * Runs one case on both sides, alternating (cnnkit, PyTorch, PyTorch, cnnkit, …) so that both see the same machine
 * load; only one side computes at any time. The PyTorch worker warms up before cnnkit builds its model.
 */
async function runCase(spec: CaseSpec, threads: number, it: Iterations, profile: boolean): Promise<CaseResult> {
  const worker = await PytorchWorker.start(spec.name, threads, it);
  try {
    const prepared = prepare(spec);
    try {
      const step = () => prepared.step();
      for (let i = 0; i < it.warmup; i++) step();
      // The warm-up made the momentum buffers, so from here on each step must leave memory as it found it.
      const before = torch.memory();
      const cnnkit: number[] = [];
      const pytorch: number[] = [];
      const ours = () => cnnkit.push(timeBlock(step, it.steps));
      const theirs = async () => pytorch.push(await worker.block());
      for (let r = 0; r < it.repeats; r++) {
        if (r % 2 === 0) { ours(); await theirs(); } else { await theirs(); ours(); }
      }
      const after = torch.memory();
      if (after.numTensors !== before.numTensors || after.numBytes !== before.numBytes) {
        console.warn(`WARNING: ${spec.name}: cnnkit memory changed over the timed loop: ` +
          `${before.numTensors} tensors / ${before.numBytes} bytes before, ${after.numTensors} / ${after.numBytes} after`);
      }
      let phases: CaseResult['phases'];
      if (profile) {
        const ourPhases: CnnkitPhases[] = [];
        const theirPhases: PhaseTimes[] = [];
        const samples = Math.max(2 * it.steps, 3);
        const gc = new GcCounter();
        for (let r = 0; r < samples; r++) {
          if (r % 2 === 0) { ourPhases.push(prepared.stepPhases()); theirPhases.push(await worker.phases()); }
          else { theirPhases.push(await worker.phases()); ourPhases.push(prepared.stepPhases()); }
        }
        phases = {
          cnnkit: medianOf(ourPhases, ['forward', 'backward', 'update', 'pageFaults', 'tensorsMade']) as unknown as CnnkitPhases,
          pytorch: medianOf(theirPhases, ['forward', 'backward', 'update', 'pageFaults']) as unknown as PhaseTimes,
          samples,
          gc: await gc.stop(),
        };
      }
      const summary = await worker.finish();
      return { cnnkit, pytorch, pytorchThreads: summary.threads, pytorchVersion: summary.torch, phases, memory: { before, after } };
    } finally {
      prepared.dispose();
    }
  } finally {
    worker.kill();
  }
}

async function main(): Promise<void> {
  const options = parse();
  if (options['stable-malloc'] && process.env.GLIBC_TUNABLES !== STABLE_MALLOC) {
    // glibc reads its tunables at start-up: run again with them set (the PyTorch side inherits them).
    const again = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)],
      { stdio: 'inherit', env: { ...process.env, GLIBC_TUNABLES: STABLE_MALLOC } });
    process.exitCode = again.status ?? 1;
    return;
  }
  // Other work on the machine slows both sides; the table says how busy it was when the run began.
  const loadAtStart = loadavg()[0];
  torch.setNumThreads(options.threads);
  torch.manualSeed(0);
  const rows: TableRow[] = [];
  const profiles: ({ name: string } & NonNullable<CaseResult['phases']>)[] = [];
  let pytorchVersion = '?';

  for (const spec of options.selected) {
    const it = options.quick ? QUICK : spec.full;
    process.stderr.write(`${spec.name}: ${it.warmup} warm-up steps, then ${it.repeats} blocks of ${it.steps} steps on each side… `);
    const result = await runCase(spec, options.threads, it, options.profile);
    process.stderr.write('done\n');
    if (result.pytorchThreads !== options.threads) console.warn(`WARNING: PyTorch ran with ${result.pytorchThreads} threads, not ${options.threads}`);
    pytorchVersion = result.pytorchVersion;
    const cnnkit = median(result.cnnkit);
    const pytorch = median(result.pytorch);
    rows.push({ case: spec.name, unit: spec.unit, cnnkit, pytorch, ratio: pytorch / cnnkit, blocks: { cnnkit: result.cnnkit, pytorch: result.pytorch } });
    if (result.phases) profiles.push({ name: spec.name, ...result.phases });
    if (options.verbose) {
      const list = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(' ');
      const { before, after } = result.memory;
      console.error(`  cnnkit blocks (ms/step):  ${list(result.cnnkit)}\n  pytorch blocks (ms/step): ${list(result.pytorch)}\n` +
        `  cnnkit live tensors: ${before.numTensors} (${before.numBytes} bytes) before the timed loop, ${after.numTensors} (${after.numBytes} bytes) after`);
    }
  }

  if (options.epochCase) {
    const images = options.quick ? 2000 : 60000;
    process.stderr.write(`${EPOCH_CASE}: one epoch on ${images} images on each side, twice… `);
    const result = await runEpochCase(options.threads, images);
    process.stderr.write('done\n');
    pytorchVersion = result.pytorchVersion;
    rows.push({ case: EPOCH_CASE, unit: 's/epoch', cnnkit: result.cnnkit, pytorch: result.pytorch, ratio: result.pytorch / result.cnnkit,
      blocks: { cnnkit: [result.cnnkit], pytorch: [result.pytorch] } });
  }

  for (const name of options.augmentCases) {
    const photos = AUGMENT_CASES[name] === 'photos';
    const images = options.quick ? 256 : photos ? 2048 : 4096;
    process.stderr.write(`${name}: ${images} JPEGs${photos ? ' of photo size' : ' of 64×64'}, two passes on each side, alternating… `);
    const result = await runAugmentCase(options.threads, images, AUGMENT_CASES[name]);
    process.stderr.write(`done (${result.files})\n`);
    const [cnnkit, pytorch] = [median(result.cnnkit), median(result.pytorch)];
    rows.push({ case: name, unit: 'images/s', cnnkit, pytorch, ratio: cnnkit / pytorch, higherIsBetter: true, blocks: { cnnkit: result.cnnkit, pytorch: result.pytorch } });
    if (pytorchVersion === '?') pytorchVersion = result.pytorchVersion;
  }

  if (options.predictCase) {
    const images = options.quick ? 64 : 256;
    process.stderr.write(`${PREDICT_CASE}: a ResNet-18 run's predictions on ${images} photo-sized JPEGs, two passes on each side, alternating… `);
    const result = await runPredictCase(options.threads, images);
    process.stderr.write('done\n');
    const [cnnkit, pytorch] = [median(result.cnnkit), median(result.pytorch)];
    rows.push({ case: PREDICT_CASE, unit: 'images/s', cnnkit, pytorch, ratio: cnnkit / pytorch, higherIsBetter: true, blocks: { cnnkit: result.cnnkit, pytorch: result.pytorch } });
    if (pytorchVersion === '?') pytorchVersion = result.pytorchVersion;
  }

  const notes: string[] = [];
  const rate = (x: number) => `${x.toFixed(1)} images/s`;
  // Its own threads per process: --threads does not apply.
  if (options.ddpStepCase) {
    const it = options.quick ? QUICK : DDP_FULL[DDP_STEP_CASE];
    process.stderr.write(`${DDP_STEP_CASE}: 2 DDP ranks × 1 thread, ${PER_RANK} images each; ${it.repeats} blocks of ${it.steps} steps on each side, alternating… `);
    const result = await runDdpTrainStep(it);
    process.stderr.write('done\n');
    const [cnnkit, pytorch] = [median(result.cnnkit), median(result.pytorch)];
    rows.push({ case: DDP_STEP_CASE, unit: 'ms/step', cnnkit, pytorch, ratio: pytorch / cnnkit, blocks: { cnnkit: result.cnnkit, pytorch: result.pytorch } });
    notes.push(`${DDP_STEP_CASE}: lecture CNN, 2 ranks × 1 thread × ${PER_RANK} images: cnnkit ${rate(imagesPerSecond(cnnkit))}, PyTorch ${rate(imagesPerSecond(pytorch))}`);
    if (pytorchVersion === '?') pytorchVersion = result.pytorchVersion;
  }
  if (options.ddpGainCase) {
    const it = options.quick ? QUICK : DDP_FULL[DDP_GAIN_CASE];
    process.stderr.write(`${DDP_GAIN_CASE}: 2 DDP ranks × 1 thread against 1 process × 2 threads, ${GLOBAL_BATCH} images a step, on each side; ${it.repeats} rounds of ${it.steps} steps… `);
    const result = await runDdpVsThreads(it);
    process.stderr.write('done\n');
    const gain = (g: { ddp: number[]; threads: number[] }) => median(g.ddp) / median(g.threads);
    // Each round's gain (its two blocks ran back to back) for the spread.
    const perRound = (g: { ddp: number[]; threads: number[] }) => g.ddp.map((d, i) => d / g.threads[i]);
    const [cnnkit, pytorch] = [gain(result.cnnkit), gain(result.pytorch)];
    rows.push({ case: DDP_GAIN_CASE, unit: 'DDP÷threads', cnnkit, pytorch, ratio: cnnkit, higherIsBetter: true,
      blocks: { cnnkit: perRound(result.cnnkit), pytorch: perRound(result.pytorch) },
      bestRatio: Math.max(...result.cnnkit.ddp) / Math.max(...result.cnnkit.threads) });
    const pair = (g: { ddp: number[]; threads: number[] }) => `2 ranks × 1 thread ${rate(median(g.ddp))}, 1 process × 2 threads ${rate(median(g.threads))}`;
    notes.push(`${DDP_GAIN_CASE}: lecture CNN, ${GLOBAL_BATCH} images a step: cnnkit ${pair(result.cnnkit)} (gain ${cnnkit.toFixed(3)}x); ` +
      `PyTorch ${pair(result.pytorch)} (gain ${pytorch.toFixed(3)}x); ratio = cnnkit's gain`);
    if (pytorchVersion === '?') pytorchVersion = result.pytorchVersion;
  }
  for (const name of options.decodeCases) {
    const format = DECODE_CASES[name];
    const images = options.quick ? 50 : 300;
    process.stderr.write(`${name}: ${images} photo-sized ${format.toUpperCase()}s decoded to RGB one at a time, each way twice, alternating… `);
    const result = await runDecodeCase(images, format);
    process.stderr.write(`done (${result.files})\n`);
    rows.push({ case: name, unit: 'ms/image', cnnkit: median(result.cnnkit), pytorch: median(result.pil), ratio: median(result.pil) / median(result.cnnkit),
      blocks: { cnnkit: result.cnnkit, pytorch: result.pil } });
    const ms = (xs: number[]) => `${median(xs).toFixed(2)} ms`;
    notes.push(`${name}: cnnkit readImage ${ms(result.cnnkit)}, PIL Image.open(f).convert('RGB') ${ms(result.pil)}, ` +
      `torchvision.io.decode_${format}(read_file(f)) ${ms(result.torchvision)}, sharp raw decode ${ms(result.sharp)} one at a time ` +
      `(${ms(result.sharpInFlight)} a file with ${result.inFlight} in flight)`);
  }

  console.log(formatTable(rows, {
    cpu: cpus()[0]?.model ?? 'unknown CPU', nproc: availableParallelism(), threads: torch.getNumThreads(),
    libtorch: torch.version, pytorch: pytorchVersion, node: process.version, loadAtStart,
  }));
  for (const note of notes) console.log(note);
  if (options.quick) console.log('(--quick: a smoke run; the numbers are noisy)');
  if (process.env.GLIBC_TUNABLES) console.log(`(both sides ran with GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES})`);
  if (profiles.length) {
    const f = (x: number) => x.toFixed(2).padStart(9);
    console.log('\nprofile: median ms per phase and minor page faults per step, steps alternating between the sides');
    const n = (x: number) => x.toFixed(0).padStart(11);
    console.log(`${'case'.padEnd(24)} ${'side'.padEnd(8)}  ${'forward'.padStart(9)}  ${'backward'.padStart(9)}  ${'update'.padStart(9)}  ${'page faults'.padStart(11)}`);
    for (const p of profiles) {
      console.log(`${p.name.padEnd(24)} ${'cnnkit'.padEnd(8)}  ${f(p.cnnkit.forward)}  ${f(p.cnnkit.backward)}  ${f(p.cnnkit.update)}  ${n(p.cnnkit.pageFaults)}` +
        `   (${p.cnnkit.tensorsMade} tensor handles made per step)`);
      console.log(`${''.padEnd(24)} ${'pytorch'.padEnd(8)}  ${f(p.pytorch.forward)}  ${f(p.pytorch.backward)}  ${f(p.pytorch.update)}  ${n(p.pytorch.pageFaults)}`);
      console.log(`${''.padEnd(24)} V8 GCs in cnnkit over ${p.samples} steps: ${p.gc.major} major (mark-compact), ${p.gc.incremental} incremental, ` +
        `${p.gc.minor} minor; ${p.gc.pauseMs.toFixed(1)} ms of pauses`);
    }
  }
  if (options.json) {
    writeJson(options.json, rows);
    console.log(`\nwrote ${options.json}`);
  }
}

main().catch((error: Error) => {
  console.error(`\nbench: ${error.message}`);
  process.exitCode = 1;
});
