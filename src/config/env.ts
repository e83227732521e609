/**
 * `${NAME}` and `${NAME:-default}` in string values, replaced from the environment. Only names in
 * upper case (`[A-Z_][A-Z0-9_]*`) are environment variables: `${units * 2}` and other lower-case
 * expressions belong to reusable `blocks:` and are left alone. `$${NAME}` is a literal `${NAME}`.
 *
 * A value that is exactly one reference (`epochs: ${EPOCHS:-10}`) takes the type of what it
 * becomes (YAML scalar rules: `10` is a number), so numbers can come from the environment.
 */
import { parseDocument } from 'yaml';
import { ConfigError, type Problem } from '../util/errors.js';
import { inputLimits } from './limits.js';
import type { LNode, ScalarValue } from './locate.js';
import { findTooDeep } from './nesting.js';

const REF = /\$(\$?)\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE = /^\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}$/;

/** Replaces environment references throughout the tree; every unset variable without a default is one problem. */
export function substituteEnv(root: LNode, env: NodeJS.ProcessEnv = process.env): LNode {
  const problems: Problem[] = [];
  const walk = (node: LNode): LNode => {
    if (node.kind === 'map') return { ...node, entries: node.entries.map((e) => ({ ...e, value: walk(e.value) })) };
    if (node.kind === 'seq') return { ...node, items: node.items.map(walk) };
    if (typeof node.value !== 'string' || !node.value.includes('${')) return node;
    const text = node.value;
    const missing = (name: string) =>
      problems.push({
        message: `environment variable ${name} is not set; set it, or give a default: \${${name}:-value}`,
        loc: node.loc,
      });
    const whole = WHOLE.exec(text);
    if (whole) {
      const name = whole[1] as string;
      const v = env[name] ?? whole[2];
      if (v === undefined) {
        missing(name);
        return node;
      }
      return { ...node, value: typedScalar(v) };
    }
    const value = text.replace(REF, (all: string, escaped: string, name: string, def: string | undefined) => {
      if (escaped) return all.slice(1);
      const v = env[name] ?? def;
      if (v === undefined) {
        missing(name);
        return all;
      }
      return v;
    });
    return { ...node, value };
  };
  const out = walk(root);
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}

/** `10` → 10, `true` → true, `relu` → 'relu': what the text means as a YAML scalar. */
function typedScalar(text: string): ScalarValue {
  if (text === '') return '';
  // Only scalars are wanted; a deeply nested value stays text instead of reaching the parser.
  if (findTooDeep(text, inputLimits().depth)) return text;
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return text;
  const v: unknown = doc.toJS({ maxAliasCount: 0 });
  if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  return text;
}
