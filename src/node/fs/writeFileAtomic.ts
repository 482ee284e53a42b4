import { readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiError, type ApiErrorCode } from '../../contract/apiErrors.ts';

/**
 * `.<name>.<pid>.<ms since epoch>.tmp`: the temporary file writeFileAtomic writes beside its target (older versions
 * wrote it without the leading dot). The time is 13 digits and must be one a write of this app could have had
 * (MADE_AFTER_MS … now + a day): a user's `notes.1.202405061230.tmp` looks alike, and is not ours to delete.
 */
const TEMP_NAME = /^\.?.+\.(\d{1,10})\.(\d{13})\.tmp$/;
/** 2020-01-01: no temporary file of this app is older. */
const MADE_AFTER_MS = Date.UTC(2020, 0, 1);
/** No write of this app takes a day: a temporary file that old is stale whoever made it (its pid may be reused). */
const STALE_AFTER_MS = 24 * 3600_000;

const CODE_BY_ERRNO: Record<string, ApiErrorCode> = {
  EACCES: 'forbidden',
  EPERM: 'forbidden',
  EROFS: 'forbidden',
  ENOSPC: 'unavailable',
  ENOENT: 'not_found',
  ENOTDIR: 'bad_request',
  EISDIR: 'bad_request',
};

let lastStampMs = 0;

/**
 * The time in a temporary file's name: now, but never the same twice in this process, so that two writes of one file
 * at once (the inference worker storing the maps of two identical photos: one map cache key) each have their own.
 */
function tempStampMs(): number {
  lastStampMs = Math.max(Date.now(), lastStampMs + 1);
  return lastStampMs;
}

export interface WriteAtomicOptions {
  /**
   * Remove this app's stale temporary files in the target's folder first (default true: a write killed half-way
   * leaves one). Bulk writers of many files in one folder sweep once (`removeStaleTempFiles`) and pass false.
   */
  sweep?: boolean;
}

/**
 * Writes a file so that readers see either the old or the new content, never half of it: write a temporary file
 * beside it, then rename over the target. Errors name the file and the reason (read-only folder, full disk, …).
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array | Iterable<string>,
  o: WriteAtomicOptions = {},
): Promise<void> {
  const dir = path.dirname(file);
  if (o.sweep !== false) await removeStaleTempFiles(dir);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${tempStampMs()}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? 'the folder is not writable'
        : code === 'ENOSPC'
          ? 'the disk is full'
          : code === 'ENOENT'
            ? 'the folder does not exist'
            : code === 'ENOTDIR'
              ? 'a part of the path is not a folder'
              : code === 'EISDIR'
                ? 'it is a folder'
                : (e as Error).message;
    // The user's folder, not the app, is the problem: a refusal with its code (403/404/400/503), never a bare 500.
    throw new ApiError(
      CODE_BY_ERRNO[code ?? ''] ?? 'internal',
      `cannot write ${file}: ${why}${code ? ` (${code})` : ''}`,
    );
  }
}

/**
 * Deletes the temporary files writeFileAtomic left in `dir` when its process was killed: those whose process is
 * gone, and any older than a day. Another live process's file (a write in progress) is kept. Returns the names
 * removed; a folder that cannot be listed is left alone (the write itself then says why).
 */
export async function removeStaleTempFiles(dir: string, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const pid = Number(m[1]),
      madeMs = Number(m[2]);
    if (madeMs < MADE_AFTER_MS || madeMs > now + STALE_AFTER_MS) continue;
    const old = now - madeMs > STALE_AFTER_MS;
    if (!old && (pid === process.pid || processExists(pid))) continue;
    const file = path.join(dir, name);
    try {
      if (!(await stat(file)).isFile()) continue;
      await rm(file, { force: true });
      removed.push(name);
    } catch {
      /* gone meanwhile, or not ours to remove */
    }
  }
  return removed;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}
