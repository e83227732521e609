/**
 * Training throughput (samples/s) of the models in bench/model-cases.ts:
 *   kerats  — `buildSequential` from the config text + kerats' own `train` (the product path);
 *   tfjs    — the same model as a plain tfjs-layers script, `model.fit`, same backend, same process;
 *   PyTorch — bench/torch_models.py (when a python with torch is found: the pyref venv's 2.13 first), 2 threads;
 *   Keras   — bench/keras_models.py, Keras 3 `model.fit` on TensorFlow (the pyref venv), 2 threads.
 * Peak RSS: kerats' process after its rounds (the wasm heap never shrinks), the Python processes' ru_maxrss.
 * kerats and tfjs rounds alternate so machine noise hits both; each figure is the median round.
 *
 * Module flags: --models mlp,cnn  --backends tensorflow-gpu,tensorflow,wasm,wasm-bundled,wasm-plain,cpu  --rounds 3  --seconds 3
 *               (target per round; wasm-plain: wasm with the native addon turned off; wasm-bundled: the addon's
 *               bundled SGEMM instead of OpenBLAS; tensorflow/tensorflow-gpu: rows only where `kerats setup`
 *               built them or tfjs-node is installed, otherwise a note says why)
 *               --steps N (fixed steps per round)  --no-torch  --no-keras
 *               --baseline unfused (the "tfjs script" rounds run the kerats model with the fused wasm layer
 *               paths of src/runtime/wasm-kernels/fused-layers.ts turned off: a before/after in one run)
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfigText } from '../src/config/load.js';
import { probeBackend, useBackend, type BackendName } from '../src/runtime/backend.js';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../src/runtime/wasm-kernels/index.js';
import { buildSequential } from '../src/runtime/model-builder.js';
import { train } from '../src/runtime/training/trainer.js';
import { packageRoot } from '../src/util/package-root.js';
import { nativeBlasStatus, setNativeBlasEnabled, setNativeGemm } from '../src/runtime/native/blas.js';
import { setFusedLayersEnabled } from '../src/runtime/wasm-kernels/fused-layers.js';
import { referencePython } from '../src/util/python-ref.js';

/**
 * A backend to measure: a tfjs backend; wasm-plain: wasm without the native addon; wasm-bundled:
 * the addon with its bundled SGEMM instead of OpenBLAS (what an install without OpenBLAS runs).
 */
type BenchBackend = BackendName | 'wasm-plain' | 'wasm-bundled';
const WASM_VARIANTS: readonly string[] = ['wasm-plain', 'wasm-bundled'];

/** Activates `b`; for wasm, re-registers kerats' kernels with the native addon on or off, on OpenBLAS or the bundled GEMM. */
async function activate(b: BenchBackend): Promise<void> {
  const engine: BackendName = WASM_VARIANTS.includes(b) ? 'wasm' : (b as BackendName);
  await useBackend(engine);
  if (engine !== 'wasm') return;
  unregisterWasmTrainingKernels();
  setNativeBlasEnabled(b !== 'wasm-plain');
  if (nativeBlasStatus().available) setNativeGemm(b === 'wasm-bundled' || !nativeBlasStatus().openblas ? 'bundled' : 'openblas');
  registerWasmTrainingKernels();
}

/** Whether a wasm variant differs from plain `wasm` here (else its row would repeat wasm's). */
function variantApplies(b: BenchBackend): boolean {
  const s = nativeBlasStatus();
  if (b === 'wasm-plain') return s.available;
  if (b === 'wasm-bundled') return s.available && s.openblas === true;
  return true;
}
import { MODEL_CASES, type ModelCase } from './model-cases.js';
import { markdownTable, median, type BenchContext, type BenchModule, type BenchSection } from './types.js';

interface Options {
  models: string[];
  backends: BenchBackend[];
  rounds: number;
  seconds: number;
  steps?: number;
  torch: boolean;
  keras: boolean;
  /** The baseline rounds: the plain tfjs script, or kerats' model with the fused layer paths off. */
  baseline: 'tfjs' | 'unfused';
}

