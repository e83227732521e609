/** `kerats export`: NOT YET IMPLEMENTED — placeholder registered so owners can fill it without editing main.ts. */
import type { Command } from 'commander';

export function registerExport(_program: Command): void {
  // Filled by the engineer who owns `kerats export`; registers nothing until then.
}
