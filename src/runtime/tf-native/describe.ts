/** One line about the TensorFlow a backend runs on, for `kerats backends`, doctor and train's log. */
import type { TensorFlowInfo } from './load.js';

export function describeTensorFlow(info: TensorFlowInfo): string {
  const from = info.origin === 'downloaded' ? 'libtensorflow downloaded by npm' : `built from a local TensorFlow${info.python ? ` (${info.python})` : info.lib_dir ? ` (${info.lib_dir})` : ''}`;
  const gpu = info.device === 'GPU' ? `, CUDA ${info.cuda ?? '?'}, cuDNN ${info.cudnn ?? '?'}${info.gpus.length > 0 ? `, ${info.gpus.join('; ')}` : ''}` : '';
  return `TensorFlow ${info.version} ${info.device}${gpu}, ${from}`;
}
