/**
 * Recognises input that is not delimited text at all (a compressed archive, an image, a web page,
 * a UTF-16 file) from its first bytes, so the user hears what the file is instead of a confusing
 * complaint about its "header". Works on decoded text (a file or stdin read as UTF-8): the magic
 * bytes survive as their characters or as U+FFFD.
 */

/** Known binary formats by their first characters once read as UTF-8. */
const MAGIC: { starts: string; what: string; fix: string }[] = [
  { starts: '\u001f\ufffd', what: 'a gzip-compressed file', fix: 'decompress it first (gunzip FILE)' },
  { starts: 'PK\u0003\u0004', what: 'a ZIP archive', fix: 'extract the CSV from it first (unzip FILE)' },
  { starts: 'BZh', what: 'a bzip2-compressed file', fix: 'decompress it first (bunzip2 FILE)' },
  { starts: '\ufffd7zXZ', what: 'an xz-compressed file', fix: 'decompress it first (unxz FILE)' },
  { starts: '(\ufffd/\ufffd', what: 'a zstd-compressed file', fix: 'decompress it first (unzstd FILE)' },
  { starts: '\ufffdPNG', what: 'a PNG image', fix: 'images are read with data.train: {images: FOLDER} and predicted by giving the image or its folder' },
  { starts: '\ufffd\ufffd\ufffd', what: 'a binary file (a JPEG image or similar)', fix: 'give the CSV text file' },
  { starts: '%PDF', what: 'a PDF document', fix: 'give the CSV text file' },
  { starts: '\u0093NUMPY', what: 'a NumPy .npy array', fix: 'name it with the .npy extension so it is read as an array' },
];

/**
 * Why `head` (the first few KB of an input, decoded) is not `format` text, or undefined when it
 * looks like text. The reason ends with the fix.
 */
export function notTextReason(head: string, format: 'CSV' | 'JSON' = 'CSV'): string | undefined {
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  for (const m of MAGIC) if (text.startsWith(m.starts)) return `this is ${m.what}, not ${format} text; ${m.fix}`;
  // UTF-16 text decoded as UTF-8: every other character is NUL (control characters are the point here).
  // eslint-disable-next-line no-control-regex
  if (/^(?:\ufffd\ufffd)?(?:[^\u0000]\u0000){4}/.test(text)) return `this file is UTF-16 encoded; save it as UTF-8 (iconv -f UTF-16 -t UTF-8 FILE)`;
  const nul = text.indexOf('\u0000');
  if (nul >= 0) return `this is a binary file, not ${format} text (it holds NUL bytes, the first at character ${nul + 1}); give the ${format} text file`;
  const trimmed = text.trimStart().slice(0, 200).toLowerCase();
  if (/^<!doctype html|^<html[\s>]|^<head[\s>]|^<body[\s>]/.test(trimmed)) return `this is an HTML page, not ${format} text (a download that saved a web page?); download the raw data file`;
  if (/^<\?xml/.test(trimmed)) return `this is an XML document, not ${format} text; convert it to ${format}`;
  if (format === 'CSV' && /^[{[]/.test(trimmed)) return 'this looks like JSON, not CSV text; name the file .json (a list of records) or .ndjson (one record per line) so it is read as JSON';
  // Many replacement characters: bytes that are not UTF-8 at all.
  const bad = (text.match(/\ufffd/g) ?? []).length;
  if (text.length >= 16 && bad > text.length / 10) return `this is a binary file, not ${format} text (it is not valid UTF-8); give the ${format} text file`;
  // Control characters other than tab, CR and LF do not occur in text files.
  // eslint-disable-next-line no-control-regex
  const control = text.search(/[\u0001-\u0008\u000b\u000c\u000e-\u001a\u001c-\u001f]/);
  if (control >= 0) return `this is a binary file, not ${format} text (it holds control character U+${text.charCodeAt(control).toString(16).padStart(4, '0').toUpperCase()}); give the ${format} text file`;
  return undefined;
}
