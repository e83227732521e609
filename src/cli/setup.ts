/**
 * `kerats setup tensorflow|tensorflow-gpu`: builds the native TensorFlow backend from a TensorFlow
 * already on this machine (pip's, or a libtensorflow folder), without any download of
 * libtensorflow. The work is src/runtime/tf-native/build.ts; this file parses and reports.
 */
import type { Command } from 'commander';
import { Argument } from 'commander';
import { TF_VARIANTS, type TfVariant } from '../runtime/tf-native/record.js';
import { example, outputFor, withOutputOptions, type CommonOptions } from './common.js';

interface SetupCliOptions extends CommonOptions {
  python?: string;
  tfLib?: string;
  force?: boolean;
}

export function registerSetup(program: Command): void {
  withOutputOptions(program.command('setup'))
    .addArgument(new Argument('<backend>', 'the backend to build').choices([...TF_VARIANTS]))
    .option('--python <path>', "a Python whose TensorFlow to build against (default: python3 on PATH)")
    .option('--tf-lib <dir>', 'a libtensorflow folder (lib/ and include/) instead of a Python (also: KERATS_TF_LIB)')
    .option('--force', 'rebuild even when this TensorFlow is already set up')
    .description("build the tensorflow (or tensorflow-gpu) backend against a TensorFlow already installed here (pip's or a libtensorflow folder) — no libtensorflow download; cached outside node_modules (KERATS_TF_CACHE)")
    .addHelpText('after', example('kerats setup tensorflow --python ~/tf/bin/python', 'kerats setup tensorflow-gpu --python ~/tf-gpu/bin/python', 'kerats setup tensorflow --tf-lib /opt/libtensorflow --force'))
    .action(async (variant: TfVariant, opts: SetupCliOptions) => {
      const { setupTensorFlow } = await import('../runtime/tf-native/build.js');
      const out = outputFor(opts);
      const result = await setupTensorFlow(variant, { python: opts.python, tfLib: opts.tfLib, force: opts.force, log: (line) => out.log(line) });
      const r = result.record;
      out.result({ status: result.status, record_file: result.record_file, ...r }, () => {
        const what = `${variant}: TensorFlow ${r.tf_version} ${r.device}, built from ${r.python ? `Python ${r.python}` : r.tf_lib_dir}`;
        const cuda = r.cuda ? `\nCUDA ${r.cuda.cuda_version ?? '?'}, cuDNN ${r.cuda.cudnn_version ?? '?'} (${r.cuda.lib_dirs.length} library folders on the binding's rpath)` : '';
        const head = result.status === 'built'
          ? `built ${what} in ${r.build_seconds} s`
          : `already set up: ${what} on ${r.built_at} (nothing rebuilt; --force rebuilds)`;
        return `${head}${cuda}\nrecord: ${result.record_file}\nuse it: kerats train CONFIG --backend ${variant}   (kerats backends shows it)\n`;
      });
    });
}
