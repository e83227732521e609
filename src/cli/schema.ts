/** `kerats schema`: NOT YET IMPLEMENTED — placeholder registered so owners can fill it without editing main.ts. */
import type { Command } from 'commander';

export function registerSchema(_program: Command): void {
  // Filled by the engineer who owns `kerats schema`; registers nothing until then.
}
