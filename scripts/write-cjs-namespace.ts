/**
 * Part of `npm run build`, before build-snapshot: the namespace modules of scripts/cjs-namespace.ts
 * must exist before anything imports the compiled sources, which point at them. Its own step,
 * importing nothing compiled, so a dist/ that lost them (or never had them) is repaired here.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCjsNamespace } from './cjs-namespace.js';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (writeCjsNamespace(dist) === 0) throw new Error('no compiled file imports @tensorflow/tfjs: is dist/ built?');
