/**
 * `keras.utils.plot_model` for kerats: the model's layers as boxes (name, class, and with shapes
 * the input and output shapes), an arrow per connection. Three renderings of one graph: Graphviz
 * DOT and Mermaid text, and a self-contained SVG (PNG via resvg) laid out by ELK with edges routed
 * around the boxes (layout.ts), so no Graphviz is needed.
 */
import type * as tf from '@tensorflow/tfjs';
import { boxLines, layoutGraph, LINE_H, type GraphLayout } from './layout.js';
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
    // No call inside the model: a Sequential model's first layer, fed by the input drawn below.
    const outside = (l as unknown as { inboundNodes: InboundNode[] }).inboundNodes.map((n) => shapeText(one(n.inputShapes)));
    const ins = new Set(shapesIn).size > 1 ? 'multiple' : (shapesIn[0] ?? outside[0] ?? '?');
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

const label = boxLines;

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

/**
 * The graph as a self-contained SVG: boxes where ELK placed them, each edge an orthogonal path
 * routed around the boxes (layout.ts), ending in an arrow head.
 */
export async function toSvg(g: PlotGraph, shapes = true): Promise<string> {
  return layoutToSvg(g, await layoutGraph(g, shapes), shapes);
}

export function layoutToSvg(g: PlotGraph, layout: GraphLayout, shapes = true): string {
  const { width, height } = layout;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${xmlEscape(g.name)}</title>`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#333"/></marker></defs>',
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  for (const e of layout.edges) {
    const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'} ${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(' ');
    out.push(`<path class="edge" data-from="${e.from}" data-to="${e.to}" d="${d}" fill="none" stroke="#333" marker-end="url(#arrow)"/>`);
  }
  const boxes = new Map(layout.boxes.map((b) => [b.id, b]));
  for (const n of g.nodes) {
    const b = boxes.get(n.id);
    if (!b) continue;
    out.push(`<g class="layer" id="${xmlEscape(n.name)}"><rect x="${b.x.toFixed(1)}" y="${b.y.toFixed(1)}" width="${b.w}" height="${b.h}" rx="4" fill="#f4f7fb" stroke="#335"/>`);
    label(n, shapes).forEach((t, i) => {
      out.push(`<text x="${(b.x + b.w / 2).toFixed(1)}" y="${(b.y + 6 + LINE_H * (i + 0.75)).toFixed(1)}" text-anchor="middle"${i === 0 ? ' font-weight="bold"' : ''}>${xmlEscape(t)}</text>`);
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
