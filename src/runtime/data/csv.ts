/**
 * RFC 4180 CSV reader that writes feature cells straight into one row-major Float32Array: no
 * per-row objects, so large files parse quickly. Quoted fields (with commas, doubled quotes and
 * line breaks inside), CRLF / LF / CR line ends, a trailing newline and a UTF-8 BOM are accepted;
 * blank lines are skipped (as pandas does). Positions in errors are `file:line:field`, 1-based,
 * where `line` is the physical line the cell starts on (the header is line 1).
 */
import { notTextReason } from './sniff.js';
import { DataError } from '../../util/errors.js';

/** Which columns to keep, decided from the header. */
export interface CsvPlan {
  /** Column indices (0-based) of the numeric features, in the order they go into each x row. */
  features: number[];
  /** Column index (0-based) kept as text (the label), or -1 for none. */
  label: number;
  /** More columns kept as text (categorical and text features, extra label columns), in this order. */
  strings?: number[];
}

/** How the file is laid out (all optional: comma-separated with a header line by default). */
export interface CsvLayout {
  /** One character; `,` by default (`\t` for TSV). */
  delimiter?: string;
  /** false: the first line is data. Column names are then `columns`, or "0", "1", ... by position. */
  header?: boolean;
  columns?: string[];
  /** Missing numeric cells become NaN (the caller applies the missing-value policy) instead of an error. */
  allowMissing?: boolean;
  /** Added to every reported line number (a chunk of a bigger file). */
  lineOffset?: number;
}

/** Cells pandas reads as missing (NaN) by default, besides the empty cell. */
export const MISSING_TOKENS = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None', '?']);

export interface CsvData {
  /** The file as the user wrote it, for messages. */
  file: string;
  header: string[];
  /** Number of data records. */
  rows: number;
  /** rows × features.length values, row-major. */
  x: Float32Array;
  /** The label cell of each record, when the plan asked for one. */
  labels?: string[];
  /** The cells of the plan's `strings` columns, one array per column. */
  strings: string[][];
  /** 1-based line on which each record starts (for messages about labels). */
  lines: Int32Array;
}

let COMMA = 44;
const QUOTE = 34;
const CR = 13;
const LF = 10;

export function cellError(file: string, line: number, col: number, message: string): DataError {
  return new DataError({ message, loc: { file, line, col } });
}

/**
 * Parses CSV text. `choosePlan` sees the header and says which columns to keep (it may throw a
 * DataError, e.g. for a missing label column). Every feature cell must be a finite number.
 */
