/**
 * `npm run fuzz -- [--minutes N] [--seed S] [--kills K] [--configs N] [--csvs N]`: the reliability
 * campaign. Runs the hostile files, mutated configs (validate, summary, train), mutated CSVs (train,
 * predict) and the kill-and-resume loop within the time budget (configs 55%, CSVs 20%, kills 25%),
 * prints counts (cases, exit codes, stack traces, hangs, crashes, resumes identical), saves each
 * failing case to test/fixtures/fuzz/ (npm test replays them) and exits 1 when anything failed.
 * Properties: exit 0 or 2 only, no stack trace, no abort, nothing over 10 s; hostile files answer
 * in under 2 s with a located error; every killed run resumes to the uninterrupted run's weights.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Prng, randomSeed } from '../../src/util/prng.js';
import { packageRoot } from '../../src/util/package-root.js';
import { bases, check, configCase, csvCase, hostileCases, type FuzzCase, type Outcome } from './cases.js';
import { killResumeLoop } from './kill-resume.js';
import type { CaseReply, CaseRequest } from './worker.js';
import { stringify } from 'yaml';

const CASE_TIMEOUT_MS = 10_000;
const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.js');

interface Options { minutes: number; seed: number; kills: number; configs: number; csvs: number }

function parseArgs(argv: string[]): Options {
  const o: Options = { minutes: 5, seed: randomSeed(), kills: 30, configs: Infinity, csvs: Infinity };
  for (let i = 0; i < argv.length; i++) {
    const v = Number(argv[i + 1]);
    switch (argv[i]) {
      case '--minutes': o.minutes = v; i++; break;
      case '--seed': o.seed = v; i++; break;
      case '--kills': o.kills = v; i++; break;
      case '--configs': o.configs = v; i++; break;
      case '--csvs': o.csvs = v; i++; break;
      default: throw new Error(`unknown option ${argv[i]}; usage: npm run fuzz -- [--minutes N] [--seed S] [--kills K] [--configs N] [--csvs N]`);
    }
  }
  return o;
}

interface Counts {
  cases: number;
  exitCodes: Record<string, number>;
  stackTraces: number;
  hangs: number;
  crashes: number;
  failures: number;
  slowestMs: number;
}
const newCounts = (): Counts => ({ cases: 0, exitCodes: {}, stackTraces: 0, hangs: 0, crashes: 0, failures: 0, slowestMs: 0 });

/** A worker process and the one case it is running. */
class Worker {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private next = 0;

  private start(): Promise<void> {
    this.child = fork(WORKER, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, NO_COLOR: '1' } });
    this.child.stderr?.resume();
    const child = this.child;
    return new Promise((resolve) => child.once('message', () => resolve()));
  }

  /** Runs a case; a hang (no answer in 10 s) or a dead worker is the outcome, and the worker is replaced. */
  async run(c: FuzzCase, dir: string, run: string): Promise<Outcome & { hang?: boolean; crash?: string }> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) this.ready = this.start();
    await this.ready;
    const child = this.child as ChildProcess;
    const id = this.next++;
    const started = Date.now();
    return new Promise((resolve) => {
      let stderr = '';
      const onErr = (d: Buffer) => (stderr += d.toString());
      child.stderr?.on('data', onErr);
      const finish = (r: Outcome & { hang?: boolean; crash?: string }) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        child.stderr?.off('data', onErr);
        resolve(r);
      };
      const onMessage = (m: CaseReply) => {
        if (m.id === id) finish(m.outcome);
      };
      const onExit = (code: number | null, signal: string | null) => finish({ code: code ?? 134, stdout: '', stderr, ms: Date.now() - started, crash: `worker died (exit ${code}, signal ${signal}): ${stderr.slice(-1500)}` });
      const timer = setTimeout(() => {
        child.off('exit', onExit);
        child.kill('SIGKILL');
        finish({ code: null, stdout: '', stderr, ms: Date.now() - started, hang: true });
      }, CASE_TIMEOUT_MS);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ id, fuzzCase: c, dir, run } satisfies CaseRequest);
    });
  }

  stop(): void {
    this.child?.kill('SIGKILL');
  }
}

/** Saves a failing case as a regression fixture (replayed by test/fuzz.test.ts). */
function saveFixture(c: FuzzCase, failure: string): string {
  const dir = path.join(packageRoot(), 'test', 'fixtures', 'fuzz');
  mkdirSync(dir, { recursive: true });
  const json = { ...c, expectError: c.expectError instanceof RegExp ? c.expectError.source : c.expectError, failure: failure.slice(0, 2000) };
  const id = createHash('sha256').update(JSON.stringify({ files: c.files, args: c.args })).digest('hex').slice(0, 12);
  const file = path.join(dir, `${c.kind}-${id}.json`);
  writeFileSync(file, JSON.stringify(json, null, 2) + '\n');
  return file;
}

