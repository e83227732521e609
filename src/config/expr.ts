/**
 * The arithmetic allowed in `${...}` inside reusable blocks: numbers, parameter names,
 * `+ - * / // % **`, unary minus, parentheses and `min(...)`, `max(...)`, `int(...)`, and the
 * shapes of the block's tensors as Keras writes them: `input.shape[-1]` (batch dimension first, so
 * `input.shape[0]` is None) and `len(input.shape)`. A hand-written
 * recursive-descent parser: configs never run JavaScript, and an expression can only compute a
 * number from the block's parameters. Python semantics where they differ from JavaScript (`//`
 * floors, `%` takes the divisor's sign, `**` is right-associative), since Keras users write Python.
 */

export type ExprValue = number | string | boolean;

export class ExprError extends Error {}

/** A tensor's shape with its batch dimension first, null where unknown (Keras's None). */
export type TensorShape = readonly (number | null)[];

/** Shapes by the name an expression uses for a tensor (`input`, `query`, a local layer). */
export type ShapeScope = Record<string, TensorShape>;

/** `input.shape[1]` is None: the dimension is unknown until data arrives, so no number can be made of it. */
export class UnknownDimension extends ExprError {}

type Tok = { kind: 'num'; value: number } | { kind: 'name'; value: string } | { kind: 'op'; value: string };

function tokenize(text: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) { i++; continue; }
    const num = /^(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?)/i.exec(text.slice(i));
    if (num) { toks.push({ kind: 'num', value: Number(num[0]) }); i += num[0].length; continue; }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (name) { toks.push({ kind: 'name', value: name[0] }); i += name[0].length; continue; }
    const op = ['**', '//'].find((o) => text.startsWith(o, i)) ?? ('+-*/%(),.[]'.includes(c) ? c : undefined);
    if (!op) throw new ExprError(`unexpected character "${c}" in "${text}"; expressions allow numbers, parameter names, + - * / // % ** ( ), min/max/int/len and input.shape[i]`);
    toks.push({ kind: 'op', value: op });
    i += op.length;
  }
  return toks;
}

const FUNCTIONS: Record<string, (args: number[]) => number> = {
  min: (a) => Math.min(...a),
  max: (a) => Math.max(...a),
  int: (a) => Math.trunc(a[0] ?? NaN),
};

/** Python's modulo: the result has the divisor's sign. */
const pyMod = (a: number, b: number): number => a - b * Math.floor(a / b);

/**
 * Evaluates `text` with `params` bound and `shapes` for `NAME.shape`. A lone parameter name returns
 * its value as is (which may be a string, such as an activation name); arithmetic needs numbers.
 */
