/**
 * A small, hand-written parser for Lambda expressions such as `x * 2 + 1` or
 * `mean(square(x), axis=1)`. It never evaluates text (no eval, no Function): it builds a tree that
 * `evaluate.ts` walks with tfjs ops, so a config can only ever compute tensor arithmetic.
 *
 * Grammar (precedence low → high):
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/') unary)*
 *   unary   := ('-' | '+') unary | power
 *   power   := postfix (('**' | '^') unary)?        right-associative, like Python
 *   postfix := primary ('[' integer ']')?           x[0]: one input of a multi-input Lambda
 *   primary := number | name | name '(' args ')' | '(' expr ')'
 *   args    := arg (',' arg)* ; arg := expr | name '=' expr
 */

export type Node =
  | { kind: 'num'; value: number; pos: number }
  | { kind: 'name'; name: string; pos: number }
  | { kind: 'index'; target: Node; index: number; pos: number }
  | { kind: 'unary'; op: '-'; arg: Node; pos: number }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/' | '**'; left: Node; right: Node; pos: number }
  | { kind: 'call'; name: string; args: Node[]; kwargs: Record<string, Node>; pos: number };

/** A problem in an expression, at a 0-based character offset. */
export class ExprError extends Error {
  constructor(message: string, readonly pos: number) {
    super(message);
    this.name = 'ExprError';
  }
}

interface Token {
  kind: 'num' | 'name' | 'op' | 'end';
  text: string;
  pos: number;
}

const OPS = ['**', '+', '-', '*', '/', '^', '(', ')', ',', '=', '[', ']'];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) { i++; continue; }
    const num = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ kind: 'num', text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (name) {
      out.push({ kind: 'name', text: name[0], pos: i });
      i += name[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExprError(`unexpected character "${c}"`, i);
    out.push({ kind: 'op', text: op, pos: i });
    i += op.length;
  }
  out.push({ kind: 'end', text: '', pos: src.length });
  return out;
}

/** Parses `src` into a tree, or throws an ExprError at the offending character. */
export function parseExpr(src: string): Node {
  const toks = tokenize(src);
  let k = 0;
  const peek = (): Token => toks[k] as Token;
  const next = (): Token => toks[k++] as Token;
  const isOp = (text: string): boolean => peek().kind === 'op' && peek().text === text;
  const describe = (t: Token): string => (t.kind === 'end' ? 'the end of the expression' : `"${t.text}"`);
  const expect = (text: string, what: string): void => {
    if (!isOp(text)) throw new ExprError(`expected "${text}" ${what}, found ${describe(peek())}`, peek().pos);
    next();
  };

  function expr(): Node {
    let left = term();
    while (isOp('+') || isOp('-')) {
      const t = next();
      left = { kind: 'binary', op: t.text as '+' | '-', left, right: term(), pos: t.pos };
    }
    return left;
  }
  function term(): Node {
    let left = unary();
    while (isOp('*') || isOp('/')) {
      const t = next();
      left = { kind: 'binary', op: t.text as '*' | '/', left, right: unary(), pos: t.pos };
    }
    return left;
  }
  function unary(): Node {
    if (isOp('-')) {
      const t = next();
      return { kind: 'unary', op: '-', arg: unary(), pos: t.pos };
    }
    if (isOp('+')) { next(); return unary(); }
    return power();
  }
  function power(): Node {
    const base = postfix();
    if (isOp('**') || isOp('^')) {
      const t = next();
      return { kind: 'binary', op: '**', left: base, right: unary(), pos: t.pos };
    }
    return base;
  }
  function postfix(): Node {
    const p = primary();
    if (!isOp('[')) return p;
    const open = next();
    const t = next();
    if (t.kind !== 'num' || !/^\d+$/.test(t.text)) throw new ExprError(`expected an input index such as x[0], found ${describe(t)}`, t.pos);
    expect(']', 'to close the index');
    return { kind: 'index', target: p, index: Number(t.text), pos: open.pos };
  }
  function primary(): Node {
    const t = next();
    if (t.kind === 'num') return { kind: 'num', value: Number(t.text), pos: t.pos };
    if (t.kind === 'name') {
      if (!isOp('(')) return { kind: 'name', name: t.text, pos: t.pos };
      next();
      const args: Node[] = [];
      const kwargs: Record<string, Node> = {};
      if (!isOp(')')) {
        for (;;) {
          const a = peek();
          const b = toks[k + 1];
          if (a.kind === 'name' && b?.kind === 'op' && b.text === '=') {
            next(); next();
            kwargs[a.text] = expr();
          } else {
            if (Object.keys(kwargs).length > 0) throw new ExprError('a positional argument cannot follow a keyword argument', a.pos);
            args.push(expr());
          }
          if (!isOp(',')) break;
          next();
        }
      }
      expect(')', `to close the call to ${t.text}(`);
      return { kind: 'call', name: t.text, args, kwargs, pos: t.pos };
    }
    if (t.kind === 'op' && t.text === '(') {
      const inner = expr();
      expect(')', 'to close "("');
      return inner;
    }
    throw new ExprError(`expected a number, a name or "(", found ${describe(t)}`, t.pos);
  }

  if (peek().kind === 'end') throw new ExprError('the expression is empty', 0);
  const tree = expr();
  if (peek().kind !== 'end') throw new ExprError(`unexpected ${describe(peek())} after a complete expression`, peek().pos);
  return tree;
}
