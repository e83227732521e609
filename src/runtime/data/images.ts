/**
 * Image folders as Keras's `image_dataset_from_directory` reads them: one subfolder per class
 * (class names = subfolder names in sorted order), PNG and JPEG files, each decoded, converted to
 * the colour mode and resized (bilinear, half-pixel centres, as tf.image.resize) to `image_size`.
 * Values stay in [0, 255] unless a rescale factor is given.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { SourceLocation } from '../../config/types.js';
import { DataError } from '../../util/errors.js';

const EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

export type ColorMode = 'grayscale' | 'rgb' | 'rgba';

export function channelsOf(mode: ColorMode): number {
  return mode === 'grayscale' ? 1 : mode === 'rgb' ? 3 : 4;
}

/** RGBA pixels of one file; an undecodable file is a DataError naming it. */
export function decodeImage(bytes: Uint8Array, file: string): { width: number; height: number; rgba: Uint8Array } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const isPng = buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const isJpeg = buf[0] === 0xff && buf[1] === 0xd8;
  try {
    if (isPng) {
      const png = PNG.sync.read(buf);
      return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    if (isJpeg) {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
      return { width: img.width, height: img.height, rgba: img.data };
    }
  } catch (e) {
    throw new DataError(`${file}: the image does not decode: ${(e as Error).message}`);
  }
  throw new DataError(`${file}: not a PNG or JPEG image (unrecognised file signature)`);
}

/** One image as [h, w, channels] float values in [0, 255], resized. */
export function imageToArray(bytes: Uint8Array, file: string, size: [number, number], mode: ColorMode): Float32Array {
  const { width, height, rgba } = decodeImage(bytes, file);
  const c = channelsOf(mode);
  const px = new Float32Array(width * height * c);
  for (let i = 0; i < width * height; i++) {
    const r = rgba[i * 4] ?? 0;
    const g = rgba[i * 4 + 1] ?? 0;
    const b = rgba[i * 4 + 2] ?? 0;
    // tf.image.rgb_to_grayscale's weights.
    if (c === 1) px[i] = 0.2989 * r + 0.587 * g + 0.114 * b;
    else {
      px[i * c] = r;
      px[i * c + 1] = g;
      px[i * c + 2] = b;
      if (c === 4) px[i * c + 3] = rgba[i * 4 + 3] ?? 255;
    }
  }
  if (height === size[0] && width === size[1]) return px;
  return tf.tidy(() => {
    const t = tf.tensor3d(px, [height, width, c]);
    return tf.image.resizeBilinear(t, size, false, true).dataSync() as Float32Array;
  });
}

export interface ImageFolder {
  classes: string[];
  files: { path: string; label: string }[];
}

/** Lists a class-per-subfolder directory (files sorted within each class, classes sorted). */
export async function listImageFolder(dir: string, given: string, loc?: SourceLocation): Promise<ImageFolder> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError({ message: `${given}: ${code === 'ENOENT' ? `folder not found (looked for ${dir})` : code === 'ENOTDIR' ? 'is a file, not a folder of class subfolders' : (e as Error).message}`, loc });
  }
  const classes = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  if (classes.length === 0) throw new DataError({ message: `${given} has no subfolders: put the images of each class in a subfolder named after the class`, loc });
  const files: ImageFolder['files'] = [];
  for (const cls of classes) {
    const names = (await fs.readdir(path.join(dir, cls))).filter((n) => EXTENSIONS.has(path.extname(n).toLowerCase())).sort();
    for (const n of names) files.push({ path: path.join(dir, cls, n), label: cls });
  }
  if (files.length === 0) throw new DataError({ message: `${given} has class subfolders (${classes.join(', ')}) but no .png/.jpg/.jpeg images in them`, loc });
  return { classes, files };
}

/** Reads and resizes images into one [n, h, w, c] row-major array. */
export async function readImages(files: string[], size: [number, number], mode: ColorMode, rescale: number | undefined, showName: (p: string) => string): Promise<Float32Array> {
  const per = size[0] * size[1] * channelsOf(mode);
  const x = new Float32Array(files.length * per);
  for (let i = 0; i < files.length; i++) {
    const f = files[i] ?? '';
    const arr = imageToArray(new Uint8Array(await fs.readFile(f)), showName(f), size, mode);
    if (rescale !== undefined) for (let j = 0; j < arr.length; j++) arr[j] = (arr[j] ?? 0) * rescale;
    x.set(arr, i * per);
  }
  return x;
}
