/**
 * The backend names, apart from backend.ts so the command line can offer them (`--backend`)
 * without loading TensorFlow.js: `kerats --help` must answer at once.
 */
export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendChoice = BackendName | 'auto';
