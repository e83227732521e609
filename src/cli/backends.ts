/** `kerats backends`: which TensorFlow.js backends are present, why not, and which `auto` picks. */
import type { Command } from 'commander';
import type { BackendStatus } from '../runtime/backend.js';
import { example, outputFor, withOutputOptions, type CommonOptions } from './common.js';

export function registerBackends(program: Command): void {
  withOutputOptions(program.command('backends'))
    .description('list the TensorFlow.js backends, whether each is available (and why not), and which auto picks')
    .addHelpText('after', example('kerats backends', 'kerats backends --json'))
    .action(async (opts: CommonOptions) => {
      const out = outputFor(opts);
      const { listBackends } = await import('../runtime/backend.js');
      const { nativeBlasStatus } = await import('../runtime/native/blas.js');
      const { autoChoice } = await import('../runtime/auto-choice.js');
      const { describeTensorFlow } = await import('../runtime/tf-native/describe.js');
      const backends = await listBackends();
      const available = backends.filter((b) => b.available).map((b) => b.name);
      // What auto picks depends on the model (auto-choice.ts): shown for an unknown, a small and a large model.
      const small = autoChoice(available, 1_000, 32);
      const large = autoChoice(available, 1_000_000, 128);
      const chosen = available.length > 0 ? small.name : null;
      // The optional OpenBLAS addon that speeds up the wasm backend (native/, built by npm install).
      const nativeBlas = nativeBlasStatus();
      const autoRule = { small_model: small, large_model: large };
      out.result({ backends, auto: chosen, auto_rule: autoRule, native_blas: nativeBlas }, () => {
        const lines = backends.map((b: BackendStatus) => {
          const mark = b.available ? out.chalk.green('available') : out.chalk.dim('unavailable');
          const pick = b.name === small.name || b.name === large.name ? out.chalk.bold(`  <- auto${small.name === large.name ? '' : b.name === small.name ? ' (small models)' : ' (large models)'}`) : '';
          const tfInfo = b.tensorflow ? ` — ${describeTensorFlow(b.tensorflow)}` : '';
          return `${b.name.padEnd(15)} ${mark}${tfInfo}${b.reason ? ` — ${b.reason}` : ''}${pick}`;
        });
        const accel = nativeBlas.available ? out.chalk.green('available') : out.chalk.dim('unavailable');
        lines.push(`${'native BLAS'.padEnd(15)} ${accel} — ${nativeBlas.detail}${nativeBlas.available ? ' (speeds up wasm)' : ''}`);
        const rule = small.name === large.name ? `auto: ${small.name}` : `auto: by model and batch size: ${large.why.replace(/^[^(]*\(rule: (.*)\)$/, '$1')}; wasm otherwise`;
        return lines.join('\n') + `\n${available.length > 0 ? rule : 'auto: none'}\n`;
      });
    });
}
