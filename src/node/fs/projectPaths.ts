import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readlinkSync,
  readSync,
  realpathSync,
  statSync,
  type Stats,
} from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../contract/apiErrors.ts';

/**
 * The one place where paths are resolved and confined. Two kinds of path reach the app from outside:
 * - project files (a database row's relative path, a COCO `file_name`, a scanned entry): `ProjectFiles.resolve`
 *   gives the real path (links resolved once, here) and refuses anything whose real path leaves the project folder;
 *   every route and job that reads a project file reads the path it returns;
 * - exchange files (COCO exports and imports named by a user): `exportTarget`, `exportFolder`, `importSource` check
 *   them against the transport's `ExchangePolicy` and never let an export replace the project's own files.
 */

/** True when the real path `real` is `dirReal` or lies below it. */
export function isInside(dirReal: string, real: string): boolean {
  return real === dirReal || real.startsWith(dirReal.endsWith(path.sep) ? dirReal : dirReal + path.sep);
}

const errnoOf = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** A project folder, resolved once; `resolve` is the only way from a project-relative path to a file to read. */
export class ProjectFiles {
  readonly root: string;
  private real: string | null = null;
  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** The folder's real path, resolved on first use (and again until the folder exists). */
  get rootReal(): string {
    if (this.real === null) {
      try {
        this.real = realpathSync.native(this.root);
      } catch {
        throw new ApiError('not_found', `${this.root}: the project folder does not exist`);
      }
    }
    return this.real;
  }

  /** The real path of the project file `rel` ('/'-separated, relative to the folder), inside the folder or refused. */
  resolve(rel: string): string {
    const outside = () => new ApiError('forbidden', `${rel}: the path leads outside the project folder`);
    if (!rel || rel.includes('\0') || path.isAbsolute(rel)) throw outside();
    const lexical = path.resolve(this.rootReal, rel);
    if (!isInside(this.rootReal, lexical)) throw outside();
    let real: string;
    try {
      real = realpathSync.native(lexical);
    } catch (e) {
      const code = errnoOf(e);
      if (code === 'EACCES' || code === 'EPERM') throw new ApiError('forbidden', `${rel}: permission denied`);
      if (code === 'ELOOP') throw new ApiError('forbidden', `${rel}: a loop of links`);
      throw new ApiError('not_found', `${rel}: no such file in the project folder`);
    }
    if (!isInside(this.rootReal, real)) throw outside();
    return real;
  }
}

/**
 * Which exchange files a transport may name:
 * - `folder`: web mode; any file inside `dir` (the project folder, or `serve --exchange-dir`);
 * - `picked`: Electron; only the path the user just chose in a native dialog of the main process (`take` consumes it);
 * - `any`: the CLI, whose arguments are the user's own choice.
 */
export type ExchangePolicy =
  | { kind: 'folder'; dir: string }
  | { kind: 'picked'; take(purpose: ExchangePurpose, file: string): boolean }
  | { kind: 'any' };
export type ExchangePurpose = 'export' | 'import';

/** The project's own files, which no export may replace. */
export interface ProjectOwnFiles {
  database?: string;
  cacheDir?: string;
}

const DB_SIDECARS = ['', '-wal', '-shm', '-journal'];
const NOT_REGULAR = 'it is not a regular file (a device, FIFO or socket)';
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0');

/** The absolute path an export of `file` writes (its folder resolved), or an ApiError saying why not. */
export function exportTarget(file: string, policy: ExchangePolicy, own: ProjectOwnFiles): string {
  const abs = usablePath(file, policy);
  confined(policy, 'export', abs, file);
  const name = path.basename(abs);
  let parent: string;
  try {
    parent = realpathSync.native(path.dirname(abs));
  } catch (e) {
    throw new ApiError(
      errnoOf(e) === 'ENOENT' ? 'not_found' : 'forbidden',
      `cannot write ${file}: the folder ${path.dirname(abs)} ${errnoOf(e) === 'ENOENT' ? 'does not exist' : 'cannot be used'}`,
    );
  }
  let target = path.join(parent, name);
  const link = lstatSync(target, { throwIfNoEntry: false });
  if (link?.isSymbolicLink()) target = realOrSelf(target);
  const st = statSync(target, { throwIfNoEntry: false });
  if (st?.isDirectory()) throw new ApiError('bad_request', `cannot write ${file}: it is a folder`);
  allowedBy(policy, 'export', abs, target, file);
  // A FIFO would block the process in open(); a device (`/dev/null`, as root) would be replaced by the file.
  if (st && !st.isFile()) throw new ApiError('forbidden', `cannot write ${file}: ${NOT_REGULAR}; choose another file`);
  const why = ownFileReason(target, st, own) ?? (st ? replaceableReason(target) : null);
  if (why) throw new ApiError('forbidden', `cannot write ${file}: ${why}; choose another file`);
  return target;
}

