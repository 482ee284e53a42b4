// npm run bench:team-import-stall — how long other users' requests wait on the team server while an admin imports a
// huge COCO file (a throwaway PostgreSQL, scripts/pgCluster.ts): a reviewer's client polls a cheap API call
// (getReviewSettings: one small query) one request after another, and the bench reports that poller's latency (max
// and p99) with nothing else running (the baseline) and while the import runs two ways, rounds interleaved, each
// on a fresh pushed project: "in this thread" (importTeamCoco called on the server's thread: what the server's
// importCoco did before) and "through the server" (POST /api/importCoco: what it does now). Medians of the rounds.
// The file is generated: IMAGES images (default 50,000) with PERSONS persons each (default 4: 200,000 persons), all
// joints labelled, file names of images not in the folder (reported missing: no hashing, the cost is the file's).
// WAYS=baseline,through the server (a comma list) measures only those.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startPgCluster } from '../scripts/pgCluster.ts';
import { photoProject } from '../test/support/photoProject.ts';
import { hugeCoco, pollWhile, stallServer } from '../test/team/importStall.ts';
import { serializeCoco } from '../src/core/coco/cocoJson.ts';
import { openTeamDb } from '../src/node/team/openTeamDb.ts';
import { importTeamCoco } from '../src/node/team/teamImport.ts';
import { fmt, machineLine, median } from './benchStats.ts';

const IMAGES = Number(process.env.IMAGES ?? 50_000);
const PERSONS = Number(process.env.PERSONS ?? 4);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const POLL_GAP_MS = 10;

const cluster = await startPgCluster();
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    cluster.stop(); // a throwaway cluster never outlives the benchmark
    process.exit(130);
  });
const local = await photoProject(2, 64, 48);
const exchange = mkdtempSync(path.join(tmpdir(), 'sp-import-stall-'));
const cocoFile = path.join(exchange, 'huge.json');
writeFileSync(cocoFile, serializeCoco(hugeCoco(IMAGES, PERSONS)));

let dbs = 0;
/** A fresh team project (the small local one pushed), its server, an admin's and a reviewer's session. */
const freshServer = async () =>
  stallServer(await openTeamDb(await cluster.createDatabase(`stall_${++dbs}`)), local, exchange);
type Fresh = Awaited<ReturnType<typeof freshServer>>;

/** Polls getReviewSettings as the reviewer until `work` settles. */
function pollDuring(s: Fresh, work: () => Promise<unknown>) {
  return pollWhile(
    async () => {
      const r = await s.post('/api/getReviewSettings', {}, s.reviewerToken);
      if (r.status !== 200) throw new Error(`the poll failed: ${r.status} ${r.text}`);
    },
    work,
    POLL_GAP_MS,
  );
}

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))];
const ways = {
  baseline: (_: Fresh) => () => new Promise((resolve) => setTimeout(resolve, 5_000)),
  'in this thread': (s: Fresh) => () => importTeamCoco(s.team, cocoFile, local.root, s.admin.id),
  'through the server': (s: Fresh) => async () => {
    const r = await s.post('/api/importCoco', { path: cocoFile }, s.adminToken);
    if (r.status !== 200) throw new Error(`the import failed: ${r.status} ${r.text}`);
  },
};
type Way = keyof typeof ways;
// WAYS=baseline,through the server (a comma list) measures only those
const chosen = (process.env.WAYS?.split(',') ?? Object.keys(ways)) as Way[];
const figures = new Map<Way, { max: number[]; p99: number[]; seconds: number[]; polls: number[] }>();
for (let round = 0; round < ROUNDS; round++)
  for (const way of chosen) {
    const s = await freshServer();
    const { latencies, seconds } = await pollDuring(s, ways[way](s));
    const f = figures.get(way) ?? { max: [], p99: [], seconds: [], polls: [] };
    f.max.push(Math.max(...latencies));
    f.p99.push(p99(latencies));
    f.seconds.push(seconds);
    f.polls.push(latencies.length);
    figures.set(way, f);
    console.error(`round ${round + 1} ${way}: ${latencies.length} polls, max ${fmt(Math.max(...latencies), 0)} ms`);
    await s.server.close();
    await s.team.close();
  }

const base = figures.get('baseline')!;
console.log(`machine: ${machineLine()}`);
console.log(`COCO file: ${IMAGES} images, ${IMAGES * PERSONS} persons; ${ROUNDS} rounds, medians`);
console.log('| while | import s | polls | poll max ms | poll p99 ms | max vs baseline |');
console.log('|---|---|---|---|---|---|');
for (const [way, f] of figures)
  console.log(
    `| ${way} | ${way === 'baseline' ? '—' : fmt(median(f.seconds), 1)} | ${median(f.polls)} | ${fmt(median(f.max), 1)} | ${fmt(median(f.p99), 1)} | ${fmt(median(f.max) / median(base.max), 1)}× |`,
  );
await local.close();
cluster.stop();
