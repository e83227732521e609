/**
 * The fuzz worker: a child process that runs cases through the CLI's main() in-process (fast), one
 * at a time, on messages from scripts/fuzz/run.ts. Being a separate process, a case that aborts V8
 * or hangs takes down only the worker, which the runner counts, saves and replaces.
 */
import { mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { runMain } from '../../test/helpers/main-in-process.js';
import { argsFor, type FuzzCase, type Outcome } from './cases.js';

export interface CaseRequest {
  id: number;
  fuzzCase: FuzzCase;
  dir: string;
  run: string;
}
export interface CaseReply {
  id: number;
  outcome: Outcome;
}

/** Writes a case's files into `dir` (emptied first). */
export function writeCaseFiles(c: FuzzCase, dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(c.files)) {
    const file = path.join(dir, name);
    if (typeof content === 'string') writeFileSync(file, content);
    else if ('sparse' in content) {
      writeFileSync(file, 'seed: 1\n');
      truncateSync(file, content.sparse);
    } else spawnSync('mkfifo', [file]);
  }
}

/** Runs one case in this process. */
export async function runCase(c: FuzzCase, dir: string, run: string): Promise<Outcome> {
  writeCaseFiles(c, dir);
  const started = Date.now();
  const r = await runMain(argsFor(c, dir, run));
  return { ...r, ms: Date.now() - started };
}

if (process.send) {
  process.on('message', (m: CaseRequest) => {
    void runCase(m.fuzzCase, m.dir, m.run).then((outcome) => process.send?.({ id: m.id, outcome } satisfies CaseReply));
  });
  process.send({ ready: true });
}
