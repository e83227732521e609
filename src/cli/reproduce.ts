/** `kerats reproduce`: NOT YET IMPLEMENTED — placeholder registered so owners can fill it without editing main.ts. */
import type { Command } from 'commander';

export function registerReproduce(_program: Command): void {
  // Filled by the engineer who owns `kerats reproduce`; registers nothing until then.
}
