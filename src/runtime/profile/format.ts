/** The `kerats profile` report in the layout of Caffe's `caffe time`. */
import type { ProfileResult } from './layer-profile.js';

const ms = (v: number): string => v.toFixed(3);

export function formatProfile(p: ProfileResult, title: string): string {
  const nameW = Math.max(5, ...p.layers.map((l) => `${l.name} (${l.className})`.length));
  const lines = [
    `Average time per layer: ${title}, backend ${p.backend}, batch ${p.batchSize}, ${p.batches} batch${p.batches === 1 ? '' : 'es'}`,
    `${'layer'.padEnd(nameW)}  ${'forward ms'.padStart(11)}  ${'backward ms'.padStart(11)}`,
  ];
  for (const l of p.layers) {
    lines.push(`${`${l.name} (${l.className})`.padEnd(nameW)}  ${ms(l.forwardMs).padStart(11)}  ${ms(l.backwardMs).padStart(11)}`);
  }
  const perSample = p.batchSize > 0 ? (p.batchSize * 1000) / p.totalMs : 0;
  lines.push(
    `Average Forward pass: ${ms(p.forwardMs)} ms.`,
    `Average Backward pass: ${ms(p.backwardMs)} ms.`,
    `Average Update (optimizer): ${ms(p.updateMs)} ms.`,
    `Average Forward-Backward-Update: ${ms(p.totalMs)} ms (${perSample.toFixed(0)} samples/s).`,
  );
  return lines.join('\n');
}
