/**
 * `node dist/bench/memory.js [--backend wasm|cpu] [--only mlp,cnn]`: the training-step memory
 * estimate (src/runtime/memory-estimate.ts) next to what one real step of kerats' trainer holds,
 * for each bench model (bench/model-cases.ts). Measured: tf.profile's peak bytes of live tensors
 * during the step (what the estimate models), and on wasm the growth of the WebAssembly memory.
 * Prints a table and one JSON line per model; `--check` exits 1 when an estimate is off by > 25%.
 */
import * as tf from '@tensorflow/tfjs';
import { loadConfigText } from '../src/config/load.js';
import { useBackend, type BackendName } from '../src/runtime/backend.js';
import { estimateStepMemory, formatMemory } from '../src/runtime/memory-estimate.js';
import { fusedPaths } from '../src/runtime/fused-paths.js';
import { buildSequential } from '../src/runtime/model-builder.js';
import { train } from '../src/runtime/training/trainer.js';
import { MODEL_CASES } from './model-cases.js';

export interface MemoryRow {
  model: string;
  batch: number;
  estimate: number;
  measured: number;
  ratio: number;
  wasmGrowth?: number;
}

function wasmHeapBytes(): number | undefined {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8?.buffer.byteLength;
}

export async function measureCase(name: string): Promise<MemoryRow> {
  const c = MODEL_CASES.find((m) => m.name === name);
  if (!c) throw new Error(`no bench model "${name}"`);
  const config = loadConfigText(`name: mem-${c.name}\nseed: 1\n${c.yaml}\n`, `mem-${c.name}.yaml`);
  const model = buildSequential(config.model, { seed: 1 });
  const { x, y } = c.data(c.batch);
  const heap0 = wasmHeapBytes();
  // One step: the batch, the forward pass kept for backprop, gradients, optimizer slots made on the first update.
  const info = await tf.profile(async () => {
    await train(model, config.compile, { x, y, size: c.batch }, { epochs: 1, batchSize: c.batch, shuffle: false, callbacks: [] });
  });
  const heap1 = wasmHeapBytes();
  // The paths the step just took (the fused wasm kernels keep less than tfjs-layers' ops).
  const est = estimateStepMemory(model, c.batch, config.compile.optimizer, fusedPaths(tf.getBackend()));
  const estimate = est.total;
  if (process.env.KERATS_MEM_DEBUG) console.error(c.name, JSON.stringify({ ...est, largestLayer: est.largestLayer?.name }));
  tf.dispose([x, y]);
  model.dispose();
  const row: MemoryRow = { model: c.name, batch: c.batch, estimate, measured: info.peakBytes, ratio: estimate / info.peakBytes };
  if (heap0 !== undefined && heap1 !== undefined) row.wasmGrowth = heap1 - heap0;
  return row;
}

async function main(argv: string[]): Promise<void> {
  const backend = (argv[argv.indexOf('--backend') + 1] ?? 'wasm') as BackendName;
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? (argv[onlyAt + 1] ?? '').split(',') : MODEL_CASES.map((m) => m.name);
  await useBackend(argv.includes('--backend') ? backend : 'wasm');
  const rows: MemoryRow[] = [];
  for (const name of only) rows.push(await measureCase(name));
  console.log('| model | batch | estimate | measured peak | estimate/measured | wasm memory growth |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.model} | ${r.batch} | ${formatMemory(r.estimate)} | ${formatMemory(r.measured)} | ${r.ratio.toFixed(2)} | ${r.wasmGrowth === undefined ? '-' : formatMemory(r.wasmGrowth)} |`);
  }
  for (const r of rows) console.log(JSON.stringify(r));
  if (argv.includes('--check') && rows.some((r) => r.ratio < 0.75 || r.ratio > 1.25)) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));
