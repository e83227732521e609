/**
 * `keras.utils.plot_model` for kerats: the model's layers as boxes (name, class, and with shapes
 * the input and output shapes), an arrow per connection. Three renderings of one graph: Graphviz
 * DOT and Mermaid text, and a self-contained SVG laid out in layers (each layer one row below the
 * deepest of its inputs), so no Graphviz is needed.
 */
import type * as tf from '@tensorflow/tfjs';
import { formatShapes, type Shape } from './names.js';

export interface PlotNode {
  id: string;
  name: string;
  type: string;
  input: string;
  output: string;
  /** Row in the layered layout: 0 for inputs, 1 + the deepest input otherwise. */
  depth: number;
}

export interface PlotGraph {
  name: string;
  nodes: PlotNode[];
  edges: [string, string][];
}

const shapeText = (s: unknown): string => {
  if (!Array.isArray(s)) return '?';
  if (s.length > 0 && Array.isArray(s[0])) return `[${(s as Shape[]).map(formatShapes).join(', ')}]`;
  return formatShapes(s as Shape);
};

interface InboundNode { inboundLayers: tf.layers.Layer[]; inputShapes: unknown }

export function plotGraph(model: tf.LayersModel): PlotGraph {
  const layers = model.layers;
  const inModel = new Set(layers);
  const edges: [string, string][] = [];
  const depth = new Map<tf.layers.Layer, number>();
  const ids = new Map<tf.layers.Layer, string>();
  layers.forEach((l, i) => ids.set(l, `n${i}`));
  // A Sequential model's first layer has no InputLayer in `layers`: draw one, as Keras does.
  const seqInput = model.getClassName() === 'Sequential' && layers[0] && layers[0].getClassName() !== 'InputLayer';
  for (const l of layers) {
    const nodes = (l as unknown as { inboundNodes: InboundNode[] }).inboundNodes;
    let d = 0;
    for (const n of nodes) {
      for (const src of n.inboundLayers) {
        if (!inModel.has(src)) continue;
        edges.push([ids.get(src) as string, ids.get(l) as string]);
        d = Math.max(d, (depth.get(src) ?? 0) + 1);
      }
    }
    depth.set(l, d + (seqInput ? 1 : 0));
  }
  const nodes: PlotNode[] = layers.map((l) => {
    // The input shape(s) of this layer's call inside the model (a nested model has an inner call too).
    const calls = (l as unknown as { inboundNodes: InboundNode[] }).inboundNodes.filter((n) => n.inboundLayers.length > 0 && n.inboundLayers.every((s) => inModel.has(s)));
    const one = (x: unknown): unknown => (Array.isArray(x) && x.length === 1 && Array.isArray(x[0]) ? x[0] : x);
    const shapesIn = calls.map((n) => shapeText(one(n.inputShapes)));
    const ins = new Set(shapesIn).size > 1 ? 'multiple' : (shapesIn[0] ?? '?');
    return {
      id: ids.get(l) as string,
      name: l.name,
      type: l.getClassName() === 'Model' ? 'Functional' : l.getClassName(),
      input: l.getClassName() === 'InputLayer' ? shapeText(l.outputShape) : ins,
      output: safe(() => shapeText(l.outputShape)),
      depth: depth.get(l) ?? 0,
    };
  });
  if (seqInput) {
    const first = layers[0] as tf.layers.Layer;
    const shape = safe(() => shapeText((first as unknown as { batchInputShape?: unknown }).batchInputShape ?? (model.inputs[0]?.shape as unknown)));
    nodes.unshift({ id: 'input', name: `${first.name}_input`, type: 'InputLayer', input: shape, output: shape, depth: 0 });
    edges.unshift(['input', ids.get(first) as string]);
  }
  return { name: model.name, nodes, edges: dedupe(edges) };
}

function safe(f: () => string): string {
  try {
    return f();
  } catch {
    return 'multiple'; // a layer called on differently shaped inputs has no single shape (Keras says the same)
  }
}

function dedupe(edges: [string, string][]): [string, string][] {
  const seen = new Set<string>();
  return edges.filter(([a, b]) => (seen.has(`${a}>${b}`) ? false : (seen.add(`${a}>${b}`), true)));
}

