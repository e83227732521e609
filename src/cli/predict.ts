/** `kerats predict`: NOT YET IMPLEMENTED — placeholder registered so owners can fill it without editing main.ts. */
import type { Command } from 'commander';

export function registerPredict(_program: Command): void {
  // Filled by the engineer who owns `kerats predict`; registers nothing until then.
}
