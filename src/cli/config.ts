/** `kerats config`: NOT YET IMPLEMENTED — placeholder registered so owners can fill it without editing main.ts. */
import type { Command } from 'commander';

export function registerConfig(_program: Command): void {
  // Filled by the engineer who owns `kerats config`; registers nothing until then.
}