export function parseCsv(text: string, file: string, choosePlan: (header: string[]) => CsvPlan, layout: CsvLayout = {}): CsvData {
  const delimiter = layout.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new DataError(`${file}: the delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
  }
  // The parser reads the delimiter from this module-level code (set per call: parsing is synchronous).
  COMMA = delimiter.charCodeAt(0);
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const end = text.length;
  let line = 1 + (layout.lineOffset ?? 0);

  // Skips blank lines before a record; returns false at the end of the text.
  const skipBlank = (): boolean => {
    while (pos < end) {
      const c = text.charCodeAt(pos);
      if (c === LF) {
        line++;
        pos++;
      } else if (c === CR) {
        line++;
        pos += text.charCodeAt(pos + 1) === LF ? 2 : 1;
      } else return true;
    }
    return false;
  };

  // Reads one field starting at `pos`, leaves `pos` on the delimiter (or end). Tracks `line`.
  const readField = (col: number): string => {
    if (text.charCodeAt(pos) !== QUOTE) {
      const start = pos;
      while (pos < end) {
        const c = text.charCodeAt(pos);
        if (c === COMMA || c === LF || c === CR) break;
        pos++;
      }
      return text.slice(start, pos);
    }
    const openLine = line;
    pos++;
    let value = '';
    let chunk = pos;
    for (;;) {
      const q = text.indexOf('"', pos);
      if (q < 0) {
        throw cellError(file, openLine, col, 'quoted field is never closed (a `"` is missing)');
      }
      countLines(chunk, q);
      if (text.charCodeAt(q + 1) === QUOTE) {
        value += text.slice(chunk, q + 1);
        pos = q + 2;
        chunk = pos;
        continue;
      }
      value += text.slice(chunk, q);
      pos = q + 1;
      break;
    }
    if (pos < end) {
      const c = text.charCodeAt(pos);
      if (c !== COMMA && c !== LF && c !== CR) {
        throw cellError(
          file,
          line,
          col,
          `unexpected text after a closing quote: ${JSON.stringify(text.slice(pos, pos + 10))} ` +
            '(a quote inside a quoted field must be doubled: "")',
        );
      }
    }
    return value;
  };

  const countLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c === LF) line++;
      else if (c === CR && text.charCodeAt(i + 1) !== LF) line++;
    }
  };

  // Consumes the record end at `pos` (if any).
  const endRecord = (): void => {
    if (pos >= end) return;
    const c = text.charCodeAt(pos);
    if (c === CR) {
      pos += text.charCodeAt(pos + 1) === LF ? 2 : 1;
      line++;
    } else if (c === LF) {
      pos++;
      line++;
    }
  };

  const hasHeader = layout.header !== false;
  const notText = notTextReason(text.slice(0, 4096), 'CSV');
  if (notText) throw cellError(file, line, 1, notText);
  if (!skipBlank()) {
    throw cellError(file, 1 + (layout.lineOffset ?? 0), 1, `the file is empty (expected ${hasHeader ? 'a header line with column names' : 'data rows'})`);
  }

  // Header (or, without one, the first record, read only to count its fields).
  const headerLine = line;
  const headerPos = pos;
  let header: string[] = [];
  for (;;) {
    header.push(readField(header.length + 1));
    if (pos < end && text.charCodeAt(pos) === COMMA) {
      pos++;
      continue;
    }
    break;
  }
  endRecord();
  if (!hasHeader) {
    const cols = layout.columns;
    if (cols && cols.length !== header.length) {
      throw cellError(file, headerLine, 1, `the first row has ${header.length} fields but \`columns\` names ${cols.length} (${cols.join(', ')})`);
    }
    header = cols ? [...cols] : header.map((_, i) => String(i));
    pos = headerPos;
    line = headerLine;
  }
  checkHeader(header, file, headerLine);

  const plan = choosePlan(header);
  const width = header.length;
  const nf = plan.features.length;
  // role[c]: feature slot (>= 0), -2 - k for text column k, -1 for a column nobody asked for.
  const role = new Int32Array(width).fill(-1);
  plan.features.forEach((c, slot) => (role[c] = slot));
  const stringCols = [...(plan.label >= 0 ? [plan.label] : []), ...(plan.strings ?? [])];
  stringCols.forEach((c, k) => (role[c] = -2 - k));
  const strings: string[][] = stringCols.map(() => []);
  const allowMissing = layout.allowMissing === true;

  let capacity = Math.max(16, Math.ceil(end / Math.max(8, 2 * width)));
  let x = new Float32Array(capacity * nf);
  let lines = new Int32Array(capacity);
  const labels: string[] | undefined = plan.label >= 0 ? strings[0] : undefined;
  let rows = 0;

  while (skipBlank()) {
    if (rows === capacity) {
      capacity *= 2;
      const nx = new Float32Array(capacity * nf);
      nx.set(x);
      x = nx;
      const nl = new Int32Array(capacity);
      nl.set(lines);
      lines = nl;
    }
    lines[rows] = line;
    const recordStart = pos;
    const recordLine = line;
    const base = rows * nf;
    let col = 0;
    for (;;) {
      if (col >= width) throw longRow(col);
      const cellLine = line;
      const r = role[col] ?? -1;
      if (r >= -1 && text.charCodeAt(pos) !== QUOTE) {
        // Unquoted feature or unused cell: find its end without allocating a string.
        const start = pos;
        while (pos < end) {
          const c = text.charCodeAt(pos);
          if (c === COMMA || c === LF || c === CR) break;
          pos++;
        }
        if (r >= 0) {
          let v = plainDecimal(text, start, pos);
          if (Number.isNaN(v)) {
            const s = text.slice(start, pos);
            v = toNumber(s);
            if (Number.isNaN(v) && !(allowMissing && MISSING_TOKENS.has(s.trim()))) {
              // A short row shifts cells into the wrong columns: say the row is short, not that a label isn't a number.
              raggedCheck(recordStart, recordLine);
              throw numberError(s, file, cellLine, col + 1, header[col] ?? '');
            }
          }
          x[base + r] = v;
        }
      } else {
        const s = readField(col + 1);
        if (r >= 0) {
          const v = toNumber(s);
          if (Number.isNaN(v) && !(allowMissing && MISSING_TOKENS.has(s.trim()))) {
            // A short row shifts cells into the wrong columns: say the row is short, not that a label isn't a number.
            raggedCheck(recordStart, recordLine);
            throw numberError(s, file, cellLine, col + 1, header[col] ?? '');
          }
          x[base + r] = v;
        } else if (r <= -2) strings[-2 - r]?.push(s);
      }
      col++;
      if (pos < end && text.charCodeAt(pos) === COMMA) {
        pos++;
        continue;
      }
      break;
    }
    if (col < width) throw shortRow(col);
    endRecord();
    rows++;
  }

  // Throws the ragged-row error if the record starting at `start` does not have `width` fields.
  function raggedCheck(start: number, startLine: number): void {
    pos = start;
    line = startLine;
    let col = 0;
    for (;;) {
      if (col >= width) throw longRow(col);
      readField(col + 1);
      col++;
      if (pos < end && text.charCodeAt(pos) === COMMA) {
        pos++;
        continue;
      }
      break;
    }
    if (col < width) throw shortRow(col);
  }

  function shortRow(col: number): DataError {
    return cellError(
      file,
      line,
      col + 1,
      `row has ${col} field${col === 1 ? '' : 's'} but the header has ${width} columns (column "${header[col] ?? ''}" is missing)`,
    );
  }

  function longRow(col: number): DataError {
    return cellError(file, line, col + 1, `row has more fields than the header's ${width} columns`);
  }

  if (rows === 0) throw cellError(file, headerLine, 1, `the file has ${hasHeader ? 'a header but ' : ''}no data rows`);
  // Copy to the exact size: the estimate may have over-allocated, and a view would pin it all.
  return { file, header, rows, x: x.slice(0, rows * nf), labels, strings: plan.label >= 0 ? strings.slice(1) : strings, lines: lines.slice(0, rows) };
}

