// Two (or more) writers editing the same persons of one image over HTTP, as two windows, two servers or a script
// next to the app do: each keeps the annotation it last saw, sends every edit with that revision, and on 409
// re-applies its own change to the current annotation (what the review app does). Used by the two-writer attack
// test and `npm run bench:edits`; the outcome is judged by reading the project database afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { moveJoint } from '../../src/core/edit/poseEdits.ts';
import { applyDiff, type RecordDiff } from '../../src/core/edit/recordDiff.ts';
import { EMPTY_ANNOTATION, type AnnotationState } from '../../src/core/edit/poseRecords.ts';
import { jsonEqual } from '../../src/core/edit/jsonEqual.ts';
import { PROJECT_ROOT } from './fixturePaths.ts';

export interface Endpoint {
  /** http://127.0.0.1:PORT */
  base: string;
  token: string;
}

/** An edit the server acknowledged (200): which joint, the value written, and the revision it produced. */
export interface Acknowledged {
  writer: number;
  personId: string;
  joint: number;
  x: number;
  y: number;
  revision: number;
}

export interface WritersOutcome {
  acknowledged: Acknowledged[];
  /** Edits the server refused for any reason but a revision conflict (e.g. "database is locked"), with the reason. */
  refused: string[];
  /** 409s answered by re-applying the writer's own change to the current annotation. */
  conflicts: number;
}

