/**
 * `node dist/bench/fused-attention-ab.js [openblas|bundled] [rounds] [steps]`: the bench Transformer
 * (bench/model-cases.ts) trained by kerats' own `train` on wasm with the native addon, fused
 * attention on and off in alternating rounds of one process (a loaded machine hits both alike).
 * Prints the median samples/s (wall and per CPU second) of each and the median of the per-round
 * fused/generic ratios. KERATS_BLAS_THREADS=1 gives steadier CPU figures.
 */
import { loadConfigText } from '../src/config/load.js';
import { useBackend } from '../src/runtime/backend.js';
import { buildSequential } from '../src/runtime/model-builder.js';
import { setNativeGemm, type NativeGemm } from '../src/runtime/native/blas.js';
import { train } from '../src/runtime/training/trainer.js';
import { setFusedAttentionEnabled } from '../src/runtime/wasm-kernels/fused-attention-op.js';
import { MODEL_CASES } from './model-cases.js';
import { median } from './types.js';

type Mode = 'fused' | 'generic';

async function main(): Promise<void> {
  const gemm = (process.argv[2] ?? 'openblas') as NativeGemm;
  const rounds = Number(process.argv[3] ?? 7);
  const steps = Number(process.argv[4] ?? 10);
  await useBackend('wasm');
  if (!setNativeGemm(gemm)) throw new Error(`the native addon's ${gemm} GEMM is not available`);
  const c = MODEL_CASES.find((m) => m.name === 'transformer');
  if (!c) throw new Error('no transformer case in bench/model-cases.ts');
  const config = loadConfigText(`name: ab\nseed: 1\n${c.yaml}\n`, 'ab.yaml');
  const models = { fused: buildSequential(config.model, { seed: 1 }), generic: buildSequential(config.model, { seed: 1 }) };
  const { x, y } = c.data(steps * c.batch);
  const cpu = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const round = async (mode: Mode, n: number): Promise<{ wall: number; cpu: number }> => {
    setFusedAttentionEnabled(mode === 'fused');
    const t0 = performance.now();
    const c0 = cpu();
    await train(models[mode], config.compile, { x, y, size: n * c.batch }, { epochs: 1, batchSize: c.batch, shuffle: false, callbacks: [] });
    return { wall: (n * c.batch) / ((performance.now() - t0) / 1000), cpu: (n * c.batch) / (cpu() - c0) };
  };
  await round('fused', 2);
  await round('generic', 2);
  const res: Record<Mode, { wall: number; cpu: number }[]> = { fused: [], generic: [] };
  for (let r = 0; r < rounds; r++) {
    for (const mode of (r % 2 ? ['generic', 'fused'] : ['fused', 'generic']) as Mode[]) res[mode].push(await round(mode, steps));
    process.stderr.write(`round ${r + 1}: fused ${res.fused[r]?.wall.toFixed(0)} generic ${res.generic[r]?.wall.toFixed(0)} samples/s\n`);
  }
  const ratio = median(res.fused.map((f, i) => f.wall / (res.generic[i]?.wall ?? NaN)));
  const m = (mode: Mode, k: 'wall' | 'cpu'): number => median(res[mode].map((v) => v[k]));
  process.stdout.write(`${JSON.stringify({ gemm, fused: m('fused', 'wall'), generic: m('generic', 'wall'), fusedCpu: m('fused', 'cpu'), genericCpu: m('generic', 'cpu'), medianRoundRatio: ratio })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