/** Exact powers of ten as doubles (10^22 is the largest exactly representable one). */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Fast path for the common cell `-12.345` or `1.5e-3`: digits are accumulated as an exact integer
 * and scaled by one exact power of ten, a single correctly rounded operation, so the result is the
 * same double `Number()` gives. Returns NaN for anything else (too many digits, spaces, `0x`,
 * `Infinity`, empty), and the caller falls back to `Number()`.
 */
function plainDecimal(text: string, a: number, b: number): number {
  let i = a;
  let neg = false;
  let c = text.charCodeAt(i);
  if (c === 45 || c === 43) {
    neg = c === 45;
    i++;
  }
  let mant = 0;
  let digits = 0;
  let scale = 0;
  for (; i < b; i++) {
    c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    mant = mant * 10 + c;
    digits++;
  }
  if (i < b && text.charCodeAt(i) === 46) {
    for (i++; i < b; i++) {
      c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      mant = mant * 10 + c;
      digits++;
      scale--;
    }
  }
  if (digits === 0 || digits > 15) return NaN;
  if (i < b && (text.charCodeAt(i) | 32) === 101) {
    i++;
    let eneg = false;
    c = text.charCodeAt(i);
    if (c === 45 || c === 43) {
      eneg = c === 45;
      i++;
    }
    let e = 0;
    const first = i;
    for (; i < b && i - first < 4; i++) {
      c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      e = e * 10 + c;
    }
    if (i === first) return NaN;
    scale += eneg ? -e : e;
  }
  if (i !== b) return NaN;
  let v: number;
  if (scale === 0) v = mant;
  else if (scale > 0 && scale <= 22) v = mant * (POW10[scale] ?? NaN);
  else if (scale < 0 && scale >= -22) v = mant / (POW10[-scale] ?? NaN);
  else return NaN;
  return neg ? -v : v;
}

