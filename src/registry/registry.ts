/**
 * A name → entry map that resolves names the way kerats promises: exact, then case-insensitive,
 * then through aliases; unknown names get a did-you-mean.
 */
import { didYouMean } from '../util/suggest.js';
import type { RegistryEntry } from './types.js';

export class Registry<T extends RegistryEntry> {
  private readonly byKey = new Map<string, T>();
  private readonly entries: T[] = [];

  /** @param kind What the entries are, for messages: "layer", "optimizer", "loss". */
  constructor(readonly kind: string) {}

  register(entry: T): this {
    for (const n of [entry.name, ...(entry.aliases ?? [])]) {
      const key = n.toLowerCase();
      const existing = this.byKey.get(key);
      if (existing && existing !== entry) throw new Error(`${this.kind} name "${n}" registered twice`);
      this.byKey.set(key, entry);
    }
    this.entries.push(entry);
    return this;
  }

  /** The entry for `name` (any case, or an alias), or undefined. */
  find(name: string): T | undefined {
    return this.byKey.get(name.toLowerCase());
  }

  /** The entry for `name`, or an Error whose message names the kind and suggests close names. */
  get(name: string): T {
    const e = this.find(name);
    if (!e) throw new Error(this.unknownMessage(name));
    return e;
  }

  unknownMessage(name: string): string {
    return `unknown ${this.kind} "${name}"${didYouMean(name, this.names())}`;
  }

  /** Canonical names, in registration order. */
  names(): string[] {
    return this.entries.map((e) => e.name);
  }

  /** Every accepted spelling (canonical names and aliases). */
  allNames(): string[] {
    return this.entries.flatMap((e) => [e.name, ...(e.aliases ?? [])]);
  }

  all(): readonly T[] {
    return this.entries;
  }
}
