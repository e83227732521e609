/**
 * What kerats adds to an exported Keras file: the preprocessing still applied to raw input before
 * the model (categorical/text encodings; numeric scaling is folded into the model) and the label
 * vocabularies that turn output columns back into class names. In a .keras file it is
 * metadata.json's "kerats" entry, in an .h5 file the root attribute "kerats_metadata", in a
 * keras-json file the top-level "kerats_metadata" key. `kerats predict model.keras` reads it.
 */
import type { DataState } from '../../runtime/data/table-source.js';

export interface KeratsFileMetadata {
  /** preprocessing.json as `kerats predict` applies it to raw input for this file's model. */
  preprocessing: DataState;
  /** Class names of the (first) output, in output-column order, when labels were strings. */
  classes?: string[];
}

export function isKeratsMetadata(v: unknown): v is KeratsFileMetadata {
  return typeof v === 'object' && v !== null && typeof (v as { preprocessing?: unknown }).preprocessing === 'object';
}
