/** `kerats evaluate`: NOT YET IMPLEMENTED — placeholder registered so owners can fill it without editing main.ts. */
import type { Command } from 'commander';

export function registerEvaluate(_program: Command): void {
  // Filled by the engineer who owns `kerats evaluate`; registers nothing until then.
}