async function phase(name: string, worker: Worker, make: () => FuzzCase, until: number, max: number, root: string, run: string, counts: Counts, log: (s: string) => void): Promise<void> {
  let i = 0;
  while (Date.now() < until && i < max) {
    const c = make();
    const dir = path.join(root, `${name}-case`);
    const r = await worker.run(c, dir, run);
    i++;
    counts.cases++;
    counts.slowestMs = Math.max(counts.slowestMs, r.ms);
    const code = r.hang ? 'hang' : r.crash ? 'crash' : String(r.code);
    counts.exitCodes[code] = (counts.exitCodes[code] ?? 0) + 1;
    let failure: string | undefined;
    if (r.hang) { counts.hangs++; failure = `no answer in ${CASE_TIMEOUT_MS / 1000} s (${c.label})`; }
    else if (r.crash) { counts.crashes++; failure = r.crash; }
    else {
      failure = check(c, r, path.join(dir, 'runs'));
      if (failure?.startsWith('stack trace')) counts.stackTraces++;
      if (!failure && r.ms > CASE_TIMEOUT_MS) failure = `took ${r.ms} ms (${c.label})`;
    }
    if (failure) {
      counts.failures++;
      log(`FAIL ${name}: ${failure.split('\n')[0]} → ${saveFixture(c, failure)}`);
    }
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const end = started + o.minutes * 60_000;
  const root = mkdtempSync(path.join(os.tmpdir(), 'kerats-fuzz-'));
  const log = (s: string) => process.stderr.write(s + '\n');
  log(`kerats fuzz: seed ${o.seed}, ${o.minutes} min (replay: npm run fuzz -- --seed ${o.seed} --minutes ${o.minutes}); work folder ${root}`);
  const rng = new Prng(o.seed);
  const worker = new Worker();

  // A finished run for `predict` cases to read.
  const run = path.join(root, 'reference-run');
  const setup = await worker.run({ kind: 'csv', label: 'setup', files: { 'config.yaml': stringify(bases()[0]), 'data.csv': (await import('./cases.js')).CSV }, args: ['train', '{dir}/config.yaml', '--out', run, '--quiet', '--backend', 'cpu'] }, path.join(root, 'setup'), run);
  if (setup.code !== 0) throw new Error(`could not train the reference run for predict: ${setup.stderr}`);

  const hostile = newCounts();
  let slowHostile = 0;
  for (const c of hostileCases()) {
    const dir = path.join(root, 'hostile-case');
    const r = await worker.run(c, dir, run);
    hostile.cases++;
    slowHostile = Math.max(slowHostile, r.ms);
    const code = r.hang ? 'hang' : r.crash ? 'crash' : String(r.code);
    hostile.exitCodes[code] = (hostile.exitCodes[code] ?? 0) + 1;
    const failure = r.hang ? `no answer in 10 s (${c.label})` : r.crash ?? check(c, r, path.join(dir, 'runs'));
    if (r.hang) hostile.hangs++;
    if (r.crash) hostile.crashes++;
    log(`hostile: ${c.label}: exit ${code} in ${r.ms} ms${failure ? ` FAIL ${failure.split('\n')[0]}` : ''}`);
    if (failure) { hostile.failures++; saveFixture(c, failure); }
  }

  const budget = end - Date.now();
  const configs = newCounts();
  await phase('config', worker, () => configCase(rng), Date.now() + budget * 0.55, o.configs, root, run, configs, log);
  const csvs = newCounts();
  await phase('csv', worker, () => csvCase(rng), Date.now() + Math.max(0, end - Date.now()) * (0.2 / 0.45), o.csvs, root, run, csvs, log);
  worker.stop();

  const kills = await killResumeLoop(path.join(root, 'kills'), { kills: o.kills, deadline: Math.max(end, Date.now() + 1), seed: o.seed, log });
  for (const f of kills.failures) log(`FAIL kill-resume: ${f}`);

  const line = (name: string, c: Counts) =>
    `${name.padEnd(8)} ${String(c.cases).padStart(6)} cases; exit codes ${JSON.stringify(c.exitCodes)}; stack traces ${c.stackTraces}; hangs ${c.hangs}; crashes ${c.crashes}; failures ${c.failures}; slowest ${c.slowestMs} ms`;
  console.log(`kerats fuzz, seed ${o.seed}, ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  console.log(line('hostile', { ...hostile, slowestMs: slowHostile }));
  console.log(line('configs', configs));
  console.log(line('csvs', csvs));
  console.log(`kills    ${String(kills.kills).padStart(6)} SIGKILLs (${kills.killedMidway} mid-run); resumes identical ${kills.identical}; different ${kills.different}; failed ${kills.failed}`);
  const failed = hostile.failures + configs.failures + csvs.failures + kills.different + kills.failed + (kills.failures.length > 0 && kills.kills === 0 ? 1 : 0);
  console.log(failed === 0 ? 'all properties held' : `${failed} failure(s); failing cases saved under test/fixtures/fuzz/`);
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
