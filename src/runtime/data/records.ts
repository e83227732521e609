/**
 * JSON (an array of objects) and NDJSON (one object per line) to the same column layout the CSV
 * reader produces. Column order is the order keys first appear; numbers stay numbers, and a
 * string cell in a numeric column must parse as a number.
 */
import { DataError } from '../../util/errors.js';
import { cellError, type CsvData, type CsvPlan, MISSING_TOKENS, toNumber } from './csv.js';

type Rec = Record<string, unknown>;

function parseRecords(text: string, file: string, ndjson: boolean): { records: Rec[]; lines: number[] } {
  const records: Rec[] = [];
  const lines: number[] = [];
  const check = (v: unknown, line: number): Rec => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw cellError(file, line, 1, `expected a JSON object (a record with one key per column), got ${Array.isArray(v) ? 'a list' : JSON.stringify(v)}`);
    }
    return v as Rec;
  };
  if (ndjson) {
    text.split(/\r?\n/).forEach((l, i) => {
      if (l.trim() === '') return;
      let v: unknown;
      try {
        v = JSON.parse(l);
      } catch (e) {
        throw cellError(file, i + 1, 1, `not valid JSON: ${(e as Error).message}`);
      }
      records.push(check(v, i + 1));
      lines.push(i + 1);
    });
  } else {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new DataError(`${file}: not valid JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(v)) throw new DataError(`${file}: expected a JSON list of records ([{...}, {...}]), got ${typeof v}`);
    // Records have no lines of their own: positions in messages are record numbers (1-based).
    v.forEach((r, i) => {
      records.push(check(r, i + 1));
      lines.push(i + 1);
    });
  }
  if (records.length === 0) throw new DataError(`${file}: no records`);
  return { records, lines };
}

/** Reads records into CsvData for the plan `choosePlan` makes from the column names. */
export function parseRecordsData(text: string, file: string, ndjson: boolean, choosePlan: (header: string[]) => CsvPlan, allowMissing: boolean): CsvData {
  const { records, lines } = parseRecords(text, file, ndjson);
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) seen.add(k);
  const header = [...seen];
  const plan = choosePlan(header);
  const n = records.length;
  const nf = plan.features.length;
  const x = new Float32Array(n * nf);
  const cell = (r: Rec, c: number): unknown => r[header[c] ?? ''];
  records.forEach((r, i) => {
    plan.features.forEach((c, slot) => {
      const v = cell(r, c);
      const name = header[c] ?? '';
      let num = typeof v === 'number' ? v : typeof v === 'string' ? toNumber(v) : NaN;
      const missing = v === null || v === undefined || (typeof v === 'string' && MISSING_TOKENS.has(v.trim()));
      if (missing && allowMissing) num = NaN;
      else if (missing) {
        throw cellError(file, lines[i] ?? 0, c + 1, `record has no value for "${name}" (expected a number; set \`missing: drop\` or \`missing: fill\` to accept missing values)`);
      } else if (!Number.isFinite(num)) {
        throw cellError(file, lines[i] ?? 0, c + 1, `"${name}" is not a number: ${JSON.stringify(v)} (for categories declare \`preprocess: {${name}: one_hot}\`)`);
      }
      x[i * nf + slot] = num;
    });
  });
  const textCol = (c: number): string[] =>
    records.map((r) => {
      const v = cell(r, c);
      return v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    });
  return {
    file,
    header,
    rows: n,
    x,
    ...(plan.label >= 0 ? { labels: textCol(plan.label) } : {}),
    strings: (plan.strings ?? []).map(textCol),
    lines: Int32Array.from(lines),
  };
}
