// npm run bench:chaos — everything that may write one project, at once, killed at random: two `simplepose serve`
// processes (four writers adding persons, setting statuses and undoing through them), a `simplepose detect` and a
// `simplepose import` of a COCO file that describes half of the images; every 0.3–1.2 s one of the four processes
// gets SIGKILL and is started again. Afterwards the project is read back: integrity_check, every acknowledged edit
// still there (unless undone), every image's history replaying to its stored annotation, every prediction with its
// cached maps, a valid export, the import saying "no change", no temporary file left. Baseline in the same process:
// one acknowledged person deleted behind the app's back must count as lost (the check can see a loss).
// `-- --seconds=60 --runs=3`.
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { jsonEqual } from '../src/core/edit/jsonEqual.ts';
import { EMPTY_ANNOTATION, type AnnotationState } from '../src/core/edit/poseRecords.ts';
import { applyDiff, type RecordDiff } from '../src/core/edit/recordDiff.ts';
import { type Endpoint, spawnServer } from '../test/support/editWriters.ts';
import { MODEL_FIXTURES, PROJECT_ROOT } from '../test/support/fixturePaths.ts';
import { machineLine, median } from './benchStats.ts';

const arg = (name: string, d: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d);
const SECONDS = arg('seconds', 60);
const RUNS = arg('runs', 3);
const CLI = path.join(PROJECT_ROOT, 'bin', 'simplepose.js');
const SAMPLE = path.join(PROJECT_ROOT, 'resources', 'sample-project');
const MODEL = path.join(MODEL_FIXTURES, 'tiny.onnx');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Acked {
  imageId: number;
  personId: string;
}

/** Runs a CLI command to its end; its exit code and last line of stderr/stdout. */
function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout!.on('data', (d) => (out += d));
    c.stderr!.on('data', (d) => (out += d));
    c.on('exit', (code) => resolve({ code, out: out.trim().split('\n').at(-1) ?? '' }));
  });
}

