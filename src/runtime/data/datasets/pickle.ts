/**
 * A small, safe reader for the Python pickles inside Keras's dataset files (CIFAR-10 batches,
 * the IMDB object arrays): it understands the opcodes of protocols 0-5 that plain data uses, and
 * turns NumPy arrays and dtypes into plain records. It never runs code: any other global is
 * represented as an inert object, so a hostile pickle cannot do anything but fail to load.
 */
import { DataError } from '../../../util/errors.js';

export interface PyGlobal {
  kind: 'global';
  module: string;
  name: string;
}

export interface NdArray {
  kind: 'ndarray';
  shape: number[];
  /** NumPy dtype string without byte order (`u1`, `i8`, `O`), when built. */
  dtype?: string;
  /** Raw little-endian bytes, or the objects of an object array. */
  data?: Uint8Array | unknown[];
}

interface PyDtype {
  kind: 'dtype';
  descr: string;
}

interface PyObject {
  kind: 'object';
  of: PyGlobal;
  args: unknown;
}


/** Latin-1 text of bytes (how Python 2 `str` keys become JS strings). */
function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

export function unpickle(buf: Uint8Array, file: string): unknown {
  const v = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = 0;
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  const fail = (why: string): DataError => new DataError(`${file}: cannot read its pickled data (${why})`);
  const pop = (): unknown => {
    if (stack.length === 0) throw fail('stack underflow');
    return stack.pop();
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) throw fail('missing mark');
    return stack.splice(m);
  };
  const top = (): unknown => stack[stack.length - 1];
  const bytes = (n: number): Uint8Array => {
    if (p + n > v.length) throw fail('truncated');
    const out = v.subarray(p, p + n);
    p += n;
    return out;
  };
  const line = (): string => {
    const e = v.indexOf(10, p);
    if (e < 0) throw fail('truncated');
    const s = v.toString('latin1', p, e);
    p = e + 1;
    return s;
  };
  const key = (k: unknown): string => (k instanceof Uint8Array ? latin1(k) : String(k));

  for (;;) {
    if (p >= v.length) throw fail('no STOP opcode');
    const op = v[p++] as number;
    switch (op) {
      case 0x80: // PROTO
        p++;
        break;
      case 0x95: // FRAME
        p += 8;
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(v.readUInt8(p));
        p += 1;
        break;
      case 0x4d: // BININT2
        stack.push(v.readUInt16LE(p));
        p += 2;
        break;
      case 0x4a: // BININT
        stack.push(v.readInt32LE(p));
        p += 4;
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement
        const n = v.readUInt8(p++);
        let x = 0n;
        for (let i = n - 1; i >= 0; i--) x = (x << 8n) | BigInt(v[p + i] ?? 0);
        if (n > 0 && ((v[p + n - 1] ?? 0) & 0x80) !== 0) x -= 1n << BigInt(8 * n);
        p += n;
        stack.push(Number(x));
        break;
      }
      case 0x47: // BINFLOAT
        stack.push(v.readDoubleBE(p));
        p += 8;
        break;
      case 0x49: {
        // INT (protocol 0): "I<digits>\n", 01/00 for booleans
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : Number(s));
        break;
      }
      case 0x4c: // LONG (protocol 0): "L<digits>L\n"
        stack.push(Number(line().replace(/L$/, '')));
        break;
      case 0x55: {
        // SHORT_BINSTRING (Python 2 str): bytes
        const n = v.readUInt8(p++);
        stack.push(bytes(n));
        break;
      }
      case 0x54: {
        // BINSTRING
        const n = v.readInt32LE(p);
        p += 4;
        stack.push(bytes(n));
        break;
      }
      case 0x43: {
        // SHORT_BINBYTES
        const n = v.readUInt8(p++);
        stack.push(bytes(n));
        break;
      }
      case 0x42: {
        // BINBYTES
        const n = v.readUInt32LE(p);
        p += 4;
        stack.push(bytes(n));
        break;
      }
      case 0x8e: {
        // BINBYTES8
        const n = Number(v.readBigUInt64LE(p));
        p += 8;
        stack.push(bytes(n));
        break;
      }
      case 0x8c: {
        // SHORT_BINUNICODE
        const n = v.readUInt8(p++);
        stack.push(Buffer.from(bytes(n)).toString('utf8'));
        break;
      }
      case 0x58: {
        // BINUNICODE
        const n = v.readUInt32LE(p);
        p += 4;
        stack.push(Buffer.from(bytes(n)).toString('utf8'));
        break;
      }
      case 0x8d: {
        // BINUNICODE8
        const n = Number(v.readBigUInt64LE(p));
        p += 8;
        stack.push(Buffer.from(bytes(n)).toString('utf8'));
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map<string, unknown>());
        break;
      case 0x8f: // EMPTY_SET
        stack.push([]);
        break;
      case 0x6c: // LIST
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x61: {
        // APPEND
        const x = pop();
        (top() as unknown[]).push(x);
        break;
      }
      case 0x65: // APPENDS
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const list = top() as unknown[];
        for (const x of items) list.push(x);
        break;
      }
      case 0x73: {
        // SETITEM
        const val = pop();
        const k = pop();
        (top() as Map<string, unknown>).set(key(k), val);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const d = top() as Map<string, unknown>;
        for (let i = 0; i + 1 < items.length; i += 2) d.set(key(items[i]), items[i + 1]);
        break;
      }
      case 0x64: {
        // DICT
        const items = popMark();
        const d = new Map<string, unknown>();
        for (let i = 0; i + 1 < items.length; i += 2) d.set(key(items[i]), items[i + 1]);
        stack.push(d);
        break;
      }
      case 0x71: // BINPUT
        memo.set(v.readUInt8(p++), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(v.readUInt32LE(p), top());
        p += 4;
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(memo.get(v.readUInt8(p++)));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memo.get(v.readUInt32LE(p)));
        p += 4;
        break;
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        stack.push({ kind: 'global', module, name } satisfies PyGlobal);
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = String(pop());
        const module = String(pop());
        stack.push({ kind: 'global', module, name } satisfies PyGlobal);
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop() as PyGlobal;
        stack.push(reduce(fn, args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop() as PyGlobal;
        stack.push({ kind: 'object', of: cls, args } satisfies PyObject);
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        build(top(), state);
        break;
      }
      default:
        throw fail(`unsupported opcode 0x${op.toString(16)} at byte ${p - 1}`);
    }
  }
}

