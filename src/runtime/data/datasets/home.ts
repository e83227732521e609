/** Where downloaded datasets are cached: `$KERATS_HOME/datasets`, `~/.kerats/datasets` by default. */
import os from 'node:os';
import path from 'node:path';

export function keratsHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.KERATS_HOME;
  return home !== undefined && home !== '' ? path.resolve(home) : path.join(os.homedir(), '.kerats');
}

export function datasetsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(keratsHome(env), 'datasets');
}

/** Base URL of an internal mirror (`KERATS_DATASETS_MIRROR`): files are fetched from `<base>/<file name>`. */
export function datasetsMirror(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const m = env.KERATS_DATASETS_MIRROR;
  return m !== undefined && m.trim() !== '' ? m.trim() : undefined;
}
