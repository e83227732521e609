/**
 * The names `kerats export --format` takes, without loading any exporter (the command's help must
 * not load TensorFlow.js). export-formats.ts maps each name to its exporter.
 */
export const EXPORT_FORMAT_NAMES = ['tfjs', 'keras', 'h5', 'keras-json', 'onnx'] as const;
export type ExportFormatName = (typeof EXPORT_FORMAT_NAMES)[number];