function parseOptions(ctx: BenchContext): Options {
  const o: Options = { models: MODEL_CASES.map((c) => c.name), backends: ['tensorflow-gpu', 'tensorflow', 'wasm', 'wasm-bundled', 'wasm-plain', 'cpu'], rounds: 3, seconds: 3, torch: true, keras: true, baseline: 'tfjs' };
  const a = ctx.argv;
  for (let i = 0; i < a.length; i++) {
    const v = a[i + 1] ?? '';
    if (a[i] === '--models') o.models = v.split(',');
    else if (a[i] === '--backends') o.backends = v.split(',') as BenchBackend[];
    else if (a[i] === '--rounds') o.rounds = Number(v);
    else if (a[i] === '--seconds') o.seconds = Number(v);
    else if (a[i] === '--steps') o.steps = Number(v);
    else if (a[i] === '--no-torch') o.torch = false;
    else if (a[i] === '--no-keras') o.keras = false;
    else if (a[i] === '--baseline') o.baseline = v === 'unfused' ? 'unfused' : 'tfjs';
  }
  if (ctx.quick) {
    o.rounds = 1;
    o.steps = 2;
  }
  return o;
}

export interface ModelRow {
  model: string;
  title: string;
  batch: number;
  backend: string;
  steps: number;
  /** Samples per wall-clock second (median round). */
  kerats: number;
  tfjs: number;
  /** kerats / tfjs samples/s: 1 means no overhead. */
  keratsVsTfjs: number;
  /** Samples per CPU second of the process (median round): robust to a loaded machine. */
  keratsCpu: number;
  tfjsCpu: number;
  torch?: number;
  /** PyTorch's samples per CPU second, all its threads together. */
  torchCpu?: number;
  keratsVsTorch?: number;
  /** Keras 3 `model.fit` on TensorFlow (bench/keras_models.py), 2 threads. */
  keras?: number;
  kerasCpu?: number;
  keratsVsKeras?: number;
  /** Peak resident memory in MiB: this process's largest RSS after a kerats round; the Python processes' ru_maxrss. */
  keratsRssMiB?: number;
  torchRssMiB?: number;
  kerasRssMiB?: number;
}

