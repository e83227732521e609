/** `kerats tune`: NOT YET IMPLEMENTED — placeholder registered so owners can fill it without editing main.ts. */
import type { Command } from 'commander';

export function registerTune(_program: Command): void {
  // Filled by the engineer who owns `kerats tune`; registers nothing until then.
}
