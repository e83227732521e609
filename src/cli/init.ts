/** `kerats init`: NOT YET IMPLEMENTED — placeholder registered so owners can fill it without editing main.ts. */
import type { Command } from 'commander';

export function registerInit(_program: Command): void {
  // Filled by the engineer who owns `kerats init`; registers nothing until then.
}
