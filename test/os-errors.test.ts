/**
 * The one place operating-system errors become user errors (util/os-errors.ts): each explained
 * errno is exit 2 with the path, the cause in words and the fix; an error from a file descriptor
 * gets the path its writer knew; anything else stays a bug (exit 1 in the CLI's reporter).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { atPath, FileSystemError, makeDir, osUserError } from '../src/util/os-errors.js';
import { writeFileAtomic } from '../src/util/atomic.js';
import { reportError } from '../src/cli/errors.js';
import { Output } from '../src/cli/output.js';
import { tempDir } from './helpers/cli.js';

const tmp = tempDir();

function errno(code: string, syscall: string, file?: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall}`), { code, syscall, ...(file ? { path: file } : {}) });
}

test('each explained errno names the path, the cause in words and the fix', () => {
  const cases: [string, string, RegExp][] = [
    ['ENOSPC', 'write', /^cannot write "\/data\/x": the disk is full \(ENOSPC\); free some space/],
    ['EROFS', 'open', /^cannot open "\/data\/x": the file system is read-only \(EROFS\); choose a writable folder/],
    ['EACCES', 'open', /^cannot open "\/data\/x": permission denied \(EACCES\); check the permissions/],
    ['EPERM', 'rename', /^cannot write "\/data\/x": the operation is not permitted \(EPERM\)/],
    ['EMFILE', 'open', /^cannot open "\/data\/x": the process has too many files open \(EMFILE\); raise the limit \(ulimit -n 4096\)/],
    ['ENOTDIR', 'mkdir', /^cannot create "\/data\/x": a part of the path is a file, not a folder \(ENOTDIR\)/],
    ['ENOENT', 'open', /^cannot open "\/data\/x": it does not exist \(ENOENT\)/],
    ['ENOENT', 'mkdir', /^cannot create "\/data\/x": its folder "\/data" does not exist \(ENOENT\); create the folder first/],
  ];
  for (const [code, syscall, says] of cases) {
    const e = osUserError(errno(code, syscall, '/data/x'));
    assert.ok(e instanceof FileSystemError, code);
    assert.equal(e.exitCode, 2);
    assert.equal(e.code, code);
    assert.match(e.message, says);
  }
  assert.equal(osUserError(errno('ECONNRESET', 'read')), undefined, 'not a file-system error kerats explains');
  assert.equal(osUserError(new TypeError('x is not a function')), undefined);
});

test('a path-less descriptor error (ENOSPC on write) gets the path its writer knew', async () => {
  await assert.rejects(
    atPath('/data/model/weights.bin', 'write', () => Promise.reject(errno('ENOSPC', 'write'))),
    /^FileSystemError: cannot write "\/data\/model\/weights\.bin": the disk is full/,
  );
});

test('atomic writes name the target, not their temporary file, and leave nothing behind', async () => {
  const dir = path.join(tmp, 'atomic');
  mkdirSync(dir);
  // Writing into a "folder" that is a file: ENOTDIR for the temporary file, reported as the target.
  writeFileSync(path.join(dir, 'f'), 'x');
  await assert.rejects(writeFileAtomic(path.join(dir, 'f', 'out.json'), '{}'), (e: unknown) => {
    assert.ok(e instanceof FileSystemError);
    assert.ok(e.message.includes(`"${path.join(dir, 'f', 'out.json')}"`), e.message);
    assert.match(e.message, /ENOTDIR/);
    return true;
  });
});

test('mkdir -p through a file names the file', async () => {
  writeFileSync(path.join(tmp, 'plain'), 'x');
  await assert.rejects(makeDir(path.join(tmp, 'plain', 'a', 'b')), (e: unknown) => {
    assert.ok(e instanceof FileSystemError);
    assert.ok(e.message.includes(`"${path.join(tmp, 'plain')}" is a file, not a folder (ENOTDIR)`), e.message);
    return true;
  });
});

test('the CLI reporter: an OS error is exit 2 without "looks like a bug"; a real bug stays exit 1', () => {
  const written: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => {
    written.push(s);
    return true;
  }) as typeof process.stderr.write;
  let codes: number[];
  try {
    codes = [reportError(errno('EROFS', 'mkdir', '/ro/runs'), new Output({})), reportError(new TypeError('undefined is not a function'), new Output({}))];
  } finally {
    process.stderr.write = original;
  }
  assert.deepEqual(codes, [2, 1]);
  const text = written.join('');
  assert.match(text, /error: cannot create "\/ro\/runs": the file system is read-only \(EROFS\)/);
  assert.equal(text.match(/looks like a bug/g)?.length, 1, 'only the real bug is called one');
});
