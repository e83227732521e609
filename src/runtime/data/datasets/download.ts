/**
 * Downloads one file over http(s) with node's own client: redirects followed, an idle timeout,
 * the bytes hashed while they are written to a temporary file next to the destination, and the
 * file renamed into place only when its SHA-256 matches. A failed or corrupted download therefore
 * never leaves a file where a later run would trust it.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';

export interface DownloadOptions {
  /** Expected SHA-256 (hex); the download fails, and nothing is kept, when it differs. */
  sha256?: string;
  /** Milliseconds without any data before giving up (default 60 s). */
  timeoutMs?: number;
  maxRedirects?: number;
}

/** Why a download failed: `network` (no connection, DNS, timeout), `http` (a status), `checksum`. */
export type DownloadFailure = 'network' | 'http' | 'checksum';

export class DownloadError extends Error {
  constructor(
    message: string,
    readonly reason: DownloadFailure,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

export interface DownloadResult {
  bytes: number;
  sha256: string;
  /** The URL the bytes finally came from, after redirects. */
  url: string;
}

/** Downloads `url` to `dest` (atomically). Throws `DownloadError`. */
export async function download(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const temp = `${dest}.${process.pid}.${Date.now().toString(36)}.part`;
  try {
    const got = await fetchTo(url, temp, opts.timeoutMs ?? 60_000, opts.maxRedirects ?? 5);
    if (opts.sha256 !== undefined && got.sha256 !== opts.sha256.toLowerCase()) {
      throw new DownloadError(
        `the file from ${got.url} has SHA-256 ${got.sha256}, but ${opts.sha256} was expected ` +
          '(the download was corrupted, or the server has a different file)',
        'checksum',
      );
    }
    await fs.rename(temp, dest);
    return got;
  } finally {
    await fs.rm(temp, { force: true });
  }
}

function fetchTo(url: string, file: string, timeoutMs: number, redirectsLeft: number): Promise<DownloadResult> {
  return new Promise((resolve, reject) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      reject(new DownloadError(`not a valid URL: ${url}`, 'http'));
      return;
    }
    const client = parsed.protocol === 'https:' ? https : parsed.protocol === 'http:' ? http : undefined;
    if (!client) {
      reject(new DownloadError(`unsupported URL scheme "${parsed.protocol}" in ${url} (use http or https)`, 'http'));
      return;
    }
    const req = client.get(parsed, { headers: { 'user-agent': 'kerats' } }, (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location) {
        res.resume();
        if (redirectsLeft <= 0) {
          reject(new DownloadError(`too many redirects fetching ${url}`, 'http', status));
          return;
        }
        fetchTo(new URL(location, parsed).toString(), file, timeoutMs, redirectsLeft - 1).then(resolve, reject);
        return;
      }
      if (status !== 200) {
        res.resume();
        reject(new DownloadError(`${url} answered HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`, 'http', status));
        return;
      }
      const hash = createHash('sha256');
      let bytes = 0;
      const out = createWriteStream(file);
      res.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      res.on('error', (e) => {
        out.destroy();
        reject(new DownloadError(`${url}: ${e.message}`, 'network'));
      });
      res.on('aborted', () => {
        out.destroy();
        reject(new DownloadError(`${url}: the connection closed before the file was complete`, 'network'));
      });
      out.on('error', (e) => reject(new DownloadError(`cannot write ${file}: ${e.message}`, 'network')));
      out.on('finish', () => {
        if (!res.complete) {
          reject(new DownloadError(`${url}: the connection closed before the file was complete`, 'network'));
          return;
        }
        resolve({ bytes, sha256: hash.digest('hex'), url });
      });
      res.pipe(out);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no data for ${Math.round(timeoutMs / 1000)} s (timed out)`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      reject(new DownloadError(`${url}: ${e.code ? `${e.code} ` : ''}${e.message}`, 'network'));
    });
  });
}

/** SHA-256 of a file on disk, streamed (datasets can be hundreds of MB). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  const handle = await fs.open(file, 'r');
  try {
    for await (const chunk of handle.createReadStream()) hash.update(chunk as Buffer);
  } finally {
    await handle.close().catch(() => undefined);
  }
  return hash.digest('hex');
}
