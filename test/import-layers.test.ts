/**
 * src/registry (names -> implementations of layers, losses, metrics, optimizers, callbacks) sits
 * below src/runtime/training (the fit loop, which looks names up in the registries). An import
 * from the registry into training, direct or through any other module (type imports included),
 * makes the two folders a cycle again: this test reads the TypeScript sources and fails on one,
 * naming the import chain.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers/cli.js';

const SRC = path.join(ROOT, 'src');
const REGISTRY = path.join(SRC, 'registry') + path.sep;
const TRAINING = path.join(SRC, 'runtime', 'training') + path.sep;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Relative imports of a file: `import`, `import type`, `export ... from` and `import()`, as .ts paths. */
export function relativeImports(file: string, source: string): string[] {
  const out: string[] = [];
  const re = /\b(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const m of source.matchAll(re)) {
    const spec = m[1] ?? '';
    out.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
  }
  return out;
}

const graph = new Map<string, string[]>();
for (const f of tsFiles(SRC)) graph.set(f, relativeImports(f, readFileSync(f, 'utf8')));

/** The shortest import chain from `from` to a file that `hit` accepts, or undefined. */
function chainTo(from: string, hit: (f: string) => boolean): string[] | undefined {
  const prev = new Map<string, string>([[from, '']]);
  const queue = [from];
  while (queue.length > 0) {
    const f = queue.shift() as string;
    for (const g of graph.get(f) ?? []) {
      if (prev.has(g) || !graph.has(g)) continue;
      prev.set(g, f);
      if (hit(g)) {
        const chain = [g];
        for (let p = f; p; p = prev.get(p) ?? '') chain.unshift(p);
        return chain.map((c) => path.relative(ROOT, c));
      }
      queue.push(g);
    }
  }
  return undefined;
}

test('the import reader sees training use the registries (so the check below can fail)', () => {
  const trainer = graph.get(path.join(TRAINING, 'trainer.ts')) ?? [];
  assert.ok(trainer.includes(path.join(REGISTRY, 'callbacks.ts')), 'trainer.ts imports registry/callbacks.ts');
  assert.ok(chainTo(path.join(TRAINING, 'trainer.ts'), (f) => f.startsWith(REGISTRY)));
  const dynamic = relativeImports('/x/a.ts', "const m = await import('../b/c.js');\nexport type { T } from './t.js';");
  assert.deepEqual(dynamic, ['/b/c.ts', '/x/t.ts']);
});

test('nothing in src/registry imports src/runtime/training, directly or through other modules', () => {
  const chains: string[] = [];
  for (const f of graph.keys()) {
    if (!f.startsWith(REGISTRY)) continue;
    const chain = chainTo(f, (g) => g.startsWith(TRAINING));
    if (chain) chains.push(chain.join(' -> '));
  }
  assert.deepEqual(chains, [], `import cycle between src/registry and src/runtime/training:\n${chains.join('\n')}`);
});
