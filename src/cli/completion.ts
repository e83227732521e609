/** `kerats completion`: NOT YET IMPLEMENTED — placeholder registered so owners can fill it without editing main.ts. */
import type { Command } from 'commander';

export function registerCompletion(_program: Command): void {
  // Filled by the engineer who owns `kerats completion`; registers nothing until then.
}
