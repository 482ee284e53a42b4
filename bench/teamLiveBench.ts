// npm run bench:team-live — live collaboration through the team server on a throwaway PostgreSQL (medians of
// BENCH_REPEATS runs, default 30), two users on one image over real HTTP and real event streams:
// 1. an edit seen by the other: from the start of Alice's saveEdits to Bob's stream receiving annotationChanged
//    (the brief: "within a second or two"), vs the baseline measured in the same process, the save's own round trip;
// 2. "Alice has this image open": from the start of her editingImage to Bob's stream receiving imageEditors, vs the
//    editingImage round trip;
// 3. a killed browser: from Alice's events stream torn down (the socket destroyed, as the kernel does for a killed
//    process) to Bob hearing she is gone;
// 4. a window that stops heart-beating (expiry set to 1 s here; 15 s in the app): from its last heartbeat to Bob
//    hearing it is gone, vs the expiry.
import http from 'node:http';
import { startPgCluster } from '../scripts/pgCluster.ts';
import { photoProject } from '../test/support/photoProject.ts';
import { addPerson, moveJoint } from '../src/core/edit/poseEdits.ts';
import { EMPTY_ANNOTATION, JOINT_COUNT } from '../src/core/edit/poseRecords.ts';
import { applyDiff } from '../src/core/edit/recordDiff.ts';
import { BUNDLED_MODEL_PATH } from '../src/node/inference/bundledModel.ts';
import { openTeamDb } from '../src/node/team/openTeamDb.ts';
import { pushProject } from '../src/node/team/pushProject.ts';
import { addTeamUser } from '../src/node/team/teamAccounts.ts';
import { startTeamServer } from '../src/server/teamServer.ts';
import { fmt, machineLine, median } from './benchStats.ts';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 30);
const EXPIRY_MS = 1000;
const cluster = await startPgCluster();
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    cluster.stop();
    process.exit(130);
  });
