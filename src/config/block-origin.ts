/**
 * Where an expanded block layer comes from, for messages: the layer's place in the block's
 * definition (`blocks.Encoder.layers[2]`) and each use of a block that led to it, innermost first,
 * with the user's own text of that use — so an error about the 37th layer after expansion reads
 *   model.yaml:5:9: ... (at blocks.Encoder.layers[2].Dense, in block "Encoder" used at model.yaml:14:7: `Encoder: {dim: 4}`)
 */
import { formatLocation, type Problem } from '../util/errors.js';
import type { LNode } from './locate.js';
import type { SourceLocation } from './types.js';

export interface BlockUse {
  block: string;
  /** The instance's name (its last layer's name). */
  instance: string;
  loc: SourceLocation;
  /** The use as the user wrote it, in YAML flow style: `Encoder: {dim: 4, name: enc}`. */
  text: string;
}

export interface BlockOrigin {
  /** The layer's place in its block's definition: `blocks.Encoder.layers[2]`. */
  defPath: string;
  /** Where the layer's entry is written in the block's definition (its class name). */
  defLoc?: SourceLocation;
  /** The uses that produced the layer, outermost first. */
  uses: BlockUse[];
}

/** A located value back in YAML flow style, for quoting the user's text in messages. */
export function flowText(node: LNode, budget = 160): string {
  const scalar = (v: unknown): string => (typeof v === 'string' && !/^[\w.$+-][\w .${}/*+-]*$/.test(v) ? JSON.stringify(v) : String(v));
  const render = (n: LNode): string => {
    if (n.kind === 'scalar') return scalar(n.value);
    if (n.kind === 'seq') return `[${n.items.map(render).join(', ')}]`;
    return `{${n.entries.map((e) => `${e.key}: ${render(e.value)}`).join(', ')}}`;
  };
  // The use item itself is a one-key map: drop its braces, as it is written after "- ".
  const text = node.kind === 'map' && node.entries.length === 1 ? `${node.entries[0]?.key}: ${render(node.entries[0]?.value as LNode)}` : render(node);
  return text.length > budget ? `${text.slice(0, budget - 1)}…` : text;
}

/** `in block "FeedForward" used at f.yaml:9:9: `FeedForward: {units: 8}`, in block "Encoder" used at ...`. */
export function describeUses(uses: readonly BlockUse[]): string {
  return [...uses].reverse().map((u) => `in block "${u.block}" used at ${formatLocation(u.loc)}: \`${u.text}\``).join(', ');
}

/** A user path such as `model.layers[36]` / `models.enc.layers[2]` for a layer list pointer. */
function userPath(ptr: string): string | undefined {
  const m = /^\/(model|models\/([^/]+))\/layers\/(\d+)$/.exec(ptr);
  if (!m) return undefined;
  return m[2] !== undefined ? `models.${m[2]}.layers[${m[3]}]` : `model.layers[${m[3]}]`;
}

/**
 * Rewrites problems about expanded layers: the path after expansion (`model.layers[36]`, which the
 * user never wrote) becomes the block definition's path, and the block uses are appended.
 */
export function withBlockOrigins(problems: Problem[], origins: ReadonlyMap<string, BlockOrigin>): Problem[] {
  if (origins.size === 0) return problems;
  const byPath = new Map<string, BlockOrigin>();
  for (const [ptr, o] of origins) {
    const p = userPath(ptr);
    if (p) byPath.set(p, o);
  }
  const pathRe = /\b(model|models\.[\w-]+)\.layers\[(\d+)\]/g;
  // A problem without a path ("unknown layer") is matched by its place: the n-th problem at a block
  // layer's line belongs to the n-th use of that block layer (problems come in list order).
  const atLoc = (l: SourceLocation | undefined): string => (l ? `${l.file}:${l.line}:${l.col}` : '');
  const byLoc = new Map<string, BlockOrigin[]>();
  for (const o of origins.values()) if (o.defLoc) byLoc.set(atLoc(o.defLoc), [...(byLoc.get(atLoc(o.defLoc)) ?? []), o]);
  const seen = new Map<string, number>();
  return problems.map((p) => {
    let origin: BlockOrigin | undefined;
    const message = p.message.replace(pathRe, (all: string) => {
      const o = byPath.get(all);
      if (!o) return all;
      origin ??= o;
      return o.defPath;
    });
    if (!origin && p.loc) {
      const key = `${atLoc(p.loc)} ${p.message}`;
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      origin = byLoc.get(atLoc(p.loc))?.[n];
    }
    if (!origin) return p;
    // `... (at blocks.Encoder.layers[2].Dense)` → `... (at blocks.Encoder.layers[2].Dense, in block ...)`.
    const uses = describeUses(origin.uses);
    return { ...p, message: /\(at [^()]*\)$/.test(message) ? `${message.slice(0, -1)}, ${uses})` : `${message} (${uses})` };
  });
}
