/**
 * HDF5 through h5wasm (the HDF5 C library compiled to WebAssembly): small helpers to write and
 * read the weight files Keras uses. h5wasm works on real files, so in-memory files (the HDF5
 * inside a .keras zip) go through a temporary file.
 */
import type h5wasmModule from 'h5wasm/node';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../util/errors.js';

export type H5File = InstanceType<typeof h5wasmModule.File>;
export type H5Group = InstanceType<typeof h5wasmModule.Group>;
export type H5Dataset = InstanceType<typeof h5wasmModule.Dataset>;

/**
 * h5wasm, ready. Loaded on first use, not with this module: importing it compiles its
 * WebAssembly (a tenth of a second), which every command that merely can read a Keras file
 * (summary, validate, train) would otherwise pay.
 */
let loaded: typeof h5wasmModule | undefined;

async function h5(): Promise<typeof h5wasmModule> {
  if (!loaded) {
    const h5wasm = (await import('h5wasm/node')).default;
    await h5wasm.ready;
    loaded = h5wasm;
  }
  return loaded;
}

/** For the helpers below, which work on files writeH5/readH5 opened: h5wasm is loaded by then. */
function lib(): typeof h5wasmModule {
  if (!loaded) throw new Error('internal: h5wasm used before writeH5/readH5 loaded it');
  return loaded;
}

async function tempPath(): Promise<{ dir: string; file: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kerats-h5-'));
  return { dir, file: path.join(dir, 'weights.h5') };
}

/** Builds an HDF5 file with `fill` and returns its bytes. */
export async function writeH5(fill: (f: H5File) => void): Promise<Uint8Array> {
  const h5wasm = await h5();
  const { dir, file } = await tempPath();
  try {
    const f = new h5wasm.File(file, 'w');
    try {
      fill(f);
    } finally {
      f.close();
    }
    return new Uint8Array(await fs.readFile(file));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Opens HDF5 bytes (or a file) read-only for `read`. */
export async function readH5<T>(source: Uint8Array | string, what: string, read: (f: H5File) => T): Promise<T> {
  const h5wasm = await h5();
  const { dir, file } = await tempPath();
  try {
    await fs.writeFile(file, typeof source === 'string' ? await fs.readFile(source) : source);
    let f: H5File;
    try {
      f = new h5wasm.File(file, 'r');
    } catch (e) {
      throw new ConfigError(`${what} is not a readable HDF5 file: ${(e as Error).message}`);
    }
    try {
      return read(f);
    } finally {
      f.close();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** The group at `p` (slash-separated), created with its parents when missing. */
export function ensureGroup(root: H5Group, p: string): H5Group {
  let g = root;
  for (const part of p.split('/').filter((s) => s.length > 0)) {
    const next = g.keys().includes(part) ? g.get(part) : g.create_group(part);
    if (!(next instanceof lib().Group)) throw new Error(`internal: HDF5 path ${p} is not a group`);
    g = next;
  }
  return g;
}

/** Writes a float32 dataset at `p`, creating its groups. */
export function writeFloat32(root: H5Group, p: string, data: Float32Array, shape: number[]): void {
  const at = p.lastIndexOf('/');
  const g = at < 0 ? root : ensureGroup(root, p.slice(0, at));
  g.create_dataset({ name: p.slice(at + 1), data, shape: shape.length > 0 ? shape : [], dtype: '<f' });
}

/** The dataset at `p`, or undefined. */
export function datasetAt(root: H5Group, p: string): H5Dataset | undefined {
  const d = root.get(p);
  return d instanceof lib().Dataset ? d : undefined;
}

/** A dataset's values as float32 (Keras saves float32; other float/int types are converted). */
export function float32Of(d: H5Dataset): Float32Array {
  const v = d.value;
  if (v instanceof Float32Array) return v;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Float32Array.from(v as unknown as ArrayLike<number>, Number);
  if (typeof v === 'number') return new Float32Array([v]);
  throw new ConfigError(`HDF5 dataset ${d.path} does not hold numbers`);
}

/** A string or string-list attribute. */
export function stringsAttr(g: H5Group, name: string): string[] | undefined {
  const a = g.attrs[name];
  if (!a) return undefined;
  const v = a.json_value;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map(String);
  return undefined;
}
