/**
 * The starter configs of `kerats init` (configs/templates/) and the text written from them.
 * CommonJS so that bin/kerats.js's fast path (fast-path.cts) writes one without loading the
 * command line; init.ts uses the same functions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** kerats' folder: this file is dist/src/cli/init-template.cjs. */
const ROOT = path.join(__dirname, '..', '..', '..');

/** The starter configs shipped in configs/templates/, by name (`mlp`, `cnn`, `lstm`, ...). */
export function templateNames(): string[] {
  const dir = path.join(ROOT, 'configs', 'templates');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/**
 * Where the installed schema is, as the `$schema` line should name it from `file`'s folder:
 * always a relative path (`node_modules/kerats/schemas/kerats.schema.json` in a project that
 * installs kerats), so the file reads the same on every machine that has the same layout.
 */
export function schemaRef(file: string): string {
  const schema = path.join(ROOT, 'schemas', 'kerats.schema.json');
  const rel = path.relative(path.dirname(path.resolve(file)), schema);
  // A different drive on Windows has no relative path: then the absolute one is all there is.
  return (path.isAbsolute(rel) ? schema : rel).split(path.sep).join('/');
}

/** The template's text with the `$schema` line for `file` and its name set to the file's. */
export function renderTemplate(template: string, file: string): string {
  const text = readFileSync(path.join(ROOT, 'configs', 'templates', `${template}.yaml`), 'utf8');
  const name = path.basename(file).replace(/\.(ya?ml|json)$/i, '') || template;
  const safe = /^[\w.-]+$/.test(name) ? name : JSON.stringify(name);
  return `# yaml-language-server: $schema=${schemaRef(file)}\n${text.replace(/^name: .*$/m, `name: ${safe}`).replace(/THIS_FILE/g, path.basename(file))}`;
}

/** What `kerats init` reports: the JSON document and the human line. */
export function initResult(file: string, template: string): { json: { file: string; template: string; schema: string }; text: string } {
  return {
    json: { file, template, schema: schemaRef(file) },
    text: `wrote ${file} (template ${template}); train it with: kerats train ${/\s/.test(file) ? JSON.stringify(file) : file}\n`,
  };
}
