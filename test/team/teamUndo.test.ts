// Undo and redo on a team project, on the real PostgreSQL and through the editor's own ImageEdits: each person undoes
// their own edits of an image, newest first and across sessions, as new edits re-based onto the others' changes; an
// undo that no longer applies is refused by name; a new edit ends the redo; nobody undoes another person's edit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoProject } from '../support/photoProject.ts';
import type { HistoryStep } from '../../src/core/edit/editHistory.ts';
import { addPerson, deletePerson, moveJoint } from '../../src/core/edit/poseEdits.ts';
import { applyDiff } from '../../src/core/edit/recordDiff.ts';
import { EMPTY_ANNOTATION, JOINT_COUNT, type AnnotationState } from '../../src/core/edit/poseRecords.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { pushProject } from '../../src/node/team/pushProject.ts';
import { addTeamUser, assignImages, loginTeamUser, sessionUser } from '../../src/node/team/teamAccounts.ts';
import { teamService, type TeamService } from '../../src/node/team/teamService.ts';
import { loadTeamMigrations, openTeamDb, type TeamDb } from '../../src/node/team/openTeamDb.ts';
import { teamAnnotationStore } from '../../src/node/team/teamAnnotationStore.ts';
import { teamWriteTransaction } from '../../src/node/team/teamTransaction.ts';
import { ImageEdits } from '../../src/renderer/editor/imageEdits.ts';
import { PG_MISSING, teamClusterPerFile } from './teamHarness.ts';

const pg = teamClusterPerFile();
const PASSWORD = 'correct horse battery';
let project: OpenProject;
let team: TeamDb;
let ids: number[];

/** A fresh login of `name`: another browser of the same person. */
async function login(name: string): Promise<TeamService> {
  const { token } = await loginTeamUser(team, name, PASSWORD);
  return teamService(team, await sessionUser(team, token));
}

const wire = (st: HistoryStep) =>
  st.kind === 'do' ? { kind: 'do' as const, diff: st.diff, label: st.label } : { kind: st.kind, seq: st.seq };

/** One editor window on an image: the renderer's ImageEdits, saving each step as the EditSession does. */
async function editor(s: TeamService, imageId: number) {
  const e = new ImageEdits(imageId, await s.getAnnotation({ imageId }));
  const send = async () => {
    const steps = e.pending.map(wire);
    const r = await s.saveEdits({ imageId, revision: e.revision, steps });
    expect(e.acknowledged(steps.length, r)).toBe(true);
  };
  return {
    e,
    get state(): AnnotationState {
      return e.shown.current;
    },
    async do(make: (s: AnnotationState) => ReturnType<typeof moveJoint>, label: string) {
      e.do(make(e.shown.current), label);
      await send();
    },
    async step(kind: 'undo' | 'redo') {
      expect(e.undoRedo(kind)).not.toBeNull();
      await send();
    },
    /** What the server has now: the editor shows exactly it once its saves are answered. */
    async inSync() {
      const now = await s.getAnnotation({ imageId });
      expect(e.revision).toBe(now.revision);
      expect(e.shown.current).toEqual(now.state);
      expect(e.shown.position).toMatchObject({ cursor: now.history.cursor, length: now.history.length });
    },
  };
}

const joints = (x: number) =>
  Array.from({ length: JOINT_COUNT }, () => ({ x, y: x, v: 2 as const, source: 'human' as const }));
const jointX = (s: AnnotationState, id: string, k: number) => s.persons[id].joints[k]?.x;

beforeAll(async () => {
  if (PG_MISSING) return;
  project = await photoProject(6, 120, 90);
  team = await pg.fresh({ max: 8 });
  await pushProject(project.db, team, 'photos');
  ids = (await team.pool.query('SELECT id::float8 AS id FROM team_images ORDER BY rel_path')).rows.map((r) => r.id);
  await addTeamUser(team, 'ann1', 'annotator', PASSWORD);
  await addTeamUser(team, 'ann2', 'annotator', PASSWORD);
  await assignImages(team, ids, 'ann1');
  await assignImages(team, [ids[0], ids[2], ids[3], ids[4], ids[5]], 'ann2');
}, 120_000);
afterAll(() => project?.close());

