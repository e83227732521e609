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
