/**
 * A small self-contained SVG line chart of one logged quantity per epoch (train and validation),
 * for the run report: no library and no fonts to load, so the report stays one file that opens
 * anywhere. Epochs on x (1-based, first and last labelled), values on y (lowest, middle, highest).
 */
const W = 340;
const H = 190;
const PAD = { left: 56, right: 12, top: 26, bottom: 30 };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1000 || a < 1e-3 ? v.toExponential(2) : v.toPrecision(3);
}

export interface Series {
  name: string;
  values: number[];
  color: string;
}

export function lineChartSvg(title: string, series: Series[]): string {
  const n = Math.max(...series.map((s) => s.values.length));
  const finite = series.flatMap((s) => s.values).filter(Number.isFinite);
  const lo = finite.length ? Math.min(...finite) : 0;
  const hi = finite.length ? Math.max(...finite) : 1;
  const span = hi - lo || Math.abs(hi) || 1;
  const x = (i: number) => PAD.left + (n > 1 ? (i * (W - PAD.left - PAD.right)) / (n - 1) : (W - PAD.left - PAD.right) / 2);
  const y = (v: number) => PAD.top + (1 - (v - (hi === lo ? lo - span / 2 : lo)) / (hi === lo ? span : span)) * (H - PAD.top - PAD.bottom);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">`,
    `<text x="${PAD.left}" y="16" font-weight="bold">${esc(title)}</text>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}" stroke="#999"/>`,
    `<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}" stroke="#999"/>`,
  ];
  for (const v of hi === lo ? [lo] : [hi, (hi + lo) / 2, lo]) {
    parts.push(`<text x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="tick">${fmt(v)}</text>`);
    parts.push(`<line x1="${PAD.left}" y1="${y(v).toFixed(1)}" x2="${W - PAD.right}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`);
  }
  parts.push(`<text x="${x(0).toFixed(1)}" y="${H - 12}" text-anchor="middle" class="tick">1</text>`);
  if (n > 1) parts.push(`<text x="${x(n - 1).toFixed(1)}" y="${H - 12}" text-anchor="middle" class="tick">${n}</text>`);
  parts.push(`<text x="${(W + PAD.left) / 2}" y="${H - 2}" text-anchor="middle" class="tick">epoch</text>`);
  series.forEach((s, k) => {
    const pts = s.values.map((v, i) => (Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : '')).filter(Boolean);
    if (pts.length > 1) parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.join(' ')}"/>`);
    for (const p of pts) {
      const [cx, cy] = p.split(',');
      parts.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${s.color}"/>`);
    }
    parts.push(`<rect x="${W - PAD.right - 110}" y="${8 + k * 13}" width="10" height="3" fill="${s.color}"/><text x="${W - PAD.right - 96}" y="${13 + k * 13}" class="tick">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
