// Hostile payloads over real HTTP (server, dispatcher, store, database): a sweep of odd values in every field of
// every method found one class of 500s — person ids that are names of built-in object properties (`__proto__`,
// `constructor`, `toString`, …). Looked up in a plain object they "exist" already: an update answered 500 "p.joints
// is not iterable", an add 409/422 "person constructor already exists", and `__proto__` as a key would set an
// object's prototype instead of storing a person (zod's record schema skips that key unchecked). Such ids are
// refused — by the contract (400), `__proto__` by the store's diff checks (422) —, each with its path, on every
// section of a diff and at any revision, and nothing is written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSE_API } from '../../src/contract/poseApi.ts';
import { startServer } from '../../src/server/startServer.ts';
import { makeAttackProject, projectSnapshot, type AttackProject } from '../support/attackProject.ts';
import { send } from '../support/rawHttp.ts';

const TOKEN = 'hostile-payload-token-0123456789ab';
let p: AttackProject, server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  p = await makeAttackProject();
  server = await startServer({ service: p.project.service, root: p.root, token: TOKEN });
}, 60_000);
afterAll(async () => {
  await server?.close();
  p?.close();
});

const post = (method: string, body: string) =>
  send(server.port, 'POST', `/api/${method}`, {
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body,
  });

describe('person ids that are built-in property names', () => {
  it('are refused (400/422, with the path) in every section of a diff, current or stale', async () => {
    const joints = Array.from({ length: 17 }, (_, i) => (i === 0 ? { x: 5, y: 5, v: 2, source: 'human' } : null));
    const person = (id: string) => JSON.stringify({ id, joints, crowd: false });
    // Revision 1: one ordinary person, so that revision 0 is stale.
    const first = await post(
      'saveEdits',
      JSON.stringify({
        imageId: p.imageId,
        revision: 0,
        steps: [
          { kind: 'do', label: 'add', diff: { added: { p1: JSON.parse(person('p1')) }, updated: {}, removed: {} } },
        ],
      }),
    );
    expect(first.status).toBe(200);
    const before = projectSnapshot(p);
    for (const id of ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf'])
      for (const revision of [0, 1]) {
        const sections = {
          added: `"added":{"${id}":${person(id)}},"updated":{},"removed":{}`,
          updated: `"added":{},"updated":{"${id}":[${person(id)},${person(id)}]},"removed":{}`,
          removed: `"added":{},"updated":{},"removed":{"${id}":${person(id)}}`,
          order: `"added":{},"updated":{},"removed":{},"order":[["p1"],["p1","${id}"]]`,
        };
        for (const [section, diff] of Object.entries(sections)) {
          // Written as text: JSON.stringify of a JS object would drop a "__proto__" key.
          const r = await post(
            'saveEdits',
            `{"imageId":${p.imageId},"revision":${revision},"steps":[{"kind":"do","label":"x","diff":{${diff}}}]}`,
          );
          // 400 from the contract; 422 from the store for `__proto__`, a key zod skips without checking it
          const refusal = id === '__proto__' && section !== 'order' ? [422, 'unprocessable'] : [400, 'bad_request'];
          expect([r.status, r.json?.code], `${id} in ${section} at revision ${revision}`).toEqual(refusal);
          expect(r.json?.error).toMatch(/built-in object property/);
        }
      }
    expect(projectSnapshot(p)).toBe(before);
  });
});

describe('a sweep of odd values through every field of every method', () => {
  it('never answers 500, always { error, code } for a refusal, and never echoes a file', async () => {
    const joints = Array.from({ length: 17 }, (_, i) => (i === 0 ? { x: 5, y: 5, v: 2, source: 'human' } : null));
    const person = (id: string, extra: Record<string, unknown> = {}) => ({ id, joints, crowd: false, ...extra });
    const odd: unknown[] = [
      ...[null, true, 0, -1, -0, 1.5, 1e308, -1e308, 2 ** 53, 2 ** 64, '', 'x', '\ud800', 'a'.repeat(5000)],
      ...[[], {}, [1], { a: 1 }, '../../etc/passwd', '/etc/passwd', '\u0000', '/dev/zero', '/proc/self/mem'],
      ...[p.root, `${p.root}/.simplepose.sqlite`, `${p.root}/a.png`, `${p.outside}/passwd`, `${p.root}/no/x.json`],
    ];
    const valid: Record<string, Record<string, unknown>> = {
      projectInfo: {},
      listImages: { status: 'accepted', offset: 0, limit: 5, minScore: 0, maxScore: 1, ids: [1], positionOf: 1 },
      getReviewSettings: {},
      setReviewSettings: { personScoreThreshold: 0.5 },
      getPredictions: { imageId: p.imageId },
      getAnnotation: { imageId: p.imageId },
      saveEdits: {
        imageId: p.imageId,
        revision: 0,
        steps: [{ kind: 'do', label: 'l', diff: { added: { q: person('q') }, updated: {}, removed: {} } }],
      },
      getEditHistory: { imageId: p.imageId, revision: 0, from: 1, to: 1 },
      setStatus: { imageId: p.imageId, status: 'accepted', ifStatus: 'unreviewed' },
      startDetect: { modelPath: '/nonexistent.onnx', settings: { scales: [1], flip: false, mode: 'fast' } },
      cancelJob: { jobId: 'x' },
      exportCoco: { path: `${p.root}/o.json`, onlyReviewed: false, all: false, kind: 'gt' },
      importCoco: { path: `${p.root}/o.json` },
      reviewQueue: { by: 'uncertainty' },
      evaluate: {},
      getDetectSetup: {},
      setDetectSetup: { settings: { scales: [1], flip: true, mode: 'fast' }, modelId: null },
      importModel: { checkpoint: `${p.root}/c.pth`, name: 'm' },
      listProblems: {},
      editingImage: { imageId: 1, client: 'sweep-window-1' },
      // the project has no established ground truth to train on: a valid request is a 409, never a job
      startTrain: {
        steps: 1,
        minutes: 1,
        fromScratch: true,
        size: 'micro',
        resume: false,
        seed: 0,
        valFraction: 0.2,
        inputSize: 128,
        batch: 2,
        threads: 1,
      },
      listTrainings: {},
      compareModels: { trainingId: 1 },
      listComparisons: {},
      compareRuns: { runA: 1, runB: 1 },
    };
    expect(Object.keys(valid).sort()).toEqual(Object.keys(POSE_API).sort());
    const bodies: string[] = [];
    for (const [method, b] of Object.entries(valid)) {
      const with_ = (k: string, v: unknown) => `${method} ${JSON.stringify({ ...b, [k]: v })}`;
      bodies.push(`${method} ${JSON.stringify(b)}`, ...Object.keys(b).flatMap((k) => odd.map((v) => with_(k, v))));
      for (const key of ['__proto__', 'constructor', 'prototype'])
        bodies.push(`${method} {"${key}":{"x":1}${Object.keys(b).length ? ',' : ''}${JSON.stringify(b).slice(1)}`);
      bodies.push(...['null', '[]', '"x"', '1e999', '{"a":', ''].map((t) => `${method} ${t}`));
    }
    const edit = (diff: unknown) =>
      `saveEdits ${JSON.stringify({ ...valid.saveEdits, steps: [{ kind: 'do', label: 'l', diff }] })}`;
    for (const v of odd) {
      for (const f of ['x', 'y', 'v', 'source', 'model']) {
        const j = [...joints];
        j[1] = { x: 1, y: 1, v: 2, source: 'human', [f]: v };
        bodies.push(edit({ added: { q: { id: 'q', joints: j, crowd: false } }, updated: {}, removed: {} }));
      }
      for (const f of ['id', 'crowd', 'score', 'coco', 'cocoOrder']) {
        bodies.push(edit({ added: { q: person('q', { [f]: v }) }, updated: {}, removed: {} }));
        bodies.push(edit({ added: {}, updated: { q: [person('q'), person('q', { [f]: v })] }, removed: {} }));
      }
      bodies.push(edit({ added: {}, updated: {}, removed: {}, order: [[], [v]] }));
      bodies.push(edit({ added: {}, updated: {}, removed: {}, rejectedPredictions: [[], [v]] }));
      bodies.push(edit({ added: {}, updated: {}, removed: { q: v } }));
    }
    const statuses: Record<number, number> = {};
    const wrong: string[] = [];
    for (const line of bodies) {
      const [method, body] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)];
      const r = await post(method, body);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      const refusal = r.status !== 200 && (typeof r.json?.error !== 'string' || typeof r.json?.code !== 'string');
      if (r.status >= 500 || refusal || /root:x:0|SQLite format|\.ts:\d+/.test(r.text))
        wrong.push(`${line.slice(0, 160)} -> ${r.status} ${r.text.slice(0, 160)}`);
    }
    expect(wrong).toEqual([]);
    expect(bodies.length).toBeGreaterThan(1000);
    expect(statuses[400]).toBeGreaterThan(900); // most odd values are the contract's to refuse
  }, 60_000);
});
