import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { type Dirent, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The sources the app's build bundles (out/: main, preload, renderer). */
const SOURCES = ['src/renderer', 'src/main', 'src/preload', 'src/core', 'src/contract', 'src/node'];

/** Newest modification time under a folder (0 when it does not exist). */
function newest(dir: string): number {
  let t = 0;
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const f = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(f) : statSync(f).mtimeMs);
  }
  return t;
}

export const rendererIndex = (root: string) => path.join(root, 'out', 'renderer', 'index.html');

/** Whether `root`'s review-app build is there and newer than its sources. */
export function buildState(root: string): 'fresh' | 'stale' | 'missing' {
  const index = rendererIndex(root);
  if (!existsSync(index)) return 'missing';
  const built = statSync(index).mtimeMs;
  return SOURCES.some((d) => newest(path.join(root, d)) > built) ? 'stale' : 'fresh';
}

/** The build tool of a checkout (a dev dependency: absent from an installed app, which ships its build). */
export function builderOf(root: string): string | null {
  const bin = path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  return existsSync(bin) ? bin : null;
}

/**
 * Runs `electron-vite build` when out/ is missing or older than the sources it bundles (what `npm start` does);
 * throws with the tool's output if it fails. Two processes asking at once build once: the first takes a lock (a
 * folder in the temp folder, named after the checkout: made atomically, and outside out/, which the build empties),
 * the others wait for it and re-check.
 */
export function ensureBuild(root: string, log: (line: string) => void = console.log): void {
  if (buildState(root) === 'fresh') return;
  const builder = builderOf(root);
  if (!builder)
    throw new Error(
      `the app is not built and cannot be built here (no electron-vite under ${root}/node_modules): run npm ci, then npm run build`,
    );
  const lock = path.join(
    tmpdir(),
    `simplepose-build-${createHash('sha256').update(path.resolve(root)).digest('hex').slice(0, 12)}.lock`,
  );
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another process builds; a lock older than the deadline is a crashed build's.
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (age > 10 * 60_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`the app build stayed locked by ${lock}: remove it and retry`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    if (buildState(root) === 'fresh') return; // built meanwhile by whoever held the lock
    log('building the app (electron-vite build)…');
    const r = spawnSync(process.execPath, [builder, 'build'], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`electron-vite build failed:\n${r.stderr}${r.stdout}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