// biome-ignore lint/suspicious/noExplicitAny: the writers read the response body field by field
async function call(e: Endpoint, method: string, body: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(`${e.base}/api/${method}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${e.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: await r.json() };
}

/**
 * Runs `editsPerWriter` joint moves per writer, all writers at once, over `personIds` × 17 joints (so writers hit
 * the same person, and often the same joint, from stale states). Every value written is unique, so the final
 * annotation tells which acknowledged edit survived.
 */
export async function runWriters(
  endpoints: Endpoint[],
  o: { imageId: number; personIds: string[]; editsPerWriter: number; seed?: number; sendRevision?: boolean },
): Promise<WritersOutcome> {
  const out: WritersOutcome = { acknowledged: [], refused: [], conflicts: 0 };
  let rnd = o.seed ?? 1;
  const random = () => {
    rnd = (rnd * 1103515245 + 12345) % 2 ** 31;
    return rnd / 2 ** 31;
  };
  await Promise.all(
    endpoints.map(async (e, writer) => {
      let seen = (await call(e, 'getAnnotation', { imageId: o.imageId })).json as {
        state: AnnotationState;
        revision: number;
      };
      for (let n = 0; n < o.editsPerWriter; n++) {
        const personId = o.personIds[Math.floor(random() * o.personIds.length)];
        const joint = Math.floor(random() * 17);
        const x = 10 + (n * endpoints.length + writer) / 8,
          y = 10 + joint;
        for (let attempt = 0; ; attempt++) {
          const diff = moveJoint(seen.state, personId, joint, x, y);
          const revision = o.sendRevision === false ? {} : { revision: seen.revision };
          const step = { kind: 'do', diff, label: 'move' };
          // A script that never names a revision (sendRevision: false) claims the oldest one, 0.
          const r = await call(e, 'saveEdits', { imageId: o.imageId, revision: 0, ...revision, steps: [step] });
          if (r.status === 200) {
            // The answer holds the annotation only when the edit was re-based onto other writers' changes.
            seen = r.json.current ?? { state: applyDiff(seen.state, diff), revision: r.json.revision };
            out.acknowledged.push({ writer, personId, joint, x, y, revision: r.json.revision });
            break;
          }
          // A revision conflict (not "database is locked", which older versions also answered with 409).
          if (r.status === 409 && !/locked|busy/i.test(r.json.error) && attempt < 20) {
            out.conflicts++;
            seen = r.json.details ?? (await call(e, 'getAnnotation', { imageId: o.imageId })).json;
            continue;
          }
          out.refused.push(`${r.status}: ${r.json.error}`);
          break;
        }
      }
    }),
  );
  return out;
}

/**
 * Reads the outcome back from the project database: `lost` counts acknowledged edits that should be in the final
 * annotation (no later acknowledged edit wrote the same joint) but are not; the history must replay to the final
 * state, one row per acknowledged edit.
 */
export function judgeOutcome(
  db: Database.Database,
  imageId: number,
  initial: AnnotationState,
  o: WritersOutcome,
): { lost: number; refused: number; historyRows: number; replays: boolean; finalRevision: number } {
  const row = db.prepare('SELECT persons_json, revision FROM annotations WHERE image_id = ?').get(imageId) as {
    persons_json: string;
    revision: number;
  };
  const final = JSON.parse(row.persons_json) as AnnotationState;
  const last = new Map<string, Acknowledged>();
  for (const a of o.acknowledged) {
    const key = `${a.personId}/${a.joint}`;
    if ((last.get(key)?.revision ?? -1) < a.revision) last.set(key, a);
  }
  let lost = 0;
  for (const a of last.values()) {
    const j = final.persons[a.personId]?.joints[a.joint];
    if (!j || j.x !== a.x || j.y !== a.y) lost++;
  }
  const diffs = db
    .prepare('SELECT diff_json FROM edits WHERE image_id = ? AND undone = 0 ORDER BY seq')
    .pluck()
    .all(imageId) as string[];
  let replay = initial;
  let replays = true;
  try {
    for (const d of diffs.slice(1)) replay = applyDiff(replay, (JSON.parse(d) as { diff: RecordDiff }).diff);
  } catch {
    replays = false;
  }
  return {
    lost,
    refused: o.refused.length,
    historyRows: diffs.length - 1,
    replays: replays && jsonEqual(replay, final),
    finalRevision: row.revision,
  };
}

/** Starts `simplepose serve --project FILE --root DIR` as its own process; resolves with its endpoint. */
export function spawnServer(
  project: string,
  root: string,
  env: Record<string, string> = {},
): Promise<{ endpoint: Endpoint; url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [path.join(PROJECT_ROOT, 'bin', 'simplepose.js'), 'serve', '--project', project, '--root', root, '--json'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  return new Promise((resolve, reject) => {
    let out = '',
      err = '';
    child.stderr!.on('data', (d) => {
      err += String(d);
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
    child.stdout!.on('data', (d) => {
      out += String(d);
      if (!out.includes('\n')) return;
      const info = JSON.parse(out.trim().split('\n')[0]) as { url: string; port: number };
      resolve({
        endpoint: { base: `http://127.0.0.1:${info.port}`, token: new URL(info.url).searchParams.get('token')! },
        url: info.url,
        child,
      });
    });
  });
}

/** The image the writers edit: persons with every joint placed (what `runWriters` moves). */
export function seedImage(db: Database.Database, persons: number, width = 4000, height = 4000): AnnotationState {
  db.prepare(
    "INSERT INTO images (id, rel_path, content_hash, byte_size, width, height, mtime_ms, added_at) VALUES (1, 'shared.jpg', 'h', 1, ?, ?, 0, 0)",
  ).run(width, height);
  let state = EMPTY_ANNOTATION;
  const added: AnnotationState['persons'] = {};
  for (let p = 0; p < persons; p++) {
    const id = `w${p}`;
    added[id] = {
      id,
      crowd: false,
      joints: Array.from({ length: 17 }, (_, k) => ({ x: 5 + p, y: 5 + k, v: 2 as const, source: 'human' as const })),
    };
  }
  state = applyDiff(state, { added, updated: {}, removed: {} });
  db.prepare('INSERT INTO annotations (image_id, persons_json, revision, updated_at) VALUES (1, ?, 1, 0)').run(
    JSON.stringify(state),
  );
  db.prepare('INSERT INTO edits (image_id, seq, diff_json, created_at) VALUES (1, 1, ?, 0)').run(
    JSON.stringify({ diff: { added, updated: {}, removed: {} }, label: 'seed' }),
  );
  return state;
}
