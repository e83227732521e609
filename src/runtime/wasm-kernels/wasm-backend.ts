/**
 * The narrow slice of tfjs-backend-wasm internals the training kernels use, plus helpers to compose
 * kernels the way the wasm package's own kernels do: call other registered kernels' `kernelFunc`
 * directly (never tf ops, which would corrupt the engine's bookkeeping inside a kernel) and free
 * every intermediate through the backend.
 */
import * as tf from '@tensorflow/tfjs';

type DataId = object;

/** Per-tensor record kept by BackendWasm (`dataIdMap`). */
interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: tf.DataType;
  refCount: number;
}

type CFunction = (...args: Array<number | boolean | Uint8Array>) => unknown;

interface WasmModule {
  HEAPU8: Uint8Array;
  cwrap(name: string, returnType: null | 'number', argTypes: string[]): CFunction;
  tfjs: { disposeData(id: number): void };
}

/** What the kernels need from `BackendWasm` (declared here so no `any` leaks from its d.ts). */
export interface WasmBackend {
  wasm: WasmModule;
  dataIdMap: {
    get(dataId: DataId): WasmTensorData | undefined;
    delete(dataId: DataId): boolean;
  };
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: DataId, force?: boolean): boolean;
  /** One more tensor shares this data (freed when the last one is disposed). */
  incRef(dataId: DataId): void;
}

export function asWasmBackend(backend: unknown): WasmBackend {
  return backend as WasmBackend;
}

/** The C-side id of a tensor (what the exported C functions take). */
export function cId(backend: WasmBackend, info: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (!data) throw new Error('wasm-kernels: tensor is not on the wasm backend');
  return data.id;
}

/** float32 view of a tensor's heap memory. Re-take it after any allocation: the heap can move. */
export function f32(backend: WasmBackend, info: tf.TensorInfo): Float32Array {
  const arr = backend.typedArrayFromHeap(info);
  if (!(arr instanceof Float32Array)) throw new Error(`wasm-kernels: expected float32, got ${info.dtype}`);
  return arr;
}

/** The wasm memory the native addon's kernels read and write in place. Re-read it after allocations: the heap can grow into a new buffer. */
export function heapBuffer(backend: WasmBackend): ArrayBuffer {
  return backend.wasm.HEAPU8.buffer as ArrayBuffer;
}

/** A tensor's offset in the wasm memory in float32 elements (what the native addon takes). */
export function floatOffset(backend: WasmBackend, info: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (!data) throw new Error('wasm-kernels: tensor is not on the wasm backend');
  return data.memoryOffset / 4;
}

/** The same, or -1 for a tensor left out (the addon's marker for an optional input). */
export function optionalOffset(backend: WasmBackend, info: tf.TensorInfo | undefined): number {
  return info ? floatOffset(backend, info) : -1;
}

/** Wraps `module.cwrap` once per backend instance (kernels may be registered after backend init). */
export function cFunction(backend: WasmBackend, name: string, argTypes: string[]): CFunction {
  let perBackend = cwrapCache.get(backend);
  if (!perBackend) {
    perBackend = new Map();
    cwrapCache.set(backend, perBackend);
  }
  let fn = perBackend.get(name);
  if (!fn) {
    fn = backend.wasm.cwrap(name, null, argTypes);
    perBackend.set(name, fn);
  }
  return fn;
}
const cwrapCache = new WeakMap<WasmBackend, Map<string, CFunction>>();

export function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

/**
 * Tracks the intermediates of one kernel call and frees them all at the end, also on error.
 * `view()` makes a tensor that aliases part of another tensor's memory (no copy); views are
 * unregistered without freeing the memory they point into.
 */
export class Scratch {
  private readonly temps: tf.TensorInfo[] = [];
  private readonly views: tf.TensorInfo[] = [];

  constructor(readonly backend: WasmBackend) {}

  /** Runs a registered wasm kernel and tracks its output as an intermediate. */
  run(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    return this.track(runKernel(this.backend, kernelName, inputs, attrs));
  }

  alloc(shape: number[], dtype: tf.DataType = 'float32'): tf.TensorInfo {
    return this.track(this.backend.makeOutput(shape, dtype));
  }

  track(info: tf.TensorInfo): tf.TensorInfo {
    this.temps.push(info);
    return info;
  }

  /** Removes `info` (or a reshape of it) from the intermediates, e.g. because it is the result. */
  release(info: tf.TensorInfo): tf.TensorInfo {
    const i = this.temps.findIndex((t) => t.dataId === info.dataId);
    if (i >= 0) this.temps.splice(i, 1);
    return info;
  }

  /** A tensor of `shape` over `base`'s memory starting at element `offset`. */
  view(base: tf.TensorInfo, offset: number, shape: number[]): tf.TensorInfo {
    const data = this.backend.dataIdMap.get(base.dataId);
    if (!data) throw new Error('wasm-kernels: view of a tensor that is not on the wasm backend');
    const bytes = base.dtype === 'bool' ? 1 : 4;
    const info = this.backend.makeOutput(shape, base.dtype, data.memoryOffset + offset * bytes);
    this.views.push(info);
    return info;
  }

  /** Ends a view early (loops would otherwise keep one XNNPACK operator alive per view). */
  dropView(info: tf.TensorInfo): void {
    const i = this.views.indexOf(info);
    if (i >= 0) this.views.splice(i, 1);
    this.unregister(info);
  }

  private unregister(view: tf.TensorInfo): void {
    // Unregister from C (runs its disposal callbacks, e.g. cached XNNPACK operators) and from JS,
    // but do not free: the memory belongs to the base tensor.
    const data = this.backend.dataIdMap.get(view.dataId);
    if (data) {
      this.backend.wasm.tfjs.disposeData(data.id);
      this.backend.dataIdMap.delete(view.dataId);
    }
  }

  dispose(): void {
    for (const v of this.views) this.unregister(v);
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.views.length = 0;
    this.temps.length = 0;
  }
}

/** Calls a kernel registered for 'wasm' directly (the engine is not involved). */
export function runKernel(
  backend: WasmBackend,
  kernelName: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, 'wasm');
  if (!kernel) throw new Error(`wasm-kernels: kernel '${kernelName}' is not registered for 'wasm'`);
  const out = kernel.kernelFunc({ inputs, backend: backend as unknown as tf.KernelBackend, attrs });
  if (Array.isArray(out)) throw new Error(`wasm-kernels: kernel '${kernelName}' returned several tensors`);
  return out;
}

/** Same tensor data seen with another shape (a free reshape, as the wasm Reshape kernel does). */
export function reshaped(info: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
