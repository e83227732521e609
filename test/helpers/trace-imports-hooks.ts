/** Module resolve hook for trace-imports.ts: logs each resolved URL, changes nothing. */
import { appendFileSync } from 'node:fs';

interface Resolved {
  url: string;
}

export async function resolve(specifier: string, context: unknown, next: (s: string, c: unknown) => Promise<Resolved>): Promise<Resolved> {
  const resolved = await next(specifier, context);
  const file = process.env['KERATS_TRACE_IMPORTS'];
  if (file) appendFileSync(file, `${resolved.url}\n`);
  return resolved;
}
