/** `kerats backends`: which TensorFlow.js backends are present, why not, and which `auto` picks. */
import type { Command } from 'commander';
import { example, outputFor, withOutputOptions, type CommonOptions } from './common.js';

export function registerBackends(program: Command): void {
  withOutputOptions(program.command('backends'))
    .description('list the TensorFlow.js backends, whether each is available (and why not), and which auto picks')
    .addHelpText('after', example('kerats backends', 'kerats backends --json'))
    .action(async (opts: CommonOptions) => {
      const out = outputFor(opts);
      const { listBackends } = await import('../runtime/backend.js');
      const { nativeBlasStatus } = await import('../runtime/native/blas.js');
      const backends = await listBackends();
      const chosen = backends.find((b) => b.available)?.name ?? null;
      // The optional OpenBLAS addon that speeds up the wasm backend (native/, built by npm install).
      const nativeBlas = nativeBlasStatus();
      out.result({ backends, auto: chosen, native_blas: nativeBlas }, () => {
        const lines = backends.map((b) => {
          const mark = b.available ? out.chalk.green('available') : out.chalk.dim('unavailable');
          const pick = b.name === chosen ? out.chalk.bold('  <- auto') : '';
          return `${b.name.padEnd(15)} ${mark}${b.reason ? ` — ${b.reason}` : ''}${pick}`;
        });
        const accel = nativeBlas.available ? out.chalk.green('available') : out.chalk.dim('unavailable');
        lines.push(`${'native BLAS'.padEnd(15)} ${accel} — ${nativeBlas.detail}${nativeBlas.available ? ' (speeds up wasm)' : ''}`);
        return lines.join('\n') + `\nauto: ${chosen ?? 'none'}\n`;
      });
    });
}
