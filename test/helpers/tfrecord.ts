/**
 * An independent reader for TensorBoard event files, for the tests: TFRecord framing with both
 * CRC-32Cs checked (computed bit by bit, not with kerats' table) and raw protobuf fields.
 */
import assert from 'node:assert/strict';

export interface ProtoField {
  no: number;
  wire: number;
  /** The value of a varint field (wire type 0). */
  int: number;
  /** The bytes of a fixed64 / fixed32 / length-delimited field. */
  buf: Buffer;
}

/** The top-level fields of one protobuf message. */
export function protoFields(b: Buffer): ProtoField[] {
  const out: ProtoField[] = [];
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    let byte;
    do {
      byte = b[i++] ?? 0;
      v += (byte & 0x7f) * mul;
      mul *= 128;
    } while (byte & 0x80);
    return v;
  };
  while (i < b.length) {
    const key = varint();
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ no, wire, int: varint(), buf: Buffer.alloc(0) });
    else if (wire === 1) {
      out.push({ no, wire, int: 0, buf: b.subarray(i, i + 8) });
      i += 8;
    } else if (wire === 5) {
      out.push({ no, wire, int: 0, buf: b.subarray(i, i + 4) });
      i += 4;
    } else if (wire === 2) {
      const n = varint();
      out.push({ no, wire, int: 0, buf: b.subarray(i, i + n) });
      i += n;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}

function crc32cBitwise(bytes: Uint8Array): number {
  let crc = ~0 >>> 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** TFRecord's masked CRC-32C. */
export function maskedCrc(b: Uint8Array): number {
  const c = crc32cBitwise(b);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

/** The records of a TFRecord file, asserting each length and data CRC. */
export function tfRecords(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < buf.length) {
    const len = Number(buf.readBigUInt64LE(off));
    assert.equal(buf.readUInt32LE(off + 8), maskedCrc(buf.subarray(off, off + 8)), 'length CRC');
    const data = buf.subarray(off + 12, off + 12 + len);
    assert.equal(buf.readUInt32LE(off + 12 + len), maskedCrc(data), 'data CRC');
    out.push(data);
    off += 16 + len;
  }
  return out;
}
