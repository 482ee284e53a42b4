// People and permissions of a team project on the real PostgreSQL: scrypt-hashed passwords and per-user sessions,
// an annotator who sees and edits only the images assigned to them and cannot set a reviewer's status, every edit
// recorded with who and when, and two annotators making 500 interleaved edits each on one image with nothing lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoProject } from '../support/photoProject.ts';
import { addPerson, moveJoint } from '../../src/core/edit/poseEdits.ts';
import { applyDiff } from '../../src/core/edit/recordDiff.ts';
import { EMPTY_ANNOTATION, JOINT_COUNT, type AnnotationState } from '../../src/core/edit/poseRecords.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { pushProject } from '../../src/node/team/pushProject.ts';
import {
  addTeamUser,
  assignImages,
  loginTeamUser,
  logoutTeamUser,
  sessionUser,
} from '../../src/node/team/teamAccounts.ts';
import { teamService, type TeamService } from '../../src/node/team/teamService.ts';
import type { TeamDb } from '../../src/node/team/openTeamDb.ts';
import { PG_MISSING, teamClusterPerFile } from './teamHarness.ts';

const pg = teamClusterPerFile();
const PASSWORD = 'correct horse battery';
let project: OpenProject;
let team: TeamDb;
let ids: number[];
const as: Record<string, TeamService> = {};

beforeAll(async () => {
  if (PG_MISSING) return;
  project = await photoProject(6, 120, 90);
  team = await pg.fresh({ max: 12 });
  await pushProject(project.db, team, 'photos');
  ids = (await team.pool.query('SELECT id::float8 AS id FROM team_images ORDER BY rel_path')).rows.map((r) => r.id);
  for (const [name, role] of [
    ['boss', 'admin'],
    ['ann1', 'annotator'],
    ['ann2', 'annotator'],
    ['rev', 'reviewer'],
  ] as const) {
    await addTeamUser(team, name, role, PASSWORD);
    const { token } = await loginTeamUser(team, name, PASSWORD);
    as[name] = teamService(team, await sessionUser(team, token));
  }
  await assignImages(team, [ids[0], ids[1], ids[2]], 'ann1');
  await assignImages(team, [ids[0], ids[3]], 'ann2');
}, 120_000);
afterAll(() => project?.close());

