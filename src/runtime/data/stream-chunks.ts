/**
 * Reads a CSV file as a sequence of parsed chunks without ever holding the whole file: the file
 * is read in blocks, cut after the last line break outside quotes (csv.ts `lastRecordEnd`), and
 * each block's complete records are parsed with the same parser and layout options (delimiter,
 * header or not) as in-memory CSVs (csv.ts), so numbers and errors (with real line numbers) are
 * identical. Quoted fields may hold delimiters, doubled quotes and line breaks. Limitation: a
 * file whose lines end in CR alone is read as one block.
 */
import { createReadStream } from 'node:fs';
import { DataError } from '../../util/errors.js';
import { type CsvData, type CsvLayout, type CsvPlan, lastRecordEnd, parseCsv } from './csv.js';

/** Bytes read per block (a few MB keeps the parser busy and memory flat). */
export const BLOCK_BYTES = 4 << 20;

export interface ChunkReaderOptions {
  path: string;
  /** The file as the user wrote it, for messages. */
  given: string;
  /** Decides the kept columns from the header (like parseCsv's `choosePlan`). */
  plan: (header: string[]) => CsvPlan;
  blockBytes?: number;
  /** Delimiter, header or not, column names: as for the in-memory reader. */
  layout?: Pick<CsvLayout, 'delimiter' | 'header' | 'columns'>;
}

export interface CsvChunk {
  data: CsvData;
  /** 0-based index of the chunk's first record among all records of the file. */
  firstRow: number;
}

/** Parsed chunks, in file order. The header comes from the first line that is not blank. */
export async function* csvChunks(opts: ChunkReaderOptions): AsyncGenerator<CsvChunk> {
  const stream = createReadStream(opts.path, { encoding: 'utf8', highWaterMark: opts.blockBytes ?? BLOCK_BYTES });
  let header: string[] | undefined;
  let plan: CsvPlan | undefined;
  let rest = '';
  let linesBefore = 0; // physical lines before `rest`
  let rows = 0;
  const layout = opts.layout ?? {};
  const delimiter = layout.delimiter !== undefined ? { delimiter: layout.delimiter } : {};
  const parse = (text: string): CsvData | undefined => {
    if (text.trim() === '') return undefined;
    if (!header) {
      // The first block: parse it with its header line (or name its columns), remember the names for later blocks.
      const first: CsvLayout = { ...delimiter, ...(layout.header !== undefined ? { header: layout.header } : {}), ...(layout.columns ? { columns: layout.columns } : {}) };
      const data = parseCsv(
        text,
        opts.given,
        (h) => {
          header = h;
          plan = opts.plan(h);
          return plan;
        },
        first,
      );
      return data;
    }
    const cols = header;
    return parseCsv(text, opts.given, () => plan as CsvPlan, { ...delimiter, header: false, columns: cols, lineOffset: linesBefore });
  };
  // Quote state at the end of `rest`, which is scanned up to `scanned` already.
  let inQuotes = false;
  let scanned = 0;
  try {
    for await (const block of stream) {
      let text = rest + (block as string);
      if (linesBefore === 0 && !header && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const cut = lastRecordEnd(text, Math.min(scanned, text.length), inQuotes);
      inQuotes = cut.inQuotes;
      if (cut.end < 0) {
        rest = text;
        scanned = text.length;
        continue;
      }
      const complete = text.slice(0, cut.end);
      rest = text.slice(cut.end);
      scanned = rest.length;
      const data = parseChunk(complete);
      linesBefore += countLines(complete);
      if (data) {
        yield { data, firstRow: rows };
        rows += data.rows;
      }
    }
    const data = parseChunk(rest);
    if (data) yield { data, firstRow: rows };
    else if (!header) throw new DataError(`${opts.given}: the file is empty (expected a header line with column names)`);
  } finally {
    stream.destroy();
  }

  function parseChunk(text: string): CsvData | undefined {
    try {
      return parse(text);
    } catch (e) {
      // "header but no data rows" of a block that only held the header line is not an error here.
      if (e instanceof DataError && /has a header but no data rows/.test(e.message)) return undefined;
      throw e;
    }
  }
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
