/**
 * How deep a YAML or JSON text nests, measured on the text before any parser sees it. The yaml
 * package's composer and every tree walk after it recurse once per level; a few KB of `[[[[...` can
 * exhaust Node's stack (or its heap, when the overflow lands in V8's regexp compiler) and 100,000
 * levels make the parser crawl. This scan is one pass over the characters with no recursion, so
 * any nesting is refused in time linear in the file's size.
 *
 * It counts flow brackets (`[`, `{`, outside quotes and comments) plus block levels (lines indented
 * deeper than their parent, and `- ` items that open a node on the same line). It may count a level
 * more than YAML does (it never counts one less), which is harmless at a limit of hundreds.
 */
import { ConfigError } from '../util/errors.js';
import type { SourceLocation } from './types.js';
import { LIMIT_ENV } from './limits.js';

export interface TooDeep {
  line: number;
  col: number;
}

/** `- ` or `? ` (or a lone `-` at the end of the line) at `i`: a block sequence item or complex key. */
function isIndicator(text: string, i: number, end: number): boolean {
  const c = text[i];
  return (c === '-' || c === '?') && (i + 1 >= end || text[i + 1] === ' ' || text[i + 1] === '\r');
}

/** A `key:` ahead on the line (a block map starting after `- `); looks at most 1 KB ahead. */
const KEY_AHEAD = /^(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s#[{"'][^#]*?):(?:\s|$)/;

/** Where the text first nests deeper than `max` levels (1-based line and column), or undefined. */
export function findTooDeep(text: string, max: number): TooDeep | undefined {
  const blocks: number[] = []; // columns of open block collections
  let flow = 0;
  let quote: '"' | "'" | '' = '';
  let scalarIndent = -1; // inside a `|` / `>` block scalar: the indent of the line that opened it
  let line = 1;
  let pos = 0;
  const n = text.length;
  while (pos <= n) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    let indent = 0;
    while (pos + indent < end && text.charCodeAt(pos + indent) === 32) indent++;
    const blank = pos + indent >= end || text[pos + indent] === '\r';
    if (scalarIndent >= 0 && (blank || indent > scalarIndent)) {
      pos = end + 1;
      line++;
      continue;
    }
    scalarIndent = -1;
    let i = pos + indent;
    if (flow === 0 && quote === '' && !blank && text[i] !== '#') {
      while (blocks.length > 0 && (blocks[blocks.length - 1] as number) > indent) blocks.pop();
      // A line opens (or continues) a block collection at its indent, unless it starts a flow one.
      const flowStart = text[i] === '[' || text[i] === '{';
      if (!flowStart && (blocks.length === 0 || (blocks[blocks.length - 1] as number) < indent)) blocks.push(indent);
      // `- - x`, `- key: v`, `? key`: a block collection that starts on the same line, one level deeper.
      while (isIndicator(text, i, end)) {
        i++;
        while (i < end && text[i] === ' ') i++;
        if (isIndicator(text, i, end) || KEY_AHEAD.test(text.slice(i, Math.min(end, i + 1024)))) {
          blocks.push(i - pos);
          if (blocks.length > max) return { line, col: i - pos + 1 };
        }
      }
      if (blocks.length > max) return { line, col: indent + 1 };
    }
    let last = ''; // last non-space character outside quotes on this line
    for (; i < end; i++) {
      const c = text[i] as string;
      if (quote === '"') {
        if (c === '\\') i++;
        else if (c === '"') { quote = ''; last = c; }
        continue;
      }
      if (quote === "'") {
        if (c === "'") { quote = ''; last = c; }
        continue;
      }
      if (c === '#' && (i === pos || text[i - 1] === ' ' || text[i - 1] === '\t')) break;
      const opensNode = last === '' || '[{,:-?'.includes(last);
      if ((c === '"' || c === "'") && opensNode) {
        quote = c;
        continue;
      }
      if ((c === '[' || c === '{') && opensNode) {
        flow++;
        if (flow + blocks.length > max) return { line, col: i - pos + 1 };
      } else if ((c === ']' || c === '}') && flow > 0) {
        flow--;
      }
      if (c !== ' ' && c !== '\t' && c !== '\r') last = c;
    }
    // `key: |`, `- >-`: the more-indented lines that follow are text, not structure.
    if (flow === 0 && quote === '' && /(?:^|[\s:-])[|>][+-]?[0-9]?[+-]?\s*(?:#.*)?\r?$/.test(text.slice(pos + indent, end))) {
      scalarIndent = indent;
    }
    pos = end + 1;
    line++;
  }
  return undefined;
}

/** Throws the exit-2 error for a text nested deeper than `max`, located at the level that crosses it. */
export function checkNesting(text: string, file: string, max: number): void {
  const at = findTooDeep(text, max);
  if (!at) return;
  const loc: SourceLocation = { file, line: at.line, col: at.col };
  throw new ConfigError({
    message: `lists and maps are nested more than ${max} levels deep here; flatten the file, or set ${LIMIT_ENV.depth}=<levels> to raise the limit`,
    loc,
  });
}
