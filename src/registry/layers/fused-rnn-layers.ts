/**
 * kerats' LSTM and SimpleRNN: tfjs's classes whose `call` takes the fused whole-sequence kernel when
 * it can (fused-rnn.ts). They keep tfjs's class names and replace its serialization entries, so
 * Bidirectional, which makes its backward layer from the config, gets them too. (GRU: keras-gru.ts.)
 */
import * as tf from '@tensorflow/tfjs';
import type { LSTM, LSTMLayerArgs, SimpleRNN, SimpleRNNLayerArgs } from '@tensorflow/tfjs-layers/dist/layers/recurrent.js';
import { fusedOrGeneric, type Kwargs } from './fused-rnn.js';

const LSTMBase = tf.layers.lstm({ units: 1 }).constructor as typeof LSTM;
const SimpleRNNBase = tf.layers.simpleRNN({ units: 1 }).constructor as typeof SimpleRNN;

export class FusedLSTM extends LSTMBase {
  constructor(args: LSTMLayerArgs) {
    super(args);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return fusedOrGeneric(this, 'lstm', inputs, kwargs, () => super.call(inputs, kwargs ?? {}));
  }
}

export class FusedSimpleRNN extends SimpleRNNBase {
  constructor(args: SimpleRNNLayerArgs) {
    super(args);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return fusedOrGeneric(this, 'simple', inputs, kwargs, () => super.call(inputs, kwargs ?? {}));
  }
}

for (const cls of [FusedLSTM, FusedSimpleRNN]) {
  tf.serialization.registerClass(cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
}
