/**
 * `npm run bench [-- --json] [--only models,csv,startup] [--startup] [--quick] [--out FILE] [module flags...]`
 *
 * Runs every benchmark module (each exports `bench: BenchModule`, see bench/types.ts), prints
 * each section's Markdown table (or, with --json, one JSON document on stdout) and writes all
 * sections to bench/results.json (or --out). Modules not present in this checkout are skipped.
 * Flags the runner does not know are passed on to the modules.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../src/util/package-root.js';
import { machineDescription } from './models.js';
import type { BenchModule, BenchSection } from './types.js';

/** Benchmark modules, by file next to this one. */
const MODULES = ['./models.js', './csv.js', './startup.js'];

interface RunnerOptions {
  json: boolean;
  quick: boolean;
  only?: string[];
  out: string;
  rest: string[];
}

function parse(argv: string[]): RunnerOptions {
  const o: RunnerOptions = { json: false, quick: false, out: path.join(packageRoot(), 'bench', 'results.json'), rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--json') o.json = true;
    else if (a === '--quick') o.quick = true;
    else if (a === '--startup') o.only = ['startup'];
    else if (a === '--only') o.only = (argv[++i] ?? '').split(',');
    else if (a === '--out') o.out = path.resolve(argv[++i] ?? o.out);
    else o.rest.push(a);
  }
  return o;
}

async function loadModule(spec: string): Promise<BenchModule | undefined> {
  try {
    const mod = (await import(spec)) as { bench?: BenchModule };
    return mod.bench;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(spec.slice(2))) return undefined;
    throw e;
  }
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const sections: Record<string, BenchSection & { description: string }> = {};
  for (const spec of MODULES) {
    const mod = await loadModule(spec);
    if (!mod || (o.only && !o.only.includes(mod.name))) continue;
    log(`bench ${mod.name}: ${mod.description}`);
    const section = await mod.run({ argv: o.rest, quick: o.quick, log });
    sections[mod.name] = { description: mod.description, ...section };
    if (!o.json) {
      process.stdout.write(`\n## ${mod.name}\n\n${section.table}\n`);
      for (const n of section.notes ?? []) process.stdout.write(`- ${n}\n`);
    }
  }
  const doc = { date: new Date().toISOString(), machine: machineDescription(), args: process.argv.slice(2), sections };
  await fs.mkdir(path.dirname(o.out), { recursive: true });
  await fs.writeFile(o.out, `${JSON.stringify(doc, null, 2)}\n`);
  if (o.json) process.stdout.write(`${JSON.stringify(doc)}\n`);
  else log(`results written to ${o.out}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
