/**
 * The model graph laid out by ELK's layered algorithm (elkjs: the Eclipse Layout Kernel, the
 * Sugiyama-style layout Graphviz's `dot` also uses): layers top to bottom, crossings minimised,
 * and edges routed orthogonally through the gaps between boxes (an edge that skips rows, like a
 * Transformer's residual connection or the headline model's aux input, goes around the boxes in
 * between instead of through them). The result is plain coordinates, which the SVG renderer draws
 * and the tests check.
 */
import elkModule from 'elkjs';
import type { ElkNode } from 'elkjs';

// elkjs is CommonJS whose module.exports is the constructor, also set as its `default`; the types
// describe only the ES default, so take the constructor from either place.
type ElkConstructor = new () => { layout(graph: ElkNode): Promise<ElkNode> };
const ELK = ((elkModule as unknown as { default?: ElkConstructor }).default ?? elkModule) as unknown as ElkConstructor;
import type { PlotGraph, PlotNode } from './plot.js';

export interface Box {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface RoutedEdge {
  from: string;
  to: string;
  /** Polyline from the source box's border to the target box's border. */
  points: { x: number; y: number }[];
}

export interface GraphLayout {
  width: number;
  height: number;
  boxes: Box[];
  edges: RoutedEdge[];
}

/** Text metrics of the SVG renderer (12 px Helvetica/Arial): an average character and a line. */
export const CHAR_W = 7;
export const LINE_H = 16;
const PAD_X = 12;
const MARGIN = 20;

export function boxLines(n: PlotNode, shapes: boolean): string[] {
  return shapes ? [`${n.name} (${n.type})`, `input: ${n.input}`, `output: ${n.output}`] : [`${n.name} (${n.type})`];
}

export async function layoutGraph(g: PlotGraph, shapes: boolean): Promise<GraphLayout> {
  const size = (n: PlotNode) => {
    const lines = boxLines(n, shapes);
    return { width: Math.max(...lines.map((t) => t.length)) * CHAR_W + 2 * PAD_X, height: lines.length * LINE_H + 12 };
  };
  const elk = new ELK();
  const laid = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.padding': `[top=${MARGIN},left=${MARGIN},bottom=${MARGIN},right=${MARGIN}]`,
      'elk.spacing.nodeNode': '30',
      'elk.layered.spacing.nodeNodeBetweenLayers': '40',
      'elk.spacing.edgeNode': '15',
      'elk.layered.spacing.edgeNodeBetweenLayers': '15',
      'elk.spacing.edgeEdge': '10',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      // The order of the config (inputs left to right as written) where the graph allows it.
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    },
    children: g.nodes.map((n) => ({ id: n.id, ...size(n) })),
    edges: g.edges.map(([a, b], i) => ({ id: `e${i}`, sources: [a], targets: [b] })),
  });
  const boxes: Box[] = (laid.children ?? []).map((c) => ({ id: c.id, x: c.x ?? 0, y: c.y ?? 0, w: c.width ?? 0, h: c.height ?? 0 }));
  const edges: RoutedEdge[] = (laid.edges ?? []).map((e, i) => {
    const [from, to] = g.edges[i] as [string, string];
    const points = (e.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]);
    return { from, to, points };
  });
  return { width: Math.ceil(laid.width ?? 0), height: Math.ceil(laid.height ?? 0), boxes, edges };
}

/**
 * Edge segments that pass through a box other than their own ends' (touching a border does not
 * count): what a reader would misread as a connection. Empty for a good layout.
 */
export function edgesThroughBoxes(layout: GraphLayout): { edge: string; box: string }[] {
  const hits: { edge: string; box: string }[] = [];
  for (const e of layout.edges) {
    for (const b of layout.boxes) {
      if (b.id === e.from || b.id === e.to) continue;
      for (let i = 0; i + 1 < e.points.length; i++) {
        if (segmentEntersBox(e.points[i] as { x: number; y: number }, e.points[i + 1] as { x: number; y: number }, b)) {
          hits.push({ edge: `${e.from}->${e.to}`, box: b.id });
          break;
        }
      }
    }
  }
  return hits;
}

/** Whether segment p–q passes through the inside of box b (Liang–Barsky clipping against the open box). */
function segmentEntersBox(p: { x: number; y: number }, q: { x: number; y: number }, b: Box): boolean {
  const eps = 0.5;
  const [x0, x1, y0, y1] = [b.x + eps, b.x + b.w - eps, b.y + eps, b.y + b.h - eps];
  let t0 = 0;
  let t1 = 1;
  const dx = q.x - p.x;
  const dy = q.y - p.y;
  for (const [pk, qk] of [[-dx, p.x - x0], [dx, x1 - p.x], [-dy, p.y - y0], [dy, y1 - p.y]] as const) {
    if (pk === 0) {
      if (qk < 0) return false;
      continue;
    }
    const r = qk / pk;
    if (pk < 0) t0 = Math.max(t0, r);
    else t1 = Math.min(t1, r);
    if (t0 > t1) return false;
  }
  return t0 < t1;
}
