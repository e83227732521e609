/** Placeholder until the wasm-kernels work lands: registers nothing. */
export function registerWasmTrainingKernels(): string[] {
  return [];
}
