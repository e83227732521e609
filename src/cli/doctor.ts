/** `kerats doctor`: NOT YET IMPLEMENTED — placeholder registered so owners can fill it without editing main.ts. */
import type { Command } from 'commander';

export function registerDoctor(_program: Command): void {
  // Filled by the engineer who owns `kerats doctor`; registers nothing until then.
}
