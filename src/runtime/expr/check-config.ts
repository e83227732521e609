/**
 * Config-time check of every Lambda expression, so `kerats validate` and `train` report a bad
 * expression at its place in the file: `config.yaml:7:27: Lambda expression "x * (2 +": expected ")" ...
 * (column 9 of the expression)`. Called from src/config/checks.ts.
 */
import { readFileSync } from 'node:fs';
import type { Json, JsonObject, Normalized } from '../../config/normalize.js';
import type { SourceLocation } from '../../config/types.js';
import type { Problem } from '../../util/errors.js';
import { checkExpr } from './evaluate.js';
import { ExprError } from './parse.js';

/** The most inputs a config-time check assumes (the real count is checked when the model is built). */
const ANY_INPUTS = 64;

function at(doc: JsonObject, ptr: string): Json | undefined {
  let cur: Json | undefined = doc;
  for (const seg of ptr.split('/').slice(1)) {
    const key = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur) ? cur[Number(key)] : cur[key];
  }
  return cur;
}

/** 1 when the scalar at `loc` starts with a quote (its text begins one column later). */
function quoteWidth(loc: SourceLocation): number {
  try {
    const line = readFileSync(loc.file, 'utf8').split(/\r?\n/)[loc.line - 1] ?? '';
    const c = line[loc.col - 1];
    return c === '"' || c === "'" ? 1 : 0;
  } catch {
    return 0;
  }
}

/** An ExprError as a user-facing problem at the expression's column in the file. */
export function exprProblem(expr: string, err: ExprError, loc: SourceLocation | undefined): Problem {
  const message = `Lambda expression "${expr}": ${err.message} (column ${err.pos + 1} of the expression)`;
  if (!loc) return { message };
  const oneLine = !expr.includes('\n');
  return { message, loc: oneLine ? { ...loc, col: loc.col + quoteWidth(loc) + err.pos } : loc };
}

export function lambdaProblems(norm: Normalized): Problem[] {
  const problems: Problem[] = [];
  for (const [ptr, e] of norm.entries) {
    if (e.kind !== 'layer' || e.name !== 'Lambda') continue;
    const args = at(norm.doc, ptr);
    const expr = args && typeof args === 'object' && !Array.isArray(args) ? args.expr : undefined;
    if (typeof expr !== 'string') continue; // the schema reports a missing or non-string expr
    try {
      checkExpr(expr, ANY_INPUTS);
    } catch (err) {
      if (!(err instanceof ExprError)) throw err;
      const loc = norm.locs.get(`${ptr}/expr`)?.value ?? norm.locs.get(ptr)?.value;
      problems.push(exprProblem(expr, err, loc));
    }
  }
  return problems;
}
