/**
 * Dataset downloads against a loopback HTTP server started here (127.0.0.1, random port), serving
 * small fake files whose SHA-256 the test computes: first download, cache hit without a second
 * request, checksum mismatch (nothing cached), the mirror variable, 404, redirects, offline.
 * Nothing here touches the real internet.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { download, DownloadError } from '../src/runtime/data/datasets/download.js';
import { resolveFiles, type FileSet } from '../src/runtime/data/datasets/files.js';
import { DataError } from '../src/util/errors.js';
import { hasStackTrace, kerats, tempDir } from './helpers/cli.js';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const FILES: Record<string, Buffer> = {
  'a.bin': Buffer.from('first fake dataset file\n'),
  'b.bin': Buffer.alloc(200_000, 7), // several TCP chunks
};

let server: http.Server;
let base = '';
const requests: string[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    requests.push(url);
    const m = /^\/(origin|mirror)\/(.+)$/.exec(url);
    if (url.startsWith('/moved/')) {
      res.writeHead(302, { location: `/origin/${url.slice('/moved/'.length)}` });
      res.end();
      return;
    }
    const body = m ? FILES[m[2] ?? ''] : undefined;
    if (!body) {
      res.writeHead(404);
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((r) => server.close(() => r())));

function set(names: string[], hashes?: Record<string, string>): FileSet {
  return {
    dataset: 'fake',
    origin: `${base}/origin/`,
    files: names.map((name) => ({ name, sha256: hashes?.[name] ?? sha(FILES[name] ?? '') })),
  };
}

/** A port nothing listens on: a server bound and closed again. */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('first download fetches each file into $KERATS_HOME/datasets/<name>/; a second run is a cache hit', async () => {
  const home = tempDir();
  const env = { KERATS_HOME: home };
  const before1 = requests.length;
  const got = await resolveFiles(set(['a.bin', 'b.bin']), { env });
  assert.equal(got.source, 'download');
  assert.equal(requests.length - before1, 2);
  const dest = path.join(home, 'datasets', 'fake', 'b.bin');
  assert.equal(got.paths['b.bin'], dest);
  assert.deepEqual(readFileSync(dest), FILES['b.bin']);

  const before2 = requests.length;
  const again = await resolveFiles(set(['a.bin', 'b.bin']), { env });
  assert.equal(again.source, 'cache');
  assert.equal(requests.length, before2, 'no request on a cache hit');
});

test('a cached file whose checksum no longer matches is fetched again', async () => {
  const home = tempDir();
  const env = { KERATS_HOME: home };
  await resolveFiles(set(['a.bin']), { env });
  const dest = path.join(home, 'datasets', 'fake', 'a.bin');
  writeFileSync(dest, 'tampered');
  const n = requests.length;
  await resolveFiles(set(['a.bin']), { env });
  assert.equal(requests.length, n + 1);
  assert.deepEqual(readFileSync(dest), FILES['a.bin']);
});

test('checksum mismatch: a clear error, and no file (not even a partial one) left in the cache', async () => {
  const home = tempDir();
  const wrong = '0'.repeat(64);
  await assert.rejects(resolveFiles(set(['a.bin'], { 'a.bin': wrong }), { env: { KERATS_HOME: home } }), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /a\.bin failed its SHA-256 check/);
    assert.match(e.message, new RegExp(`has SHA-256 ${sha(FILES['a.bin'] ?? '')}, but ${wrong} was expected`));
    assert.match(e.message, /nothing was saved to the cache/);
    return true;
  });
  const folder = path.join(home, 'datasets', 'fake');
  assert.deepEqual(existsSync(folder) ? readdirSync(folder) : [], []);
});

test('KERATS_DATASETS_MIRROR: files come from <mirror>/<name> instead of the origin', async () => {
  const home = tempDir();
  const n = requests.length;
  await resolveFiles(set(['a.bin']), { env: { KERATS_HOME: home, KERATS_DATASETS_MIRROR: `${base}/mirror/` } });
  assert.deepEqual(requests.slice(n), ['/mirror/a.bin']);
});

test('404: the error names the URL, the status and where to put the files by hand', async () => {
  const home = tempDir();
  const s: FileSet = { dataset: 'fake', origin: `${base}/origin/`, files: [{ name: 'missing.bin', sha256: '1'.repeat(64) }] };
  await assert.rejects(resolveFiles(s, { env: { KERATS_HOME: home } }), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /origin\/missing\.bin answered HTTP 404/);
    assert.ok(e.message.includes(path.join(home, 'datasets', 'fake')), e.message);
    return true;
  });
});

test('redirects are followed, and download() reports the final URL and the hash', async () => {
  const dest = path.join(tempDir(), 'x', 'a.bin');
  const r = await download(`${base}/moved/a.bin`, dest, { sha256: sha(FILES['a.bin'] ?? '') });
  assert.equal(r.url, `${base}/origin/a.bin`);
  assert.equal(r.bytes, FILES['a.bin']?.length);
  assert.deepEqual(readFileSync(dest), FILES['a.bin']);
});

test('offline (connection refused): the error says so and names the files and the folder', async () => {
  const home = tempDir();
  const port = await closedPort();
  const s: FileSet = { ...set(['a.bin', 'b.bin']), origin: `http://127.0.0.1:${port}/` };
  await assert.rejects(resolveFiles(s, { env: { KERATS_HOME: home } }), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /seems to be offline/);
    assert.match(e.message, /ECONNREFUSED/);
    assert.match(e.message, /put these files a\.bin, b\.bin/);
    assert.ok(e.message.includes(path.join(home, 'datasets', 'fake')), e.message);
    assert.match(e.message, /KERATS_DATASETS_MIRROR/);
    return true;
  });
  await assert.rejects(download(`http://127.0.0.1:${port}/a.bin`, path.join(home, 'y')), (e: unknown) => e instanceof DownloadError && e.reason === 'network');
});

test('CLI: a dataset that cannot be fetched is exit 2 with the offline message, no stack trace', async () => {
  const home = tempDir();
  const port = await closedPort();
  const cfg = path.join(home, 'mnist.yaml');
  writeFileSync(
    cfg,
    'data: {dataset: mnist}\nmodel: {input_shape: [28, 28], layers: [Flatten, {Dense: {units: 10, activation: softmax}}]}\n' +
      'compile: {optimizer: adam, loss: sparse_categorical_crossentropy}\n',
  );
  const r = await kerats(['train', cfg, '--out', path.join(home, 'run')], {
    env: { KERATS_HOME: home, KERATS_DATASETS_MIRROR: `http://127.0.0.1:${port}` },
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /cannot download dataset "mnist"/);
  assert.match(r.stderr, /put the file mnist\.npz/);
  assert.ok(r.stderr.includes(path.join(home, 'datasets', 'mnist')), r.stderr);
  assert.ok(!hasStackTrace(r.stderr), r.stderr);
  assert.ok(!existsSync(path.join(home, 'run')), 'no run folder');
});
