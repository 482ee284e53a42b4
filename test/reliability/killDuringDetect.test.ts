// kill -9 of a real `simplepose detect` at random moments (seeded): after every kill, each stored prediction has its
// cached maps (the attack found, after 2 of 22 kills, an image with a prediction but no maps that nothing
// regenerated); the last run completes every image exactly once.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openProjectDb } from '../../src/node/db/openProjectDb.ts';
import { MapCache, mapCacheKey, projectCacheDir, runMapSettings } from '../../src/node/project/mapCache.ts';
import { MODEL_FIXTURES, PROJECT_ROOT } from '../support/fixturePaths.ts';

const MODEL = path.join(MODEL_FIXTURES, 'tiny.onnx');
const IMAGES = 16;
const KILLS = 8;

/** Park–Miller: the same kill moments on every run of the test. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
}

async function folder(): Promise<string> {
  const root = mkdtempSync(path.join(tmpdir(), 'sp-kill-detect-'));
  for (let i = 0; i < IMAGES; i++) {
    const noise = Buffer.alloc(160 * 120 * 3);
    for (let k = 0; k < noise.length; k++) noise[k] = (k * 31 + i * 97) % 251;
    writeFileSync(
      path.join(root, `img${String(i).padStart(2, '0')}.png`),
      await sharp(noise, { raw: { width: 160, height: 120, channels: 3 } })
        .png()
        .toBuffer(),
    );
  }
  return root;
}

/** Runs detect; kills it `delayMs` after its first progress line (null: lets it finish). Resolves with its stdout. */
function detect(root: string, delayMs: number | null): Promise<string> {
  const args = ['detect', root, '--model', MODEL, '--scales', '0.5', '--flip', '--provider', 'cpu', '--json'];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'simplepose.js'), ...args], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '',
      armed = false;
    child.stdout.on('data', (d) => {
      out += String(d);
      if (delayMs !== null && !armed && out.includes('"event":"progress"')) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('exit', () => resolve(out));
  });
}

/** Predictions whose maps are not in the cache (row and readable files). */
async function predictionsWithoutMaps(root: string): Promise<string[]> {
  const db = openProjectDb(path.join(root, '.simplepose.sqlite'));
  try {
    const rows = db
      .prepare(
        `SELECT i.rel_path, i.content_hash AS image_hash, p.run_id FROM predictions p JOIN images i ON i.id = p.image_id`,
      )
      .all() as { rel_path: string; image_hash: string; run_id: number }[];
    const cache = new MapCache(db, projectCacheDir(root));
    const bad: string[] = [];
    for (const r of rows) {
      // the key as the app builds it for a run (mapCache.ts), so this checks what the overlay will look up
      const run = runMapSettings(db, r.run_id)!;
      if (!(await cache.get(mapCacheKey(r.image_hash, run)))) bad.push(r.rel_path);
    }
    return bad;
  } finally {
    db.close();
  }
}

describe('kill -9 during detect', () => {
  it(`${KILLS} kills at random moments never leave a prediction without its maps`, async () => {
    const root = await folder();
    const next = random(20261201);
    for (let k = 0; k < KILLS; k++) {
      await detect(root, Math.floor(next() * 400));
      expect(await predictionsWithoutMaps(root), `after kill ${k + 1}`).toEqual([]);
    }
    const last = (await detect(root, null)).trim().split('\n').at(-1)!;
    expect(JSON.parse(last)).toMatchObject({ event: 'finished', status: 'done', done: IMAGES, total: IMAGES });
    expect(await predictionsWithoutMaps(root)).toEqual([]);
    const db = openProjectDb(path.join(root, '.simplepose.sqlite'));
    expect(db.prepare('SELECT COUNT(*), COUNT(DISTINCT image_id) FROM predictions').raw().get()).toEqual([
      IMAGES,
      IMAGES,
    ]);
    expect(db.prepare('SELECT COUNT(*) FROM inference_runs').pluck().get()).toBe(1);
    db.close();
  }, 180_000);
});
