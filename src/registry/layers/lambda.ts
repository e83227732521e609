/**
 * Keras's Lambda layer as a safe tensor expression: `Lambda: "x * 2 + 1"` or
 * `Lambda: {expr: "mean(x, axis=1)", output_shape: [8]}`. The expression language (parsed by
 * hand, never eval'd) is in src/runtime/expr; config loading checks it (checks.ts → lambdaProblems).
 */
import { FUNCTIONS } from '../../runtime/expr/evaluate.js';
import { Lambda as LambdaLayer } from './custom/index.js';
import type { LayerEntry } from '../types.js';

export const Lambda: LayerEntry = {
  name: 'Lambda',
  category: 'core',
  description:
    'Applies a tensor expression to its input: `x` is the input (`x[0]`, `x[1]` for several inputs); + - * / ** and ' +
    `the functions ${FUNCTIONS.join(', ')}. Reductions take an axis counting the batch axis as 0 (default -1), e.g. mean(x, axis=1).`,
  inputShape: 'Arbitrary.',
  outputShape: 'Inferred from the expression, or `output_shape`.',
  positional: 'expr',
  args: {
    expr: { schema: { type: 'string', minLength: 1 }, description: 'The expression, e.g. "x * 2 + 1" or "sqrt(sum(square(x), axis=-1, keepdims=true))".', required: true },
    output_shape: {
      schema: { anyOf: [{ type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1 }, { type: 'null' }] },
      description: 'Output shape without the batch dimension; inferred from the expression when null.',
      default: null,
    },
  },
  build(a, common) {
    return new LambdaLayer({ ...common, expr: a.expr as string, outputShape: (a.output_shape as number[] | null | undefined) ?? null });
  },
};
