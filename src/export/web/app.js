// The page: loads model.onnx in onnxruntime-web (WebAssembly on one thread: no cross-origin isolation needed), then
// classifies the image that is dropped or picked, or the one that `?image=URL` names, with preprocess.js's
// preprocessing (the same as cnnkit's prediction). #result gets "class probability" and data-state done or error.
import * as ort from './ort.wasm.min.mjs';
import { formatOf, prepare } from './preprocess.js';

const $ = (id) => document.getElementById(id);
const result = $('result');

ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = new URL('./', import.meta.url).href;

function show(state, text) {
  result.textContent = text;
  result.dataset.state = state;
}

/** The image's pixels at full resolution (RGBA), decoded by the browser: EXIF orientation applied, colours in sRGB. */
async function pixelsOf(blob) {
  const bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'default' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0);
  const { data } = context.getImageData(0, 0, bitmap.width, bitmap.height, { colorSpace: 'srgb' });
  return { data, width: bitmap.width, height: bitmap.height };
}

const softmax = (logits) => {
  const max = Math.max(...logits);
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
};

async function main() {
  const metadata = await (await fetch('metadata.json')).json();
  document.title = $('title').textContent = metadata.title;
  const session = await ort.InferenceSession.create('model.onnx', { executionProviders: ['wasm'] });
  $('status').textContent = `${metadata.model}, ${metadata.classes.length} classes: ${metadata.classes.join(', ')}`;

  async function classify(blob) {
    show('running', '');
    $('top').replaceChildren();
    const preview = $('preview');
    URL.revokeObjectURL(preview.src);
    preview.src = URL.createObjectURL(blob);
    preview.hidden = false;
    try {
      const bytes = new Uint8Array(await blob.slice(0, 2).arrayBuffer());
      const { data, width, height } = await pixelsOf(blob);
      const input = prepare(data, width, height, metadata, formatOf(bytes));
      const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input.data, [1, ...input.shape]) };
      const outputs = await session.run(feeds);
      const probabilities = softmax(outputs[session.outputNames[0]].data);
      const ranked = probabilities.map((p, i) => ({ name: metadata.classes[i], p, i })).sort((a, b) => b.p - a.p || a.i - b.i);
      for (const { name, p } of ranked.slice(0, metadata.topK)) {
        const row = $('top').insertRow();
        row.insertCell().textContent = name;
        row.insertCell().textContent = p.toFixed(4);
        const bar = document.createElement('div');
        bar.className = 'bar';
        bar.style.width = `${(p * 10).toFixed(2)}rem`;
        row.insertCell().append(bar);
      }
      show('done', `${ranked[0].name} ${ranked[0].p.toFixed(4)}`);
    } catch (error) {
      console.error(error);
      show('error', `cannot classify this image: ${error.message ?? error}`);
    }
  }

  const drop = $('drop');
  $('file').addEventListener('change', (event) => { if (event.target.files[0]) classify(event.target.files[0]); });
  drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    if (event.dataTransfer.files[0]) classify(event.dataTransfer.files[0]);
  });

  const named = new URLSearchParams(location.search).get('image');
  if (named) {
    const response = await fetch(named);
    if (!response.ok) throw new Error(`cannot load ${named}: ${response.status} ${response.statusText}`);
    await classify(await response.blob());
  }
}

main().catch((error) => {
  console.error(error);
  $('status').textContent = '';
  show('error', String(error.message ?? error));
});