/** Samples per wall-clock second and per CPU second of this process. */
interface Rate {
  wall: number;
  cpu: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Rates of `samples` samples trained by `f`. The CPU-time rate is what a single-threaded backend
 * (wasm, cpu) would reach on an idle machine: it stays meaningful when other processes load the CPU.
 */
async function rate(samples: number, f: () => Promise<unknown>): Promise<Rate> {
  const t0 = performance.now();
  const c0 = cpuSeconds();
  await f();
  return { wall: samples / ((performance.now() - t0) / 1000), cpu: samples / (cpuSeconds() - c0) };
}

/** One kerats `train` call over `steps` batches. */
function keratsRound(c: ModelCase, model: tf.LayersModel, compile: Parameters<typeof train>[1], x: tf.Tensor, y: tf.Tensor, steps: number): Promise<Rate> {
  const size = steps * c.batch;
  return rate(size, () => train(model, compile, { x, y, size }, { epochs: 1, batchSize: c.batch, shuffle: false, callbacks: [] }));
}

/** One plain-tfjs `model.fit` epoch over `steps` batches. */
function tfjsRound(c: ModelCase, model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, steps: number): Promise<Rate> {
  return rate(steps * c.batch, () => model.fit(x, y, { batchSize: c.batch, epochs: 1, shuffle: false, verbose: 0 }));
}

/** A kerats round with the fused wasm layer paths turned off (the "before" of a --baseline unfused run). */
async function unfusedRound(c: ModelCase, model: tf.LayersModel, compile: Parameters<typeof train>[1], x: tf.Tensor, y: tf.Tensor, steps: number): Promise<Rate> {
  setFusedLayersEnabled(false);
  try {
    return await keratsRound(c, model, compile, x, y, steps);
  } finally {
    setFusedLayersEnabled(true);
  }
}

async function benchOnBackend(c: ModelCase, backend: BenchBackend, o: Options, ctx: BenchContext): Promise<ModelRow> {
  const config = loadConfigText(`name: bench-${c.name}\nseed: 1\n${c.yaml}\n`, `bench-${c.name}.yaml`);
  const kModel = buildSequential(config.model, { seed: 1 });
  const tModel = c.tfjs();
  tModel.compile({ optimizer: tf.train.adam(0.001), loss: c.loss });
  try {
    // Warm-up (kernel setup, XNNPACK operator creation), and a step time to size the rounds.
    const warm = c.data(2 * c.batch);
    await keratsRound(c, kModel, config.compile, warm.x, warm.y, 2);
    const perSec = (await tfjsRound(c, tModel, warm.x, warm.y, 2)).wall;
    tf.dispose([warm.x, warm.y]);
    const steps = o.steps ?? Math.max(2, Math.min(60, Math.round((o.seconds * perSec) / c.batch)));
    const { x, y } = c.data(steps * c.batch);
    const k: Rate[] = [];
    const t: Rate[] = [];
    let rss = 0;
    for (let r = 0; r < o.rounds; r++) {
      const kr = await keratsRound(c, kModel, config.compile, x, y, steps);
      rss = Math.max(rss, process.memoryUsage.rss());
      const tr = o.baseline === 'unfused' ? await unfusedRound(c, kModel, config.compile, x, y, steps) : await tfjsRound(c, tModel, x, y, steps);
      k.push(kr);
      t.push(tr);
      ctx.log(`  ${c.name} ${backend} round ${r + 1}: kerats ${kr.wall.toFixed(0)} (cpu ${kr.cpu.toFixed(0)})  tfjs ${tr.wall.toFixed(0)} (cpu ${tr.cpu.toFixed(0)}) samples/s`);
    }
    tf.dispose([x, y]);
    const kerats = median(k.map((r) => r.wall));
    const tfjs = median(t.map((r) => r.wall));
    const keratsCpu = median(k.map((r) => r.cpu));
    const tfjsCpu = median(t.map((r) => r.cpu));
    return { model: c.name, title: c.title, batch: c.batch, backend, steps, kerats, tfjs, keratsVsTfjs: kerats / tfjs, keratsCpu, tfjsCpu, keratsRssMiB: rss / 2 ** 20 };
  } finally {
    kModel.dispose();
    tModel.dispose();
  }
}

/**
 * A python that can import torch: the reference venv's (`npm run pyref`: PyTorch 2.13) first, then
 * Debian's python3-torch (1.13) as a fallback, then the one on PATH.
 */
export function findTorchPython(): { python: string; version: string } | undefined {
  const ref = referencePython(['torch']);
  for (const python of [...(ref.python ? [ref.python] : []), '/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { python, version: r.stdout.trim() };
  }
  return undefined;
}

/** The Keras 3 + TensorFlow python of the `npm run pyref` venv, when it has them. */
export function findKerasPython(): { python: string } | { skip: string } {
  const ref = referencePython(['keras', 'tensorflow']);
  return ref.python ? { python: ref.python } : { skip: ref.skip ?? 'no Python reference' };
}

interface ReferenceRate {
  wall: number;
  cpu: number;
  rssMiB?: number;
}

/** Runs bench/<script> (torch_models.py or keras_models.py) for one model; its JSON line's rates. */
function pythonSamplesPerSec(kind: 'torch' | 'keras', python: string, c: ModelCase, o: Options, ctx: BenchContext, notes: string[]): ReferenceRate | undefined {
  const script = path.join(packageRoot(), 'bench', kind === 'torch' ? 'torch_models.py' : 'keras_models.py');
  const args = [script, '--model', c.name, '--batch', String(c.batch), '--rounds', String(o.rounds), '--seconds', String(o.seconds), '--threads', '2'];
  if (o.steps) args.push('--steps', String(o.steps));
  const r = spawnSync(python, args, { encoding: 'utf8', timeout: 600_000, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
  if (r.status !== 0) {
    ctx.log(`  ${c.name} ${kind} failed: ${(r.stderr || r.stdout).trim().split('\n').at(-1) ?? ''}`);
    return undefined;
  }
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
    samples_per_sec?: number; samples_per_cpu_sec?: number; blas?: string; peak_rss_mib?: number; keras?: string; tensorflow?: string;
  };
  if (out.keras) notes.push(`Keras ${out.keras} on TensorFlow ${out.tensorflow ?? '?'} (${python}), model.fit, 2 intra- and inter-op threads`);
  if (out.blas === 'generic') {
    notes.push('PyTorch uses the generic reference BLAS (libblas3; install libopenblas0 for OpenBLAS): its Dense/LSTM matmuls are unoptimised; convolutions use oneDNN');
  } else if (out.blas) {
    notes.push(`PyTorch uses ${out.blas === 'openblas' ? 'OpenBLAS' : out.blas} for its matmuls; convolutions use oneDNN`);
  }
  ctx.log(`  ${c.name} ${kind}: ${out.samples_per_sec?.toFixed(0)} (cpu ${out.samples_per_cpu_sec?.toFixed(0)}) samples/s`);
  if (out.samples_per_sec === undefined || out.samples_per_cpu_sec === undefined) return undefined;
  return { wall: out.samples_per_sec, cpu: out.samples_per_cpu_sec, ...(out.peak_rss_mib !== undefined ? { rssMiB: out.peak_rss_mib } : {}) };
}

const fmt = (n: number | undefined): string => (n === undefined ? '—' : n >= 100 ? n.toFixed(0) : n.toFixed(1));
const ratio = (n: number | undefined): string => (n === undefined ? '—' : `${n.toFixed(2)}x`);

export function machineDescription(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}, tfjs ${tf.version.tfjs}`;
}

export const bench: BenchModule = {
  name: 'models',
  description: 'training samples/s: kerats vs a plain tfjs-layers script vs PyTorch',
  async run(ctx) {
    const o = parseOptions(ctx);
    const notes: string[] = [];
    const cases = MODEL_CASES.filter((c) => o.models.includes(c.name));
    const torch = o.torch ? findTorchPython() : undefined;
    if (o.torch && !torch) notes.push('PyTorch: no python3 with torch found (tried the npm run pyref venv, /usr/bin/python3, python3)');
    if (torch) notes.push(`PyTorch ${torch.version} (${torch.python}), torch.set_num_threads(2)`);
    const kerasPy = o.keras ? findKerasPython() : undefined;
    if (kerasPy && 'skip' in kerasPy) notes.push(`Keras: ${kerasPy.skip}`);
    const blas = nativeBlasStatus();
    notes.push(blas.available ? `kerats on wasm with the native OpenBLAS addon: ${blas.detail}` : `kerats on plain wasm (native OpenBLAS addon: ${blas.detail})`);
    const rows: ModelRow[] = [];
    for (const c of cases) {
      for (const b of o.backends) {
        if (!variantApplies(b)) continue; // the same as wasm then
        const status = await probeBackend(WASM_VARIANTS.includes(b) ? 'wasm' : (b as BackendName));
        if (!status.available) {
          notes.push(`${b}: ${status.reason ?? 'unavailable'}`);
          continue;
        }
        await activate(b);
        try {
          rows.push(await benchOnBackend(c, b, o, ctx));
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          notes.push(`${c.name} on ${b}: failed: ${msg.split('\n')[0] ?? ''}`);
          ctx.log(`  ${c.name} ${b} failed: ${msg}`);
        }
      }
      const ts = torch ? pythonSamplesPerSec('torch', torch.python, c, o, ctx, notes) : undefined;
      const ks = kerasPy && 'python' in kerasPy ? pythonSamplesPerSec('keras', kerasPy.python, c, o, ctx, notes) : undefined;
      for (const row of rows.filter((r) => r.model === c.name)) {
        if (ts !== undefined) {
          row.torch = ts.wall;
          row.torchCpu = ts.cpu;
          row.keratsVsTorch = row.kerats / ts.wall;
          row.torchRssMiB = ts.rssMiB;
        }
        if (ks !== undefined) {
          row.keras = ks.wall;
          row.kerasCpu = ks.cpu;
          row.keratsVsKeras = row.kerats / ks.wall;
          row.kerasRssMiB = ks.rssMiB;
        }
      }
    }
    if (o.baseline === 'unfused') notes.push('"tfjs script" columns: kerats\' model with the fused wasm layer paths turned off (--baseline unfused), rounds interleaved');
    const uniqueNotes = [...new Set(notes)];
    const table = markdownTable(
      ['model', 'batch', 'backend', 'kerats', 'tfjs script', 'kerats/tfjs', 'PyTorch (2 threads)', 'kerats/PyTorch', 'Keras fit (2 threads)', 'kerats/Keras',
        'per CPU-s: kerats / tfjs / PyTorch / Keras', 'peak RSS MiB: kerats / PyTorch / Keras'],
      rows.map((r) => [
        r.title,
        String(r.batch),
        r.backend,
        fmt(r.kerats),
        fmt(r.tfjs),
        ratio(r.keratsVsTfjs),
        fmt(r.torch),
        ratio(r.keratsVsTorch),
        fmt(r.keras),
        ratio(r.keratsVsKeras),
        `${fmt(r.keratsCpu)} / ${fmt(r.tfjsCpu)} / ${fmt(r.torchCpu)} / ${fmt(r.kerasCpu)}`,
        `${fmt(r.keratsRssMiB)} / ${fmt(r.torchRssMiB)} / ${fmt(r.kerasRssMiB)}`,
      ]),
    );
    const load = os.loadavg()[0]?.toFixed(1) ?? '?';
    const head = `Training samples/s, wall clock, median of ${o.rounds} round${o.rounds === 1 ? '' : 's'} (${machineDescription()}, load average ${load} at the end)`;
    const section: BenchSection = { rows: rows.map((r) => ({ ...r })), table: `${head}\n\n${table}`, notes: uniqueNotes };
    return section;
  },
};
