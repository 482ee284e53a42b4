import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Newest modification time under a folder. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const f = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(f) : statSync(f).mtimeMs);
  }
  return t;
}

/** Runs `electron-vite build` when out/ is missing or older than the sources it bundles; throws if it fails. */
export function ensureBuild(root: string, log: (line: string) => void = console.log): void {
  const index = path.join(root, 'out', 'renderer', 'index.html');
  const sources = ['src/renderer', 'src/main', 'src/preload', 'src/core', 'src/contract', 'src/node'].map((d) =>
    path.join(root, d),
  );
  const stale = !existsSync(index) || sources.some((d) => newest(d) > statSync(index).mtimeMs);
  if (!stale) return;
  log('building the app (electron-vite build)…');
  const r = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
    { cwd: root, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`electron-vite build failed:\n${r.stderr}${r.stdout}`);
}