function reduce(fn: PyGlobal, args: unknown): unknown {
  const a = Array.isArray(args) ? args : [];
  if (fn?.kind === 'global') {
    if (fn.name === '_reconstruct' && fn.module.startsWith('numpy')) return { kind: 'ndarray', shape: [] } satisfies NdArray;
    if (fn.name === 'dtype' && fn.module.startsWith('numpy')) return { kind: 'dtype', descr: String(a[0]) } satisfies PyDtype;
    // Python 3 pickles Python 2 byte strings as _codecs.encode(text, 'latin1').
    if (fn.module === '_codecs' && fn.name === 'encode') return Uint8Array.from(Buffer.from(String(a[0]), 'latin1'));
  }
  return { kind: 'object', of: fn, args } satisfies PyObject;
}

function build(obj: unknown, state: unknown): void {
  if (typeof obj !== 'object' || obj === null) return;
  const o = obj as { kind?: string };
  if (o.kind === 'ndarray' && Array.isArray(state)) {
    // ndarray.__setstate__((version, shape, dtype, is_fortran, data))
    const arr = obj as NdArray;
    const [, shape, dtype, , data] = state as [unknown, unknown, unknown, unknown, unknown];
    arr.shape = Array.isArray(shape) ? shape.map(Number) : [];
    arr.dtype = (dtype as PyDtype | undefined)?.descr?.replace(/^[<>|=]/, '');
    arr.data = data instanceof Uint8Array ? data : Array.isArray(data) ? data : typeof data === 'string' ? Buffer.from(data, 'latin1') : undefined;
  }
}
