// One suite, both stores: the contract's image, annotation and status methods on a local project (SQLite, the
// ProjectService) and on the same project pushed to a team database (PostgreSQL, teamPoseApi as an admin), through
// the one dispatcher that validates requests and responses. The same requests give the same answers and the same
// refusals (codes) — paging, filters and positions, revision-checked edits (current, stale and re-based, stale and
// conflicting, malformed), conditional status changes.
import { afterAll, describe, expect, it } from 'vitest';
import { photoProject } from '../support/photoProject.ts';
import { dispatch } from '../../src/contract/dispatch.ts';
import type { PoseApi } from '../../src/contract/poseApi.ts';
import { addPerson, moveJoint } from '../../src/core/edit/poseEdits.ts';
import { EMPTY_ANNOTATION, JOINT_COUNT, type AnnotationState } from '../../src/core/edit/poseRecords.ts';
import { applyDiff } from '../../src/core/edit/recordDiff.ts';
import { BUNDLED_MODEL_PATH } from '../../src/node/inference/bundledModel.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { pushProject } from '../../src/node/team/pushProject.ts';
import { addTeamUser } from '../../src/node/team/teamAccounts.ts';
import { teamPoseApi } from '../../src/node/team/teamPoseApi.ts';
import { PG_MISSING, teamClusterPerFile } from './teamHarness.ts';

const pg = teamClusterPerFile();
const projects: OpenProject[] = [];
afterAll(async () => {
  for (const p of projects) await p.close();
});

async function localStore(): Promise<PoseApi> {
  const p = await photoProject(5, 120, 90);
  projects.push(p);
  return p.service;
}
async function teamStore(): Promise<PoseApi> {
  const p = await photoProject(5, 120, 90);
  projects.push(p);
  const team = await pg.fresh();
  await pushProject(p.db, team, 'photos');
  const admin = await addTeamUser(team, 'admin', 'admin', 'the admin password');
  return teamPoseApi(team, admin, { imagesRoot: p.root, modelPath: BUNDLED_MODEL_PATH, boss: null });
}

const STORES = [
  { store: 'local SQLite project', make: localStore },
  { store: 'team PostgreSQL project', make: teamStore },
];
const joints = () =>
  Array.from({ length: JOINT_COUNT }, (_, k) => ({ x: 10 + k, y: 20, v: 2 as const, source: 'human' as const }));

describe.skipIf(PG_MISSING).each(STORES)('the contract on a $store', ({ make }) => {
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
