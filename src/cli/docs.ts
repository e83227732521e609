/** `kerats docs`: NOT YET IMPLEMENTED — placeholder registered so owners can fill it without editing main.ts. */
import type { Command } from 'commander';

export function registerDocs(_program: Command): void {
  // Filled by the engineer who owns `kerats docs`; registers nothing until then.
}