describe.skipIf(PG_MISSING)('team accounts and roles', () => {
  it('keeps passwords as scrypt hashes and sessions as token hashes; wrong logins refused alike', async () => {
    const row = (await team.pool.query("SELECT password_hash FROM team_users WHERE name = 'ann1'")).rows[0];
    expect(row.password_hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(row.password_hash).not.toContain(PASSWORD);
    await expect(loginTeamUser(team, 'ann1', 'wrong password!')).rejects.toThrow('wrong user name or password');
    await expect(loginTeamUser(team, 'nobody', PASSWORD)).rejects.toThrow('wrong user name or password');
    const { token } = await loginTeamUser(team, 'ann1', PASSWORD);
    const stored = (await team.pool.query('SELECT token_hash FROM team_sessions')).rows.map((r) => r.token_hash);
    expect(stored).not.toContain(token);
    expect((await sessionUser(team, token)).name).toBe('ann1');
    await logoutTeamUser(team, token);
    await expect(sessionUser(team, token)).rejects.toThrow(/not logged in, or the session expired/);
    await expect(addTeamUser(team, 'ann1', 'admin', PASSWORD)).rejects.toThrow('there is a user ann1 already');
    await expect(addTeamUser(team, 'short', 'admin', 'x')).rejects.toThrow(/at least 10 characters/);
  });

  it("an annotator sees and edits only their images, and cannot set a reviewer's status", async () => {
    const mine = await as.ann1.listImages({});
    expect(mine.images.map((r) => r.id)).toEqual([ids[0], ids[1], ids[2]]);
    expect((await as.rev.listImages({})).total).toBe(6);
    await expect(as.ann1.getAnnotation({ imageId: ids[3] })).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/is not assigned to ann1/),
    });
    const diff = addPerson(EMPTY_ANNOTATION, 'x');
    await expect(
      as.ann1.saveEdits({ imageId: ids[3], revision: 0, steps: [{ kind: 'do', diff, label: 'add' }] }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await expect(as.ann1.setStatus({ imageId: ids[4], status: 'in_progress' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(as.ann1.setStatus({ imageId: ids[1], status: 'accepted' })).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/"accepted" is a reviewer's decision/),
    });
    expect(await as.ann1.setStatus({ imageId: ids[1], status: 'in_progress' })).toEqual({
      ok: true,
      status: 'in_progress',
    });
    expect(await as.rev.setStatus({ imageId: ids[1], status: 'accepted' })).toEqual({ ok: true, status: 'accepted' });
    await expect(as.ann1.setStatus({ imageId: ids[1], status: 'in_progress' })).rejects.toThrow(
      /was reviewed \(accepted\)/,
    );
    expect(await as.rev.setStatus({ imageId: ids[1], status: 'in_progress' })).toEqual({
      ok: true,
      status: 'in_progress',
    }); // sent back
    const status = (await team.pool.query('SELECT status FROM team_images WHERE id = $1', [ids[1]])).rows[0].status;
    expect(status).toBe('in_progress');
  });

  it('records who changed an annotation and when', async () => {
    const t0 = Date.now();
    const diff = addPerson(
      EMPTY_ANNOTATION,
      'w',
      Array.from({ length: JOINT_COUNT }, () => ({ x: 5, y: 5, v: 2, source: 'human' as const })),
    );
    await as.ann1.saveEdits({ imageId: ids[2], revision: 0, steps: [{ kind: 'do', diff, label: 'add person' }] });
    const history = await as.rev.editHistory(ids[2]);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ revision: 1, label: 'add person', userId: as.ann1.user.id });
    expect(history[0].at).toBeGreaterThanOrEqual(t0);
  });

  it('2 annotators × 500 interleaved edits of one image: every one saved, none lost', async () => {
    const image = ids[0];
    const joints = () =>
      Array.from({ length: JOINT_COUNT }, () => ({ x: 10, y: 10, v: 2 as const, source: 'human' as const }));
    /** One annotator's editor: its own view of its person, saving on whatever revision it last saw. */
    async function annotator(s: TeamService, personId: string, k: number) {
      let local: AnnotationState = (await s.getAnnotation({ imageId: image })).state;
      let revision = (await s.getAnnotation({ imageId: image })).revision;
      const save = async (diff: ReturnType<typeof addPerson>, label: string) => {
        revision = (await s.saveEdits({ imageId: image, revision, steps: [{ kind: 'do', diff, label }] })).revision;
        local = applyDiff(local, diff);
      };
      await save(addPerson(local, personId, joints()), 'add');
      for (let i = 0; i < 500; i++) {
        await save(moveJoint(local, personId, k, 20 + (i % 200) / 2, 30 + (i % 7)), `move ${i}`);
        if (i % 50 === 0) await new Promise((r) => setImmediate(r));
      }
    }
    await Promise.all([annotator(as.ann1, 'a', 3), annotator(as.ann2, 'b', 5)]);
    const final = await as.rev.getAnnotation({ imageId: image });
    expect(final.revision).toBe(1002);
    expect(final.state.persons.a.joints[3]).toMatchObject({ x: 20 + (499 % 200) / 2, y: 30 + (499 % 7) });
    expect(final.state.persons.b.joints[5]).toMatchObject({ x: 20 + (499 % 200) / 2, y: 30 + (499 % 7) });
    const history = await as.rev.editHistory(image);
    expect(history.map((h) => h.revision)).toEqual(Array.from({ length: 1002 }, (_, i) => i + 1));
    for (const s of [as.ann1, as.ann2]) {
      const labels = history.filter((h) => h.userId === s.user.id).map((h) => h.label);
      expect(labels).toEqual(['add', ...Array.from({ length: 500 }, (_, i) => `move ${i}`)]);
    }
    // the stored state is exactly the history replayed: no edit was overwritten by another
    const replayed = history.reduce((st, h) => applyDiff(st, h.diff), EMPTY_ANNOTATION);
    expect(replayed).toEqual(final.state);
    // interleaved for real: many saves were made on a revision the other annotator had moved on from
    const switches = history.slice(1).filter((h, i) => h.userId !== history[i].userId).length;
    expect(switches).toBeGreaterThan(100);
  }, 120_000);

  it('a stale edit of the joint another annotator changed is refused with the current annotation', async () => {
    const image = ids[0];
    const a = await as.ann1.getAnnotation({ imageId: image });
    await as.ann2.saveEdits({
      imageId: image,
      revision: a.revision,
      steps: [{ kind: 'do', diff: moveJoint(a.state, 'a', 3, 1, 1), label: 'theirs' }],
    });
    const err = await as.ann1
      .saveEdits({
        imageId: image,
        revision: a.revision,
        steps: [{ kind: 'do', diff: moveJoint(a.state, 'a', 3, 2, 2), label: 'mine' }],
      })
      .catch((e) => e);
    expect(err).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/another annotator changed .* of person a/),
    });
    expect(err.details.revision).toBe(a.revision + 1);
    expect(err.details.state.persons.a.joints[3]).toMatchObject({ x: 1, y: 1 });
  });
});
