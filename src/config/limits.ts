/**
 * The bounds on what kerats reads as a config (a config, an `extends` base, a plugin manifest, a
 * Keras JSON file): size, nesting depth and YAML alias expansions. Each has a default far past any
 * real config and an environment variable to raise it (README, "Limits on input files").
 */

export interface InputLimits {
  /** Largest file read, in bytes (`KERATS_MAX_CONFIG_BYTES`, default 16 MiB). */
  bytes: number;
  /** Deepest nesting of lists and maps (`KERATS_MAX_NESTING`, default 256). */
  depth: number;
  /** YAML alias expansions in one document (`KERATS_MAX_ALIASES`, default 100). */
  aliases: number;
}

export const DEFAULT_LIMITS: InputLimits = { bytes: 16 * 1024 * 1024, depth: 256, aliases: 100 };

/** The environment variable that raises each limit, named in the error that hits it. */
export const LIMIT_ENV: Record<keyof InputLimits, string> = {
  bytes: 'KERATS_MAX_CONFIG_BYTES',
  depth: 'KERATS_MAX_NESTING',
  aliases: 'KERATS_MAX_ALIASES',
};

function positiveInt(v: string | undefined, fallback: number): number {
  const n = Number(v);
  return v !== undefined && v.trim() !== '' && Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/** The limits in force: environment overrides on top of the defaults. */
export function inputLimits(env: NodeJS.ProcessEnv = process.env): InputLimits {
  return {
    bytes: positiveInt(env[LIMIT_ENV.bytes], DEFAULT_LIMITS.bytes),
    depth: positiveInt(env[LIMIT_ENV.depth], DEFAULT_LIMITS.depth),
    aliases: positiveInt(env[LIMIT_ENV.aliases], DEFAULT_LIMITS.aliases),
  };
}

/** `16 MiB`, `300 KiB`, `12 bytes`: a byte count for messages. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}
