/**
 * GRU with Keras's default `reset_after=True`, which tfjs refuses ("GRUCell does not support
 * reset_after"). With reset_after the reset gate is applied after the recurrent matrix product and
 * the recurrent part has its own bias, so the bias is (2, 3*units) and the parameter count is
 * Keras's 3*(in*u + u*u + 2u). This is the GRU of Keras 2.x/3 and of cuDNN; models trained in
 * Keras keep their weight shapes. The classes keep tfjs's names ("GRU", "GRUCell") and replace
 * its registrations, so Bidirectional(GRU), which clones through the config, gets them too.
 */
import * as tf from '@tensorflow/tfjs';
import type { GRU, GRUCell, GRUCellLayerArgs, GRULayerArgs } from '@tensorflow/tfjs-layers/dist/layers/recurrent.js';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { fusedOrGeneric } from './fused-rnn.js';

type Shape = (number | null)[];
export type KerasGRUCellArgs = GRUCellLayerArgs & { resetAfter?: boolean };
export type KerasGRUArgs = GRULayerArgs & { resetAfter?: boolean };

const GRUCellBase = tf.layers.gruCell({ units: 1 }).constructor as typeof GRUCell;
const GRUBase = tf.layers.gru({ units: 1 }).constructor as typeof GRU;

/** A mask for `count` gates: reuse of tfjs's per-sequence dropout masks (set on the cell). */
function gate(mask: tf.Tensor | tf.Tensor[] | null | undefined, i: number): tf.Tensor | undefined {
  if (!mask) return undefined;
  return Array.isArray(mask) ? mask[i] : mask;
}

export class KerasGRUCell extends GRUCellBase {
  readonly resetAfter: boolean;

  constructor(args: KerasGRUCellArgs) {
    super({ ...args, resetAfter: false });
    this.resetAfter = args.resetAfter ?? true;
  }

  override build(inputShape: Shape | Shape[]): void {
    if (!this.resetAfter) return super.build(inputShape as never);
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const inputDim = shape[shape.length - 1] as number;
    const u = this.units;
    this.kernel = this.addWeight('kernel', [inputDim, 3 * u], undefined, this.kernelInitializer,
      this.kernelRegularizer, true, this.kernelConstraint);
    this.recurrentKernel = this.addWeight('recurrent_kernel', [u, 3 * u], undefined, this.recurrentInitializer,
      this.recurrentRegularizer, true, this.recurrentConstraint);
    if (this.useBias) {
      // Row 0: input bias; row 1: recurrent bias (Keras's layout).
      this.bias = this.addWeight('bias', [2, 3 * u], undefined, this.biasInitializer, this.biasRegularizer, true,
        this.biasConstraint);
    }
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    if (!this.resetAfter) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const list = inputs as tf.Tensor[];
      let x = list[0] as tf.Tensor;
      let hPrev = list[1] as tf.Tensor;
      const training = kwargs.training === true;
      // Dropout masks, as tfjs's GRUCell makes them (one per gate, kept for the whole sequence).
      if (this.dropout > 0 && this.dropout < 1 && this.dropoutMask == null) {
        this.dropoutMask = this.makeMask(() => tf.onesLike(x), this.dropout, training);
      }
      if (this.recurrentDropout > 0 && this.recurrentDropout < 1 && this.recurrentDropoutMask == null) {
        this.recurrentDropoutMask = this.makeMask(() => tf.onesLike(hPrev), this.recurrentDropout, training);
      }
      const dp = gate(this.dropoutMask, 0);
      if (dp) x = tf.mul(x, dp);
      const rdp = gate(this.recurrentDropoutMask, 0);
      if (rdp) hPrev = tf.mul(hPrev, rdp);

      let matrixX = tf.matMul(x as tf.Tensor2D, this.kernel.read() as tf.Tensor2D) as tf.Tensor;
      let matrixInner = tf.matMul(hPrev as tf.Tensor2D, this.recurrentKernel.read() as tf.Tensor2D) as tf.Tensor;
      if (this.useBias) {
        const [inputBias, recurrentBias] = tf.unstack(this.bias.read());
        matrixX = tf.add(matrixX, inputBias as tf.Tensor);
        matrixInner = tf.add(matrixInner, recurrentBias as tf.Tensor);
      }
      const [xZ, xR, xH] = tf.split(matrixX, 3, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
      const [rZ, rR, rH] = tf.split(matrixInner, 3, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
      const z = this.recurrentActivation.apply(tf.add(xZ, rZ));
      const r = this.recurrentActivation.apply(tf.add(xR, rR));
      const hh = this.activation.apply(tf.add(xH, tf.mul(r, rH)));
      const h = tf.add(tf.mul(z, hPrev), tf.mul(tf.sub(1, z), hh));
      return [h, h];
    });
  }

  private makeMask(ones: () => tf.Tensor, rate: number, training: boolean): tf.Tensor[] {
    const drop = this.dropoutFunc as ((x: tf.Tensor, rate: number) => tf.Tensor) | undefined;
    const make = (): tf.Tensor => (training ? (drop ? drop(ones(), rate) : tf.dropout(ones(), rate)) : ones());
    return [make(), make(), make()].map((m) => tf.keep(m));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), resetAfter: this.resetAfter };
  }
}

export class KerasGRU extends GRUBase {
  constructor(args: KerasGRUArgs) {
    super({ ...args, resetAfter: false } as GRULayerArgs);
    // Replace the cell tfjs made with one that can reset after.
    (this as unknown as { cell: KerasGRUCell }).cell = new KerasGRUCell({ ...args } as KerasGRUCellArgs);
  }

  /** The fused whole-sequence kernel where it applies (fused-rnn.ts), else tfjs's per-step loop. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return fusedOrGeneric(this, 'gru', inputs, kwargs, () => super.call(inputs, kwargs));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), resetAfter: (this.cell as KerasGRUCell).resetAfter };
  }
}

for (const cls of [KerasGRUCell, KerasGRU]) {
  tf.serialization.registerClass(cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
}
