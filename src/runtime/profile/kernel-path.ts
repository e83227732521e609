/**
 * Which implementation each layer's last call took ("fused" native kernel or the "generic" tfjs
 * ops), with the reason when it was not the fused one; `kerats profile --verbose` prints it.
 * Layers with a fused kernel (attention, recurrent, normalization) record here as they run; the
 * registry keeps only the latest note per layer name, so it stays small over a long run.
 */
export interface PathNote {
  path: string;
  reason?: string;
}

const notes = new Map<string, PathNote>();

export function recordPath(layerName: string, path: string, reason?: string): void {
  const prev = notes.get(layerName);
  if (prev && prev.path === path && prev.reason === reason) return;
  notes.set(layerName, reason === undefined ? { path } : { path, reason });
}

/** The notes recorded so far, by layer name. */
export function recordedPaths(): ReadonlyMap<string, PathNote> {
  return notes;
}

export function clearRecordedPaths(): void {
  notes.clear();
}

/** The parts of a model's layer read here: its name, and a Bidirectional wrapper's two halves. */
interface NamedLayer {
  name: string;
  forwardLayer?: { name: string };
  backwardLayer?: { name: string };
}

/**
 * One line per recorded layer, `path: NAME: fused` or `path: NAME: generic (reason)`, what
 * `kerats profile --verbose` prints. A Bidirectional's halves record under tfjs's inner names
 * (forward_lstm_LSTM2); they are shown as the wrapper's name with (forward) / (backward).
 */
export function describePaths(layers: readonly NamedLayer[]): string[] {
  const shown = new Map<string, string>();
  for (const l of layers) {
    if (l.forwardLayer && l.backwardLayer) {
      shown.set(l.forwardLayer.name, `${l.name} (forward)`);
      shown.set(l.backwardLayer.name, `${l.name} (backward)`);
    }
  }
  return [...notes].map(([layer, note]) => `path: ${shown.get(layer) ?? layer}: ${note.path}${note.reason ? ` (${note.reason})` : ''}`);
}