const project = await photoProject(2, 64, 48);
const team = await openTeamDb(await cluster.createDatabase('bench_live'));
await pushProject(project.db, team, 'bench');
const imageId = Number((await team.pool.query('SELECT min(id)::float8 AS id FROM team_images')).rows[0].id);
for (const name of ['alice', 'bob']) await addTeamUser(team, name, 'reviewer', 'a benchmark password');
const server = await startTeamServer({
  team,
  imagesRoot: project.root,
  modelPath: BUNDLED_MODEL_PATH,
  boss: null,
  presenceExpiryMs: EXPIRY_MS,
});
const base = `http://127.0.0.1:${server.port}`;
const agent = new http.Agent({ keepAlive: true });
const tokens: Record<string, string> = {};
for (const name of ['alice', 'bob']) {
  const r = await fetch(`${base}/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, password: 'a benchmark password' }),
  });
  tokens[name] = ((await r.json()) as { token: string }).token;
}

function call(who: string, method: string, body: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}/api/${method}`,
      {
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tokens[who]}` },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(text))));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** An events stream; `next(name, match)` resolves with the time (performance.now) such an event arrives. */
function stream(who: string, client: string) {
  const waiting: { name: string; ok: (d: Record<string, unknown>) => boolean; resolve: (t: number) => void }[] = [];
  let buffered = '';
  const req = http.get(`${base}/api/events?client=${client}`, { headers: { Authorization: `Bearer ${tokens[who]}` } });
  req.on('response', (res) =>
    res.on('data', (d: Buffer) => {
      const t = performance.now();
      buffered += d.toString();
      for (let end = buffered.indexOf('\n\n'); end !== -1; end = buffered.indexOf('\n\n')) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const name = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!name || !data) continue;
        const payload = JSON.parse(data) as Record<string, unknown>;
        const i = waiting.findIndex((w) => w.name === name && w.ok(payload));
        if (i >= 0) waiting.splice(i, 1)[0].resolve(t);
      }
    }),
  );
  req.on('error', () => undefined);
  return {
    next: (name: string, ok: (d: Record<string, unknown>) => boolean) =>
      new Promise<number>((resolve) => waiting.push({ name, ok, resolve })),
    close: () => req.destroy(),
  };
}
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const editors = (names: string[]) => (d: Record<string, unknown>) =>
  d.imageId === imageId && JSON.stringify(d.editors) === JSON.stringify(names);

const bob = stream('bob', 'bob-bench-window');
await pause(300);
let state = EMPTY_ANNOTATION;
let revision = 0;
const placed = Array.from({ length: JOINT_COUNT }, (_, k) => ({
  x: 5 + k,
  y: 5 + k,
  v: 2 as const,
  source: 'human' as const,
}));
const add = addPerson(state, 'p', placed);
await call('alice', 'saveEdits', { imageId, revision, steps: [{ kind: 'do', diff: add, label: 'add' }] });
state = applyDiff(state, add);
revision = 1;

const edit = { seen: [] as number[], roundTrip: [] as number[] };
for (let i = 0; i < REPEATS; i++) {
  const diff = moveJoint(state, 'p', i % JOINT_COUNT, 10 + i, 20 + i);
  const heard = bob.next('annotationChanged', (d) => d.revision === revision + 1);
  const t0 = performance.now();
  await call('alice', 'saveEdits', { imageId, revision, steps: [{ kind: 'do', diff, label: 'move' }] });
  edit.roundTrip.push(performance.now() - t0);
  edit.seen.push((await heard) - t0);
  state = applyDiff(state, diff);
  revision++;
}

const presence = { seen: [] as number[], roundTrip: [] as number[], killed: [] as number[], expired: [] as number[] };
for (let i = 0; i < REPEATS; i++) {
  const alice = stream('alice', `alice-bench-${i}`);
  await pause(50);
  const shown = bob.next('imageEditors', editors(['alice']));
  const t0 = performance.now();
  await call('alice', 'editingImage', { imageId, client: `alice-bench-${i}` });
  presence.roundTrip.push(performance.now() - t0);
  presence.seen.push((await shown) - t0);
  const gone = bob.next('imageEditors', editors([]));
  const t1 = performance.now();
  alice.close();
  presence.killed.push((await gone) - t1);
}
for (let i = 0; i < Math.min(REPEATS, 5); i++) {
  const client = `alice-silent-${i}`; // a window whose stream never opened, that stops heart-beating
  const shown = bob.next('imageEditors', editors(['alice']));
  await call('alice', 'editingImage', { imageId, client });
  await shown;
  const gone = bob.next('imageEditors', editors([]));
  const last = performance.now();
  await call('alice', 'editingImage', { imageId, client });
  presence.expired.push((await gone) - last);
}
bob.close();

const m = (v: number[]) => median(v);
console.log(machineLine());
console.log(`team live collaboration, ${REPEATS} runs each (medians; PostgreSQL 15, throwaway cluster)`);
console.log(
  `  an edit seen by the other: ${fmt(m(edit.seen), 1)} ms after the save began (the save's own round trip ${fmt(m(edit.roundTrip), 1)} ms: ${fmt(m(edit.seen) / m(edit.roundTrip))}×); max ${fmt(Math.max(...edit.seen), 1)} ms`,
);
console.log(
  `  "alice has this image open" heard: ${fmt(m(presence.seen), 1)} ms after editingImage began (its round trip ${fmt(m(presence.roundTrip), 1)} ms: ${fmt(m(presence.seen) / m(presence.roundTrip))}×)`,
);
console.log(`  a killed window (its stream torn down) heard gone: ${fmt(m(presence.killed), 1)} ms`);
console.log(
  `  a window that stopped heart-beating heard gone: ${fmt(m(presence.expired), 0)} ms after its last heartbeat (expiry ${EXPIRY_MS} ms: ${fmt(m(presence.expired) / EXPIRY_MS)}×)`,
);
await server.close();
await team.close();
await project.close();
agent.destroy();
cluster.stop();
