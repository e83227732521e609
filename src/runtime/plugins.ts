/**
 * `plugins: [./my_layers.js]`: user ES modules that register custom layers. Plugins are code, so
 * they load only when the config lists them AND the command line says `--allow-plugins`; otherwise
 * the command stops with a ConfigError at the `plugins` entry.
 *
 * They load before the config is checked (a plugin may add layer names the config uses), so this
 * module reads the `plugins` list from the raw config itself.
 *
 * A plugin module may export `register(kerats)` (or a default function) and receives
 * `{ tf, layers, registerLayer }`: the same tfjs instance kerats uses (so `tf.serialization.registerClass`
 * reaches kerats' model loader) and the layer registry (to add `{name, args, build}` entries usable in
 * configs). A module without such a function is just imported (its side effects register classes).
 */
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inputLimits } from '../config/limits.js';
import { parseConfigText } from '../config/parse.js';
import type { LNode } from '../config/locate.js';
import type { SourceLocation } from '../config/types.js';
import { layers } from '../registry/layers/index.js';
import type { LayerEntry } from '../registry/types.js';
import { readBoundedText } from '../util/bounded-read.js';
import { ConfigError } from '../util/errors.js';

export interface PluginApi {
  tf: typeof tf;
  layers: typeof layers;
  registerLayer(entry: LayerEntry): void;
}

export interface PluginRef {
  /** As written in the config. */
  given: string;
  /** Absolute path. */
  path: string;
  loc?: SourceLocation;
}

const loaded = new Set<string>();

/** The `plugins` entries of a parsed config tree, resolved against the config's folder. */
export function pluginRefs(root: LNode, configFile: string): PluginRef[] {
  if (root.kind !== 'map') return [];
  const entry = root.entries.find((e) => e.key === 'plugins');
  if (!entry) return [];
  const items = entry.value.kind === 'seq' ? entry.value.items : [entry.value];
  const folder = path.dirname(path.resolve(configFile));
  const refs: PluginRef[] = [];
  for (const it of items) {
    if (it.kind !== 'scalar' || typeof it.value !== 'string') continue; // the schema reports the type
    refs.push({ given: it.value, path: path.resolve(folder, it.value), loc: it.loc });
  }
  return refs;
}

/** Imports each plugin (once per process) and calls its `register` with kerats' API. */
export async function loadPlugins(refs: PluginRef[], opts: { allow: boolean }): Promise<void> {
  if (refs.length > 0 && !opts.allow) {
    throw new ConfigError(refs.map((r) => ({ message: `plugins are code; pass --allow-plugins to load "${r.given}"`, loc: r.loc })));
  }
  const api: PluginApi = { tf, layers, registerLayer: (e) => { if (!layers.find(e.name)) layers.register(e); } };
  for (const r of refs) {
    if (loaded.has(r.path)) continue;
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(r.path).href)) as Record<string, unknown>;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ERR_MODULE_NOT_FOUND' ? 'no such file' : (e as Error).message.split('\n')[0];
      throw new ConfigError({ message: `cannot load plugin "${r.given}": ${why}`, loc: r.loc });
    }
    const register = typeof mod.register === 'function' ? mod.register : typeof mod.default === 'function' ? mod.default : undefined;
    try {
      if (register) await (register as (api: PluginApi) => unknown)(api);
    } catch (e) {
      throw new ConfigError({ message: `plugin "${r.given}" failed to register: ${(e as Error).message}`, loc: r.loc });
    }
    loaded.add(r.path);
  }
}

/**
 * Reads a config file's `plugins` list and loads them (or refuses without `allowPlugins`). Call it
 * before `loadConfig`. A file that does not parse is left for `loadConfig` to report.
 */
export async function loadConfigPlugins(file: string, opts: { allow?: boolean }): Promise<void> {
  let root: LNode;
  try {
    root = parseConfigText(readBoundedText(file, { what: 'config', shown: file, maxBytes: inputLimits().bytes }).replace(/^\uFEFF/, ''), file);
  } catch {
    return;
  }
  await loadPlugins(pluginRefs(root, file), { allow: opts.allow === true });
}
