/**
 * `kerats report`: the HTML page `train` writes into the run folder and `report` writes for one or
 * more runs: self-contained (nothing from the network), with the confusion matrix, per-class
 * scores, model graph, manifest and config differences; `--markdown` for CI; and a real browser
 * (Debian's headless Chromium) renders it without a console error.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { hasStackTrace, kerats, tempDir } from './helpers/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);

const config = (units: number, extra = '') => `name: rep
seed: 4
data:
  train: {synthetic: {samples: 90, x_shape: [4], classes: 3, seed: 2}}
  validation_split: 0.2
model:
  input_shape: [4]
  layers:
    - Dense: {units: ${units}, activation: relu}
    - Dense: {units: 3, activation: softmax}
compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}
fit: {epochs: 3, batch_size: 16}
${extra}`;

/** Headless Chromium on a file: the DOM after scripts ran, and the console messages it logged. */
function chromium(file: string, extra: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(CHROMIUM, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run',
    `--user-data-dir=${tempDir('kerats-chromium-')}`, '--enable-logging=stderr', '--v=0', ...extra, `file://${file}`,
  ], { encoding: 'utf8', timeout: 180_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** Console errors and uncaught exceptions, as Chromium logs them (`CONSOLE(line)] "Uncaught Error: ..."`). */
function consoleErrors(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /CONSOLE/.test(l) && /(Uncaught|Error|error)/.test(l));
}

describe('kerats report', () => {
  const dir = tempDir();
  let small = '';
  let wide = '';

  before(async () => {
    writeFileSync(path.join(dir, 'small.yaml'), config(6));
    writeFileSync(path.join(dir, 'wide.yaml'), config(24));
    const [a, b] = await Promise.all([
      kerats(['train', 'small.yaml', '--out', 'small', '--json'], { cwd: dir }),
      kerats(['train', 'wide.yaml', '--out', 'wide', '--json'], { cwd: dir }),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    small = path.join(dir, 'small');
    wide = path.join(dir, 'wide');
  });

  it('train writes a self-contained report.html with the confusion matrix, per-class scores, model graph and manifest', () => {
    const html = readFileSync(path.join(small, 'report.html'), 'utf8');
    // Nothing is fetched: no src/href to another place, no @import, a CSP that forbids the network.
    assert.doesNotMatch(html, /\b(src|href)="(?!#)/);
    assert.doesNotMatch(html, /@import|url\(http/);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    const confusion = JSON.parse(readFileSync(path.join(small, 'confusion.json'), 'utf8')) as { matrix: number[][]; classes: string[]; data: string };
    assert.equal(confusion.data, 'validation');
    assert.equal(confusion.matrix.flat().reduce((a, b) => a + b, 0), 18, 'every validation row counted once');
    assert.match(html, /<table class="cm">/);
    for (const row of confusion.matrix) for (const v of row) assert.ok(html.includes(`>${v}</td>`));
    assert.match(html, /<table class="per-class">/);
    assert.equal((html.match(/<g class="layer"/g) ?? []).length, 3, 'model graph: input and two Dense layers');
    assert.match(html, /<table class="manifest">[\s\S]*backend[\s\S]*seed/);
    assert.match(html, /<svg[^>]*class="chart"[^>]*aria-label="loss"/);
    assert.match(html, /<pre class="config">[\s\S]*units: 6/);
  });

  it('report RUN RUN compares runs side by side with their differences; --markdown prints a table; a missed gate exits 3 and says what was required', async () => {
    const out = path.join(dir, 'cmp.html');
    const r = await kerats(['report', small, wide, '--out', out], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const html = readFileSync(out, 'utf8');
    assert.equal((html.match(/<section class="run"/g) ?? []).length, 2);
    assert.match(html, /<pre class="diff">model\.layers\[0\]\.Dense\.units: 6 → 24<\/pre>/);
    assert.match(html, /<tr class="differs"><td class="l">validation loss<\/td>/);

    const md = await kerats(['report', small, wide, '--markdown', '--fail-under', 'accuracy=1.01'], { cwd: dir });
    assert.equal(md.code, 3);
    const lines = md.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^\| \| [^|]*small \| [^|]*wide \|$/);
    assert.equal(lines[1], '|---|---:|---:|');
    assert.ok(lines.some((l) => /^\| validation accuracy \| \d\.\d{4} \| \d\.\d{4} \|$/.test(l)), md.stdout);
    assert.ok(lines.some((l) => /^\| gates \| FAIL accuracy \d\.\d{4} < required 1\.01 \|/.test(l)), md.stdout);
    assert.match(md.stderr, /quality gate failed: .*accuracy \d\.\d{4} < required 1\.01/);
    assert.ok(!hasStackTrace(md.stderr));
  });

  it('report: false in the config writes no report; a folder that is not a run is exit 2', async () => {
    writeFileSync(path.join(dir, 'off.yaml'), config(6, 'report: false\n'));
    const r = await kerats(['train', 'off.yaml', '--out', 'off', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(path.join(dir, 'off', 'report.html')), false);
    assert.ok(existsSync(path.join(dir, 'off', 'model.json')));
    const bad = await kerats(['report', dir], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a run folder/);
  });

  it('renders in headless Chromium: scripts ran, no console error, a screenshot', { skip: hasChromium ? false : `no ${CHROMIUM} (apt-get install chromium)` }, () => {
    // The check itself notices a page that throws.
    const broken = path.join(dir, 'broken.html');
    writeFileSync(broken, '<!DOCTYPE html><html><body><script>throw new Error("boom")</script></body></html>');
    assert.ok(consoleErrors(chromium(broken, ['--dump-dom']).stderr).some((l) => l.includes('boom')), 'a thrown error is seen');

    const file = path.join(dir, 'cmp.html');
    const dom = chromium(file, ['--dump-dom']);
    assert.equal(dom.status, 0, dom.stderr);
    assert.deepEqual(consoleErrors(dom.stderr), []);
    const rendered = Number(/data-rendered="(\d+)"/.exec(dom.stdout)?.[1]);
    assert.ok(rendered >= 6, `the page's script ran and counted ${rendered} SVGs`);

    const shot = path.join(dir, 'report.png');
    const s = chromium(file, ['--hide-scrollbars', '--window-size=1280,1800', `--screenshot=${shot}`]);
    assert.equal(s.status, 0, s.stderr);
    assert.deepEqual([...readFileSync(shot).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    assert.ok(statSync(shot).size > 30_000, 'a screenshot with content');
  });
});