const label = (n: PlotNode, shapes: boolean): string[] => (shapes ? [`${n.name} (${n.type})`, `input: ${n.input}`, `output: ${n.output}`] : [`${n.name} (${n.type})`]);

const dotEscape = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

export function toDot(g: PlotGraph, shapes = true): string {
  const lines = [`digraph "${dotEscape(g.name)}" {`, '  rankdir=TB;', '  node [shape=record, fontname="Helvetica", fontsize=11];'];
  for (const n of g.nodes) {
    const [title, ...rest] = label(n, shapes).map((t) => dotEscape(t).replace(/[{}|<>]/g, (c) => `\\${c}`));
    lines.push(`  ${n.id} [label="{${[title, ...rest].join('|')}}"];`);
  }
  for (const [a, b] of g.edges) lines.push(`  ${a} -> ${b};`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

export function toMermaid(g: PlotGraph, shapes = true): string {
  const esc = (s: string): string => s.replace(/"/g, '#quot;');
  const lines = ['flowchart TB'];
  for (const n of g.nodes) lines.push(`  ${n.id}["${label(n, shapes).map(esc).join('<br/>')}"]`);
  for (const [a, b] of g.edges) lines.push(`  ${a} --> ${b}`);
  return lines.join('\n') + '\n';
}

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Boxes in rows by depth, centred; straight arrows from the bottom of a box to the top of the next. */
export function toSvg(g: PlotGraph, shapes = true): string {
  const charW = 7;
  const lineH = 16;
  const padX = 12;
  const gapX = 30;
  const gapY = 40;
  const rows = new Map<number, PlotNode[]>();
  for (const n of g.nodes) rows.set(n.depth, [...(rows.get(n.depth) ?? []), n]);
  const boxH = (shapes ? 3 : 1) * lineH + 12;
  const widthOf = (n: PlotNode): number => Math.max(...label(n, shapes).map((t) => t.length)) * charW + 2 * padX;
  const rowWidths = [...rows.values()].map((r) => r.reduce((w, n) => w + widthOf(n), 0) + gapX * (r.length - 1));
  const width = Math.max(200, ...rowWidths) + 40;
  const pos = new Map<string, { x: number; y: number; w: number }>();
  const depths = [...rows.keys()].sort((a, b) => a - b);
  depths.forEach((d, row) => {
    const r = rows.get(d) ?? [];
    const total = r.reduce((w, n) => w + widthOf(n), 0) + gapX * (r.length - 1);
    let x = (width - total) / 2;
    for (const n of r) {
      pos.set(n.id, { x, y: 20 + row * (boxH + gapY), w: widthOf(n) });
      x += widthOf(n) + gapX;
    }
  });
  const height = 20 + depths.length * (boxH + gapY);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${height}" viewBox="0 0 ${Math.ceil(width)} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${xmlEscape(g.name)}</title>`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#333"/></marker></defs>',
  ];
  for (const [a, b] of g.edges) {
    const p = pos.get(a);
    const q = pos.get(b);
    if (!p || !q) continue;
    out.push(`<line class="edge" x1="${(p.x + p.w / 2).toFixed(1)}" y1="${p.y + boxH}" x2="${(q.x + q.w / 2).toFixed(1)}" y2="${q.y}" stroke="#333" marker-end="url(#arrow)"/>`);
  }
  for (const n of g.nodes) {
    const p = pos.get(n.id);
    if (!p) continue;
    out.push(`<g class="layer" id="${xmlEscape(n.name)}"><rect x="${p.x.toFixed(1)}" y="${p.y}" width="${p.w}" height="${boxH}" rx="4" fill="#f4f7fb" stroke="#335"/>`);
    label(n, shapes).forEach((t, i) => {
      out.push(`<text x="${(p.x + p.w / 2).toFixed(1)}" y="${p.y + 6 + lineH * (i + 0.75)}" text-anchor="middle"${i === 0 ? ' font-weight="bold"' : ''}>${xmlEscape(t)}</text>`);
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
