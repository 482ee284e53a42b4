// A huge COCO import on the team server (issue 17's leftovers) over real HTTP on a real PostgreSQL: the import read,
// parsed, validated and matched the file on the server's thread, so every other user's request waited for it (a
// 50,000-image file: 14 s without an answer, bench:team-import-stall). The same import called on the server's thread
// is the reference that the file is big enough to stall it; through the server, a reviewer's polls go on being
// answered, and the import's answer and refusals are those of the import itself.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeCoco } from '../../src/core/coco/cocoJson.ts';
import { toApiError } from '../../src/contract/toApiError.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
import { importTeamCoco } from '../../src/node/team/teamImport.ts';
import { photoProject } from '../support/photoProject.ts';
import { hugeCoco, pollWhile, stallServer } from './importStall.ts';
import { PG_MISSING, teamClusterPerFile } from './teamHarness.ts';

const pg = teamClusterPerFile();
const exchange = mkdtempSync(path.join(tmpdir(), 'sp-import-stall-'));
const huge = path.join(exchange, 'huge.json');
let project: OpenProject;

beforeAll(async () => {
  if (PG_MISSING) return;
  project = await photoProject(2, 64, 48);
  writeFileSync(huge, serializeCoco(hugeCoco(3000, 4)));
}, 60_000);
afterAll(async () => {
  await project?.close();
});

/** A fresh team project with its server, an admin and a reviewer logged in; `poll`: the reviewer's cheap call. */
async function served() {
  const s = await stallServer(await pg.fresh(), project, exchange);
  const poll = async () => {
    const r = await s.post('/api/getReviewSettings', {}, s.reviewerToken);
    expect(r.status).toBe(200);
  };
  return { ...s, adm: s.adminToken, poll };
}

describe.skipIf(PG_MISSING)('a huge COCO import on the team server', () => {
  // A timing test on a shared 2-core machine: other test files' processes can take the CPU from the served polls
  // for a moment; a defect (the import on the server's thread) fails every attempt.
  it("does not hold up other users' requests while it runs", { retry: 2, timeout: 300_000 }, async (ctx) => {
    const inThread = await served();
    const reference = await pollWhile(inThread.poll, () =>
      importTeamCoco(inThread.team, huge, project.root, inThread.admin.id),
    );
    await inThread.server.close();
    const s = await served();
    let answer: { status: number; json: unknown } | undefined;
    const through = await pollWhile(s.poll, async () => {
      answer = await s.post('/api/importCoco', { path: huge }, s.adm);
    });
    await s.server.close();
    expect(answer?.status).toBe(200);
    expect(answer?.json).toMatchObject({ changes: { imagesAdded: 3000, personsAdded: 12_000 } });
    const stalled = Math.max(...reference.latencies);
    const served_ = Math.max(...through.latencies);
    // On the server's thread the file holds the polls for its whole parse and match (0.1 s on an idle machine,
    // seconds on a loaded one); off it they wait at most for a share of the CPU and the change events — under half.
    // A machine so fast that even the reference hardly stalls cannot tell the two apart: said, not judged.
    if (stalled < 100) {
      console.warn(`import stall test not judged: the reference stalled only ${stalled.toFixed(0)} ms on this machine`);
      ctx.skip();
    }
    expect(served_, `longest poll ${served_.toFixed(0)} ms vs ${stalled.toFixed(0)} ms on the thread`).toBeLessThan(
      stalled / 2,
    );
    // the polls went on during the import, not only before and after it
    expect(through.latencies.length).toBeGreaterThan(10);
  });

  it('answers a bad file with the import refusal itself (code and located problems), nothing written', async () => {
    const s = await served();
    writeFileSync(path.join(exchange, 'broken.json'), '{"images": [');
    writeFileSync(path.join(exchange, 'wrong.json'), JSON.stringify({ images: [{ id: 1 }], annotations: [] }));
    const broken = await s.post('/api/importCoco', { path: 'broken.json' }, s.adm);
    expect([broken.status, (broken.json as { code: string }).code]).toEqual([422, 'unprocessable']);
    expect((broken.json as { error: string }).error).toContain('broken.json');
    const wrong = await s.post('/api/importCoco', { path: 'wrong.json' }, s.adm);
    // the same refusal as the import's own, called here: message and located problems
    const own = toApiError(
      await importTeamCoco(s.team, path.join(exchange, 'wrong.json'), project.root, s.admin.id).catch((e) => e),
    );
    expect(wrong.status).toBe(422);
    expect(wrong.json).toEqual({ error: own.message, code: 'unprocessable', details: own.details });
    expect((own.details as unknown[]).length).toBeGreaterThan(0);
    expect(JSON.stringify(wrong.json)).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(Number((await s.team.pool.query('SELECT COUNT(*) AS n FROM team_images')).rows[0].n)).toBe(2);
    await s.server.close();
  });
});
