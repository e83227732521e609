/**
 * Runs the CLI's `main` in this process, capturing what it writes to stdout/stderr and its exit
 * code: the same code path as the binary, without a Node start-up per call (fuzzing needs thousands).
 */
import { main } from '../../src/cli/main.js';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

type Write = typeof process.stdout.write;

/** Calls are serialised: stdout/stderr are process-wide. */
let queue: Promise<unknown> = Promise.resolve();

export function runMain(args: string[], env: Record<string, string | undefined> = {}): Promise<InProcessResult> {
  const run = async (): Promise<InProcessResult> => {
    let stdout = '';
    let stderr = '';
    const origOut = process.stdout.write.bind(process.stdout);
    const origErr = process.stderr.write.bind(process.stderr);
    const saved: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    // kerats writes strings; the test runner talks to its parent over stdout in binary chunks,
    // which must pass through untouched.
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (typeof chunk !== 'string') return (origOut as (...a: unknown[]) => boolean)(chunk, ...rest);
      stdout += chunk;
      return true;
    }) as Write;
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (typeof chunk !== 'string') return (origErr as (...a: unknown[]) => boolean)(chunk, ...rest);
      stderr += chunk;
      return true;
    }) as Write;
    process.exitCode = undefined;
    try {
      await main(['node', 'kerats', ...args]);
    } catch (e) {
      // main() reports everything itself; anything escaping it is a bug the caller should see.
      stderr += `UNCAUGHT ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`;
      process.exitCode = 99;
    } finally {
      process.stdout.write = origOut;
      process.stderr.write = origErr;
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const code = typeof process.exitCode === 'number' ? process.exitCode : Number(process.exitCode ?? 0);
    process.exitCode = undefined;
    return { code, stdout, stderr };
  };
  const p = queue.then(run, run);
  queue = p.catch(() => undefined);
  return p;
}