/** The folder a per-image export writes into (created by the export), checked as `exportTarget` checks a file. */
export function exportFolder(dir: string, policy: ExchangePolicy, own: ProjectOwnFiles): string {
  const abs = usablePath(dir, policy);
  confined(policy, 'export', abs, dir);
  let existing = abs;
  while (!statSync(existing, { throwIfNoEntry: false }) && path.dirname(existing) !== existing)
    existing = path.dirname(existing);
  const real = path.join(realOrSelf(existing), path.relative(existing, abs));
  if (statSync(real, { throwIfNoEntry: false })?.isFile())
    throw new ApiError('bad_request', `cannot write into ${dir}: it is a file, not a folder`);
  allowedBy(policy, 'export', abs, real, dir);
  const why = ownFileReason(real, undefined, own);
  if (why) throw new ApiError('forbidden', `cannot write into ${dir}: ${why}; choose another folder`);
  return real;
}

/** The real path of a COCO file to import, checked against the policy. */
export function importSource(file: string, policy: ExchangePolicy): string {
  const abs = usablePath(file, policy);
  if (policy.kind === 'picked') allowedBy(policy, 'import', abs, abs, file); // before anything is looked at
  confined(policy, 'import', abs, file);
  let real: string;
  try {
    real = realpathSync.native(abs);
  } catch (e) {
    throw new ApiError(
      errnoOf(e) === 'ENOENT' ? 'not_found' : 'forbidden',
      `cannot read ${file}: ${errnoOf(e) === 'ENOENT' ? 'no such file' : 'permission denied'}`,
    );
  }
  if (policy.kind !== 'picked') allowedBy(policy, 'import', abs, real, file);
  const st = statSync(real);
  if (st.isDirectory()) throw new ApiError('bad_request', `cannot read ${file}: it is a folder`);
  // A FIFO would block the process in its read; a device (/dev/zero) would never end.
  if (!st.isFile()) throw new ApiError('bad_request', `cannot read ${file}: ${NOT_REGULAR}`);
  return real;
}

/**
 * The real path of a model file a request names (startDetect, setDetectSetup): a file inside one of `trusted`
 * (the app's bundled models, the project's own models folder), or one the exchange policy lets the caller import
 * (web mode: inside the exchange folder; Electron: the file chosen in the open dialog). Anything else is a 403: a
 * page holding the token must not have any file on disk loaded as a model.
 */
export function modelSource(file: string, policy: ExchangePolicy, trusted: string[]): string {
  if (typeof file === 'string' && path.isAbsolute(file) && !file.includes('\0')) {
    const real = realOrSelf(path.resolve(file));
    if (trusted.some((dir) => isInside(realOrSelf(path.resolve(dir)), real))) {
      const st = statSync(real, { throwIfNoEntry: false });
      if (!st) throw new ApiError('not_found', `cannot read ${file}: no such file`);
      if (!st.isFile()) throw new ApiError('bad_request', `cannot read ${file}: it is not a file`);
      return real;
    }
  }
  try {
    return importSource(file, policy);
  } catch (e) {
    if (e instanceof ApiError && e.code === 'forbidden' && policy.kind !== 'any')
      throw new ApiError(
        'forbidden',
        `${file}: a model must be the app's own, in the project's models folder, or ${policy.kind === 'folder' ? `inside the exchange folder ${policy.dir}` : 'the file chosen in the open dialog'}`,
      );
    throw e;
  }
}