async function campaign() {
  const base = mkdtempSync(path.join(tmpdir(), 'sp-chaos-'));
  const root = path.join(base, 'project');
  cpSync(path.join(SAMPLE, 'images'), root, { recursive: true });
  const gt = JSON.parse(readFileSync(path.join(SAMPLE, 'annotations.json'), 'utf8'));
  const imported = new Set(gt.images.slice(0, gt.images.length / 2).map((im: { id: number }) => im.id));
  const half = {
    ...gt,
    images: gt.images.filter((im: { id: number }) => imported.has(im.id)),
    annotations: gt.annotations.filter((a: { image_id: number }) => imported.has(a.image_id)),
  };
  const cocoFile = path.join(base, 'half.json');
  writeFileSync(cocoFile, JSON.stringify(half));
  const db = path.join(root, '.simplepose.sqlite');
  const importArgs = ['import', cocoFile, '--images', root, '--project', db];
  await cli(importArgs); // creates the project
  const detectArgs = ['detect', root, '--model', MODEL, '--scales', '0.5'];
  const procs: Record<string, { child: ChildProcess | null; endpoint?: Endpoint }> = {
    s0: { child: null },
    s1: { child: null },
    detect: { child: null },
    import: { child: null },
  };
  const start = async (k: string) => {
    if (k === 's0' || k === 's1') {
      const s = await spawnServer(db, root);
      procs[k] = { child: s.child, endpoint: s.endpoint };
    } else {
      const c = spawn(process.execPath, [CLI, ...(k === 'detect' ? detectArgs : importArgs)], { stdio: 'ignore' });
      c.on('exit', () => {
        if (procs[k].child === c) procs[k].child = null;
      });
      procs[k] = { child: c };
    }
  };
  for (const k of Object.keys(procs)) await start(k);
  const names = new Set(half.images.map((im: { file_name: string }) => im.file_name));
  const e0 = procs.s0.endpoint!;
  const listed = (await (
    await fetch(`${e0.base}/api/listImages`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${e0.token}`, 'Content-Type': 'application/json' },
      body: '{}',
    })
  ).json()) as { images: { id: number; relPath: string }[] };
  const free = listed.images.filter((im) => !names.has(im.relPath)).map((im) => im.id); // the import replaces the rest
  const f = { kills: 0, requests: 0, acknowledged: 0, refused: [] as string[] };
  const acked: Acked[] = [];
  let stop = false;
  const writer = async (k: string, w: number) => {
    for (let n = 0; !stop; ) {
      const e = procs[k].endpoint;
      if (!procs[k].child || !e) {
        await sleep(100);
        continue;
      }
      const call = async (method: string, body: unknown) => {
        f.requests++;
        const r = await fetch(`${e.base}/api/${method}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${e.token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
        // biome-ignore lint/suspicious/noExplicitAny: the bench reads the response body field by field
        return { status: r.status, json: (await r.json()) as Record<string, any> };
      };
      const imageId = free[(n * 7 + w) % free.length];
      try {
        const a = await call('getAnnotation', { imageId });
        const id = `w${w}n${n++}`;
        const joints = Array.from({ length: 17 }, (_, j) =>
          j < 3 ? { x: 10 + (n % 400), y: 10 + j, v: 2, source: 'human' } : null,
        );
        const order = a.json.state.order as string[];
        const r = await call('saveEdits', {
          imageId,
          revision: a.json.revision,
          steps: [
            {
              kind: 'do',
              label: 'add',
              diff: {
                added: { [id]: { id, joints, crowd: false } },
                updated: {},
                removed: {},
                order: [order, [...order, id]],
              },
            },
          ],
        });
        if (r.status === 200) {
          f.acknowledged++;
          acked.push({ imageId, personId: id });
        } else if (r.status !== 409) f.refused.push(`${r.status} ${r.json.error}`);
        if (n % 5 === 0) {
          const s = await call('setStatus', { imageId, status: 'in_progress' });
          if (s.status !== 200) f.refused.push(`setStatus ${s.status} ${s.json.error}`);
        }
        if (n % 9 === 0 && r.status === 200) {
          // At the revision just saved, so it undoes exactly one step of that state (a 409 otherwise): perhaps
          // another writer's, whichever persons it removed are no longer expected.
          const u = await call('undo', { imageId, revision: r.json.revision });
          if (u.status === 200 && u.json) {
            const after = (u.json.state as AnnotationState).persons;
            const gone = new Set(Object.keys((r.json.state as AnnotationState).persons).filter((p) => !after[p]));
            for (let i = acked.length - 1; i >= 0; i--)
              if (acked[i].imageId === imageId && gone.has(acked[i].personId)) acked.splice(i, 1);
          }
        }
      } catch {
        /* the server was killed under the request: nothing was acknowledged */
      }
    }
  };
  const writers = [writer('s0', 0), writer('s0', 1), writer('s1', 2), writer('s1', 3)];
  const t0 = Date.now();
  while (Date.now() - t0 < SECONDS * 1000) {
    await sleep(300 + Math.random() * 900);
    const k = Object.keys(procs)[Math.floor(Math.random() * 4)];
    if (procs[k].child) {
      procs[k].child!.kill('SIGKILL');
      procs[k].child = null;
      f.kills++;
    }
    await sleep(100);
    await start(k);
  }
  stop = true;
  await Promise.allSettled(writers);
  for (const p of Object.values(procs)) p.child?.kill('SIGKILL');
  await sleep(500);
  const checked = check(db, root, acked);
  const exported = await cli(['export', '--project', db, '--out', path.join(base, 'export.json')]);
  const again = await cli(importArgs);
  const baseline = lossSeen(db, acked, checked.lost);
  const temps = [root, path.join(root, '.simplepose-cache')].flatMap((d) =>
    existsSync(d) ? readdirSync(d).filter((n) => n.endsWith('.tmp')) : [],
  );
  rmSync(base, { recursive: true, force: true });
  return {
    ...f,
    refused: f.refused.length,
    ...checked,
    exportOk: exported.code === 0,
    importNoChange: again.code === 0 && /^no change/.test(again.out),
    tempFiles: temps.length,
    baselineLossSeen: baseline,
  };
}

/** The project read back after the campaign. */
function check(file: string, root: string, acked: Acked[]) {
  const d = new Database(file, { readonly: true });
  try {
    const integrity = d.pragma('integrity_check', { simple: true });
    const stored = new Map<number, AnnotationState>();
    let replayFailures = 0;
    for (const r of d.prepare('SELECT image_id, persons_json FROM annotations').all() as {
      image_id: number;
      persons_json: string;
    }[]) {
      stored.set(r.image_id, JSON.parse(r.persons_json));
      const diffs = d
        .prepare('SELECT diff_json FROM edits WHERE image_id = ? AND undone = 0 ORDER BY seq')
        .pluck()
        .all(r.image_id) as string[];
      let s = EMPTY_ANNOTATION;
      try {
        for (const x of diffs) s = applyDiff(s, (JSON.parse(x) as { diff: RecordDiff }).diff);
        if (!jsonEqual(s, stored.get(r.image_id))) replayFailures++;
      } catch {
        replayFailures++;
      }
    }
    const lost = acked.filter((a) => !stored.get(a.imageId)?.persons[a.personId]).length;
    const predictions = d.prepare('SELECT COUNT(*) FROM predictions').pluck().get() as number;
    const withoutMaps = d
      .prepare(
        'SELECT COUNT(*) FROM predictions p JOIN images i ON i.id = p.image_id WHERE NOT EXISTS (SELECT 1 FROM map_cache m WHERE m.image_hash = i.content_hash)',
      )
      .pluck()
      .get() as number;
    let missingMapFiles = 0;
    for (const entry of d.prepare('SELECT file FROM map_cache').pluck().all() as string[])
      for (const p of JSON.parse(entry).passes as { maps: string; flipped: string | null }[])
        for (const n of [p.maps, p.flipped])
          if (n && !existsSync(path.join(root, '.simplepose-cache', n))) missingMapFiles++;
    return { integrity, lost, replayFailures, predictions, withoutMaps, missingMapFiles };
  } finally {
    d.close();
  }
}

/** Baseline: one acknowledged person removed behind the app's back is counted as lost. */
function lossSeen(file: string, acked: Acked[], lostBefore: number): boolean {
  const victim = acked.at(-1);
  if (!victim) return false;
  const d = new Database(file);
  try {
    const s = JSON.parse(
      d.prepare('SELECT persons_json FROM annotations WHERE image_id = ?').pluck().get(victim.imageId) as string,
    ) as AnnotationState;
    delete s.persons[victim.personId];
    s.order = s.order.filter((id) => id !== victim.personId);
    d.prepare('UPDATE annotations SET persons_json = ? WHERE image_id = ?').run(JSON.stringify(s), victim.imageId);
  } finally {
    d.close();
  }
  return check(file, '', acked).lost === lostBefore + 1;
}

const runs: Awaited<ReturnType<typeof campaign>>[] = [];
for (let r = 0; r < RUNS; r++) {
  const one = await campaign();
  console.log(JSON.stringify(one));
  runs.push(one);
}
const m = (k: 'kills' | 'requests' | 'acknowledged') => median(runs.map((r) => r[k]));
console.log(
  JSON.stringify({
    machine: machineLine(),
    seconds: SECONDS,
    runs: RUNS,
    medianKills: m('kills'),
    medianRequests: m('requests'),
    medianAcknowledged: m('acknowledged'),
    totalKills: runs.reduce((a, r) => a + r.kills, 0),
    lost: Math.max(...runs.map((r) => r.lost)),
    refused: Math.max(...runs.map((r) => r.refused)),
    replayFailures: Math.max(...runs.map((r) => r.replayFailures)),
    predictionsWithoutMaps: Math.max(...runs.map((r) => r.withoutMaps + r.missingMapFiles)),
    allIntegrityOk: runs.every((r) => r.integrity === 'ok'),
    allExportsValid: runs.every((r) => r.exportOk),
    allReimportsNoChange: runs.every((r) => r.importNoChange),
    tempFilesLeft: Math.max(...runs.map((r) => r.tempFiles)),
    baselineLossSeen: runs.every((r) => r.baselineLossSeen),
  }),
);
