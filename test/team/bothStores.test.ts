// One suite, both stores: the contract's image, annotation and status methods on a local project (SQLite, the
// ProjectService) and on the same project pushed to a team database (PostgreSQL, teamPoseApi as an admin), through
// the one dispatcher that validates requests and responses. The same requests give the same answers and the same
// refusals (codes) — paging, filters and positions, revision-checked edits (current, stale and re-based, stale and
// conflicting, malformed), conditional status changes.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { photoProject } from '../support/photoProject.ts';
import { dispatch } from '../../src/contract/dispatch.ts';
import type { PoseApi, PoseResponse } from '../../src/contract/poseApi.ts';
import { addPerson, moveJoint } from '../../src/core/edit/poseEdits.ts';
import { EMPTY_ANNOTATION, JOINT_COUNT, type AnnotationState } from '../../src/core/edit/poseRecords.ts';
import { applyDiff } from '../../src/core/edit/recordDiff.ts';
import { BUNDLED_MODEL_PATH } from '../../src/node/inference/bundledModel.ts';
import { openProjectFolder, type OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { pushProject } from '../../src/node/team/pushProject.ts';
import { addTeamUser, assignImages } from '../../src/node/team/teamAccounts.ts';
import { teamImageRepository } from '../../src/node/team/teamImageRepository.ts';
import type { Pose } from '../../src/core/codec/assign/toPoses.ts';
import { teamPoseApi } from '../../src/node/team/teamPoseApi.ts';
import { reviewSettingsOf } from '../../src/node/project/reviewSettingsService.ts';
import { listenTeam } from '../../src/node/team/teamEvents.ts';
import { type RunSeed, seedLocalRun, seedTeamRun } from './storeSeeds.ts';
import { PG_MISSING, teamClusterPerFile } from './teamHarness.ts';

const pg = teamClusterPerFile();
const projects: OpenProject[] = [];
afterAll(async () => {
  for (const p of projects) await p.close();
});

/** One store with the same project: its API (as an admin), a way to write a run into it, its settings events. */
interface Store {
  api: PoseApi;
  root: string;
  seed(run: RunSeed): Promise<number>;
  /** Review settings events as a client receives them, from now on. */
  settingsEvents(): Promise<{ seen: unknown[]; close(): Promise<void> }>;
}

/** Something done to the local project before a store is made of it (the team store: before the push). */
type Prepare = (p: OpenProject) => Promise<OpenProject>;

async function localStore(prepare?: Prepare): Promise<Store> {
  const made = await photoProject(5, 120, 90);
  projects.push(made);
  const p = prepare ? await prepare(made) : made;
  return {
    api: p.service,
    root: p.root,
    seed: async (run) => seedLocalRun(p.db, run),
    async settingsEvents() {
      const seen: unknown[] = [];
      const on = (e: unknown) => seen.push(e);
      p.service.events.on('reviewSettingsChanged', on);
      return { seen, close: async () => void p.service.events.off('reviewSettingsChanged', on) };
    },
  };
}
async function teamStore(prepare?: Prepare): Promise<Store> {
  const made = await photoProject(5, 120, 90);
  projects.push(made);
  const p = prepare ? await prepare(made) : made;
  const team = await pg.fresh();
  await pushProject(p.db, team, 'photos');
  const admin = await addTeamUser(team, 'admin', 'admin', 'the admin password');
  return {
    api: teamPoseApi(team, admin, { imagesRoot: p.root, modelPath: BUNDLED_MODEL_PATH, boss: null }),
    root: p.root,
    seed: (run) => seedTeamRun(team, run),
    async settingsEvents() {
      const seen: unknown[] = [];
      const l = await listenTeam(team.url, (e) => {
        if (e.kind === 'reviewSettings') seen.push(reviewSettingsOf(e.personScoreThreshold));
      });
      return { seen, close: () => l.close() };
    },
  };
}

const STORES = [
  { store: 'local SQLite project', make: localStore },
  { store: 'team PostgreSQL project', make: teamStore },
];
const joints = () =>
  Array.from({ length: JOINT_COUNT }, (_, k) => ({ x: 10 + k, y: 20, v: 2 as const, source: 'human' as const }));

describe.skipIf(PG_MISSING).each(STORES)('the contract on a $store', ({ make: makeStore }) => {
  const make = async () => (await makeStore()).api;
  const call = async (api: PoseApi, method: string, body: unknown) => {
    const r = await dispatch(api, method, body);
    return r.ok ? { ok: true as const, value: r.value as Record<string, unknown> & { [k: string]: never } } : r;
  };
  const value = async (api: PoseApi, method: string, body: unknown) => {
    const r = await call(api, method, body);
    if (!r.ok) throw new Error(`${method}: ${r.code} ${r.error}`);
    return r.value as never;
  };

  it('lists images in project order, pages, filters by status and finds positions', async () => {
    const api = await make();
    const all: { total: number; images: { id: number; relPath: string }[] } = await value(api, 'listImages', {});
    expect(all.total).toBe(5);
    expect(all.images.map((r) => r.relPath)).toEqual([0, 1, 2, 3, 4].map((i) => `photos/img00${i}.png`));
    const page: typeof all = await value(api, 'listImages', { offset: 2, limit: 2 });
    expect(page.images.map((r) => r.relPath)).toEqual(['photos/img002.png', 'photos/img003.png']);
    const ids = all.images.map((r) => r.id);
    await value(api, 'setStatus', { imageId: ids[3], status: 'accepted' });
    const accepted: typeof all & { position: number | null } = await value(api, 'listImages', {
      status: 'accepted',
      positionOf: ids[3],
    });
    expect({ total: accepted.total, position: accepted.position }).toEqual({ total: 1, position: 0 });
    const none: { position: number | null } = await value(api, 'listImages', {
      status: 'accepted',
      positionOf: ids[0],
    });
    expect(none.position).toBeNull();
    const picked: typeof all = await value(api, 'listImages', { ids: [ids[4], ids[1]] });
    expect(picked.images.map((r) => r.id)).toEqual([ids[4], ids[1]]);
  });

  it('saves edits by revision: current, stale and merged, stale and conflicting, malformed, unknown image', async () => {
    const api = await make();
    const [id] = ((await value(api, 'listImages', {})) as { images: { id: number }[] }).images.map((r) => r.id);
    const save = (revision: number, diff: unknown) =>
      call(api, 'saveEdits', { imageId: id, revision, steps: [{ kind: 'do', diff, label: 'edit' }] });
    let state: AnnotationState = EMPTY_ANNOTATION;
    const a = addPerson(state, 'a', joints());
    expect(await save(0, a)).toMatchObject({ ok: true, value: { revision: 1 } });
    // an edited image is being worked on (unreviewed → in progress), in either store
    expect(((await value(api, 'listImages', { ids: [id] })) as { images: { status: string }[] }).images[0].status).toBe(
      'in_progress',
    );
    state = applyDiff(state, a);
    const b = addPerson(state, 'b', joints());
    expect(await save(1, b)).toMatchObject({ ok: true, value: { revision: 2 } });
    // made on revision 1 (before b): another person's joint, re-based and saved
    expect(await save(1, moveJoint(state, 'a', 0, 50, 50))).toMatchObject({ ok: true, value: { revision: 3 } });
    const view = (await value(api, 'getAnnotation', { imageId: id })) as { revision: number; state: AnnotationState };
    expect(view.revision).toBe(3);
    expect(view.state.order).toEqual(['a', 'b']);
    expect(view.state.persons.a.joints[0]).toMatchObject({ x: 50, y: 50 });
    // made on revision 1 too, on the joint revision 3 changed: refused with the current annotation
    const clash = await save(1, moveJoint(state, 'a', 0, 60, 60));
    expect(clash).toMatchObject({ ok: false, code: 'conflict' });
    // the details are the current annotation as getAnnotation gives it (the app re-applies its edit on top)
    const details = (clash as { details: { revision: number; state: AnnotationState; history: unknown } }).details;
    expect(details.revision).toBe(3);
    expect(details.state.persons.a.joints[0]).toMatchObject({ x: 50, y: 50 });
    expect(details.history).toMatchObject({ cursor: expect.any(Number), entries: expect.any(Array) });
    // a diff that does not fit the record it names, a revision from the future, an image that does not exist
    expect(await save(3, moveJoint(applyDiff(state, b), 'b', 0, 1, 1))).toMatchObject({ ok: true });
    const ghost = { added: {}, updated: { zz: [view.state.persons.a, view.state.persons.a] }, removed: {} };
    expect(await save(4, ghost)).toMatchObject({ ok: false, code: 'unprocessable' });
    expect(await save(99, addPerson(state, 'c'))).toMatchObject({ ok: false, code: 'unprocessable' });
    expect(
      await call(api, 'saveEdits', { imageId: 9999, revision: 0, steps: [{ kind: 'do', diff: a, label: 'x' }] }),
    ).toMatchObject({ ok: false, code: 'not_found' });
    expect(await call(api, 'getAnnotation', { imageId: 9999 })).toMatchObject({ ok: false, code: 'not_found' });
    // and a payload outside the contract never reaches either store
    expect(await call(api, 'saveEdits', { imageId: id, revision: -1, steps: [] })).toMatchObject({
      ok: false,
      code: 'bad_request',
    });
  });

  it('changes a status only from the one it names (ifStatus)', async () => {
    const api = await make();
    const [id] = ((await value(api, 'listImages', {})) as { images: { id: number }[] }).images.map((r) => r.id);
    expect(await value(api, 'setStatus', { imageId: id, status: 'in_progress', ifStatus: 'unreviewed' })).toEqual({
      ok: true,
      status: 'in_progress',
    });
    expect(await value(api, 'setStatus', { imageId: id, status: 'skipped', ifStatus: 'unreviewed' })).toEqual({
      ok: true,
      status: 'in_progress',
    });
    expect(await call(api, 'setStatus', { imageId: 9999, status: 'accepted' })).toMatchObject({
      ok: false,
      code: 'not_found',
    });
  });
});

// The project-wide review methods: review settings, review queue, COCO export, evaluation and run comparison.
const spread = (dx: number) =>
  Array.from({ length: JOINT_COUNT }, (_, k) => ({
    x: 10 + 5 * k + dx,
    y: 10 + 4 * k,
    v: 2 as const,
    source: 'human' as const,
  }));
const pose = (dx: number, score: number, jointScore = 0.9): Pose => ({
  score,
  joints: spread(dx).map((j) => ({ x: j.x, y: j.y, score: jointScore })),
  neck: null,
});
const photo = (i: number) => `photos/img00${i}.png`;
/** A model's run: close on img000, a little off on img001, far off on img002, a false person on img004. */
const RUN_A: RunSeed = {
  [photo(0)]: [pose(0, 0.9, 0.8)],
  [photo(1)]: [pose(2, 0.8, 0.4)],
  [photo(2)]: [pose(9, 0.7, 0.6)],
  [photo(3)]: [],
  [photo(4)]: [pose(0, 0.3, 0.2)],
};
const RUN_B: RunSeed = { [photo(0)]: [pose(6, 0.9)], [photo(1)]: [pose(0, 0.9)], [photo(2)]: [pose(1, 0.9)] };

/** A COCO file of img000 with two persons (annotation ids 501, 502), their joints shifted by `dx`. */
function twoPersonsOnFirst(categories: unknown[], dx: number) {
  return {
    images: [{ id: 9, file_name: photo(0), width: 120, height: 90 }],
    annotations: [501, 502].map((id) => ({
      id,
      image_id: 9,
      category_id: 1,
      keypoints: spread(dx).flatMap((j) => [j.x, j.y, 2]),
      num_keypoints: JOINT_COUNT,
      bbox: [10, 10, 80, 64],
      area: 5120,
      iscrowd: 0,
    })),
    categories,
  };
}

async function ids(api: PoseApi): Promise<number[]> {
  return (await api.listImages({})).images.map((r) => r.id);
}
/** The same review on either store: persons on img000–img003, img000–img002 accepted, img004 "no person". */
async function review(api: PoseApi): Promise<number[]> {
  const all = await ids(api);
  for (const i of [0, 1, 2, 3]) {
    const diff = addPerson(EMPTY_ANNOTATION, 'p', spread(0));
    await api.saveEdits({ imageId: all[i], revision: 0, steps: [{ kind: 'do', diff, label: 'add' }] });
  }
  for (const i of [0, 1, 2]) await api.setStatus({ imageId: all[i], status: 'accepted' });
  await api.setStatus({ imageId: all[4], status: 'no_person' });
  return all;
}

describe.skipIf(PG_MISSING).each(STORES)('the review methods on a $store', ({ make }) => {
  const call = (api: PoseApi, method: string, body: unknown) => dispatch(api, method, body);

  it('keeps the review settings for the project, tells every client, refuses a value out of range', async () => {
    const s = await make();
    const events = await s.settingsEvents();
    expect(await call(s.api, 'getReviewSettings', {})).toMatchObject({ ok: true, value: { isDefault: true } });
    const set = await call(s.api, 'setReviewSettings', { personScoreThreshold: 0.35 });
    expect(set).toEqual({ ok: true, value: { personScoreThreshold: 0.35, isDefault: false } });
    expect(await call(s.api, 'getReviewSettings', {})).toEqual(set);
    for (const bad of [1.5, -1001, '0.3', undefined])
      expect(await call(s.api, 'setReviewSettings', { personScoreThreshold: bad }), String(bad)).toMatchObject({
        ok: false,
        code: 'bad_request',
      });
    const back = await call(s.api, 'setReviewSettings', { personScoreThreshold: null });
    expect(back).toMatchObject({ ok: true, value: { isDefault: true } });
    await expect.poll(() => events.seen.length).toBe(2);
    expect(events.seen).toEqual([{ personScoreThreshold: 0.35, isDefault: false }, (back as { value: unknown }).value]);
    await events.close();
  });

  it('orders the review queue by uncertainty (status filter, run chosen) and refuses what it cannot order', async () => {
    const s = await make();
    expect(await call(s.api, 'reviewQueue', { by: 'uncertainty' })).toMatchObject({ ok: false, code: 'bad_request' });
    const all = await ids(s.api);
    const run = await s.seed(RUN_A);
    const q = await s.api.reviewQueue({ by: 'uncertainty' });
    // lowest joint score first; no person found = 0
    expect(q.images).toEqual([
      { imageId: all[3], key: 0 },
      { imageId: all[4], key: 0.2 },
      { imageId: all[1], key: 0.4 },
      { imageId: all[2], key: 0.6 },
      { imageId: all[0], key: 0.8 },
    ]);
    await s.api.setStatus({ imageId: all[1], status: 'accepted' });
    const accepted = await s.api.reviewQueue({ by: 'uncertainty', runId: run, status: 'accepted' });
    expect(accepted.images).toEqual([{ imageId: all[1], key: 0.4 }]);
    // no cached maps in the seeded run: every image last (key −1), in id order
    const hard = await s.api.reviewQueue({ by: 'hardness' });
    expect(hard.images).toEqual([0, 2, 3, 4].map((i) => ({ imageId: all[i], key: -1 })));
    expect(await call(s.api, 'reviewQueue', { by: 'uncertainty', runId: 999 })).toMatchObject({
      ok: false,
      code: 'not_found',
    });
    expect(await call(s.api, 'reviewQueue', { by: 'loudness' })).toMatchObject({ ok: false, code: 'bad_request' });
    expect((await s.api.listProblems({})).files).toEqual([]);
  });

  it('exports GT and results inside the exchange folder only, with the scopes’ refusals', async () => {
    const s = await make();
    await review(s.api);
    const out = (name: string) => path.join(s.root, name);
    const exp = (body: Record<string, unknown>) =>
      call(s.api, 'exportCoco', { path: out('gt.json'), onlyReviewed: false, kind: 'gt', ...body });
    expect(await exp({})).toMatchObject({ ok: true, value: { images: 4, annotations: 3, path: out('gt.json') } });
    expect(JSON.parse(readFileSync(out('gt.json'), 'utf8')).images).toHaveLength(4);
    expect(await exp({ onlyReviewed: true, all: true })).toMatchObject({ ok: false, code: 'bad_request' });
    expect(await exp({ kind: 'results' })).toMatchObject({ ok: false, code: 'conflict' });
    const elsewhere = path.join(mkdtempSync(path.join(tmpdir(), 'sp-elsewhere-')), 'gt.json');
    expect(await exp({ path: elsewhere })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(existsSync(elsewhere)).toBe(false);
    expect(await exp({ path: path.join(s.root, 'photos') })).toMatchObject({ ok: false, code: 'bad_request' });
    expect(await exp({ path: out('no/such/folder/gt.json') })).toMatchObject({ ok: false, code: 'not_found' });
    expect(await exp({ path: out('photos/img000.png') })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await exp({ kind: 'both' })).toMatchObject({ ok: false, code: 'bad_request' });
    const imp = (p: string) => call(s.api, 'importCoco', { path: p });
    writeFileSync(out('broken.json'), '{"images": [');
    writeFileSync(out('wrong.json'), JSON.stringify({ images: [{ id: 1 }], annotations: [], categories: [] }));
    const before = readFileSync(out('gt.json'), 'utf8');
    writeFileSync(elsewhere, before); // a readable file, but outside the exchange folder
    for (const [p, code] of [
      [out('broken.json'), 'unprocessable'],
      [out('wrong.json'), 'unprocessable'],
      [out('none.json'), 'not_found'],
      [elsewhere, 'forbidden'],
      [path.join(s.root, 'photos'), 'bad_request'],
    ] as const)
      expect(await imp(p), p).toMatchObject({ ok: false, code });
    await exp({});
    expect(readFileSync(out('gt.json'), 'utf8')).toBe(before); // nothing imported
    await s.seed(RUN_A);
    const results = await exp({ path: out('results.json'), kind: 'results', all: true });
    expect(results).toMatchObject({ ok: true, value: { images: 4, annotations: 4 } });
  });

  it('re-imports a changed file: what the last import left is updated, a correction made since is kept', async () => {
    const s = await make();
    const file = (n: string) => path.join(s.root, n);
    await s.api.exportCoco({ path: file('empty.json'), onlyReviewed: false, all: true, kind: 'gt' });
    const { categories } = JSON.parse(readFileSync(file('empty.json'), 'utf8'));
    const coco = (dx: number) => twoPersonsOnFirst(categories, dx);
    writeFileSync(file('v1.json'), JSON.stringify(coco(0)));
    writeFileSync(file('v2.json'), JSON.stringify(coco(3)));
    expect((await s.api.importCoco({ path: file('v1.json') })).changes).toMatchObject({ personsAdded: 2 });
    const id = (await s.api.listImages({})).images.find((r) => r.relPath === photo(0))!.id;
    const view = await s.api.getAnnotation({ imageId: id });
    await s.api.setStatus({ imageId: id, status: 'accepted' });
    // a correction of c501, even one whose label reads like an import's
    const diff = moveJoint(view.state, 'c501', 0, 33, 44);
    await s.api.saveEdits({
      imageId: id,
      revision: view.revision,
      steps: [{ kind: 'do', diff, label: 'import COCO' }],
    });
    const r = await s.api.importCoco({ path: file('v2.json') });
    expect(r.changes).toMatchObject({ personsUpdated: 1, personsKept: 1, imagesUpdated: 1 });
    expect(r.kept).toEqual([{ fileName: photo(0), personId: 'c501', why: 'edited' }]);
    expect(r.reopened).toEqual([photo(0)]);
    const after = await s.api.getAnnotation({ imageId: id });
    expect(after.state.persons.c501.joints[0]).toMatchObject({ x: 33, y: 44 });
    expect(after.state.persons.c502.joints[0]).toMatchObject({ x: 13, y: 10 });
    expect((await s.api.listImages({ ids: [id] })).images[0].status).toBe('in_progress');
  });

  it("an import whose image record lies about its file's size is refused whole, naming both sizes", async () => {
    const s = await make();
    const file = (n: string) => path.join(s.root, n);
    await s.api.exportCoco({ path: file('before.json'), onlyReviewed: false, all: true, kind: 'gt' });
    const coco = JSON.parse(readFileSync(file('before.json'), 'utf8'));
    const lie = twoPersonsOnFirst(coco.categories, 0);
    const first = lie.images[0] as { width: number; height: number; file_name: string };
    const real = `${first.width}×${first.height}`;
    first.width *= 3;
    writeFileSync(file('lie.json'), JSON.stringify(lie));
    const r = await call(s.api, 'importCoco', { path: file('lie.json') });
    expect(r).toMatchObject({ ok: false, code: 'unprocessable' });
    expect(JSON.stringify(r)).toContain(`the record says ${first.width}×${first.height} but the file is ${real}`);
    await s.api.exportCoco({ path: file('after.json'), onlyReviewed: false, all: true, kind: 'gt' });
    expect(readFileSync(file('after.json'), 'utf8')).toBe(readFileSync(file('before.json'), 'utf8'));
  });

  it("an import's change to an image is a step of its edit history: undone, redone, and undone it is no import", async () => {
    const s = await make();
    const file = (n: string) => path.join(s.root, n);
    await s.api.exportCoco({ path: file('empty.json'), onlyReviewed: false, all: true, kind: 'gt' });
    const { categories } = JSON.parse(readFileSync(file('empty.json'), 'utf8'));
    writeFileSync(file('v1.json'), JSON.stringify(twoPersonsOnFirst(categories, 0)));
    expect((await s.api.importCoco({ path: file('v1.json') })).changes).toMatchObject({ personsAdded: 2 });
    const id = (await s.api.listImages({})).images.find((r) => r.relPath === photo(0))!.id;
    const imported = await s.api.getAnnotation({ imageId: id });
    expect(imported.history).toMatchObject({ cursor: 1, length: 1, entries: [{ label: 'import COCO' }] });
    const step = (kind: 'undo' | 'redo', v: { revision: number }, seq: number) =>
      dispatch(s.api, 'saveEdits', { imageId: id, revision: v.revision, steps: [{ kind, seq }] });
    expect(await step('undo', imported, 1)).toMatchObject({ ok: true, value: { cursor: 0, length: 1 } });
    const undone = await s.api.getAnnotation({ imageId: id });
    expect(undone.state.order).toEqual([]);
    expect(await step('redo', undone, 1)).toMatchObject({ ok: true, value: { cursor: 1, length: 1 } });
    const redone = await s.api.getAnnotation({ imageId: id });
    expect(redone.state).toEqual(imported.state); // the file's COCO fields with it
    expect(await step('undo', redone, 1)).toMatchObject({ ok: true });
    // undone, the import is not what a re-import compares with: the file's persons come back as new, once
    const again = await s.api.importCoco({ path: file('v1.json') });
    expect(again.changes).toMatchObject({ personsAdded: 2, personsKept: 0 });
    expect((await s.api.getAnnotation({ imageId: id })).state).toEqual(imported.state);
    expect((await s.api.importCoco({ path: file('v1.json') })).changes).toMatchObject({ personsAdded: 0 });
  });

  it('evaluates a run against the reviewed images, compares two runs, and refuses what it cannot evaluate', async () => {
    const s = await make();
    expect(await call(s.api, 'evaluate', {})).toMatchObject({ ok: false, code: 'conflict' });
    const a = await s.seed(RUN_A);
    expect(await call(s.api, 'evaluate', {})).toMatchObject({ ok: false, code: 'conflict' }); // nothing reviewed
    await review(s.api);
    const b = await s.seed(RUN_B);
    const ev = await s.api.evaluate({ runId: a });
    expect(ev.images).toBe(4);
    expect(ev.overall.AP).toBeGreaterThan(0);
    expect(ev.overall.AP).toBeLessThan(1);
    expect(ev.runs.map((r) => [r.id, r.status, r.predictions])).toEqual([
      [b, 'done', 3],
      [a, 'done', 5],
    ]);
    expect((await s.api.evaluate({})).run.id).toBe(b);
    expect(await call(s.api, 'evaluate', { runId: 999 })).toMatchObject({ ok: false, code: 'not_found' });
    const cmp = await s.api.compareRuns({ runA: a, runB: b });
    expect(cmp.summary.a + cmp.summary.b + cmp.summary.same).toBe(4);
    expect(await call(s.api, 'compareRuns', { runA: a, runB: a })).toMatchObject({ ok: false, code: 'bad_request' });
    expect(await call(s.api, 'compareRuns', { runA: a, runB: 999 })).toMatchObject({ ok: false, code: 'not_found' });
  });
});

describe.skipIf(PG_MISSING)('the same data in both stores', () => {
  it('exports the same bytes, evaluates to the same numbers and compares runs the same', async () => {
    const out: Record<string, unknown>[] = [];
    for (const { make } of STORES) {
      const s = await make();
      await review(s.api);
      const a = await s.seed(RUN_A);
      const b = await s.seed(RUN_B);
      const file = (n: string) => path.join(s.root, n);
      for (const [name, onlyReviewed, all] of [
        ['gt', false, false],
        ['reviewed', true, false],
        ['all', false, true],
      ] as const)
        await s.api.exportCoco({ path: file(`${name}.json`), onlyReviewed, all, kind: 'gt' });
      await s.api.exportCoco({ path: file('results.json'), onlyReviewed: true, kind: 'results' });
      const text = (n: string) => readFileSync(file(`${n}.json`), 'utf8');
      // the project's own export imported back changes nothing; a changed file changes what differs, once
      const again = await s.api.importCoco({ path: file('gt.json') });
      const changed = JSON.parse(text('all'));
      changed.annotations[1].keypoints[0] += 4;
      changed.images.push({ id: 77, file_name: 'photos/new.png', width: 120, height: 90 });
      changed.annotations.push({ ...changed.annotations[0], id: 78, image_id: 77 });
      changed.info.description = 'changed elsewhere';
      writeFileSync(file('changed.json'), JSON.stringify(changed));
      const first = await s.api.importCoco({ path: 'changed.json' });
      const second = await s.api.importCoco({ path: file('changed.json') });
      await s.api.exportCoco({ path: file('after.json'), onlyReviewed: false, all: true, kind: 'gt' });
      out.push({
        imports: [again, first, second],
        after: text('after'),
        listed: (await s.api.listImages({})).images.map((r) => [r.relPath, r.status, r.missing]),
        gt: text('gt'),
        reviewed: text('reviewed'),
        all: text('all'),
        results: text('results'),
        evaluation: await s.api.evaluate({ runId: a }),
        comparison: await s.api.compareRuns({ runA: a, runB: b }),
      });
    }
    expect(out[1]).toEqual(out[0]);
    expect((out[0].evaluation as { overall: { AP: number } }).overall.AP).toBeGreaterThan(0);
    const [again, first, second] = out[0].imports as PoseResponse<'importCoco'>[];
    const nothing = { imagesAdded: 0, imagesUpdated: 0, personsAdded: 0, personsUpdated: 0, personsRemoved: 0 };
    expect(again.changes).toMatchObject({ ...nothing, datasetUpdated: false });
    expect(first.changes).toMatchObject({ imagesAdded: 1, datasetUpdated: true });
    expect(first.missingFiles).toEqual(['photos/new.png']);
    // a person made in the project is never replaced by the file's other version of it
    expect(first.kept.map((k) => [k.fileName, k.why])).toEqual([['photos/img001.png', 'made in the project']]);
    expect(second.changes).toMatchObject({ ...nothing, datasetUpdated: false, imagesUnchanged: 6 });
    expect(JSON.parse(out[0].after as string).info.description).toBe('changed elsewhere');
  });
});

/**
 * img000 annotated (a person reaching to x = 110 of its 120×90 picture) and accepted, then its file replaced by a
 * 30×120 picture (another aspect ratio: the scan keeps the annotation and leaves a review note); opened again.
 */
async function resizedFirstPhoto(p: OpenProject): Promise<OpenProject> {
  const [first] = (await p.service.listImages({})).images;
  const diff = addPerson(EMPTY_ANNOTATION, 'p', spread(0));
  await p.service.saveEdits({ imageId: first.id, revision: 0, steps: [{ kind: 'do', diff, label: 'add' }] });
  await p.service.setStatus({ imageId: first.id, status: 'accepted' });
  await p.close();
  const file = path.join(p.root, first.relPath);
  await sharp({ create: { width: 30, height: 120, channels: 3, background: '#446688' } })
    .png()
    .toFile(file);
  const later = Date.now() / 1000 + 5;
  utimesSync(file, later, later);
  const again = await openProjectFolder(p.root);
  projects.push(again);
  expect(again.sync.refits).toMatchObject([{ kind: 'needsReview', relPath: first.relPath }]);
  return again;
}

describe.skipIf(PG_MISSING)('an image whose annotation was made for a picture of another size, in both stores', () => {
  it('refuses a decision on it with the same code and message until it fits; the export leaves it out by name', async () => {
    const seen: unknown[] = [];
    for (const { make } of STORES) {
      const s = await make(resizedFirstPhoto);
      const [id] = await ids(s.api);
      const out = path.join(s.root, 'gt.json');
      const gt = () => dispatch(s.api, 'exportCoco', { path: out, onlyReviewed: false, all: true, kind: 'gt' });
      const leftOut = await gt();
      expect(leftOut).toMatchObject({ ok: true, value: { images: 4, leftOut: [{ fileName: photo(0) }] } });
      const refusals = [];
      for (const status of ['accepted', 'rejected', 'skipped', 'no_person']) {
        const r = await dispatch(s.api, 'setStatus', { imageId: id, status });
        expect(r, status).toMatchObject({ ok: false, code: 'unprocessable' });
        refusals.push(r);
      }
      expect((await s.api.listImages({ ids: [id] })).images[0].status).toBe('in_progress'); // nothing changed
      // still being worked on: no decision, so nothing to refuse
      expect(await dispatch(s.api, 'setStatus', { imageId: id, status: 'in_progress' })).toMatchObject({ ok: true });
      const view = await s.api.getAnnotation({ imageId: id });
      const removed = { added: {}, updated: {}, removed: { p: view.state.persons.p } };
      await s.api.saveEdits({
        imageId: id,
        revision: view.revision,
        steps: [{ kind: 'do', diff: removed, label: 'delete' }],
      });
      expect(await dispatch(s.api, 'setStatus', { imageId: id, status: 'accepted' })).toMatchObject({ ok: true });
      expect(await gt()).toMatchObject({ ok: true, value: { images: 5, leftOut: [] } });
      seen.push({ leftOut: (leftOut as { value: { leftOut: unknown } }).value.leftOut, refusals });
    }
    expect(seen[1]).toEqual(seen[0]);
    const { refusals } = seen[0] as { refusals: { error: string }[] };
    expect(refusals[0].error).toMatch(
      /^photos\/img000\.png: the file changed from 120×90 to 30×120 .*does not fit the 30×120 picture/,
    );
  });
});

describe.skipIf(PG_MISSING)('the review methods by role on a team project', () => {
  it('refuses annotators the project-wide methods by name and shows them only their images', async () => {
    const p = await photoProject(4, 120, 90);
    projects.push(p);
    const team = await pg.fresh();
    await pushProject(p.db, team, 'photos');
    const all = (await teamImageRepository.all(team.pool)).map((im) => im.id);
    const ann = await addTeamUser(team, 'ann', 'annotator', 'annotator password');
    const rev = await addTeamUser(team, 'rev', 'reviewer', 'reviewer password');
    await assignImages(team, [all[1], all[2]], 'ann');
    const o = { imagesRoot: p.root, modelPath: BUNDLED_MODEL_PATH, boss: null };
    const [annApi, revApi] = [teamPoseApi(team, ann, o), teamPoseApi(team, rev, o)];
    await seedTeamRun(team, {
      [photo(0)]: { error: 'could not decode img000' },
      [photo(1)]: { error: 'could not decode img001' },
      [photo(2)]: [pose(0, 0.9, 0.5)],
      [photo(3)]: [pose(0, 0.9, 0.1)],
    });
    const gt = { path: path.join(p.root, 'gt.json'), onlyReviewed: false, kind: 'gt' };
    for (const [method, body] of [
      ['setReviewSettings', { personScoreThreshold: 0.5 }],
      ['exportCoco', gt],
      ['importCoco', { path: path.join(p.root, 'gt.json') }],
      ['evaluate', {}],
      ['compareRuns', { runA: 1, runB: 2 }],
    ] as const) {
      const r = await dispatch(annApi, method, body);
      expect(r, method).toMatchObject({ ok: false, code: 'forbidden', error: expect.stringContaining('ann is an') });
    }
    expect(existsSync(gt.path)).toBe(false);
    expect(await dispatch(annApi, 'getReviewSettings', {})).toMatchObject({ ok: true });
    expect((await annApi.reviewQueue({ by: 'uncertainty' })).images.map((e) => e.imageId)).toEqual([all[1], all[2]]);
    expect((await annApi.listProblems({})).files).toEqual([
      { relPath: photo(1), reason: 'could not decode img001', stage: 'detection' },
    ]);
    // a later run's success clears a failure
    await seedTeamRun(team, { [photo(0)]: [] });
    expect((await revApi.listProblems({})).files.map((f) => f.relPath)).toEqual([photo(1)]);
    // reviewers read the whole project's ground truth, but project-wide changes are an admin's
    expect(await dispatch(revApi, 'exportCoco', gt)).toMatchObject({ ok: true, value: { images: 0 } });
    expect(await dispatch(revApi, 'setReviewSettings', { personScoreThreshold: 0.5 })).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
    // what a team project does not do is refused with the way to do it
    const admin = teamPoseApi(team, await addTeamUser(team, 'boss', 'admin', 'the admin password'), o);
    for (const [method, body, way] of [
      ['startTrain', {}, 'simplepose train'],
      ['compareModels', {}, 'local project'],
      ['importModel', { checkpoint: 'x.pth' }, '--model'],
    ] as const)
      expect(await dispatch(admin, method, body), method).toMatchObject({
        ok: false,
        code: 'bad_request',
        error: expect.stringContaining(way),
      });
  });
});