/**
 * A decimal number as pandas' `read_csv` reads one: optional sign, digits with an optional point,
 * optional exponent, and surrounding spaces or tabs trimmed (` 16 ` is 16, as in pandas).
 * JavaScript's other forms (`0x10`, `0b10000`, `0o20`, `1_000`) are not numbers in a CSV.
 */
const DECIMAL = /^[ \t]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[ \t]*$/;

/** A finite decimal number, or NaN for anything else (empty and blank cells included). */
export function toNumber(s: string): number {
  if (!DECIMAL.test(s)) return NaN;
  const v = Number(s);
  return Number.isFinite(v) ? v : NaN;
}

const NON_DECIMAL = /^[ \t]*[+-]?0([xXbBoO])[0-9a-fA-F_]+[ \t]*$/;

function numberError(s: string, file: string, line: number, col: number, name: string): DataError {
  const v = Number(s);
  if (MISSING_TOKENS.has(s.trim())) {
    return cellError(
      file,
      line,
      col,
      `column "${name}" ${s.trim() === '' ? 'is empty' : `is missing (${JSON.stringify(s)})`} (expected a number; ` +
        'set `missing: drop` or `missing: fill` on the data source to accept missing values)',
    );
  }
  const radix = NON_DECIMAL.exec(s);
  if (radix) {
    const kind = { x: 'hexadecimal', b: 'binary', o: 'octal' }[(radix[1] ?? 'x').toLowerCase()] ?? 'non-decimal';
    return cellError(
      file,
      line,
      col,
      `column "${name}" has the ${kind} number ${JSON.stringify(s)}; CSV numbers are read as decimals only (as pandas reads them)` +
        (Number.isFinite(v) ? `: write ${v}` : '') +
        `, or declare \`preprocess: {${name}: one_hot}\` if it is a category code`,
    );
  }
  if (Number.isNaN(v) || (Number.isFinite(v) && !DECIMAL.test(s))) {
    return cellError(
      file,
      line,
      col,
      `column "${name}" is not a number: ${JSON.stringify(s)} (for a column of categories declare ` +
        `\`preprocess: {${name}: one_hot}\` or integer_lookup; for free text, \`text\`)`,
    );
  }
  return cellError(file, line, col, `column "${name}" is not a finite number: ${JSON.stringify(s)}`);
}

function checkHeader(header: string[], file: string, line: number): void {
  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    if (name.trim() === '') {
      throw cellError(file, line, i + 1, `column ${i + 1} of the header has no name`);
    }
    const first = seen.get(name);
    if (first !== undefined) {
      throw cellError(file, line, i + 1, `column name "${name}" appears twice in the header (columns ${first + 1} and ${i + 1})`);
    }
    seen.set(name, i);
  });
}

/**
 * Where complete records end in `text`, for reading a file in blocks with the same quoting rules
 * as `parseCsv`: scans from `from` with the quote state `inQuotes` (a doubled quote toggles twice,
 * so it needs no special case) and returns the index just past the last line feed outside quotes
 * (-1 when there is none) and the quote state at the end of the text.
 */
export function lastRecordEnd(text: string, from: number, inQuotes: boolean): { end: number; inQuotes: boolean } {
  // Jumps from quote to quote with indexOf (most blocks have none): between a closing quote and the
  // next opening one, the last line feed is a record end.
  let end = -1;
  let i = from;
  let quoted = inQuotes;
  for (;;) {
    const q = text.indexOf('"', i);
    if (quoted) {
      if (q < 0) return { end, inQuotes: true };
      quoted = false;
    } else {
      const nl = q < 0 ? text.lastIndexOf('\n') : text.lastIndexOf('\n', q - 1);
      if (nl >= i) end = nl + 1;
      if (q < 0) return { end, inQuotes: false };
      quoted = true;
    }
    i = q + 1;
  }
}