export function evaluate(text: string, params: Record<string, ExprValue>, shapes: ShapeScope = {}): ExprValue {
  const toks = tokenize(text);
  let pos = 0;
  const peek = (): Tok | undefined => toks[pos];
  const isOp = (v: string): boolean => { const t = peek(); return t?.kind === 'op' && t.value === v; };
  const expect = (v: string): void => {
    if (!isOp(v)) throw new ExprError(`expected "${v}" in "${text}"`);
    pos++;
  };
  const num = (v: ExprValue, what: string): number => {
    if (typeof v !== 'number') throw new ExprError(`${what} is ${JSON.stringify(v)}, not a number, in "${text}"`);
    return v;
  };

  const primary = (): ExprValue => {
    const t = peek();
    if (!t) throw new ExprError(`"${text}" ends too early`);
    pos++;
    if (t.kind === 'num') return t.value;
    if (t.kind === 'name') {
      if (t.value === 'len' && isOp('(')) {
        pos++;
        const shape = shapeOf();
        expect(')');
        return shape.length;
      }
      if (isOp('.')) {
        pos--;
        const shape = shapeOf();
        if (!isOp('[')) throw new ExprError(`"${t.value}.shape" is a whole shape; take one dimension (${t.value}.shape[-1]) or its rank (len(${t.value}.shape)) in "${text}"`);
        pos++;
        const iv = num(additive(), 'a shape index');
        expect(']');
        const k = iv < 0 ? shape.length + iv : iv;
        if (!Number.isInteger(iv) || k < 0 || k >= shape.length) {
          throw new ExprError(`${t.value}.shape[${iv}] is out of range: ${t.value}'s shape ${formatDims(shape)} has ${shape.length} dimensions (indices ${-shape.length} to ${shape.length - 1}), in "${text}"`);
        }
        const d = shape[k];
        if (d === null || d === undefined) {
          throw new UnknownDimension(`${t.value}.shape[${iv}] is None (unknown until data arrives) in ${t.value}'s shape ${formatDims(shape)}, and "${text}" needs a number; ` +
            (k === 0 ? 'index 0 is the batch dimension (Keras counts it): count from the end, e.g. shape[-1]' : 'give the model input a fixed size in that dimension'));
        }
        return d;
      }
      if (isOp('(')) {
        const f = FUNCTIONS[t.value];
        if (!f) throw new ExprError(`unknown function "${t.value}" in "${text}"; available: min, max, int, len`);
        pos++;
        const args: number[] = [];
        if (!isOp(')')) {
          for (;;) {
            args.push(num(additive(), `an argument of ${t.value}()`));
            if (!isOp(',')) break;
            pos++;
          }
        }
        expect(')');
        if (args.length === 0) throw new ExprError(`${t.value}() needs at least one argument in "${text}"`);
        return f(args);
      }
      // Own properties only: `constructor` and other prototype names are not parameters.
      if (!Object.prototype.hasOwnProperty.call(params, t.value)) throw new UnknownName(t.value);
      return params[t.value] as ExprValue;
    }
    if (t.value === '(') {
      const v = additive();
      expect(')');
      return v;
    }
    throw new ExprError(`unexpected "${t.value}" in "${text}"`);
  };
  /** `NAME.shape`: the shape of one of the block's tensors. */
  const shapeOf = (): TensorShape => {
    const n = peek();
    if (n?.kind !== 'name') throw new ExprError(`len() takes a shape, e.g. len(input.shape), in "${text}"`);
    pos++;
    expect('.');
    const attr = peek();
    if (attr?.kind !== 'name' || attr.value !== 'shape') throw new ExprError(`"${n.value}." can only be followed by "shape" (${n.value}.shape[-1]) in "${text}"`);
    pos++;
    if (!Object.prototype.hasOwnProperty.call(shapes, n.value)) throw new UnknownName(n.value);
    return shapes[n.value] as TensorShape;
  };
  const unary = (): ExprValue => {
    if (isOp('-')) { pos++; return -num(unary(), 'the operand of "-"'); }
    if (isOp('+')) { pos++; return num(unary(), 'the operand of "+"'); }
    return power();
  };
  const power = (): ExprValue => {
    const base = primary();
    if (!isOp('**')) return base;
    pos++;
    return num(base, 'the base of "**"') ** num(unary(), 'the exponent of "**"');
  };
  const multiplicative = (): ExprValue => {
    let left = unary();
    for (;;) {
      const t = peek();
      if (t?.kind !== 'op' || !['*', '/', '//', '%'].includes(t.value)) return left;
      pos++;
      const a = num(left, `the left side of "${t.value}"`);
      const b = num(unary(), `the right side of "${t.value}"`);
      if (b === 0 && t.value !== '*') throw new ExprError(`division by zero in "${text}"`);
      left = t.value === '*' ? a * b : t.value === '/' ? a / b : t.value === '//' ? Math.floor(a / b) : pyMod(a, b);
    }
  };
  const additive = (): ExprValue => {
    let left = multiplicative();
    for (;;) {
      const t = peek();
      if (t?.kind !== 'op' || (t.value !== '+' && t.value !== '-')) return left;
      pos++;
      const a = num(left, `the left side of "${t.value}"`);
      const b = num(multiplicative(), `the right side of "${t.value}"`);
      left = t.value === '+' ? a + b : a - b;
    }
  };

  if (toks.length === 0) throw new ExprError('empty expression "${}"');
  const v = additive();
  const rest = peek();
  if (rest) throw new ExprError(`unexpected "${rest.value}" in "${text}"`);
  if (typeof v === 'number' && !Number.isFinite(v)) throw new ExprError(`"${text}" is not a finite number`);
  return v;
}

/** A name that is not a parameter: the caller says which parameters exist. */
export class UnknownName extends ExprError {
  constructor(readonly param: string) {
    super(`unknown parameter "${param}"`);
  }
}

/** `(None, 10, 64)`: Keras's notation. */
function formatDims(shape: TensorShape): string {
  const dims = shape.map((d) => (d === null ? 'None' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

const isOpTok = (t: Tok | undefined, v: string): boolean => t?.kind === 'op' && t.value === v;

/** The parameter names an expression mentions (functions, `.shape` and the tensors before it excluded). */
export function namesIn(text: string): string[] {
  try {
    const toks = tokenize(text);
    return toks.filter((t, i) => t.kind === 'name' && !isOpTok(toks[i + 1], '(') && !isOpTok(toks[i + 1], '.') && !isOpTok(toks[i - 1], '.')).map((t) => String(t.value));
  } catch {
    return [];
  }
}

/** The tensors an expression takes the shape of (`input` in `input.shape[-1]`). */
export function shapeNamesIn(text: string): string[] {
  try {
    const toks = tokenize(text);
    return toks.filter((t, i) => t.kind === 'name' && isOpTok(toks[i + 1], '.')).map((t) => String(t.value));
  } catch {
    return [];
  }
}
