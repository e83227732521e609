/**
 * The compiled schema, and the resolution of anyOf/oneOf failures into the errors a user should
 * see. ajv reports every branch's errors plus "must match a schema in anyOf"; kerats reports the
 * branch the user evidently meant (the one that accepts the value's type and fits it best), or,
 * when every branch rejects the value's type, one "must be X or Y" problem.
 *
 * Branch errors cannot be told apart by ajv's schema paths once refs recurse (each compiled ref
 * restarts its paths), so each branch of a failed anyOf is validated again on its own.
 */
import type { Ajv as AjvClass, AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv';
import { createRequire } from 'node:module';
import type { JsonSchema } from '../registry/types.js';
import { buildSchema } from './schema.js';

/** An anyOf whose branches all rejected the value's type or value: reported as one problem. */
export interface Mismatch {
  keyword: '$mismatch';
  instancePath: string;
  data: unknown;
  types: string[];
  values: unknown[];
}
export type Item = ErrorObject | Mismatch;

export interface Compiled {
  validate: ValidateFunction;
  schema: JsonSchema;
  /** Validates against one sub-schema of the root (an anyOf branch). */
  branch(schema: unknown): ValidateFunction | undefined;
}

let compiled: Compiled | undefined;

/** Compiled once per process: the registries are complete once their modules have loaded. */
export function compiledSchema(): Compiled {
  if (compiled) return compiled;
  const schema = buildSchema();
  // strict: false because `definitions.layer` groups schemas by kind (it is not a schema itself).
  // inlineRefs: false compiles each shared definition once instead of inlining it at every use:
  // with ~100 layers sharing argument schemas that cuts start-up from seconds to well under one.
  // Code optimisation is off for the same reason: one validation per run never repays it.
  // ajv (dozens of files) loads here, not with this module: a config the prebuilt validator
  // accepts (quick-validate.ts) never needs it. It is CommonJS, so require() loads it at once.
  const { Ajv } = createRequire(import.meta.url)('ajv') as { Ajv: typeof AjvClass };
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: false, inlineRefs: false, code: { optimize: false } });
  ajv.addSchema(schema, 'kerats');
  const pointers = new Map<unknown, string>();
  const walk = (o: unknown, p: string): void => {
    if (typeof o !== 'object' || o === null || pointers.has(o)) return;
    pointers.set(o, p);
    for (const [k, v] of Object.entries(o)) walk(v, `${p}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  };
  walk(schema, '');
  const validate = ajv.getSchema('kerats');
  if (!validate) throw new Error('internal: the config schema did not compile');
  compiled = {
    validate,
    schema,
    branch: (s) => {
      const p = pointers.get(s);
      return p === undefined ? undefined : ajv.getSchema(`kerats#${p}`);
    },
  };
  return compiled;
}

function within(path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
}

const isMismatchAt = (path: string) => (b: Item): boolean =>
  b.instancePath === path && ['type', 'enum', 'const', '$mismatch'].includes(b.keyword);

/** ajv's errors with anyOf/oneOf failures resolved (and `if` noise dropped). */
export function simplify(errors: ErrorObject[], c: Compiled, depth = 0): Item[] {
  const out: Item[] = [];
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    const multiMatch = e.keyword === 'oneOf' && (e.params as { passingSchemas?: unknown }).passingSchemas;
    if ((e.keyword !== 'anyOf' && e.keyword !== 'oneOf') || multiMatch) {
      out.push(e);
      continue;
    }
    // Drop the branch errors ajv listed just before; keep errors of sibling keywords.
    let i = out.length;
    while (i > 0) {
      const prev = out[i - 1] as Item;
      if (!within(prev.instancePath, e.instancePath)) break;
      i--;
    }
    const kept = out.splice(i).filter((x) => x.keyword !== '$mismatch' && (x as ErrorObject).parentSchema === e.parentSchema);
    out.push(...kept, ...resolveBranches(e, c, depth));
  }
  return out;
}

function resolveBranches(e: ErrorObject, c: Compiled, depth: number): Item[] {
  const branches = Array.isArray(e.schema) ? (e.schema as unknown[]) : [];
  const groups: Item[][] = [];
  for (const b of branches) {
    const v = depth < 20 ? c.branch(b) : undefined;
    if (!v) return [e];
    if (v(e.data)) return []; // cannot happen for a failed anyOf; be safe
    const rel = simplify(v.errors ?? [], c, depth + 1);
    groups.push(rel.map((x) => ({ ...x, instancePath: e.instancePath + x.instancePath })));
  }
  const fitting = groups.filter((g) => !g.every(isMismatchAt(e.instancePath)));
  if (fitting.length > 0) return bestBranch(e, fitting);
  const merged: Mismatch = { keyword: '$mismatch', instancePath: e.instancePath, data: e.data, types: [], values: [] };
  for (const b of groups.flat()) {
    if (b.keyword === '$mismatch') {
      merged.types.push(...(b as Mismatch).types);
      merged.values.push(...(b as Mismatch).values);
    } else if (b.keyword === 'type') {
      const t = (b as ErrorObject).params.type as string | string[];
      merged.types.push(...(Array.isArray(t) ? t : [t]));
    } else if (b.keyword === 'enum') {
      merged.values.push(...((b as ErrorObject).params.allowedValues as unknown[]));
    } else if (b.keyword === 'const') {
      merged.values.push((b as ErrorObject).params.allowedValue);
    }
  }
  return [merged];
}

/**
 * The branch to report. A complaint at the value itself (a missing or unexpected key) means the
 * branch does not fit; complaints deeper down mean it fits but has a mistake inside. When several
 * branches fit equally badly and all only dispute keys (one-key maps such as `{l2: 0.01}`), one
 * "unknown key" problem over all their keys says it all.
 */
function bestBranch(e: ErrorObject, groups: Item[][]): Item[] {
  const atValue = (g: Item[]) => g.filter((x) => x.instancePath === e.instancePath).length;
  const ranked = [...groups].sort((a, b) => atValue(a) - atValue(b) || a.length - b.length);
  const best = ranked[0] ?? [];
  const tied = ranked.filter((g) => atValue(g) === atValue(best));
  const keyOnly = (g: Item[]) => g.every((x) => x.instancePath === e.instancePath && ['required', 'additionalProperties'].includes(x.keyword));
  if (tied.length < 2 || !tied.every(keyOnly) || typeof e.data !== 'object' || e.data === null) return best;
  const allowed = new Set<string>();
  for (const x of tied.flat()) {
    const props = ((x as ErrorObject).parentSchema as AnySchemaObject | undefined)?.properties as object | undefined;
    for (const k of Object.keys(props ?? {})) allowed.add(k);
  }
  const unknown = Object.keys(e.data).find((k) => !allowed.has(k));
  const template = tied.flat().find((x) => x.keyword === 'additionalProperties') as ErrorObject | undefined;
  if (unknown === undefined || !template) return best;
  const properties = Object.fromEntries([...allowed].map((k) => [k, {}]));
  return [{ ...template, params: { additionalProperty: unknown }, parentSchema: { properties } }];
}
