// npm run bench:scan — scanFolder over 10,000 image files in 100 folders (empty files: the scan reads names and
// stat, not contents); median of 5 scans after one warm-up (the OS caches the directory entries, as on a re-scan).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scanFolder } from '../src/node/project/scanFolder.ts';
import { fmt, machineLine, median } from './benchStats.ts';

const root = mkdtempSync(path.join(tmpdir(), 'sp-scan-bench-'));
for (let d = 0; d < 100; d++) {
  mkdirSync(path.join(root, `folder${d}`));
  for (let i = 0; i < 100; i++) writeFileSync(path.join(root, `folder${d}`, `IMG_${i}.jpg`), '');
}
await scanFolder(root);
const times: number[] = [];
for (let r = 0; r < 5; r++) {
  const t = performance.now();
  const s = await scanFolder(root);
  times.push(performance.now() - t);
  if (s.files.length !== 10_000) throw new Error('wrong count');
}
rmSync(root, { recursive: true, force: true });
console.log(`machine: ${machineLine()}`);
console.log(JSON.stringify({ files: 10_000, folders: 100, median_ms: Number(fmt(median(times), 1)) }));
