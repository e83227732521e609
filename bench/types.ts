/**
 * The contract between `bench/run.ts` and the benchmark modules it runs (bench/models.ts,
 * bench/csv.ts, ...). A module exports `bench: BenchModule`; the runner parses the common flags,
 * hands the rest to the module, prints each section's table and writes every section's rows to
 * bench/results.json.
 */

export interface BenchContext {
  /** Flags after the runner's own (`--models mlp,cnn --steps 5`), for the module to parse. */
  argv: string[];
  /** True with `--quick`: the fewest steps that still exercise everything (smoke tests). */
  quick: boolean;
  /** Progress lines (stderr, so `--json` keeps stdout clean). */
  log(line: string): void;
}

export interface BenchSection {
  /** Rows as they go into results.json. */
  rows: Record<string, unknown>[];
  /** The human-readable table (Markdown), printed without `--json` and pasted into the README. */
  table: string;
  /** Anything the reader must know to interpret the rows (what is missing and why). */
  notes?: string[];
}

export interface BenchModule {
  /** Short name used by `--only NAME` and as the key in results.json. */
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchSection>;
}

/** Median of non-empty `xs` (robust to one slow round on a shared machine). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** A Markdown table from a header and rows of cells. */
export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
