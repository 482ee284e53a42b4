import { readFileSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';

/** A text file that cannot be read or is not UTF-8; `message` says which and where, never a bare errno. */
export class TextFileError extends Error {
  override name = 'TextFileError';
  /** `unreadable`: no such file, no permission, …; `encoding`: read, but not UTF-8. */
  readonly kind: 'unreadable' | 'encoding';
  constructor(kind: 'unreadable' | 'encoding', message: string) {
    super(message);
    this.kind = kind;
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

/** Why a file could not be read, in words. */
export function readFailure(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return (code && ERRNO_TEXT[code]) ?? (e as Error).message;
}

/**
 * Reads a file as strict UTF-8: a leading byte-order mark is dropped, and invalid bytes are reported with their
 * offset and line rather than silently replaced by U+FFFD (a replaced byte in a file name would import as another
 * file). Throws TextFileError.
 */
export function readUtf8FileSync(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new TextFileError('unreadable', `cannot be read (${readFailure(e)})`);
  }
  return decodeUtf8(bytes);
}

/** Strict UTF-8 → string (BOM dropped); TextFileError naming the first invalid byte. */
export function decodeUtf8(bytes: Buffer): string {
  if (!isUtf8(bytes)) {
    const at = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) line++;
    throw new TextFileError(
      'encoding',
      `is not valid UTF-8: byte ${at} (line ${line}) is 0x${bytes[at].toString(16).padStart(2, '0')}; save the file as UTF-8`,
    );
  }
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence (RFC 3629). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (n === 0) return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || (x & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (x & 0x3f);
    }
    const min = [0, 0x80, 0x800, 0x10000][n];
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return b.length;
}