describe.skipIf(PG_MISSING)('undo and redo on a team project', () => {
  it('undoes and redoes across a reload and in another browser of the same person', async () => {
    const a = await editor(await login('ann1'), ids[0]);
    await a.do((s) => addPerson(s, 'p', joints(10)), 'add person');
    await a.do((s) => moveJoint(s, 'p', 3, 40, 41), 'move left ear');
    const reloaded = await editor(await login('ann1'), ids[0]);
    expect(reloaded.e.view()).toMatchObject({ canUndo: true, canRedo: false });
    await reloaded.step('undo');
    expect(jointX(reloaded.state, 'p', 3)).toBe(10);
    const again = await editor(await login('ann1'), ids[0]);
    expect(jointX(again.state, 'p', 3)).toBe(10);
    expect(again.e.view()).toMatchObject({ canUndo: true, canRedo: true });
    await again.step('redo');
    expect(jointX(again.state, 'p', 3)).toBe(40);
    await again.step('undo');
    await again.step('undo'); // the person's addition
    const last = await editor(await login('ann1'), ids[0]);
    expect(last.state.persons.p).toBeUndefined();
    expect(last.e.view()).toMatchObject({ canUndo: false, canRedo: true });
    const history = await (await login('ann1')).editHistory(ids[0]);
    expect(history.map((h) => [h.kind, h.undoes])).toEqual([
      ['do', null],
      ['do', null],
      ['undo', 2],
      ['redo', 2],
      ['undo', 2],
      ['undo', 1],
    ]);
  });

  it("interleaved: A's undo restores A's joint and leaves B's edit; B has nothing of A's to undo", async () => {
    const a = await editor(await login('ann1'), ids[2]);
    await a.do((s) => addPerson(s, 'q', joints(10)), 'add person');
    await a.do((s) => moveJoint(s, 'q', 3, 30, 30), 'move left ear');
    const b = await editor(await login('ann2'), ids[2]);
    expect(b.e.view()).toMatchObject({ canUndo: false, canRedo: false });
    await b.do((s) => moveJoint(s, 'q', 5, 50, 50), 'move left shoulder');
    await a.step('undo'); // made on the revision before B's edit: re-based
    expect(jointX(a.state, 'q', 3)).toBe(10);
    expect(jointX(a.state, 'q', 5)).toBe(50);
    const now = await (await login('ann2')).getAnnotation({ imageId: ids[2] });
    expect(now.history).toMatchObject({ cursor: 1, length: 1 });
    expect(jointX(now.state, 'q', 5)).toBe(50);
    // B's edit is not B's to lose through A: A's next undo is A's own (the person's addition), not B's move.
    const bStale = await (await login('ann2'))
      .saveEdits({
        imageId: ids[2],
        revision: now.revision,
        steps: [{ kind: 'undo', seq: 2 }],
      })
      .catch((err: unknown) => err);
    expect(bStale).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(
        /there is no undo of your edit 2 on image \d+: your history of it is at edit 1 of 1/,
      ),
    });
    // A moves the same joint B moves next: A's undo of it would erase B's value, and is refused by name.
    await a.do((s) => moveJoint(s, 'q', 5, 60, 60), 'move left shoulder');
    const b2 = await editor(await login('ann2'), ids[2]);
    await b2.do((s) => moveJoint(s, 'q', 5, 70, 70), 'move left shoulder');
    const before = await (await login('ann1')).getAnnotation({ imageId: ids[2] });
    const undo = { kind: 'undo' as const, seq: before.history.cursor };
    await expect(
      (await login('ann1')).saveEdits({ imageId: ids[2], revision: before.revision, steps: [undo] }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(
        /your undo of "move left shoulder" no longer applies: left shoulder of person q was changed by someone else/,
      ),
    });
    expect((await (await login('ann1')).getAnnotation({ imageId: ids[2] })).revision).toBe(before.revision);
  });

  it('refuses by name the undo of an edit of a person someone else deleted since, changing nothing', async () => {
    const a = await editor(await login('ann1'), ids[3]);
    await a.do((s) => addPerson(s, 'r', joints(10)), 'add person');
    await a.do((s) => moveJoint(s, 'r', 2, 20, 20), 'move right eye');
    const b = await editor(await login('ann2'), ids[3]);
    await b.do((s) => deletePerson(s, 'r'), 'delete person');
    const view = await (await login('ann1')).getAnnotation({ imageId: ids[3] });
    expect(view.history).toMatchObject({ cursor: 2, length: 2 });
    const err = await (await login('ann1'))
      .saveEdits({ imageId: ids[3], revision: view.revision, steps: [{ kind: 'undo', seq: 2 }] })
      .catch((x: unknown) => x);
    expect(err).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(
        /your undo of "move right eye" no longer applies: person r was deleted by someone else/,
      ),
      details: { revision: view.revision, history: { cursor: 2, length: 2 } },
    });
    // a stale edit of the deleted person is refused with the annotation as getAnnotation gives it, history included
    const stale = await (await login('ann1'))
      .saveEdits({
        imageId: ids[3],
        revision: 2,
        steps: [{ kind: 'do', diff: moveJoint(a.state, 'r', 2, 25, 25), label: 'move' }],
      })
      .catch((x: unknown) => x);
    expect(stale).toMatchObject({
      code: 'conflict',
      details: { revision: view.revision, history: { cursor: 2, length: 2 } },
    });
    const after = await (await login('ann1')).getAnnotation({ imageId: ids[3] });
    expect(after).toMatchObject({ revision: view.revision, history: { cursor: 2 } });
    expect(after.state.persons.r).toBeUndefined();
  });

  it('a new edit ends the redo, across a reload too', async () => {
    const a = await editor(await login('ann1'), ids[4]);
    await a.do((s) => addPerson(s, 't', joints(10)), 'add person');
    await a.do((s) => moveJoint(s, 't', 1, 11, 11), 'first');
    await a.step('undo');
    expect(a.e.view().canRedo).toBe(true);
    await a.do((s) => moveJoint(s, 't', 1, 12, 12), 'second');
    expect(a.e.view()).toMatchObject({ canRedo: false, canUndo: true });
    const view = await (await login('ann1')).getAnnotation({ imageId: ids[4] });
    expect(view.history).toMatchObject({ cursor: 2, length: 2 });
    expect(view.history.entries.map((x) => x.label)).toEqual(['add person', 'second']);
    await expect(
      (await login('ann1')).saveEdits({ imageId: ids[4], revision: view.revision, steps: [{ kind: 'redo', seq: 3 }] }),
    ).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/there is no redo of your edit 3/) });
    const b = await editor(await login('ann1'), ids[4]);
    await b.step('undo');
    expect(jointX(b.state, 't', 1)).toBe(10);
    // ann2 made no edit of this image: ann1's are not theirs to undo
    const other = await login('ann2');
    const seen = await other.getAnnotation({ imageId: ids[4] });
    expect(seen.history).toMatchObject({ cursor: 0, length: 0, entries: [] });
    await expect(
      other.saveEdits({ imageId: ids[4], revision: seen.revision, steps: [{ kind: 'undo', seq: 1 }] }),
    ).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/you have made no edit of it/) });
  });

  it('an annotator cannot undo (nor read the history of) an image not assigned to them', async () => {
    const a = await editor(await login('ann1'), ids[1]);
    await a.do((s) => addPerson(s, 'u', joints(10)), 'add person');
    const ann2 = await login('ann2');
    await expect(
      ann2.saveEdits({ imageId: ids[1], revision: 1, steps: [{ kind: 'undo', seq: 1 }] }),
    ).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/not assigned to ann2/) });
    await expect(ann2.getEditHistory({ imageId: ids[1], revision: 1, from: 1, to: 1 })).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect((await (await login('ann1')).getAnnotation({ imageId: ids[1] })).state.persons.u).toBeDefined();
  });

  it.each([
    ['one after the other', false, 5],
    ['at the same time', true, 0],
  ] as const)(
    '2 users × 150 edit/undo/redo steps %s: the state is the history replayed, each undid only their own',
    async (_, together, at) => {
      const image = ids[at];
      const seed = await editor(await login('ann1'), image);
      await seed.do((s) => addPerson(s, 's', joints(0)), 'shared person');
      const randomOf = (seed: number) => () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      // Each user's own model of their joints (A: joints 0..5, B: 8..13 of the shared person): a stack with a cursor.
      const users = await Promise.all(
        (['ann1', 'ann2'] as const).map(async (name, u) => ({
          name,
          ed: await editor(await login(name), image),
          stack: [] as { k: number; before: number; after: number }[],
          cursor: 0,
          value: new Map<number, number>(),
          first: u * 8,
          random: randomOf(12345 + u),
        })),
      );
      users[0].stack.push({ k: -1, before: 0, after: 0 }); // the shared person's addition is A's first entry
      users[0].cursor = 1;
      /** One step of `u`: an undo, a redo or a move of one of their joints, as the model says it comes out. */
      async function step(u: (typeof users)[number], i: number) {
        const r = u.random();
        if (i % 37 === 0) u.ed = await editor(await login(u.name), image); // a reload
        if (r < 0.25 && u.cursor > (u === users[0] ? 1 : 0)) {
          const e = u.stack[--u.cursor];
          u.value.set(e.k, e.before);
          await u.ed.step('undo');
        } else if (r < 0.4 && u.cursor < u.stack.length) {
          const e = u.stack[u.cursor++];
          u.value.set(e.k, e.after);
          await u.ed.step('redo');
        } else {
          const k = u.first + Math.floor(u.random() * 6);
          const x = 1 + Math.floor(u.random() * 100);
          if (x === (u.value.get(k) ?? 0)) return; // no change: the editor records nothing
          u.stack.length = u.cursor;
          u.stack.push({ k, before: u.value.get(k) ?? 0, after: x });
          u.cursor++;
          u.value.set(k, x);
          await u.ed.do((s) => moveJoint(s, 's', k, x, x), `move ${k}`);
        }
        if (!together) await u.ed.inSync(); // nobody else saved in between
      }
      if (together)
        await Promise.all(
          users.map(async (u) => {
            for (let i = 0; i < 150; i++) await step(u, i);
          }),
        );
      else {
        const pick = randomOf(99);
        for (let i = 0; i < 300; i++) await step(users[Math.floor(pick() * 2)], i);
      }
      const final = await (await login('ann1')).getAnnotation({ imageId: image });
      const rows = await (await login('ann1')).editHistory(image);
      let replayed = EMPTY_ANNOTATION;
      for (const row of rows) replayed = applyDiff(replayed, row.diff);
      expect(replayed).toEqual(final.state);
      expect(final.revision).toBe(rows.length);
      expect(rows.map((x) => x.revision)).toEqual(rows.map((_, i) => i + 1));
      for (const u of users) {
        for (let k = u.first; k < u.first + 6; k++) expect(jointX(final.state, 's', k)).toBe(u.value.get(k) ?? 0);
        const mine = await (await login(u.name)).getAnnotation({ imageId: image });
        expect(mine.history).toMatchObject({ cursor: u.cursor, length: u.stack.length });
      }
      for (const k of [6, 7, 14, 15, 16]) expect(jointX(final.state, 's', k)).toBe(0);
    },
    120_000,
  );

  it("migration 004 makes the edits saved before it their users' undo history (a push's is nobody's)", async () => {
    const url = await pg.cluster().createDatabase('undo_004');
    const old = await openTeamDb(url, { migrations: loadTeamMigrations().slice(0, 3) });
    await pushProject(project.db, old, 'photos');
    await addTeamUser(old, 'ann1', 'admin', PASSWORD);
    const userId = Number((await old.pool.query("SELECT id FROM team_users WHERE name = 'ann1'")).rows[0].id);
    const image = Number((await old.pool.query('SELECT min(id) AS id FROM team_images')).rows[0].id);
    let state = EMPTY_ANNOTATION;
    const edits = [
      { diff: addPerson(state, 'v', joints(10)), label: 'pushed', userId: null },
      { diff: null, label: 'move', userId },
      { diff: null, label: 'move again', userId },
    ];
    for (const [i, e] of edits.entries()) {
      const diff = e.diff ?? moveJoint(state, 'v', 4, 20 + i, 20 + i);
      await teamWriteTransaction(old.pool, 'seed', async (c) => {
        // the columns of migration 004 do not exist yet: the row as the code before it wrote it
        await c.query(
          `INSERT INTO team_edits (image_id, revision, diff_json, label, user_id, created_at) VALUES ($1, $2, $3, $4, $5, 0)`,
          [image, i + 1, JSON.stringify(diff), e.label, e.userId],
        );
      });
      state = applyDiff(state, diff);
    }
    await old.pool.query(
      'INSERT INTO team_annotations (image_id, persons_json, revision, updated_at) VALUES ($1, $2, 3, 0)',
      [image, JSON.stringify(state)],
    );
    await old.close();
    const db = await openTeamDb(url);
    try {
      expect(await teamAnnotationStore.historyPosition(db.pool, image, userId)).toEqual({ cursor: 2, length: 2 });
      const { token } = await loginTeamUser(db, 'ann1', PASSWORD);
      const s = teamService(db, await sessionUser(db, token));
      const view = await s.getAnnotation({ imageId: image });
      expect(view.history.entries.map((x) => x.label)).toEqual(['move', 'move again']);
      await s.saveEdits({ imageId: image, revision: 3, steps: [{ kind: 'undo', seq: 2 }] });
      expect(jointX((await s.getAnnotation({ imageId: image })).state, 'v', 4)).toBe(21);
    } finally {
      await db.close();
    }
  });

  it('two quick undos: the second, made before the first is answered, is saved too', async () => {
    const a = await editor(await login('ann1'), ids[4]);
    await a.do((s) => moveJoint(s, 't', 6, 31, 31), 'one');
    await a.do((s) => moveJoint(s, 't', 6, 32, 32), 'two');
    a.e.undoRedo('undo');
    a.e.undoRedo('undo'); // Ctrl+Z twice: the first is on its way, the second waits for its answer
    const first = await (await login('ann1')).saveEdits({
      imageId: ids[4],
      revision: a.e.revision,
      steps: [wire(a.e.pending[0])],
    });
    expect(a.e.acknowledged(1, first)).toBe(true);
    expect(a.e.pending).toHaveLength(1);
    const second = await (await login('ann1')).saveEdits({
      imageId: ids[4],
      revision: a.e.revision,
      steps: [wire(a.e.pending[0])],
    });
    expect(a.e.acknowledged(1, second)).toBe(true);
    expect(jointX(a.state, 't', 6)).toBe(
      jointX((await (await login('ann1')).getAnnotation({ imageId: ids[4] })).state, 't', 6),
    );
    await a.inSync();
    expect(jointX(a.state, 't', 6)).not.toBe(31);
    expect(jointX(a.state, 't', 6)).not.toBe(32);
  });
});
