/** `kerats profile`: NOT YET IMPLEMENTED — placeholder registered so owners can fill it without editing main.ts. */
import type { Command } from 'commander';

export function registerProfile(_program: Command): void {
  // Filled by the engineer who owns `kerats profile`; registers nothing until then.
}
