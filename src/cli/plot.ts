/** `kerats plot`: NOT YET IMPLEMENTED — placeholder registered so owners can fill it without editing main.ts. */
import type { Command } from 'commander';

export function registerPlot(_program: Command): void {
  // Filled by the engineer who owns `kerats plot`; registers nothing until then.
}
