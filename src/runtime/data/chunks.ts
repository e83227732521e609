/**
 * Splits delimited text into records without parsing them (a line break inside quotes stays in
 * its record), so a large input can be read and predicted a chunk of records at a time.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';

export interface RawRecord {
  text: string;
  /** 1-based physical line the record starts on. */
  line: number;
}

/** Streams records from a file or stdin (`-`), `chunkRecords` at a time. */
export async function* recordChunks(input: string, chunkRecords: number, stdin: Readable = process.stdin): AsyncGenerator<RawRecord[]> {
  const stream: Readable = input === '-' ? stdin : createReadStream(input);
  stream.setEncoding('utf8');
  let buf = '';
  let line = 1;
  let inQuotes = false;
  let scan = 0; // where the quote-aware scan of `buf` resumes
  let start = 0; // where the current record starts in `buf`
  let pending: RawRecord[] = [];
  let first = true;
  let recLine = 1; // line the unfinished record starts on
  for await (const piece of stream as AsyncIterable<string>) {
    buf += first && piece.charCodeAt(0) === 0xfeff ? piece.slice(1) : piece;
    first = false;
    for (; scan < buf.length; scan++) {
      const c = buf.charCodeAt(scan);
      if (c === 34) inQuotes = !inQuotes;
      else if (c === 10) {
        line++;
        if (!inQuotes) {
          const text = buf.slice(start, scan).replace(/\r$/, '');
          if (text.trim() !== '') pending.push({ text, line: recLine });
          start = scan + 1;
          recLine = line;
        }
      }
    }
    // Keep the unfinished record; drop what was consumed.
    buf = buf.slice(start);
    scan -= start;
    start = 0;
    while (pending.length >= chunkRecords) {
      yield pending.slice(0, chunkRecords);
      pending = pending.slice(chunkRecords);
    }
  }
  const last = buf.replace(/\r?\n?$/, '');
  if (last.trim() !== '') pending.push({ text: last, line: recLine });
  if (pending.length > 0) yield pending;
}
