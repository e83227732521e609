/** `kerats plot-model`: NOT YET IMPLEMENTED — placeholder registered so owners can fill it without editing main.ts. */
import type { Command } from 'commander';

export function registerPlotModel(_program: Command): void {
  // Filled by the engineer who owns `kerats plot-model`; registers nothing until then.
}
