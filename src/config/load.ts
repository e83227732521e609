/**
 * Loading a config: read → parse (YAML or JSON) → normalise → validate → typed `KeratsConfig`.
 * Every problem the user can fix is collected and thrown at once as a `ConfigError`, each with
 * the file:line:col of the offending text.
 */
import * as path from 'node:path';
import { readBoundedText } from '../util/bounded-read.js';
import { ConfigError, type Problem } from '../util/errors.js';
import { inputLimits } from './limits.js';
import { buildConfig } from './build.js';
import { checkRules } from './checks.js';
import { substituteEnv } from './env.js';
import { expandBlocks } from './blocks.js';
import { withBlockOrigins } from './block-origin.js';
import { resolveExtends } from './extends.js';
import { applyOverrides } from './overrides.js';
import { resolveInput } from './input-shape.js';
import { normalize } from './normalize.js';
import { parseConfigText } from './parse.js';
import type { KeratsConfig } from './types.js';
import { validateDocument } from './validate.js';

export interface LoadOptions {
  /** Folder that a relative `file` is resolved against; the process's cwd by default. */
  cwd?: string;
  /** `--set path=value` overrides, applied after `extends` and environment substitution. */
  sets?: readonly string[];
  /** Environment for `${NAME}` substitution; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
}

/** Reads and checks a YAML or JSON config file. Locations in errors use `file` as given. */
export async function loadConfig(file: string, opts: LoadOptions = {}): Promise<KeratsConfig> {
  const abs = path.resolve(opts.cwd ?? process.cwd(), file);
  // A regular file of bounded size, read with a byte budget: /dev/zero or a FIFO cannot hang kerats.
  const text = readBoundedText(abs, { what: 'config', shown: file, maxBytes: inputLimits(opts.env).bytes });
  return loadConfigText(text, file, opts);
}

/**
 * The same from text in memory. `file` is the name shown in error locations and the place data
 * paths are resolved from (against `opts.cwd`).
 */
export function loadConfigText(text: string, file: string, opts: LoadOptions = {}): KeratsConfig {
  const abs = path.resolve(opts.cwd ?? process.cwd(), file);
  const parsed = parseConfigText(text.replace(/^\uFEFF/, ''), file);
  // Bases first (their values keep their own file's locations), then ${ENV}, then --set on top.
  const root = applyOverrides(substituteEnv(resolveExtends(parsed, abs), opts.env), opts.sets ?? []);
  // Reusable blocks expand into plain layers (their `${expr}` computed) before anything checks them.
  const expanded = expandBlocks(root);
  // A misused block leaves no layers to check; its own problems are the news.
  if (expanded.problems.length > 0) throw new ConfigError(sortProblems(expanded.problems));
  const norm = normalize(expanded.root);
  const problems: Problem[] = [...norm.problems];
  if (!norm.reported.has('')) {
    problems.push(...validateDocument(norm));
    problems.push(...checkRules(norm));
  }
  const input = resolveInput(norm);
  problems.push(...input.problems);
  // A problem about an expanded layer names the block's line and its use, not `model.layers[36]`.
  if (problems.length > 0) throw new ConfigError(sortProblems(withBlockOrigins(problems, expanded.origins)));
  return buildConfig({ doc: norm.doc, locs: norm.locs, input, absFile: abs, blocks: expanded });
}

function sortProblems(problems: Problem[]): Problem[] {
  const key = (p: Problem) => (p.loc ? p.loc.line * 100_000 + p.loc.col : Number.MAX_SAFE_INTEGER);
  return [...problems].sort((a, b) => key(a) - key(b));
}
