/**
 * Keras's checkpoint file names: `ckpt-{epoch:02d}-{val_loss:.3f}` is Python's `str.format` with
 * the epoch (1-based), the batch and the logged values. This implements the format-spec mini
 * language for numbers: [[fill]align][sign][0][width][,][.precision][type], types d f F e E g G % s.
 */
import { ConfigError } from '../../util/errors.js';
import { didYouMean } from '../../util/suggest.js';

const SPEC = /^(?:(.)?([<>=^]))?([+\- ])?(0)?(\d+)?(,)?(?:\.(\d+))?([dfFeEgG%sn])?$/;

/** Python's `%e` exponent has at least two digits: 1.5e-05. */
function pyExp(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function formatGeneral(v: number, precision: number): string {
  const p = precision === 0 ? 1 : precision;
  if (v === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -4 || exp >= p) return pyExp(v.toExponential(p - 1).replace(/\.?0+e/, 'e'));
  return String(Number(v.toPrecision(p)));
}

/** Formats one value with a Python format spec (the part after `:`). */
export function formatSpec(value: number | string, spec: string, field: string): string {
  const m = SPEC.exec(spec);
  if (!m) throw new ConfigError(`filepath: cannot read the format spec "{${field}:${spec}}"; use e.g. {epoch:02d} or {val_loss:.4f}`);
  const [, fillCh, align, sign, zero, widthS, comma, precS, type] = m;
  const width = widthS ? Number(widthS) : 0;
  const precision = precS !== undefined ? Number(precS) : undefined;
  let body: string;
  let negative = false;
  if (typeof value === 'string' || type === 's') {
    body = String(value);
  } else {
    negative = value < 0 || Object.is(value, -0);
    const v = Math.abs(value);
    if (!Number.isFinite(v)) body = Number.isNaN(v) ? 'nan' : 'inf';
    else if (type === 'd' || type === 'n') {
      if (!Number.isInteger(value)) throw new ConfigError(`filepath: {${field}:${spec}} needs an integer, but ${field} is ${value}`);
      body = String(v);
    } else if (type === 'f' || type === 'F') body = v.toFixed(precision ?? 6);
    else if (type === 'e' || type === 'E') body = pyExp(v.toExponential(precision ?? 6));
    else if (type === '%') body = (v * 100).toFixed(precision ?? 6) + '%';
    else if (type === 'g' || type === 'G') body = formatGeneral(v, precision ?? 6);
    else body = precision !== undefined ? formatGeneral(v, precision) : Number.isInteger(v) ? String(v) : String(v);
    if (type === 'E' || type === 'G' || type === 'F') body = body.toUpperCase();
    if (comma) body = body.replace(/^(\d+)/, (d) => d.replace(/\B(?=(\d{3})+(?!\d))/g, ','));
  }
  const signStr = negative ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
  const fill = fillCh ?? (zero && !align ? '0' : ' ');
  const al = align ?? (zero ? '=' : typeof value === 'string' ? '<' : '>');
  const pad = Math.max(0, width - signStr.length - body.length);
  const padding = fill.repeat(pad);
  if (al === '=') return signStr + padding + body;
  if (al === '<') return signStr + body + padding;
  if (al === '^') return fill.repeat(Math.floor(pad / 2)) + signStr + body + fill.repeat(pad - Math.floor(pad / 2));
  return padding + signStr + body;
}

/** Fills `{name}` / `{name:spec}` fields from `values`; `{{` and `}}` are literal braces. */
export function fillTemplate(template: string, values: Record<string, number | string>): string {
  return template.replace(/\{\{|\}\}|\{([^{}:]*)(?::([^{}]*))?\}/g, (whole, name: string | undefined, spec: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    const key = (name ?? '').trim();
    const value = values[key];
    if (value === undefined) {
      const known = Object.keys(values);
      throw new ConfigError(
        `filepath "${template}" uses {${key}}, which is not logged; available: ${known.join(', ')}${didYouMean(key, known)}`,
      );
    }
    return spec === undefined || spec === '' ? String(value) : formatSpec(value, spec, key);
  });
}