function usablePath(file: string, policy: ExchangePolicy): string {
  if (typeof file !== 'string' || !file.trim() || file.includes('\0'))
    throw new ApiError('bad_request', `${JSON.stringify(file)} is not a usable path`);
  // Web mode: a relative name lies in the exchange folder (never the server's working directory); the answer names
  // the full path. Electron's dialog always gives absolute paths; the CLI resolves against its working directory.
  if (policy.kind === 'picked' && !path.isAbsolute(file))
    throw new ApiError('bad_request', `${file}: give an absolute path`);
  const abs = policy.kind === 'folder' ? path.resolve(policy.dir, file) : path.resolve(file);
  if (abs === path.parse(abs).root) throw new ApiError('bad_request', `${file} is not a usable path`);
  return abs;
}

function allowedBy(policy: ExchangePolicy, purpose: ExchangePurpose, abs: string, real: string, file: string): void {
  if (policy.kind === 'folder') {
    const dir = realOrSelf(path.resolve(policy.dir));
    if (!isInside(dir, real))
      throw new ApiError(
        'forbidden',
        `${file}: outside the exchange folder ${policy.dir} (web mode reads and writes COCO files only there; ` +
          "the server's --exchange-dir DIR names another)",
      );
  } else if (policy.kind === 'picked' && !policy.take(purpose, abs))
    throw new ApiError('forbidden', `${file}: not the file chosen in the ${purpose} dialog`);
}

/**
 * Folder policy: refuses a path whose real path (or the one it would have) leaves the exchange folder before
 * anything else is said about it, so that whether a file, folder or link exists outside is never told (a 404 or a
 * 400 there and a 403 elsewhere would map the server's disk). The callers' later checks are about paths inside.
 */
function confined(policy: ExchangePolicy, purpose: ExchangePurpose, abs: string, file: string): void {
  if (policy.kind === 'folder') allowedBy(policy, purpose, abs, plannedReal(abs), file);
}

/** Links a dangling chain may follow before giving up, as the kernel's ELOOP limit. */
const MAX_LINK_HOPS = 40;

/**
 * The real path `abs` has, or would have: resolved as far as it exists, a dangling link followed to where it points
 * (its target's folder resolved again), the missing rest appended lexically.
 */
function plannedReal(abs: string, hops = 0): string {
  try {
    return realpathSync.native(abs);
  } catch {
    // missing, a dangling link, a loop, or not searchable: resolved from its folder down
  }
  const parent = path.dirname(abs);
  if (parent === abs) return abs;
  const here = path.join(plannedReal(parent, hops), path.basename(abs));
  let link: string | null = null;
  try {
    if (lstatSync(here, { throwIfNoEntry: false })?.isSymbolicLink()) link = readlinkSync(here);
  } catch {
    // not searchable: `here` is as far as it resolves
  }
  if (link === null || hops >= MAX_LINK_HOPS) return here;
  return plannedReal(path.resolve(path.dirname(here), link), hops + 1);
}

/** Why `target` (a real path) is one of the project's own files, or null. */
function ownFileReason(target: string, st: Stats | undefined, own: ProjectOwnFiles): string | null {
  if (own.database) {
    const db = realOrSelf(path.resolve(own.database));
    for (const suffix of DB_SIDECARS) {
      if (target === db + suffix) return 'it is the project database';
      const side = st && statSync(db + suffix, { throwIfNoEntry: false });
      if (side && side.ino === st.ino && side.dev === st.dev) return 'it is the project database (under another name)';
    }
  }
  if (own.cacheDir && isInside(realOrSelf(path.resolve(own.cacheDir)), target))
    return "it is inside the project's map cache";
  if (target.split(path.sep).some((part) => part.startsWith('.simplepose')))
    return "it belongs to a SimplePose project's own files (database or map cache)";
  return null;
}

/** An export replaces only a JSON file (an earlier export): never a database, an image or any other data. */
function replaceableReason(target: string): string | null {
  const head = Buffer.alloc(64);
  let n = 0;
  try {
    // Non-blocking: a FIFO swapped in since the check must not block the process here either.
    const fd = openSync(target, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      if (!fstatSync(fd).isFile()) return NOT_REGULAR;
      n = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return 'it exists and cannot be read';
  }
  if (head.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) return 'it is an SQLite database';
  const first = head.subarray(0, n).toString('latin1').trimStart()[0];
  if (first === undefined || first === '{' || first === '[') return null;
  return 'it exists and is not a JSON file (an export replaces only an earlier JSON file)';
}

function realOrSelf(p: string): string {
  try {
    return realpathSync.native(p);
  } catch {
    return p;
  }
}
