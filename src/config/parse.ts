/**
 * YAML/JSON text → located tree. JSON goes through the YAML parser too (JSON is YAML's flow
 * style), so JSON syntax errors get a line and column as well. Parser messages are rewritten in
 * plain words and pointed at the offending text.
 */
import { isNode, LineCounter, parseDocument, visit, type YAMLError } from 'yaml';
import { ConfigError, type Problem } from '../util/errors.js';
import { inputLimits, LIMIT_ENV, type InputLimits } from './limits.js';
import { toLocated, type LNode } from './locate.js';
import { checkNesting } from './nesting.js';

/**
 * Parses a config's text. Nesting is measured first (no parser recursion on a `[[[[...` bomb), and
 * alias expansion is bounded (no "billion laughs"); both limits come from the environment.
 */
export function parseConfigText(text: string, file: string, limits: InputLimits = inputLimits()): LNode {
  checkNesting(text, file, limits.depth);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, merge: true, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // Only the first: after a syntax error the parser's further complaints are mostly echoes of it.
    const first = syntaxProblem(doc.errors[0] as YAMLError, text, file);
    throw new ConfigError(file.toLowerCase().endsWith('.json') ? (jsonProblem(text, file, lines) ?? first) : first);
  }
  const tag = unknownTag(doc, lines, file, text);
  if (tag) throw new ConfigError(tag);
  try {
    // Only for its guard: throws on alias bombs ("billion laughs") before we expand anything.
    doc.toJS({ maxAliasCount: limits.aliases });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const message = /resource exhaustion/.test(msg)
      ? `the config expands YAML aliases more than ${limits.aliases} times (an alias bomb?); write the values out, or set ${LIMIT_ENV.aliases}=<count> to raise the limit`
      : `cannot read the YAML: ${msg}`;
    throw new ConfigError({ message, loc: firstAlias(text, lines, file) });
  }
  const root = toLocated(doc, lines, file, limits);
  if (root === undefined) throw new ConfigError({ message: 'the config file is empty', loc: { file, line: 1, col: 1 } });
  return root;
}

/** The YAML tags a config may use: the plain kinds (`!!str 5` makes a string, `!!int "3"` a number). */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

/**
 * A tag kerats does not define (`epochs: !custom 60`, `!!binary`, `!!set`): an error naming the
 * tag, rather than the tagged value read as a string and refused for its type.
 */
function unknownTag(doc: ReturnType<typeof parseDocument>, lines: LineCounter, file: string, text: string): Problem | undefined {
  let found: Problem | undefined;
  visit(doc, (_key, node) => {
    if (!isNode(node) || !node.tag || CORE_TAGS.has(node.tag)) return undefined;
    const shown = node.tag.replace(/^tag:yaml\.org,2002:/, '!!');
    // The node's range starts at its value; the tag is written just before it.
    const start = node.range?.[0] ?? 0;
    const written = text.lastIndexOf(shown, start);
    const p = lines.linePos(written >= 0 ? written : start);
    found = {
      message: `unknown YAML tag "${shown}": kerats defines no tags; remove "${shown}" and write the plain value` + (shown.startsWith('!!') ? '' : ' (or quote the whole value to keep it as text)'),
      loc: { file, line: p.line, col: p.col },
    };
    return visit.BREAK;
  });
  return found;
}

/** Where the first `*alias` is (the place an alias bomb starts), else the top of the file. */
function firstAlias(text: string, lines: LineCounter, file: string): { file: string; line: number; col: number } {
  const m = /(^|[\s,[{:-])\*[^\s,[\]{}]+/m.exec(text);
  if (!m) return { file, line: 1, col: 1 };
  const p = lines.linePos(m.index + (m[1] ?? "").length);
  return { file, line: p.line, col: p.col };
}

/** For .json files, JSON's own wording ("expected ',' or '}' after property value"), where it has one. */
function jsonProblem(text: string, file: string, lines: LineCounter): Problem | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const offset = / in JSON at position (\d+)/.exec(msg)?.[1];
    if (offset === undefined) return undefined;
    const p = lines.linePos(Number(offset));
    const message = msg.replace(/ in JSON at position \d+.*$/s, '');
    return { message: `invalid JSON: ${lowerFirst(message)}`, loc: { file, line: p.line, col: p.col } };
  }
}

function syntaxProblem(e: YAMLError, text: string, file: string): Problem {
  const pos = e.linePos?.[0];
  const loc = pos ? { file, line: pos.line, col: pos.col } : undefined;
  return { message: `invalid YAML/JSON: ${plainMessage(e, text)}${outputIndexHint(text, pos?.line)}`, loc };
}

/** `inputs: [encoder_lstm[1], x]`: in flow style, YAML reads the `[` of an output index as a nested list. */
function outputIndexHint(text: string, line: number | undefined): string {
  const l = line === undefined ? '' : (text.split('\n')[line - 1] ?? '');
  const m = /[[{][^"']*?(?<!["'\w.@-])([\w.@-]+\[\d+\])/.exec(l);
  return m ? `; inside {...} or [...], quote a name with an output index: "${m[1]}" (or write that value in block style, one item per line)` : '';
}

/** The parser's message without its own position and code excerpt, reworded for common cases. */
function plainMessage(e: YAMLError, text: string): string {
  const first = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '').trim();
  const snippet = text.slice(e.pos[0], Math.max(e.pos[1], e.pos[0] + 1)).split('\n')[0] ?? '';
  switch (e.code) {
    case 'DUPLICATE_KEY':
      return `key ${JSON.stringify(keyAt(text, e.pos[0]))} appears twice in the same map; keep only one`;
    case 'TAB_AS_INDENT':
      return 'tabs are not allowed for indentation in YAML; indent with spaces';
    case 'BAD_INDENT':
      return `${lowerFirst(first)} (check the indentation of this line)`;
    case 'MULTIPLE_DOCS':
      return 'the file holds more than one YAML document ("---"); a config is a single document';
    case 'BLOCK_AS_IMPLICIT_KEY':
      return 'a nested map cannot start on the same line as its key; put it on the next line, indented, or use {braces}';
    case 'MISSING_CHAR':
      return lowerFirst(first);
    case 'UNEXPECTED_TOKEN':
      return snippet.trim() ? `unexpected ${JSON.stringify(snippet.trim())}` : lowerFirst(first);
    default:
      return lowerFirst(first);
  }
}

function keyAt(text: string, offset: number): string {
  const rest = text.slice(offset).split('\n')[0] ?? '';
  const m = /^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^:]+?)\s*:/.exec(rest);
  const raw = m?.[1] ?? rest.trim();
  return raw.replace(/^["']|["']$/g, '');
}

function lowerFirst(s: string): string {
  return s.length > 1 && /^[A-Z][a-z]/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s;
}
